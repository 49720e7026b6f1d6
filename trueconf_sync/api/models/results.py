"""Typed results of client requests (PROTOCOL §2.2, §3, §12)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from typing import TYPE_CHECKING

import attrs

from ...enums import ActivityType, FileReadyState
from .base import Millis, Model, compact_raw, millis_to_datetime
from .message import Message

if TYPE_CHECKING:
    import datetime as _dt

__all__ = [
    "AuthInfo",
    "ChatActivity",
    "ChatHistory",
    "EditedMessage",
    "ExtensionLimits",
    "FileInfo",
    "FilePreview",
    "SentFile",
    "SentMessage",
    "TitleEdited",
    "UploadLimits",
]


@attrs.frozen
class AuthInfo(Model):
    """Answer to ``auth``: the bot's TrueConf ID and this connection's id."""

    user_id: str = ""
    connection_id: str = ""


@compact_raw  # (a bulk send keeps one per message)
@attrs.frozen
class SentMessage(Model):
    """Answer to ``sendMessage``, ``forwardMessage`` and ``sendSurvey``: where the new message is."""

    chat_id: str = ""
    message_id: str = ""
    timestamp: Millis = Millis(0)

    @property
    def datetime(self) -> _dt.datetime:
        """``timestamp`` as an aware UTC datetime (as :attr:`.Message.datetime`)."""
        return millis_to_datetime(self.timestamp)


@attrs.frozen
class SentFile(SentMessage):
    """Answer to ``sendFile``: the message plus the stored file's id (and the caption's message)."""

    file_id: str = ""
    caption_message_id: str | None = None


@compact_raw
@attrs.frozen
class EditedMessage(Model):
    """Answer to ``editMessage`` / ``editSurvey``: the edited message's id and the edit time."""

    message_id: str = ""
    timestamp: Millis = Millis(0)


@attrs.frozen
class TitleEdited(Model):
    """Answer to ``editChatTitle``."""

    chat_id: str = ""
    timestamp: Millis = Millis(0)


@attrs.frozen
class ChatHistory(Model):
    """Answer to ``getChatHistory``: ``messages`` newest first. Iterable, sized and indexable."""

    chat_id: str = ""
    count: int = 0
    messages: list[Message] = attrs.field(factory=list)

    def __iter__(self) -> Iterator[Message]:
        return iter(self.messages)

    def __len__(self) -> int:
        return len(self.messages)

    def __getitem__(self, index: int) -> Message:
        return self.messages[index]

    def _repr_html_(self) -> str:
        """Jupyter: the messages as a table (:mod:`trueconf_sync.display`, imported on use)."""
        from ..display import history_html

        return history_html(self)


@attrs.frozen
class FilePreview(Model):
    """A preview image of a file (§5.7). ``download_url`` is a secret capability URL."""

    name: str = ""
    mime_type: str = ""
    size: int = 0
    download_url: str | None = attrs.field(default=None, repr=False)


@attrs.frozen
class FileInfo(Model):
    """Answer to ``getFileInfo`` (§3.25). ``file_id`` also reads the older key ``infoHash``."""

    file_id: str = ""
    name: str = ""
    size: int = 0
    mime_type: str = ""
    ready_state: FileReadyState = FileReadyState.NOT_AVAILABLE
    download_url: str | None = attrs.field(default=None, repr=False)
    previews: list[FilePreview] | None = None


@attrs.frozen
class ExtensionLimits(Model):
    """Extension filter of the upload limits: ``mode`` is ``"allow"`` or ``"block"``."""

    mode: str = "block"
    # builtins.: inside the class body ``list`` is this field (get_type_hints would read it).
    list: builtins.list[str] = attrs.field(factory=builtins.list)


@attrs.frozen
class UploadLimits(Model):
    """Answer to ``getFileUploadLimits`` and the limits-changed event. ``None`` = no limit."""

    max_size: int | None = None
    extensions: ExtensionLimits | None = None


@attrs.frozen
class ChatActivity(Model):
    """Answer to ``sendChatActivity``: repeat the activity after ``retry_after`` ms (§12.7)."""

    chat_id: str = ""
    activity_type: ActivityType = ActivityType.TYPING
    retry_after: int = 0
