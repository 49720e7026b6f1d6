"""Reading what apps put into messages: reply quotes (PROTOCOL §12.3) and shared contacts (§12.9).

Pure functions over the wire text, used by :class:`~trueconf_sync.models.Message` properties.
"""

from __future__ import annotations

import re

import attrs

from ...text.vcard import parse_vcard

__all__ = ["Contact", "parse_contact_link", "split_quote", "unescape_html"]

_HTML_QUOTE = re.compile(r'^\s*<quote\b[^>]*>(?P<quote>.*?)</quote>(?P<gap>(?:\s*<br\s*/?>)*)\s*', re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_BR = re.compile(r"<br\s*/?>", re.I)
_PROFILE_LINK = re.compile(
    r'^\s*<a\s+href\s*=\s*["\']trueconf:(?P<user>[^"\'&]+)(?:&(?:amp;)?do=profile)?["\']\s*>(?P<name>.*?)</a>\s*$',
    re.S | re.I,
)


def unescape_html(text: str) -> str:
    """:func:`html.unescape`, imported on first use."""
    import html  # (on first use: html.entities is ~0.4 MiB a client may never need)

    return html.unescape(text)


def _html_to_text(fragment: str) -> str:
    return unescape_html(_TAG.sub("", _BR.sub("\n", fragment)))


def split_quote(text: str, parse_mode: str) -> tuple[str | None, str]:
    """Split a reply's leading quote block off its text: ``(quote or None, the rest)``.

    HTML: ``<quote class="reply">Q</quote><br><br>rest`` (the quote comes back as plain text).
    Markdown: leading lines starting with ``>`` then a blank line. Other text: ``(None, text)``.
    """
    if parse_mode == "html":
        match = _HTML_QUOTE.match(text)
        if match:
            return _html_to_text(match.group("quote")), text[match.end():]
    elif parse_mode == "markdown" and text.startswith(">"):
        lines = text.split("\n")
        quoted: list[str] = []
        for index, line in enumerate(lines):
            if line.startswith(">"):
                quoted.append(line[1:].lstrip(" "))
                continue
            if line.strip() == "" and quoted:
                rest = "\n".join(lines[index + 1:])
                return "\n".join(quoted), rest
            break
    return None, text


@attrs.frozen
class Contact:
    """A contact shared in a message: a TrueConf profile link or a vCard file (PROTOCOL §12.9).

    ``user_id`` is the TrueConf ID (``login@server``): always set for a profile link, set for a
    vCard only when the card carries one. ``name`` is the name to show (the link text, or the
    vCard's ``FN``); ``first_name`` / ``last_name`` follow the official SDK: for a vCard the parts
    of its structured ``N`` (``first_name`` is the whole ``FN`` when there is no ``N``), for a
    profile link the whole name in ``first_name``. ``phones`` and ``emails`` come from the vCard;
    ``vcard`` is its text exactly as received.
    """

    user_id: str | None = None
    name: str = ""
    first_name: str = attrs.field(default=attrs.Factory(lambda self: self.name, takes_self=True))
    last_name: str | None = None
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    vcard: str | None = attrs.field(default=None, repr=False)

    @property
    def phone_number(self) -> str | None:
        """The first phone number (the SDK's name), or None."""
        return self.phones[0] if self.phones else None

    @property
    def email(self) -> str | None:
        """The first e-mail address, or None."""
        return self.emails[0] if self.emails else None

    @classmethod
    def from_vcard(cls, text: str) -> Contact | None:
        """Read a vCard (2.1, 3.0, 4.0) text; None when it holds no ``BEGIN:VCARD``."""
        card = parse_vcard(text)
        if card is None:
            return None
        formatted = card.formatted_name or ""
        if card.first("N") is not None:
            first, last = card.given_name or "", card.family_name
        else:
            first, last = formatted, None
        name = formatted or " ".join(part for part in (first, last) if part)
        return cls(user_id=card.trueconf_id, name=name, first_name=first, last_name=last,
                   phones=card.phones, emails=card.emails, vcard=text)


def parse_contact_link(text: str) -> Contact | None:
    """A text that is exactly one ``<a href="trueconf:login[&do=profile]">Name</a>`` link -> Contact."""
    match = _PROFILE_LINK.match(text)
    if match is None:
        return None
    return Contact(user_id=unescape_html(match.group("user")), name=_html_to_text(match.group("name")).strip())
