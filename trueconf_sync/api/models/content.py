"""Message content, one class per envelope type (PROTOCOL §5.4, §12.8, §12.9).

``CONTENT_TYPES`` maps an :class:`~trueconf_sync.enums.EnvelopeType` to its class. A type this
library does not know yields :class:`UnknownContent` holding the raw JSON: never dropped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Union

import attrs

from ...enums import EnvelopeType, FileReadyState, ParseMode, Role
from .base import Model

if TYPE_CHECKING:
    from ...text.keyboard import InlineKeyboard
    from .message import Message

__all__ = [
    "CONTENT_TYPES",
    "AttachmentContent",
    "AvatarContent",
    "ClearHistoryContent",
    "Content",
    "LocationContent",
    "ParticipantContent",
    "SurveyContent",
    "TextContent",
    "TitleContent",
    "UnknownContent",
    "VoiceContent",
]


@attrs.frozen
class TextContent(Model):
    """Text of a plain message (200), with optional inline buttons (§12.4).

    ``buttons`` keeps the rows as received (never rejected, even when they break the limits);
    :attr:`keyboard` reads them into :class:`~trueconf_sync.keyboard.InlineKeyboard`.
    """

    text: str = ""
    parse_mode: ParseMode = ParseMode.TEXT
    buttons: list[list[dict[str, Any]]] | None = None

    @property
    def keyboard(self) -> InlineKeyboard | None:
        """The inline buttons as an :class:`~trueconf_sync.keyboard.InlineKeyboard` (lenient), or None."""
        if not self.buttons:
            return None
        from ...text.keyboard import InlineKeyboard

        return InlineKeyboard.from_wire(self.buttons)


@attrs.frozen
class AttachmentContent(Model):
    """A file, photo or sticker (202). ``file_id`` also reads the older key ``id``."""

    name: str = ""
    mime_type: str = ""
    size: int = 0
    file_id: str = ""
    ready_state: FileReadyState | None = None

    @property
    def is_sticker(self) -> bool:
        """True for stickers (MIME type ``sticker/...``)."""
        return self.mime_type.startswith("sticker/")

    @property
    def file_name(self) -> str:
        """Alias of ``name`` (the official SDK's name)."""
        return self.name

    @property
    def file_size(self) -> int:
        """Alias of ``size`` (the official SDK's name)."""
        return self.size


@attrs.frozen
class LocationContent(Model):
    """A shared location (203). ``title`` or ``description`` depending on the server."""

    latitude: float = 0.0
    longitude: float = 0.0
    title: str | None = None
    description: str | None = None


@attrs.frozen
class SurveyContent(Model):
    """A survey card (204), same fields as ``sendSurvey``'s content (§3.30)."""

    url: str = ""
    app_version: int = 0
    path: str = ""
    title: str = ""
    description: str = ""
    button_text: str = ""
    secret: str = attrs.field(default="", repr=False)
    alt: str = ""


@attrs.frozen
class VoiceContent(Model):
    """A voice message (205): a file without a name (§12.8)."""

    file_id: str = ""
    size: int = 0
    mime_type: str = ""
    duration: int = 0

    @property
    def file_size(self) -> int:
        """Alias of ``size`` (the official SDK's name)."""
        return self.size


@attrs.frozen
class ParticipantContent(Model):
    """System content of types 1 (added), 2 (removed; no role) and 110 (role changed)."""

    user_id: str = ""
    role: Role | None = None


@attrs.frozen
class TitleContent(Model):
    """System content of type 21: the chat's new title."""

    title: str = ""


@attrs.frozen
class AvatarContent(Model):
    """System content of type 22: the chat's new avatar URL (``None`` when removed)."""

    avatar_url: str | None = None


@attrs.frozen
class ClearHistoryContent(Model):
    """System content of type 23: history cleared, for everybody or only for one member."""

    for_all: bool = False


@attrs.frozen
class UnknownContent(Model):
    """Content of an envelope type this library does not model; see ``raw``."""


#: Content of any envelope; a forward (201) holds the original :class:`Message`.
Content = Union[
    TextContent,
    AttachmentContent,
    LocationContent,
    SurveyContent,
    VoiceContent,
    ParticipantContent,
    TitleContent,
    AvatarContent,
    ClearHistoryContent,
    UnknownContent,
    "Message",
]

CONTENT_TYPES: dict[int, type[Model]] = {
    EnvelopeType.PLAIN_MESSAGE: TextContent,
    EnvelopeType.ATTACHMENT: AttachmentContent,
    EnvelopeType.LOCATION: LocationContent,
    EnvelopeType.SURVEY: SurveyContent,
    EnvelopeType.VOICE_MESSAGE: VoiceContent,
    EnvelopeType.ADD_PARTICIPANT: ParticipantContent,
    EnvelopeType.REMOVE_PARTICIPANT: ParticipantContent,
    EnvelopeType.PARTICIPANT_ROLE: ParticipantContent,
    EnvelopeType.EDIT_CHAT_TITLE: TitleContent,
    EnvelopeType.EDIT_CHAT_AVATAR: AvatarContent,
    EnvelopeType.CLEAR_CHAT_HISTORY: ClearHistoryContent,
}
