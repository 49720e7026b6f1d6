"""Server events: typed handlers, order, acks, handlers that call the client, raw and unknown events."""

from __future__ import annotations

import gc
import logging
import threading
import time

import pytest

from trueconf_sync import Message, RawEvent, signals
from trueconf_sync.api.models import Chat, MessageEdited, MessageRemoved, TextContent

BOT_ID = "echo_bot@video.example.com"


class Recorder:
    """A handler that records what it got, with a condition to wait on."""

    def __init__(self):
        self.items = []
        self.threads = set()
        self._cond = threading.Condition()

    def __call__(self, event):
        with self._cond:
            self.items.append(event)
            self.threads.add(threading.current_thread().name)
            self._cond.notify_all()

    def wait(self, count, timeout=5.0):
        with self._cond:
            ok = self._cond.wait_for(lambda: len(self.items) >= count, timeout)
        assert ok, f"got {len(self.items)} events, expected {count}: {self.items!r}"
        return list(self.items)


# ---- typed messages, order, acks --------------------------------------------------------------------


def test_on_message_gets_typed_messages_in_order(trueconf_server, trueconf_client, alice, alice_chat):
    got = Recorder()
    assert trueconf_client.on_message(got) is got  # the decorator returns the function
    texts = [f"msg {i}" for i in range(30)]
    ids = [alice.send_message(alice_chat, text) for text in texts]
    messages = got.wait(30)
    assert all(isinstance(m, Message) for m in messages)
    assert [m.text for m in messages] == texts
    assert [m.message_id for m in messages] == ids
    first = messages[0]
    assert first.chat_id == alice_chat
    assert first.author.id == alice.user_id
    assert isinstance(first.content, TextContent)
    assert first.chat is not None and first.chat.chat_id == alice_chat
    assert all("reader" not in name for name in got.threads)  # handlers never run on the reader
    alice.send_message(alice_chat, "sentinel")  # handled after the others: nothing came twice before it
    assert [m.text for m in got.wait(31)] == [*texts, "sentinel"]  # each exactly once


def test_order_per_chat_with_several_workers(trueconf_server, trueconf_client_factory, alice, bob):
    client = trueconf_client_factory(workers=4)
    chats = {alice: client.create_p2p_chat(alice.user_id), bob: client.create_p2p_chat(bob.user_id)}
    got = Recorder()

    @client.on_message
    def slow(message):
        if message.text.endswith("-0"):
            time.sleep(0.05)  # a slow first handler must not let later ones of its chat overtake it
        got(message)

    for i in range(15):
        for user, chat in chats.items():
            user.send_message(chat, f"{user.login}-{i}")
    got.wait(30)
    for user, chat in chats.items():
        texts = [m.text for m in got.items if m.chat_id == chat]
        assert texts == [f"{user.login}-{i}" for i in range(15)]


def test_events_are_acked(trueconf_server, trueconf_client, alice, alice_chat):
    got = Recorder()
    trueconf_client.on_message(got)
    for i in range(5):
        alice.send_message(alice_chat, f"read me {i}")
    got.wait(5)
    trueconf_server.wait_for(lambda s: s.stats["acks"] >= 5 and s.stats["unacked"] == 0, timeout=3)
    assert trueconf_client.get_chat_by_id(alice_chat).unread_messages == 0


def test_events_are_acked_even_without_handlers(trueconf_server, trueconf_client, alice, alice_chat):
    alice.send_message(alice_chat, "nobody listens")
    trueconf_server.wait_for(lambda s: s.stats["acks"] == 1 and s.stats["unacked"] == 0, timeout=3)


def test_ack_after_handling_keeps_failed_messages_unread(trueconf_server, trueconf_client_factory, alice, caplog):
    client = trueconf_client_factory(ack="after_handling")
    chat = client.create_p2p_chat(alice.user_id)
    got = Recorder()

    @client.on_message
    def handler(message):
        got(message)
        if message.text == "boom":
            raise RuntimeError("handler failed")

    with caplog.at_level(logging.ERROR, logger="trueconf_sync"):
        alice.send_message(chat, "fine")
        alice.send_message(chat, "boom")
        alice.send_message(chat, "fine again")
        got.wait(3)
        trueconf_server.wait_for(lambda s: s.stats["acks"] == 2, timeout=3)
        alice.send_message(chat, "sentinel")  # its ack comes after any (wrong) ack of "boom"
        got.wait(4)
        trueconf_server.wait_for(lambda s: s.stats["acks"] == 3, timeout=3)
    stats = trueconf_server.stats
    assert stats["acks"] == 3 and stats["unacked"] == 1
    assert client.get_chat_by_id(chat).unread_messages == 1
    client.close()
    # at-least-once: the unhandled message comes back on the next connection asking for unread ones
    again = trueconf_client_factory(receive_unread=True, connect=False)
    replayed = Recorder()
    again.on_message(replayed)  # registered before connecting: the replay comes right after auth
    again.connect()
    assert [m.text for m in replayed.wait(1)] == ["boom"]


