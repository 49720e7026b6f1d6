"""The non-blocking forms, the raw escape hatch, concurrency, timeouts and the reader-thread guard."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait

import pytest

from trueconf_sync import (
    ApiError,
    BlockingCallError,
    Chat,
    ProtocolError,
    RequestTimeoutError,
    SentMessage,
    TrueConfError,
)

# ---- .future(...) -------------------------------------------------------------------------------


def test_future_resolves_to_the_typed_result(trueconf_server, trueconf_client, alice, alice_chat):
    future = trueconf_client.send_message.future(alice_chat, "via future", parse_mode="markdown")
    assert isinstance(future, Future)
    sent = future.result(timeout=5)
    assert isinstance(sent, SentMessage)
    assert sent.chat_id == alice_chat
    seen = alice.wait_for_message(alice_chat, timeout=2)
    assert seen["messageId"] == sent.message_id
    assert seen["content"] == {"text": "via future", "parseMode": "markdown"}
    # the same typed result as the blocking form
    chats = trueconf_client.get_chats.future(count=5).result(timeout=5)
    assert chats == trueconf_client.get_chats(count=5)
    assert isinstance(chats[0], Chat)
    assert trueconf_client.get_message_by_id.future(sent.message_id).result(5).text == "via future"


def test_future_of_an_api_error(trueconf_client):
    future = trueconf_client.get_chat_by_id.future("no-such-chat")
    error = future.exception(timeout=5)
    assert isinstance(error, ApiError)
    assert error.code == 304 and error.name == "CHAT_NOT_FOUND"
    with pytest.raises(ApiError):
        future.result()
    future = trueconf_client.get_message_by_id.future("no-such-message")
    assert future.exception(timeout=5).code == 306


def test_many_futures_pipeline_on_one_connection(trueconf_server, trueconf_client, alice_chat):
    futures = [trueconf_client.send_message.future(alice_chat, f"n{i}") for i in range(100)]
    _done, not_done = wait(futures, timeout=10)
    assert not not_done
    ids = [f.result().message_id for f in futures]
    assert len(set(ids)) == 100
    stored = {m["messageId"]: m["content"]["text"] for m in trueconf_server.chat_messages(alice_chat)}
    assert [stored[i] for i in ids] == [f"n{i}" for i in range(100)]
    assert trueconf_server.stats["total_connections"] == 1


# ---- raw call ------------------------------------------------------------------------------------


def test_raw_call_returns_the_raw_payload(trueconf_client, alice, alice_chat):
    alice.send_message(alice_chat, "raw!")
    chats = trueconf_client.call("getChats", {"count": 10, "page": 1})
    assert isinstance(chats, list) and len(chats) == 1
    assert isinstance(chats[0], dict)
    assert chats[0]["chatId"] == alice_chat
    assert chats[0]["lastMessage"]["content"]["text"] == "raw!"
    chat = trueconf_client.call("getChatByID", {"chatId": alice_chat})
    assert isinstance(chat, dict) and chat["chatId"] == alice_chat and chat["chatType"] == 1
    sent = trueconf_client.call(
        "sendMessage", {"chatId": alice_chat, "content": {"text": "raw send", "parseMode": "text"}}
    )
    assert set(sent) >= {"chatId", "messageId", "timestamp"}
    assert alice.wait_for_message(alice_chat, timeout=2)["content"]["text"] == "raw send"


def test_raw_call_future(trueconf_client, alice_chat):
    future = trueconf_client.call_future("getChatByID", {"chatId": alice_chat})
    assert isinstance(future, Future)
    assert future.result(timeout=5)["chatId"] == alice_chat
    assert trueconf_client.call_future("getChats", timeout=5).result(5)[0]["chatId"] == alice_chat  # no payload


def test_raw_call_errors(trueconf_client):
    with pytest.raises(ApiError) as info:
        trueconf_client.call("getChatByID", {"chatId": "no-such-chat"})
    assert info.value.code == 304
    assert info.value.payload == {"errorCode": 304}
    with pytest.raises(ApiError) as info:
        trueconf_client.call("someMethodNobodyKnows", {})
    assert info.value.code == 307
    assert info.value.name == "UNKNOWN_MESSAGE"
    future = trueconf_client.call_future("sendMessage", {"chatId": 5})
    error = future.exception(timeout=5)
    assert isinstance(error, ApiError) and error.code == 399


# ---- concurrency -----------------------------------------------------------------------------------


def test_200_concurrent_sends_from_8_threads(trueconf_server, trueconf_client, alice, bob):
    chats = [trueconf_client.create_p2p_chat(alice.user_id), trueconf_client.create_p2p_chat(bob.user_id)]
    start = threading.Barrier(8)

    def worker(n):
        start.wait(5)
        results = []
        for i in range(25):
            chat = chats[(n + i) % 2]
            text = f"t{n}-{i}"
            if i % 2:
                result = trueconf_client.send_message(chat, text)
            else:
                result = trueconf_client.send_message.future(chat, text).result(10)
            results.append((chat, text, result))
        return results

    with ThreadPoolExecutor(8) as pool:
        results = [r for f in [pool.submit(worker, n) for n in range(8)] for r in f.result(30)]
    assert len(results) == 200
    assert all(isinstance(result, SentMessage) for _, _, result in results)
    assert all(result.chat_id == chat for chat, _, result in results)
    ids = [result.message_id for _, _, result in results]
    assert len(set(ids)) == 200
    stored = {}
    for chat in chats:
        for message in trueconf_server.chat_messages(chat):
            stored[message["messageId"]] = (chat, message["content"]["text"])
    assert len(stored) == 200
    for chat, text, result in results:
        assert stored[result.message_id] == (chat, text)
    assert trueconf_server.stats["requests"]["sendMessage"] == 200


# ---- timeouts ------------------------------------------------------------------------------------


def test_blocking_call_times_out(trueconf_server, trueconf_client, alice_chat):
    trueconf_server.withhold_responses("getChats")
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError) as info:
        trueconf_client.get_chats(timeout=0.5)
    elapsed = time.monotonic() - started
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, TrueConfError)
    assert 0.45 <= elapsed < 1.0
    # other methods are still answered meanwhile, and the connection stays up
    assert trueconf_client.send_message(alice_chat, "still alive").chat_id == alice_chat
    trueconf_server.release_responses()  # the late answer is for a forgotten id: ignored
    assert trueconf_client.get_chats(timeout=5)[0].chat_id == alice_chat
    assert trueconf_server.stats["total_connections"] == 1


def test_client_default_timeout_applies(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(timeout=0.4)
    trueconf_server.withhold_responses("getChatByID")
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError):
        client.get_chat_by_id("whatever")
    assert 0.35 <= time.monotonic() - started < 1.0


def test_future_times_out_without_anyone_waiting(trueconf_server, trueconf_client):
    trueconf_server.withhold_responses("getChats")
    started = time.monotonic()
    future = trueconf_client.get_chats.future(timeout=0.5)
    finished = threading.Event()
    future.add_done_callback(lambda f: finished.set())
    assert not future.done()
    # nobody calls result(): the library itself must fail the future at its deadline
    deadline = started + 3
    while not future.done() and time.monotonic() < deadline:
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    assert future.done(), "the future never failed"
    assert 0.45 <= elapsed < 1.2
    error = future.exception(timeout=0)
    assert isinstance(error, RequestTimeoutError) and isinstance(error, TimeoutError)
    assert finished.wait(1)
    trueconf_server.release_responses()
    assert trueconf_client.get_chats(timeout=5) == []


def test_raw_call_timeout(trueconf_server, trueconf_client):
    trueconf_server.withhold_responses("getChats")
    with pytest.raises(RequestTimeoutError):
        trueconf_client.call("getChats", {"count": 1, "page": 1}, timeout=0.3)
    future = trueconf_client.call_future("getChats", {"count": 1, "page": 1}, timeout=0.3)
    assert isinstance(future.exception(timeout=3), RequestTimeoutError)


def test_slow_answer_within_timeout_is_fine(trueconf_server, trueconf_client):
    trueconf_server.delay_responses(0.3, "getChats")
    started = time.monotonic()
    assert trueconf_client.get_chats(timeout=2) == []
    assert time.monotonic() - started >= 0.25


# ---- the reader thread ---------------------------------------------------------------------------


def test_blocking_call_from_a_future_callback_raises(trueconf_server, trueconf_client, alice_chat):
    trueconf_server.withhold_responses("getChats")
    outcome = {}
    done = threading.Event()

    def callback(_future):
        outcome["thread"] = threading.current_thread().name
        try:
            trueconf_client.get_chats(timeout=2)
            outcome["result"] = "returned"
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc
        try:  # the non-blocking form is fine there
            outcome["future"] = trueconf_client.get_chat_by_id.future(alice_chat)
        except BaseException as exc:  # noqa: BLE001
            outcome["future_error"] = exc
        done.set()

    future = trueconf_client.get_chats.future()
    future.add_done_callback(callback)
    trueconf_server.release_responses()  # the callback now runs on the reader thread
    assert done.wait(3), "the callback deadlocked"
    assert future.result(0)[0].chat_id == alice_chat
    assert "reader" in outcome["thread"]
    assert isinstance(outcome.get("error"), BlockingCallError), outcome
    assert isinstance(outcome["error"], RuntimeError)
    assert "future" in str(outcome["error"])  # it tells what to do instead
    assert "future_error" not in outcome, outcome
    assert outcome["future"].result(5).chat_id == alice_chat
    # the reader survived
    assert trueconf_client.get_chats(timeout=5)[0].chat_id == alice_chat


def test_blocking_raw_call_from_a_future_callback_raises(trueconf_server, trueconf_client):
    trueconf_server.withhold_responses("getChats")
    errors = []
    done = threading.Event()

    def callback(_future):
        try:
            trueconf_client.call("getChats")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        done.set()

    trueconf_client.call_future("getChats").add_done_callback(callback)
    trueconf_server.release_responses()
    assert done.wait(3)
    assert len(errors) == 1 and isinstance(errors[0], BlockingCallError)


def _answer_pending_with(server, method, payload_json):
    """Withhold ``method``'s answer, then answer every plausible request id with ``payload_json``."""
    server.wait_for(lambda s: s.stats["withheld"] == 1, timeout=2)
    for request_id in range(1, 20):  # ids unused by a pending request are ignored by the client
        server.push_raw(f'{{"type": 2, "id": {request_id}, "payload": {payload_json}}}')


def test_garbage_response_resolves_the_pending_call(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory()
    chat = client.create_p2p_chat(alice.user_id)
    trueconf_server.withhold_responses("sendMessage")
    future = client.send_message.future(chat, "hello", timeout=5)
    _answer_pending_with(trueconf_server, "sendMessage", '"garbage"')
    wait([future], timeout=2)
    assert future.done(), "a garbage answer left the call hanging"
    trueconf_server.release_responses()
    assert client.get_chats()[0].chat_id == chat  # the reader survived


@pytest.mark.parametrize("method", ["sendMessage", "getChats"])
def test_unreadable_response_is_protocol_error(trueconf_server, trueconf_client_factory, alice, method):
    client = trueconf_client_factory()
    chat = client.create_p2p_chat(alice.user_id)
    trueconf_server.withhold_responses(method)
    if method == "sendMessage":
        future = client.send_message.future(chat, "hello", timeout=5)
    else:
        future = client.get_chats.future(timeout=5)
    _answer_pending_with(trueconf_server, method, '"garbage"')
    error = future.exception(timeout=2)
    trueconf_server.release_responses()
    assert isinstance(error, ProtocolError), f"resolved to {future.result() if error is None else error!r}"
