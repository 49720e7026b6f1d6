"""The one state machine of the client: close() from every kind of callback, whatever state it
interrupts, completes, leaves no threads, and lets run_forever return; the transition table."""

from __future__ import annotations

import threading
import time

import pytest

from trueconf_sync import ClientClosedError, signals
from trueconf_sync.core.lifecycle import PUBLIC, TRANSITIONS, Lifecycle, State


def _wait(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class Closer:
    """Calls ``client.close()`` once, from wherever it is invoked, and records what happened."""

    def __init__(self, client):
        self.client = client
        self.errors = []
        self.thread = None
        self.done = threading.Event()

    def __call__(self, *args, **kwargs):
        if self.thread is not None:
            return
        self.thread = threading.current_thread().name
        try:
            self.client.close()
        except BaseException as exc:  # noqa: BLE001 - the test asserts there is none
            self.errors.append(exc)
        self.done.set()


def _run_forever_in_thread(client):
    outcome = {}

    def run():
        try:
            client.run_forever()
            outcome["returned"] = True
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    # let run_forever pass its "connect if needed" step first: a close() before that step would
    # rightly be followed by a new connect
    time.sleep(0.3)
    return thread, outcome


def _on_state(client, wanted, callback):
    def receiver(sender, state, reason, **kw):
        if state == wanted:
            callback()

    signals.connection_state_changed.connect(receiver, sender=client, weak=False)


def _assert_closed_cleanly(client, closer, trueconf_server, trueconf_threads, before, runner=None):
    assert closer.done.wait(5), "close() did not complete"
    assert closer.errors == []
    assert client.state == "closed"
    if runner is not None:
        thread, outcome = runner
        thread.join(5)  # generous bound: the bug made run_forever wait 10 s
        assert not thread.is_alive(), "run_forever did not return after close()"
        assert outcome == {"returned": True}
    with pytest.raises(ClientClosedError):
        client.get_chats(timeout=1)
    assert _wait(lambda: trueconf_threads() <= before, 3), sorted(t.name for t in trueconf_threads() - before)
    trueconf_server.wait_for(lambda s: s.stats["connections"] == 0, timeout=3)


@pytest.mark.parametrize("state", ["reconnecting", "connected"])
def test_close_from_a_state_receiver_during_reconnect(trueconf_server, trueconf_client_factory, trueconf_threads,
                                                       state):
    before = trueconf_threads()
    client = trueconf_client_factory(reconnect_max_delay=0.2)
    closer = Closer(client)
    _on_state(client, state, closer)
    runner = _run_forever_in_thread(client)
    trueconf_server.drop_connections()
    _assert_closed_cleanly(client, closer, trueconf_server, trueconf_threads, before, runner)


def test_close_from_a_state_receiver_while_connecting(trueconf_server, trueconf_client_factory, trueconf_threads):
    before = trueconf_threads()
    client = trueconf_client_factory(connect=False)
    closer = Closer(client)
    _on_state(client, "connecting", closer)
    with pytest.raises(ClientClosedError):
        client.connect()
    _assert_closed_cleanly(client, closer, trueconf_server, trueconf_threads, before)


def test_close_from_a_connected_receiver_during_connect(trueconf_server, trueconf_client_factory, trueconf_threads):
    before = trueconf_threads()
    client = trueconf_client_factory(connect=False)
    closer = Closer(client)
    _on_state(client, "connected", closer)
    client.connect()  # returns: the client was connected, then closed by the receiver
    _assert_closed_cleanly(client, closer, trueconf_server, trueconf_threads, before)
    assert trueconf_server.stats["total_connections"] == 1  # and not connected again


def test_close_from_a_reconnected_receiver(trueconf_server, trueconf_client_factory, trueconf_threads):
    before = trueconf_threads()
    client = trueconf_client_factory(reconnect_max_delay=0.2)
    closer = Closer(client)
    signals.reconnected.connect(closer, sender=client, weak=False)
    runner = _run_forever_in_thread(client)
    trueconf_server.drop_connections()
    _assert_closed_cleanly(client, closer, trueconf_server, trueconf_threads, before, runner)
    assert closer.thread.endswith("-reconnect")


def test_close_from_a_future_callback(trueconf_server, trueconf_client_factory, trueconf_threads):
    before = trueconf_threads()
    client = trueconf_client_factory()
    closer = Closer(client)
    runner = _run_forever_in_thread(client)
    client.get_chats.future().add_done_callback(closer)
    _assert_closed_cleanly(client, closer, trueconf_server, trueconf_threads, before, runner)


def test_close_from_a_handler_while_run_forever_waits(trueconf_server, trueconf_client_factory, trueconf_threads,
                                                      alice):
    before = trueconf_threads()
    client = trueconf_client_factory()
    chat = client.create_p2p_chat(alice.user_id)
    closer = Closer(client)
    client.on_message(closer)
    runner = _run_forever_in_thread(client)
    alice.send_message(chat, "bye")
    _assert_closed_cleanly(client, closer, trueconf_server, trueconf_threads, before, runner)


def test_close_during_a_token_renewal(trueconf_server, trueconf_client_factory, trueconf_threads):
    before = trueconf_threads()
    client = trueconf_client_factory(username="echo_bot", password="password")
    closer = Closer(client)
    _on_state(client, "reconnecting", closer)
    trueconf_server.fail_requests(203, "getChats")
    with pytest.raises(ClientClosedError):
        client.get_chats(timeout=5)  # refused with 203, renewal starts, close() ends it
    _assert_closed_cleanly(client, closer, trueconf_server, trueconf_threads, before)


def test_concurrent_closes_are_idempotent(trueconf_server, trueconf_client_factory, trueconf_threads):
    before = trueconf_threads()
    client = trueconf_client_factory()
    runner = _run_forever_in_thread(client)
    closers = [threading.Thread(target=client.close) for _ in range(4)]
    for thread in closers:
        thread.start()
    for thread in closers:
        thread.join(5)
    client.close()
    closer = Closer(client)
    closer.done.set()
    _assert_closed_cleanly(client, closer, trueconf_server, trueconf_threads, before, runner)
    assert client.connect().get_chats() == []  # and it opens again
    client.close()
    assert client.state == "closed"


def test_closed_client_connects_again_after_close_from_a_receiver(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(reconnect_max_delay=0.2)
    closer = Closer(client)
    _on_state(client, "reconnecting", closer)
    trueconf_server.drop_connections()
    assert closer.done.wait(5) and closer.errors == []
    assert client.connect().state == "connected"
    assert client.get_chats(timeout=2) == []


# ---- the transition table ----------------------------------------------------------------------------


def test_every_state_has_transitions_and_a_public_name():
    assert set(TRANSITIONS) == set(State) == set(PUBLIC)
    assert {p for p in PUBLIC.values() if p} == {"disconnected", "connecting", "connected", "reconnecting", "closed"}
    # close() is possible from everywhere but the closing states, and closing only ends in CLOSED
    assert all(State.CLOSING in allowed for state, allowed in TRANSITIONS.items()
               if state not in (State.CLOSING, State.CLOSED))
    assert TRANSITIONS[State.CLOSING] == {State.CLOSED}


def test_a_transition_not_in_the_table_does_not_happen():
    heard = []
    life = Lifecycle("test", lambda state, reason: heard.append(state))
    assert life.transition(State.CONNECTING)
    assert life.transition(State.CONNECTED)
    assert life.transition(State.CLOSING)
    assert not life.transition(State.CONNECTED)  # a reconnect finishing after close() started
    assert life.state is State.CLOSING
    assert life.transition(State.CLOSED)
    assert heard == ["connecting", "connected", "closed"]  # closing keeps the last public state
