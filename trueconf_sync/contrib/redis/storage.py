"""``RedisStorage``: the bot layer's dialog (FSM) state in Redis, shared by all processes of a bot.

Each :class:`~trueconf_sync.bot.fsm.StorageKey` becomes two Redis strings, ``<key>:state`` and
``<key>:data`` (JSON), so state and data can have their own time to live. ``update_data`` is a
WATCH/MULTI transaction: concurrent updates from several processes are merged, none is lost.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from ...bot.fsm.storage import Storage, StorageKey, check_json
from ._conn import connect

__all__ = ["RedisStorage", "default_key"]

#: ``key_builder(prefix, key)`` -> the Redis key name (without the ``:state``/``:data`` suffix).
KeyBuilder = Callable[[str, StorageKey], str]


def _part(text: str) -> str:
    # ids are opaque strings (PROTOCOL §1.7); escaping ":" keeps two different keys from colliding
    return text.replace("%", "%25").replace(":", "%3A")


def default_key(prefix: str, key: StorageKey) -> str:
    """``<prefix>:<bot>:<chat>:<user>`` with ``:`` and ``%`` in the ids percent-escaped."""
    return f"{prefix}:{_part(key.bot_id)}:{_part(key.chat_id)}:{_part(key.user_id)}"


def _ttl(name: str, value: float | None) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 1 <= value <= 10 * 365 * 86400:
        raise ValueError(f"{name} must be None or seconds between 1 and {10 * 365 * 86400}, got {value!r}")
    return int(value)


class RedisStorage(Storage):
    """Dialog state and data in Redis.

    Args:
        url: ``redis://host:port/db`` (``rediss://`` for TLS, ``unix://`` for a socket) or an
            existing ``redis.Redis`` client (not closed by :meth:`close`).
        prefix: start of every key name (one prefix per bot keeps bots apart in one database).
        key_builder: ``key_builder(prefix, key) -> str`` to name keys differently (default
            :func:`default_key`); which events share a key is the Dispatcher's ``fsm_strategy``.
        state_ttl, data_ttl: seconds after the last write after which a dialog's state (data) is
            forgotten; None keeps it forever. Every write starts the time again.

    Raises:
        MissingExtraError: redis-py is missing. ValueError, TypeError: bad arguments.
    """

    def __init__(self, url: Any, *, prefix: str = "trueconf:fsm", key_builder: KeyBuilder | None = None,
                 state_ttl: float | None = None, data_ttl: float | None = None) -> None:
        if not isinstance(prefix, str) or not prefix:
            raise ValueError("prefix must be a non-empty str")
        if key_builder is not None and not callable(key_builder):
            raise TypeError("key_builder must be callable")
        self._state_ttl = _ttl("state_ttl", state_ttl)
        self._data_ttl = _ttl("data_ttl", data_ttl)
        self._redis, self._owned = connect(url, "RedisStorage")
        self.prefix = prefix
        self._key = key_builder or default_key

    def __repr__(self) -> str:
        return f"<RedisStorage prefix={self.prefix!r}>"

    def _names(self, key: StorageKey) -> tuple[str, str]:
        base = self._key(self.prefix, key)
        return f"{base}:state", f"{base}:data"

    def get_state(self, key: StorageKey) -> str | None:
        """The state name, or None."""
        value = self._redis.get(self._names(key)[0])
        return value.decode() if isinstance(value, bytes) else value

    def set_state(self, key: StorageKey, state: str | None) -> None:
        """Set (or with None remove) the state name."""
        name = self._names(key)[0]
        if state is None:
            self._redis.delete(name)
        else:
            if not isinstance(state, str):
                raise TypeError(f"state must be a str or None, got {type(state).__name__}")
            self._redis.set(name, state, ex=self._state_ttl)

    def get_data(self, key: StorageKey) -> dict[str, Any]:
        """A copy of the data dict ({} when none)."""
        value = self._redis.get(self._names(key)[1])
        data: dict[str, Any] = json.loads(value) if value else {}
        return data

    def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the data dict ({} removes it)."""
        text = check_json(data)
        name = self._names(key)[1]
        if text == "{}":
            self._redis.delete(name)
        else:
            self._redis.set(name, text, ex=self._data_ttl)

    def update_data(self, key: StorageKey, updates: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``updates`` into the data atomically, also across processes; return the new data."""
        import redis

        check_json(updates)
        name = self._names(key)[1]
        with self._redis.pipeline() as pipe:
            while True:
                try:
                    pipe.watch(name)
                    current = pipe.get(name)
                    data: dict[str, Any] = json.loads(current) if current else {}
                    data.update(updates)
                    text = check_json(data)
                    pipe.multi()
                    if text == "{}":
                        pipe.delete(name)
                    else:
                        pipe.set(name, text, ex=self._data_ttl)
                    pipe.execute()
                    return data
                except redis.WatchError:
                    continue  # another process wrote in between: read again and merge again

    def clear(self, key: StorageKey) -> None:
        """Remove state and data."""
        self._redis.delete(*self._names(key))

    def close(self) -> None:
        """Close the Redis connections this storage opened (not a client passed in)."""
        if self._owned:
            self._redis.close()
