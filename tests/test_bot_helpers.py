"""Helpers shared by the bot framework tests (tests/test_bot_*.py); no tests of its own.

A bot under test is a real Client of ``echo_bot`` on the fake server with a Dispatcher attached;
people talk to it through ``server.user(login)`` (SimulatedUser).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from trueconf_sync import Client
from trueconf_sync.bot import Dispatcher


def start_bot(factory: Callable[..., Client], dp: Dispatcher, **client_kwargs: Any) -> Client:
    """A connected echo_bot client with ``dp`` attached (closed by the factory fixture)."""
    client = factory(connect=False, **client_kwargs)
    dp.attach(client)
    client.connect()
    return client


def ask(user: Any, chat_id: str, text: str, parse_mode: str = "text", timeout: float = 5.0) -> str:
    """``user`` writes ``text`` into ``chat_id``; the text of the bot's next message there that is
    not a reply to somebody else's message (in group chats, let the bot ``reply``)."""
    sent = user.send_message(chat_id, text, parse_mode=parse_mode)
    return next_text(user, chat_id, timeout, reply_to=sent)


def next_text(user: Any, chat_id: str, timeout: float = 5.0, reply_to: str | None = None) -> str:
    """The text of the next message by the bot (echo_bot) that ``user`` receives in ``chat_id``."""
    def wanted(envelope: dict[str, Any]) -> bool:
        return (str(envelope["author"]["id"]).startswith("echo_bot")
                and envelope.get("replyMessageId") in (None, reply_to))

    envelope: dict[str, Any] = user.wait_for_message(chat_id, predicate=wanted, timeout=timeout)
    return str(envelope["content"].get("text"))


def conversation(user: Any, chat_id: str, lines: list[str], parse_mode: str = "text") -> list[str]:
    """``ask`` each line in turn; the list of answers."""
    return [ask(user, chat_id, line, parse_mode) for line in lines]
