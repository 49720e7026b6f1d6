"""Data-driven role/permission model of PROTOCOL §9 (the "Emulator model").

``DEFAULT_PERMISSIONS[chat_type][role]`` is the set of actions a member with ``role`` may do in a
chat of ``chat_type``. Tests may change ``server.state.permissions`` (a deep copy) at will.
"""

from __future__ import annotations

P2P, GROUP, SYSTEM, FAVORITES, CHANNEL = 1, 2, 3, 5, 6

SEND = "send"
ADD_PARTICIPANT = "add_participant"
REMOVE_PARTICIPANT = "remove_participant"
EDIT_OWN = "edit_own"
DELETE_OWN_FOR_ME = "delete_own_for_me"
DELETE_OWN_FOR_ALL = "delete_own_for_all"
DELETE_OTHERS_FOR_ME = "delete_others_for_me"
DELETE_OTHERS_FOR_ALL = "delete_others_for_all"
CLEAR_FOR_ME = "clear_for_me"
CLEAR_FOR_ALL = "clear_for_all"
RENAME = "rename"
AVATAR = "avatar"
CHANGE_ROLE = "change_role"
REMOVE_CHAT = "remove_chat"

Permissions = dict[int, dict[str, set[str]]]

_MEMBER = {SEND, EDIT_OWN, DELETE_OWN_FOR_ME, DELETE_OWN_FOR_ALL, DELETE_OTHERS_FOR_ME, CLEAR_FOR_ME}
_MODERATOR = _MEMBER | {ADD_PARTICIPANT, REMOVE_PARTICIPANT, DELETE_OTHERS_FOR_ALL, CLEAR_FOR_ALL,
                        RENAME, AVATAR, CHANGE_ROLE}
_OWNER = _MODERATOR | {REMOVE_CHAT}
_READER = {EDIT_OWN, DELETE_OWN_FOR_ME, DELETE_OWN_FOR_ALL, DELETE_OTHERS_FOR_ME, CLEAR_FOR_ME}


def default_permissions() -> Permissions:
    """A fresh copy of the default model."""
    return {
        GROUP: {"owner": set(_OWNER), "admin": set(_MODERATOR), "user": set(_MEMBER),
                "conf_owner": set(_MODERATOR), "conf_moderator": set(_MODERATOR)},
        CHANNEL: {"owner": set(_OWNER), "admin": set(_MODERATOR), "writer": set(_MEMBER),
                  "user": set(_READER)},
        P2P: {"user": _MEMBER | {REMOVE_CHAT}},
        FAVORITES: {"favorites_owner": _MEMBER | {REMOVE_CHAT, CLEAR_FOR_ALL}},
    }


#: roles a member may be given with ``changeParticipantRole`` / ``addChatParticipant``, per chat type.
ASSIGNABLE_ROLES: dict[int, tuple[str, ...]] = {
    GROUP: ("owner", "admin", "user"),
    CHANNEL: ("owner", "admin", "writer", "user"),
}

ALL_ROLES = ("owner", "admin", "user", "conf_owner", "conf_moderator", "favorites_owner", "writer")
