"""Connection states, health, keepalive and half-open detection, backpressure, bounded tables, close draining."""

from __future__ import annotations

import threading
import time

import pytest

from trueconf_sync import ConnectionLostError, RequestTimeoutError, signals


def _record_states(client):
    states = []
    signals.connection_state_changed.connect(
        lambda sender, state, reason, **kw: states.append((state, reason)), sender=client, weak=False
    )
    return states


def test_states_signal_and_health(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(connect=False)
    states = _record_states(client)
    assert client.state == "disconnected" and not client.wait_connected(0.05)
    client.connect()
    assert client.wait_connected(1)
    health = client.health()
    assert health.state == "connected" and health.connected
    assert health.pending_calls == 0 and health.queued_events == 0 and health.reconnects == 0
    assert 0 <= health.seconds_since_last_frame < 5
    client.close()
    assert [s for s, _ in states] == ["connecting", "connected", "closed"]
    assert client.health().state == "closed" and not client.health().connected


def test_reconnected_signal_after_a_drop(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory()
    states = _record_states(client)
    got = []
    signals.reconnected.connect(lambda sender, **kw: got.append(kw), sender=client, weak=False)
    trueconf_server.drop_connections()
    trueconf_server.wait_for(lambda s: s.stats["authorized"] == 1 and s.stats["total_connections"] == 2, timeout=5)
    assert client.wait_connected(5)
    deadline = time.monotonic() + 2
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(got) == 1 and got[0]["attempts"] >= 1 and got[0]["downtime"] >= 0
    assert client.reconnects == 1 and client.health().reconnects == 1
    reasons = [r for s, r in states if s == "reconnecting"]
    assert reasons and isinstance(reasons[0], ConnectionLostError)


@pytest.mark.parametrize("fault", ["freeze", "ignore_pings"])
def test_half_open_connection_is_noticed_within_ping_interval_plus_pong_timeout(
    trueconf_server, trueconf_client_factory, fault
):
    trueconf_server.config.ping_interval = 1000  # the server's own pings would count as signs of life
    client = trueconf_client_factory(ping_interval=0.5, pong_timeout=0.5)
    states = _record_states(client)
    time.sleep(0.7)  # one ping answered: the link is alive
    assert client.state == "connected"
    started = time.monotonic()
    if fault == "freeze":
        trueconf_server.freeze_connections()
    else:
        trueconf_server.ignore_pings()
    deadline = started + 3
    while not any(s == "reconnecting" for s, _ in states) and time.monotonic() < deadline:
        time.sleep(0.005)
    noticed = time.monotonic() - started
    reasons = [r for s, r in states if s == "reconnecting"]
    assert reasons, "a silent peer was never noticed"
    assert noticed <= 0.5 + 0.5 + 0.6  # ping_interval + pong_timeout (+ heartbeat tick and slack)
    assert "pong" in str(reasons[0])
    trueconf_server.ignore_pings(False)
    assert client.wait_connected(5)  # and it reconnected on its own
    assert client.get_chats(timeout=2) == []


def test_pending_calls_in_flight_fail_at_once_on_half_open(trueconf_server, trueconf_client_factory):
    trueconf_server.config.ping_interval = 1000
    client = trueconf_client_factory(ping_interval=0.3, pong_timeout=0.3, auto_reconnect=False)
    trueconf_server.freeze_connections()
    started = time.monotonic()
    with pytest.raises(ConnectionLostError):
        client.get_chats(timeout=10)
    assert time.monotonic() - started < 2


@pytest.mark.slow
def test_backpressure_keeps_queue_bounded_and_connection_alive(trueconf_server, trueconf_client_factory, alice):
    # The server drops a client that does not answer its pings within 1.5 s; the handlers need
    # ~3 s for the flood. The reader must pause (not buffer everything), keep the link alive with
    # unsolicited pongs, and not take its own unread pongs for a dead server either.
    trueconf_server.config.ping_interval = 0.2
    trueconf_server.config.pong_timeout = 1.5
    limit = 20
    client = trueconf_client_factory(max_queued_events=limit, ping_interval=0.2, pong_timeout=0.4)
    chat = client.create_p2p_chat(alice.user_id)
    seen = []

    @client.on_message
    def slow(message):
        time.sleep(0.005)
        seen.append(message.text)

    peak = 0
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, client.health().queued_events)
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    total = 600
    payload = {"chatId": chat, "messageId": "", "timestamp": 1, "type": 200, "author": {"id": alice.user_id, "type": 1},
               "content": {"text": "", "parseMode": "text"}, "isEdited": False, "box": {"id": 1, "position": ""}}
    for i in range(total):
        trueconf_server.push_event("sendMessage", {**payload, "messageId": f"m-{i}", "content": {"text": str(i)}})
    deadline = time.monotonic() + 20
    while len(seen) < total and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    sampler.join()
    assert len(seen) == total, f"only {len(seen)} of {total} events handled"
    assert seen == [str(i) for i in range(total)]  # in order, none lost or doubled
    assert peak <= limit + 1
    assert trueconf_server.stats["total_connections"] == 1, "the connection did not survive the pause"
    assert client.state == "connected"


def test_pending_call_table_is_bounded(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(max_pending_calls=5)
    trueconf_server.withhold_responses("getChats")
    futures = [client.get_chats.future(timeout=5) for _ in range(5)]
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError, match="max_pending_calls"):
        client.get_chats(timeout=0.3)
    assert 0.25 <= time.monotonic() - started < 2
    assert client.health().pending_calls == 5
    trueconf_server.release_responses()
    assert [f.result(timeout=2) for f in futures] == [[]] * 5
    assert client.get_chats(timeout=2) == []  # room again


def test_close_drains_queued_handlers_on_the_open_connection(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory(ack="after_handling")
    chat = client.create_p2p_chat(alice.user_id)
    replies = []

    @client.on_message
    def reply(message):
        time.sleep(0.05)
        replies.append(client.send_message(chat, "re: " + message.text).message_id)

    for i in range(5):
        alice.send_message(chat, f"q{i}")
    trueconf_server.wait_for(lambda s: s.stats["events_sent"] >= 5, timeout=3)
    time.sleep(0.05)
    client.close(timeout=5)
    assert len(replies) == 5  # the handlers finished and their replies went out
    assert trueconf_server.wait_for(lambda s: s.stats["acks"] >= 5, timeout=2)


def test_close_reports_unhandled_events_which_come_back(trueconf_server, trueconf_client_factory, alice, caplog):
    client = trueconf_client_factory(ack="after_handling")
    chat = client.create_p2p_chat(alice.user_id)
    release = threading.Event()
    handled = []

    @client.on_message
    def blocked(message):
        release.wait(5)
        handled.append(message.text)

    for i in range(4):
        alice.send_message(chat, f"m{i}")
    trueconf_server.wait_for(lambda s: s.stats["events_sent"] >= 4, timeout=3)
    time.sleep(0.1)
    with caplog.at_level("WARNING", logger="trueconf_sync"):
        threading.Timer(0.3, release.set).start()
        client.close(timeout=0.2)
    assert any("not handled" in r.getMessage() and "not acknowledged" in r.getMessage() for r in caplog.records)
    again = []
    client2 = trueconf_client_factory(ack="after_handling", connect=False)
    client2.on_message(lambda m: again.append(m.text))
    client2.connect()
    deadline = time.monotonic() + 3
    # m0 may come back too: its handler finished after close() had given up waiting, so its
    # after-handling ack never left (at least once); m1-m3 were never handled and must come back
    while not set(again) >= {"m1", "m2", "m3"} and time.monotonic() < deadline:
        time.sleep(0.02)
    assert set(again) >= {"m1", "m2", "m3"}  # unacknowledged, so the server delivered them again


def test_stalled_writes_end_in_bounded_time(trueconf_server, trueconf_client_factory, alice):
    # The server stops reading: the socket's buffers fill and a write blocks. The heartbeat must
    # notice the write made no progress, drop the link (which frees the writer), and every call
    # must end; nothing may wait on the send lock forever.
    trueconf_server.config.ping_interval = 1000
    client = trueconf_client_factory(ping_interval=0.5, pong_timeout=0.5, auto_reconnect=False)
    chat = client.create_p2p_chat(alice.user_id)
    trueconf_server.freeze_connections()
    started = time.monotonic()
    futures = []
    with pytest.raises(ConnectionLostError):
        while time.monotonic() - started < 10:
            futures.append(client.send_message.future(chat, "x" * 4000, timeout=30))
    assert time.monotonic() - started < 5
    for future in futures:
        assert isinstance(future.exception(timeout=1), ConnectionLostError)
    with pytest.raises(ConnectionLostError):
        client.get_chats(timeout=1)
