"""Typed, frozen models of everything the server sends (attrs classes, built by one converter)."""

from .base import Author, Box, ChatRef, Millis, Model
from .chat import Chat, Participant
from .content import (
    AttachmentContent,
    AvatarContent,
    ClearHistoryContent,
    Content,
    LocationContent,
    ParticipantContent,
    SurveyContent,
    TextContent,
    TitleContent,
    UnknownContent,
    VoiceContent,
)
from .events import (
    ButtonClicked,
    ChatAvatarChanged,
    ChatRemoved,
    ChatTitleChanged,
    CommandPayload,
    CommandSource,
    FileProgress,
    HistoryCleared,
    MessageEdited,
    MessageRemoved,
    ParticipantAdded,
    ParticipantRemoved,
    RawEvent,
    RoleChanged,
)
from .media import Audio, Document, FileRef, Photo, Sticker, User, Video, Voice
from .message import Message
from .quoting import Contact
from .results import (
    AuthInfo,
    ChatActivity,
    ChatHistory,
    EditedMessage,
    ExtensionLimits,
    FileInfo,
    FilePreview,
    SentFile,
    SentMessage,
    TitleEdited,
    UploadLimits,
)

__all__ = [
    "AttachmentContent", "Audio", "AuthInfo", "Author", "AvatarContent", "Box", "ButtonClicked", "Chat",
    "ChatActivity", "ChatAvatarChanged", "ChatHistory", "ChatRef", "ChatRemoved", "ChatTitleChanged",
    "ClearHistoryContent", "CommandPayload", "CommandSource", "Contact", "Content", "Document",
    "EditedMessage", "ExtensionLimits", "FileInfo", "FilePreview", "FileProgress", "FileRef",
    "HistoryCleared", "LocationContent", "Message", "MessageEdited", "MessageRemoved", "Millis",
    "Model", "Participant", "ParticipantAdded", "ParticipantContent", "ParticipantRemoved", "Photo",
    "RawEvent", "RoleChanged", "SentFile", "SentMessage", "Sticker", "SurveyContent", "TextContent",
    "TitleContent", "TitleEdited", "UnknownContent", "UploadLimits", "User", "Video", "Voice",
    "VoiceContent",
]
