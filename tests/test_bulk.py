"""client.send_messages: pipelined bulk sending with a bounded number of calls in flight."""

from __future__ import annotations

import threading

import pytest

from trueconf_sync import (
    ApiError,
    ClientClosedError,
    ConnectionLostError,
    RequestTimeoutError,
    SentMessage,
)
from trueconf_sync.core.bulk import SendResult


def _texts(server, chat_id):
    return [m["content"]["text"] for m in server.chat_messages(chat_id)]


def _bulk_in_thread(client, items, **kwargs):
    """Run send_messages on a thread; returns (thread, box) where box["results"] is set at the end."""
    box: dict[str, list[SendResult]] = {}
    worker = threading.Thread(target=lambda: box.setdefault("results", client.send_messages(items, **kwargs)))
    worker.start()
    return worker, box


def test_sends_every_message_in_order_with_typed_results(trueconf_server, trueconf_client, alice_chat):
    results = trueconf_client.send_messages([(alice_chat, f"bulk {i}") for i in range(300)], max_in_flight=32)
    assert [r.index for r in results] == list(range(300))
    assert all(r.ok and r.error is None for r in results)
    assert all(isinstance(r.message, SentMessage) and r.message.chat_id == alice_chat for r in results)
    assert len({r.message.message_id for r in results}) == 300
    assert _texts(trueconf_server, alice_chat) == [f"bulk {i}" for i in range(300)]
    assert trueconf_server.stats["total_connections"] == 1


def test_mappings_parse_mode_and_several_chats(trueconf_server, trueconf_client, alice, bob, alice_chat):
    bob_chat = trueconf_client.create_p2p_chat(bob.user_id)
    first = trueconf_client.send_message(alice_chat, "first")
    results = trueconf_client.send_messages([
        (alice_chat, "**bold**"),
        {"chat_id": bob_chat, "text": "<b>html</b>", "parse_mode": "html"},
        {"chat_id": alice_chat, "text": "a reply", "reply_message_id": first.message_id},
    ], parse_mode="markdown")
    assert [r.chat_id for r in results] == [alice_chat, bob_chat, alice_chat]
    assert all(r.ok for r in results)
    stored = {m["messageId"]: m for m in trueconf_server.chat_messages(alice_chat)}
    assert stored[results[0].message.message_id]["content"]["parseMode"] == "markdown"
    assert stored[results[2].message.message_id]["replyMessageId"] == first.message_id
    assert stored[results[2].message.message_id]["content"]["parseMode"] == "markdown"
    bob_stored = trueconf_server.chat_messages(bob_chat)
    assert bob_stored[-1]["content"] == {"text": "<b>html</b>", "parseMode": "html"}


def test_empty_input_sends_nothing(trueconf_server, trueconf_client):
    before = trueconf_server.stats["requests"].get("sendMessage", 0)
    assert trueconf_client.send_messages([]) == []
    assert trueconf_server.stats["requests"].get("sendMessage", 0) == before


@pytest.mark.parametrize(("items", "kwargs", "error", "words"), [
    ([("C", "ok"), ("C", "   ")], {}, ValueError, ("messages[1]", "text")),
    ([("C", "ok"), ("", "x")], {}, ValueError, ("messages[1]", "chat_id")),
    ([("C", "x" * 4097)], {}, ValueError, ("messages[0]", "4096")),
    ([("C", "ok"), "just text"], {}, TypeError, ("messages[1]", "(chat_id, text)")),
    ([("C", "a", "b")], {}, TypeError, ("messages[0]",)),
    ([{"chat_id": "C", "text": "x", "colour": "red"}], {}, TypeError, ("messages[0]", "colour")),
    ([{"text": "x"}], {}, TypeError, ("messages[0]", "chat_id")),
    ([("C", "x")], {"parse_mode": "rtf"}, ValueError, ("messages[0]", "parse_mode")),
    ([("C", "x")], {"max_in_flight": 0}, ValueError, ("max_in_flight", "10000")),
    ([("C", "x")], {"max_in_flight": True}, ValueError, ("max_in_flight",)),
    ([("C", "x")], {"timeout": -1}, ValueError, ("timeout",)),
])
def test_bad_input_raises_before_anything_is_sent(trueconf_server, trueconf_client, alice_chat,
                                                  items, kwargs, error, words):
    items = [{**i, "chat_id": alice_chat} if isinstance(i, dict) and "chat_id" in i
             else (alice_chat, *i[1:]) if isinstance(i, tuple) and i[0] == "C" else i for i in items]
    before = trueconf_server.stats["requests"].get("sendMessage", 0)
    with pytest.raises(error) as info:
        trueconf_client.send_messages(items, **kwargs)
    for word in words:
        assert word in str(info.value)
    assert trueconf_server.stats["requests"].get("sendMessage", 0) == before


