"""Closing, run_forever, connection loss and reconnect."""

from __future__ import annotations

import threading
import time
from concurrent.futures import wait

import pytest

from trueconf_sync import AuthError, Client, ClientClosedError, ConnectionLostError, signals


def own_threads(before, live):
    return sorted(t.name for t in live() - before)


# ---- close -------------------------------------------------------------------------------------


def test_close_stops_every_thread(trueconf_server, trueconf_client_factory, trueconf_threads, alice):
    before = trueconf_threads()
    client = trueconf_client_factory(workers=3)
    handled = threading.Event()
    client.on_message(lambda m: handled.set())
    chat = client.create_p2p_chat(alice.user_id)
    alice.send_message(chat, "something to handle")
    assert handled.wait(5)
    names = own_threads(before, trueconf_threads)
    # the reader, the shared heartbeat, and a thread of the shared handler pool (started on demand)
    assert any(n.endswith("-reader") for n in names) and "trueconf-heartbeat" in names, names
    assert any(n.startswith("trueconf-worker-") for n in names), names
    started = time.monotonic()
    client.close()
    assert time.monotonic() - started < 3
    assert client.state == "closed"
    assert not client.connected
    assert own_threads(before, trueconf_threads) == []
    trueconf_server.wait_for(lambda s: s.stats["connections"] == 0, timeout=3)


def test_close_is_idempotent(trueconf_client, trueconf_threads):
    trueconf_client.close()
    trueconf_client.close()
    assert trueconf_client.state == "closed"
    with pytest.raises(ClientClosedError):
        trueconf_client.get_chats()
    with pytest.raises(ClientClosedError):
        trueconf_client.send_message.future("chat", "x")  # or a failed future; never a hang
    # never-connected clients close too
    Client("127.0.0.1", token="t").close()


def test_with_block_connects_and_closes(trueconf_server, trueconf_threads, alice):
    before = trueconf_threads()
    token = trueconf_server.issue_token("echo_bot")
    with Client(trueconf_server.host, token=token, port=trueconf_server.port, https=False) as client:
        assert client.connected
        chat = client.create_p2p_chat(alice.user_id)
        client.send_message(chat, "alert from cron")
    assert client.state == "closed"
    assert own_threads(before, trueconf_threads) == []
    assert alice.wait_for_message(chat, timeout=2)["content"]["text"] == "alert from cron"
    trueconf_server.wait_for(lambda s: s.stats["connections"] == 0, timeout=3)


def test_with_block_closes_on_exception(trueconf_server, trueconf_threads):
    before = trueconf_threads()
    token = trueconf_server.issue_token("echo_bot")
    with pytest.raises(KeyError):
        with Client(trueconf_server.host, token=token, port=trueconf_server.port, https=False) as client:
            raise KeyError("user code failed")
    assert client.state == "closed"
    assert own_threads(before, trueconf_threads) == []


def test_close_fails_pending_calls(trueconf_server, trueconf_client):
    trueconf_server.withhold_responses("getChats")
    future = trueconf_client.get_chats.future(timeout=10)
    trueconf_server.wait_for(lambda s: s.stats["withheld"] == 1, timeout=2)
    blocked = {}

    def blocking_call():
        try:
            trueconf_client.get_chats(timeout=10)
        except BaseException as exc:  # noqa: BLE001
            blocked["error"] = exc

    thread = threading.Thread(target=blocking_call)
    thread.start()
    trueconf_server.wait_for(lambda s: s.stats["withheld"] == 2, timeout=2)
    started = time.monotonic()
    trueconf_client.close()
    assert isinstance(future.exception(timeout=1), ClientClosedError)
    thread.join(2)
    assert not thread.is_alive()
    assert isinstance(blocked["error"], ClientClosedError)
    assert time.monotonic() - started < 2


def test_close_from_inside_a_handler(trueconf_server, trueconf_client_factory, trueconf_threads, alice):
    before = trueconf_threads()
    client = trueconf_client_factory()
    chat = client.create_p2p_chat(alice.user_id)
    returned = threading.Event()
    errors = []

    @client.on_message
    def quit_on_bye(message):
        if message.text == "bye":
            try:
                client.close()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            returned.set()

    alice.send_message(chat, "bye")
    assert returned.wait(5), "close() from a handler deadlocked"
    assert errors == []
    assert client.state == "closed"
    with pytest.raises(ClientClosedError):
        client.get_chats()
    # the worker that ran the handler ends once the handler returned
    deadline = time.monotonic() + 3
    while own_threads(before, trueconf_threads) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert own_threads(before, trueconf_threads) == []
    trueconf_server.wait_for(lambda s: s.stats["connections"] == 0, timeout=3)


