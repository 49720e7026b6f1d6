"""Text from the network made safe for a terminal: control characters shown as escapes.

Message texts, chat titles, user ids and server error texts are chosen by peers. Printed raw,
ESC/CSI/OSC sequences could retitle the terminal, erase and forge lines or set the clipboard
(OSC 52), and a newline or bidi override could fake a second event line. Every human-readable line
the CLI prints goes through :func:`safe_text`; JSON output stays exact (JSON consumers parse it).
"""

from __future__ import annotations

import re

__all__ = ["safe_text"]

# C0 and C1 controls, DEL, line/paragraph separators and the bidirectional controls.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named is not None:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def safe_text(text: str) -> str:
    """``text`` with every control, separator and bidi character replaced by a visible escape."""
    return _UNSAFE.sub(_escape, text)
