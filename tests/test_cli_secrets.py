"""The command line never prints a secret typed (or pasted by mistake) onto it.

Issue 14, item 1: argparse's prefix matching turned ``--token eyJ...`` into ``--token-file eyJ...``
and the error line printed the token. Each case puts a secret-looking value into one flag position
(``--token S``, ``--password=S``, ``--tok S``, a stray positional...) before or after each
sub-command and checks: exit code 2, one error line that names the offending flag, and no trace of
the value on stdout or stderr. The big matrix runs in-process through ``trueconf_sync.cli.main``
(parse errors end the same way as in a process: one line on stderr, ``SystemExit(2)``); a set of
the same cases, the secrets-in-the-environment cases and the verbose runs start real processes.
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import secrets
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from trueconf_sync.cli import ExitCode, build_parser, main
from trueconf_sync.cli.safeargs import SAFE_VALUE_FLAGS

RANDOM = secrets.token_hex(8)
SECRET = f"eyJSECRET-{RANDOM}"
SCRIPT = shutil.which("trueconf-sync", path=os.path.dirname(sys.executable))

#: The sub-commands with arguments that are fine on their own ("" = no sub-command).
COMMANDS: dict[str, list[str]] = {
    "": [],
    "send": ["send", "--to", "alice", "hello"],
    "listen": ["listen"],
    "token": ["token", "--username", "bot"],
    "chats": ["chats"],
    "demo": ["demo"],
}
_TOKEN = "TRUECONF_TOKEN"
_PASSWORD = "TRUECONF_PASSWORD"
#: Where the secret goes: the words, and what the error line must contain besides.
PIECES: dict[str, tuple[list[str], list[str]]] = {
    "--token S": (["--token", SECRET], ["--token (value hidden)", _TOKEN]),
    "--token=S": ([f"--token={SECRET}"], ["--token (value hidden)", _TOKEN]),
    "--password S": (["--password", SECRET], ["--password (value hidden)", _PASSWORD]),
    "--password=S": ([f"--password={SECRET}"], ["--password (value hidden)", _PASSWORD]),
    "--tok S": (["--tok", SECRET], ["--tok (value hidden)", _TOKEN]),
    "--pass S": (["--pass", SECRET], ["--pass (value hidden)", _PASSWORD]),
    "--access-token S": (["--access-token", SECRET], ["--access-token (value hidden)", _TOKEN]),
    "--access-token=S": ([f"--access-token={SECRET}"], ["--access-token (value hidden)", _TOKEN]),
    "--secret S": (["--secret", SECRET], ["--secret (value hidden)", _TOKEN, _PASSWORD]),
    "--password -S": (["--password", "-" + SECRET], ["--password (value hidden)", _PASSWORD]),
    "--token-file S": (["--token-file", SECRET], ["--token-file"]),
    "--password-file S": (["--password-file", SECRET], ["--password-file"]),
    "-q S": (["-q", SECRET], ["after -q"]),  # a stray positional after a flag
    "S": ([SECRET], []),  # a stray positional on its own
    "-vS": (["-v" + SECRET], ["unrecognized arguments: (option hidden)"]),
}


def _argv(command: str, place: str, piece: str) -> list[str]:
    base, words = COMMANDS[command], PIECES[piece][0]
    if not command:
        return list(words)
    return [*words, *base] if place == "before" else [*base, *words]


def _expected(command: str, place: str, piece: str) -> list[str]:
    """Words the error line must contain (the offending flag, the hint)."""
    words = list(PIECES[piece][1])
    if piece in ("--token-file S", "--password-file S"):
        if not command:
            return ["give a command"]
        if command != "demo":  # known flags: the file cannot be read, and the line does not say which
            return [f"{words[0]}: cannot read the file", "path is not shown"]
        return [f"{words[0]} (value hidden)"]  # demo takes no connection flags
    if piece == "-q S" and command == "demo" and place == "after":
        return ["-q (value hidden)"]  # demo has no -q: an unknown option with its value
    if piece in ("-q S", "S") and (place == "before" or not command):
        return ["unknown command (value hidden)", *(["after -q"] if piece == "-q S" else []), "choose from send"]
    if piece == "S":
        return ["unrecognized arguments: (value hidden)"]
    return words


def _cases() -> Iterator[Any]:
    for command in COMMANDS:
        for place in ("before", "after") if command else ("alone",):
            for piece in PIECES:
                if command == "demo" and place == "before" and piece.endswith("-file S"):
                    continue  # valid: the demo runs (see test_connection_flags_before_demo_are_not_echoed)
                yield pytest.param(command, place, piece, id=f"{command or 'none'}-{place}-{piece}")


def _check(code: int | str | None, out: str, err: str, expected: list[str]) -> str:
    """The checks every case shares; returns the error line."""
    assert SECRET not in out + err and RANDOM not in out + err and "eyJSECRET" not in out + err, err
    assert code == ExitCode.USAGE, (code, out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trueconf-sync"), err
    assert ": error: " in lines[0], lines[0]
    for word in expected:
        assert word in lines[0], (word, lines[0])
    return lines[0]


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """No TRUECONF_* settings, no user config file, the current directory empty (``--token-file S``)."""
    for name in list(os.environ):
        if name.startswith("TRUECONF_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _in_process(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int | str | None, str, str]:
    try:
        code: int | str | None = main(argv)
    except SystemExit as exc:  # argparse ends parse errors with sys.exit(2), as in a process
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _process(argv: list[str], env: dict[str, str], script: bool = False) -> subprocess.CompletedProcess[str]:
    command = [SCRIPT] if script and SCRIPT else [sys.executable, "-m", "trueconf_sync"]
    return subprocess.run([*command, *argv], input="", env=env, capture_output=True, text=True, timeout=60)


# ---- the matrix -------------------------------------------------------------------------------


@pytest.mark.parametrize(("command", "place", "piece"), list(_cases()))
def test_secret_in_any_position_is_never_echoed(
    command: str, place: str, piece: str, clean_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _in_process(_argv(command, place, piece), capsys)
    _check(code, out, err, _expected(command, place, piece))


@pytest.mark.parametrize(("command", "place", "piece", "script"), [
    ("", "alone", "--token S", False),
    ("send", "after", "--token S", True),  # the reported case, with the installed script
    ("send", "before", "--password=S", False),
    ("listen", "after", "--tok S", False),
    ("token", "before", "--pass S", False),
    ("token", "after", "--password-file S", False),
    ("chats", "after", "--token-file S", False),
    ("chats", "before", "-q S", False),
    ("demo", "after", "--access-token=S", False),
    ("send", "after", "-q S", False),
])
def test_secret_on_the_command_line_of_a_real_process(
    command: str, place: str, piece: str, script: bool, clean_env: dict[str, str]
) -> None:
    result = _process(_argv(command, place, piece), clean_env, script=script)
    _check(result.returncode, result.stdout, result.stderr, _expected(command, place, piece))


def test_connection_flags_before_demo_are_not_echoed(clean_env: dict[str, str]) -> None:
    env = {**clean_env, "TRUECONF_TOKEN": SECRET, "TRUECONF_PASSWORD": SECRET}
    result = _process(["-vv", "--token-file", SECRET, "demo"], env)
    assert result.returncode == ExitCode.OK, result.stderr  # the demo needs no credentials and runs
    assert RANDOM not in result.stdout + result.stderr


# ---- secrets in the environment, with failures and verbose output -----------------------------


@pytest.fixture(scope="module")
def closed_port() -> int:
    with socket.socket() as sock:  # free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.mark.parametrize("verbosity", [[], ["-v"], ["-vv"]], ids=["quiet", "-v", "-vv"])
@pytest.mark.parametrize("command", ["send", "listen", "token", "chats"])
def test_environment_secrets_with_an_unreachable_server(
    command: str, verbosity: list[str], closed_port: int, clean_env: dict[str, str]
) -> None:
    env = {**clean_env, "TRUECONF_TOKEN": SECRET, "TRUECONF_PASSWORD": SECRET, "TRUECONF_USERNAME": "bot"}
    argv = [*verbosity, *COMMANDS[command], "--server", f"127.0.0.1:{closed_port}", "--no-https",
            "--request-timeout", "2"]
    result = _process(argv, env)
    assert RANDOM not in result.stdout + result.stderr, result.stderr
    assert result.returncode == ExitCode.NETWORK, result.stderr
    assert "network error" in result.stderr
    if verbosity == ["-vv"] and command != "token":
        assert "Traceback" in result.stderr  # the verbose path ran (and was masked)


@pytest.mark.parametrize("argv", [
    ["-vv"],  # no command
    ["-vv", "send", "--to", "alice", "hello", "--port", "nope"],  # a bad setting
    ["-vv", "chats", "--token", "x"],  # an unknown option, with secrets in the environment too
])
def test_environment_secrets_with_usage_errors(argv: list[str], clean_env: dict[str, str]) -> None:
    env = {**clean_env, "TRUECONF_TOKEN": SECRET, "TRUECONF_PASSWORD": SECRET, "TRUECONF_SERVER": "127.0.0.1"}
    result = _process(argv, env)
    _check(result.returncode, result.stdout, result.stderr, [])


def test_refused_secrets_are_not_echoed_with_debug_output(trueconf_server: Any, clean_env: dict[str, str]) -> None:
    env = {**clean_env, "TRUECONF_SERVER": trueconf_server.host, "TRUECONF_PORT": str(trueconf_server.port),
           "TRUECONF_HTTPS": "false"}
    refused_token = _process(["-vv", "chats"], {**env, "TRUECONF_TOKEN": SECRET})
    refused_password = _process(["-vv", "token", "--username", "echo_bot"], {**env, "TRUECONF_PASSWORD": SECRET})
    for result in (refused_token, refused_password):
        assert result.returncode == ExitCode.AUTH, result.stderr
        assert RANDOM not in result.stdout + result.stderr, result.stderr
        assert "authentication failed" in result.stderr


# ---- no abbreviations, anywhere ---------------------------------------------------------------


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _parsers(sub)


def test_every_parser_refuses_abbreviations() -> None:
    parsers = list(_parsers(build_parser()))
    assert len(parsers) == 1 + 7  # the main parser and send, listen, token, chats, relay, outbox, demo
    assert all(parser.allow_abbrev is False for parser in parsers)


def _prefixes() -> Iterator[Any]:
    for parser in _parsers(build_parser()):
        flags = parser._option_string_actions
        for flag in sorted(flags):
            if flag.startswith("--") and len(flag) > 5:
                prefix = flag[:-2].rstrip("-")
                if prefix not in flags:
                    command = parser.prog.split()[1:]
                    yield pytest.param(command, prefix, id=f"{parser.prog}:{prefix}")


@pytest.mark.parametrize(("command", "prefix"), list(_prefixes()))
def test_a_prefix_of_a_flag_is_an_unknown_option(
    command: list[str], prefix: str, clean_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _in_process([*command, prefix, SECRET], capsys)
    _check(code, out, err, [f"unrecognized arguments: {prefix} (value hidden)"])


@pytest.mark.parametrize("argv", [
    ["chats", "--limit", SECRET],  # argparse: "invalid int value: '...'"
    ["listen", "--count", SECRET],  # our type function: "got '...'"
    ["chats", f"--insecure={SECRET}"],  # argparse: "ignored explicit argument '...'"
    [f"--version={SECRET}"],
    ["send", "--to", "alice", "hello", "--port", SECRET],  # the settings loader: "got '...'"
    ["send", "--to", "alice", "--", "hello", SECRET],
])
def test_values_quoted_by_argparse_and_by_settings_are_hidden(
    argv: list[str], clean_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _in_process(argv, capsys)
    line = _check(code, out, err, ["(value hidden)"])
    flag = next((word.partition("=")[0] for word in argv if word.startswith("--") and word != "--to"), None)
    if flag not in (None, "--"):
        assert flag in line


# ---- any mix of words -------------------------------------------------------------------------

_SECRET_WORDS = [SECRET, "-" + SECRET, "--" + SECRET, f"--token={SECRET}", f"--x={SECRET}", "-v" + SECRET,
                 f"-q{SECRET}", f"{SECRET} two words", f"--token-file={SECRET}", f"--password-file={SECRET}"]
_WORDS = ["send", "listen", "token", "chats", "--to", "alice", "--chat", "--json", "-v", "-vv", "-q", "--https",
          "--no-https", "--insecure", "--token-file", "--password-file", "--username", "--split", "--markdown",
          "--count", "--limit", "--timeout", "3", "--", "-", "hello", "--token", "--password", "--tok", "-x"]


def _secret_misplaced(words: list[str]) -> bool:
    """The secret is somewhere, but not as the value of a flag that names a person (``--to S``):
    values of those flags are shown in errors by design (SAFE_VALUE_FLAGS), like "no password for 'bot'"."""
    after_safe = any(SECRET in word and before in SAFE_VALUE_FLAGS for before, word in itertools.pairwise(words))
    return any(SECRET in word for word in words) and not after_safe


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=st.lists(st.sampled_from(_WORDS + _SECRET_WORDS), min_size=1, max_size=7).filter(_secret_misplaced))
def test_no_mix_of_words_echoes_the_secret(
    argv: list[str], clean_env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # `send` without TEXT reads it: an empty message
    code, out, err = _in_process(argv, capsys)
    assert RANDOM not in out + err, (argv, err)
    assert code in (ExitCode.OK, ExitCode.USAGE), (argv, code, err)  # no server configured: nothing runs