def test_connect_again_after_close(trueconf_server, trueconf_client, alice, alice_chat):
    trueconf_client.close()
    assert trueconf_client.connect() is trueconf_client
    assert trueconf_client.connected and trueconf_client.state == "connected"
    got = []
    trueconf_client.on_message(got.append)
    alice.send_message(alice_chat, "welcome back")
    deadline = time.monotonic() + 3
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [m.text for m in got] == ["welcome back"]
    assert trueconf_server.stats["total_connections"] == 2


# ---- run_forever -------------------------------------------------------------------------------


def test_run_forever_returns_after_close_from_another_thread(trueconf_client_factory, alice):
    client = trueconf_client_factory(connect=False)
    outcome = {}

    def run():
        try:
            client.run_forever()  # connects by itself
            outcome["returned"] = True
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 3
    while not client.connected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.connected
    time.sleep(0.2)
    assert thread.is_alive()  # it blocks while connected
    started = time.monotonic()
    client.close()
    thread.join(3)
    assert not thread.is_alive(), "run_forever did not return after close()"
    assert time.monotonic() - started < 2
    assert outcome == {"returned": True}


def test_run_forever_returns_when_a_handler_closes(trueconf_client_factory, alice):
    client = trueconf_client_factory()
    chat = client.create_p2p_chat(alice.user_id)
    client.on_message(lambda m: client.close())
    timer = threading.Timer(0.2, alice.send_message, args=(chat, "stop"))
    timer.start()
    started = time.monotonic()
    client.run_forever()
    assert time.monotonic() - started < 3
    timer.join()
    deadline = time.monotonic() + 3  # close() may still be finishing on the handler's thread
    while client.state != "closed" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.state == "closed"


