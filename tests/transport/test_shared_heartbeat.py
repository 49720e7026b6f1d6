"""One heartbeat thread serves every connection of the process (issue 15: many clients in one
process), and sharing it costs no connection its liveness checks or its deadlines."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from trueconf_sync import BlockingCallError, Client, RequestTimeoutError, signals

from .scripted_server import Peer, ScriptedServer


def _quiet(peer: Peer) -> None:
    """Answer nothing (not even pings); the server records what the client sends until it closes."""


def _threads(suffix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("trueconf") and t.name.endswith(suffix)
            and t.is_alive()]


def _wait(predicate: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


@pytest.fixture
def servers():
    made: list[ScriptedServer] = []
    clients: list[Client] = []

    def client(**options: Any) -> Client:
        server = ScriptedServer(_quiet, drain=30).start()
        made.append(server)
        kwargs: dict[str, Any] = {"https": False, "port": server.port, "token": "t", "auto_reconnect": False}
        kwargs.update(options)
        c = Client("127.0.0.1", **kwargs)
        clients.append(c)
        return c

    yield client
    for c in clients:
        c.close(timeout=2)
    for server in made:
        server.stop()


def test_many_connections_share_one_heartbeat_thread_which_ends_with_the_last(servers):
    assert _wait(lambda: not _threads("-heartbeat")), "a heartbeat thread of an earlier test is still running"
    clients = [servers() for _ in range(6)]
    for c in clients:
        c.connect()
    assert len(_threads("-reader")) >= 6
    assert [t.name for t in _threads("-heartbeat")] == ["trueconf-heartbeat"]
    for c in clients[:-1]:
        c.close()
    assert len(_threads("-heartbeat")) == 1  # the last connection still needs it
    clients[-1].close()
    assert not _threads("-heartbeat")  # close() waits for it when it was the last


def test_deadlines_hold_on_every_connection(servers):
    clients = [servers() for _ in range(3)]
    futures = [c.call_future("neverAnswered", {}, timeout=0.3 + 0.1 * i) for i, c in enumerate(clients)]
    for future in futures:
        with pytest.raises(RequestTimeoutError):
            future.result(timeout=5)


def test_a_slow_state_receiver_of_one_dead_connection_does_not_stall_the_others(servers):
    # Client a's server never answers pings: the heartbeat ends a's connection, which runs a's
    # state receivers (user code). One that blocks must not keep b's deadline from being met.
    a = servers(ping_interval=0.2, pong_timeout=0.3)
    b = servers()
    release = threading.Event()
    in_receiver = threading.Event()

    @signals.connection_state_changed.connect_via(a)
    def slow(sender: Any, state: Any, **kwargs: Any) -> None:
        if state == "disconnected":  # the lost connection (no auto-reconnect)
            in_receiver.set()
            release.wait(20)

    try:
        a.connect()
        b.connect()
        assert in_receiver.wait(10), "client a's dead connection was not noticed"
        future = b.call_future("neverAnswered", {}, timeout=0.3)
        with pytest.raises(RequestTimeoutError):
            future.result(timeout=5)  # met while a's receiver still blocks
        assert not release.is_set()
    finally:
        release.set()
        signals.connection_state_changed.disconnect(slow, sender=a)


def test_a_blocking_call_in_a_timeout_callback_is_refused_not_stalling_every_heartbeat(servers):
    c = servers()
    outcome: list[BaseException] = []
    done = threading.Event()

    def on_done(future: Any) -> None:
        try:
            c.call("anotherCall", {}, timeout=5)
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            outcome.append(exc)
        done.set()

    future = c.call_future("neverAnswered", {}, timeout=0.2)
    future.add_done_callback(on_done)
    assert done.wait(5)
    assert isinstance(outcome[0], BlockingCallError), outcome
    assert "heartbeat thread" in str(outcome[0])
