"""The lexer shared by :func:`~.length.visible_length` and :func:`~.splitting.split_text`.

Text of each parse mode is cut into tokens carrying their PROTOCOL §8 visible weight: words and
spaces (which may be cut at character clusters), line breaks, and units never cut (tags,
entities, escapes, links).
"""

from __future__ import annotations

import re

from ..enums import ParseMode

__all__ = ["ATOM", "CLOSE", "GROUP", "MD_RE", "MD_UNESCAPE_RE", "NEWLINE", "OPEN", "SPACE", "WORD", "Tok", "href_of",
           "tokenize", "tokenize_html", "tokenize_markdown"]

WORD, SPACE, NEWLINE, ATOM, OPEN, CLOSE, GROUP = range(7)


class Tok:
    """One lexical unit. WORD/SPACE may be cut (at character clusters); all
    other kinds are never cut. ``weight`` is its §8 visible length."""

    __slots__ = ("inner", "kind", "name", "raw", "weight")

    def __init__(
        self, kind: int, raw: str, weight: int, name: str = "", inner: tuple[Tok, ...] = ()
    ) -> None:
        self.kind = kind
        self.raw = raw
        self.weight = weight
        self.name = name
        self.inner = inner


# A CR LF pair is one line break (one grapheme cluster): never cut between its halves.
_SPACE_PATTERN = r"(?:[^\S\r\n]|\r(?!\n))+"
_NEWLINE_PATTERN = r"\r?\n"

_TEXT_RE = re.compile(rf"(?P<nl>{_NEWLINE_PATTERN})|(?P<space>{_SPACE_PATTERN})|(?P<word>\S+)")

_HTML_RE = re.compile(
    r"""
     (?P<br><br\s*/?>|<br\s[^<>]*>)
    |(?P<open><(?:b|i|u|s|a|quote)(?:\s[^<>]*)?>)
    |(?P<close></(?:b|i|u|s|a|quote)\s*>)
    |(?P<tag></?[a-z!][^<>]*>)
    |(?P<entity>&(?:[a-z][a-z0-9]{0,31}|\#[0-9]{1,7}|\#x[0-9a-f]{1,6});)
    |(?P<nl>\r?\n)
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
MD_RE = re.compile(
    rf"""
     (?P<escape>\\{_MD_PUNCT})
    |(?P<link>\[(?P<label>(?:\\.|[^\\\[\]\n])+)\]\((?P<url>(?:\\{_MD_PUNCT}|[^\\()\s])+)\))
    |(?P<marker>[*_~])
    |(?P<nl>{_NEWLINE_PATTERN})
    |(?P<space>{_SPACE_PATTERN})
    |(?P<word>[^\s\\*_~\[>]+)
    |(?P<char>.)
    """,
    re.VERBOSE | re.DOTALL,
)
MD_UNESCAPE_RE = re.compile(rf"\\({_MD_PUNCT})")


def href_of(tag: str) -> str:
    m = _HREF_RE.search(tag)
    if m is None:
        return ""
    return next(g for g in m.groups() if g is not None)


def tokenize_text(text: str) -> list[Tok]:
    kinds = {"nl": NEWLINE, "space": SPACE, "word": WORD}
    return [
        Tok(kinds[m.lastgroup or "word"], m.group(), len(m.group()))
        for m in _TEXT_RE.finditer(text)
    ]


def tokenize_html(text: str) -> list[Tok]:
    out: list[Tok] = []
    pos, end = 0, len(text)
    match = _HTML_RE.match
    while pos < end:
        m = match(text, pos)
        assert m is not None  # the "char" alternative always matches
        group, raw = m.lastgroup, m.group()
        pos = m.end()
        if group == "word" or group == "space":
            out.append(Tok(WORD if group == "word" else SPACE, raw, len(raw)))
        elif group == "nl":
            out.append(Tok(NEWLINE, raw, len(raw)))  # CR LF: two code points (§8)
        elif group == "br":
            out.append(Tok(NEWLINE, raw, 0, "br"))
        elif group == "open" or group == "close":
            name_match = _TAG_NAME_RE.match(raw)
            assert name_match is not None
            name = name_match.group(1).lower()
            if group == "close":
                out.append(Tok(CLOSE, raw, 0, name))
            else:
                href = href_of(raw) if name == "a" else ""
                out.append(Tok(OPEN, raw, 1 + len(href) if href else 0, name))
        else:  # unknown tag, entity, lone '<' or '&': counted as written
            out.append(Tok(ATOM, raw, len(raw)))
    return out


def tokenize_markdown(text: str, line_start: bool = True) -> list[Tok]:
    out: list[Tok] = []
    pos, end = 0, len(text)
    match = MD_RE.match
    while pos < end:
        m = match(text, pos)
        assert m is not None
        group, raw = m.lastgroup, m.group()
        if group == "word" or group == "space":
            out.append(Tok(WORD if group == "word" else SPACE, raw, len(raw)))
        elif group == "nl":
            out.append(Tok(NEWLINE, raw, len(raw)))  # CR LF: two code points (§8)
        elif group == "marker":
            out.append(Tok(ATOM, raw, 0))
        elif group == "escape":
            out.append(Tok(ATOM, raw, 1 if raw[1] in "*_~" else 2))
        elif group == "link":
            label_weight = sum(t.weight for t in tokenize_markdown(m.group("label"), False))
            out.append(Tok(ATOM, raw, label_weight + 1 + len(m.group("url")), "link"))
        elif raw == ">" and ((pos == 0 and line_start) or (pos > 0 and text[pos - 1] == "\n")):
            out.append(Tok(ATOM, raw, 0, "quote"))
        else:
            out.append(Tok(ATOM, raw, 1))
        pos = m.end()
    return out


def tokenize(text: str, mode: ParseMode) -> list[Tok]:
    if mode is ParseMode.HTML:
        return tokenize_html(text)
    if mode is ParseMode.MARKDOWN:
        return tokenize_markdown(text)
    return tokenize_text(text)
