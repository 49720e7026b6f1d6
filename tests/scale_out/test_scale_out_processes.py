"""Real processes: bot processes sharing one identity (one killed with SIGKILL), a Celery worker with
the Redis broker, and the examples/scale_out recipe (bots, worker, forwarder, Flask app)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from trueconf_sync.testing import FakeTrueConfServer

HERE = Path(__file__).parent
EXAMPLE = HERE.parent.parent / "examples" / "scale_out"

pytestmark = pytest.mark.slow


class Processes:
    """Subprocesses of one test, stopped (then killed) at the end; their output goes to files."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
        log = open(self.tmp / f"{name}.log", "wb")  # noqa: SIM115 -- closed with the process
        full = {**os.environ, **env, "PYTHONPATH": os.pathsep.join([str(cwd), os.environ.get("PYTHONPATH", "")])}
        proc = subprocess.Popen([sys.executable, *args], cwd=cwd, env=full, stdout=log, stderr=subprocess.STDOUT)
        self.running.append(proc)
        return proc

    def output(self, name: str) -> str:
        return (self.tmp / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for proc in self.running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.running:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()


@pytest.fixture
def fake() -> Iterator[FakeTrueConfServer]:
    server = FakeTrueConfServer()
    for login in ("echo_bot", "celery_bot", "alice"):
        server.add_user(login)
    with server:
        yield server


def _replies(server: FakeTrueConfServer, chat: str, prefix: str) -> Counter[str]:
    return Counter(m["content"]["text"][len(prefix):].split(" by ")[0] for m in server.chat_messages(chat)
                   if m["content"].get("text", "").startswith(prefix))


def test_two_bot_processes_one_killed_with_sigkill_each_message_handled_once(
        redis_url: str, fake: FakeTrueConfServer, processes: Processes) -> None:
    env = {"TRUECONF_SERVER": fake.url, "TRUECONF_TOKEN": fake.issue_token("echo_bot"), "REDIS_URL": redis_url,
           "BOT_GROUP": "kill-test", "KILL_ON": "m13"}
    bots = [processes.start(f"bot{i}", [str(HERE / "kill_bot.py")], env, HERE) for i in range(2)]
    fake.wait_for(lambda s: len(s.connections("echo_bot")) == 2, timeout=30)
    alice = fake.user("alice")
    chat = alice.p2p_chat_with("echo_bot")
    texts = [f"m{i}" for i in range(40)]
    for text in texts:
        alice.send_message(chat, text)
    deadline = time.monotonic() + 60
    while set(_replies(fake, chat, "done: ")) != set(texts) and time.monotonic() < deadline:
        time.sleep(0.1)
    replies = _replies(fake, chat, "done: ")
    assert replies == Counter(dict.fromkeys(texts, 1)), (replies, processes.output("bot0"), processes.output("bot1"))
    codes = sorted(bot.poll() for bot in bots if bot.poll() is not None)
    assert codes == [-signal.SIGKILL]  # exactly one died, by SIGKILL, mid-run
    handled_by = Counter(m["content"]["text"].split(" by ")[-1] for m in fake.chat_messages(chat)
                         if m["content"].get("text", "").startswith("done: "))
    assert len(handled_by) == 2  # the killed one had done a share before it died


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_scale_out_example_recipe(redis_url: str, fake: FakeTrueConfServer, processes: Processes) -> None:
    pytest.importorskip("celery")
    pytest.importorskip("flask")
    base = {"TRUECONF_SERVER": fake.url, "REDIS_URL": redis_url, "BOT_GROUP": "example"}
    bot_env = {**base, "TRUECONF_TOKEN": fake.issue_token("echo_bot")}
    celery_env = {**base, "TRUECONF_TOKEN": fake.issue_token("celery_bot")}
    for i in range(2):
        processes.start(f"bot{i}", ["bot.py"], bot_env, EXAMPLE)
    processes.start("worker", ["-m", "celery", "-A", "tasks", "worker", "-c", "2", "--loglevel", "WARNING",
                               "--without-gossip", "--without-mingle", "--without-heartbeat"], celery_env, EXAMPLE)
    processes.start("forwarder", ["forwarder.py"], celery_env, EXAMPLE)
    port = _free_port()
    processes.start("web", ["-m", "flask", "--app", "web", "run", "--port", str(port)], celery_env, EXAMPLE)
    fake.wait_for(lambda s: len(s.connections("echo_bot")) == 2 and len(s.connections("celery_bot")) == 1,
                  timeout=30)
    alice = fake.user("alice")
    # 1. two bot processes, one identity: every message answered once
    chat = alice.p2p_chat_with("echo_bot")
    for i in range(10):
        alice.send_message(chat, f"hello {i}")
    alice_replies: Counter[str] = Counter()
    deadline = time.monotonic() + 30
    while len(alice_replies) < 10 and time.monotonic() < deadline:
        alice_replies = _replies(fake, chat, "done: ")
        time.sleep(0.1)
    assert alice_replies == Counter({f"hello {i}": 1 for i in range(10)})
    # 2. the Flask app sends through Celery (the worker processes hold the connections)
    celery_chat = alice.p2p_chat_with("celery_bot")
    reply = None
    deadline = time.monotonic() + 30
    while reply is None and time.monotonic() < deadline:
        try:
            reply = requests.post(f"http://127.0.0.1:{port}/notify", json={"chat_id": celery_chat, "text": "from web"},
                                  timeout=40)
        except requests.ConnectionError:
            time.sleep(0.2)
    assert reply is not None and reply.status_code == 200, processes.output("web")
    body: Any = reply.json()
    assert body["ok"] is True and body["result"]["messageId"], (body, processes.output("worker"))
    assert [m["content"]["text"] for m in fake.chat_messages(celery_chat)] == ["from web"]
    # 3. inbound through Celery: alice writes to celery_bot, the on_event task answers via send_message
    alice.send_message(celery_chat, "ping")
    answer = alice.wait_for_message(celery_chat, predicate=lambda m: m["content"].get("text") == "celery: ping",
                                    timeout=30)
    assert answer["replyMessageId"]
