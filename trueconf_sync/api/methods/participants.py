"""Rows of the method table: members of group chats and channels (PROTOCOL §3.14-§3.19).

Every row that names a user completes a bare login with the server's domain before sending
(:func:`~trueconf_sync.api.methods.common.complete_user_id`).
"""

from __future__ import annotations

from ...enums import Role
from ...limits import check_bool, check_choice, check_count, check_id
from ..method import Payload, api
from .common import Timeout, as_, complete_user_id, key, list_of, models, nothing

__all__ = [
    "add_chat_participant",
    "change_participant_role",
    "get_chat_participant",
    "get_chat_participants",
    "has_chat_participant",
    "remove_chat_participant",
]

# A bare JSON array or {"participants": [...]}.
_participants = list_of("participants", lambda: models.Participant)


@api("addChatParticipant", nothing, finish=complete_user_id)
def add_chat_participant(
    chat_id: str, user_id: str, *, display_history: bool = False, timeout: Timeout = None
) -> Payload:
    """Add a user to a group chat or channel; ``display_history`` shows them earlier messages.

    Returns None; ApiError 309 when already a member, 303 without the right.
    """
    return {
        "chatId": check_id("chat_id", chat_id),
        "userId": check_id("user_id", user_id),
        "displayHistory": check_bool("display_history", display_history),
    }


@api("removeChatParticipant", nothing, finish=complete_user_id)
def remove_chat_participant(
    chat_id: str, user_id: str, *, clear_history: bool = False, timeout: Timeout = None
) -> Payload:
    """Remove a member from a chat (optionally wiping the history for them). Returns None."""
    return {
        "chatId": check_id("chat_id", chat_id),
        "userId": check_id("user_id", user_id),
        "clearHistory": check_bool("clear_history", clear_history),
    }


@api("hasChatParticipant", key("result", bool), finish=complete_user_id)
def has_chat_participant(chat_id: str, user_id: str, *, timeout: Timeout = None) -> Payload:
    """Return True when ``user_id`` is a member of the chat."""
    return {"chatId": check_id("chat_id", chat_id), "userId": check_id("user_id", user_id)}


@api("getChatParticipant", as_(lambda: models.Participant), finish=complete_user_id)
def get_chat_participant(chat_id: str, user_id: str, *, timeout: Timeout = None) -> Payload:
    """Return one member with its role; ApiError 305 when the user is not a member."""
    return {"chatId": check_id("chat_id", chat_id), "userId": check_id("user_id", user_id)}


@api("getChatParticipants", _participants)
def get_chat_participants(
    chat_id: str, *, page_size: int = 50, page_number: int = 0, timeout: Timeout = None
) -> Payload:
    """List members with roles: page ``page_number`` (0-based) of ``page_size`` members."""
    return {
        "chatId": check_id("chat_id", chat_id),
        "pageSize": check_count("page_size", page_size),
        "pageNumber": check_count("page_number", page_number, minimum=0),
    }


@api("changeParticipantRole", nothing, finish=complete_user_id)
def change_participant_role(
    chat_id: str, user_id: str, role: Role | str, *, timeout: Timeout = None
) -> Payload:
    """Change a member's role (``owner``, ``admin``, ``user``, ``writer``...). Returns None."""
    return {
        "chatId": check_id("chat_id", chat_id),
        "userId": check_id("user_id", user_id),
        "role": check_choice("role", role, Role).value,
    }
