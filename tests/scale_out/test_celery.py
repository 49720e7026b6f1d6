"""contrib.celery with a real Celery worker subprocess on the Redis broker (no eager mode).

Retries only where the request provably did not run; an in-flight loss is reported, not retried.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trueconf_sync.testing import FakeTrueConfServer

HERE = Path(__file__).parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(redis_server: Any) -> Iterator[dict[str, Any]]:
    pytest.importorskip("celery")
    server = FakeTrueConfServer()
    server.add_user("echo_bot")
    server.add_user("alice")
    server.start()
    url = redis_server.url(3)  # a database of its own: the other tests flush database 0
    variables = {"REDIS_URL": url, "TRUECONF_SERVER": server.url, "TRUECONF_TOKEN": server.issue_token("echo_bot")}
    os.environ.update(variables)  # celery_tasks (imported here to send) reads them too
    sys.path.insert(0, str(HERE))
    import celery_tasks

    full = {**os.environ, "PYTHONPATH": str(HERE)}
    worker = subprocess.Popen([sys.executable, "-m", "celery", "-A", "celery_tasks", "worker", "-c", "2",
                               "--loglevel", "WARNING", "--without-gossip", "--without-mingle",
                               "--without-heartbeat"], cwd=HERE, env=full,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        chat = server.user("alice").p2p_chat_with("echo_bot")
        yield {"server": server, "tasks": celery_tasks.tasks, "chat": chat}
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(15)
        except subprocess.TimeoutExpired:
            worker.kill()
        server.stop()
        sys.path.remove(str(HERE))
        for name in variables:
            os.environ.pop(name, None)


def _texts(server: FakeTrueConfServer, chat: str) -> list[str]:
    return [m["content"].get("text") for m in server.chat_messages(chat)]


def test_send_message_task_returns_a_json_dict(env: dict[str, Any]) -> None:
    result = env["tasks"].send_message.delay(env["chat"], "hello from celery").get(timeout=30)
    assert result["ok"] is True
    assert result["result"]["chatId"] == env["chat"] and result["result"]["messageId"]
    assert _texts(env["server"], env["chat"])[-1] == "hello from celery"
    chats = env["tasks"].get_chats.delay().get(timeout=30)
    assert chats["ok"] is True and env["chat"] in [c["chatId"] for c in chats["result"]]


def test_bad_arguments_and_api_errors_are_reported_not_retried(env: dict[str, Any]) -> None:
    bad = env["tasks"].send_message.delay(env["chat"], "").get(timeout=30)
    assert bad["ok"] is False and bad["error"]["type"] == "ValueError" and bad["error"]["executed"] == "no"
    missing = env["tasks"].send_message.delay("no-such-chat", "x").get(timeout=30)
    assert missing["ok"] is False and missing["error"]["code"] == 304 and missing["error"]["executed"] == "no"


def test_connect_failures_are_retried(env: dict[str, Any]) -> None:
    server: FakeTrueConfServer = env["server"]
    server.drop_connections()  # the workers' clients (auto_reconnect=False) must connect anew
    server.refuse_connections(3)  # "server busy": HTTP 503 on the next three handshakes
    result = env["tasks"].send_message.delay(env["chat"], "after refusals").get(timeout=30)
    assert result["ok"] is True
    assert server.stats["refused_connections"] >= 3
    assert _texts(server, env["chat"]).count("after refusals") == 1


def test_an_in_flight_loss_is_reported_not_retried(env: dict[str, Any]) -> None:
    server: FakeTrueConfServer = env["server"]
    env["tasks"].get_chats.delay().get(timeout=30)  # connected
    server.drop_on("sendMessage")  # the connection dies after the request arrived, before the answer
    result = env["tasks"].send_message.delay(env["chat"], "maybe sent").get(timeout=30)
    assert result["ok"] is False and result["error"]["executed"] == "unknown"
    assert result["error"]["type"] == "ConnectionLostError"
    sentinel = env["tasks"].send_message.delay(env["chat"], "sentinel").get(timeout=30)
    assert sentinel["ok"] is True
    assert server.stats["requests"].get("sendMessage", 0) >= 2
    assert "maybe sent" not in _texts(server, env["chat"])  # not re-sent by a retry


def test_idempotent_methods_are_retried_after_an_in_flight_loss(env: dict[str, Any]) -> None:
    server: FakeTrueConfServer = env["server"]
    env["tasks"].get_chats.delay().get(timeout=30)
    server.drop_on("getChats")
    result = env["tasks"].get_chats.delay().get(timeout=30)
    assert result["ok"] is True
    assert server.stats["dropped_on"]["getChats"] >= 1


def test_register_tasks_checks_its_arguments() -> None:
    from celery import Celery

    from trueconf_sync.contrib.celery import register_tasks, task_names

    app = Celery("check")
    with pytest.raises(ValueError, match="methods: unknown method 'send_fax'"):
        register_tasks(app, lambda: None, methods=["send_fax"])  # type: ignore[arg-type,return-value]
    with pytest.raises(ValueError, match="max_retries must be an int between 0 and 100"):
        register_tasks(app, lambda: None, max_retries=-1)  # type: ignore[arg-type,return-value]
    tasks = register_tasks(app, lambda: None, methods=["send_message"])  # type: ignore[arg-type,return-value]
    assert tasks.send_message.name == "trueconf.send_message"
    assert "send_file" in task_names() and "get_chats" in task_names()


def test_send_file_task_sends_a_path_the_worker_can_read(env: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(b"quarterly numbers\n" * 100)
    result = env["tasks"].send_file.delay(env["chat"], str(path), caption="the report").get(timeout=60)
    assert result["ok"] is True, result
    by_id = {m["messageId"]: m for m in env["server"].chat_messages(env["chat"])}
    sent = by_id[result["result"]["messageId"]]
    assert sent["type"] == 202 and sent["content"]["name"] == "report.txt" and sent["content"]["size"] == 1800
    # a path the worker cannot open is refused before anything is sent: reported, not retried
    missing = env["tasks"].send_file.delay(env["chat"], str(tmp_path / "gone.txt")).get(timeout=30)
    assert missing["ok"] is False and missing["error"]["executed"] == "no"
    assert missing["error"]["type"] == "FileNotFoundError" and "gone.txt" in missing["error"]["message"]
    assert len(env["server"].chat_messages(env["chat"])) == len(by_id)
