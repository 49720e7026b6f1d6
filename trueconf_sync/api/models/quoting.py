"""Reading what apps put into message text: reply quotes (PROTOCOL §12.3) and contact links (§12.9).

Pure functions over the wire text, used by :class:`~trueconf_sync.models.Message` properties.
"""

from __future__ import annotations

import html
import re

import attrs

__all__ = ["Contact", "parse_contact_link", "split_quote"]

_HTML_QUOTE = re.compile(r'^\s*<quote\b[^>]*>(?P<quote>.*?)</quote>(?P<gap>(?:\s*<br\s*/?>)*)\s*', re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_BR = re.compile(r"<br\s*/?>", re.I)
_PROFILE_LINK = re.compile(
    r'^\s*<a\s+href\s*=\s*["\']trueconf:(?P<user>[^"\'&]+)(?:&(?:amp;)?do=profile)?["\']\s*>(?P<name>.*?)</a>\s*$',
    re.S | re.I,
)


def _html_to_text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", _BR.sub("\n", fragment)))


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
    """A TrueConf user shared in a message: ``user_id`` (``login@server``) and the shown ``name``."""

    user_id: str
    name: str = ""


def parse_contact_link(text: str) -> Contact | None:
    """A text that is exactly one ``<a href="trueconf:login[&do=profile]">Name</a>`` link -> Contact."""
    match = _PROFILE_LINK.match(text)
    if match is None:
        return None
    return Contact(user_id=html.unescape(match.group("user")), name=_html_to_text(match.group("name")).strip())