def test_receive_unread_replays_messages_sent_while_offline(trueconf_server, trueconf_client_factory, alice):
    client = trueconf_client_factory()
    chat = client.create_p2p_chat(alice.user_id)
    client.close()
    alice.send_message(chat, "while you were away 1")
    alice.send_message(chat, "while you were away 2")
    got = Recorder()
    client.on_message(got)  # handlers registered on the closed client survive a reconnect
    client.receive_unread = True
    client.connect()
    assert [m.text for m in got.wait(2)] == ["while you were away 1", "while you were away 2"]


# ---- handlers calling the client --------------------------------------------------------------------


def test_echo_bot(trueconf_server, trueconf_client, alice, alice_chat):
    @trueconf_client.on_message
    def echo(message):
        trueconf_client.send_message(message.chat_id, f"echo: {message.text}", reply_message_id=message.message_id)

    asked = alice.send_message(alice_chat, "ping")
    reply = alice.wait_for_message(alice_chat, timeout=5)
    assert reply["author"]["id"] == BOT_ID
    assert reply["content"]["text"] == "echo: ping"
    assert reply["replyMessageId"] == asked


def test_handler_can_use_every_blocking_method(trueconf_client, alice, alice_chat):
    results = {}
    done = threading.Event()

    @trueconf_client.on_message
    def handler(message):
        try:
            results["message"] = trueconf_client.get_message_by_id(message.message_id)
            results["chat"] = trueconf_client.get_chat_by_id(message.chat_id)
            results["history"] = trueconf_client.get_chat_history(message.chat_id, count=5)
            results["future"] = trueconf_client.get_chats.future().result(5)
        except BaseException as exc:  # noqa: BLE001
            results["error"] = exc
        done.set()

    alice.send_message(alice_chat, "inspect me")
    assert done.wait(5)
    assert "error" not in results, results
    assert results["message"].text == "inspect me"
    assert results["chat"].chat_id == alice_chat
    assert [m.text for m in results["history"]] == ["inspect me"]
    assert results["future"][0].chat_id == alice_chat


def test_handler_exception_is_logged_and_later_events_arrive(trueconf_client, alice, alice_chat, caplog):
    got = Recorder()
    also = Recorder()

    @trueconf_client.on_message
    def fragile(message):
        if message.text == "poison":
            raise ValueError("cannot digest poison")
        got(message)

    trueconf_client.on_message(also)  # another handler of the same event still runs
    with caplog.at_level(logging.ERROR, logger="trueconf_sync"):
        alice.send_message(alice_chat, "poison")
        alice.send_message(alice_chat, "bread")
        assert [m.text for m in got.wait(1)] == ["bread"]
        assert [m.text for m in also.wait(2)] == ["poison", "bread"]
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors, "the handler's exception was not logged"
    assert any(r.exc_info and isinstance(r.exc_info[1], ValueError) for r in errors)
    assert any("fragile" in r.getMessage() for r in errors)
    assert trueconf_client.get_chats()[0].chat_id == alice_chat  # the client is fine


# ---- other event kinds, raw events, remove_handler ----------------------------------------------------


def test_edit_and_remove_events(trueconf_client, alice, alice_chat):
    edits, removals = Recorder(), Recorder()
    trueconf_client.on_message_edited(edits)
    trueconf_client.on_message_removed(removals)
    message_id = alice.send_message(alice_chat, "tpyo")
    alice.edit_message(message_id, "typo")
    alice.remove_message(message_id)
    [edited] = edits.wait(1)
    assert isinstance(edited, MessageEdited)
    assert edited.message_id == message_id and edited.chat_id == alice_chat and edited.text == "typo"
    [removed] = removals.wait(1)
    assert isinstance(removed, MessageRemoved)
    assert removed.message_id == message_id
    assert removed.removed_by is not None and removed.removed_by.id == alice.user_id


