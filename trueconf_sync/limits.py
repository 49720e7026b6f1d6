"""The protocol's limits and the generic argument checks, in one place (a leaf: no package imports).

Every limit the library enforces before sending is a constant here, and every check that names an
argument and its limit is a function here; ``api/validation.py``, ``text/`` and ``bot/`` use them,
so no number and no check exists twice. A check returns the value it accepted (so it can be used
inline) and raises ``TypeError`` for a wrong type, ``ValueError`` for a wrong value; the message
always starts with the argument's name and states the limit.
"""

from __future__ import annotations

import enum
import re
from typing import Any, TypeVar

__all__ = [
    "BUTTON_COMMAND_LENGTH",
    "BUTTON_COPY_DATA_LENGTH",
    "BUTTON_CUSTOM_DATA_LENGTH",
    "BUTTON_LABEL_LENGTH",
    "BUTTON_URL_LENGTH",
    "BUTTON_URL_SCHEMES",
    "COMMAND_ANSWER_TEXT_LENGTH",
    "MAX_BUTTONS",
    "MAX_ID_LENGTH",
    "MAX_ROWS",
    "MAX_ROW_BUTTONS",
    "MAX_TEXT_LENGTH",
    "MAX_TITLE_LENGTH",
    "MAX_UINT32",
    "check_bool",
    "check_choice",
    "check_count",
    "check_encodable",
    "check_id",
    "check_optional_id",
    "check_str",
    "check_title",
    "check_url",
    "type_name",
]

# ---- limits ------------------------------------------------------------------------------------

#: Longest message text or caption, in visible characters (PROTOCOL §8).
MAX_TEXT_LENGTH = 4096
#: Longest group chat / channel title (PROTOCOL §8: the SDK docs say 255, its code allows 256).
MAX_TITLE_LENGTH = 256
#: Largest count or page number the protocol can carry (uint32).
MAX_UINT32 = 2**32 - 1
#: Longest id accepted for a chat, a message, a user or a file: far above any real one, catches misuse.
MAX_ID_LENGTH = 1024

#: Rows of an inline keyboard (§12.4).
MAX_ROWS = 8
#: Buttons in one row.
MAX_ROW_BUTTONS = 8
#: Buttons in a whole keyboard.
MAX_BUTTONS = 64
#: (shortest, longest) button ``label``, in characters (§12.4).
BUTTON_LABEL_LENGTH = (1, 32)
#: (shortest, longest) ``command`` of a command button (ASCII).
BUTTON_COMMAND_LENGTH = (1, 255)
#: (shortest, longest) ``customData`` of a command button (ASCII).
BUTTON_CUSTOM_DATA_LENGTH = (1, 4096)
#: (shortest, longest) ``data`` of a copy button.
BUTTON_COPY_DATA_LENGTH = (1, 4095)
#: (shortest, longest) ``url`` of a url button (ASCII).
BUTTON_URL_LENGTH = (8, 8095)
#: URL schemes a url button may open.
BUTTON_URL_SCHEMES = ("http", "https", "mailto", "trueconf")
#: (shortest, longest) ``message.text`` of ``answerCommand`` (§12.6; ASCII).
COMMAND_ANSWER_TEXT_LENGTH = (1, 255)

E = TypeVar("E", bound=enum.Enum)

# ---- checks ------------------------------------------------------------------------------------


def type_name(value: Any) -> str:
    """The type name shown in error messages."""
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


def check_str(
    name: str, value: Any, low: int = 1, high: int | None = None, *, ascii_only: bool = False
) -> str:
    """Return ``value`` if it is a str of ``low``..``high`` characters (ASCII only if asked).

    Raises:
        TypeError: not a str.
        ValueError: too short, too long, not ASCII when required, or a lone surrogate.
    """
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type_name(value)}")
    size = len(value)
    if high is None:
        if size < low:
            raise ValueError(f"{name} must not be empty" if low == 1 else f"{name} must be at least {low} characters")
    elif not low <= size <= high:
        raise ValueError(f"{name} must be {low}-{high} characters long, got {size}")
    if ascii_only and not value.isascii():
        raise ValueError(f"{name} must contain only ASCII characters")
    return check_encodable(name, value)


def check_id(name: str, value: Any) -> str:
    """Return ``value`` if it is a non-empty id string without surrounding spaces, else raise."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type_name(value)}")
    if not value or value.strip() != value:
        raise ValueError(f"{name} must be a non-empty id without surrounding spaces, got {value!r}")
    if len(value) > MAX_ID_LENGTH:
        raise ValueError(f"{name} is {len(value)} characters long; the limit is {MAX_ID_LENGTH}")
    return value if value.isascii() else check_encodable(name, value)  # (ids are ASCII: skip a call)


def check_optional_id(name: str, value: Any) -> str | None:
    """Like :func:`check_id` but ``None`` passes through."""
    return None if value is None else check_id(name, value)


def check_title(name: str, value: Any, *, limit: int = MAX_TITLE_LENGTH) -> str:
    """Validate a chat title: a non-blank ``str`` of at most ``limit`` characters."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type_name(value)}")
    if not value.strip():
        raise ValueError(f"{name} must not be empty or only whitespace")
    if len(value) > limit:
        raise ValueError(f"{name} is {len(value)} characters long; the limit is {limit}")
    return check_encodable(name, value)


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool (not just truthy), else raise ``TypeError``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, not {type_name(value)}")
    return value


def check_count(name: str, value: Any, *, minimum: int = 1, maximum: int | None = MAX_UINT32) -> int:
    """Return ``value`` if it is an int (not a bool) within ``[minimum, maximum]``, else raise."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type_name(value)}")
    if maximum is None:
        if value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
    elif not minimum <= value <= maximum:
        raise ValueError(f"{name} must be between {minimum} and {maximum}, got {value}")
    return value


def check_choice(name: str, value: Any, enum_type: type[E]) -> E:
    """Return the member of ``enum_type`` named by ``value`` (a member or its value, any case).

    Only declared members pass: the ``UNKNOWN_...`` pseudo-members of the open enums (made when
    parsing what the server sends) are refused like any unknown value.
    """
    allowed = [str(member.value) for member in enum_type]
    if isinstance(value, enum_type) and str(value.value) in allowed:
        return value
    if isinstance(value, str) and value.lower() in allowed:
        return enum_type(value.lower())
    raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")


_SCHEME_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")


def check_url(name: str, value: Any) -> str:
    """Return ``value`` if it is a button URL: ASCII, of the allowed length and schemes (§12.4)."""
    url = check_str(name, value, *BUTTON_URL_LENGTH, ascii_only=True)
    match = _SCHEME_RE.match(url)
    if match is None or match.group(1).lower() not in BUTTON_URL_SCHEMES:
        raise ValueError(f"{name} must use one of the schemes {', '.join(BUTTON_URL_SCHEMES)}: {url!r}")
    return url
