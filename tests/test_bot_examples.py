"""The bot examples (examples/*.py) driven through the fake server with simulated users."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from test_bot_helpers import ask, conversation, next_text

from trueconf_sync.bot import SQLiteStorage

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load(name: str) -> ModuleType:
    """Import examples/<name>.py as a module (examples is not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses (CallbackData) look their module up
    spec.loader.exec_module(module)
    return module


def test_echo_bot(trueconf_client_factory: Any, alice: Any) -> None:
    client = trueconf_client_factory(connect=False)
    load("echo_bot").build(client)
    client.connect()
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["/start", "/help buttons", "hello"]) == [
        "Hi! I repeat what you write. Send /help to see what else I can do.",
        "No help about 'buttons' yet: write me anything and I will write it back.",
        "hello"]
    assert ask(alice, chat, "<b>bold</b>", parse_mode="html") == "<b>bold</b>"
    alice.send_location(chat, 1.0, 2.0)
    assert next_text(alice, chat) == "I can only echo text."


def test_dialog_bot_survey_survives_a_restart(trueconf_server: Any, trueconf_client_factory: Any, alice: Any,
                                              tmp_path: Path) -> None:
    example = load("dialog_bot")
    storage = SQLiteStorage(tmp_path / "survey.db")
    first = trueconf_client_factory(connect=False)
    example.build(first, storage)
    first.connect()
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["hi", "/survey", "", "Alice", "old", "130", "30", "five"]) == [
        "Send /survey to take the survey.",
        "Welcome to the survey (send /cancel to stop at any time). What is your name?",
        "Please send your name as text (up to 64 characters).",
        "Nice to meet you, Alice. How old are you?",
        "Please send your age as a number from 1 to 120.",
        "Please send your age as a number from 1 to 120.",
        "How do you like our service?",
        "Please press one of the buttons above."]
    rating_message = [e for e in trueconf_server.chat_messages(chat) if e["content"].get("buttons")][-1]
    first.close()
    storage.close()

    storage = SQLiteStorage(tmp_path / "survey.db")  # the restarted bot
    second = trueconf_client_factory(connect=False)
    dp = example.build(second, storage)
    second.connect()
    alice.click_button(rating_message["messageId"], "rate-4")
    assert next_text(alice, chat) == "Any comment? Send it, or /skip."
    edited = [e for e in trueconf_server.chat_messages(chat) if e["messageId"] == rating_message["messageId"]]
    assert edited[0]["content"]["text"].endswith("You chose 4.") and "buttons" not in edited[0]["content"]
    assert ask(alice, chat, "Great service") == 'Thank you, Alice! Age 30, rating 4/5, comment: "Great service".'
    assert dp["results"] == [{"user": alice.user_id, "name": "Alice", "age": 30, "rating": 4,
                              "comment": "Great service"}]
    assert conversation(alice, chat, ["/survey", "Bob", "/cancel", "/cancel"]) == [
        "Welcome to the survey (send /cancel to stop at any time). What is your name?",
        "Nice to meet you, Bob. How old are you?",
        "Survey cancelled. Send /survey to start again.",
        "Nothing to cancel. Send /survey to start."]
    storage.close()


def test_admin_bot_roles_and_middlewares(trueconf_client_factory: Any, trueconf_server: Any, alice: Any,
                                         bob: Any) -> None:
    client = trueconf_client_factory(connect=False)
    load("admin_bot").build(client, admins=["alice"])
    client.connect()
    alice_chat, bob_chat = alice.p2p_chat_with("echo_bot"), bob.p2p_chat_with("echo_bot")
    assert ask(bob, bob_chat, "/whoami") == f"You are {bob.user_id}, role: user."
    assert conversation(bob, bob_chat, ["/admins", "/stats", "/report printer on fire", "/report again"]) == [
        "Sorry, only admins may do that.", "Sorry, only admins may do that.",
        "Thanks, sent to 1 admin(s).", "Please wait 30 seconds between reports."]
    assert next_text(alice, alice_chat) == f"Report from {bob.user_id}: printer on fire"
    assert conversation(alice, alice_chat, ["/admins", "/promote bob", "/promote", "/stats"]) == [
        f"Admins: {alice.user_id}", f"{bob.user_id} is now an admin.", "Usage: /promote <user>",
        f"{bob.user_id}: 5, {alice.user_id}: 4"]
    assert ask(bob, bob_chat, "/admins") == f"Admins: {alice.user_id}, {bob.user_id}"
    group = alice.create_group_chat("Ops", members=["echo_bot", "bob"])
    alice.send_message(group, "/whoami")
    assert next_text(alice, group) == f"You are {alice.user_id}, role: admin. In this chat: owner."
    assert "/promote <user>" in ask(bob, bob_chat, "/help")
    # the same login on another (federated) server is somebody else: no admin rights (issue 18 item 5)
    impostor = trueconf_server.user(trueconf_server.add_user("alice@evil.example"))
    impostor_chat = impostor.p2p_chat_with("echo_bot")
    assert conversation(impostor, impostor_chat, ["/whoami", "/promote alice@evil.example"]) == [
        "You are alice@evil.example, role: user.", "Sorry, only admins may do that."]


