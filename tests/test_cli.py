"""The ``trueconf-sync`` command line, run as a real process against the fake server.

Every test starts the console script (``python -m trueconf_sync`` or the installed
``trueconf-sync``) in a subprocess with a clean environment; the fake server runs in the test
process on a real port (``trueconf_server`` fixture).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from trueconf_sync.cli import ExitCode

PASSWORD = "password"  # of echo_bot, alice and bob in the trueconf_server fixture
SCRIPT = shutil.which("trueconf-sync", path=os.path.dirname(sys.executable))

Run = Callable[..., subprocess.CompletedProcess[str]]


def _base_env(tmp_path: Path) -> dict[str, str]:
    """A minimal environment: no TRUECONF_* from the caller, no user config file."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUECONF_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")  # no ~/.config/trueconf-sync/config.ini
    env["PYTHONUNBUFFERED"] = "1"
    return env


@pytest.fixture
def server_env(trueconf_server: Any, tmp_path: Path) -> dict[str, str]:
    """Environment variables pointing the CLI at the fake server as echo_bot (username/password)."""
    env = _base_env(tmp_path)
    env.update(TRUECONF_SERVER=trueconf_server.host, TRUECONF_PORT=str(trueconf_server.port),
               TRUECONF_HTTPS="false", TRUECONF_USERNAME="echo_bot", TRUECONF_PASSWORD=PASSWORD)
    return env


@pytest.fixture
def cli(server_env: dict[str, str]) -> Run:
    """``cli(*args, input=None, env=None, script=False, **env_updates)``: run the CLI, return the result."""

    def run(*args: str, input: str | None = None, env: dict[str, str] | None = None, script: bool = False,
            timeout: float = 30, **updates: str) -> subprocess.CompletedProcess[str]:
        environ = dict(server_env if env is None else env)
        for key, value in updates.items():
            if value is None:
                environ.pop(key, None)
            else:
                environ[key] = value
        command = [SCRIPT] if script else [sys.executable, "-m", "trueconf_sync"]
        assert command[0], "the trueconf-sync console script is not installed (pip install -e .)"
        return subprocess.run([*command, *args], input=input if input is not None else "", env=environ,
                              capture_output=True, text=True, timeout=timeout)

    return run


def _one_error_line(result: subprocess.CompletedProcess[str], code: ExitCode, *words: str) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("trueconf-sync"), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def _texts(server: Any, chat_id: str) -> list[str]:
    return [e["content"].get("text") for e in server.chat_messages(chat_id)]


