"""What ``trueconf-sync`` prints on stderr: ``-v`` versus ``-vv`` (wire frames, secrets masked) and the
upload progress bar of ``send --file`` (on a terminal only; a pty stands in for the terminal).

Each test runs the command line as a real process against the fake server (``trueconf_server``).
"""

from __future__ import annotations

import fcntl
import logging
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from typing import Any

import pytest

PASSWORD = "password"  # of echo_bot, alice and bob in the trueconf_server fixture


def _env(server: Any, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUECONF_")}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "xdg"), PYTHONUNBUFFERED="1", TRUECONF_SERVER=server.host,
               TRUECONF_PORT=str(server.port), TRUECONF_HTTPS="false", TRUECONF_USERNAME="echo_bot",
               TRUECONF_PASSWORD=PASSWORD)
    return env


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trueconf_sync", *args], env=env, input="",
                          capture_output=True, text=True, timeout=60)


@pytest.mark.slow
def test_vv_shows_more_than_v_and_masks_the_token(trueconf_server: Any, tmp_path: Path) -> None:
    env = _env(trueconf_server, tmp_path)
    quiet, info, debug = (_run(env, *flags, "send", "--to", "alice", "hello there") for flags in ([], ["-v"],
                                                                                                 ["-vv"]))
    assert all(r.returncode == 0 for r in (quiet, info, debug)), (info.stderr, debug.stderr)
    assert quiet.stderr == ""
    assert "INFO" in info.stderr and "connected" in info.stderr
    assert "DEBUG" not in info.stderr and '"method"' not in info.stderr
    # -vv: everything -v shows, plus each frame both ways
    for line in info.stderr.splitlines():
        assert line.replace("trueconf-1", "") in debug.stderr.replace("trueconf-1", "")
    assert '-> {"type":1,"id":1,"method":"auth"' in debug.stderr
    assert '"method":"sendMessage"' in debug.stderr and '"text":"hello there"' in debug.stderr
    assert "<- " in debug.stderr and '"messageId"' in debug.stderr
    assert '"token":"***"' in debug.stderr  # the auth frame's token is masked ...
    assert "eyJ" not in debug.stderr  # ... and no JWT appears anywhere
    assert PASSWORD not in debug.stderr.replace("TRUECONF_PASSWORD", "")


def _big_file(tmp_path: Path) -> Path:
    path = tmp_path / "report.bin"
    path.write_bytes(os.urandom(512 * 1024))
    return path


def test_send_file_without_a_terminal_prints_nothing(trueconf_server: Any, tmp_path: Path) -> None:
    result = _run(_env(trueconf_server, tmp_path), "send", "--to", "alice", "--file", str(_big_file(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""  # cron mails nothing


def _run_on_a_terminal(env: dict[str, str], *args: str) -> tuple[int, str]:
    """Run the CLI with stderr on a pty (a terminal to the process); return its exit code and what it wrote."""
    master, slave = pty.openpty()
    # A fresh pty is 0x0 characters; tqdm would fit its bar into 0 columns. A real terminal has a size.
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    try:
        process = subprocess.Popen([sys.executable, "-m", "trueconf_sync", *args], env=env,
                                   stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    finally:
        os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.2)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the process closed its end
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
        code = process.wait(timeout=30)
    finally:
        os.close(master)
        if process.stdout is not None:
            process.stdout.close()
    return code, b"".join(chunks).decode("utf-8", errors="replace")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pty")
def test_send_file_on_a_terminal_shows_a_progress_bar(trueconf_server: Any, tmp_path: Path) -> None:
    pytest.importorskip("tqdm")
    env = _env(trueconf_server, tmp_path)
    path = _big_file(tmp_path)
    code, shown = _run_on_a_terminal(env, "send", "--to", "alice", "--file", str(path), "the report")
    assert code == 0, shown
    assert "%|" in shown and "document" in shown and "512k" in shown  # tqdm's bar: label and size
    alice_chat = trueconf_server.user("alice").p2p_chat_with("echo_bot")
    assert any(e.get("type") == 202 for e in trueconf_server.chat_messages(alice_chat))  # the file arrived
    # --no-progress (or -q) keeps a terminal quiet too
    for args in (["send", "--no-progress"], ["-q", "send"]):
        code, shown = _run_on_a_terminal(env, *args, "--to", "alice", "--file", str(path))
        assert code == 0 and "%|" not in shown, shown


def test_progress_flag_forces_the_bar_without_a_terminal(trueconf_server: Any, tmp_path: Path) -> None:
    pytest.importorskip("tqdm")
    result = _run(_env(trueconf_server, tmp_path), "send", "--progress", "--to", "alice", "--file",
                  str(_big_file(tmp_path)))
    assert result.returncode == 0, result.stderr
    assert "%|" in result.stderr


def test_main_leaves_the_library_logger_level_as_it_found_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # main() run in-process (tests, a bigger program) set -q's ERROR level for good, so later
    # warnings of the library were dropped.
    from trueconf_sync.cli import main

    logger = logging.getLogger("trueconf_sync")
    before = logger.level
    monkeypatch.setenv("TRUECONF_TOKEN", "x")
    assert main(["-q", "send", "--server", "127.0.0.1", "--port", "1", "--no-https", "--chat", "c", "hi"]) != 0
    assert logger.level == before
