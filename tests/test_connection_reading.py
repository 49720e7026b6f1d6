"""Who reads the socket: only the connection's reader thread. Blocking calls, futures and bulk
requests wait for it; events and answers are never held back by a caller waiting."""

from __future__ import annotations

import threading
import time

from trueconf_sync import Message
from trueconf_sync.transport.jsoncodec import dumps


def test_only_the_reader_thread_reads_answers(trueconf_client, alice_chat):
    conn = trueconf_client._conn
    parse = lambda payload: threading.current_thread().name  # noqa: E731 - runs where the answer is read
    blocking = [conn.call("getChats", {"count": 5, "page": 1}, parse, 5) for _ in range(30)]
    futures = [conn.request("getChats", {"count": 5, "page": 1}, parse, 5).result(5) for _ in range(5)]
    bulk: list[str] = []
    done = threading.Event()

    def notify(index, result, error):
        bulk.append(result)
        if len(bulk) == 5:
            done.set()

    conn.request_encoded("getChats", [dumps({"count": 5, "page": 1})] * 5, parse, 5, notify)
    assert done.wait(5)
    names = set(blocking) | set(futures) | set(bulk)
    assert len(names) == 1 and names.pop().endswith("-reader")
    assert trueconf_client.send_message(alice_chat, "still fine").chat_id == alice_chat


def test_an_event_arriving_while_a_caller_reads_reaches_its_handler_at_once(
        trueconf_server, trueconf_client, alice, alice_chat):
    got = threading.Event()
    trueconf_client.on_message(lambda message: got.set() if message.text == "during the call" else None)
    trueconf_server.withhold_responses("getChats")
    box = {}
    caller = threading.Thread(target=lambda: box.setdefault("chats", trueconf_client.get_chats(timeout=10)))
    caller.start()
    trueconf_server.wait_for(lambda s: s.stats["requests"].get("getChats", 0) >= 1)
    alice.send_message(alice_chat, "during the call")
    assert got.wait(5)  # handled while the call still waits for its answer
    assert caller.is_alive()
    trueconf_server.release_responses()
    caller.join(5)
    assert box["chats"][0].chat_id == alice_chat


def test_a_future_answered_while_a_caller_reads_completes(trueconf_server, trueconf_client, alice_chat):
    trueconf_server.withhold_responses("getChats")
    box = {}
    caller = threading.Thread(target=lambda: box.setdefault("chats", trueconf_client.get_chats(timeout=10)))
    caller.start()
    trueconf_server.wait_for(lambda s: s.stats["requests"].get("getChats", 0) >= 1)
    future = trueconf_client.send_message.future(alice_chat, "meanwhile")
    assert future.result(5).chat_id == alice_chat
    assert caller.is_alive()
    trueconf_server.release_responses()
    caller.join(5)
    assert box["chats"][0].chat_id == alice_chat


def test_events_between_sequential_calls_are_not_held_back(trueconf_server, trueconf_client, alice, alice_chat):
    seen: list[Message] = []
    done = threading.Event()

    def handler(message: Message) -> None:
        seen.append(message)
        if len(seen) == 20:
            done.set()

    trueconf_client.on_message(handler)
    for i in range(20):
        alice.send_message(alice_chat, f"event {i}")
        trueconf_client.send_message(alice_chat, f"call {i}")
    assert done.wait(5)
    assert [m.text for m in seen] == [f"event {i}" for i in range(20)]


def test_closing_ends_a_call_that_is_reading_at_once(trueconf_server, trueconf_client, alice_chat):
    from trueconf_sync import ClientClosedError

    trueconf_server.withhold_responses("getChats")
    box = {}

    def call() -> None:
        started = time.monotonic()
        try:
            trueconf_client.get_chats(timeout=30)
        except ClientClosedError as exc:
            box["error"], box["seconds"] = exc, time.monotonic() - started

    caller = threading.Thread(target=call)
    caller.start()
    trueconf_server.wait_for(lambda s: s.stats["requests"].get("getChats", 0) >= 1)
    trueconf_client.close()
    caller.join(5)
    assert not caller.is_alive()
    assert isinstance(box["error"], ClientClosedError) and box["seconds"] < 5


def test_a_dropped_link_ends_a_call_that_is_reading_at_once(trueconf_server, trueconf_client_factory, alice):
    from trueconf_sync import ConnectionLostError

    client = trueconf_client_factory(auto_reconnect=False)
    client.create_p2p_chat(alice.user_id)
    trueconf_server.withhold_responses("getChats")
    box = {}
    caller = threading.Thread(target=lambda: box.setdefault("error", _error_of(lambda: client.get_chats(timeout=30))))
    caller.start()
    trueconf_server.wait_for(lambda s: s.stats["requests"].get("getChats", 0) >= 1)
    trueconf_server.drop_connections()
    caller.join(5)
    assert not caller.is_alive()
    assert isinstance(box["error"], ConnectionLostError)


def _error_of(fn):
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        return exc
    return None


def test_a_link_dropped_between_calls_is_noticed_by_the_reader(
        trueconf_server, trueconf_client_factory, alice, wait_until):
    client = trueconf_client_factory(reconnect_max_delay=0.2)
    chat = client.create_p2p_chat(alice.user_id)
    client.send_message(chat, "before the drop")
    trueconf_server.drop_connections()
    # No call is made: the reader thread sees the end of the stream by itself and the client
    # reconnects; the next call goes out on the new connection.
    wait_until(lambda: client.reconnects == 1 and client.state == "connected")
    assert client.send_message(chat, "after the drop").chat_id == chat
    assert client.reconnects == 1 and trueconf_server.stats["total_connections"] == 2
