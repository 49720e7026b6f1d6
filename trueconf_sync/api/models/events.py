"""Typed server requests (events) other than new messages (PROTOCOL §4, §12.5).

A new message arrives as a :class:`~trueconf_sync.models.Message`; everything else as one of these.
A method this library does not know arrives as :class:`RawEvent` (never dropped).
"""

from __future__ import annotations

from typing import Any

import attrs

from ...enums import Role
from .base import Author, Millis, Model
from .content import TextContent
from .message import Message

__all__ = [
    "ButtonClicked",
    "ChatAvatarChanged",
    "ChatRemoved",
    "ChatTitleChanged",
    "CommandPayload",
    "CommandSource",
    "FileProgress",
    "HistoryCleared",
    "MessageEdited",
    "MessageRemoved",
    "ParticipantAdded",
    "ParticipantRemoved",
    "RawEvent",
    "RoleChanged",
]


@attrs.frozen
class RawEvent(Model):
    """A server request delivered as received: ``method``, ``payload`` and the server's ``id``."""

    method: str = ""
    payload: Any = None
    id: int | None = None


@attrs.frozen
class MessageEdited(Model):
    """``editMessage`` event: a message's text changed (§4.2). ``message_id`` may be empty."""

    chat_id: str = ""
    message_id: str = ""
    timestamp: Millis = Millis(0)
    content: TextContent = attrs.field(factory=TextContent)

    @property
    def text(self) -> str:
        """The new text."""
        return self.content.text


@attrs.frozen
class MessageRemoved(Model):
    """``removeMessage`` event: a message was deleted (§4.3)."""

    chat_id: str = ""
    message_id: str = ""
    removed_by: Author | None = None


@attrs.frozen
class ChatRemoved(Model):
    """``removeChat`` event: a chat was deleted (§4.5)."""

    chat_id: str = ""


@attrs.frozen
class ParticipantAdded(Model):
    """``addChatParticipant`` event (§4.6); ``user_id`` may be the bot itself."""

    chat_id: str = ""
    user_id: str = ""
    added_by: Author | None = None
    timestamp: Millis = Millis(0)


@attrs.frozen
class ParticipantRemoved(Model):
    """``removeChatParticipant`` event (§4.7)."""

    chat_id: str = ""
    user_id: str = ""
    removed_by: Author | None = None
    timestamp: Millis = Millis(0)


@attrs.frozen
class RoleChanged(Model):
    """``changeParticipantRole`` event (§4.8)."""

    chat_id: str = ""
    user_id: str = ""
    role: Role = Role.USER
    timestamp: Millis = Millis(0)


@attrs.frozen
class ChatTitleChanged(Model):
    """``editChatTitle`` event (§4.9)."""

    chat_id: str = ""
    title: str = ""
    timestamp: Millis | None = None


@attrs.frozen
class ChatAvatarChanged(Model):
    """``editChatAvatar`` event (§4.10); ``avatar_url`` is ``None`` when the avatar was removed."""

    chat_id: str = ""
    avatar_url: str | None = None


@attrs.frozen
class HistoryCleared(Model):
    """``clearHistory`` event (§4.11)."""

    chat_id: str = ""
    for_all: bool = False


@attrs.frozen
class FileProgress(Model):
    """``uploadFileProgress`` event: bytes of a subscribed file received so far (§4.12)."""

    file_id: str = ""
    progress: int = 0


@attrs.frozen
class CommandSource(Model):
    """Where a button click came from (§12.5): the message holding the button, and its id."""

    type: str = ""
    message: Message | None = None
    button_id: str | None = None
    wait_reply: bool = False


@attrs.frozen
class CommandPayload(Model):
    """What a clicked button carries (§12.5): its ``command`` and ``custom_data``."""

    type: str = ""
    command: str = ""
    custom_data: str | None = None


@attrs.frozen
class ButtonClicked(Model):
    """``command`` event: a user clicked a command button of a bot message (§12.5)."""

    command_id: str | None = None
    command_source: CommandSource = attrs.field(factory=CommandSource)
    command_payload: CommandPayload = attrs.field(factory=CommandPayload)

    @property
    def command(self) -> str:
        """The clicked button's command."""
        return self.command_payload.command

    @property
    def custom_data(self) -> str | None:
        """The clicked button's custom data."""
        return self.command_payload.custom_data

    @property
    def chat_id(self) -> str | None:
        """The chat of the message holding the button, when the server sent it."""
        message = self.command_source.message
        return message.chat_id if message is not None else None
