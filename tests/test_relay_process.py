"""``trueconf-sync relay`` / ``outbox`` / ``send --queue`` as real processes, kill -9, and examples/relay."""

from __future__ import annotations

import configparser
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from trueconf_sync.cli.app import build_parser
from trueconf_sync.outbox import Outbox

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "relay"
TOKEN = "relay-token-0123456789"


@pytest.fixture
def env(trueconf_server: Any, tmp_path: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TRUECONF_")}
    environ.update(XDG_CONFIG_HOME=str(tmp_path / "xdg"), PYTHONUNBUFFERED="1",
                   TRUECONF_SERVER=trueconf_server.host, TRUECONF_PORT=str(trueconf_server.port),
                   TRUECONF_HTTPS="false", TRUECONF_USERNAME="echo_bot", TRUECONF_PASSWORD="password",
                   TRUECONF_RELAY_TOKEN=TOKEN, TRUECONF_OUTBOX=str(tmp_path / "outbox.db"))
    return environ


class RelayProcess:
    """A ``trueconf-sync relay`` subprocess on a free port."""

    def __init__(self, env: dict[str, str], *extra: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "trueconf_sync", "relay", "--listen", "127.0.0.1:0", "--backoff-base", "0.05",
             "--backoff-max", "0.5", "--rate", "0", *extra],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
        if match is None:
            self.proc.kill()
            raise AssertionError(f"relay did not start: {line!r} {self.proc.stderr.read()!r}")  # type: ignore[union-attr]
        self.port = int(match.group(1))

    def post(self, path: str, body: Any, conn: http.client.HTTPConnection | None = None) -> int:
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request("POST", path, body=json.dumps(body), headers={
                "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            return response.status
        finally:
            if own:
                conn.close()

    def wait_connected(self, timeout: float = 30.0) -> None:
        """Wait until /healthz says the relay's TrueConf connection is up."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            try:
                conn.request("GET", "/healthz")
                health = json.loads(conn.getresponse().read() or b"{}")
            finally:
                conn.close()
            if health.get("trueconf", {}).get("connected"):
                return
            time.sleep(0.05)
        raise AssertionError("the relay did not connect to the TrueConf server")

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        return self.proc.returncode


@pytest.fixture
def start_relay(env: dict[str, str]) -> Iterator[Callable[..., RelayProcess]]:
    started: list[RelayProcess] = []

    def start(*extra: str) -> RelayProcess:
        started.append(RelayProcess(env, *extra))
        return started[-1]

    yield start
    for relay in started:
        relay.stop()
        for stream in (relay.proc.stdout, relay.proc.stderr):
            if stream is not None:
                stream.close()


def texts(server: Any, chat_id: str | None) -> list[str]:
    if chat_id is None:
        return []
    return [m["content"].get("text") for m in server.chat_messages(chat_id) if m["type"] == 200]


def chat_of(outbox_path: str, login: str) -> str | None:
    with Outbox(outbox_path) as box:
        return box.store.p2p_chat(login)


@pytest.mark.slow
def test_kill_9_while_accepting_and_delivering_loses_and_repeats_nothing(
        start_relay: Callable[..., RelayProcess], trueconf_server: Any, env: dict[str, str]) -> None:
    total = 1000
    accepted: set[int] = set()
    lock = threading.Lock()
    # synchronous=NORMAL: in WAL mode a commit survives the death of the process (not of the
    # machine), which is what kill -9 tests; FULL only adds an fsync per commit.
    relay = start_relay("--synchronous", "NORMAL")
    current = [relay]
    kill_at = (300, 650)

    def sender(parity: int) -> None:
        login = "alice" if parity == 0 else "bob"
        conn: http.client.HTTPConnection | None = None
        i = parity
        while i < total:
            target = current[0]
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", target.port, timeout=10)
                status = target.post("/send", {"to": login, "text": f"alert {i}", "key": f"k{i}"}, conn)
            except (OSError, http.client.HTTPException):
                status = 0  # the relay died under us: send the same alert (same key) again
            if status == 202:
                with lock:
                    accepted.add(i)
                i += 2
            else:
                if conn is not None:
                    conn.close()
                conn = None
                threading.Event().wait(0.05)
        if conn is not None:
            conn.close()

    threads = [threading.Thread(target=sender, args=(p,)) for p in (0, 1)]
    for thread in threads:
        thread.start()
    for mark in kill_at:
        trueconf_server.wait_for(lambda s, m=mark: len(accepted) >= m, timeout=60)
        current[0].kill9()
        current[0] = start_relay("--synchronous", "NORMAL")
    for thread in threads:
        thread.join(120)
    assert len(accepted) == total
    outbox = env["TRUECONF_OUTBOX"]

    chats = {login: chat_of(outbox, login) for login in ("alice", "bob")}  # both opened by now

    def delivered() -> bool:
        return sum(len(texts(trueconf_server, chat)) for chat in chats.values()) >= total

    trueconf_server.wait_for(lambda s: delivered(), timeout=120)
    for login, parity in (("alice", 0), ("bob", 1)):
        got = texts(trueconf_server, chats[login])
        assert got == [f"alert {i}" for i in range(parity, total, 2)]  # each once, in order
    assert current[0].stop() == 0


@pytest.mark.slow
def test_relay_process_delivers_and_stops_cleanly(start_relay: Callable[..., RelayProcess],
                                                  trueconf_server: Any, env: dict[str, str]) -> None:
    relay = start_relay()
    assert relay.post("/send", {"to": "alice", "text": "hello from the relay"}) == 202
    trueconf_server.wait_for(lambda s: texts(s, chat_of(env["TRUECONF_OUTBOX"], "alice")) == ["hello from the relay"],
                             timeout=20)
    assert relay.stop() == 0


def run_cli(env: dict[str, str], *args: str, **updates: str | None) -> subprocess.CompletedProcess[str]:
    environ = dict(env)
    for name, value in updates.items():
        if value is None:
            environ.pop(name, None)
        else:
            environ[name] = value
    return subprocess.run([sys.executable, "-m", "trueconf_sync", *args], env=environ, capture_output=True,
                          text=True, timeout=60)


@pytest.mark.slow
def test_send_queue_writes_the_outbox_without_connecting(env: dict[str, str], trueconf_server: Any,
                                                         tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("numbers\n")
    # no server settings at all: --queue must not need them
    offline = {k: v for k, v in env.items() if k not in ("TRUECONF_SERVER", "TRUECONF_USERNAME")}
    done = run_cli(offline, "send", "--queue", "--to", "alice", "--key", "nightly", "--json", "backup done")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"queued": 1, "duplicate": False}
    again = run_cli(offline, "send", "--queue", "--to", "alice", "--key", "nightly", "--json", "backup done")
    assert json.loads(again.stdout) == {"queued": 1, "duplicate": True}
    assert run_cli(offline, "send", "--queue", "--chat", "c1", "--file", str(report), "report").returncode == 0
    bad = run_cli(offline, "send", "--queue", "--to", "alice", "--reply-to", "m1", "x")
    assert bad.returncode == 2 and "--reply-to cannot be queued" in bad.stderr
    with Outbox(env["TRUECONF_OUTBOX"]) as box:
        assert [(e.recipient, e.text, len(e.files), e.key) for e in box.entries()] == [
            ("user:alice", "backup done", 0, "nightly"), ("chat:c1", "report", 1, None)]
    # without an outbox, --queue sends directly
    direct = run_cli(env, "send", "--queue", "--to", "bob", "direct", TRUECONF_OUTBOX=None)
    assert direct.returncode == 0, direct.stderr
    assert trueconf_server.stats["requests"].get("sendMessage") == 1


@pytest.mark.slow
def test_outbox_commands(env: dict[str, str], trueconf_server: Any, trueconf_client: Any) -> None:
    with Outbox(env["TRUECONF_OUTBOX"]) as box:
        box.put("carol", "to nobody")
        box.put("alice", "to alice\x1b[2J")
        box.deliver_pending(trueconf_client)
    listed = run_cli(env, "outbox", "list")
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert len(lines) == 2 and "dead" in lines[1] and "carol" in lines[1] and "305" in lines[1]
    everything = run_cli(env, "outbox", "list", "--state", "all", "--json")
    records = [json.loads(line) for line in everything.stdout.splitlines()]
    assert [(r["state"], r["text"]) for r in records] == [("dead", "to nobody"), ("sent", "to alice\x1b[2J")]
    shown = run_cli(env, "outbox", "list", "--state", "sent").stdout
    assert "\x1b" not in shown and "\\x1b[2J" in shown
    trueconf_server.add_user("carol")
    assert run_cli(env, "outbox", "retry", "1").stdout.strip() == "1 dead letter(s) queued again"
    assert run_cli(env, "outbox", "purge").stdout.strip() == "1 entry purged"
    with Outbox(env["TRUECONF_OUTBOX"]) as box:
        assert [(e.id, e.state) for e in box.entries()] == [(1, "pending")]
    assert run_cli(env, "outbox", "retry", "x1").returncode == 2
    missing = run_cli(env, "outbox", "list", TRUECONF_OUTBOX=None)
    assert missing.returncode == 2 and "TRUECONF_OUTBOX" in missing.stderr


@pytest.mark.slow
def test_relay_refuses_to_start_without_credentials_for_its_endpoints(env: dict[str, str]) -> None:
    result = run_cli(env, "relay", "--listen", "127.0.0.1:0", TRUECONF_RELAY_TOKEN=None)
    assert result.returncode == 2 and "TRUECONF_RELAY_TOKEN" in result.stderr
    short = run_cli(env, "relay", "--listen", "127.0.0.1:0", TRUECONF_RELAY_TOKEN="short")
    assert short.returncode == 2 and "at least 16 characters" in short.stderr


# ---- examples/relay ----------------------------------------------------------------------------

@pytest.mark.slow
def test_zabbix_script_against_a_relay(start_relay: Callable[..., RelayProcess], env: dict[str, str],
                                       trueconf_server: Any, tmp_path: Path) -> None:
    relay = start_relay()
    script = EXAMPLES / "zabbix_trueconf.py"
    environ = {"PATH": os.environ.get("PATH", ""), "TRUECONF_RELAY_ENV": str(tmp_path / "zabbix.env")}
    (tmp_path / "zabbix.env").write_text(f"TRUECONF_RELAY_URL=http://127.0.0.1:{relay.port}\n"
                                         f"TRUECONF_RELAY_TOKEN={TOKEN}\n")

    def zabbix(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, str(script), *args], env={**environ, **extra},
                              capture_output=True, text=True, timeout=30)

    first = zabbix("alice", "PROBLEM: disk full on db-1", "Free space 2%", "1234")
    assert first.returncode == 0, first.stderr
    retry = zabbix("alice", "PROBLEM: disk full on db-1", "Free space 2%", "1234")  # Zabbix retries
    assert retry.returncode == 0 and "already queued" in retry.stdout
    relay.wait_connected()  # an unknown recipient is refused at once only while connected
    refused = zabbix("carol", "PROBLEM", "x", "1235")
    assert refused.returncode == 1 and "unknown recipient" in refused.stderr
    wrong = zabbix("alice", "PROBLEM", "x", "1236", TRUECONF_RELAY_TOKEN="wrong-token-0123456789")
    assert wrong.returncode == 1 and "HTTP 401" in wrong.stderr
    assert zabbix("alice").returncode == 2
    trueconf_server.wait_for(
        lambda s: texts(s, chat_of(env["TRUECONF_OUTBOX"], "alice")) == ["PROBLEM: disk full on db-1\nFree space 2%"],
        timeout=20)
    relay.stop()
    down = zabbix("alice", "PROBLEM", "x", "1237")
    assert down.returncode == 3 and "unreachable" in down.stderr


def _unit() -> configparser.RawConfigParser:
    unit = configparser.RawConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(EXAMPLES / "trueconf-relay.service")
    return unit


def test_systemd_unit_runs_a_valid_relay_command(tmp_path: Path) -> None:
    unit = _unit()
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    assert service["Restart"] == "always" and service["StateDirectory"] == "trueconf-relay"
    words = shlex.split(service["ExecStart"])
    assert words[0].endswith("/trueconf-sync")
    args = build_parser().parse_args(words[1:])  # every flag of the unit exists
    assert args.command == "relay" and args.outbox.startswith("/var/lib/trueconf-relay/")
    assert "TOKEN" not in service["ExecStart"]  # secrets come from the EnvironmentFile
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed")
    text = (EXAMPLES / "trueconf-relay.service").read_text()
    text = text.replace(words[0], "/bin/true").replace("EnvironmentFile=", "EnvironmentFile=-")
    (tmp_path / "trueconf-relay.service").write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "trueconf-relay.service")],
                            capture_output=True, text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines() if "trueconf-relay" in line]
    assert result.returncode == 0 and problems == [], result.stderr
