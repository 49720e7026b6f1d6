"""Malformed and unexpected frames from the server never kill the reader, and events are never dropped."""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest

from trueconf_sync import Message, RawEvent

BAD_FRAMES = [
    "not json at all",
    "{\"type\": 1, \"id\": ",  # truncated JSON
    "",
    "[1, 2, 3]",
    "42",
    "null",
    "\"a string\"",
    '{"no": "type"}',
    '{"type": 7, "id": 1}',
    '{"type": "1", "id": 1, "method": "sendMessage"}',
    '{"type": 2, "id": 987654}',  # answer to a request nobody made
    '{"type": 2, "id": "abc", "payload": {}}',
    '{"type": 2}',
    '{"type": 1, "id": 5001}',  # request without method
    '{"type": 1, "id": 5002, "method": null, "payload": {}}',
    '{"type": 1, "id": 5003, "method": 12, "payload": {}}',
    '{"type": 1, "method": "sendMessage", "payload": {}}',  # no id
    '{"type": 1, "id": "x", "method": "sendMessage", "payload": {}}',
    "[" * 100_000,  # deeply nested: RecursionError territory
]


class Collector:
    def __init__(self):
        self.items = []
        self.cond = threading.Condition()

    def __call__(self, event):
        with self.cond:
            self.items.append(event)
            self.cond.notify_all()

    def wait_for(self, predicate, timeout=5.0):
        with self.cond:
            ok = self.cond.wait_for(lambda: predicate(self.items), timeout)
        assert ok, f"not seen within {timeout} s; got {self.items!r}"


def _sync(client):
    """A round trip: frames pushed before it have been read by the reader when it returns."""
    return client.get_chats(timeout=5)


@pytest.mark.parametrize("frame", BAD_FRAMES, ids=range(len(BAD_FRAMES)))
def test_bad_frame_does_not_kill_the_reader(trueconf_server, trueconf_client, alice, alice_chat, frame):
    got = Collector()
    trueconf_client.on_message(got)
    assert trueconf_server.push_raw(frame, login="echo_bot") == 1
    assert _sync(trueconf_client)[0].chat_id == alice_chat  # the next call still works
    alice.send_message(alice_chat, "still listening?")  # and a proper message still reaches the handler
    got.wait_for(lambda items: any(isinstance(m, Message) and m.text == "still listening?" for m in items))
    assert trueconf_client.connected
    assert trueconf_server.stats["total_connections"] == 1  # no reconnect was needed


def test_all_bad_frames_in_a_row(trueconf_server, trueconf_client, alice, alice_chat, caplog):
    got = Collector()
    trueconf_client.on_message(got)
    with caplog.at_level(logging.DEBUG, logger="trueconf_sync"):
        for frame in BAD_FRAMES:
            trueconf_server.push_raw(frame, login="echo_bot")
        assert _sync(trueconf_client)[0].chat_id == alice_chat
        alice.send_message(alice_chat, "after the storm")
        got.wait_for(lambda items: any(getattr(m, "text", None) == "after the storm" for m in items))
    assert trueconf_server.stats["total_connections"] == 1
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]  # bad frames are warnings, not crashes


GARBLED_SEND_MESSAGES = [
    {},
    {"marker": "g1", "chatId": 123, "author": "bob", "content": 5, "timestamp": "yesterday", "type": "abc"},
    {"marker": "g2", "author": {"id": 12345, "type": 1}, "content": {"text": 5}, "type": 200},
    {"marker": "g3", "author": None, "box": "x", "chat": [], "messageId": {"a": 1}},
    {"marker": "g4", "type": 999, "content": {"whatever": [1, 2]}, "author": {"id": ["a"]}},
    {"marker": "g5", "type": 201, "content": {"nested": {"deep": True}}},
    {"marker": "g6", "timestamp": 1e400, "isEdited": "maybe", "replyMessage": 7},
]


