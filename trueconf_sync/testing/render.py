"""Wire format of stored objects: Envelopes (§5.1, §12.2, §12.3), chat objects and LastMessage (§5.6)."""

from __future__ import annotations

import copy
from typing import Any

from . import permissions
from .state import Chat, Message, State


class Renderer:
    """Turns state objects into JSON-ready dicts as seen by one viewer (titles of P2P chats differ)."""

    def __init__(self, state: State, *, legacy: bool) -> None:
        self.state = state
        self.legacy = legacy

    def chat_title(self, chat: Chat, viewer: str | None) -> str | None:
        """P2P chats are titled with the peer's TrueConf ID (§4.4); others with their title."""
        if chat.chat_type == permissions.P2P:
            peers = [m for m in chat.members if m != viewer] or list(chat.members)
            return peers[0] if peers else chat.title
        return chat.title

    def chat_ref(self, chat: Chat, viewer: str | None) -> dict[str, Any]:
        """The ``chat`` object of 5.5.6 envelopes."""
        return {"chatId": chat.chat_id, "chatTitle": self.chat_title(chat, viewer), "chatType": chat.chat_type}

    def author(self, msg: Message) -> dict[str, Any]:
        """EnvelopeAuthor (§5.2)."""
        return {"id": msg.author_id, "type": msg.author_type}

    def content(self, msg: Message) -> dict[str, Any]:
        """A copy of the content; attachments report the file's current readyState."""
        content = copy.deepcopy(msg.content)
        if msg.type == 202 and isinstance(content.get("fileId"), str):
            stored = self.state.files.get(content["fileId"])
            if stored is not None:
                content["readyState"] = stored.ready_state
        return content

    def envelope(self, msg: Message, viewer: str | None, *, reply_depth: int = 1) -> dict[str, Any]:
        """A full Envelope with ``box``; in 5.5.6 mode with ``chat`` and a one-level ``replyMessage``."""
        chat = self.state.chats.get(msg.chat_id)
        env: dict[str, Any] = {"chatId": msg.chat_id}
        if not self.legacy and chat is not None:
            env["chat"] = self.chat_ref(chat, viewer)
        env.update({"messageId": msg.message_id, "timestamp": msg.timestamp, "author": self.author(msg),
                    "replyMessageId": msg.reply_message_id})
        if not self.legacy and (msg.reply_message_id is not None or reply_depth == 0):
            env["replyMessage"] = None
            replied = self.state.messages.get(msg.reply_message_id or "")
            if reply_depth > 0 and replied is not None and not replied.deleted:
                env["replyMessage"] = self.envelope(replied, viewer, reply_depth=0)
        env.update({"isEdited": msg.is_edited, "box": {"id": msg.box_id, "position": "0"},
                    "type": msg.type, "content": self.content(msg)})
        return env

    def forwarded_content(self, msg: Message, viewer: str | None) -> dict[str, Any]:
        """Content of a type-201 envelope: the original without ``box`` (innermost original, §3.4)."""
        if msg.type == 201 and isinstance(msg.content.get("messageId"), str):
            return copy.deepcopy(msg.content)
        env = self.envelope(msg, viewer, reply_depth=0)
        env.pop("box", None)
        env.pop("replyMessage", None)
        return env

    def last_message(self, msg: Message | None, viewer: str | None) -> dict[str, Any] | None:
        """LastMessage: envelope subset without chatId/box/isEdited/replyMessageId, plus ``chat``."""
        if msg is None:
            return None
        last: dict[str, Any] = {"messageId": msg.message_id, "timestamp": msg.timestamp,
                                "author": self.author(msg), "type": msg.type, "content": self.content(msg)}
        chat = self.state.chats.get(msg.chat_id)
        if not self.legacy and chat is not None:
            last["chat"] = self.chat_ref(chat, viewer)
        return last

    def chat_object(self, chat: Chat, viewer: str) -> dict[str, Any]:
        """Chat object of getChats / getChatByID / chat-created events."""
        visible = self.state.visible_messages(chat, viewer)
        return {"chatId": chat.chat_id, "title": self.chat_title(chat, viewer), "chatType": chat.chat_type,
                "avatarUrl": chat.avatar_url,
                "lastMessage": self.last_message(visible[-1] if visible else None, viewer),
                "unreadMessages": self.state.unread_count(chat, viewer)}