def test_run_forever_raises_when_the_connection_is_lost_for_good(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(auto_reconnect=False)
    threading.Timer(0.2, trueconf_server.drop_connections).start()
    with pytest.raises(ConnectionLostError):
        client.run_forever()


# ---- connection loss -----------------------------------------------------------------------------


def test_drop_fails_all_50_pending_calls_at_once(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory(auto_reconnect=False, timeout=30)
    chat = client.create_p2p_chat(alice.user_id)
    trueconf_server.withhold_responses()
    futures = [client.send_message.future(chat, f"pending {i}") for i in range(25)]
    futures += [client.get_chats.future() for _ in range(25)]
    trueconf_server.wait_for(lambda s: s.stats["withheld"] == 50, timeout=3)
    assert not any(f.done() for f in futures)
    started = time.monotonic()
    assert trueconf_server.drop_connections() == 1
    _done, not_done = wait(futures, timeout=1.0)
    assert not not_done, f"{len(not_done)} calls still pending 1 s after the drop"
    assert time.monotonic() - started < 1.0
    for future in futures:
        error = future.exception()
        assert isinstance(error, ConnectionLostError)
        assert not isinstance(error, ClientClosedError)
    trueconf_server.release_responses()
    assert client.state == "disconnected"
    assert not client.connected
    with pytest.raises(ConnectionLostError):
        client.get_chats()
    assert trueconf_server.stats["total_connections"] == 1  # no reconnect attempt


def test_drop_fails_a_blocked_call_at_once(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(auto_reconnect=False)
    trueconf_server.withhold_responses("getChats")
    threading.Timer(0.2, trueconf_server.drop_connections).start()
    started = time.monotonic()
    with pytest.raises(ConnectionLostError):
        client.get_chats(timeout=20)
    assert time.monotonic() - started < 1.5


def test_connect_after_a_drop_without_auto_reconnect(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory(auto_reconnect=False)
    chat = client.create_p2p_chat(alice.user_id)
    trueconf_server.drop_connections()
    deadline = time.monotonic() + 3
    while client.connected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.connect() is client
    assert client.send_message(chat, "manual reconnect").chat_id == chat
    assert trueconf_server.stats["total_connections"] == 2


def test_run_forever_after_manual_reconnect_blocks(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(auto_reconnect=False)
    trueconf_server.drop_connections()
    deadline = time.monotonic() + 3
    while client.connected and time.monotonic() < deadline:
        time.sleep(0.01)
    client.connect()
    outcome = {}

    def run():
        try:
            client.run_forever()
            outcome["returned"] = True
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(0.8)
    still_running = thread.is_alive()
    client.close()
    thread.join(3)
    assert still_running, f"run_forever ended while connected: {outcome}"
    assert outcome == {"returned": True}


def test_auto_reconnect_after_a_drop(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory()  # auto_reconnect=True is the default
    chat = client.create_p2p_chat(alice.user_id)
    states = []
    signals.connection_state_changed.connect(
        lambda sender, state, reason, **kw: states.append(state), sender=client, weak=False
    )
    got = []
    client.on_message(got.append)
    trueconf_server.withhold_responses("getChats")
    pending = [client.get_chats.future(timeout=30) for _ in range(5)]
    trueconf_server.wait_for(lambda s: s.stats["withheld"] == 5, timeout=3)
    trueconf_server.drop_connections()
    _done, not_done = wait(pending, timeout=1.0)
    assert not not_done
    assert all(isinstance(f.exception(), ConnectionLostError) for f in pending)
    trueconf_server.release_responses()
    trueconf_server.wait_for(lambda s: s.stats["total_connections"] == 2 and s.stats["authorized"] == 1, timeout=5)
    deadline = time.monotonic() + 3
    while client.state != "connected" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.state == "connected"
    assert "reconnecting" in states and states[-1] == "connected"
    assert client.send_message(chat, "back online").chat_id == chat
    assert client.get_chats()[0].chat_id == chat
    alice.send_message(chat, "did you miss me")  # handlers keep working on the new connection
    deadline = time.monotonic() + 3
    while not got and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [m.text for m in got] == ["did you miss me"]


def test_call_during_reconnect_waits_for_the_new_connection(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory()
    trueconf_server.withhold_responses("auth")  # keep the reconnect half-way: its auth is not answered
    trueconf_server.drop_connections()
    trueconf_server.wait_for(lambda s: s.stats["withheld"] == 1, timeout=3)
    assert not client.connected
    outcome = {}

    def call():
        try:
            outcome["result"] = client.get_chats(timeout=5)
        except BaseException as exc:  # noqa: BLE001
            outcome["error"] = exc

    thread = threading.Thread(target=call)
    thread.start()
    time.sleep(0.2)
    assert thread.is_alive() and outcome == {}  # it waits for the new connection...
    trueconf_server.release_responses()
    thread.join(5)
    assert outcome == {"result": []}  # ...and is sent on it
    assert trueconf_server.stats["total_connections"] == 2
    assert trueconf_server.stats["requests"]["getChats"] == 1


def test_reconnect_refreshes_an_expired_token_from_credentials(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(username="echo_bot", password="password")
    trueconf_server.expire_tokens()
    trueconf_server.drop_connections()
    trueconf_server.wait_for(lambda s: s.stats["authorized"] == 1, timeout=5)
    assert client.get_chats(timeout=5) == []
    assert trueconf_server.stats["requests"]["auth"] >= 2


def test_expired_token_mid_session_is_refreshed_for_credentials(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(username="echo_bot", password="password")
    trueconf_server.expire_tokens()
    try:
        client.get_chats(timeout=5)  # may fail once with 203, but must trigger the refresh
    except AuthError as exc:
        assert exc.code == 203
    deadline = time.monotonic() + 5
    while True:
        try:
            assert client.get_chats(timeout=2) == []
            break
        except AuthError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def test_reconnect_stops_on_a_terminal_auth_error(trueconf_server, trueconf_client_factory, trueconf_threads):
    client = trueconf_client_factory()
    trueconf_server.disable_user("echo_bot")
    trueconf_server.drop_connections()
    with pytest.raises(AuthError) as info:
        client.run_forever()  # returns the terminal error instead of retrying forever
    assert info.value.code == 202
    assert client.state == "disconnected"
    with pytest.raises(AuthError):
        client.get_chats()
    total = trueconf_server.stats["total_connections"]
    time.sleep(0.6)
    assert trueconf_server.stats["total_connections"] == total  # no more attempts
