"""Domain operations shared by WebSocket handlers and simulated users: change state, then notify.

``actor`` is the acting user id; ``acting`` the connection that made the request (``None`` for
simulated users acting through "the TrueConf app"). Who receives which event follows §4 and the
``self_echo`` / ``events_for_own_actions`` switches.
"""

from __future__ import annotations

from typing import Any

from . import errors, permissions as perm
from .core import Core, Session
from .errors import ApiError
from .state import AUTHOR_SYSTEM, AUTHOR_USER, Chat, Message, User

Content = dict[str, Any]


# --- messages -------------------------------------------------------------------------------

def deliver(core: Core, msg: Message, acting: Session | None) -> list[int]:
    """Push a stored envelope as a ``sendMessage`` event to the chat's members (§4.1)."""
    chat = core.state.chats[msg.chat_id]
    if msg.is_system:
        include = core.config.events_for_own_actions
    else:
        include = core.config.self_echo
        _announce_p2p(core, chat, msg)
    render = core.render
    return core.emit([m for m in chat.members if core.state.visible(msg, m)], "sendMessage",
                     lambda viewer: render.envelope(msg, viewer), acting=acting,
                     include_acting=include, message_id=msg.message_id, system=msg.is_system)


def _announce_p2p(core: Core, chat: Chat, msg: Message) -> None:
    """A P2P chat opened by someone else is announced with its first message (§4.4 example)."""
    if chat.chat_type != perm.P2P:
        return
    render = core.render
    for member in chat.members:
        if member not in chat.announced_to:
            chat.announced_to.add(member)
            if member != msg.author_id:
                core.emit([member], "createP2PChat", lambda viewer: render.chat_object(chat, viewer),
                          include_acting=True)


def post_message(core: Core, actor: str, chat: Chat, msg_type: int, content: Content, *,
                 reply_message_id: str | None = None, acting: Session | None = None) -> Message:
    """Store a user message (types 200–205) after the permission checks, and deliver it."""
    core.state.require_right(chat, actor, perm.SEND)
    if reply_message_id is not None:
        replied = core.state.messages.get(reply_message_id)
        if replied is None or replied.deleted or replied.chat_id != chat.chat_id:
            raise ApiError(errors.MESSAGE_NOT_FOUND)
    msg = core.state.add_message(chat, actor, AUTHOR_USER, msg_type, content, reply_message_id)
    deliver(core, msg, acting)
    return msg


def post_system(core: Core, chat: Chat, msg_type: int, content: Content, acting: Session | None) -> Message:
    """Store a system envelope (author = the server, type 0) and deliver it to opted-in sessions."""
    msg = core.state.add_message(chat, core.state.server_name, AUTHOR_SYSTEM, msg_type, content)
    deliver(core, msg, acting)
    return msg


def edit_message(core: Core, actor: str, msg: Message, content: Content, acting: Session | None) -> int:
    """Replace the content of one's own message; ``editMessage`` event to the others (§4.2)."""
    chat = core.state.require_chat(msg.chat_id)
    if msg.author_id != actor or msg.type not in (200, 204):
        raise ApiError(errors.NOT_ENOUGH_RIGHTS)
    core.state.require_right(chat, actor, perm.EDIT_OWN)
    msg.content = content
    msg.is_edited = True
    timestamp = core.state.now_ms()
    payload = {"chatId": chat.chat_id, "messageId": msg.message_id, "timestamp": timestamp,
               "content": core.render.content(msg)}
    core.emit([m for m in chat.members if core.state.visible(msg, m)], "editMessage", payload, acting=acting)
    return timestamp


def remove_message(core: Core, actor: str, msg: Message, for_all: bool, acting: Session | None) -> None:
    """Delete for everybody or hide for the actor; ``removeMessage`` event (§4.3)."""
    chat = core.state.require_chat(msg.chat_id)
    own = msg.author_id == actor
    action = (perm.DELETE_OWN_FOR_ALL if own else perm.DELETE_OTHERS_FOR_ALL) if for_all else (
        perm.DELETE_OWN_FOR_ME if own else perm.DELETE_OTHERS_FOR_ME)
    core.state.require_right(chat, actor, action)
    audience = [m for m in chat.members if core.state.visible(msg, m)] if for_all else [actor]
    if for_all:
        msg.deleted = True
    else:
        msg.hidden_for.add(actor)
    payload = {"chatId": chat.chat_id, "messageId": msg.message_id,
               "removedBy": {"id": actor, "type": AUTHOR_USER}}
    core.emit(audience, "removeMessage", payload, acting=acting)


