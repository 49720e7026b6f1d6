"""The method table: every client request of PROTOCOL §3 and §12, one row each.

A row is a payload builder decorated with ``@api(wire_name, result_parser)``. Its signature and
docstring are the public API (``client.send_message(...)``); the body only validates and builds
the payload. :class:`ApiMethods` lists the rows; :class:`~trueconf_sync.Client` inherits it, so each
row is available as ``client.<name>(...)`` (blocking) and ``client.<name>.future(...)``.
"""

from __future__ import annotations

import hashlib
import html
import secrets
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..enums import ActivityType, ParseMode, Role
from ..errors import ProtocolError
from ..limits import (
    MAX_TEXT_LENGTH,
    check_bool,
    check_choice,
    check_count,
    check_id,
    check_optional_id,
    check_title,
)
from .converter import converter
from .method import Payload, api
from .models import (
    ChatActivity,
    ChatHistory,
    EditedMessage,
    FileInfo,
    Message,
    Participant,
    SentFile,
    SentMessage,
    TitleEdited,
    UploadLimits,
)
from .models.chat import Chat, ChatList
from .validation import check_text

if TYPE_CHECKING:
    from ..text.formatting import FormattedText
    from ..text.keyboard import InlineKeyboard

__all__ = ["ApiMethods"]

T = TypeVar("T")
Timeout = float | None


def _object(payload: Any) -> Any:
    """The payload as a JSON object (missing = empty); anything else is not an answer we can read."""
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise ProtocolError(f"expected a JSON object as the answer, got {type(payload).__name__}")
    return payload


def _as(cls: type[T]) -> Callable[[Any], T]:
    """Parser: structure the whole payload (a JSON object) as ``cls``."""

    def parse(payload: Any) -> T:
        return converter.structure(_object(payload), cls)

    parse.__name__ = f"parse_{cls.__name__}"
    return parse


def _nothing(payload: Any) -> None:
    """Parser for methods whose success payload is empty."""
    return None


def _key(key: str, cls: type[T]) -> Callable[[Any], T]:
    """Parser: one key of the payload, as ``cls``."""

    def parse(payload: Any) -> T:
        return converter.structure(_object(payload).get(key), cls)

    return parse


def complete_user_id(client: Any, payload: Payload) -> None:
    """Finish hook: a bare login gets the server's domain, taken from the bot's own id (§10.1)."""
    user = payload.get("userId")
    me = client.user_id
    if isinstance(user, str) and "@" not in user and me and "@" in me:
        payload["userId"] = f"{user}@{me.split('@', 1)[1]}"


def _participants(payload: Any) -> list[Participant]:
    items = payload if isinstance(payload, list) else _object(payload).get("participants", [])
    if not isinstance(items, list):
        raise ProtocolError(f"expected a list of participants, got {type(items).__name__}")
    return [converter.structure(item, Participant) for item in items]


def _chats(payload: Any) -> list[Chat]:
    # A bare JSON array (PROTOCOL §3.12); tolerate {"chats": [...]} as well.
    items = payload if isinstance(payload, list) else _object(payload).get("chats", [])
    if not isinstance(items, list):
        raise ProtocolError(f"expected a list of chats, got {type(items).__name__}")
    return ChatList(converter.structure(item, Chat) for item in items)


def _buttons(buttons: Any) -> list[list[dict[str, Any]]]:
    from ..text.keyboard import keyboard_to_wire

    try:
        wire: list[list[dict[str, Any]]] = keyboard_to_wire(buttons)
    except (TypeError, ValueError) as exc:
        if str(exc).startswith("buttons"):
            raise
        raise type(exc)(f"buttons: {exc}") from None  # name the argument ("too many rows: 9 ...")
    return wire


def _quoted(quote: Any, text: str, mode: ParseMode) -> tuple[str, ParseMode]:
    """Put a reply quote block (PROTOCOL §12.3) in front of ``text``; plain text becomes HTML."""
    from ..text.formatting import html, markdown

    if not isinstance(quote, str):
        raise TypeError(f"quote must be a str, not {type(quote).__name__}")
    if not quote.strip():
        raise ValueError("quote must not be empty or only whitespace")
    if mode == ParseMode.MARKDOWN:
        return str(markdown.quote(quote)) + text, mode
    if mode == ParseMode.HTML:
        return str(html.quote(quote)) + text, mode
    return str(html.quote(quote) + html.text(text)), ParseMode.HTML


