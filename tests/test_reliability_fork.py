"""Fork safety: a forked child never uses the parent's socket or threads; both sides keep working."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _child_work(client, chat):
    """What a forked worker does with the inherited client; returns a JSON-able report."""
    report = {"state_before": client.state, "threads": sorted(
        t.name for t in threading.enumerate() if t.name.startswith("trueconf"))}
    sent = client.send_message(chat, f"from child {os.getpid()}", timeout=5)
    report.update(sent=sent.chat_id == chat, connection_id=client.connection_id, state=client.state)
    client.close(timeout=2)
    return report


def test_os_fork_child_reconnects_and_parent_keeps_its_connection(trueconf_server, trueconf_client, alice, alice_chat):
    parent_connection = trueconf_client.connection_id
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report through the pipe and leave without running pytest's teardown
        code = 0
        try:
            report = _child_work(trueconf_client, alice_chat)
        except BaseException as exc:  # noqa: BLE001
            report, code = {"error": repr(exc)}, 1
        os.write(write_end, json.dumps(report).encode())
        os._exit(code)
    os.close(write_end)
    # the parent keeps using its client while the child works
    for i in range(5):
        assert trueconf_client.send_message(alice_chat, f"from parent {i}", timeout=5).chat_id == alice_chat
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read_end) as pipe:
        report = json.loads(pipe.read() or "{}")
    assert os.WEXITSTATUS(status) == 0, report
    assert report["state_before"] == "disconnected"  # nothing of the parent's connection was kept
    assert report["threads"] == []  # the parent's reader/heartbeat/workers do not exist there
    assert report["sent"] and report["state"] == "connected"
    assert report["connection_id"] != parent_connection  # its own connection
    assert trueconf_client.connection_id == parent_connection and trueconf_client.reconnects == 0
    assert trueconf_client.get_chats(timeout=5)[0].chat_id == alice_chat
    texts = [m["content"]["text"] for m in trueconf_server.chat_messages(alice_chat)]
    assert sum(t.startswith("from parent") for t in texts) == 5
    assert sum(t.startswith("from child") for t in texts) == 1


def _mp_worker(client, chat, queue):
    try:
        queue.put(_child_work(client, chat))
    except BaseException as exc:  # noqa: BLE001
        queue.put({"error": repr(exc)})


@pytest.mark.skipif(sys.platform == "win32", reason="fork start method")
def test_multiprocessing_fork_workers_use_the_client(trueconf_server, trueconf_client, alice_chat):
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    workers = [context.Process(target=_mp_worker, args=(trueconf_client, alice_chat, queue)) for _ in range(3)]
    for worker in workers:
        worker.start()
    reports = [queue.get(timeout=20) for _ in workers]
    for worker in workers:
        worker.join(10)
        assert worker.exitcode == 0
    assert all(r.get("sent") for r in reports), reports
    assert len({r["connection_id"] for r in reports}) == 3
    assert trueconf_client.send_message(alice_chat, "parent still fine", timeout=5).chat_id == alice_chat
    assert trueconf_client.reconnects == 0
