"""One handler per client request (§2.2, §3, §12) and the single dispatch table ``METHODS``.

A handler gets a :class:`Context` and the request payload, returns the success payload (a dict, or
the bare list of ``getChats``) and raises :class:`ApiError` for error answers. Payload checks raise
the configured "malformed payload" code (399 by default).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from . import actions, errors, files, jwt, permissions as perm
from .buttons import ButtonError, validate_buttons
from .core import Core, Session
from .errors import ApiError
from .state import AUTHOR_USER, READY, READY_UPLOADING, Chat, Message, UploadTask, User, new_uuid

PARSE_MODES = ("text", "markdown", "html")
ACTIVITY_TYPES = ("typing", "choosing_sticker", "uploading_file")
ANSWER_TYPES = ("complete", "timeout", "cancel", "message")


@dataclass
class Context:
    """What a handler may use: the core, the calling session, and hooks to run after responding."""

    core: Core
    session: Session
    after: list[Callable[[], None]] = field(default_factory=list)

    @property
    def user_id(self) -> str:
        """The authorised account of the calling connection."""
        assert self.session.user_id is not None
        return self.session.user_id

    def bad(self, what: str) -> ApiError:
        """A "malformed payload" error naming the offending field."""
        return ApiError(self.core.config.malformed_payload_code, what)


class Args:
    """Typed access to a request payload; wrong or missing fields raise the malformed-payload error."""

    def __init__(self, ctx: Context, payload: dict[str, Any]) -> None:
        self.ctx = ctx
        self.p = payload

    def text(self, key: str, *, empty: bool = False) -> str:
        value = self.p.get(key)
        if not isinstance(value, str) or (not empty and not value):
            raise self.ctx.bad(f"{key} must be a non-empty string")
        return value

    def opt_text(self, key: str) -> str | None:
        value = self.p.get(key)
        if value is not None and not isinstance(value, str):
            raise self.ctx.bad(f"{key} must be a string or null")
        return value

    def flag(self, key: str, default: bool | None = None) -> bool:
        value = self.p.get(key, default)
        if not isinstance(value, bool):
            raise self.ctx.bad(f"{key} must be a boolean")
        return value

    def number(self, key: str, default: int | None = None, minimum: int = 0) -> int:
        value = self.p.get(key, default)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.ctx.bad(f"{key} must be an integer >= {minimum}")
        return value

    def obj(self, key: str) -> dict[str, Any]:
        value = self.p.get(key)
        if not isinstance(value, dict):
            raise self.ctx.bad(f"{key} must be an object")
        return value


# --- shared checks ----------------------------------------------------------------------------

def visible_length(text: str) -> int:
    """Rough visible length: markup tags not counted (§8 is only approximated)."""
    return len(re.sub(r"<[^>]*>", "", text))


def text_content(ctx: Context, content: dict[str, Any], *, allow_buttons: bool = True) -> dict[str, Any]:
    """Validate ``{text, parseMode[, buttons]}`` and return the content to store."""
    text, mode = content.get("text"), content.get("parseMode", "text")
    if not isinstance(text, str):
        raise ctx.bad("content.text must be a string")
    if mode not in PARSE_MODES:
        raise ctx.bad("content.parseMode must be text, markdown or html")
    limit = ctx.core.config.max_text_length
    if limit is not None and visible_length(text) > limit:
        raise ApiError(ctx.core.config.text_too_long_code, "Text is too long")
    stored: dict[str, Any] = {"text": text, "parseMode": mode}
    buttons = content.get("buttons")
    if buttons is not None and allow_buttons and not ctx.core.config.legacy_envelopes:
        try:
            validate_buttons(buttons)
        except ButtonError as exc:
            raise ctx.bad(str(exc)) from exc
        if buttons:
            stored["buttons"] = buttons
    return stored


def member_chat(ctx: Context, chat_id: str) -> Chat:
    """The chat, which the caller must belong to (304, 305)."""
    chat = ctx.core.state.require_chat(chat_id)
    ctx.core.state.require_member(chat, ctx.user_id)
    return chat


def user_arg(ctx: Context, args: Args, key: str = "userId") -> User:
    """Resolve a user id argument; unknown users answer the configured code."""
    return ctx.core.state.require_user(args.text(key), ctx.core.config.unknown_user_code)


def sent(msg: Message) -> dict[str, Any]:
    """``{chatId, messageId, timestamp}`` of a stored message."""
    return {"chatId": msg.chat_id, "messageId": msg.message_id, "timestamp": msg.timestamp}


# --- auth -------------------------------------------------------------------------------------

def token_problem(core: Core, token: str) -> tuple[int | None, User | None]:
    """Check an access token: (error code or None, user)."""
    try:
        claims = jwt.decode(token, core.secret)
    except jwt.TokenError:
        return errors.INVALID_CREDENTIALS, None
    info = core.state.tokens.get(token)
    user = core.state.find_user(str(claims.get("sub", "")))
    if info is None or user is None:
        return errors.INVALID_CREDENTIALS, None
    if user.disabled:
        return errors.USER_DISABLED, user
    if info.expired or info.exp <= time.time():
        return errors.CREDENTIALS_EXPIRED, user
    return None, user


def auth(ctx: Context, payload: dict[str, Any]) -> dict[str, Any]:
    """§2.2: accept JWT/JWE tokens issued by this server."""
    token, token_type = payload.get("token"), payload.get("tokenType")
    if token_type not in ("JWT", "JWE"):
        raise ApiError(errors.UNSUPPORTED_CREDENTIALS)
    if not isinstance(token, str):
        raise ApiError(errors.INVALID_CREDENTIALS)
    code, user = token_problem(ctx.core, token)
    if code is not None or user is None:
        raise ApiError(code or errors.INVALID_CREDENTIALS)
    session = ctx.session
    session.user_id, session.token = user.user_id, token
    session.receive_system = payload.get("receiveSystemMessageEnvelopes") is True
    if payload.get("receiveUnread") is True:
        ctx.after.append(lambda: replay_unread(ctx.core, session))
    if ctx.core.config.push_limits_on_auth:
        def push_limits() -> None:
            if session.authorized:
                session.push("getFileUploadLimits", files.limits_payload(ctx.core))
        ctx.after.append(push_limits)
    return {"userId": user.user_id, "connectionId": session.connection_id}


def replay_unread(core: Core, session: Session) -> None:
    """Push the unread messages of the session's account as ``sendMessage`` events (§2.3)."""
    if session.user_id is None:
        return
    render = core.render
    for msg in core.state.unread_messages(session.user_id):
        if msg.is_system and not session.receive_system:
            continue
        session.push("sendMessage", render.envelope(msg, session.user_id), msg.message_id)


