"""``python -m trueconf_sync demo``: an echo bot talking to a simulated user on the built-in fake server.

Everything runs in this process over real sockets: the fake TrueConf server (aiohttp, own thread),
the bot (the public :class:`~trueconf_sync.Client` API, handlers on dispatcher threads) and a
simulated person typing in "the TrueConf app". No network access is needed.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any, TextIO

from ..extras import require

__all__ = ["run_demo"]

BOT, PERSON, PASSWORD = "echo_bot", "alice", "password"


def _describe(envelope: dict[str, Any], by_id: dict[str, dict[str, Any]]) -> str:
    content = envelope.get("content") or {}
    text = content.get("text", f"<envelope type {envelope.get('type')}>")
    mode = content.get("parseMode", "text")
    extra = f"  [{mode}]" if mode != "text" else ""
    reply_to = envelope.get("replyMessageId")
    if reply_to and reply_to in by_id:
        quoted = (by_id[reply_to].get("content") or {}).get("text", "")
        extra += f'  (reply to "{quoted[:30]}")'
    return f"{text}{extra}"


def run_demo(out: TextIO = sys.stdout) -> int:
    """Run the demo conversation, print it to ``out``; return the process exit code (0 = ok)."""
    require("aiohttp", "testing", "the demo (it runs the built-in fake server)")
    from .. import Client
    from ..api.models import Message
    from ..testing.server import FakeTrueConfServer

    with FakeTrueConfServer() as server:
        for login in (BOT, PERSON):
            server.add_user(login, password=PASSWORD)
        print(f"Fake TrueConf server listening at {server.url}", file=out)

        # The bot logs in with username and password, as a real deployment would (OAuth, then auth).
        with Client(server.host, username=BOT, password=PASSWORD, port=server.port, https=False) as bot:
            print(f"Bot connected as {bot.user_id}", file=out)

            @bot.on_message
            def echo(message: Message) -> None:
                text = message.text or "(no text)"
                bot.send_message(
                    message.chat_id,
                    f"You said: {text}",
                    parse_mode=message.parse_mode,
                    reply_message_id=message.message_id,
                )

            alice = server.user(PERSON)
            chat_id = alice.p2p_chat_with(BOT)
            lines = [
                ("Hello, bot!", "text", False),
                ("This is **markdown** with a [link](https://example.com)", "markdown", False),
                ("And this answers my first message", "text", True),
            ]
            first: str | None = None
            for text, mode, is_reply in lines:
                sent = alice.send_message(chat_id, text, parse_mode=mode, reply_message_id=first if is_reply else None)
                first = first or sent
                try:
                    alice.wait_for_message(chat_id, timeout=10)
                except TimeoutError:
                    print("the bot did not answer in time", file=sys.stderr)
                    return 1

            # The bot can read the conversation back through the API as well.
            history = bot.get_chat_history(chat_id, count=10)
            print(f"Chat {chat_id[:12]}... holds {len(history)} messages:\n", file=out)
            envelopes = server.chat_messages(chat_id)
            by_id = {e["messageId"]: e for e in envelopes}
            for envelope in envelopes:
                author = envelope["author"]["id"].split("@")[0]
                when = dt.datetime.fromtimestamp(envelope["timestamp"] / 1000).strftime("%H:%M:%S")
                print(f"  {when}  {author:>9}: {_describe(envelope, by_id)}", file=out)
            if len(history) != 6:
                print(f"expected 6 messages in the history, found {len(history)}", file=sys.stderr)
                return 1
        print("\nBot closed; server stopped. Demo finished.", file=out)
    return 0