def test_a_refused_message_gets_its_error_and_the_others_go_through(trueconf_server, trueconf_client, alice_chat):
    results = trueconf_client.send_messages([(alice_chat, "one"), ("no-such-chat", "two"), (alice_chat, "three")])
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, ApiError) and results[1].error.code == 304
    assert results[1].message is None and results[1].chat_id == "no-such-chat"
    assert _texts(trueconf_server, alice_chat) == ["one", "three"]


def test_never_more_than_max_in_flight_waiting(trueconf_server, trueconf_client, alice_chat, wait_until):
    trueconf_server.withhold_responses("sendMessage")
    worker, box = _bulk_in_thread(trueconf_client, [(alice_chat, f"w{i}") for i in range(10)], max_in_flight=3)
    wait_until(lambda: trueconf_server.stats["requests"].get("sendMessage", 0) == 3)
    worker.join(0.3)
    assert worker.is_alive()  # blocked: three calls are waiting for their answers
    assert trueconf_server.stats["requests"].get("sendMessage", 0) == 3
    assert trueconf_client.health().pending_calls == 3
    trueconf_server.release_responses()
    worker.join(10)
    assert not worker.is_alive()
    assert all(r.ok for r in box["results"]) and len(box["results"]) == 10
    assert _texts(trueconf_server, alice_chat) == [f"w{i}" for i in range(10)]


def test_calls_without_answer_end_with_a_timeout(trueconf_server, trueconf_client, alice_chat):
    trueconf_server.withhold_responses("sendMessage")
    results = trueconf_client.send_messages([(alice_chat, f"t{i}") for i in range(4)], max_in_flight=2, timeout=0.4)
    assert len(results) == 4
    assert all(isinstance(r.error, RequestTimeoutError) for r in results)
    assert trueconf_client.health().pending_calls == 0


def test_a_dropped_connection_fails_the_calls_in_flight_and_the_rest_go_after_reconnect(
        trueconf_server, trueconf_client_factory, alice, wait_until):
    client = trueconf_client_factory(reconnect_max_delay=0.2)
    chat = client.create_p2p_chat(alice.user_id)
    trueconf_server.withhold_responses("sendMessage")
    worker, box = _bulk_in_thread(client, [(chat, f"d{i}") for i in range(8)], max_in_flight=4, timeout=10)
    wait_until(lambda: trueconf_server.stats["requests"].get("sendMessage", 0) == 4)
    trueconf_server.drop_connections()  # the four in flight lose their answers
    wait_until(lambda: trueconf_server.stats["requests"].get("sendMessage", 0) == 8)  # the rest, reconnected
    assert trueconf_server.stats["total_connections"] == 2
    trueconf_server.release_responses()
    worker.join(15)
    results = box["results"]
    assert [r.index for r in results] == list(range(8))  # every message has an outcome
    assert all(isinstance(r.error, ConnectionLostError) for r in results[:4])
    assert all(r.ok for r in results[4:])
    assert _texts(trueconf_server, chat)[-4:] == ["d4", "d5", "d6", "d7"]


def test_closed_client_reports_the_error_for_every_message(trueconf_server, trueconf_client, alice_chat):
    trueconf_client.close()
    results = trueconf_client.send_messages([(alice_chat, "a"), (alice_chat, "b")])
    assert [type(r.error) for r in results] == [ClientClosedError, ClientClosedError]
    assert not any(r.ok for r in results)


def test_the_clients_max_pending_calls_bounds_the_window_too(trueconf_server, trueconf_client_factory, alice,
                                                             wait_until):
    client = trueconf_client_factory(max_pending_calls=2)
    chat = client.create_p2p_chat(alice.user_id)
    trueconf_server.withhold_responses("sendMessage")
    worker, box = _bulk_in_thread(client, [(chat, f"p{i}") for i in range(6)], max_in_flight=5)
    wait_until(lambda: trueconf_server.stats["requests"].get("sendMessage", 0) == 2)
    worker.join(0.3)
    assert trueconf_server.stats["requests"].get("sendMessage", 0) == 2
    trueconf_server.release_responses()
    worker.join(10)
    assert all(r.ok for r in box["results"]) and len(box["results"]) == 6
    assert _texts(trueconf_server, chat) == [f"p{i}" for i in range(6)]
