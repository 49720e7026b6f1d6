"""Rows of the method table: messages (PROTOCOL §3.1-§3.6, with §12.3 quotes and §12.6 buttons).

Also the text checks they share: one text (with its parse mode, an optional reply quote and
inline buttons) becomes the ``content`` object of ``sendMessage`` and ``editMessage``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...enums import ParseMode
from ...limits import check_bool, check_count, check_id, check_optional_id
from ..method import Payload, api
from ..validation import check_text
from .common import Timeout, as_, models, nothing

if TYPE_CHECKING:
    from ...text.formatting import FormattedText
    from ...text.keyboard import InlineKeyboard

__all__ = [
    "edit_message",
    "forward_message",
    "get_chat_history",
    "get_message_by_id",
    "remove_message",
    "send_message",
]


def _buttons(buttons: Any) -> list[list[dict[str, Any]]]:
    from ...text.keyboard import keyboard_to_wire

    try:
        wire: list[list[dict[str, Any]]] = keyboard_to_wire(buttons)
    except (TypeError, ValueError) as exc:
        if str(exc).startswith("buttons"):
            raise
        raise type(exc)(f"buttons: {exc}") from None  # name the argument ("too many rows: 9 ...")
    return wire


def _quoted(quote: Any, text: str, mode: ParseMode) -> tuple[str, ParseMode]:
    """Put a reply quote block (PROTOCOL §12.3) in front of ``text``; plain text becomes HTML."""
    from ...text.formatting import html, markdown

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
    content: dict[str, Any] = {"text": wire_text, "parseMode": mode._value_}  # (.value: two Python calls)
    if buttons is not None:
        content["buttons"] = _buttons(buttons)
    return content


@api("sendMessage", as_(lambda: models.SentMessage))
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


@api("editMessage", as_(lambda: models.EditedMessage))
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


@api("removeMessage", nothing)
def remove_message(message_id: str, *, for_all: bool = False, timeout: Timeout = None) -> Payload:
    """Delete a message, for everybody (``for_all=True``) or only for the bot. Returns None."""
    return {"messageId": check_id("message_id", message_id), "forAll": check_bool("for_all", for_all)}


@api("forwardMessage", as_(lambda: models.SentMessage))
def forward_message(chat_id: str, message_id: str, *, timeout: Timeout = None) -> Payload:
    """Forward message ``message_id`` into chat ``chat_id``; returns the new message's ids."""
    return {"chatId": check_id("chat_id", chat_id), "messageId": check_id("message_id", message_id)}


@api("getMessageById", as_(lambda: models.Message), binds=True)
def get_message_by_id(message_id: str, *, timeout: Timeout = None) -> Payload:
    """Fetch one message. Returns :class:`~trueconf_sync.models.Message`; ApiError 306 if unknown."""
    return {"messageId": check_id("message_id", message_id)}


@api("getChatHistory", as_(lambda: models.ChatHistory), binds=True)
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
