"""``RedisStream``: clients connected as one bot share the work, each event handled once (real redis-server)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from trueconf_sync import Client
from trueconf_sync.contrib.redis import RedisStream
from trueconf_sync.contrib.redis.stream import event_key


class Recorder:
    """Handled message texts per client, thread-safe, with a wait for a text to show up."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.handled: list[tuple[str, str]] = []

    def add(self, who: str, text: str) -> None:
        with self.cond:
            self.handled.append((who, text))
            self.cond.notify_all()

    def wait_for(self, text: str, timeout: float = 20.0) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: any(t == text for _, t in self.handled), timeout):
                raise AssertionError(f"{text!r} was not handled within {timeout} s; handled: {self.handled}")

    def counts(self) -> Counter[str]:
        with self.cond:
            return Counter(t for _, t in self.handled)


def _bot(make: Callable[..., Client], url: str, name: str, recorder: Recorder, *, delay: float = 0.0,
         fail_once: set[str] | None = None, **stream: Any) -> Client:
    client = make(connect=False, ack="after_handling")
    options: dict[str, Any] = {"group": "g", "claim_idle": 1.0, "block": 0.2, "prefetch": 2, **stream}
    client.distribute(RedisStream(url, **options))

    @client.on_message
    def handle(message: Any) -> None:
        if delay:
            time.sleep(delay)
        if fail_once is not None and message.text in fail_once:
            fail_once.discard(message.text)
            raise RuntimeError("first attempt fails")
        recorder.add(name, message.text)

    client.connect()
    return client


def test_two_clients_of_one_bot_handle_each_message_once(
        redis_url: str, trueconf_server: Any, trueconf_client_factory: Callable[..., Client]) -> None:
    recorder = Recorder()
    first = _bot(trueconf_client_factory, redis_url, "a", recorder, delay=0.01)
    _bot(trueconf_client_factory, redis_url, "b", recorder, delay=0.01)
    assert trueconf_server.stats["authorized"] == 2
    alice = trueconf_server.user("alice")
    chat = alice.p2p_chat_with(first.user_id)
    texts = [f"m{i}" for i in range(60)]
    for text in texts:
        alice.send_message(chat, text)
    alice.send_message(chat, "sentinel")
    # Two consumers: the sentinel may be handled by one while the other still holds a message it
    # prefetched, so every text is waited for (the sentinel alone would race the last ones).
    for text in [*texts, "sentinel"]:
        recorder.wait_for(text)
    counts = recorder.counts()
    assert {t: counts[t] for t in texts} == dict.fromkeys(texts, 1)  # none lost, none twice
    workers = Counter(who for who, _ in recorder.handled)
    assert workers["a"] > 0 and workers["b"] > 0, workers  # both processes did a share
    # each connection got every message, and both acked theirs once it was in the stream
    trueconf_server.wait_for(lambda s: s.stats["unacked"] == 0, timeout=10)


def test_a_failed_handler_is_tried_again_after_claim_idle(
        redis_url: str, trueconf_server: Any, trueconf_client_factory: Callable[..., Client]) -> None:
    recorder = Recorder()
    stream = RedisStream(redis_url, group="g", claim_idle=0.5, block=0.2)
    client = trueconf_client_factory(connect=False, ack="after_handling").distribute(stream)
    failing = {"boom"}

    @client.on_message
    def handle(message: Any) -> None:
        if message.text in failing:
            failing.discard(message.text)
            raise RuntimeError("first attempt fails")
        recorder.add("a", message.text)

    client.connect()
    alice = trueconf_server.user("alice")
    chat = alice.p2p_chat_with(client.user_id)
    alice.send_message(chat, "boom")
    alice.send_message(chat, "next")
    recorder.wait_for("boom", timeout=15)
    assert recorder.counts()["boom"] == 1 and recorder.counts()["next"] == 1
    assert stream.stats["claimed"] >= 1


