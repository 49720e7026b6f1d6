"""Message text formatting: safe builders, visible length and splitting.

TrueConf understands three ``parseMode`` values (PROTOCOL §5.9):

``text``
    Shown as typed.
``html``
    A small subset: ``<b> <i> <u> <s> <a href="...">``, ``<br>`` for a line
    break and ``<quote class="reply">`` for a reply quote (§12.3). Other tags
    are stripped by the server.
``markdown``
    ``**bold**``, ``_italic_``, ``~~strike~~``, ``[label](url)``; a leading
    ``>`` starts a reply quote. No underline; code, headings and lists are
    shown literally.

Build messages with the :data:`html` and :data:`markdown` builders. Plain
``str`` arguments are always escaped, :class:`FormattedText` arguments (the
result of another builder call) are inserted as they are, so user input can
never inject markup::

    from .formatting import html
    msg = html.bold("Alert: ", html.italic(user_input))
    client.send_message(chat_id, msg)   # carries parse_mode="html" itself

Escaping schemes
    *HTML*: ``&`` ``<`` ``>`` ``"`` become ``&amp;`` ``&lt;`` ``&gt;``
    ``&quot;``; a line break (``\\n``, ``\\r\\n`` or ``\\r``) in text becomes
    ``<br>``, the HTML subset's only line break.

    *Markdown*: every character of ``\\ * _ ~ [ ] ( ) >`` gets a backslash in
    front (``a*b`` -> ``a\\*b``), the CommonMark backslash escape. URLs inside
    ``[label](url)`` get ``\\ ( ) < >`` backslash-escaped and whitespace
    percent-encoded.

Styles a mode does not have are emitted as plain escaped text, never as
markup the server would show literally: ``code`` and ``pre`` in both modes,
``underline`` in Markdown (``__x__`` is bold per the docs, §5.9).

:func:`visible_length` implements the §8 counting rules; :func:`split_text`
cuts long texts into parts that each fit the 4096 limit.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import TypeAlias

import attrs

from ..enums import ParseMode
from ..limits import MAX_TEXT_LENGTH, check_choice, check_count

__all__ = [
    "MAX_TEXT_LENGTH",
    "FormattedText",
    "HTMLBuilder",
    "MarkdownBuilder",
    "ParseMode",
    "html",
    "markdown",
    "split_text",
    "visible_length",
]



def _coerce_mode(value: str | ParseMode) -> ParseMode:
    """Turn ``"html"``/``ParseMode.HTML`` into a :class:`ParseMode`.

    Raises:
        ValueError: ``value`` is not text, markdown or html.
    """
    return check_choice("parse_mode", value, ParseMode)


# ---------------------------------------------------------------------------
# escaping

_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_HTML_SPECIAL_RE = re.compile(r'[&<>"]')
_NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_MD_SPECIAL_RE = re.compile(r"([\\*_~\[\]()>])")
_MD_URL_SPECIAL_RE = re.compile(r"([\\()<>])")
_MD_URL_SPACE_RE = re.compile(r"\s")


def _html_escape_attr(value: str) -> str:
    return _HTML_SPECIAL_RE.sub(lambda m: _HTML_ESCAPES[m.group()], value)


def _html_escape(value: str) -> str:
    return _NEWLINE_RE.sub("<br>", _html_escape_attr(value))


def _md_escape(value: str) -> str:
    return _MD_SPECIAL_RE.sub(r"\\\1", value)


def _md_escape_url(url: str) -> str:
    url = _MD_URL_SPECIAL_RE.sub(r"\\\1", url)
    return _MD_URL_SPACE_RE.sub(
        lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), url
    )


def _no_escape(value: str) -> str:
    return value


_ESCAPERS: dict[ParseMode, Callable[[str], str]] = {
    ParseMode.TEXT: _no_escape,
    ParseMode.HTML: _html_escape,
    ParseMode.MARKDOWN: _md_escape,
}


# ---------------------------------------------------------------------------
# FormattedText


@attrs.frozen
class FormattedText:
    """Rendered message text together with its parse mode.

    Produced by the :data:`html` / :data:`markdown` builders; the client sends
    ``text`` with ``parseMode = parse_mode``, so no separate parse mode is
    needed. Instances are immutable and compose with ``+``:

    * ``FormattedText + FormattedText`` of the same mode concatenates;
    * ``FormattedText + str`` and ``str + FormattedText`` escape the ``str``
      for the mode first.

    The constructor trusts ``text``: it must already be valid markup for
    ``parse_mode``. Use the builders to turn untrusted input into markup.

    Attributes:
        text: the wire text (also ``str(x)``).
        parse_mode: the :class:`ParseMode` (a ``str`` like ``"html"`` is
            converted).

    Raises:
        ValueError: on ``+`` or in a builder, when the modes differ; at
            construction, for an unknown parse mode.
        TypeError: ``text`` is not a ``str``.
    """

    text: str = attrs.field(validator=attrs.validators.instance_of(str))
    parse_mode: ParseMode = attrs.field(default=ParseMode.TEXT, converter=_coerce_mode)

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def _coerce(self, other: object) -> str | None:
        if isinstance(other, FormattedText):
            if other.parse_mode is not self.parse_mode:
                raise ValueError(
                    f"cannot combine {self.parse_mode.value} text "
                    f"with {other.parse_mode.value} text"
                )
            return other.text
        if isinstance(other, str):
            return _ESCAPERS[self.parse_mode](other)
        return None

    def __add__(self, other: FormattedText | str) -> FormattedText:
        rendered = self._coerce(other)
        if rendered is None:
            return NotImplemented
        return FormattedText(self.text + rendered, self.parse_mode)

    def __radd__(self, other: str) -> FormattedText:
        rendered = self._coerce(other)
        if rendered is None:
            return NotImplemented
        return FormattedText(rendered + self.text, self.parse_mode)

    def join(self, parts: Iterable[FormattedText | str]) -> FormattedText:
        """Concatenate ``parts`` with this text as separator, like ``str.join``.

        Args:
            parts: ``str`` items are escaped, ``FormattedText`` items must have
                this text's parse mode.

        Returns:
            A new :class:`FormattedText` of this parse mode.

        Raises:
            ValueError: an item has another parse mode.
            TypeError: an item is neither ``str`` nor ``FormattedText``.
        """
        rendered = []
        for part in parts:
            text = self._coerce(part)
            if text is None:
                raise TypeError(f"expected str or FormattedText, got {type(part).__name__}")
            rendered.append(text)
        return FormattedText(self.text.join(rendered), self.parse_mode)

    def visible_length(self) -> int:
        """Return :func:`visible_length` of this text in its parse mode."""
        return visible_length(self.text, self.parse_mode)


Part: TypeAlias = "str | FormattedText"
"""What the builders accept: ``str`` (escaped) or same-mode ``FormattedText``."""


# ---------------------------------------------------------------------------
# builders


class _Builder:
    """Shared machinery of :class:`HTMLBuilder` and :class:`MarkdownBuilder`."""

    parse_mode: ParseMode = ParseMode.TEXT

    def escape(self, value: str) -> str:
        """Escape ``value`` so the server shows it literally in this mode.

        Args:
            value: any text.

        Returns:
            The escaped text (a plain ``str``).
        """
        return _ESCAPERS[self.parse_mode](value)

    def _render(self, parts: tuple[Part, ...]) -> str:
        out = []
        for part in parts:
            if isinstance(part, FormattedText):
                if part.parse_mode is not self.parse_mode:
                    raise ValueError(
                        f"cannot use {part.parse_mode.value} text inside "
                        f"{self.parse_mode.value} formatting"
                    )
                out.append(part.text)
            elif isinstance(part, str):
                out.append(self.escape(part))
            else:
                raise TypeError(f"expected str or FormattedText, got {type(part).__name__}")
        return "".join(out)

    def _new(self, text: str) -> FormattedText:
        return FormattedText(text, self.parse_mode)

    def _wrap(self, opener: str, closer: str, parts: tuple[Part, ...]) -> FormattedText:
        inner = self._render(parts)
        if not inner:
            return self._new("")
        return self._new(opener + inner + closer)

    def text(self, *parts: Part) -> FormattedText:
        """Concatenate ``parts`` without any style.

        Args:
            *parts: ``str`` (escaped) or ``FormattedText`` of this mode.

        Returns:
            FormattedText of this builder's mode.

        Raises:
            ValueError: a ``FormattedText`` of another mode was given.
            TypeError: a part is neither ``str`` nor ``FormattedText``.
        """
        return self._new(self._render(parts))

    def code(self, *parts: Part) -> FormattedText:
        """Inline code. The server has no code style in any mode (§5.9), so
        this emits the parts as plain escaped text. Args/raises as :meth:`text`."""
        return self.text(*parts)

    def pre(self, *parts: Part) -> FormattedText:
        """Preformatted block. No such style exists on the server (§5.9), so
        this emits the parts as plain escaped text. Args/raises as :meth:`text`."""
        return self.text(*parts)

    def mention_all(self) -> FormattedText:
        """``@all``: notifies every member of a group chat or channel [SDK].

        Returns:
            FormattedText of this builder's mode.
        """
        return self._new("@all")

    def mention(self, user_id: str, label: Part | None = None) -> FormattedText:
        """Mention a user: a link to ``trueconf:<user_id>`` (§5.9, server 5.5.3+).

        A mentioned member is notified even when the chat is muted.

        Args:
            user_id: TrueConf ID such as ``john_doe@video.example.com``; a
                ``trueconf:`` prefix is accepted and not doubled.
            label: shown text; defaults to ``user_id``.

        Returns:
            FormattedText of this builder's mode.

        Raises:
            ValueError: ``user_id`` is empty.
        """
        if not isinstance(user_id, str) or not user_id.strip():
            raise ValueError(f"user_id must be a non-empty str, got {user_id!r}")
        url = user_id if user_id.startswith("trueconf:") else "trueconf:" + user_id
        return self.link(user_id if label is None else label, url)

    def link(self, label: Part, url: str) -> FormattedText:
        """Link ``label`` to ``url``; implemented by the concrete builders."""
        raise NotImplementedError


class HTMLBuilder(_Builder):
    """Builders for ``parseMode = "html"``; use the :data:`html` instance.

    Every method takes ``*parts`` of ``str`` (escaped) or html
    :class:`FormattedText` (inserted as is), and returns a html
    :class:`FormattedText`. A style around empty content renders as ``""``.
    """

    parse_mode = ParseMode.HTML

    def bold(self, *parts: Part) -> FormattedText:
        """``<b>...</b>``. Args/raises as :meth:`text`."""
        return self._wrap("<b>", "</b>", parts)

    def italic(self, *parts: Part) -> FormattedText:
        """``<i>...</i>``. Args/raises as :meth:`text`."""
        return self._wrap("<i>", "</i>", parts)

    def underline(self, *parts: Part) -> FormattedText:
        """``<u>...</u>``. Args/raises as :meth:`text`."""
        return self._wrap("<u>", "</u>", parts)

    def strike(self, *parts: Part) -> FormattedText:
        """``<s>...</s>``. Args/raises as :meth:`text`."""
        return self._wrap("<s>", "</s>", parts)

    def link(self, label: Part, url: str) -> FormattedText:
        """``<a href="url">label</a>``.

        The apps open ``http``, ``https``, ``mailto`` and ``trueconf`` links;
        the URL is not checked.

        Args:
            label: shown text; an empty label shows the URL.
            url: link target (attribute-escaped).

        Returns:
            html FormattedText.

        Raises:
            ValueError: ``url`` is empty, or ``label`` has another mode.
        """
        if not isinstance(url, str) or not url:
            raise ValueError("url must be a non-empty string")
        inner = self._render((label,)) or self.escape(url)
        return self._new(f'<a href="{_html_escape_attr(url)}">{inner}</a>')

    def line_break(self) -> FormattedText:
        """``<br>``, the html line break."""
        return self._new("<br>")

    def quote(self, *parts: Part) -> FormattedText:
        """Reply quote block (§12.3): ``<quote class="reply">...</quote><br><br>``.

        Put it at the very start of the text of a message sent with a
        ``replyMessageId``; the apps render ``<quote>`` only in replies.
        Args/raises as :meth:`text`.
        """
        inner = self._render(parts)
        return self._new(f'<quote class="reply">{inner}</quote><br><br>')


class MarkdownBuilder(_Builder):
    """Builders for ``parseMode = "markdown"``; use the :data:`markdown` instance.

    Every method takes ``*parts`` of ``str`` (escaped) or markdown
    :class:`FormattedText` (inserted as is), and returns a markdown
    :class:`FormattedText`. Markers are ``**`` (bold), ``_`` (italic) and
    ``~~`` (strike); whitespace at the edges of a styled span is moved
    outside the markers (``**x **`` would not be bold). A style around empty
    content renders as ``""``.
    """

    parse_mode = ParseMode.MARKDOWN

    def _wrap(self, opener: str, closer: str, parts: tuple[Part, ...]) -> FormattedText:
        inner = self._render(parts)
        core = inner.strip()
        if not core:
            return self._new(inner)
        start = len(inner) - len(inner.lstrip())
        lead, trail = inner[:start], inner[start + len(core) :]
        return self._new(lead + opener + core + closer + trail)

    def bold(self, *parts: Part) -> FormattedText:
        """``**...**``. Args/raises as :meth:`text`."""
        return self._wrap("**", "**", parts)

    def italic(self, *parts: Part) -> FormattedText:
        """``_..._``. Args/raises as :meth:`text`."""
        return self._wrap("_", "_", parts)

    def strike(self, *parts: Part) -> FormattedText:
        """``~~...~~``. Args/raises as :meth:`text`."""
        return self._wrap("~~", "~~", parts)

    def underline(self, *parts: Part) -> FormattedText:
        """Markdown has no underline (§5.9; ``__x__`` is bold), so this emits
        the parts as plain escaped text. Args/raises as :meth:`text`."""
        return self.text(*parts)

    def link(self, label: Part, url: str) -> FormattedText:
        """``[label](url)``.

        Args:
            label: shown text; an empty label shows the URL; line breaks in
                it become spaces (a link cannot span lines).
            url: link target; ``\\ ( ) < >`` are backslash-escaped and
                whitespace percent-encoded.

        Returns:
            markdown FormattedText.

        Raises:
            ValueError: ``url`` is empty, or ``label`` has another mode.
        """
        if not isinstance(url, str) or not url:
            raise ValueError("url must be a non-empty string")
        inner = self._render((label,)) or self.escape(url)
        inner = _NEWLINE_RE.sub(" ", inner)
        return self._new(f"[{inner}]({_md_escape_url(url)})")

    def line_break(self) -> FormattedText:
        """``\\n``."""
        return self._new("\n")

    def quote(self, *parts: Part) -> FormattedText:
        """Reply quote block (§12.3): every line prefixed with ``>``, then a
        blank line. Put it at the start of a reply. Args/raises as :meth:`text`.
        """
        inner = self._render(parts)
        lines = _NEWLINE_RE.split(inner)
        return self._new("\n".join(">" + line for line in lines) + "\n\n")


html = HTMLBuilder()
"""The html builder: ``html.bold(...)``, ``html.link(...)``, ..."""

markdown = MarkdownBuilder()
"""The markdown builder: ``markdown.bold(...)``, ``markdown.link(...)``, ..."""


# ---------------------------------------------------------------------------
# tokens shared by visible_length and split_text

_WORD, _SPACE, _NEWLINE, _ATOM, _OPEN, _CLOSE, _GROUP = range(7)


class _Tok:
    """One lexical unit. WORD/SPACE may be cut (at character clusters); all
    other kinds are never cut. ``weight`` is its §8 visible length."""

    __slots__ = ("inner", "kind", "name", "raw", "weight")

    def __init__(
        self, kind: int, raw: str, weight: int, name: str = "", inner: tuple[_Tok, ...] = ()
    ) -> None:
        self.kind = kind
        self.raw = raw
        self.weight = weight
        self.name = name
        self.inner = inner


_SPACE_PATTERN = r"[^\S\n]+"

_TEXT_RE = re.compile(rf"(?P<nl>\n)|(?P<space>{_SPACE_PATTERN})|(?P<word>\S+)")

_HTML_RE = re.compile(
    r"""
     (?P<br><br\s*/?>|<br\s[^<>]*>)
    |(?P<open><(?:b|i|u|s|a|quote)(?:\s[^<>]*)?>)
    |(?P<close></(?:b|i|u|s|a|quote)\s*>)
    |(?P<tag></?[a-z!][^<>]*>)
    |(?P<entity>&(?:[a-z][a-z0-9]{0,31}|\#[0-9]{1,7}|\#x[0-9a-f]{1,6});)
    |(?P<nl>\n)
    |(?P<space>"""
    + _SPACE_PATTERN
    + r""")
    |(?P<word>[^\s<&]+)
    |(?P<char>.)
    """,
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)
_TAG_NAME_RE = re.compile(r"</?([a-z]+)", re.IGNORECASE)
_HREF_RE = re.compile(
    r"""\shref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)

_MD_PUNCT = r"[!-/:-@\[-`{-~]"
_MD_RE = re.compile(
    rf"""
     (?P<escape>\\{_MD_PUNCT})
    |(?P<link>\[(?P<label>(?:\\.|[^\\\[\]\n])+)\]\((?P<url>(?:\\{_MD_PUNCT}|[^\\()\s])+)\))
    |(?P<marker>[*_~])
    |(?P<nl>\n)
    |(?P<space>{_SPACE_PATTERN})
    |(?P<word>[^\s\\*_~\[>]+)
    |(?P<char>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_MD_UNESCAPE_RE = re.compile(rf"\\({_MD_PUNCT})")


def _href(tag: str) -> str:
    m = _HREF_RE.search(tag)
    if m is None:
        return ""
    return next(g for g in m.groups() if g is not None)


def _tokenize_text(text: str) -> list[_Tok]:
    kinds = {"nl": _NEWLINE, "space": _SPACE, "word": _WORD}
    return [
        _Tok(kinds[m.lastgroup or "word"], m.group(), len(m.group()))
        for m in _TEXT_RE.finditer(text)
    ]


def _tokenize_html(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos, end = 0, len(text)
    match = _HTML_RE.match
    while pos < end:
        m = match(text, pos)
        assert m is not None  # the "char" alternative always matches
        group, raw = m.lastgroup, m.group()
        pos = m.end()
        if group == "word" or group == "space":
            out.append(_Tok(_WORD if group == "word" else _SPACE, raw, len(raw)))
        elif group == "nl":
            out.append(_Tok(_NEWLINE, raw, 1))
        elif group == "br":
            out.append(_Tok(_NEWLINE, raw, 0, "br"))
        elif group == "open" or group == "close":
            name_match = _TAG_NAME_RE.match(raw)
            assert name_match is not None
            name = name_match.group(1).lower()
            if group == "close":
                out.append(_Tok(_CLOSE, raw, 0, name))
            else:
                href = _href(raw) if name == "a" else ""
                out.append(_Tok(_OPEN, raw, 1 + len(href) if href else 0, name))
        else:  # unknown tag, entity, lone '<' or '&': counted as written
            out.append(_Tok(_ATOM, raw, len(raw)))
    return out


def _tokenize_markdown(text: str, line_start: bool = True) -> list[_Tok]:
    out: list[_Tok] = []
    pos, end = 0, len(text)
    match = _MD_RE.match
    while pos < end:
        m = match(text, pos)
        assert m is not None
        group, raw = m.lastgroup, m.group()
        if group == "word" or group == "space":
            out.append(_Tok(_WORD if group == "word" else _SPACE, raw, len(raw)))
        elif group == "nl":
            out.append(_Tok(_NEWLINE, raw, 1))
        elif group == "marker":
            out.append(_Tok(_ATOM, raw, 0))
        elif group == "escape":
            out.append(_Tok(_ATOM, raw, 1 if raw[1] in "*_~" else 2))
        elif group == "link":
            label_weight = sum(t.weight for t in _tokenize_markdown(m.group("label"), False))
            out.append(_Tok(_ATOM, raw, label_weight + 1 + len(m.group("url")), "link"))
        elif raw == ">" and ((pos == 0 and line_start) or (pos > 0 and text[pos - 1] == "\n")):
            out.append(_Tok(_ATOM, raw, 0, "quote"))
        else:
            out.append(_Tok(_ATOM, raw, 1))
        pos = m.end()
    return out


def _tokenize(text: str, mode: ParseMode) -> list[_Tok]:
    if mode is ParseMode.HTML:
        return _tokenize_html(text)
    if mode is ParseMode.MARKDOWN:
        return _tokenize_markdown(text)
    return _tokenize_text(text)


def _resolve(
    text: str | FormattedText, parse_mode: str | ParseMode | None
) -> tuple[str, ParseMode]:
    if isinstance(text, FormattedText):
        if parse_mode is not None and _coerce_mode(parse_mode) is not text.parse_mode:
            raise ValueError(
                f"parse_mode {str(parse_mode)!r} differs from the text's own "
                f"parse mode {text.parse_mode.value!r}"
            )
        return text.text, text.parse_mode
    if not isinstance(text, str):
        raise TypeError(f"text must be str or FormattedText, got {type(text).__name__}")
    return text, _coerce_mode("text" if parse_mode is None else parse_mode)


def visible_length(text: str | FormattedText, parse_mode: str | ParseMode | None = None) -> int:
    """Count the visible characters of ``text`` as PROTOCOL §8 and §12.3 define them.

    The server limit of :data:`MAX_TEXT_LENGTH` applies to this count. Rules:

    * everything is counted in Unicode code points (an emoji is 1);
    * ``text`` mode: every character counts;
    * ``html`` mode (tag names case-insensitive): ``<b> <i> <u> <s>``
      (with or without attributes), ``<quote ...>``, ``<br>`` and all their
      closing tags count 0; ``<a href="U">`` counts ``1 + len(U)`` (the
      space and URL, as written; 0 without an href; ``</a>`` counts 0), so a
      link counts label + 1 + URL.
      Everything else - unknown tags, entities such as ``&amp;`` - counts
      as written;
    * ``markdown`` mode: every ``*``, ``_`` and ``~`` counts 0 (so do the
      ``**``, ``__``, ``~~`` markers), a ``>`` at the start of a line
      counts 0, ``[L](U)`` counts L + 1 + ``len(U)``, a backslash escape
      counts its backslash (``\\*`` = 1, ``\\[`` = 2). Everything else
      counts 1.

    The count is the SDK's client-side rule; how the server counts is not
    documented. Unlike the SDK, rules of one mode are not applied to text
    of another (``<b>`` counts 3 in Markdown, ``**`` counts 2 in html).

    Args:
        text: the wire text, or a :class:`FormattedText`.
        parse_mode: ``"text"``, ``"markdown"`` or ``"html"``; defaults to the
            FormattedText's own mode, else ``"text"``.

    Returns:
        The number of visible characters.

    Raises:
        ValueError: unknown ``parse_mode``, or one that contradicts the
            FormattedText's mode.
        TypeError: ``text`` is not a str or FormattedText.
    """
    raw, mode = _resolve(text, parse_mode)
    if mode is ParseMode.TEXT:
        return len(raw)
    return sum(tok.weight for tok in _tokenize(raw, mode))


# ---------------------------------------------------------------------------
# split_text

_P, _L, _W = 0, 1, 2  # cut classes: after a blank line, after a line, at whitespace


def _extends_cluster(text: str, index: int) -> bool:
    """Whether text[index] belongs to the character cluster before it."""
    ch = text[index]
    if text[index - 1] == "\u200d" or ch == "\u200d":
        return True
    return unicodedata.category(ch) in ("Mn", "Mc", "Me") or "\U0001f3fb" <= ch <= "\U0001f3ff"


def _cut_point(text: str, budget: int) -> int:
    """Largest cut <= budget that does not split a base char from its marks."""
    k = min(budget, len(text))
    while 0 < k < len(text) and _extends_cluster(text, k):
        k -= 1
    return k


def _degrade_html_links(toks: list[_Tok], limit: int) -> list[_Tok]:
    """Make every ``<a>...</a>`` one unbreakable GROUP token; a link heavier
    than ``limit`` becomes plain text ``label U`` instead (the weight stays)."""
    out: list[_Tok] = []
    seq = toks
    i = 0
    while i < len(seq):
        tok = seq[i]
        if tok.kind != _OPEN or tok.name != "a":
            out.append(tok)
            i += 1
            continue
        j = i + 1
        while j < len(seq) and not (seq[j].kind == _CLOSE and seq[j].name == "a"):
            j += 1
        end = min(j + 1, len(seq))
        members = tuple(seq[i:end])
        weight = sum(t.weight for t in members)
        if weight <= limit:
            out.append(_Tok(_GROUP, "".join(t.raw for t in members), weight, "a", members))
            i = end
            continue
        href = _href(tok.raw)
        tail = _tokenize_html(" " + href.replace("<", "&lt;").replace(">", "&gt;")) if href else []
        seq = seq[i + 1 : j] + tail + seq[end:]
        i = 0
    return out


def _degrade_markdown_links(toks: list[_Tok], limit: int) -> list[_Tok]:
    """A ``[L](U)`` heavier than ``limit`` becomes ``L U`` (U escaped)."""
    out: list[_Tok] = []
    for tok in toks:
        if tok.name != "link" or tok.weight <= limit:
            out.append(tok)
            continue
        m = _MD_RE.match(tok.raw)
        assert m is not None
        url = _md_escape(_MD_UNESCAPE_RE.sub(r"\1", m.group("url")))
        out.extend(_tokenize_markdown(m.group("label"), False))
        out.extend(_tokenize_markdown(" " + url, False))
    return out


_Stack = tuple[tuple[str, str], ...]  # open html tags: (name, opening tag as written)


def _apply(stack: _Stack, tok: _Tok) -> _Stack:
    if tok.kind == _OPEN:
        return (*stack, (tok.name, tok.raw))
    if tok.kind == _CLOSE:
        for pos in range(len(stack) - 1, -1, -1):
            if stack[pos][0] == tok.name:
                return stack[:pos] + stack[pos + 1 :]
        return stack
    if tok.kind == _GROUP:
        for member in tok.inner:
            stack = _apply(stack, member)
    return stack


def _closers(stack: _Stack) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _pack(toks: list[_Tok], limit: int) -> list[str]:
    """Greedy packing of tokens into parts of weight <= limit."""
    parts: list[str] = []
    n = len(toks)
    i = 0
    stack: _Stack = ()
    while i < n:
        start_stack = stack
        raws: list[str] = []
        kinds: list[int] = []
        after: list[int] = []  # token index to resume from after each entry
        stacks: list[_Stack] = []  # open tags after each entry
        weight = 0
        cand: list[int | None] = [None, None, None]
        newlines = 0  # line breaks since the last visible non-whitespace
        prev_ws = True
        cur = start_stack
        cut: int | None = None
        j = i
        while j < n:
            tok = toks[j]
            if tok.weight and weight + tok.weight > limit:
                cut = next((c for c in cand if c is not None), None)
                if cut is None:
                    budget = limit - weight
                    k = 0
                    if tok.kind in (_WORD, _SPACE):
                        k = _cut_point(tok.raw, budget)
                        if k == 0 and weight == 0:
                            k = budget  # a single cluster longer than limit
                    if k > 0:
                        raws.append(tok.raw[:k])
                        kinds.append(tok.kind)
                        after.append(j)
                        stacks.append(cur)
                        toks[j] = _Tok(tok.kind, tok.raw[k:], len(tok.raw) - k)
                        cut = len(raws)
                    else:  # cut before tok, leaving trailing opening tags to the next part
                        cut = len(raws)
                        while cut > 1 and kinds[cut - 1] == _OPEN:
                            cut -= 1
                break
            is_ws = tok.kind in (_SPACE, _NEWLINE)
            if is_ws and not prev_ws and weight > 0:
                cand[_W] = len(raws)
            raws.append(tok.raw)
            kinds.append(tok.kind)
            after.append(j + 1)
            cur = _apply(cur, tok)
            stacks.append(cur)
            weight += tok.weight
            if tok.kind == _NEWLINE:
                newlines += 1
                if weight > 0:
                    cand[_L] = len(raws)
                    if newlines >= 2:
                        cand[_P] = len(raws)
            elif tok.kind == _SPACE:
                if weight > 0:
                    cand[_W] = len(raws)
            elif tok.kind == _CLOSE:
                # keep closing tags with the text they close
                cand = [len(raws) if c == len(raws) - 1 else c for c in cand]
            elif tok.weight > 0:
                newlines = 0
            if is_ws or tok.weight > 0:
                prev_ws = is_ws
            j += 1
        if cut is None:
            cut = len(raws)
        end_stack = stacks[cut - 1]
        parts.append(
            "".join(op for _, op in start_stack) + "".join(raws[:cut]) + _closers(end_stack)
        )
        i = after[cut - 1]
        # an <a> still open here (only with nested anchors) is closed, not reopened:
        # reopening would count its URL again
        stack = tuple(item for item in end_stack if item[0] != "a")
    return parts


def split_text(
    text: str | FormattedText,
    limit: int = MAX_TEXT_LENGTH,
    *,
    parse_mode: str | ParseMode | None = None,
) -> list[str]:
    """Split a long message into parts of at most ``limit`` visible characters.

    Where to cut, in order of preference: after a blank line (two line
    breaks, optionally with spaces between; in html ``<br>`` counts as a
    line break), after a line break, at whitespace, anywhere. Within the
    best class the latest cut that fits is taken. The separators stay at the
    end of the part before the cut, so parts are never stripped.

    Guarantees:

    * every part has ``visible_length(part, parse_mode) <= limit``;
    * ``text`` mode: ``"".join(parts) == text``;
    * ``markdown`` mode: ``"".join(parts) == text`` too, except that a link
      whose own weight exceeds ``limit`` becomes plain ``label url``; a
      backslash escape is never split from its character and a link is never
      split. Emphasis markers open across a cut are *not* re-balanced;
    * ``html`` mode: a cut never falls inside a tag or entity; tags open at
      a cut are closed at the end of the part and reopened (as originally
      written) at the start of the next, so every part is balanced. Removing
      the tags from the parts and the input gives equal texts. A link
      ``<a>...</a>`` is never split; one heavier than ``limit`` becomes plain
      text ``label url``;
    * a non-space character is not separated from the combining marks (or
      ZWJ / skin-tone joins) that follow it, unless that cluster alone
      exceeds ``limit``;
    * a text that already fits is returned unchanged as ``[text]``; an
      empty text gives ``[]``.

    Args:
        text: the wire text, or a :class:`FormattedText` (its mode is used).
        limit: the maximum visible length of a part, default 4096.
        parse_mode: how to read ``text``; defaults to the FormattedText's
            mode, else ``"text"``.

    Returns:
        The parts, in order.

    Raises:
        ValueError: ``limit`` < 1, or smaller than an unbreakable unit of
            the text (an entity, an unknown html tag, a markdown escape);
            unknown ``parse_mode``.
        TypeError: ``limit`` is not an int, or ``text`` not a str.
    """
    check_count("limit", limit, maximum=None)
    raw, mode = _resolve(text, parse_mode)
    if not raw:
        return []
    if visible_length(raw, mode) <= limit:
        return [raw]
    toks = _tokenize(raw, mode)
    if mode is ParseMode.HTML:
        toks = _degrade_html_links(toks, limit)
    elif mode is ParseMode.MARKDOWN:
        toks = _degrade_markdown_links(toks, limit)
    for tok in toks:
        if tok.weight > limit and tok.kind not in (_WORD, _SPACE):
            raise ValueError(
                f"limit={limit} is smaller than the unbreakable unit {tok.raw!r} "
                f"(visible length {tok.weight})"
            )
    return _pack(toks, limit)
