"""Chats and participants (PROTOCOL §5.5, §5.6)."""

from __future__ import annotations

import attrs

from ...enums import ChatType, Role
from .base import Model
from .message import Message

__all__ = ["Chat", "ChatList", "Participant"]


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

    def __attrs_post_init__(self) -> None:
        # Real servers leave chatId out of lastMessage (§5.6): it is this chat's, so the shortcuts work.
        last = self.last_message
        if last is not None and not last.chat_id and self.chat_id:
            object.__setattr__(last, "chat_id", self.chat_id)

    def _repr_html_(self) -> str:
        """Jupyter: the chat as a one-row table (:mod:`trueconf_sync.display`, imported on use)."""
        from ..display import chat_html

        return chat_html(self)


class ChatList(list[Chat]):
    """The plain ``list`` of chats ``get_chats`` returns; Jupyter shows it as a table."""

    def _repr_html_(self) -> str:
        """Jupyter: the chats as a table (:mod:`trueconf_sync.display`, imported on use)."""
        from ..display import chats_html

        return chats_html(self)


@attrs.frozen
class Participant(Model):
    """A chat member and its role (``type`` is the author type some servers add, §3.17)."""

    user_id: str = ""
    role: Role = Role.USER
    type: int | None = None
