"""Protocol enums (PROTOCOL §5.5, §5.8, §12). Every enum accepts values it does not know.

A server newer than this library may send a value we have never seen; ``ChatType(42)`` then
returns a pseudo-member named ``UNKNOWN_42`` instead of raising, so parsing never fails on it.
"""

from __future__ import annotations

import enum
from typing import Any

__all__ = [
    "ActivityType",
    "AuthorType",
    "ChatType",
    "EnvelopeType",
    "FileReadyState",
    "ParseMode",
    "Role",
]


class _OpenIntEnum(enum.IntEnum):
    """IntEnum that turns unknown integers into ``UNKNOWN_<n>`` pseudo-members."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        return member


class _OpenStrEnum(str, enum.Enum):
    """str Enum that turns unknown strings into pseudo-members named after the value."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        for member in cls:  # case-insensitive match first ("HTML" -> html)
            if member.value == value.lower():
                return member
        pseudo = str.__new__(cls, value)
        pseudo._name_ = f"UNKNOWN_{value}"
        pseudo._value_ = value
        return pseudo

    def __str__(self) -> str:
        return str(self.value)


class ChatType(_OpenIntEnum):
    """Kind of chat (PROTOCOL §5.8)."""

    UNDEF = 0
    P2P = 1
    GROUP = 2
    SYSTEM = 3
    FAVORITES = 5
    CHANNEL = 6


class EnvelopeType(_OpenIntEnum):
    """Kind of message envelope (PROTOCOL §5.8). Values below 200 are system messages."""

    ADD_PARTICIPANT = 1
    REMOVE_PARTICIPANT = 2
    EDIT_CHAT_TITLE = 21
    EDIT_CHAT_AVATAR = 22
    CLEAR_CHAT_HISTORY = 23
    PARTICIPANT_ROLE = 110
    PLAIN_MESSAGE = 200
    FORWARDED_MESSAGE = 201
    ATTACHMENT = 202
    LOCATION = 203
    SURVEY = 204
    VOICE_MESSAGE = 205

    @property
    def is_system(self) -> bool:
        """True for system envelopes (``type < 200``)."""
        return self.value < 200


class AuthorType(_OpenIntEnum):
    """Who wrote an envelope: the server itself or a user (PROTOCOL §5.2)."""

    SYSTEM = 0
    USER = 1


class FileReadyState(_OpenIntEnum):
    """State of a file on the server (PROTOCOL §5.7)."""

    NOT_AVAILABLE = 0
    UPLOADING = 1
    READY = 2


class ParseMode(_OpenStrEnum):
    """How the server renders message text (PROTOCOL §5.9)."""

    TEXT = "text"
    MARKDOWN = "markdown"
    HTML = "html"


class Role(_OpenStrEnum):
    """Chat participant role, as a string on the wire (PROTOCOL §5.5)."""

    OWNER = "owner"
    ADMIN = "admin"
    USER = "user"
    CONF_OWNER = "conf_owner"
    CONF_MODERATOR = "conf_moderator"
    FAVORITES_OWNER = "favorites_owner"
    WRITER = "writer"

    @classmethod
    def _missing_(cls, value: object) -> Any:
        # The documented enum is numeric (0..6) while servers send strings: map numbers too.
        if isinstance(value, int) and not isinstance(value, bool):
            order = list(cls)
            if 0 <= value < len(order):
                return order[value]
            value = str(value)
        return super()._missing_(value)


class ActivityType(_OpenStrEnum):
    """Chat activity shown to other members (PROTOCOL §12.7)."""

    TYPING = "typing"
    CHOOSING_STICKER = "choosing_sticker"
    UPLOADING_FILE = "uploading_file"
