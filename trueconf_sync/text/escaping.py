"""Escaping for the parse modes (PROTOCOL §5.9): what makes user text show literally.

*HTML*: ``&`` ``<`` ``>`` ``"`` become ``&amp;`` ``&lt;`` ``&gt;`` ``&quot;``; a line break
(``\\n``, ``\\r\\n`` or ``\\r``) becomes ``<br>``, the HTML subset's only line break.

*Markdown*: every character of ``\\ * _ ~ [ ] ( ) >`` gets a backslash in front (the CommonMark
backslash escape). URLs inside ``[label](url)`` get ``\\ ( ) < >`` backslash-escaped and
whitespace percent-encoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..enums import ParseMode

__all__ = ["ESCAPERS", "NEWLINE_RE", "html_escape", "html_escape_attr", "md_escape", "md_escape_url"]

_HTML_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}
_HTML_SPECIAL_RE = re.compile(r'[&<>"]')
#: A line break as typed: CRLF, CR or LF.
NEWLINE_RE = re.compile(r"\r\n|\r|\n")
_MD_SPECIAL_RE = re.compile(r"([\\*_~\[\]()>])")
_MD_URL_SPECIAL_RE = re.compile(r"([\\()<>])")
_MD_URL_SPACE_RE = re.compile(r"\s")


def html_escape_attr(value: str) -> str:
    """HTML-escape ``value`` for an attribute (line breaks kept as they are)."""
    return _HTML_SPECIAL_RE.sub(lambda m: _HTML_ESCAPES[m.group()], value)


def html_escape(value: str) -> str:
    """HTML-escape ``value`` for text; line breaks become ``<br>``."""
    return NEWLINE_RE.sub("<br>", html_escape_attr(value))


def md_escape(value: str) -> str:
    """Backslash-escape the Markdown special characters of ``value``."""
    return _MD_SPECIAL_RE.sub(r"\\\1", value)


def md_escape_url(url: str) -> str:
    """Escape ``url`` for the ``(...)`` of a Markdown link."""
    url = _MD_URL_SPECIAL_RE.sub(r"\\\1", url)
    return _MD_URL_SPACE_RE.sub(
        lambda m: "".join(f"%{b:02X}" for b in m.group().encode("utf-8")), url
    )


def _no_escape(value: str) -> str:
    return value


ESCAPERS: dict[ParseMode, Callable[[str], str]] = {
    ParseMode.TEXT: _no_escape,
    ParseMode.HTML: html_escape,
    ParseMode.MARKDOWN: md_escape,
}
