"""Fault injection through the fake server: every call ends in time with a result or a typed error,
reconnects happen, nothing is lost in after-handling mode, terminal errors stop, no threads leak."""

from __future__ import annotations

import random
import threading
import time

import pytest

from trueconf_sync import (
    ApiError,
    AuthError,
    ConnectionLostError,
    RequestTimeoutError,
    TrueConfError,
    signals,
)


def _message(chat, alice, i):
    return {"chatId": chat, "messageId": f"dup-{i}", "timestamp": 1, "type": 200,
            "author": {"id": alice.user_id, "type": 1}, "content": {"text": f"t{i}", "parseMode": "text"},
            "isEdited": False, "box": {"id": i, "position": ""}}


def _wait(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _drop_and_notice(server, client):
    """Drop the connection and wait until the client noticed (so later calls do not race it)."""
    server.drop_connections()
    assert _wait(lambda: client.state != "connected" or client.reconnects, 3)


def _reconnected_events(client):
    got = []
    signals.reconnected.connect(lambda sender, **kw: got.append(kw), sender=client, weak=False)
    return got


# ---- drops at chosen points ----------------------------------------------------------------------


def test_drop_before_the_auth_answer_is_retried(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(reconnect_max_delay=0.2)
    got = _reconnected_events(client)
    trueconf_server.drop_on("auth", count=2)  # the next two reconnects die before their auth answer
    trueconf_server.drop_connections()
    assert client.wait_connected(5)
    assert _wait(lambda: got, 2)
    assert trueconf_server.stats["dropped_on"] == {"auth": 2}
    assert got[0]["attempts"] == 3
    assert client.get_chats(timeout=2) == []


def test_first_connect_dropped_before_auth_answer_is_a_typed_error(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(connect=False)
    trueconf_server.drop_on("auth")
    started = time.monotonic()
    with pytest.raises(ConnectionLostError):
        client.connect()
    assert time.monotonic() - started < 2
    client.connect()  # the next attempt works
    assert client.connected


def test_drop_mid_call_fails_it_at_once_and_does_not_resend(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory()
    chat = client.create_p2p_chat(alice.user_id)
    trueconf_server.drop_on("sendMessage")
    started = time.monotonic()
    with pytest.raises(ConnectionLostError):
        client.send_message(chat, "maybe posted, maybe not", timeout=10)
    assert time.monotonic() - started < 2
    assert client.wait_connected(5)
    # sentinel: the server handles one connection's requests in order, so once "after" is answered a
    # resend of the first message would have been counted already
    assert client.send_message(chat, "after").chat_id == chat
    assert trueconf_server.stats["requests"]["sendMessage"] == 2  # the lost one was not silently sent again


def test_drop_mid_upload_is_a_typed_error(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory()
    chat = client.create_p2p_chat(alice.user_id)
    trueconf_server.drop_on("upload")
    with pytest.raises(TrueConfError):
        client.send_file(chat, b"x" * 300_000, file_name="big.bin", timeout=5)
    assert client.send_file(chat, b"y" * 1000, file_name="small.bin", timeout=5).chat_id == chat


def test_drops_between_events_lose_nothing_in_after_handling_mode(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory(ack="after_handling", reconnect_max_delay=0.1)
    chat = client.create_p2p_chat(alice.user_id)
    handled = []
    client.on_message(lambda m: (time.sleep(0.002), handled.append(m.text)))
    sent = []
    for i in range(120):
        alice.send_message(chat, f"e{i}")
        sent.append(f"e{i}")
        if i % 15 == 7:
            trueconf_server.drop_connections()
    assert _wait(lambda: set(handled) >= set(sent), 10), f"lost: {sorted(set(sent) - set(handled))}"
    assert _wait(lambda: trueconf_server.call(
        lambda: not trueconf_server.core.state.unread_messages(client.user_id)), 5)
    assert len(handled) == len(set(handled))  # redeliveries were deduplicated


# ---- slow, reordered, duplicated, failed answers ----------------------------------------------------


def test_delayed_answer_times_out_in_time_and_is_ignored_later(trueconf_server, trueconf_client):
    trueconf_server.delay_responses(0.5, "getChats")
    started = time.monotonic()
    with pytest.raises(RequestTimeoutError):
        trueconf_client.get_chats(timeout=0.2)
    assert 0.15 < time.monotonic() - started < 1.0  # its own timeout, not the 0.5 s answer (it raised)
    future = trueconf_client.get_chats.future(timeout=0.2)
    assert isinstance(future.exception(timeout=1), RequestTimeoutError)
    trueconf_server.delay_responses(0)
    time.sleep(0.5)  # the late answers arrive now and are dropped
    assert trueconf_client.get_chats(timeout=1) == []
    assert trueconf_client.health().pending_calls == 0


def test_out_of_order_answers_reach_the_right_callers(trueconf_server, trueconf_client, alice_chat):
    ids = {trueconf_client.send_message(alice_chat, f"text {i}").message_id: f"text {i}" for i in range(12)}
    trueconf_server.reorder_responses(5)
    futures = {trueconf_client.get_message_by_id.future(mid, timeout=5): text for mid, text in ids.items()}
    for future, text in futures.items():
        assert future.result(timeout=5).text == text


def test_duplicated_events_reach_handlers_once_and_are_all_acked(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory(ack="after_handling")
    chat = client.create_p2p_chat(alice.user_id)
    handled = []
    client.on_message(lambda m: handled.append(m.message_id))
    trueconf_server.duplicate_events()
    for i in range(10):
        trueconf_server.push_event("sendMessage", _message(chat, alice, i))
    assert _wait(lambda: trueconf_server.stats["acks"] >= 20, 5)  # both copies acknowledged
    assert sorted(handled) == sorted(f"dup-{i}" for i in range(10))
    assert trueconf_server.stats["duplicates_sent"] == 10


@pytest.mark.parametrize("code", [300, 301, 302, 304, 307, 399, 999])
def test_any_error_code_on_demand_is_a_typed_api_error(trueconf_server, trueconf_client, code):
    trueconf_server.fail_requests(code, "getChats")
    with pytest.raises(ApiError) as info:
        trueconf_client.get_chats(timeout=2)
    assert info.value.code == code and str(code) in str(info.value)
    assert trueconf_client.get_chats(timeout=2) == []


def test_203_on_a_call_renews_the_token_and_retries_once(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(username="echo_bot", password="password")
    trueconf_server.fail_requests(203, "getChats")
    assert client.get_chats(timeout=5) == []
    assert trueconf_server.stats["requests"]["getChats"] == 2
    assert client.reconnects == 1


def test_bare_token_expiry_is_a_clear_terminal_auth_error(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory()
    trueconf_server.expire_tokens()
    with pytest.raises(AuthError, match="expired") as info:
        client.get_chats(timeout=2)
    assert info.value.code == 203 and "new token" in str(info.value)
    trueconf_server.drop_connections()
    with pytest.raises(AuthError) as info:
        client.run_forever()
    assert info.value.code == 203


# ---- restarts, refusals, terminal errors -------------------------------------------------------------


def test_server_restart_on_the_same_port(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory(ack="after_handling", reconnect_max_delay=0.3)
    got = _reconnected_events(client)
    chat = client.create_p2p_chat(alice.user_id)
    handled = []
    client.on_message(lambda m: handled.append(m.text))
    port = trueconf_server.port
    trueconf_server.stop()
    alice.send_message(chat, "written while the server was down")  # stored, unread by the bot
    assert _wait(lambda: client.state == "reconnecting", 3)
    trueconf_server.start()
    assert trueconf_server.port == port
    assert client.wait_connected(5) and _wait(lambda: got, 2)
    assert _wait(lambda: handled == ["written while the server was down"], 3)
    assert client.get_chats(timeout=2)[0].chat_id == chat


def test_refused_connections_are_retried(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(reconnect_max_delay=0.1)
    trueconf_server.refuse_connections(4)
    _drop_and_notice(trueconf_server, client)
    assert client.wait_connected(5)
    assert trueconf_server.stats["refused_connections"] == 4


def test_transient_oauth_failures_are_retried(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(username="echo_bot", password="password", reconnect_max_delay=0.1)
    trueconf_server.expire_tokens()
    trueconf_server.fail_oauth(503, count=3)
    _drop_and_notice(trueconf_server, client)
    assert client.wait_connected(5)
    assert client.get_chats(timeout=2) == []
    assert trueconf_server.call(lambda: trueconf_server.core.oauth_failures) == []  # all three were met


def _break_account(server, how):
    if how == "201":
        server.call(lambda: server.core.state.tokens.clear())  # every token becomes unknown
    elif how == "202":
        server.disable_user("echo_bot")
    elif how == "204":
        server.fail_requests(204, "auth")
    else:  # invalid_grant: the password changed and the token expired
        server.call(lambda: setattr(server.core.state.require_user("echo_bot", 305), "password", "changed"))
        server.expire_tokens()


@pytest.mark.parametrize("how", ["201", "202", "204", "invalid_grant"])
def test_terminal_errors_stop_retrying_and_surface(trueconf_server, trueconf_client_factory, trueconf_threads, how):
    before = trueconf_threads()
    credentials = {"username": "echo_bot", "password": "password"} if how == "invalid_grant" else {}
    client = trueconf_client_factory(reconnect_max_delay=0.1, **credentials)
    trueconf_server.withhold_responses("auth")  # hold the reconnect so a caller is waiting for it
    _break_account(trueconf_server, how)
    _drop_and_notice(trueconf_server, client)
    waiting = {}

    def call():
        try:
            client.get_chats(timeout=5)
        except BaseException as exc:  # noqa: BLE001
            waiting["error"] = exc

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.1)
    trueconf_server.release_responses()
    with pytest.raises(AuthError) as info:
        client.run_forever()
    caller.join(5)
    assert isinstance(waiting.get("error"), AuthError)  # the waiting caller got it too
    if how == "invalid_grant":
        assert info.value.oauth_error == "invalid_grant"
    else:
        assert info.value.code == int(how)
    attempts = trueconf_server.stats["total_connections"]
    time.sleep(0.5)
    assert trueconf_server.stats["total_connections"] == attempts  # no more attempts
    client.close()
    assert trueconf_threads() - before == set()


# ---- chaos: every call ends in time --------------------------------------------------------------------


@pytest.mark.slow
def test_every_call_ends_within_its_timeout_under_random_faults(
    trueconf_server, trueconf_client_factory, trueconf_threads, alice
):
    before = trueconf_threads()
    client = trueconf_client_factory(reconnect_max_delay=0.2, ack="after_handling", workers=2)
    chat = client.create_p2p_chat(alice.user_id)
    handled = set()
    client.on_message(lambda m: handled.add(m.text))
    rng = random.Random(6)
    timeout = 0.5
    outcomes = []
    stop = threading.Event()

    def caller(n):
        local = random.Random(n)
        while not stop.is_set():
            started = time.monotonic()
            try:
                if local.random() < 0.5:
                    client.get_chats(timeout=timeout)
                else:
                    client.send_message.future(chat, "x", timeout=timeout).result(timeout=timeout + 1)
                kind = "ok"
            except TrueConfError as exc:
                kind = type(exc).__name__
            except BaseException as exc:  # noqa: BLE001 - anything else fails the test below
                kind = f"UNTYPED {type(exc).__name__}: {exc}"
            outcomes.append((kind, time.monotonic() - started))

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    pushed = []
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        fault = rng.choice(["drop", "delay", "withhold", "refuse", "reorder", "event", "event"])
        if fault == "drop":
            trueconf_server.drop_connections()
        elif fault == "delay":
            trueconf_server.delay_responses(rng.choice([0, 0.1, 0.8]))
        elif fault == "withhold":
            trueconf_server.withhold_responses()
            time.sleep(0.1)
            trueconf_server.release_responses()
        elif fault == "refuse":
            trueconf_server.refuse_connections(2)
        elif fault == "reorder":
            trueconf_server.reorder_responses(rng.choice([0, 3]))
        else:
            text = f"chaos {len(pushed)}"
            alice.send_message(chat, text)
            pushed.append(text)
        time.sleep(rng.uniform(0.02, 0.15))
    trueconf_server.delay_responses(0)
    trueconf_server.reorder_responses(0)
    trueconf_server.release_responses()
    stop.set()
    for thread in threads:
        thread.join(5)
    assert not any(thread.is_alive() for thread in threads), "a call hung"
    kinds = {kind for kind, _ in outcomes}
    assert not [k for k in kinds if k.startswith("UNTYPED")], kinds
    slowest = max(seconds for _, seconds in outcomes)
    assert slowest < timeout + 1.0, f"a call took {slowest:.2f} s with timeout {timeout} s"
    assert "ok" in kinds and len(outcomes) > 20
    assert client.wait_connected(5)
    assert _wait(lambda: handled >= set(pushed), 8), f"lost: {sorted(set(pushed) - handled)}"
    client.close()
    assert trueconf_threads() - before == set()


def test_file_progress_subscriptions_survive_a_reconnect(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory()
    got = _reconnected_events(client)
    chat = client.create_p2p_chat(alice.user_id)
    message_id = alice.send_file(chat, "big.bin", b"x" * 1000, uploading_seconds=30)
    file_id = client.get_message_by_id(message_id).attachment.file_id
    assert client.subscribe_file_progress(file_id)

    def followed():
        return trueconf_server.call(lambda: any(
            s.authorized for s in trueconf_server.core.progress_subscribers.get(file_id, ())))

    assert followed()
    _drop_and_notice(trueconf_server, client)
    assert client.wait_connected(5)
    assert _wait(followed, 3)  # the new connection subscribed again
    assert client.unsubscribe_file_progress(file_id)
    _drop_and_notice(trueconf_server, client)
    assert client.wait_connected(5) and _wait(lambda: len(got) == 2, 3)
    # sentinel: subscriptions are renewed before `reconnected` fires, and requests of one connection
    # are handled in order, so once this call is answered a renewal would have been registered
    client.get_chats(timeout=3)
    assert not followed()  # and an ended subscription is not renewed


def test_a_failed_handler_gets_the_message_again_after_a_reconnect(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory(ack="after_handling")
    chat = client.create_p2p_chat(alice.user_id)
    attempts = []

    @client.on_message
    def flaky(message):
        attempts.append((message.text, message.message_id))
        if len(attempts) == 1:
            raise RuntimeError("database briefly down")

    alice.send_message(chat, "important")
    alice.send_message(chat, "sentinel")
    # one chat is handled in order: when the sentinel's ack (sent after its handler returned) has
    # arrived, the failed message's handling is over, and an ack of it would have come first
    assert _wait(lambda: trueconf_server.stats["acks"] == 1, 3)
    assert [text for text, _ in attempts] == ["important", "sentinel"]  # the failure was not acknowledged
    _drop_and_notice(trueconf_server, client)
    assert client.wait_connected(5)
    assert _wait(lambda: len(attempts) == 3, 3)  # redelivered (receiveUnread) and not deduplicated
    assert attempts[2] == attempts[0]
    assert _wait(lambda: trueconf_server.stats["acks"] == 2, 3)
