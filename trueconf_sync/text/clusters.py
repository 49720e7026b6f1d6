"""Where a text may be cut: between user-perceived characters (extended grapheme clusters, UAX #29).

Cutting inside a cluster changes what the reader sees: a flag (two regional indicators) becomes two
other letters or a different flag, a family emoji falls apart at its zero-width joiners, an accent
leaves its letter. The standard library has no grapheme segmentation and the library's dependencies
are fixed, so the rules are implemented here from the Unicode character properties
:mod:`unicodedata` offers: CR LF, controls, Hangul syllable sequences, extending and spacing marks,
emoji modifiers and tag sequences, emoji ZWJ sequences, regional-indicator pairs and conjuncts
joined by a virama. (Prepend characters, a handful of Indic ones, are not special-cased: a cut may
fall after one.)
"""

from __future__ import annotations

import unicodedata

__all__ = ["is_boundary"]

_ZWJ, _ZWNJ = "\u200d", "\u200c"
_CONTROL_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Cf"})
_MARK_CATEGORIES = frozenset({"Mn", "Me", "Mc"})


def _is_regional_indicator(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def _extends(ch: str) -> bool:
    """Grapheme_Cluster_Break Extend, SpacingMark or ZWJ: never starts a cluster."""
    if ch in (_ZWJ, _ZWNJ) or "\U0001f3fb" <= ch <= "\U0001f3ff" or "\U000e0020" <= ch <= "\U000e007f":
        return True  # joiners, emoji skin-tone modifiers, tag characters (subdivision flags)
    return unicodedata.category(ch) in _MARK_CATEGORIES


def _is_control(ch: str) -> bool:
    return ch in "\r\n" or (unicodedata.category(ch) in _CONTROL_CATEGORIES and not _extends(ch))


def _is_pictographic(ch: str) -> bool:
    """Extended_Pictographic, approximately: emoji and pictographic symbols."""
    return ch >= "\U0001f000" or (unicodedata.category(ch) == "So" and ch >= "\u2000")


def _hangul(ch: str) -> str:
    """Hangul_Syllable_Type: L, V, T, LV, LVT, or "" for other characters."""
    code = ord(ch)
    if 0x1100 <= code <= 0x115F or 0xA960 <= code <= 0xA97C:
        return "L"
    if 0x1160 <= code <= 0x11A7 or 0xD7B0 <= code <= 0xD7C6:
        return "V"
    if 0x11A8 <= code <= 0x11FF or 0xD7CB <= code <= 0xD7FB:
        return "T"
    if 0xAC00 <= code <= 0xD7A3:
        return "LV" if (code - 0xAC00) % 28 == 0 else "LVT"
    return ""


_HANGUL_JOINS = {"L": ("L", "V", "LV", "LVT"), "V": ("V", "T"), "LV": ("V", "T"), "T": ("T",), "LVT": ("T",)}


def is_boundary(text: str, index: int) -> bool:
    """Whether ``text`` may be cut before ``text[index]`` (0 and ``len(text)`` always may)."""
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    if before == "\r" and after == "\n":
        return False
    if _is_control(before) or _is_control(after):
        return True
    joins = _HANGUL_JOINS.get(_hangul(before))
    if joins is not None and _hangul(after) in joins:
        return False
    if _extends(after):
        return False
    if unicodedata.combining(before) == 9 and unicodedata.category(after) == "Lo":
        return False  # a virama joins two consonants into one conjunct (Indic scripts)
    if before == _ZWJ and _is_pictographic(after):  # emoji ZWJ sequence: pictograph (Extend)* ZWJ x pictograph
        start = index - 2
        while start >= 0 and _extends(text[start]) and text[start] != _ZWJ:
            start -= 1
        if start >= 0 and _is_pictographic(text[start]):
            return False
    if _is_regional_indicator(before) and _is_regional_indicator(after):
        count = 0  # regional indicators pair up from the start of their run
        position = index - 1
        while position >= 0 and _is_regional_indicator(text[position]):
            count += 1
            position -= 1
        return count % 2 == 0
    return True
