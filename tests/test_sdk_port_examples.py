"""examples/sdk_port/: the official SDK's documented examples, ported to sync, each run against the
fake server with a simulated user (the module's ``dp`` attached to a bot client)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from test_bot_helpers import ask, conversation, next_text

PORTS = Path(__file__).resolve().parent.parent / "examples" / "sdk_port"

pytest.importorskip("magic_filter")


def start(name: str, factory: Any) -> ModuleType:
    """Import examples/sdk_port/<name>.py and attach its dispatcher to a connected echo_bot client."""
    spec = importlib.util.spec_from_file_location(f"sdk_port_{name}", PORTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    client = factory(connect=False)
    module.dp.attach(client)
    client.connect()
    return module


def bot_messages(server: Any, chat: str) -> list[dict[str, Any]]:
    return [m for m in server.chat_messages(chat) if str(m["author"]["id"]).startswith("echo_bot")]


def test_echo(trueconf_server: Any, trueconf_client_factory: Any, alice: Any) -> None:
    start("echo", trueconf_client_factory)
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["hello", "again"]) == ["hello", "again"]
    sent = alice.send_file(chat, "p.png", b"\x89PNG fake", mime_type="image/png", uploading_seconds=0)
    assert next_text(alice, chat, reply_to=sent) == "Nice picture!"


def test_commands(trueconf_server: Any, trueconf_client_factory: Any, alice: Any) -> None:
    start("commands", trueconf_client_factory)
    chat = alice.p2p_chat_with("echo_bot")
    assert ask(alice, chat, "/start").startswith("Hello, ")
    assert conversation(alice, chat, ["/sum 1 2 39", "/sum x"]) == ["42", "Usage: /sum 1 2 3"]
    group = alice.create_group_chat("Team", members=["echo_bot"])
    assert next_text(alice, group) == "Hi, Team! Send /start."


def test_fsm_dialog(trueconf_client_factory: Any, alice: Any, bob: Any) -> None:
    start("fsm_dialog", trueconf_client_factory)
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["/form", "Alice", "old", "30"]) == [
        "What is your name?", "How old are you?", "Please send a number.", "Alice, 30 years old. Thanks!"]
    assert conversation(alice, chat, ["/form", "/cancel"]) == ["What is your name?", "Cancelled."]
    alice.send_message(chat, "30")  # no state left: nothing answers this...
    assert ask(alice, chat, "/form") == "What is your name?"  # ...so the next answer is to the sentinel


def test_keyboards(trueconf_server: Any, trueconf_client_factory: Any, alice: Any, wait_until: Any) -> None:
    trueconf_server.config.command_ids = True
    start("keyboards", trueconf_client_factory)
    chat = alice.p2p_chat_with("echo_bot")
    assert ask(alice, chat, "/counter") == "Count: 0"
    menu = bot_messages(trueconf_server, chat)[-1]["messageId"]
    for count in (1, 2):  # a click shows the text as it is then: wait for each edit (its answer comes after)
        alice.click_button(menu, "inc")
        wait_until(lambda count=count: len(trueconf_server.command_answers) == count)
    alice.click_button(menu, "done")
    assert next_text(alice, chat) == "Finished."
    stored = next(m for m in trueconf_server.chat_messages(chat) if m["messageId"] == menu)
    assert stored["content"]["text"] == "Count: 2" and not stored["content"].get("buttons")
    assert [a["message"]["text"] for a in trueconf_server.command_answers] == ["Counted", "Counted"]


def test_files(trueconf_server: Any, trueconf_client_factory: Any, alice: Any) -> None:
    start("files", trueconf_client_factory)
    chat = alice.p2p_chat_with("echo_bot")
    sent = alice.send_file(chat, "report.pdf", b"%PDF-1.4 hello", mime_type="application/pdf", uploading_seconds=0)
    assert next_text(alice, chat, reply_to=sent) == "Got the PDF report.pdf (14 bytes)."
    summary = alice.wait_for_message(chat, predicate=lambda e: e["type"] == 202, timeout=5)
    assert summary["content"]["name"] == "summary.txt"
    sent = alice.send_file(chat, "notes.txt", b"text", mime_type="text/plain", uploading_seconds=0)
    assert next_text(alice, chat, reply_to=sent) == "Only PDF files, please."
    alice.send_location(chat, 55.751, 37.618)
    assert next_text(alice, chat) == "You are at 55.75, 37.62."