# --- messages ---------------------------------------------------------------------------------

def send_message(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.1"""
    args = Args(ctx, payload)
    chat_id, reply = args.text("chatId"), args.opt_text("replyMessageId")
    content = text_content(ctx, args.obj("content"))
    chat = ctx.core.state.require_chat(chat_id)
    msg = actions.post_message(ctx.core, ctx.user_id, chat, 200, content, reply_message_id=reply,
                               acting=ctx.session)
    return sent(msg)


def edit_message(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.2: replaces the whole content (buttons too, §12.4)."""
    args = Args(ctx, payload)
    message_id = args.text("messageId")
    content = text_content(ctx, args.obj("content"))
    msg = ctx.core.state.require_message(message_id, ctx.user_id)
    if msg.type != 200:
        raise ApiError(errors.NOT_ENOUGH_RIGHTS)
    timestamp = actions.edit_message(ctx.core, ctx.user_id, msg, content, ctx.session)
    return {"messageId": msg.message_id, "timestamp": timestamp}


def remove_message(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.3"""
    args = Args(ctx, payload)
    message_id, for_all = args.text("messageId"), args.flag("forAll", False)
    msg = ctx.core.state.require_message(message_id, ctx.user_id)
    actions.remove_message(ctx.core, ctx.user_id, msg, for_all, ctx.session)
    return {}


def forward_message(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.4"""
    args = Args(ctx, payload)
    chat_id, message_id = args.text("chatId"), args.text("messageId")
    target = ctx.core.state.require_chat(chat_id)
    msg = ctx.core.state.require_message(message_id, ctx.user_id)
    return sent(actions.forward_message(ctx.core, ctx.user_id, msg, target, ctx.session))


def get_message_by_id(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.5: the payload is the Envelope."""
    msg = ctx.core.state.require_message(Args(ctx, payload).text("messageId"), ctx.user_id)
    return ctx.core.render.envelope(msg, ctx.user_id)


def get_chat_history(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.6: newest first, starting at ``fromMessageId`` (included per config)."""
    args = Args(ctx, payload)
    chat_id, count, from_id = args.text("chatId"), args.number("count"), args.opt_text("fromMessageId")
    chat = member_chat(ctx, chat_id)
    messages = ctx.core.state.visible_messages(chat, ctx.user_id)[::-1]
    if from_id is not None:
        index = next((i for i, m in enumerate(messages) if m.message_id == from_id), None)
        if index is None:
            raise ApiError(errors.MESSAGE_NOT_FOUND)
        messages = messages[index if ctx.core.config.history_includes_from else index + 1:]
    render = ctx.core.render
    page = [render.envelope(m, ctx.user_id) for m in messages[:count]]
    return {"chatId": chat.chat_id, "count": len(page), "messages": page}


def send_survey(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.30: a type-204 envelope with the given content."""
    args = Args(ctx, payload)
    chat_id, reply = args.text("chatId"), args.opt_text("replyMessageId")
    content = args.obj("content")
    for key in ("url", "path", "title", "description", "buttonText", "secret", "alt"):
        if not isinstance(content.get(key), str):
            raise ctx.bad(f"content.{key} must be a string")
    if not isinstance(content.get("appVersion"), (int, float)) or isinstance(content.get("appVersion"), bool):
        raise ctx.bad("content.appVersion must be a number")
    chat = ctx.core.state.require_chat(chat_id)
    msg = actions.post_message(ctx.core, ctx.user_id, chat, 204, dict(content), reply_message_id=reply,
                               acting=ctx.session)
    return sent(msg)


def edit_survey(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.31: merges the given fields into the survey content."""
    args = Args(ctx, payload)
    message_id, content = args.text("messageId"), args.obj("content")
    msg = ctx.core.state.require_message(message_id, ctx.user_id)
    if msg.type != 204:
        raise ApiError(errors.NOT_ENOUGH_RIGHTS)
    timestamp = actions.edit_message(ctx.core, ctx.user_id, msg, {**msg.content, **content}, ctx.session)
    return {"messageId": msg.message_id, "timestamp": timestamp}


# --- chats ------------------------------------------------------------------------------------

def create_p2p_chat(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.7: idempotent."""
    peer = user_arg(ctx, Args(ctx, payload))
    if peer.user_id == ctx.user_id:
        raise ApiError(errors.ACCESS_DENIED, "Cannot open a P2P chat with oneself")
    chat, _ = actions.create_p2p(ctx.core, ctx.user_id, peer, ctx.session)
    return {"chatId": chat.chat_id}


def _title(ctx: Context, payload: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            if len(value) > 256:
                raise ctx.bad(f"{key} must be at most 256 characters")
            return value
    raise ctx.bad(f"{keys[0]} must be a non-empty string")


def create_group_chat(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.8: accepts ``title`` and the docs' ``name``."""
    chat = actions.create_chat(ctx.core, ctx.user_id, perm.GROUP, _title(ctx, payload, "title", "name"),
                               [], ctx.session)
    return {"chatId": chat.chat_id}


def create_channel(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.9"""
    chat = actions.create_chat(ctx.core, ctx.user_id, perm.CHANNEL, _title(ctx, payload, "title", "name"),
                               [], ctx.session)
    return {"chatId": chat.chat_id}


def create_favorites_chat(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.10"""
    return {"chatId": actions.create_favorites(ctx.core, ctx.user_id, ctx.session).chat_id}


def remove_chat(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.11: answers ``{}``."""
    chat = member_chat(ctx, Args(ctx, payload).text("chatId"))
    actions.remove_chat(ctx.core, ctx.user_id, chat, ctx.session)
    return {}


def get_chats(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.12: a bare array; ``page`` is 1-based."""
    args = Args(ctx, payload)
    count, page = args.number("count", 10), args.number("page", 1, minimum=1)
    chats = ctx.core.state.chats_of(ctx.user_id)
    if ctx.core.config.chats_order == "activity":
        chats = sorted(chats, key=lambda c: c.last_activity, reverse=True)
    render = ctx.core.render
    return [render.chat_object(c, ctx.user_id) for c in chats[(page - 1) * count:page * count]]


def get_chat_by_id(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.13"""
    chat = member_chat(ctx, Args(ctx, payload).text("chatId"))
    return ctx.core.render.chat_object(chat, ctx.user_id)


def add_chat_participant(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.14"""
    args = Args(ctx, payload)
    chat = member_chat(ctx, args.text("chatId"))
    user = user_arg(ctx, args)
    display_history = args.flag("displayHistory", False)
    actions.add_participant(ctx.core, ctx.user_id, chat, user, "user", display_history, ctx.session)
    return {}


def remove_chat_participant(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.15"""
    args = Args(ctx, payload)
    chat = member_chat(ctx, args.text("chatId"))
    user = user_arg(ctx, args)
    actions.remove_participant(ctx.core, ctx.user_id, chat, user, args.flag("clearHistory", False), ctx.session)
    return {}


def has_chat_participant(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.16"""
    args = Args(ctx, payload)
    chat = ctx.core.state.require_chat(args.text("chatId"))
    user = ctx.core.state.find_user(args.text("userId"))
    return {"result": user is not None and user.user_id in chat.members}


def get_chat_participant(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.17: 305 when the user is not a member."""
    args = Args(ctx, payload)
    chat = member_chat(ctx, args.text("chatId"))
    user = ctx.core.state.find_user(args.text("userId"))
    if user is None:
        raise ApiError(errors.USER_IS_NOT_CHAT_PARTICIPANT)
    role = ctx.core.state.require_member(chat, user.user_id)
    return {"userId": user.user_id, "role": role, "type": AUTHOR_USER}


def get_chat_participants(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.18: ``pageNumber`` is 0-based."""
    args = Args(ctx, payload)
    chat = member_chat(ctx, args.text("chatId"))
    size, number = args.number("pageSize", minimum=1), args.number("pageNumber", 0)
    members = list(chat.members.items())[size * number:size * (number + 1)]
    return {"participants": [{"userId": user_id, "role": role} for user_id, role in members]}


def change_participant_role(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.19: 312 for an unknown role."""
    args = Args(ctx, payload)
    chat = member_chat(ctx, args.text("chatId"))
    user = user_arg(ctx, args)
    actions.change_role(ctx.core, ctx.user_id, chat, user, args.text("role"), ctx.session)
    return {}


def edit_chat_title(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.20"""
    args = Args(ctx, payload)
    chat = member_chat(ctx, args.text("chatId"))
    timestamp = actions.edit_title(ctx.core, ctx.user_id, chat, _title(ctx, payload, "title"), ctx.session)
    return {"chatId": chat.chat_id, "timestamp": timestamp}


def edit_chat_avatar(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.21: the avatar is an uploaded temporary file."""
    args = Args(ctx, payload)
    chat = member_chat(ctx, args.text("chatId"))
    temp = ctx.core.state.temp_files.get(args.text("temporalFileId"))
    if temp is None:
        raise ApiError(errors.FILE_NOT_FOUND)
    ctx.core.state.require_right(chat, ctx.user_id, perm.AVATAR)
    stored = files.publish(ctx.core, temp, ready_delay=0)
    avatar_url = files.download_url(ctx.core, stored, base=ctx.session.base_url)
    actions.edit_avatar(ctx.core, ctx.user_id, chat, avatar_url, ctx.session)
    return {}


def clear_history(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.22"""
    args = Args(ctx, payload)
    chat = member_chat(ctx, args.text("chatId"))
    actions.clear_history(ctx.core, ctx.user_id, chat, args.flag("forAll", False), ctx.session)
    return {}


def get_user_display_name(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.29"""
    return {"displayName": user_arg(ctx, Args(ctx, payload)).display_name}


# --- files ------------------------------------------------------------------------------------

def upload_file(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.23: creates an upload task; 310 when the limits are broken."""
    args = Args(ctx, payload)
    size = args.number("fileSize")
    legacy = ctx.core.config.legacy_envelopes and "fileName" not in payload
    name = None if legacy else args.text("fileName")
    mime = args.opt_text("mimeType")
    files.check_limits(ctx.core, size, name or "")
    task = UploadTask(task_id=new_uuid(), owner_id=ctx.user_id, file_size=size, file_name=name, mime_type=mime)
    ctx.core.state.upload_tasks[task.task_id] = task
    return {"uploadTaskId": task.task_id}


def send_file(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.24: returns ``fileId`` (+ ``captionMessageId`` with a caption in 5.5.6 mode)."""
    args = Args(ctx, payload)
    chat_id, reply = args.text("chatId"), args.opt_text("replyMessageId")
    content = args.obj("content")
    temporal_id = content.get("temporalFileId", content.get("fileId"))
    if not isinstance(temporal_id, str):
        raise ctx.bad("content.temporalFileId must be a string")
    caption = content.get("caption")
    if caption is not None and not isinstance(caption, dict):
        raise ctx.bad("content.caption must be an object")
    caption_content = text_content(ctx, caption, allow_buttons=False) if caption is not None else None
    chat = ctx.core.state.require_chat(chat_id)
    ctx.core.state.require_right(chat, ctx.user_id, perm.SEND)
    temp = ctx.core.state.temp_files.get(temporal_id)
    if temp is None:
        raise ApiError(errors.FILE_NOT_FOUND)
    stored = files.publish(ctx.core, temp)
    msg = actions.post_message(ctx.core, ctx.user_id, chat, 202, files.attachment_content(stored),
                               reply_message_id=reply, acting=ctx.session)
    result = {**sent(msg), "fileId": stored.file_id}
    if caption_content is not None:
        caption_msg = actions.post_message(ctx.core, ctx.user_id, chat, 200, caption_content, acting=ctx.session)
        if not ctx.core.config.legacy_envelopes:
            result["captionMessageId"] = caption_msg.message_id
    return result


def _stored_file(ctx: Context, payload: dict[str, Any]) -> Any:
    stored = ctx.core.state.files.get(Args(ctx, payload).text("fileId"))
    if stored is None:
        raise ApiError(errors.FILE_NOT_FOUND)
    return stored


def get_file_info(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.25"""
    return files.file_info(ctx.core, _stored_file(ctx, payload), ctx.session.base_url)


def subscribe_file_progress(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.26: a READY file gets one final progress event at once (before the response).

    ``result`` says whether a subscription was made, and for an UPLOADING or READY file one is
    (kept like an uploading file's after it finished), so ``unsubscribeFileProgress`` answers
    true for it afterwards: the two answers agree.
    """
    stored = _stored_file(ctx, payload)
    if stored.ready_state not in (READY_UPLOADING, READY):
        return {"result": False}
    ctx.core.progress_subscribers.setdefault(stored.file_id, set()).add(ctx.session)
    if stored.ready_state == READY:
        ctx.session.push("uploadFileProgress", {"fileId": stored.file_id, "progress": stored.size})
    return {"result": True}


def unsubscribe_file_progress(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.27"""
    stored = _stored_file(ctx, payload)
    subscribers = ctx.core.progress_subscribers.get(stored.file_id, set())
    result = ctx.session in subscribers
    subscribers.discard(ctx.session)
    return {"result": result}


def get_file_upload_limits(ctx: Context, payload: dict[str, Any]) -> Any:
    """§3.28"""
    return files.limits_payload(ctx.core)


# --- 5.5.6 additions --------------------------------------------------------------------------

def send_chat_activity(ctx: Context, payload: dict[str, Any]) -> Any:
    """§12.7: recorded in ``core.activities``; answers a positive ``retryAfter``."""
    args = Args(ctx, payload)
    chat = member_chat(ctx, args.text("chatId"))
    activity = args.text("activityType")
    if activity not in ACTIVITY_TYPES:
        raise ctx.bad("activityType must be typing, choosing_sticker or uploading_file")
    ctx.core.activities.append({"chatId": chat.chat_id, "userId": ctx.user_id, "activityType": activity})
    return {"chatId": chat.chat_id, "activityType": activity, "retryAfter": max(1, ctx.core.config.retry_after_ms)}


def answer_command(ctx: Context, payload: dict[str, Any]) -> Any:
    """§12.6: recorded in ``core.command_answers``; answers ``{}``."""
    args = Args(ctx, payload)
    command_id, answer_type = args.text("commandId"), args.text("answerType")
    if answer_type not in ANSWER_TYPES:
        raise ctx.bad("answerType must be complete, timeout, cancel or message")
    message = args.obj("message")
    if not isinstance(message.get("text"), str):
        raise ctx.bad("message.text must be a string")
    ctx.core.command_answers.append({"userId": ctx.user_id, **payload, "commandId": command_id})
    return {}


class Method(NamedTuple):
    """An entry of the dispatch table."""

    handler: Callable[[Context, dict[str, Any]], Any]
    needs_auth: bool = True
    since_556: bool = False  # answered with 307 in legacy (5.5.4) mode


METHODS: dict[str, Method] = {
    "auth": Method(auth, needs_auth=False),
    "sendMessage": Method(send_message),
    "editMessage": Method(edit_message),
    "removeMessage": Method(remove_message),
    "forwardMessage": Method(forward_message),
    "getMessageById": Method(get_message_by_id),
    "getChatHistory": Method(get_chat_history),
    "createP2PChat": Method(create_p2p_chat),
    "createGroupChat": Method(create_group_chat),
    "createChannel": Method(create_channel),
    "createFavoritesChat": Method(create_favorites_chat),
    "removeChat": Method(remove_chat),
    "getChats": Method(get_chats),
    "getChatByID": Method(get_chat_by_id),
    "addChatParticipant": Method(add_chat_participant),
    "removeChatParticipant": Method(remove_chat_participant),
    "hasChatParticipant": Method(has_chat_participant),
    "getChatParticipant": Method(get_chat_participant),
    "getChatParticipants": Method(get_chat_participants),
    "changeParticipantRole": Method(change_participant_role),
    "editChatTitle": Method(edit_chat_title),
    "editChatAvatar": Method(edit_chat_avatar),
    "clearHistory": Method(clear_history),
    "uploadFile": Method(upload_file),
    "sendFile": Method(send_file),
    "getFileInfo": Method(get_file_info),
    "subscribeFileProgress": Method(subscribe_file_progress),
    "unsubscribeFileProgress": Method(unsubscribe_file_progress),
    "getFileUploadLimits": Method(get_file_upload_limits),
    "getUserDisplayName": Method(get_user_display_name),
    "sendSurvey": Method(send_survey),
    "editSurvey": Method(edit_survey),
    "sendChatActivity": Method(send_chat_activity, since_556=True),
    "answerCommand": Method(answer_command, since_556=True),
}

#: the docs' spelling, accepted when ``config.accept_get_chat_by_id_alias`` is on (§3.13).
ALIASES = {"getChatById": "getChatByID"}
