"""Rows of the method table: chats (PROTOCOL §3.7-§3.13) and their settings (§3.20-§3.22)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ...limits import check_bool, check_count, check_id, check_title
from ..method import Payload, api
from .common import Timeout, as_, complete_user_id, key, list_of, models, nothing

if TYPE_CHECKING:
    from ..models.chat import Chat, ChatList

__all__ = [
    "clear_history",
    "create_channel",
    "create_favorites_chat",
    "create_group_chat",
    "create_p2p_chat",
    "edit_chat_avatar_by_temporal_id",
    "edit_chat_title",
    "get_chat_by_id",
    "get_chats",
    "remove_chat",
]

def _chat_list(chats: Iterable[Chat]) -> ChatList:
    from ..models.chat import ChatList

    return ChatList(chats)


# A bare JSON array (PROTOCOL §3.12); {"chats": [...]} is read as well.
_chats = list_of("chats", lambda: models.Chat, _chat_list, result=lambda: models.chat.ChatList)


@api("createP2PChat", key("chatId", str), finish=complete_user_id)
def create_p2p_chat(user_id: str, *, timeout: Timeout = None) -> Payload:
    """Get (or create) the personal chat with a user; returns its ``chat_id``."""
    return {"userId": check_id("user_id", user_id)}


@api("createGroupChat", key("chatId", str))
def create_group_chat(title: str, *, timeout: Timeout = None) -> Payload:
    """Create a new group chat (the bot owns it); returns its ``chat_id``. Title ≤ 256 chars."""
    return {"title": check_title("title", title)}


@api("createChannel", key("chatId", str))
def create_channel(title: str, *, timeout: Timeout = None) -> Payload:
    """Create a new channel (the bot owns it); returns its ``chat_id``. Title ≤ 256 chars."""
    return {"title": check_title("title", title)}


@api("createFavoritesChat", key("chatId", str))
def create_favorites_chat(*, timeout: Timeout = None) -> Payload:
    """Get (or create) the bot's own Favorites chat; returns its ``chat_id``."""
    return {}


@api("removeChat", nothing)
def remove_chat(chat_id: str, *, timeout: Timeout = None) -> Payload:
    """Delete a chat. Returns None; ApiError 304 unknown chat, 303 not allowed."""
    return {"chatId": check_id("chat_id", chat_id)}


@api("getChats", _chats, binds=True)
def get_chats(*, count: int = 10, page: int = 1, timeout: Timeout = None) -> Payload:
    """List the chats the bot sees: page ``page`` (1-based) of ``count`` chats.

    Returns a ``list`` of :class:`~trueconf_sync.models.Chat` (empty past the last page).
    """
    return {"count": check_count("count", count), "page": check_count("page", page)}


@api("getChatByID", as_(lambda: models.Chat), binds=True)
def get_chat_by_id(chat_id: str, *, timeout: Timeout = None) -> Payload:
    """Fetch one chat. Returns :class:`~trueconf_sync.models.Chat`; ApiError 304 if unknown."""
    return {"chatId": check_id("chat_id", chat_id)}


# ---- chat settings (§3.20-§3.22) -----------------------------------------------------------


@api("editChatTitle", as_(lambda: models.TitleEdited))
def edit_chat_title(chat_id: str, title: str, *, timeout: Timeout = None) -> Payload:
    """Rename a group chat or channel. Returns :class:`~trueconf_sync.models.TitleEdited`."""
    return {"chatId": check_id("chat_id", chat_id), "title": check_title("title", title)}


@api("editChatAvatar", nothing)
def edit_chat_avatar_by_temporal_id(
    chat_id: str, temporal_file_id: str, *, timeout: Timeout = None
) -> Payload:
    """Set a chat's picture from an already uploaded file (wire level of ``editChatAvatar``)."""
    return {
        "chatId": check_id("chat_id", chat_id),
        "temporalFileId": check_id("temporal_file_id", temporal_file_id),
    }


@api("clearHistory", nothing)
def clear_history(chat_id: str, *, for_all: bool = False, timeout: Timeout = None) -> Payload:
    """Clear a chat's history, for everybody (``for_all=True``) or only for the bot."""
    return {"chatId": check_id("chat_id", chat_id), "forAll": check_bool("for_all", for_all)}