def test_chat_created_event(trueconf_client, alice):
    created = Recorder()
    trueconf_client.on_chat_created(created)
    group = alice.create_group_chat("New group", members=["echo_bot"])
    [chat] = created.wait(1)
    assert isinstance(chat, Chat)
    assert chat.chat_id == group and chat.title == "New group"


def test_on_event_sees_everything_typed_or_raw(trueconf_server, trueconf_client, alice, alice_chat):
    everything = Recorder()
    trueconf_client.on("event", everything)
    alice.send_message(alice_chat, "typed")
    ids = trueconf_server.push_event("someNewMethod", {"answer": 42}, login="echo_bot")
    assert len(ids) == 1
    typed, raw = everything.wait(2)
    assert isinstance(typed, Message) and typed.text == "typed"
    assert isinstance(raw, RawEvent)
    assert raw.method == "someNewMethod"
    assert raw.payload == {"answer": 42}
    assert raw.id == ids[0]
    trueconf_server.wait_for(lambda s: s.stats["unacked"] == 0, timeout=3)  # unknown events are acked too


def test_on_unknown_wire_method(trueconf_server, trueconf_client):
    new, other = Recorder(), Recorder()
    trueconf_client.on("someNewMethod", new)
    trueconf_client.on("anotherNewMethod", other)
    trueconf_server.push_event("someNewMethod", {"n": 1}, login="echo_bot")
    trueconf_server.push_event("anotherNewMethod", {"n": 2}, login="echo_bot")
    trueconf_server.push_event("someNewMethod", {"n": 3}, login="echo_bot")
    assert [e.payload["n"] for e in new.wait(2)] == [1, 3]
    assert [e.payload["n"] for e in other.wait(1)] == [2]
    assert all(isinstance(e, RawEvent) for e in new.items + other.items)


def test_on_wire_name_of_a_known_event(trueconf_client, alice, alice_chat):
    got = Recorder()
    trueconf_client.on("sendMessage", got)
    alice.send_message(alice_chat, "by wire name")
    assert isinstance(got.wait(1)[0], Message)


def test_on_unknown_event_name_is_value_error(trueconf_client):
    with pytest.raises(ValueError, match="no_such_event"):
        trueconf_client.on("no_such_event", lambda e: None)
    with pytest.raises(TypeError):
        trueconf_client.on("message", "not callable")


def test_remove_handler(trueconf_client, alice, alice_chat):
    removed, kept = Recorder(), Recorder()
    trueconf_client.on_message(removed)
    trueconf_client.on_message(kept)
    alice.send_message(alice_chat, "one")
    removed.wait(1)
    kept.wait(1)
    assert trueconf_client.remove_handler(removed) is True
    assert trueconf_client.remove_handler(removed) is False
    alice.send_message(alice_chat, "two")
    alice.send_message(alice_chat, "sentinel")  # once kept has it, "two" went to every handler there was
    kept.wait(3)
    assert [m.text for m in removed.items] == ["one"]
    assert [m.text for m in kept.items] == ["one", "two", "sentinel"]


def test_a_handler_added_while_events_flow_gets_the_next_one(trueconf_client, alice, alice_chat):
    # The workers keep each signal's receiver list between events: adding one must renew it.
    first, later = Recorder(), Recorder()
    trueconf_client.on_message(first)
    alice.send_message(alice_chat, "one")
    first.wait(1)
    trueconf_client.on_message(later)
    alice.send_message(alice_chat, "two")
    later.wait(1)
    first.wait(2)
    assert [m.text for m in first.items] == ["one", "two"]
    assert [m.text for m in later.items] == ["two"]


def test_a_weakly_connected_receiver_that_died_is_not_called(trueconf_client, alice, alice_chat):
    calls = []

    class Listener:
        def on_message(self, sender, event, **_):
            calls.append(event.text)

    listener = Listener()
    signals.message_received.connect(listener.on_message, sender=trueconf_client)  # weak (blinker's default)
    sentinel = Recorder()
    trueconf_client.on_message(sentinel)
    alice.send_message(alice_chat, "alive")
    sentinel.wait(1)
    del listener
    gc.collect()
    alice.send_message(alice_chat, "dead")
    sentinel.wait(2)
    assert calls == ["alive"]


