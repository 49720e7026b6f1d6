"""Rich display for Jupyter: messages, chats, histories and chat lists as HTML tables.

The models call into this module from tiny ``_repr_html_`` methods, so it is imported only when a
notebook actually shows one. :func:`table` turns any list of messages or chats (e.g. the ones a
handler collected) into an object a notebook shows as a table.

Only what a person needs to read is shown, always HTML-escaped: time, author, chat, kind, text or
a one-line summary, ids. Never the raw payload, download URLs, survey secrets or tokens.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any

from .models import (
    AttachmentContent,
    AvatarContent,
    Chat,
    ChatHistory,
    ClearHistoryContent,
    LocationContent,
    Message,
    ParticipantContent,
    SurveyContent,
    TextContent,
    TitleContent,
    VoiceContent,
)

__all__ = ["MAX_ROWS", "MAX_TEXT", "Table", "chat_html", "chats_html", "history_html", "message_html",
           "summary", "table"]

#: Rows shown before a table says "... and N more".
MAX_ROWS = 200
#: Characters of a message text shown in a cell before it is cut with an ellipsis.
MAX_TEXT = 300

_STYLE = "border-collapse:collapse;text-align:left"
_MESSAGE_COLUMNS = ("time (UTC)", "author", "kind", "text", "message id")
_CHAT_COLUMNS = ("chat id", "title", "type", "unread", "last message")


def _cut(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kind(message: Message) -> str:
    return message.type.name.lower().replace("_", " ")


def summary(message: Message) -> str:
    """One line of plain text describing a message's content (its text for a text message).

    Args:
        message: any :class:`~trueconf_sync.models.Message`.

    Returns:
        The text, cut to :data:`MAX_TEXT` characters, or a bracketed summary such as
        ``"[file] report.pdf (1234 bytes)"``.
    """
    content = message.content
    if isinstance(content, Message):
        return _cut("[forward] " + summary(content))
    if isinstance(content, TextContent):
        return _cut(content.text)
    if isinstance(content, AttachmentContent):
        return _cut(f"[{'sticker' if content.is_sticker else 'file'}] {content.name} ({content.size} bytes)")
    if isinstance(content, LocationContent):
        place = content.title or content.description or ""
        return _cut(f"[location] {content.latitude:.5f}, {content.longitude:.5f} {place}".rstrip())
    if isinstance(content, SurveyContent):
        return _cut(f"[survey] {content.title}")
    if isinstance(content, VoiceContent):
        return f"[voice] {content.duration} s"
    if isinstance(content, ParticipantContent):
        role = f" ({content.role.value})" if content.role is not None else ""
        return _cut(f"[{_kind(message)}] {content.user_id}{role}")
    if isinstance(content, TitleContent):
        return _cut(f"[title] {content.title}")
    if isinstance(content, AvatarContent):
        return "[avatar removed]" if content.avatar_url is None else "[avatar changed]"
    if isinstance(content, ClearHistoryContent):
        return "[history cleared for everybody]" if content.for_all else "[history cleared]"
    return f"[{_kind(message)}]"


def _time(message: Message) -> str:
    if not message.timestamp:
        return ""
    return message.datetime.strftime("%Y-%m-%d %H:%M:%S")


def _message_row(message: Message) -> tuple[str, ...]:
    return (_time(message), message.author.id, _kind(message), summary(message), message.message_id)


def _chat_row(chat: Chat) -> tuple[str, ...]:
    last = summary(chat.last_message) if chat.last_message is not None else ""
    return (chat.chat_id, chat.title or "", chat.chat_type.name.lower(), str(chat.unread_messages), last)


def _render(caption: str, columns: Sequence[str], rows: list[tuple[str, ...]], total: int) -> str:
    esc = html.escape
    parts = [f'<table class="trueconf-sync" style="{_STYLE}">',
             f"<caption style=\"text-align:left\">{esc(caption)}</caption>",
             "<thead><tr>", *(f"<th>{esc(c)}</th>" for c in columns), "</tr></thead><tbody>"]
    parts.extend("<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>" for row in rows)
    if total > len(rows):
        parts.append(f'<tr><td colspan="{len(columns)}">… and {total - len(rows)} more</td></tr>')
    parts.append("</tbody></table>")
    return "".join(parts)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def message_html(message: Message) -> str:
    """A one-row HTML table of ``message`` (what Jupyter shows for a Message)."""
    where = f" in chat {message.chat_id}" if message.chat_id else ""
    return Table([message], f"Message{where}")._repr_html_()


def history_html(history: ChatHistory) -> str:
    """An HTML table of a chat history, newest first (what Jupyter shows for a ChatHistory)."""
    caption = f"History of chat {history.chat_id}: {_plural(len(history.messages), 'message')}, newest first"
    return Table(history.messages, caption)._repr_html_()


def chat_html(chat: Chat) -> str:
    """A one-row HTML table of ``chat`` (what Jupyter shows for a Chat)."""
    return Table([chat], "Chat")._repr_html_()


def chats_html(chats: Sequence[Chat]) -> str:
    """An HTML table of chats (what Jupyter shows for the list ``get_chats`` returns)."""
    return Table(chats)._repr_html_()


class Table:
    """A snapshot of messages or chats that Jupyter shows as one table; see :func:`table`."""

    def __init__(self, items: Iterable[Any], caption: str | None = None) -> None:
        self.items: list[Message | Chat] = list(items)
        self.caption = caption
        bad = [item for item in self.items if not isinstance(item, (Message, Chat))]
        if bad:
            raise TypeError(f"items must be Message or Chat objects, got {type(bad[0]).__name__}")
        self.chats = bool(self.items) and isinstance(self.items[0], Chat)
        if any(isinstance(item, Chat) != self.chats for item in self.items):
            raise TypeError("items must be all messages or all chats, not a mix")

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"<Table of {_plural(len(self.items), 'chat' if self.chats else 'message')}>"

    def _repr_html_(self) -> str:
        count = len(self.items)
        shown = self.items[:MAX_ROWS]
        if self.chats:
            rows = [_chat_row(item) for item in shown if isinstance(item, Chat)]
            return _render(self.caption or _plural(count, "chat"), _CHAT_COLUMNS, rows, count)
        rows = [_message_row(item) for item in shown if isinstance(item, Message)]
        return _render(self.caption or _plural(count, "message"), _MESSAGE_COLUMNS, rows, count)


def table(items: Iterable[Any], caption: str | None = None) -> Table:
    """Wrap messages or chats so a notebook shows them as one table.

    Args:
        items: :class:`~trueconf_sync.models.Message` objects (e.g. collected by a handler), or
            :class:`~trueconf_sync.models.Chat` objects.
        caption: the table's caption (default: "N messages" / "N chats").

    Returns:
        A :class:`Table` holding a snapshot of ``items`` (call again to show newer ones).

    Raises:
        TypeError: an item is neither a Message nor a Chat, or messages and chats are mixed.
    """
    return Table(items, caption)
