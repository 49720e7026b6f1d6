"""The examples in ``examples/``, each run as its user would: a real process, configured by
``TRUECONF_*`` environment variables, against the fake server (the standalone
``python -m trueconf_sync.testing`` process, or the in-process ``trueconf_server`` fixture).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trueconf_sync.cli import ExitCode

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _env(tmp_path: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUECONF_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "xdg"), PYTHONUNBUFFERED="1", **values)
    return env


def _fixture_env(server: Any, tmp_path: Path, login: str = "echo_bot") -> dict[str, str]:
    return _env(tmp_path, TRUECONF_SERVER=server.url, TRUECONF_USERNAME=login, TRUECONF_PASSWORD="password")


def _run(example: str, *args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLES / example), *args], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def standalone_server() -> Iterator[str]:
    """``python -m trueconf_sync.testing`` in its own process, as the examples' docstrings start it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "trueconf_sync.testing", "--port", "0", "--bot", "alert_bot:secret",
         "--user", "oncall:secret"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "Fake TrueConf server listening on http://127.0.0.1:PORT (...)"
        assert "listening on http://" in line, (line, process.stderr.read() if process.poll() is not None else "")
        yield line.split("listening on ", 1)[1].split()[0]
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        process.communicate()


def _inbox(url: str, login: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{url}/_fake/users/{login}/inbox", timeout=10) as response:
        inbox: list[dict[str, Any]] = json.load(response)
        return inbox


def test_cron_alert_against_the_standalone_fake_server(standalone_server: str, tmp_path: Path) -> None:
    env = _env(tmp_path, TRUECONF_SERVER=standalone_server, TRUECONF_USERNAME="alert_bot",
               TRUECONF_PASSWORD="secret")
    quiet = _run("cron_alert.py", "--to", "oncall", "--threshold", "100", str(tmp_path), env=env)
    assert (quiet.returncode, quiet.stdout, quiet.stderr) == (0, "", "")
    assert _inbox(standalone_server, "oncall") == []  # below the threshold: nothing sent

    alert = _run("cron_alert.py", "--to", "oncall", "--threshold", "0", str(tmp_path), "/", env=env)
    assert (alert.returncode, alert.stdout, alert.stderr) == (0, "", "")  # silent: cron mails nothing
    [envelope] = _inbox(standalone_server, "oncall")
    text = envelope["content"]["text"]
    assert envelope["content"]["parseMode"] == "markdown"
    assert "disk almost full" in text and "% used" in text
    assert str(tmp_path).replace("_", "\\_") in text  # paths are escaped, never read as markup


def test_cron_alert_failures_are_one_line_with_exit_codes(trueconf_server: Any, tmp_path: Path) -> None:
    env = _fixture_env(trueconf_server, tmp_path)
    result = _run("cron_alert.py", "--to", "alice", "--threshold", "0", str(tmp_path),
                  env={**env, "TRUECONF_PASSWORD": "not-the-password"})
    assert result.returncode == ExitCode.AUTH, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith("cron_alert: alert not sent: authentication failed") and "not-the-password" not in line
    result = _run("cron_alert.py", "--to", "alice", "--threshold", "0", str(tmp_path),
                  env={**env, "TRUECONF_SERVER": "http://127.0.0.1:1"})
    assert result.returncode == ExitCode.NETWORK and len(result.stderr.splitlines()) == 1, result.stderr
    result = _run("cron_alert.py", "--threshold", "0", str(tmp_path), env=env)
    assert result.returncode == 2 and "--to" in result.stderr


def test_file_sender_uploads_files_in_parallel(trueconf_server: Any, tmp_path: Path) -> None:
    from trueconf_sync import Client

    if not hasattr(Client, "send_file"):
        pytest.skip("client.send_file (files support) is not in this build yet")
    report, log = tmp_path / "report.pdf", tmp_path / "app.log"
    report.write_bytes(b"%PDF-1.4 " + os.urandom(200_000))
    log.write_text("line\n" * 1000)
    result = _run("file_sender.py", "--to", "alice", "--caption", "Nightly report", str(report), str(log),
                  env=_fixture_env(trueconf_server, tmp_path))
    assert result.returncode == 0, result.stderr
    assert [line.split()[1] for line in result.stdout.splitlines()] == [str(report), str(log)]
    chat_id = trueconf_server.user("alice").p2p_chat_with("echo_bot")
    envelopes = trueconf_server.chat_messages(chat_id)
    names = sorted(e["content"]["name"] for e in envelopes if e["type"] == 202)
    assert names == ["app.log", "report.pdf"]
    assert "Nightly report" in json.dumps(envelopes)
    missing = _run("file_sender.py", "--to", "alice", str(tmp_path / "nope.txt"),
                   env=_fixture_env(trueconf_server, tmp_path))
    assert missing.returncode == 2 and "nope.txt" in missing.stderr


def test_group_admin_bot_runs_a_group_chat(trueconf_server: Any, tmp_path: Path) -> None:
    trueconf_server.add_user("carol")
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "group_admin_bot.py"), "--create", "Ops team", "--admin", "alice"],
        env=_fixture_env(trueconf_server, tmp_path), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )
    try:
        assert process.stdout is not None
        created = process.stdout.readline()
        assert created.startswith("group chat "), (created, process.stderr.read() if process.poll() else "")
        chat_id = created.split()[2]
        assert process.stdout.readline().endswith("is running; Ctrl-C to stop\n")
        alice, bob = trueconf_server.user("alice"), trueconf_server.user("bob")

        def answer_to(user: Any, text: str) -> str:
            sent = user.send_message(chat_id, text)
            reply = user.wait_for_message(chat_id, lambda e: e.get("replyMessageId") == sent, timeout=10)
            return str(reply["content"]["text"])

        assert answer_to(alice, "/add bob").startswith("Welcome, bob")
        assert trueconf_server.get_chat(chat_id)["members"][bob.user_id] == "user"
        assert answer_to(bob, "/remove alice") == "Only the chat's owner and admins can use /remove."
        assert alice.user_id in trueconf_server.get_chat(chat_id)["members"]
        assert answer_to(alice, "/title Ops team (night shift)") == "Chat renamed to 'Ops team (night shift)'."
        assert trueconf_server.get_chat(chat_id)["title"] == "Ops team (night shift)"
        assert answer_to(alice, "/promote bob") == "bob is now an admin."
        members = answer_to(bob, "/members")
        assert f"{bob.user_id} (admin)" in members and f"{alice.user_id} (admin)" in members
        assert answer_to(alice, "/add bob").startswith("/add failed: ")  # already a member: the error is shown
        # Someone else adds a person: the bot greets them from its participant_added handler.
        alice.add_participant(chat_id, "carol")
        greeting = bob.wait_for_message(chat_id, lambda e: "Welcome, carol" in e["content"].get("text", ""))
        assert greeting["author"]["id"].startswith("echo_bot@")

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        process.kill()
        process.communicate()
