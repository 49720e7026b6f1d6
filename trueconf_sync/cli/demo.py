"""``python -m trueconf_sync demo``: a bot and a simulated person on the built-in fake server.

In a few seconds it shows what the library does, printing each step as it happens: a text
message and its echo, Markdown, a reply, a file sent to the bot and one sent back, and a message
with buttons that the person clicks. Everything runs in this process over real sockets: the fake
TrueConf server (aiohttp, own thread), the bot (the public :class:`~trueconf_sync.Client` API,
handlers on dispatcher threads) and a simulated person typing in "the TrueConf app". No network
access is needed, and every wait is bounded (a step that does not complete ends the demo with
exit code 1 and one line on stderr).

Only the main thread prints, so ``trueconf-sync demo | head -3`` ends quietly: the broken pipe
reaches :func:`trueconf_sync.cli.app.main`, which treats it as the normal end of the output.
"""

from __future__ import annotations

import io
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from ..extras import require

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["run_demo"]

BOT, PERSON, PASSWORD = "echo_bot", "alice", "password"
#: Seconds one step may take before the demo gives up (each is milliseconds when healthy).
STEP_TIMEOUT = 15.0
REPORT = b"host;disk\ndb-2;71%\ndb-1;95%\nweb-1;40%\n"


class DemoFailed(Exception):
    """A step did not complete in time (the message says which)."""


def _describe(envelope: dict[str, Any], texts: dict[str, str]) -> str:
    """One line for a message as the person sees it."""
    content = envelope.get("content") or {}
    if envelope.get("type") == 202:
        line = f"[file {content.get('name')}, {content.get('size')} bytes]"
    else:
        line = str(content.get("text", f"<message of type {envelope.get('type')}>"))
        if content.get("parseMode", "text") != "text":
            line += f"  [{content['parseMode']}]"
    buttons = [str(button.get("label", "?")) for row in content.get("buttons") or [] for button in row]
    if buttons:
        line += f"  [buttons: {' | '.join(buttons)}]"
    reply_to = envelope.get("replyMessageId")
    if reply_to in texts:
        line += f'  (reply to "{texts[reply_to][:30]}")'
    return line


def _bot_handlers(bot: Client) -> None:
    """The bot: echo texts (keeping their format, as a reply), return files sorted, ask and act on a click."""
    from ..api.models import ButtonClicked, Message
    from ..keyboard import Button, InlineKeyboard

    @bot.on_message
    def on_message(message: Message) -> None:
        if message.attachment is not None:
            buffer = io.BytesIO()
            message.download(buffer)  # the file's bytes, streamed from the server
            lines = buffer.getvalue().decode().splitlines()
            bot.send_message(message.chat_id, f"Got {message.attachment.name}: {len(lines) - 1} rows. "
                             "Sorted by disk use:", reply_message_id=message.message_id)
            rows = sorted(lines[1:], key=lambda row: -int(row.rsplit(";", 1)[1].rstrip("%")))
            bot.send_file(message.chat_id, "\n".join([lines[0], *rows]).encode() + b"\n", file_name="sorted.csv")
        elif message.text == "/deploy":
            keyboard = InlineKeyboard().row(Button.command("Approve", "deploy", custom_data="build-42"),
                                            Button.command("Cancel", "cancel"))
            bot.send_message(message.chat_id, "Deploy build-42 to production?", buttons=keyboard)
        else:
            bot.send_message(message.chat_id, f"You said: {message.text or '(no text)'}",
                             parse_mode=message.parse_mode, reply_message_id=message.message_id)

    @bot.on_button_clicked
    def on_click(click: ButtonClicked) -> None:
        source = click.command_source.message
        if source is None or click.chat_id is None:
            return
        if click.command == "deploy":
            source.edit(f"Deploy {click.custom_data} to production? Approved.")  # the buttons go
            bot.send_message(click.chat_id, f"Deploying {click.custom_data}...", reply_message_id=source.message_id)
        else:
            source.edit("Deploy cancelled.")


