"""Argument checks done before anything is sent. Every error names the argument and the limit."""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from ..enums import ParseMode

__all__ = [
    "MAX_TEXT_LENGTH",
    "MAX_TITLE_LENGTH",
    "check_bool",
    "check_choice",
    "check_count",
    "check_encodable",
    "check_id",
    "check_optional_id",
    "check_text",
    "check_title",
]

#: Longest message text or caption, in visible characters (PROTOCOL §8).
MAX_TEXT_LENGTH = 4096
#: Longest group chat / channel title (PROTOCOL §8: the SDK docs say 255, its code allows 256).
MAX_TITLE_LENGTH = 256
#: Largest count or page number the protocol can carry (uint32).
MAX_UINT32 = 2**32 - 1
_MAX_ID_LENGTH = 1024

E = TypeVar("E", bound=enum.Enum)


def _type_name(value: Any) -> str:
    return type(value).__name__


def check_encodable(name: str, value: str) -> str:
    """Return ``value`` if it can be sent as UTF-8 (no lone surrogates), else raise ``ValueError``.

    ASCII text (the common case) is known to be fine without looking at its characters.
    """
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"{name} holds a lone surrogate {value[exc.start]!r} at index {exc.start} (not encodable as UTF-8)"
            ) from None
    return value


def check_id(name: str, value: Any) -> str:
    """Return ``value`` if it is a non-empty id string without surrounding spaces, else raise."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_type_name(value)}")
    if not value or value.strip() != value:
        raise ValueError(f"{name} must be a non-empty id without surrounding spaces, got {value!r}")
    if len(value) > _MAX_ID_LENGTH:
        raise ValueError(f"{name} is {len(value)} characters long; the limit is {_MAX_ID_LENGTH}")
    return check_encodable(name, value)


def check_optional_id(name: str, value: Any) -> str | None:
    """Like :func:`check_id` but ``None`` passes through."""
    return None if value is None else check_id(name, value)


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (not just truthy), else raise ``TypeError``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {_type_name(value)}")
    return value


def check_count(name: str, value: Any, *, minimum: int = 1, maximum: int = MAX_UINT32) -> int:
    """Return ``value`` if it is an int within ``[minimum, maximum]``, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {_type_name(value)}")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def check_choice(name: str, value: Any, enum_type: type[E]) -> E:
    """Return the member of ``enum_type`` named by ``value``; unknown values raise ``ValueError``."""
    allowed = [str(member.value) for member in enum_type]
    if isinstance(value, enum_type) and str(value.value) in allowed:
        return value
    if isinstance(value, str) and value.lower() in allowed:
        return enum_type(value.lower())
    raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


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
        return check_encodable(name, value), ParseMode.TEXT
    from ..text.formatting import FormattedText, visible_length

    own_mode: Any = None
    if isinstance(value, FormattedText):
        own_mode = value.parse_mode
        text = str(value)
    elif isinstance(value, str):
        text = value
    else:
        raise TypeError(f"{name} must be a str or formatted text, not {_type_name(value)}")
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


def check_title(name: str, value: Any, *, limit: int = MAX_TITLE_LENGTH) -> str:
    """Validate a chat title: a non-blank ``str`` of at most ``limit`` characters."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {_type_name(value)}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty or only whitespace")
    if len(value) > limit:
        raise ValueError(f"{name} is {len(value)} characters long; the limit is {limit}")
    return check_encodable(name, value)