def _reply_for_quote(reply_message_id: str | None, quote: Any) -> str | None:
    if quote is not None and reply_message_id is None:
        raise ValueError("quote needs reply_message_id: the apps show a quote only on a reply")
    return reply_message_id


def _text_content(text: Any, parse_mode: Any, buttons: Any, quote: Any = None) -> dict[str, Any]:
    wire_text, mode = check_text("text", text, parse_mode)
    if quote is not None:
        wire_text, mode = check_text("text (with its quote)", *_quoted(quote, wire_text, mode))
    content: dict[str, Any] = {"text": wire_text, "parseMode": mode.value}
    if buttons is not None:
        content["buttons"] = _buttons(buttons)
    return content


# ---- messages (§3.1-§3.6) ---------------------------------------------------------------------


@api("sendMessage", _as(SentMessage))
def send_message(
    chat_id: str,
    text: str | FormattedText,
    *,
    parse_mode: ParseMode | str | None = None,
    reply_message_id: str | None = None,
    buttons: InlineKeyboard | list[list[Any]] | None = None,
    quote: str | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Send a text message to a chat.

    Args:
        chat_id: the target chat.
        text: up to 4096 visible characters; a ``str`` or text built with
            :mod:`trueconf_sync.formatting` (which brings its parse mode).
        parse_mode: ``"text"`` (default), ``"markdown"`` or ``"html"``.
        reply_message_id: the message this one answers.
        buttons: inline buttons (server 5.5.6+): an :class:`~trueconf_sync.keyboard.InlineKeyboard`
            or rows of buttons.
        quote: with ``reply_message_id``, the part of the answered message to show highlighted
            above the reply (PROTOCOL §12.3); a plain-text reply is then sent as HTML.
        timeout: seconds to wait for the answer (default: the client's ``timeout``).

    Returns:
        :class:`~trueconf_sync.models.SentMessage` with ``chat_id``, ``message_id``, ``timestamp``.

    Raises:
        ValueError, TypeError: bad arguments (nothing is sent). ApiError: e.g. 304 unknown chat.
    """
    return {
        "chatId": check_id("chat_id", chat_id),
        "replyMessageId": _reply_for_quote(check_optional_id("reply_message_id", reply_message_id), quote),
        "content": _text_content(text, parse_mode, buttons, quote),
    }


@api("editMessage", _as(EditedMessage))
def edit_message(
    message_id: str,
    text: str | FormattedText,
    *,
    parse_mode: ParseMode | str | None = None,
    buttons: InlineKeyboard | list[list[Any]] | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Replace the text of one of the bot's messages (the whole content: omitted buttons go).

    Returns :class:`~trueconf_sync.models.EditedMessage` (``message_id``, ``timestamp``).
    Raises ApiError 306 for an unknown message, 303/302 when it is not the bot's to edit.
    """
    return {
        "messageId": check_id("message_id", message_id),
        "content": _text_content(text, parse_mode, buttons),
    }


@api("removeMessage", _nothing)
def remove_message(message_id: str, *, for_all: bool = False, timeout: Timeout = None) -> Payload:
    """Delete a message, for everybody (``for_all=True``) or only for the bot. Returns None."""
    return {"messageId": check_id("message_id", message_id), "forAll": check_bool("for_all", for_all)}


@api("forwardMessage", _as(SentMessage))
def forward_message(chat_id: str, message_id: str, *, timeout: Timeout = None) -> Payload:
    """Forward message ``message_id`` into chat ``chat_id``; returns the new message's ids."""
    return {"chatId": check_id("chat_id", chat_id), "messageId": check_id("message_id", message_id)}


@api("getMessageById", _as(Message), binds=True)
def get_message_by_id(message_id: str, *, timeout: Timeout = None) -> Payload:
    """Fetch one message. Returns :class:`~trueconf_sync.models.Message`; ApiError 306 if unknown."""
    return {"messageId": check_id("message_id", message_id)}


@api("getChatHistory", _as(ChatHistory), binds=True)
def get_chat_history(
    chat_id: str, *, count: int = 50, from_message_id: str | None = None, timeout: Timeout = None
) -> Payload:
    """Fetch up to ``count`` messages of a chat, newest first, starting at ``from_message_id``.

    Returns :class:`~trueconf_sync.models.ChatHistory` (iterable of messages). To page back, pass
    the oldest message id you have as ``from_message_id``.
    """
    payload: Payload = {"chatId": check_id("chat_id", chat_id), "count": check_count("count", count)}
    if from_message_id is not None:
        payload["fromMessageId"] = check_id("from_message_id", from_message_id)
    return payload


# ---- chats (§3.7-§3.13) -----------------------------------------------------------------------


@api("createP2PChat", _key("chatId", str), finish=complete_user_id)
def create_p2p_chat(user_id: str, *, timeout: Timeout = None) -> Payload:
    """Get (or create) the personal chat with a user; returns its ``chat_id``."""
    return {"userId": check_id("user_id", user_id)}


@api("createGroupChat", _key("chatId", str))
def create_group_chat(title: str, *, timeout: Timeout = None) -> Payload:
    """Create a new group chat (the bot owns it); returns its ``chat_id``. Title ≤ 256 chars."""
    return {"title": check_title("title", title)}


@api("createChannel", _key("chatId", str))
def create_channel(title: str, *, timeout: Timeout = None) -> Payload:
    """Create a new channel (the bot owns it); returns its ``chat_id``. Title ≤ 256 chars."""
    return {"title": check_title("title", title)}


@api("createFavoritesChat", _key("chatId", str))
def create_favorites_chat(*, timeout: Timeout = None) -> Payload:
    """Get (or create) the bot's own Favorites chat; returns its ``chat_id``."""
    return {}


@api("removeChat", _nothing)
def remove_chat(chat_id: str, *, timeout: Timeout = None) -> Payload:
    """Delete a chat. Returns None; ApiError 304 unknown chat, 303 not allowed."""
    return {"chatId": check_id("chat_id", chat_id)}


@api("getChats", _chats, binds=True)
def get_chats(*, count: int = 10, page: int = 1, timeout: Timeout = None) -> Payload:
    """List the chats the bot sees: page ``page`` (1-based) of ``count`` chats.

    Returns a ``list`` of :class:`~trueconf_sync.models.Chat` (empty past the last page).
    """
    return {"count": check_count("count", count), "page": check_count("page", page)}


@api("getChatByID", _as(Chat), binds=True)
def get_chat_by_id(chat_id: str, *, timeout: Timeout = None) -> Payload:
    """Fetch one chat. Returns :class:`~trueconf_sync.models.Chat`; ApiError 304 if unknown."""
    return {"chatId": check_id("chat_id", chat_id)}


# ---- participants (§3.14-§3.19) ----------------------------------------------------------------


@api("addChatParticipant", _nothing, finish=complete_user_id)
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


@api("removeChatParticipant", _nothing, finish=complete_user_id)
def remove_chat_participant(
    chat_id: str, user_id: str, *, clear_history: bool = False, timeout: Timeout = None
) -> Payload:
    """Remove a member from a chat (optionally wiping the history for them). Returns None."""
    return {
        "chatId": check_id("chat_id", chat_id),
        "userId": check_id("user_id", user_id),
        "clearHistory": check_bool("clear_history", clear_history),
    }


@api("hasChatParticipant", _key("result", bool), finish=complete_user_id)
def has_chat_participant(chat_id: str, user_id: str, *, timeout: Timeout = None) -> Payload:
    """Return True when ``user_id`` is a member of the chat."""
    return {"chatId": check_id("chat_id", chat_id), "userId": check_id("user_id", user_id)}


@api("getChatParticipant", _as(Participant), finish=complete_user_id)
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


@api("changeParticipantRole", _nothing, finish=complete_user_id)
def change_participant_role(
    chat_id: str, user_id: str, role: Role | str, *, timeout: Timeout = None
) -> Payload:
    """Change a member's role (``owner``, ``admin``, ``user``, ``writer``...). Returns None."""
    return {
        "chatId": check_id("chat_id", chat_id),
        "userId": check_id("user_id", user_id),
        "role": check_choice("role", role, Role).value,
    }


# ---- chat settings (§3.20-§3.22) -----------------------------------------------------------


@api("editChatTitle", _as(TitleEdited))
def edit_chat_title(chat_id: str, title: str, *, timeout: Timeout = None) -> Payload:
    """Rename a group chat or channel. Returns :class:`~trueconf_sync.models.TitleEdited`."""
    return {"chatId": check_id("chat_id", chat_id), "title": check_title("title", title)}


@api("editChatAvatar", _nothing)
def edit_chat_avatar_by_temporal_id(
    chat_id: str, temporal_file_id: str, *, timeout: Timeout = None
) -> Payload:
    """Set a chat's picture from an already uploaded file (wire level of ``editChatAvatar``)."""
    return {
        "chatId": check_id("chat_id", chat_id),
        "temporalFileId": check_id("temporal_file_id", temporal_file_id),
    }


@api("clearHistory", _nothing)
def clear_history(chat_id: str, *, for_all: bool = False, timeout: Timeout = None) -> Payload:
    """Clear a chat's history, for everybody (``for_all=True``) or only for the bot."""
    return {"chatId": check_id("chat_id", chat_id), "forAll": check_bool("for_all", for_all)}


# ---- files, wire level (§3.23-§3.28) ---------------------------------------------------------


@api("uploadFile", _key("uploadTaskId", str))
def create_upload_task(file_name: str, file_size: int, *, timeout: Timeout = None) -> Payload:
    """Stage 1 of sending a file: announce its name and size; returns the ``uploadTaskId``.

    The wire level of :meth:`~trueconf_sync.Client.send_file`, which does all three stages.
    Raises ApiError 310 when the file breaks the server's upload limits.
    """
    return {"fileSize": check_count("file_size", file_size, minimum=0, maximum=2**53),
            "fileName": check_id("file_name", file_name)}


@api("sendFile", _as(SentFile))
def send_file_by_temporal_id(
    chat_id: str,
    temporal_file_id: str,
    *,
    caption: str | FormattedText | None = None,
    parse_mode: ParseMode | str | None = None,
    reply_message_id: str | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Stage 3 of sending a file: post an uploaded file (its ``temporalFileId``) into a chat.

    The wire level of :meth:`~trueconf_sync.Client.send_file`. Returns
    :class:`~trueconf_sync.models.SentFile`; ApiError 308/310 for an unknown or used upload.
    """
    content: Payload = {"temporalFileId": check_id("temporal_file_id", temporal_file_id)}
    if caption is not None:
        text, mode = check_text("caption", caption, parse_mode)
        content["caption"] = {"text": text, "parseMode": mode.value}
    elif parse_mode is not None:
        raise ValueError("parse_mode applies to the caption; give a caption or leave parse_mode out")
    payload: Payload = {"chatId": check_id("chat_id", chat_id), "content": content}
    if reply_message_id is not None:
        payload["replyMessageId"] = check_id("reply_message_id", reply_message_id)
    return payload


@api("getFileInfo", _as(FileInfo))
def get_file_info(file_id: str, *, timeout: Timeout = None) -> Payload:
    """Return a file's metadata and download URL (:class:`~trueconf_sync.models.FileInfo`)."""
    return {"fileId": check_id("file_id", file_id)}


@api("subscribeFileProgress", _key("result", bool))
def subscribe_file_progress(file_id: str, *, timeout: Timeout = None) -> Payload:
    """Ask for ``uploadFileProgress`` events of a file still uploading; True if subscribed."""
    return {"fileId": check_id("file_id", file_id)}


@api("unsubscribeFileProgress", _key("result", bool))
def unsubscribe_file_progress(file_id: str, *, timeout: Timeout = None) -> Payload:
    """Stop the progress events of a file; True if a subscription was removed."""
    return {"fileId": check_id("file_id", file_id)}


@api("getFileUploadLimits", _as(UploadLimits))
def get_file_upload_limits(*, timeout: Timeout = None) -> Payload:
    """Return the server's upload limits (:class:`~trueconf_sync.models.UploadLimits`)."""
    return {}


# ---- users, activity (§3.29, §12.7) ----------------------------------------------------------


@api("getUserDisplayName", _key("displayName", str), finish=complete_user_id)
def get_user_display_name(user_id: str, *, timeout: Timeout = None) -> Payload:
    """Return a user's display name."""
    return {"userId": check_id("user_id", user_id)}


@api("sendChatActivity", _as(ChatActivity))
def send_chat_activity(
    chat_id: str, activity_type: ActivityType | str = ActivityType.TYPING, *, timeout: Timeout = None
) -> Payload:
    """Show "typing..." (or another activity) in a chat; repeat after ``retry_after`` ms."""
    return {
        "chatId": check_id("chat_id", chat_id),
        "activityType": check_choice("activity_type", activity_type, ActivityType).value,
    }


# ---- surveys (§3.30, §3.31) --------------------------------------------------------------------

_SURVEY_LITERALS = {False: "{{Survey}}", True: "{{Anonymous survey}}"}


def _survey_url(client: Any, payload: Payload) -> None:
    """Finish hook: fill the survey app's URL (``https://<server>/webtools/survey``) and ``alt``."""
    content = payload["content"]
    url = content.pop("url", None) or f"https://{client.host}/webtools/survey"
    if payload.get("chatId") is not None:  # sendSurvey carries the url, editSurvey does not
        content["url"] = url
    title = html.escape(content["title"], quote=True)
    path = urllib.parse.quote(content["path"], safe="")
    content["alt"] = f"\U0001f4ca <a href='{url}?id={path}&error=autologin_not_supported'>{title}</a>"


def _survey_content(path: Any, title: Any, anonymous: Any, url: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "path": check_id("path", path),
        "title": check_title("title", title, limit=MAX_TEXT_LENGTH),
        "description": _SURVEY_LITERALS[check_bool("anonymous", anonymous)],
        "buttonText": "{{Go to survey}}",
    }
    if url is not None:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ValueError(f"url must be an http(s) URL of the survey app, got {url!r}")
        content["url"] = url
    return content


@api("sendSurvey", _as(SentMessage), finish=_survey_url)
def send_survey(
    chat_id: str,
    path: str,
    title: str,
    *,
    anonymous: bool = False,
    reply_message_id: str | None = None,
    url: str | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Post a survey card: ``path`` is the survey campaign id on the server, ``title`` the card title.

    ``anonymous`` marks it as an anonymous survey; ``url`` overrides the survey app's address
    (default ``https://<server>/webtools/survey``). Returns :class:`~trueconf_sync.models.SentMessage`.
    """
    content = _survey_content(path, title, anonymous, url)
    content["appVersion"] = 1
    content["secret"] = hashlib.sha1((title + secrets.token_hex(8)).encode()).hexdigest()
    return {
        "chatId": check_id("chat_id", chat_id),
        "replyMessageId": check_optional_id("reply_message_id", reply_message_id),
        "content": content,
    }


@api("editSurvey", _as(EditedMessage), finish=_survey_url)
def edit_survey(
    message_id: str,
    path: str,
    title: str,
    *,
    anonymous: bool = False,
    url: str | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Change a survey card the bot posted. Returns :class:`~trueconf_sync.models.EditedMessage`."""
    return {"messageId": check_id("message_id", message_id), "content": _survey_content(path, title, anonymous, url)}


# ---- buttons (§12.6) ----------------------------------------------------------------------------


@api("answerCommand", _nothing)
def answer_command(
    command_id: str,
    answer_type: str,
    text: str,
    *,
    status: str | None = None,
    visibility: str | None = None,
    level: str | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Answer a command from a ``wait_reply`` button (server 5.5.6; apps may not show it yet).

    ``answer_type`` is ``complete``, ``timeout``, ``cancel`` or ``message``; ``text`` 1-255 ASCII
    characters; ``status``, ``visibility``, ``level`` as in PROTOCOL §12.6. Returns None.
    """
    from ..text.keyboard import command_answer_payload

    payload: Payload = command_answer_payload(
        check_id("command_id", command_id), answer_type, text, status=status, visibility=visibility, level=level
    )
    return payload


class ApiMethods:
    """The table of request methods; :class:`~trueconf_sync.Client` inherits every row."""

    send_message = send_message
    edit_message = edit_message
    remove_message = remove_message
    forward_message = forward_message
    get_message_by_id = get_message_by_id
    get_chat_history = get_chat_history
    create_p2p_chat = create_p2p_chat
    create_group_chat = create_group_chat
    create_channel = create_channel
    create_favorites_chat = create_favorites_chat
    remove_chat = remove_chat
    get_chats = get_chats
    get_chat_by_id = get_chat_by_id
    add_chat_participant = add_chat_participant
    remove_chat_participant = remove_chat_participant
    has_chat_participant = has_chat_participant
    get_chat_participant = get_chat_participant
    get_chat_participants = get_chat_participants
    change_participant_role = change_participant_role
    edit_chat_title = edit_chat_title
    edit_chat_avatar_by_temporal_id = edit_chat_avatar_by_temporal_id
    clear_history = clear_history
    create_upload_task = create_upload_task
    send_file_by_temporal_id = send_file_by_temporal_id
    get_file_info = get_file_info
    subscribe_file_progress = subscribe_file_progress
    unsubscribe_file_progress = unsubscribe_file_progress
    get_file_upload_limits = get_file_upload_limits
    get_user_display_name = get_user_display_name
    send_chat_activity = send_chat_activity
    send_survey = send_survey
    edit_survey = edit_survey
    answer_command = answer_command
