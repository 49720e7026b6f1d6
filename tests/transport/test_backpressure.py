"""Backpressure on a full event queue may slow the reading of events, never the delivery of answers
to waiting callers, and never deadlocks a handler that calls the client."""

from __future__ import annotations

import threading
import time

from trueconf_sync import TrueConfError


def _message(chat, alice, i):
    return {"chatId": chat, "messageId": f"bp-{i}", "timestamp": 1, "type": 200,
            "author": {"id": alice.user_id, "type": 1}, "content": {"text": f"t{i}", "parseMode": "text"},
            "isEdited": False, "box": {"id": i, "position": ""}}


def test_an_echo_bot_with_a_tiny_event_queue_gets_every_answer(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory(max_queued_events=5, timeout=3)
    chat = client.create_p2p_chat(alice.user_id)
    replies: list[str] = []
    errors: list[BaseException] = []
    total = 40
    done = threading.Event()

    @client.on_message
    def echo(message):
        try:
            replies.append(client.send_message(chat, "re " + message.text).chat_id)
        except TrueConfError as exc:
            errors.append(exc)
        if len(replies) + len(errors) == total:
            done.set()

    for i in range(total):
        trueconf_server.push_event("sendMessage", _message(chat, alice, i))
    assert done.wait(30), f"{len(replies)} replies, {len(errors)} errors"
    assert not errors, errors[:3]
    assert len(replies) == total


def test_a_handler_calling_the_client_while_the_queue_is_full_does_not_deadlock(
        trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory(max_queued_events=1, timeout=3)
    chat = client.create_p2p_chat(alice.user_id)
    results: list[object] = []
    total = 15

    @client.on_message
    def handler(message):
        # several calls per event, futures and blocking ones
        future = client.get_chats.future()
        results.append(len(client.get_chats()) + len(future.result(3)))

    for i in range(total):
        trueconf_server.push_event("sendMessage", _message(chat, alice, i))
    deadline = time.monotonic() + 30
    while len(results) < total and time.monotonic() < deadline:
        time.sleep(0.01)
    assert results == [2] * total


def test_the_queue_stays_bounded_when_nobody_calls(trueconf_server, trueconf_client_factory, alice):
    limit = 8
    client = trueconf_client_factory(max_queued_events=limit)
    chat = client.create_p2p_chat(alice.user_id)
    seen: list[str] = []
    peak = 0

    @client.on_message
    def slow(message):
        nonlocal peak
        peak = max(peak, client.health().queued_events)
        time.sleep(0.002)
        seen.append(message.content.text)

    total = 300
    for i in range(total):
        trueconf_server.push_event("sendMessage", _message(chat, alice, i))
    deadline = time.monotonic() + 20
    while len(seen) < total and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen == [f"t{i}" for i in range(total)]
    assert peak <= limit + 1
    # the reader resumed reading once the handlers caught up: a call still gets its answer
    assert client.get_chats(timeout=5)[0].chat_id == chat
