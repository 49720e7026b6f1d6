"""``trueconf-sync chats``: list the chats the bot sees, as a table or JSON."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from .settings import Settings
from .terminal import safe_text

if TYPE_CHECKING:
    from ..api.models import Chat
    from ..client import Client

__all__ = ["add_parser", "iter_chats", "run"]

PAGE_SIZE = 100


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register the ``chats`` sub-command."""
    parser = sub.add_parser(
        "chats", parents=[common], help="list the bot's chats (table or JSON)",
        description="List the chats the bot can see: id, type, unread count and title.",
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array instead of a table")
    parser.add_argument("--limit", type=int, metavar="N", help="show at most N chats")
    parser.set_defaults(run=run)


def iter_chats(client: Client, limit: int | None = None) -> Iterator[Chat]:
    """Every chat of the bot, page after page (at most ``limit``)."""
    seen = 0
    page = 1
    while limit is None or seen < limit:
        chats = client.get_chats(count=PAGE_SIZE, page=page)
        for chat in chats:
            if limit is not None and seen >= limit:
                return
            seen += 1
            yield chat
        if len(chats) < PAGE_SIZE:
            return
        page += 1


def _record(chat: Chat) -> dict[str, Any]:
    last = chat.last_message
    return {
        "chat_id": chat.chat_id,
        "title": chat.title,
        "chat_type": chat.chat_type.name.lower(),
        "unread_messages": chat.unread_messages,
        "last_message_id": last.message_id if last is not None else None,
    }


def _table(records: list[dict[str, Any]]) -> str:
    header = ("CHAT_ID", "TYPE", "UNREAD", "TITLE")
    rows = [(safe_text(r["chat_id"]), r["chat_type"], str(r["unread_messages"]), safe_text(r["title"] or ""))
            for r in records]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = ["  ".join([*(cell.ljust(width) for cell, width in zip(row[:3], widths)), row[3]]).rstrip()
             for row in [header, *rows]]
    return "\n".join(lines)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch and print the chats; return 0."""
    if args.limit is not None and args.limit < 1:
        raise ValueError(f"--limit must be >= 1, got {args.limit}")
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="backslashreplace")
    with settings.make_client(auto_reconnect=False) as client:
        records = [_record(chat) for chat in iter_chats(client, args.limit)]
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2), flush=True)
    else:
        print(_table(records), flush=True)
    return 0