# ---- help and usage ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["send"], ["listen"], ["token"], ["chats"], ["demo"]])
def test_help_everywhere_without_secrets(cli: Run, command: list[str]) -> None:
    secret_env = {"TRUECONF_TOKEN": "tok-SECRET-123", "TRUECONF_PASSWORD": "pw-SECRET-456"}
    result = cli(*command, "--help", **secret_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: trueconf-sync")
    assert "SECRET" not in result.stdout + result.stderr
    if not command:
        for code in ExitCode:
            assert f"\n  {int(code):<4} " in result.stdout
        assert "TRUECONF_SERVER" in result.stdout


@pytest.mark.slow
def test_usage_errors_are_one_line_and_exit_2(cli: Run, trueconf_server: Any) -> None:
    _one_error_line(cli(), ExitCode.USAGE, "give a command")
    _one_error_line(cli("send", "hi"), ExitCode.USAGE, "--to", "--chat")
    _one_error_line(cli("send", "--to", "alice", "--chat", "x", "hi"), ExitCode.USAGE, "not allowed")
    _one_error_line(cli("send", "--to", "alice", "hi", TRUECONF_SERVER=None), ExitCode.USAGE, "TRUECONF_SERVER")
    _one_error_line(cli("send", "--to", "alice", "hi", TRUECONF_PORT="http"), ExitCode.USAGE, "TRUECONF_PORT")
    _one_error_line(cli("send", "--to", "alice", "hi", TRUECONF_HTTPS="maybe"), ExitCode.USAGE, "TRUECONF_HTTPS")
    _one_error_line(cli("send", "--to", "alice", "--file", "/no/such/file"), ExitCode.USAGE, "/no/such/file")
    _one_error_line(cli("send", "--to", "alice", input="  \n"), ExitCode.USAGE, "empty")
    _one_error_line(cli("listen", "--count", "0"), ExitCode.USAGE, "--count")
    line = _one_error_line(cli("send", "--to", "alice", "hi", TRUECONF_PASSWORD=None), ExitCode.USAGE)
    assert "TRUECONF_PASSWORD" in line
    assert trueconf_server.stats["total_connections"] == 0  # nothing was even connected


# ---- send -------------------------------------------------------------------------------------


def test_send_with_the_installed_script(cli: Run, trueconf_server: Any) -> None:
    result = cli("send", "--to", "alice", "Backup finished", script=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == result.stderr == ""  # silent on success: cron mails nothing
    envelope = trueconf_server.user("alice").wait_for_message()
    assert envelope["content"]["text"] == "Backup finished"
    assert envelope["author"]["id"].startswith("echo_bot@")


def test_send_text_from_stdin_as_markdown(cli: Run, trueconf_server: Any) -> None:
    result = cli("send", "--to", "alice@video.example.com", "--markdown", input="**db-1**: disk 95% full\n\n")
    assert result.returncode == 0, result.stderr
    envelope = trueconf_server.user("alice").wait_for_message()
    assert envelope["content"] == {**envelope["content"], "text": "**db-1**: disk 95% full", "parseMode": "markdown"}


def test_send_non_ascii_stdin_bytes(cli: Run, server_env: dict[str, str], trueconf_server: Any) -> None:
    env = {**server_env, "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    result = cli("send", "--to", "alice", env=env, input="Привет, диск почти полон ✓")
    assert result.returncode == 0, result.stderr
    assert trueconf_server.user("alice").wait_for_message()["content"]["text"] == "Привет, диск почти полон ✓"


def test_send_to_chat_id_with_json_output_and_reply(cli: Run, trueconf_server: Any) -> None:
    alice = trueconf_server.user("alice")
    chat_id = alice.create_group_chat("Ops", ["echo_bot"])
    first = alice.send_message(chat_id, "who is on call?")
    result = cli("send", "--chat", chat_id, "--html", "--reply-to", first, "--json", "<b>me</b>")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["chat_id"] == chat_id
    stored = trueconf_server.chat_messages(chat_id)[-1]
    assert stored["messageId"] == record["message_id"]
    assert stored["replyMessageId"] == first
    assert stored["content"]["parseMode"] == "html"


def test_long_text_is_refused_before_connecting_unless_split(cli: Run, trueconf_server: Any) -> None:
    text = "\n".join(f"line {i:05d} " + "x" * 40 for i in range(120))  # about 6000 characters
    _one_error_line(cli("send", "--to", "alice", input=text), ExitCode.USAGE, "4096", "--split")
    assert trueconf_server.stats["total_connections"] == 0
    result = cli("send", "--to", "alice", "--split", "--json", input=text)
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 2
    parts = _texts(trueconf_server, records[0]["chat_id"])
    assert "".join(parts) == text and all(len(p) <= 4096 for p in parts)


def test_send_file_with_caption(cli: Run, trueconf_server: Any, tmp_path: Path) -> None:
    from trueconf_sync import Client

    if not hasattr(Client, "send_file"):
        pytest.skip("client.send_file (files support) is not in this build yet")
    report = tmp_path / "report.csv"
    report.write_bytes(b"host,disk\ndb-1,95%\n")
    result = cli("send", "--to", "alice", "--file", str(report), "--json", "Monthly report")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout.splitlines()[0])
    envelopes = trueconf_server.chat_messages(record["chat_id"])
    attachments = [e for e in envelopes if e["type"] == 202]
    assert [a["content"]["name"] for a in attachments] == ["report.csv"]
    assert "Monthly report" in json.dumps(envelopes)


# ---- exit codes for each kind of failure ---------------------------------------------------------


def test_auth_failure_exit_3_and_secrets_never_echoed(cli: Run, trueconf_server: Any, tmp_path: Path) -> None:
    wrong = "Wrong-Pa55word-xyz"
    for verbosity in ([], ["-vv"]):
        result = cli(*verbosity, "send", "--to", "alice", "hi", TRUECONF_PASSWORD=wrong)
        assert result.returncode == ExitCode.AUTH, result.stderr
        assert wrong not in result.stdout + result.stderr
        assert "authentication failed" in result.stderr
    _one_error_line(cli("send", "--to", "alice", "hi", TRUECONF_PASSWORD=wrong), ExitCode.AUTH, "invalid_grant")
    bad_token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJub2JvZHkifQ.not-a-valid-signature"
    token_file = tmp_path / "token"
    token_file.write_text(bad_token + "\n")
    result = cli("-vv", "send", "--token-file", str(token_file), "--to", "alice", "hi",
                 TRUECONF_USERNAME=None, TRUECONF_PASSWORD=None)
    assert result.returncode == ExitCode.AUTH, result.stderr
    assert bad_token not in result.stdout + result.stderr
    assert "201" in result.stderr


def test_network_failure_exit_4(cli: Run, trueconf_server: Any) -> None:
    import socket

    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    _one_error_line(cli("send", "--to", "alice", "hi", TRUECONF_PORT=str(port)), ExitCode.NETWORK, "network error")
    # TLS against a plain-HTTP server fails as a network error too, not as a crash.
    _one_error_line(cli("send", "--to", "alice", "hi", "--https"), ExitCode.NETWORK)


def test_server_error_exit_5(cli: Run) -> None:
    _one_error_line(cli("send", "--chat", "no-such-chat", "hi"), ExitCode.SERVER, "304", "CHAT_NOT_FOUND")


def test_timeout_exit_6(cli: Run, trueconf_server: Any) -> None:
    trueconf_server.delay_responses(60.0, "sendMessage")
    started = time.monotonic()
    result = cli("send", "--to", "alice", "--request-timeout", "0.5", "hi", timeout=90)
    _one_error_line(result, ExitCode.TIMEOUT, "timed out")
    # It did not wait for the slow answer (a generous bound: starting the CLI takes seconds on a busy machine).
    assert time.monotonic() - started < 45.0


# ---- settings: flags, environment, config file -------------------------------------------------


def test_config_file_profiles_and_precedence(cli: Run, trueconf_server: Any, tmp_path: Path) -> None:
    config = tmp_path / "trueconf.ini"
    config.write_text(
        "[trueconf]\n"
        f"server = {trueconf_server.host}\nport = {trueconf_server.port}\nhttps = false\n"
        "username = echo_bot\npassword = %s\n\n"  # '%' must not be an interpolation
        "[other]\nserver = 127.0.0.1\nport = 1\nhttps = no\nusername = echo_bot\n"
        % PASSWORD
    )
    config.chmod(0o600)
    env = _base_env(tmp_path)
    result = cli("send", "--config", str(config), "--to", "alice", "from the config file", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no permission warning for a 0600 file
    # The profile [other] has a wrong port and no password; the flag and the environment fill in.
    result = cli("send", "--config", str(config), "--profile", "other", "--port", str(trueconf_server.port),
                 "--to", "alice", "profile plus flag", env={**env, "TRUECONF_PASSWORD": PASSWORD})
    assert result.returncode == 0, result.stderr
    # The environment wins over the file: a wrong TRUECONF_PORT breaks what the file would fix.
    result = cli("send", "--config", str(config), "--to", "alice", "x", env={**env, "TRUECONF_PORT": "1"})
    assert result.returncode == ExitCode.NETWORK
    # TRUECONF_CONFIG names the file too; XDG_CONFIG_HOME/trueconf-sync/config.ini is the default.
    default = Path(env["XDG_CONFIG_HOME"]) / "trueconf-sync" / "config.ini"
    default.parent.mkdir(parents=True)
    shutil.copy(config, default)
    assert cli("send", "--to", "alice", "from the default file", env=env).returncode == 0
    alice = trueconf_server.user("alice")
    texts = [alice.wait_for_message()["content"]["text"] for _ in range(3)]
    assert texts == ["from the config file", "profile plus flag", "from the default file"]


def test_config_file_errors(cli: Run, tmp_path: Path) -> None:
    env = _base_env(tmp_path)
    config = tmp_path / "bad.ini"
    config.write_text("[trueconf]\nserver = x\nsever = typo\n")
    _one_error_line(cli("chats", "--config", str(config), env=env), ExitCode.USAGE, "'sever'")
    _one_error_line(cli("chats", "--config", str(tmp_path / "missing.ini"), env=env), ExitCode.USAGE, "does not exist")
    config.write_text("[trueconf]\nserver = x\n")
    _one_error_line(cli("chats", "--config", str(config), "--profile", "nope", env=env), ExitCode.USAGE, "[nope]")


def test_world_readable_config_with_secret_warns(cli: Run, trueconf_server: Any, tmp_path: Path) -> None:
    config = tmp_path / "open.ini"
    config.write_text(f"[trueconf]\nserver = {trueconf_server.host}\nport = {trueconf_server.port}\nhttps = false\n"
                      f"username = echo_bot\npassword = {PASSWORD}\n")
    config.chmod(0o644)
    result = cli("send", "--config", str(config), "--to", "alice", "hi", env=_base_env(tmp_path))
    assert result.returncode == 0
    assert "chmod 600" in result.stderr and PASSWORD not in result.stderr


def test_token_flag_source_beats_environment_credentials(cli: Run, trueconf_server: Any, tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text(trueconf_server.issue_token("echo_bot"))
    # The environment holds a wrong password; the token file (a flag, higher precedence) is used.
    result = cli("send", "--token-file", str(token_file), "--to", "alice", "via token", TRUECONF_PASSWORD="wrong")
    assert result.returncode == 0, result.stderr


# ---- token, chats -----------------------------------------------------------------------------


def test_token_prints_only_a_working_token(cli: Run, trueconf_server: Any, server_env: dict[str, str]) -> None:
    result = cli("token", script=True)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n" and token.count(".") == 2 and PASSWORD not in result.stdout
    env = {**server_env, "TRUECONF_TOKEN": token}
    env.pop("TRUECONF_USERNAME")
    env.pop("TRUECONF_PASSWORD")
    assert cli("send", "--to", "alice", "sent with the printed token", env=env).returncode == 0
    assert trueconf_server.user("alice").wait_for_message()["content"]["text"] == "sent with the printed token"
    record = json.loads(cli("token", "--json").stdout)
    assert record["access_token"].count(".") == 2 and record["expires_at"] > time.time()
    _one_error_line(cli("token", env=env), ExitCode.USAGE, "--username")


def test_chats_table_and_json(cli: Run, trueconf_server: Any) -> None:
    alice = trueconf_server.user("alice")
    group = alice.create_group_chat("Ops team", ["echo_bot"])
    alice.send_message(group, "unread one")
    p2p = alice.p2p_chat_with("echo_bot")
    alice.send_message(p2p, "hello")
    table = cli("chats")
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["CHAT_ID", "TYPE", "UNREAD", "TITLE"]
    assert any(line.startswith(group) and line.rstrip().endswith("Ops team") and " group " in line for line in lines)
    records = json.loads(cli("chats", "--json").stdout)
    by_id = {r["chat_id"]: r for r in records}
    assert by_id[group]["title"] == "Ops team" and by_id[group]["chat_type"] == "group"
    assert by_id[p2p]["chat_type"] == "p2p"
    assert len(json.loads(cli("chats", "--json", "--limit", "1").stdout)) == 1


# ---- listen -----------------------------------------------------------------------------------


def _start_listen(server_env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """Start ``listen``; the caller waits for its connection with :func:`_wait_connected`."""
    return subprocess.Popen([sys.executable, "-m", "trueconf_sync", "listen", *args], env=server_env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_connected(server: Any, total: int = 1) -> None:
    """Wait until ``total`` connections were made and one is authorized (the listener is ready)."""
    server.wait_for(lambda s: s.stats["total_connections"] >= total and s.stats["authorized"] >= 1, timeout=15)


def test_listen_prints_flushed_lines_until_ctrl_c(server_env: dict[str, str], trueconf_server: Any) -> None:
    process = _start_listen(server_env, "--messages-only")  # the new chat's chat_created is left out
    try:
        _wait_connected(trueconf_server)
        alice = trueconf_server.user("alice")
        chat_id = alice.p2p_chat_with("echo_bot")
        alice.send_message(chat_id, "first line\nsecond line")
        assert process.stdout is not None
        line = process.stdout.readline()  # arrives while the process still runs: it was flushed
        assert process.poll() is None
        assert line.rstrip("\n").endswith(f"{chat_id} {alice.user_id}: first line\\nsecond line")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.communicate()


def test_listen_ends_quietly_when_the_reader_goes_away(server_env: dict[str, str], trueconf_server: Any) -> None:
    """``trueconf-sync listen | head -1``: the closed pipe ends the listener with exit 0, no traceback."""
    process = _start_listen(server_env, "--messages-only")
    try:
        _wait_connected(trueconf_server)
        alice = trueconf_server.user("alice")
        chat_id = alice.p2p_chat_with("echo_bot")
        alice.send_message(chat_id, "one")
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.readline().rstrip().endswith(": one")
        process.stdout.close()  # what head does after its first line
        alice.send_message(chat_id, "two")
        alice.send_message(chat_id, "three")
        assert process.wait(timeout=15) == 0
        assert process.stderr.read() == ""
    finally:
        process.kill()
        process.wait()
        if process.stderr is not None:
            process.stderr.close()


def test_listen_json_count_and_filters(cli: Run, server_env: dict[str, str], trueconf_server: Any) -> None:
    process = _start_listen(server_env, "--json", "--count", "2", "--timeout", "20")
    try:
        _wait_connected(trueconf_server)
        alice = trueconf_server.user("alice")
        group = alice.create_group_chat("Ops", ["echo_bot"])  # chat_created event
        alice.send_message(group, "deploy done")
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, err
    first, second = (json.loads(line) for line in out.splitlines())
    assert first["event"] == "chat_created" and first["chat_id"] == group
    assert second["event"] == "message" and second["text"] == "deploy done" and second["chat_id"] == group
    assert second["payload"]["content"]["text"] == "deploy done"

    process = _start_listen(server_env, "--messages-only", "--chat", group, "--count", "1", "--timeout", "20")
    try:
        _wait_connected(trueconf_server, 2)
        other = alice.p2p_chat_with("echo_bot")
        alice.send_message(other, "not this chat")
        alice.create_group_chat("Noise", ["echo_bot"])
        alice.send_message(group, "this one")
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert out.count("\n") == 1 and out.rstrip().endswith(": this one")


@pytest.mark.slow
def test_listen_timeout_without_enough_events_exit_6(cli: Run) -> None:
    result = cli("listen", "--count", "1", "--timeout", "0.5")
    _one_error_line(result, ExitCode.TIMEOUT, "0 of 1 events")
    assert result.stdout == ""
    assert cli("listen", "--timeout", "0.5").returncode == 0  # a plain duration is not a failure


def test_listen_stops_with_auth_error_when_the_account_is_disabled(
        server_env: dict[str, str], trueconf_server: Any) -> None:
    process = _start_listen(server_env)
    try:
        _wait_connected(trueconf_server)
        trueconf_server.disable_user("echo_bot")
        trueconf_server.drop_connections()
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == ExitCode.AUTH, err
    assert err.strip().splitlines()[-1].startswith("trueconf-sync: authentication failed")


def test_demo_still_runs(cli: Run) -> None:
    result = cli("demo", timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Demo finished" in result.stdout


# ---- peer-chosen text never reaches the terminal raw (issue 18 item 7) ----------------------------------

HOSTILE_TITLE = "Ops\x1b]0;pwned\x07\x9b2J\u202egnp.exe"
HOSTILE_TEXT = "hi\x1b[2K\rforged 00:00 admin: ok\nsecond\x1b]52;c;cGF5bG9hZA==\x07\u2028end"
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202e]")  # all but the line ends


def test_chats_and_listen_print_control_characters_as_escapes(cli: Run, server_env: dict[str, str],
                                                              trueconf_server: Any) -> None:
    alice = trueconf_server.user("alice")
    group = alice.create_group_chat(HOSTILE_TITLE, ["echo_bot"])
    table = cli("chats")
    assert table.returncode == 0 and not RAW.search(table.stdout)
    assert "Ops\\x1b]0;pwned\\x07\\x9b2J\\u202egnp.exe" in table.stdout
    assert {r["title"] for r in json.loads(cli("chats", "--json").stdout)} == {HOSTILE_TITLE}  # JSON: exact

    process = _start_listen(server_env, "--messages-only", "--count", "1", "--timeout", "20")
    try:
        _wait_connected(trueconf_server)
        alice.send_message(group, HOSTILE_TEXT)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert out.count("\n") == 1 and not RAW.search(out)  # one line, nothing raw: no forged second line
    assert out.rstrip().endswith(": hi\\x1b[2K\\rforged 00:00 admin: ok\\nsecond\\x1b]52;c;cGF5bG9hZA==\\x07"
                                 "\\u2028end")
    process = _start_listen(server_env, "--messages-only", "--json", "--count", "1", "--timeout", "20")
    try:
        _wait_connected(trueconf_server, 2)
        alice.send_message(group, HOSTILE_TEXT)
        out, err = process.communicate(timeout=20)
    finally:
        process.kill()
    assert json.loads(out)["text"] == HOSTILE_TEXT  # JSON lines stay exact

