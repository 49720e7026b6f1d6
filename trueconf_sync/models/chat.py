"""Chats and participants (PROTOCOL §5.5, §5.6)."""

from __future__ import annotations

import attrs

from ..enums import ChatType, Role
from .base import Model
from .message import Message

__all__ = ["Chat", "Participant"]


@attrs.frozen
class Chat(Model):
    """A chat as returned by ``get_chats``/``get_chat_by_id`` and the chat-created events.

    ``title`` is the peer's TrueConf ID (or display name) for P2P chats and may be ``None`` for
    Favorites. ``last_message`` is a partial :class:`Message` (no box, maybe no chat id) or None.
    """

    chat_id: str = ""
    title: str | None = None
    chat_type: ChatType = ChatType.UNDEF
    avatar_url: str | None = None
    last_message: Message | None = None
    unread_messages: int = 0


@attrs.frozen
class Participant(Model):
    """A chat member and its role (``type`` is the author type some servers add, §3.17)."""

    user_id: str = ""
    role: Role = Role.USER
    type: int | None = None