def test_remove_handler_registered_for_several_events(trueconf_server, trueconf_client, alice, alice_chat):
    got = Recorder()
    trueconf_client.on("message", got)
    trueconf_client.on("someNewMethod", got)
    assert trueconf_client.remove_handler(got) is True
    sentinel = Recorder()
    trueconf_client.on("sentinelMethod", sentinel)
    alice.send_message(alice_chat, "ignored")
    trueconf_server.push_event("someNewMethod", {}, login="echo_bot")
    trueconf_server.push_event("sentinelMethod", {}, login="echo_bot")  # one worker: handled after both
    sentinel.wait(1)
    assert got.items == []


def test_own_messages_are_skipped(trueconf_server, trueconf_client, alice, alice_chat):
    trueconf_server.config.self_echo = True  # the server echoes the bot's own messages back (§1.6)
    got = Recorder()
    trueconf_client.on_message(got)
    trueconf_client.send_message(alice_chat, "from the bot")
    alice.send_message(alice_chat, "from alice")
    alice.send_message(alice_chat, "sentinel")  # same chat: handled after the echo and alice's message
    got.wait(2)
    assert [m.text for m in got.items] == ["from alice", "sentinel"]


def test_signals_api_with_sender_filter(trueconf_client, alice, alice_chat):
    got = []
    arrived = threading.Event()

    def receiver(sender, event, method, **kwargs):
        got.append((sender, event, method))
        arrived.set()

    signals.message_received.connect(receiver, sender=trueconf_client)
    try:
        alice.send_message(alice_chat, "via blinker")
        assert arrived.wait(3)
    finally:
        signals.message_received.disconnect(receiver, sender=trueconf_client)
    [(sender, event, method)] = got
    assert sender is trueconf_client and method == "sendMessage" and event.text == "via blinker"


# ---- two clients in one process -----------------------------------------------------------------------


def test_two_bots_do_not_see_each_others_events(trueconf_server, trueconf_client_factory, alice):
    trueconf_server.add_user("other_bot")
    first = trueconf_client_factory("echo_bot")
    second = trueconf_client_factory("other_bot")
    assert second.user_id == "other_bot@video.example.com"
    first_chat = first.create_p2p_chat(alice.user_id)
    second_chat = second.create_p2p_chat(alice.user_id)
    assert first_chat != second_chat
    first_got, second_got = Recorder(), Recorder()
    first_all, second_all = Recorder(), Recorder()
    first.on_message(first_got)
    second.on_message(second_got)
    first.on("event", first_all)
    second.on("event", second_all)
    alice.send_message(first_chat, "for the first bot")
    alice.send_message(second_chat, "for the second bot")
    trueconf_server.push_event("someNewMethod", {"to": "first"}, login="echo_bot")
    trueconf_server.push_event("someNewMethod", {"to": "second"}, login="other_bot")
    assert [m.text for m in first_got.wait(1)] == ["for the first bot"]
    assert [m.text for m in second_got.wait(1)] == ["for the second bot"]
    first_all.wait(2)
    second_all.wait(2)

    def sentinels(count):
        """One more message to each bot; once both arrived, each bot handled everything sent before."""
        alice.send_message(first_chat, "sentinel")
        alice.send_message(second_chat, "sentinel")
        first_got.wait(count)
        second_got.wait(count)

    sentinels(2)  # both raw events were pushed before: a stray one would have come first
    assert [m.text for m in first_got.items] == ["for the first bot", "sentinel"]
    assert [m.text for m in second_got.items] == ["for the second bot", "sentinel"]
    assert [e.payload for e in first_all.items if isinstance(e, RawEvent)] == [{"to": "first"}]
    assert [e.payload for e in second_all.items if isinstance(e, RawEvent)] == [{"to": "second"}]
    # the same function registered on both clients gets each client's events once
    shared = Recorder()
    first.on_message(shared)
    second.on_message(shared)
    alice.send_message(first_chat, "shared 1")
    alice.send_message(second_chat, "shared 2")
    shared.wait(2)
    sentinels(3)  # shared may still be getting the sentinels: only what came before them counts

    def shared_texts():
        return sorted(m.text for m in shared.items if m.text != "sentinel")

    assert shared_texts() == ["shared 1", "shared 2"]
    first.remove_handler(shared)  # removing from one client leaves the other one's registration
    alice.send_message(first_chat, "after remove 1")
    alice.send_message(second_chat, "after remove 2")
    sentinels(5)
    assert shared_texts() == ["after remove 2", "shared 1", "shared 2"]
