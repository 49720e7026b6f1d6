"""In-memory model of the fake server: users, chats, messages, files, tokens. Plain data, no I/O.

Everything here runs on the server's event loop only; nothing is thread-safe by itself.
Methods raise :class:`ApiError` with the protocol's error code when a lookup or check fails.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import errors, permissions
from .errors import ApiError

AUTHOR_SYSTEM, AUTHOR_USER = 0, 1
READY_NOT_AVAILABLE, READY_UPLOADING, READY = 0, 1, 2


def new_uuid() -> str:
    """A random UUID string (message ids, task ids, connection ids)."""
    return str(uuid.uuid4())


def new_hex_id() -> str:
    """40 hex characters (chat ids, file ids)."""
    return secrets.token_hex(20)


@dataclass
class User:
    """A server account; bots are users too."""

    login: str
    user_id: str
    password: str
    display_name: str
    disabled: bool = False


@dataclass
class Message:
    """A stored Envelope (§5.1) plus per-user visibility and unread bookkeeping."""

    message_id: str
    chat_id: str
    box_id: int
    timestamp: int
    author_id: str
    author_type: int
    type: int
    content: dict[str, Any]
    reply_message_id: str | None = None
    is_edited: bool = False
    deleted: bool = False
    hidden_for: set[str] = field(default_factory=set)
    unread_by: set[str] = field(default_factory=set)

    @property
    def is_system(self) -> bool:
        """System envelopes have ``type < 200`` (§5.8)."""
        return self.type < 200


@dataclass
class Chat:
    """A chat: P2P, group, channel or favorites. ``members`` maps user id -> role string."""

    chat_id: str
    chat_type: int
    title: str | None
    created_at: int
    avatar_url: str | None = None
    members: dict[str, str] = field(default_factory=dict)
    #: user id -> highest box id hidden from that user (join without history, clear for me).
    visible_from: dict[str, int] = field(default_factory=dict)
    messages: list[Message] = field(default_factory=list)
    next_box: int = 1
    last_activity: int = 0
    #: P2P chats opened by a simulated user are announced to the peer with its first message.
    announced_to: set[str] = field(default_factory=set)


@dataclass
class Preview:
    """A preview image stored with a file."""

    name: str
    mime_type: str
    size: int
    path: Path


@dataclass
class StoredFile:
    """A file posted into a chat (§5.7). ``ready_state`` follows FileReadyState."""

    file_id: str
    name: str
    size: int
    mime_type: str
    path: Path
    key: str
    preview: Preview | None = None
    ready_state: int = READY
    progress: int = 0


@dataclass
class UploadTask:
    """Created by ``uploadFile``; consumed by one HTTP upload."""

    task_id: str
    owner_id: str
    file_size: int
    file_name: str | None
    mime_type: str | None
    used: bool = False


@dataclass
class TempFile:
    """Result of an HTTP upload, referenced by ``temporalFileId`` until used once."""

    temporal_id: str
    owner_id: str
    name: str
    size: int
    mime_type: str
    path: Path
    preview: Preview | None = None


@dataclass
class TokenInfo:
    """An issued access token."""

    user_id: str
    exp: int
    expired: bool = False


class State:
    """All server data. ``permissions`` is the data-driven model of §9 (see :mod:`.permissions`)."""

    def __init__(self, server_name: str) -> None:
        self.server_name = server_name
        self.users: dict[str, User] = {}
        self.chats: dict[str, Chat] = {}
        self.messages: dict[str, Message] = {}
        self.files: dict[str, StoredFile] = {}
        self.upload_tasks: dict[str, UploadTask] = {}
        self.temp_files: dict[str, TempFile] = {}
        self.tokens: dict[str, TokenInfo] = {}
        self.p2p: dict[frozenset[str], str] = {}
        self.favorites: dict[str, str] = {}
        self.permissions: permissions.Permissions = permissions.default_permissions()
        self._last_ms = 0

    # --- time and ids -------------------------------------------------------------------------

    def now_ms(self) -> int:
        """Unix time in ms, strictly increasing across calls (stable ordering)."""
        now = int(time.time() * 1000)
        self._last_ms = max(now, self._last_ms + 1)
        return self._last_ms

    # --- users --------------------------------------------------------------------------------

    def user_id_of(self, login: str) -> str:
        """``login@server_name`` for a bare login; ids with a domain pass unchanged."""
        return login if "@" in login else f"{login}@{self.server_name}"

    def add_user(self, login: str, password: str, display_name: str | None) -> User:
        """Create (or update) an account and return it."""
        user_id = self.user_id_of(login)
        bare = user_id.split("@", 1)[0]
        user = User(login=bare, user_id=user_id, password=password, display_name=display_name or bare)
        self.users[user_id.lower()] = user
        return user

    def find_user(self, ref: str) -> User | None:
        """Look a user up by TrueConf ID or bare login (case-insensitive, §1.7)."""
        ref = ref.strip()
        if "\\" in ref:  # LDAP "domain\\login[@server]" form (§2.1)
            ref = ref.rsplit("\\", 1)[1]
        return self.users.get(self.user_id_of(ref).lower())

    def require_user(self, ref: str, code: int) -> User:
        """Like :meth:`find_user` but raise ``ApiError(code)`` when unknown."""
        user = self.find_user(ref)
        if user is None:
            raise ApiError(code, f"User not found: {ref}")
        return user

    # --- chats --------------------------------------------------------------------------------

    def create_chat(self, chat_type: int, title: str | None, members: dict[str, str]) -> Chat:
        """Store a new chat with the given members (user id -> role)."""
        now = self.now_ms()
        chat = Chat(chat_id=new_hex_id() if chat_type in (permissions.P2P, permissions.FAVORITES)
                    else new_uuid(), chat_type=chat_type, title=title, created_at=now,
                    members=dict(members), last_activity=now)
        self.chats[chat.chat_id] = chat
        return chat

    def p2p_chat(self, a: str, b: str) -> Chat | None:
        """The existing P2P chat of two user ids, if any."""
        chat_id = self.p2p.get(frozenset((a, b)))
        return self.chats.get(chat_id) if chat_id else None

    def get_or_create_p2p(self, a: str, b: str) -> tuple[Chat, bool]:
        """Return the P2P chat of ``a`` and ``b`` and whether it was just created."""
        chat = self.p2p_chat(a, b)
        if chat is not None:
            return chat, False
        chat = self.create_chat(permissions.P2P, None, {a: "user", b: "user"})
        self.p2p[frozenset((a, b))] = chat.chat_id
        return chat, True

    def require_chat(self, chat_id: Any) -> Chat:
        """Raise 304 for an unknown chat id."""
        chat = self.chats.get(chat_id) if isinstance(chat_id, str) else None
        if chat is None:
            raise ApiError(errors.CHAT_NOT_FOUND)
        return chat

    def require_member(self, chat: Chat, user_id: str) -> str:
        """Return the member's role; raise 305 when ``user_id`` is not in ``chat``."""
        role = chat.members.get(user_id)
        if role is None:
            raise ApiError(errors.USER_IS_NOT_CHAT_PARTICIPANT)
        return role

    def can(self, chat: Chat, user_id: str, action: str) -> bool:
        """Whether the member may do ``action`` per the permission model."""
        role = chat.members.get(user_id)
        if role is None:
            return False
        return action in self.permissions.get(chat.chat_type, {}).get(role, set())

    def require_right(self, chat: Chat, user_id: str, action: str) -> None:
        """Raise 305 for non-members, 303 when the role lacks ``action``."""
        self.require_member(chat, user_id)
        if not self.can(chat, user_id, action):
            raise ApiError(errors.NOT_ENOUGH_RIGHTS)

    def chats_of(self, user_id: str) -> list[Chat]:
        """Chats ``user_id`` belongs to, in creation order."""
        return [c for c in self.chats.values() if user_id in c.members]

    def delete_chat(self, chat: Chat) -> None:
        """Forget a chat and its messages."""
        self.chats.pop(chat.chat_id, None)
        for msg in chat.messages:
            self.messages.pop(msg.message_id, None)
        for pair, value in list(self.p2p.items()):
            if value == chat.chat_id:
                del self.p2p[pair]
        for owner, value in list(self.favorites.items()):
            if value == chat.chat_id:
                del self.favorites[owner]

    # --- messages -----------------------------------------------------------------------------

    def add_message(self, chat: Chat, author_id: str, author_type: int, msg_type: int,
                    content: dict[str, Any], reply_message_id: str | None = None) -> Message:
        """Append an envelope with the chat's next box id; unread for every other member."""
        msg = Message(message_id=new_uuid(), chat_id=chat.chat_id, box_id=chat.next_box,
                      timestamp=self.now_ms(), author_id=author_id, author_type=author_type,
                      type=msg_type, content=content, reply_message_id=reply_message_id,
                      unread_by={m for m in chat.members if m != author_id})
        chat.next_box += 1
        chat.messages.append(msg)
        chat.last_activity = msg.timestamp
        self.messages[msg.message_id] = msg
        return msg

    def visible(self, msg: Message, user_id: str) -> bool:
        """Whether ``user_id`` (a member) can see ``msg``."""
        chat = self.chats.get(msg.chat_id)
        return (chat is not None and not msg.deleted and user_id in chat.members
                and user_id not in msg.hidden_for and msg.box_id > chat.visible_from.get(user_id, 0))

    def visible_messages(self, chat: Chat, user_id: str) -> list[Message]:
        """Messages of ``chat`` that ``user_id`` can see, oldest first."""
        return [m for m in chat.messages if self.visible(m, user_id)]

    def require_message(self, message_id: Any, user_id: str) -> Message:
        """Raise 306 unless the message exists and ``user_id`` can see it (305 if not a member)."""
        msg = self.messages.get(message_id) if isinstance(message_id, str) else None
        if msg is None or msg.deleted:
            raise ApiError(errors.MESSAGE_NOT_FOUND)
        chat = self.require_chat(msg.chat_id)
        self.require_member(chat, user_id)
        if not self.visible(msg, user_id):
            raise ApiError(errors.MESSAGE_NOT_FOUND)
        return msg

    def unread_count(self, chat: Chat, user_id: str) -> int:
        """Visible messages of ``chat`` not yet acknowledged by ``user_id``."""
        return sum(1 for m in chat.messages if user_id in m.unread_by and self.visible(m, user_id))

    def unread_messages(self, user_id: str) -> list[Message]:
        """All unread visible messages of ``user_id`` over all chats, oldest first (box order per chat)."""
        found = [m for c in self.chats_of(user_id) for m in c.messages
                 if user_id in m.unread_by and self.visible(m, user_id)]
        return sorted(found, key=lambda m: (m.timestamp, m.box_id))
