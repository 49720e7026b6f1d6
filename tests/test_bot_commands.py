"""Bot framework: ``Command`` parsing (arguments, mentions, prefixes, patterns) through the fake server."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_bot_helpers import ask, conversation, next_text, start_bot

from trueconf_sync.api.models import Message
from trueconf_sync.bot import Command, CommandObject, Dispatcher


@pytest.fixture
def command_bot(trueconf_client_factory: Any) -> Dispatcher:
    """A bot answering each command with what it parsed."""
    dp = Dispatcher()

    @dp.message(Command("start", "help"))
    def start(message: Message, command: CommandObject) -> None:
        message.answer(f"{command.prefix}|{command.command}|{command.args}|{command.mention}|{command.arg_list}")

    @dp.message(Command("Admin", prefix="!", ignore_case=True))
    def admin(message: Message, command: CommandObject) -> None:
        message.answer(f"admin:{command.text}")

    @dp.message(Command(re.compile(r"item_(\d+)")))
    def item(message: Message, command: CommandObject) -> None:
        assert command.match is not None
        message.answer(f"item #{command.match.group(1)}")

    @dp.message()
    def other(message: Message) -> None:
        message.answer("not a command")

    start_bot(trueconf_client_factory, dp)
    return dp


def test_command_arguments(command_bot: Dispatcher, alice: Any) -> None:
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["/start", "/help  me   please ", "/start\nline two", "  /start x"]) == [
        "/|start|None|None|[]",
        "/|help|me   please|None|['me', 'please']",
        "/|start|line two|None|['line', 'two']",
        "/|start|x|None|['x']",
    ]


def test_commands_addressed_to_bots(command_bot: Dispatcher, alice: Any) -> None:
    chat = alice.p2p_chat_with("echo_bot")
    assert ask(alice, chat, "/start@echo_bot go") == "/|start|go|echo_bot|['go']"
    assert ask(alice, chat, "/start@echo_bot@video.example.com") == "/|start|None|echo_bot@video.example.com|[]"
    assert ask(alice, chat, "/start@other_bot go") == "not a command"
    mention = '<a href="trueconf:echo_bot@video.example.com&do=profile">Echo Bot</a>, /help &lt;topic&gt;'
    assert ask(alice, chat, mention, parse_mode="html") == "/|help|<topic>|echo_bot@video.example.com|['<topic>']"
    other = '<a href="trueconf:bob@video.example.com">Bob</a> /help'
    assert ask(alice, chat, other, parse_mode="html") == "not a command"
    markdown = "[Echo](trueconf:echo_bot@video.example.com) /start md"
    assert ask(alice, chat, markdown, parse_mode="markdown") == "/|start|md|echo_bot@video.example.com|['md']"


def test_prefixes_case_and_patterns(command_bot: Dispatcher, alice: Any) -> None:
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["!ADMIN now", "/admin", "/item_42", "/item_x", "/starting", "start"]) == [
        "admin:!ADMIN now", "not a command", "item #42", "not a command", "not a command", "not a command"]


def test_a_forwarded_command_is_not_a_command(trueconf_client_factory: Any, alice: Any, bob: Any) -> None:
    dp = Dispatcher()
    dp.message(Command("promote"))(lambda message: message.answer("promoted!"))
    dp.message(Command("echo", allow_forwarded=True))(lambda message: message.answer("echo forwarded"))
    dp.message()(lambda message: message.answer("not a command"))
    start_bot(trueconf_client_factory, dp)
    bob_chat = bob.p2p_chat_with("alice")
    written = bob.send_message(bob_chat, "/promote mallory")
    echoed = bob.send_message(bob_chat, "/echo hi")
    chat = alice.p2p_chat_with("echo_bot")
    for message_id, answer in ((written, "not a command"), (echoed, "echo forwarded")):
        forwarded = alice.forward_message(message_id, chat)
        assert next_text(alice, chat, reply_to=forwarded) == answer
    assert ask(alice, chat, "/promote bob") == "promoted!"  # typed by its author: a command


def test_command_is_only_for_messages(command_bot: Dispatcher) -> None:
    command = Command("start")
    assert command.resolve(object(), {}) is None
    assert command.resolve(Message(), {}) is None  # no text
    assert Command("/start").names == {"start"}


@pytest.mark.parametrize("args, kwargs, error", [
    ((), {}, "at least one command"),
    (("a b",), {}, "bad command name"),
    (("",), {}, "bad command name"),
    (("x",), {"prefix": ""}, "prefix must be"),
    (("x",), {"prefix": "/ "}, "prefix must be"),
    ((42,), {}, "must be str or re.Pattern"),
])
def test_bad_commands_are_refused(args: tuple[Any, ...], kwargs: dict[str, Any], error: str) -> None:
    with pytest.raises((ValueError, TypeError), match=error):
        Command(*args, **kwargs)