def run_demo(out: TextIO = sys.stdout) -> int:
    """Run the demo conversation, print it to ``out``; return the process exit code (0 = ok)."""
    require("aiohttp", "testing", "the demo (it runs the built-in fake server)")
    from .. import Client
    from ..testing.server import FakeTrueConfServer

    started = time.monotonic()
    with FakeTrueConfServer() as server:
        for login in (BOT, PERSON):
            server.add_user(login, password=PASSWORD)
        print(f"Fake TrueConf server listening at {server.url}", file=out, flush=True)
        # The bot logs in with username and password, as a real deployment would (OAuth, then auth).
        with Client(server.host, username=BOT, password=PASSWORD, port=server.port, https=False) as bot:
            print(f"Bot connected as {bot.user_id}; {PERSON} is a simulated person in the TrueConf app.",
                  file=out, flush=True)
            _bot_handlers(bot)
            try:
                count = _conversation(server, bot, out)
            except DemoFailed as exc:
                print(f"demo failed: {exc}", file=sys.stderr)
                return 1
            print(f"\nThe bot read the chat back with client.iter_history(): {count} messages.", file=out)
        print(f"Bot closed; server stopped. Demo finished in {time.monotonic() - started:.1f} s.", file=out)
    return 0


def _conversation(server: Any, bot: Client, out: TextIO) -> int:
    """Play the steps; return how many messages the chat holds in the end (read through the API)."""
    alice = server.user(PERSON)
    chat_id = alice.p2p_chat_with(BOT)
    texts: dict[str, str] = {}

    def show(who: str, line: str) -> None:
        print(f"   {who:<13} {line}", file=out, flush=True)

    def answer(what: str) -> dict[str, Any]:
        try:
            envelope: dict[str, Any] = alice.wait_for_message(chat_id, timeout=STEP_TIMEOUT)
        except TimeoutError:
            raise DemoFailed(f"the bot did not answer {what} within {STEP_TIMEOUT:g} s") from None
        texts[envelope["messageId"]] = str((envelope.get("content") or {}).get("text", ""))
        show("bot -> alice", _describe(envelope, texts))
        return envelope

    def say(text: str, mode: str = "text", reply_to: str | None = None) -> str:
        message_id: str = alice.send_message(chat_id, text, parse_mode=mode, reply_message_id=reply_to)
        texts[message_id] = text
        show("alice -> bot", _describe({"content": {"text": text, "parseMode": mode}, "replyMessageId": reply_to},
                                       texts))
        return message_id

    print("\n1. Text: the bot echoes it", file=out)
    first = say("Hello, bot!")
    answer("the text")
    print("2. Markdown: the echo keeps the format", file=out)
    say("This is **markdown** with a [link](https://example.com)", "markdown")
    answer("the markdown")
    print("3. A reply to an earlier message", file=out)
    say("And this answers my first message", reply_to=first)
    answer("the reply")
    print("4. A file: the bot downloads it and sends one back", file=out)
    texts[alice.send_file(chat_id, "disks.csv", REPORT, mime_type="text/csv", uploading_seconds=0)] = "disks.csv"
    show("alice -> bot", f"[file disks.csv, {len(REPORT)} bytes]")
    answer("the file")
    answer("the file (its own file)")
    print("5. Buttons, and a click by alice", file=out)
    say("/deploy")
    question = answer("/deploy")
    alice.click_button(question["messageId"], "deploy")
    show("alice clicks", "[Approve]")
    answer("the click")
    try:
        edited = server.wait_for(lambda s: _approved(s, chat_id, question["messageId"]), timeout=STEP_TIMEOUT)
    except TimeoutError:
        raise DemoFailed("the bot did not edit the question after the click") from None
    show("(bot edited)", _describe(edited, texts) + ("" if (edited.get("content") or {}).get("buttons")
                                                     else "  [no buttons now]"))
    return sum(1 for _ in bot.iter_history(chat_id, page_size=5))


def _approved(server: Any, chat_id: str, message_id: str) -> dict[str, Any] | None:
    """The question as the server holds it, once the bot has edited it (else None)."""
    for envelope in server.chat_messages(chat_id):
        if envelope["messageId"] == message_id and envelope.get("isEdited"):
            return dict(envelope)
    return None
