"""Fake server: several connections of one bot (PROTOCOL §1.6) and killing one of them mid-stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import websocket

from trueconf_sync.testing import FakeTrueConfServer
from trueconf_sync.testing.config import ServerConfig

RawClient = Any  # tests/testing/conftest.py: a bare JSON-protocol WebSocket client


def _texts(client: RawClient, count: int) -> list[str]:
    return [client.event("sendMessage")["payload"]["content"]["text"] for _ in range(count)]


def test_every_connection_of_a_bot_gets_every_event_with_its_own_ids(
        fake: FakeTrueConfServer, connect: Callable[..., RawClient]) -> None:
    first, second = connect(), connect()
    alice = fake.user("alice")
    chat_id = alice.p2p_chat_with("echo_bot")
    alice.send_message(chat_id, "one")
    alice.send_message(chat_id, "two")
    assert _texts(first, 2) == ["one", "two"]
    assert _texts(second, 2) == ["one", "two"]
    rows = fake.connections("echo_bot")
    assert [row["events_sent"] for row in rows] == [3, 3]  # createP2PChat and the two messages
    assert len({row["connection_id"] for row in rows}) == 2


def test_session_delivery_oldest_sends_to_one_connection(
        fake: FakeTrueConfServer, connect: Callable[..., RawClient]) -> None:
    fake.config.session_delivery = "oldest"
    first, second = connect(), connect()
    alice = fake.user("alice")
    chat_id = alice.p2p_chat_with("echo_bot")
    alice.send_message(chat_id, "only the oldest")
    assert _texts(first, 1) == ["only the oldest"]
    second.no_event()
    first.close()
    fake.wait_for(lambda s: len(s.connections("echo_bot")) == 1)
    alice.send_message(chat_id, "now the other")
    assert _texts(second, 1) == ["now the other"]


def test_session_delivery_is_checked() -> None:
    with pytest.raises(ValueError, match="session_delivery must be 'all' or 'oldest'"):
        ServerConfig(session_delivery="random")


def test_kill_connection_now_leaves_the_other_sessions(
        fake: FakeTrueConfServer, connect: Callable[..., RawClient]) -> None:
    first, second = connect(), connect()
    killed = fake.kill_connection("echo_bot", index=0)
    assert killed != fake.connections("echo_bot")[-1]["connection_id"]
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        first.event(timeout=2)
    fake.wait_for(lambda s: len(s.connections("echo_bot")) == 1)
    alice = fake.user("alice")
    alice.send_message(alice.p2p_chat_with("echo_bot"), "still here")
    assert _texts(second, 1) == ["still here"]


def test_kill_connection_after_events_dies_mid_stream(
        fake: FakeTrueConfServer, connect: Callable[..., RawClient]) -> None:
    doomed, survivor = connect(auto_ack=False), connect(auto_ack=False)
    alice = fake.user("alice")
    chat_id = alice.p2p_chat_with("echo_bot")
    alice.send_message(chat_id, "hello")  # (the bot's connections get createP2PChat with it)
    assert _texts(doomed, 1) == ["hello"]
    fake.kill_connection("echo_bot", index=0, after_events=3)
    for i in range(6):
        alice.send_message(chat_id, f"m{i}")
    received: list[Any] = []
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
        while True:
            received.append(doomed.event("sendMessage", timeout=3)["payload"]["content"]["text"])
    assert received == ["m0", "m1", "m2"]  # written before the kill, nothing after it
    assert _texts(survivor, 7) == ["hello"] + [f"m{i}" for i in range(6)]
    # nobody acked: the messages stay unread, and a new session of the bot gets them replayed
    replay = connect(receiveUnread=True)
    assert _texts(replay, 7) == ["hello"] + [f"m{i}" for i in range(6)]


def test_kill_connection_errors(fake: FakeTrueConfServer, connect: Callable[..., RawClient]) -> None:
    connect()
    with pytest.raises(LookupError, match="no open authorised connection"):
        fake.kill_connection("echo_bot", index=1)
    with pytest.raises(LookupError):
        fake.kill_connection(connection_id="nope")
    with pytest.raises(ValueError, match="after_events must be an int >= 0"):
        fake.kill_connection(after_events=-1)