@pytest.mark.parametrize("payload", GARBLED_SEND_MESSAGES, ids=range(len(GARBLED_SEND_MESSAGES)))
def test_garbled_send_message_is_delivered(trueconf_server, trueconf_client, alice, alice_chat, payload):
    everything = Collector()
    trueconf_client.on("event", everything)
    frame = {"type": 1, "id": 4242, "method": "sendMessage", "payload": payload}
    trueconf_server.push_raw(json.dumps(frame), login="echo_bot")
    everything.wait_for(lambda items: len(items) >= 1)
    [event] = everything.items
    assert isinstance(event, (Message, RawEvent))
    if isinstance(event, RawEvent):
        assert event.method == "sendMessage" and event.payload == payload
    else:
        assert event.raw == payload  # nothing the server sent is lost
    assert _sync(trueconf_client)[0].chat_id == alice_chat
    alice.send_message(alice_chat, "a proper one")
    everything.wait_for(lambda items: any(getattr(m, "text", None) == "a proper one" for m in items))


def test_send_message_with_non_object_payload_is_delivered(trueconf_server, trueconf_client, alice_chat):
    everything = Collector()
    trueconf_client.on("event", everything)
    for n, payload in enumerate(["hello", None, [1, 2], 17]):
        frame = {"type": 1, "id": 7000 + n, "method": "sendMessage", "payload": payload}
        trueconf_server.push_raw(json.dumps(frame), login="echo_bot")
    everything.wait_for(lambda items: len(items) >= 4)
    assert all(isinstance(e, (Message, RawEvent)) for e in everything.items)
    assert _sync(trueconf_client)[0].chat_id == alice_chat


def test_request_frame_without_method_is_delivered_raw(trueconf_server, trueconf_client, alice_chat):
    everything = Collector()
    trueconf_client.on("event", everything)
    trueconf_server.push_raw('{"type": 1, "id": 5001, "payload": {"x": 1}}', login="echo_bot")
    everything.wait_for(lambda items: len(items) >= 1)
    [event] = everything.items
    assert isinstance(event, RawEvent) and event.payload == {"x": 1}


def test_garbled_known_events_are_delivered(trueconf_server, trueconf_client, alice_chat):
    everything = Collector()
    trueconf_client.on("event", everything)
    methods = ["editMessage", "removeMessage", "createP2PChat", "removeChat", "addChatParticipant", "command"]
    for n, method in enumerate(methods):
        frame = {"type": 1, "id": 8000 + n, "method": method, "payload": {"chatId": [1], "content": "zz"}}
        trueconf_server.push_raw(json.dumps(frame), login="echo_bot")
    everything.wait_for(lambda items: len(items) >= len(methods))
    assert len(everything.items) == len(methods)
    assert _sync(trueconf_client)[0].chat_id == alice_chat


def test_unexpected_response_frames_are_ignored(trueconf_server, trueconf_client, alice_chat):
    # answers to ids that are not pending (already answered, never sent, error payloads): all ignored
    for frame in ('{"type": 2, "id": 1, "payload": {"errorCode": 300}}',
                  '{"type": 2, "id": 99999, "payload": {"chatId": "x"}}',
                  '{"type": 2, "id": -1, "payload": []}'):
        trueconf_server.push_raw(frame, login="echo_bot")
    for _ in range(3):
        assert _sync(trueconf_client)[0].chat_id == alice_chat


def test_server_request_burst_does_not_block_calls(trueconf_server, trueconf_client, alice, alice_chat):
    slow_done = threading.Event()
    count = [0]

    @trueconf_client.on_message
    def slow(message):
        count[0] += 1
        if count[0] == 50:
            slow_done.set()
        time.sleep(0.005)

    for i in range(50):
        trueconf_server.push_event(
            "sendMessage",
            {"chatId": alice_chat, "messageId": f"burst-{i}", "timestamp": 1,
             "author": {"id": alice.user_id, "type": 1}, "type": 200,
             "content": {"text": f"b{i}", "parseMode": "text"}},
            login="echo_bot",
        )
    started = time.monotonic()
    assert _sync(trueconf_client)[0].chat_id == alice_chat  # answered while handlers still run
    assert time.monotonic() - started < 1.0
    assert slow_done.wait(5)
