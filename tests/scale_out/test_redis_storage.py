"""``RedisStorage``: the bot's dialog state in a real redis-server (the Storage protocol, TTLs, keys)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from trueconf_sync.bot.fsm import StorageKey
from trueconf_sync.contrib.redis import RedisStorage

KEY = StorageKey("bot@video.example.com", "chat:1", "alice@video.example.com")


def test_state_and_data_round_trip(redis_url: str) -> None:
    storage = RedisStorage(redis_url)
    assert storage.get_state(KEY) is None and storage.get_data(KEY) == {}
    storage.set_state(KEY, "Form:name")
    storage.set_data(KEY, {"name": "Alice", "tags": [], "n": 1.5})
    other = RedisStorage(redis_url)  # another process would see the same
    assert other.get_state(KEY) == "Form:name"
    assert other.get_data(KEY) == {"name": "Alice", "tags": [], "n": 1.5}
    assert other.update_data(KEY, {"age": 30}) == {"name": "Alice", "tags": [], "n": 1.5, "age": 30}
    storage.clear(KEY)
    assert other.get_state(KEY) is None and other.get_data(KEY) == {}
    storage.close()
    other.close()


def test_keys_are_escaped_and_prefixed(redis_url: str) -> None:
    import redis

    raw: Any = redis.Redis.from_url(redis_url)
    storage = RedisStorage(raw, prefix="mybot")
    storage.set_state(StorageKey("b", "a:b", "c"), "x")
    storage.set_state(StorageKey("b", "a", "b:c"), "y")
    assert sorted(raw.keys("*")) == [b"mybot:b:a%3Ab:c:state", b"mybot:b:a:b%3Ac:state"]
    custom = RedisStorage(raw, key_builder=lambda prefix, key: f"fsm/{key.user_id}")
    custom.set_data(KEY, {"a": 1})
    assert raw.get(f"fsm/{KEY.user_id}:data") == b'{"a":1}'
    storage.close()
    assert raw.ping()  # a client passed in is not closed by the storage


def test_ttls_are_set_and_renewed(redis_url: str) -> None:
    import redis

    raw: Any = redis.Redis.from_url(redis_url)
    storage = RedisStorage(raw, prefix="p", state_ttl=100, data_ttl=200)
    storage.set_state(KEY, "s")
    storage.set_data(KEY, {"a": 1})
    state_key, data_key = storage._names(KEY)
    assert 90 < raw.ttl(data_key) <= 200 and 90 < raw.ttl(state_key) <= 100
    raw.expire(data_key, 5)
    storage.update_data(KEY, {"b": 2})
    assert raw.ttl(data_key) > 100
    assert raw.ttl(state_key) <= 100
    no_ttl = RedisStorage(raw, prefix="q")
    no_ttl.set_state(KEY, "s")
    assert raw.ttl(no_ttl._names(KEY)[0]) == -1


def test_concurrent_updates_are_all_merged(redis_url: str) -> None:
    storages = [RedisStorage(redis_url) for _ in range(4)]

    def bump(storage: RedisStorage, who: int) -> None:
        for i in range(25):
            storage.update_data(KEY, {f"w{who}-{i}": i})

    threads = [threading.Thread(target=bump, args=(s, n)) for n, s in enumerate(storages)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(storages[0].get_data(KEY)) == 100


def test_bad_arguments_are_named(redis_url: str) -> None:
    with pytest.raises(ValueError, match="url must start with redis://"):
        RedisStorage("http://localhost:6379")
    with pytest.raises(TypeError, match=r"url must be a redis:// URL or a redis\.Redis client"):
        RedisStorage(42)
    with pytest.raises(ValueError, match="state_ttl must be None or seconds between 1 and"):
        RedisStorage(redis_url, state_ttl=0)
    with pytest.raises(ValueError, match="prefix must be a non-empty str"):
        RedisStorage(redis_url, prefix="")
    storage = RedisStorage(redis_url)
    with pytest.raises(TypeError, match="state data 'f' is not JSON-serialisable"):
        storage.set_data(KEY, {"f": object()})


def test_a_bot_keeps_dialogs_in_redis(redis_url: str, trueconf_server: Any, trueconf_client: Any) -> None:
    from trueconf_sync.bot import Command, Dispatcher, State, StatesGroup

    class Form(StatesGroup):
        name = State()

    storage = RedisStorage(redis_url, prefix="dialog")
    dp = Dispatcher(storage=storage)

    @dp.message(Command("start"))
    def start(message: Any, state: Any) -> None:
        state.set_state(Form.name)
        message.reply("name?")

    @dp.message(Form.name)
    def got_name(message: Any, state: Any) -> None:
        state.update_data(name=message.text)
        state.set_state(None)
        message.reply(f"hi {message.text}")

    dp.attach(trueconf_client)
    alice = trueconf_server.user("alice")
    chat = alice.p2p_chat_with(trueconf_client.user_id)
    alice.send_message(chat, "/start")
    assert alice.wait_for_message(chat, timeout=5)["content"]["text"] == "name?"
    alice.send_message(chat, "Alice")
    assert alice.wait_for_message(chat, timeout=5)["content"]["text"] == "hi Alice"
    key = StorageKey(trueconf_client.user_id, chat, alice.user_id)
    assert RedisStorage(redis_url, prefix="dialog").get_data(key) == {"name": "Alice"}