def forward_message(core: Core, actor: str, msg: Message, target: Chat, acting: Session | None) -> Message:
    """Post a type-201 envelope wrapping the (innermost) original (§3.4)."""
    content = core.render.forwarded_content(msg, actor)
    return post_message(core, actor, target, 201, content, acting=acting)


# --- chats ----------------------------------------------------------------------------------

def chat_event(core: Core, chat: Chat, method: str, members: list[str], acting: Session | None) -> None:
    """Chat-created events carry the chat object as seen by each receiver (§4.4)."""
    render = core.render
    core.emit(members, method, lambda viewer: render.chat_object(chat, viewer), acting=acting)


def create_p2p(core: Core, actor: str, peer: User, acting: Session | None) -> tuple[Chat, bool]:
    """Get or create the P2P chat of ``actor`` and ``peer``."""
    chat, created = core.state.get_or_create_p2p(actor, peer.user_id)
    if actor not in chat.announced_to:
        chat.announced_to.add(actor)
        if acting is not None:
            chat_event(core, chat, "createP2PChat", [actor], acting)
    return chat, created


CREATE_METHODS = {perm.GROUP: "createGroupChat", perm.CHANNEL: "createChannel",
                  perm.FAVORITES: "createFavoritesChat", perm.P2P: "createP2PChat"}


def create_chat(core: Core, actor: str, chat_type: int, title: str | None, members: list[str],
                acting: Session | None) -> Chat:
    """Create a group chat or channel owned by ``actor``; other members get role ``user``."""
    roles = {actor: "owner"}
    roles.update({m: "user" for m in members if m != actor})
    chat = core.state.create_chat(chat_type, title, roles)
    chat_event(core, chat, CREATE_METHODS[chat_type], list(chat.members), acting)
    return chat


def create_favorites(core: Core, actor: str, acting: Session | None) -> Chat:
    """Return the actor's Favorites chat, creating it when missing (§3.10)."""
    chat_id = core.state.favorites.get(actor)
    if chat_id is not None and chat_id in core.state.chats:
        return core.state.chats[chat_id]
    chat = core.state.create_chat(perm.FAVORITES, None, {actor: "favorites_owner"})
    core.state.favorites[actor] = chat.chat_id
    chat_event(core, chat, "createFavoritesChat", [actor], acting)
    return chat


def remove_chat(core: Core, actor: str, chat: Chat, acting: Session | None) -> None:
    """Delete a chat for everyone (owner rights needed, §9); ``removeChat`` event (§4.5)."""
    core.state.require_right(chat, actor, perm.REMOVE_CHAT)
    members = list(chat.members)
    core.state.delete_chat(chat)
    core.emit(members, "removeChat", {"chatId": chat.chat_id}, acting=acting)


def add_participant(core: Core, actor: str, chat: Chat, user: User, role: str, display_history: bool,
                    acting: Session | None) -> None:
    """Add a member (§3.14): 309 when already in, 303 without rights; event + type-1 envelope."""
    if chat.chat_type not in (perm.GROUP, perm.CHANNEL):
        core.state.require_member(chat, actor)
        raise ApiError(errors.NOT_ENOUGH_RIGHTS)
    core.state.require_right(chat, actor, perm.ADD_PARTICIPANT)
    if user.user_id in chat.members:
        raise ApiError(errors.USER_IS_ALREADY_CHAT_PARTICIPANT)
    if role not in perm.ASSIGNABLE_ROLES.get(chat.chat_type, ()) or role == "owner":
        raise ApiError(errors.ROLE_NOT_FOUND)
    chat.members[user.user_id] = role
    chat.visible_from[user.user_id] = 0 if display_history else chat.next_box - 1
    payload = {"chatId": chat.chat_id, "userId": user.user_id, "addedBy": {"id": actor, "type": AUTHOR_USER},
               "timestamp": core.state.now_ms()}
    core.emit(list(chat.members), "addChatParticipant", payload, acting=acting)
    post_system(core, chat, 1, {"userId": user.user_id, "role": role}, acting)