@pytest.mark.skipif(sys.platform == "win32", reason="uses SIGINT")
def test_echo_bot_script_runs_from_the_environment(trueconf_server: Any, alice: Any) -> None:
    env = {**os.environ, "TRUECONF_SERVER": trueconf_server.url, "TRUECONF_USERNAME": "echo_bot",
           "TRUECONF_PASSWORD": "password", "PYTHONPATH": str(EXAMPLES.parent)}
    process = subprocess.Popen([sys.executable, str(EXAMPLES / "echo_bot.py")], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert process.stdout is not None
        for line in process.stdout:  # wait for the bot to log that it is connected
            if ": connected" in line:
                break
        else:
            pytest.fail("the example exited without connecting")
        chat = alice.p2p_chat_with("echo_bot")
        assert ask(alice, chat, "/start").startswith("Hi!")
        assert ask(alice, chat, "from a script") == "from a script"
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    assert "closed" in output


def readme_blocks() -> list[str]:
    """The Python code blocks of the README's "Writing a bot" section, dedented, in order."""
    text = (EXAMPLES.parent / "README.rst").read_text(encoding="utf-8")
    section = text[text.index("\nWriting a bot\n"):]
    lines = section.splitlines()
    blocks: list[str] = []
    for i, line in enumerate(lines):
        if line.rstrip().endswith(".. code-block:: python"):  # also inside list-table cells ("* - ..")
            indent = line.index(".. code-block::")
            body = []
            for follower in lines[i + 1:]:
                if follower.strip() and len(follower) - len(follower.lstrip()) <= indent:
                    break
                body.append(follower)
            blocks.append(textwrap.dedent("\n".join(body)).strip() + "\n")
    return blocks


def test_readme_echo_bot_runs(trueconf_client_factory: Any, alice: Any) -> None:
    sdk_style, ours = readme_blocks()[:2]
    assert "async def" in sdk_style and "async" not in ours
    client = trueconf_client_factory(connect=False)
    namespace: dict[str, Any] = {"Client": lambda *args, **kwargs: client, "PASSWORD": "password"}
    runner = threading.Thread(target=exec, args=(ours.replace("from trueconf_sync import Client\n", ""), namespace))
    runner.start()  # dp.run(client) blocks until the client is closed
    try:
        assert client.wait_connected(10)
        chat = alice.p2p_chat_with("echo_bot")
        assert conversation(alice, chat, ["/start", "hello"]) == ["Hi!", "hello"]
    finally:
        client.close()
        runner.join(10)
    assert not runner.is_alive()


def test_readme_dialog_and_buttons_run(trueconf_server: Any, trueconf_client_factory: Any, alice: Any,
                                       tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wait_until: Any) -> None:
    dialog, buttons = readme_blocks()[2:4]
    monkeypatch.chdir(tmp_path)  # the dialog's SQLiteStorage("bot.db")
    client = trueconf_client_factory(connect=False)
    namespace: dict[str, Any] = {}
    exec(dialog, namespace)
    dp = namespace["dp"]
    dp.attach(client)
    client.connect()
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["/signup", "Ann", "ann@example.com"]) == [
        "Your name?", "Your e-mail?", "Thanks, Ann!"]
    exec(buttons, {**namespace, "client": client, "chat_id": chat})
    assert next_text(alice, chat) == "Lunch at noon?"
    poll = trueconf_server.chat_messages(chat)[-1]
    alice.click_button(poll["messageId"], "vote")  # the first button with that command: "Yes"

    def poll_text() -> str:
        return str(next(e for e in trueconf_server.chat_messages(chat)
                        if e["messageId"] == poll["messageId"])["content"]["text"])

    wait_until(lambda: poll_text() == "Poll 1: yes!")
    dp.storage.close()
