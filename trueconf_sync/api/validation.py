"""The argument check of the API that needs the text layer: message text and its parse mode.

Its length is counted in visible characters of the parse mode (PROTOCOL §8). Every other limit
and check lives in :mod:`trueconf_sync.limits`; the few re-exported here keep older imports
(``from trueconf_sync.api.validation import check_id``) working.
"""

from __future__ import annotations

from typing import Any

from ..enums import ParseMode
from ..limits import (
    MAX_TEXT_LENGTH,
    check_bool as check_bool,
    check_choice,
    check_encodable,
    check_id as check_id,
    check_optional_id as check_optional_id,
    type_name,
)

__all__ = ["MAX_TEXT_LENGTH", "check_text"]


def check_text(
    name: str, value: Any, parse_mode: Any = None, *, limit: int = MAX_TEXT_LENGTH
) -> tuple[str, ParseMode]:
    """Validate message text and its parse mode; return ``(text, mode)`` for the wire.

    ``value`` is a ``str`` or a formatted text built with :mod:`trueconf_sync.formatting` (which
    carries its own parse mode). ``parse_mode`` ``None`` means: the formatted text's mode, else
    ``"text"``. The visible length (PROTOCOL §8 counting) must be 1..``limit``.
    """
    if parse_mode is None and type(value) is str and len(value) <= limit and value.strip():
        # the common case: plain text, where every character is visible
        return (value if value.isascii() else check_encodable(name, value)), ParseMode.TEXT
    # Formatted text, a parse mode or an unusual string: the text layer counts (loaded only now).
    from ..text.formatting import FormattedText, visible_length

    own_mode: Any = None
    if isinstance(value, FormattedText):
        own_mode = value.parse_mode
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise TypeError(f"{name} must be a str or formatted text, not {type_name(value)}")
    given = check_choice("parse_mode", parse_mode, ParseMode) if parse_mode is not None else None
    if own_mode is not None and given is not None and given.value != str(own_mode.value):
        raise ValueError(f"parse_mode={parse_mode!r} contradicts the {own_mode.value} formatting of {name}")
    mode = check_choice("parse_mode", parse_mode if parse_mode is not None else own_mode or "text", ParseMode)
    if not text.strip():
        raise ValueError(f"{name} must not be empty or only whitespace")
    check_encodable(name, text)
    length = visible_length(text, mode.value)
    if length > limit:
        raise ValueError(
            f"{name} is {length} visible characters long; the limit is {limit} "
            "(split it with trueconf_sync.formatting.split_text)"
        )
    return text, mode