def remove_participant(core: Core, actor: str, chat: Chat, user: User, clear_history: bool,
                       acting: Session | None) -> None:
    """Remove a member (§3.15); the removed member gets the event too."""
    if chat.chat_type not in (perm.GROUP, perm.CHANNEL):
        core.state.require_member(chat, actor)
        raise ApiError(errors.NOT_ENOUGH_RIGHTS)
    if user.user_id != actor:
        core.state.require_right(chat, actor, perm.REMOVE_PARTICIPANT)
    core.state.require_member(chat, user.user_id)
    if chat.members.get(user.user_id) == "owner" and user.user_id != actor:
        raise ApiError(errors.NOT_ENOUGH_RIGHTS)
    audience = list(chat.members)
    post_system(core, chat, 2, {"userId": user.user_id}, acting)
    del chat.members[user.user_id]
    chat.visible_from.pop(user.user_id, None)
    if clear_history:
        for msg in chat.messages:
            msg.hidden_for.add(user.user_id)
    payload = {"chatId": chat.chat_id, "userId": user.user_id,
               "removedBy": {"id": actor, "type": AUTHOR_USER}, "timestamp": core.state.now_ms()}
    core.emit(audience, "removeChatParticipant", payload, acting=acting)


def change_role(core: Core, actor: str, chat: Chat, user: User, role: str, acting: Session | None) -> None:
    """Change a member's role (§3.19): 312 unknown role, 303 no rights, 305 not a member."""
    core.state.require_right(chat, actor, perm.CHANGE_ROLE)
    if role not in perm.ASSIGNABLE_ROLES.get(chat.chat_type, ()):
        raise ApiError(errors.ROLE_NOT_FOUND)
    current = core.state.require_member(chat, user.user_id)
    actor_role = chat.members[actor]
    if (role == "owner" or current == "owner") and actor_role != "owner":
        raise ApiError(errors.NOT_ENOUGH_RIGHTS)
    if role == "owner" and user.user_id != actor:
        chat.members[actor] = "admin"  # ownership is handed over
    chat.members[user.user_id] = role
    payload = {"chatId": chat.chat_id, "userId": user.user_id, "role": role, "timestamp": core.state.now_ms()}
    core.emit(list(chat.members), "changeParticipantRole", payload, acting=acting)
    post_system(core, chat, 110, {"userId": user.user_id, "role": role}, acting)


def edit_title(core: Core, actor: str, chat: Chat, title: str, acting: Session | None) -> int:
    """Rename a group chat or channel (§3.20); event + type-21 envelope."""
    core.state.require_right(chat, actor, perm.RENAME)
    chat.title = title
    timestamp = core.state.now_ms()
    core.emit(list(chat.members), "editChatTitle", {"chatId": chat.chat_id, "title": title}, acting=acting)
    post_system(core, chat, 21, {"title": title}, acting)
    return timestamp


def edit_avatar(core: Core, actor: str, chat: Chat, avatar_url: str | None, acting: Session | None) -> None:
    """Set the chat picture (§3.21); event + type-22 envelope."""
    core.state.require_right(chat, actor, perm.AVATAR)
    chat.avatar_url = avatar_url
    core.emit(list(chat.members), "editChatAvatar", {"chatId": chat.chat_id, "avatarUrl": avatar_url},
              acting=acting)
    post_system(core, chat, 22, {"avatarUrl": avatar_url}, acting)


def clear_history(core: Core, actor: str, chat: Chat, for_all: bool, acting: Session | None) -> None:
    """Clear for everyone (rights needed) or only for the actor (§3.22)."""
    core.state.require_right(chat, actor, perm.CLEAR_FOR_ALL if for_all else perm.CLEAR_FOR_ME)
    if for_all:
        for msg in chat.messages:
            msg.deleted = True
        audience = list(chat.members)
    else:
        chat.visible_from[actor] = chat.next_box - 1
        audience = [actor]
    core.emit(audience, "clearHistory", {"chatId": chat.chat_id, "forAll": for_all}, acting=acting)
    if for_all:
        post_system(core, chat, 23, {"forAll": True}, acting)