def test_a_dead_consumers_entries_are_taken_over(
        redis_url: str, trueconf_server: Any, trueconf_client_factory: Callable[..., Client]) -> None:
    import redis

    raw: Any = redis.Redis.from_url(redis_url)
    stream = RedisStream(redis_url, group="g", claim_idle=0.5, block=0.2)
    # a consumer that read three entries and died before acknowledging them
    raw.xgroup_create(stream.stream, "g", id="0", mkstream=True)
    for i in range(3):
        payload = {"chatId": "c", "messageId": f"x{i}", "timestamp": 1, "author": {"id": "u@h", "type": 1},
                   "box": {"id": 1, "position": "0"}, "type": 200,
                   "content": {"text": f"orphan{i}", "parseMode": "text"}}
        raw.xadd(stream.stream, {"f": json.dumps({"type": 1, "id": i, "method": "sendMessage", "payload": payload})})
    assert len(raw.xreadgroup("g", "dead-one", {stream.stream: ">"}, count=10)[0][1]) == 3
    recorder = Recorder()
    client = trueconf_client_factory(connect=False, ack="after_handling").distribute(stream)
    client.on_message(lambda message: recorder.add("a", message.text))
    client.connect()
    for i in range(3):
        recorder.wait_for(f"orphan{i}", timeout=15)
    assert recorder.counts() == Counter({"orphan0": 1, "orphan1": 1, "orphan2": 1})
    client.close()
    assert raw.xlen(stream.stream) == 0 and raw.xpending(stream.stream, "g")["pending"] == 0


def test_a_replayed_message_is_not_handled_again(
        redis_url: str, trueconf_server: Any, trueconf_client_factory: Callable[..., Client]) -> None:
    recorder = Recorder()
    stream = RedisStream(redis_url, group="g", block=0.2)
    client = trueconf_client_factory(connect=False, receive_unread=True).distribute(stream)
    client.on_message(lambda message: recorder.add("a", message.text))
    client.connect()
    alice = trueconf_server.user("alice")
    chat = alice.p2p_chat_with(client.user_id)
    alice.send_message(chat, "once")
    recorder.wait_for("once")
    # the same event again with a new server id (a redelivery): the stream's dedup drops it
    trueconf_server.duplicate_events(True)
    alice.send_message(chat, "twice sent")
    alice.send_message(chat, "sentinel")
    recorder.wait_for("sentinel")
    assert recorder.counts()["twice sent"] == 1
    assert stream.stats["duplicates"] >= 1  # (the sentinel's own copy may still be on its way)


def test_event_keys() -> None:
    message = {"method": "sendMessage", "payload": {"messageId": "m-1", "isEdited": False}}
    assert event_key(message) == "m:m-1"
    assert event_key({**message, "payload": {"messageId": "m-1", "isEdited": True}}) == "m:m-1"
    one = event_key({"method": "editChatTitle", "payload": {"chatId": "c", "title": "a"}})
    assert one == event_key({"method": "editChatTitle", "payload": {"title": "a", "chatId": "c"}})
    assert one != event_key({"method": "editChatTitle", "payload": {"chatId": "c", "title": "b"}})


def test_distribute_arguments_are_checked(redis_url: str) -> None:
    with pytest.raises(ValueError, match="group must be a non-empty str"):
        RedisStream(redis_url, group="")
    with pytest.raises(ValueError, match="prefetch must be an int between 1 and 10000"):
        RedisStream(redis_url, group="g", prefetch=0)
    with pytest.raises(ValueError, match="claim_idle must be a number of seconds between"):
        RedisStream(redis_url, group="g", claim_idle=-1)
    with pytest.raises(ValueError, match="url must start with redis://"):
        RedisStream("localhost:6379", group="g")


def test_distribute_only_before_connect(redis_url: str, trueconf_client: Client) -> None:
    with pytest.raises(RuntimeError, match=r"distribute\(\) must be called before connect\(\)"):
        trueconf_client.distribute(RedisStream(redis_url, group="g"))
    trueconf_client.close()
    assert trueconf_client.distribute(None) is trueconf_client


def test_events_are_still_appended_after_redis_forgot_the_scripts(
        redis_url: str, trueconf_server: Any, trueconf_client_factory: Callable[..., Client]) -> None:
    import redis

    recorder = Recorder()
    client = _bot(trueconf_client_factory, redis_url, "a", recorder)
    alice = trueconf_server.user("alice")
    chat = alice.p2p_chat_with(client.user_id)
    alice.send_message(chat, "before")
    recorder.wait_for("before")
    raw: Any = redis.Redis.from_url(redis_url)
    raw.script_flush()  # as after a Redis restart: the intake's EVALSHA answers NOSCRIPT
    texts = [f"after{i}" for i in range(20)]
    for text in texts:
        alice.send_message(chat, text)
    alice.send_message(chat, "sentinel")
    recorder.wait_for("sentinel")
    counts = recorder.counts()
    assert {t: counts[t] for t in texts} == dict.fromkeys(texts, 1)
    trueconf_server.wait_for(lambda s: s.stats["unacked"] == 0, timeout=10)
