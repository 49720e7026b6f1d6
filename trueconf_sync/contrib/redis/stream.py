"""``RedisStream``: several processes connected as the same bot, each event handled by one of them.

The server delivers every event to every connection of a bot (PROTOCOL §1.6). With
``client.distribute(RedisStream(url, group="my-bot"))`` in each process:

1. **Intake**: the connection that receives an event appends it to a Redis Stream, unless the
   event's key is already known: one Lua script does ``SET <seen> NX EX`` and ``XADD``
   atomically, so of all connections exactly one appends. The key is the message id for
   ``sendMessage``, otherwise the method plus a digest of the payload. Events that arrive
   together are appended in one pipeline (the reader thread only queues them). The server is
   acked as the client's ``ack`` setting says: on arrival (``"immediate"``), or once the event is
   safely in the stream (``"after_handling"``; recommended: then an event no process could store
   stays unread on the server and comes back on the next connection).
2. **Handling**: every process reads its share with ``XREADGROUP`` (one consumer per process,
   at most ``prefetch`` entries at a time) and runs the client's usual handler threads on them
   (events of one chat in order within a process). After the handlers succeeded the entry is
   acknowledged and deleted (``XACK`` + ``XDEL``, in the same round trip as the next read when
   the process is busy); a failed one is left pending.
3. **Takeover**: entries pending longer than ``claim_idle`` seconds -- their process died, or
   their handlers failed -- are taken with ``XAUTOCLAIM`` by a live process. A live process
   refreshes its in-flight entries every ``claim_idle / 3`` s (``XCLAIM ... JUSTID``), so slow
   handlers are not taken away. After ``max_deliveries`` attempts an entry moves to the
   ``<stream>:dead`` stream and an error is logged.

Guarantee: at-least-once handling with deduplication across the cluster. An event is handled
twice only when a process dies (or loses Redis) after its handlers finished and before the
``XACK`` reached Redis. Order: per chat within one process; across processes, not guaranteed.
"""

from __future__ import annotations

import os
import socket
import uuid
from typing import TYPE_CHECKING, Any

from ._conn import connect
from .scripts import event_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...core.protocols import Dispatcher

__all__ = ["RedisStream", "event_key"]


def _seconds(name: str, value: float, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ValueError(f"{name} must be a number of seconds between {low} and {high}, got {value!r}")
    return float(value)


def _count(name: str, value: int, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be an int between {low} and {high}, got {value!r}")
    return value


class RedisStream:
    """Distribute a bot's incoming events over all its processes through one Redis Stream.

    Use one instance per client: ``client.distribute(RedisStream(url, group="my-bot"))``.

    Args:
        url: ``redis://host:port/db`` (``rediss://``, ``unix://``) or a ``redis.Redis`` client.
        group: the consumer group; every process of one bot uses the same name.
        stream: the stream key (default ``trueconf:{<group>}:events``; the braces keep all keys of
            a group in one Redis Cluster slot).
        consumer: this process's consumer name (default ``<host>:<pid>:<random>``, unique).
        prefetch: entries this process holds at a time (read but not yet acknowledged).
        claim_idle: seconds an entry may stay pending without a sign of life before another
            process takes it over (takeover time after a crash is about this).
        dedup_ttl: seconds an event's key is remembered (a replay of unread messages within it is
            not handled again).
        max_deliveries: attempts before an entry is moved to ``<stream>:dead``.
        block: seconds one ``XREADGROUP`` waits for new entries (bounds how long stopping takes).

    Raises:
        MissingExtraError: redis-py is missing. ValueError, TypeError: bad arguments.
    """

    def __init__(self, url: Any, *, group: str, stream: str | None = None, consumer: str | None = None,
                 prefetch: int = 32, claim_idle: float = 30.0, dedup_ttl: float = 86400.0,
                 max_deliveries: int = 5, block: float = 1.0) -> None:
        if not isinstance(group, str) or not group:
            raise ValueError("group must be a non-empty str")
        self.group = group
        self.stream = stream or f"trueconf:{{{group}}}:events"
        if not isinstance(self.stream, str):
            raise TypeError("stream must be a str")
        self.consumer = consumer or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.prefetch = _count("prefetch", prefetch, 1, 10_000)
        self.claim_idle = _seconds("claim_idle", claim_idle, 0.1, 86400.0)
        self.dedup_ttl = int(_seconds("dedup_ttl", dedup_ttl, 1, 30 * 86400.0))
        self.max_deliveries = _count("max_deliveries", max_deliveries, 1, 1000)
        self.block = _seconds("block", block, 0.01, 60.0)
        self._url = url
        connect(url, "RedisStream")  # checks the extra and the URL now, before the client connects
        #: counters: ``appended``, ``duplicates`` (intake), ``handled``, ``claimed``, ``dead``, ``errors``
        self.stats: dict[str, int] = dict.fromkeys(
            ("appended", "duplicates", "handled", "claimed", "dead", "errors"), 0)

    def __repr__(self) -> str:
        return f"<RedisStream {self.stream!r} group={self.group!r} consumer={self.consumer!r}>"

    def make_dispatcher(self, client: Any, make_workers: Callable[[bool], Dispatcher]) -> Dispatcher:
        """The client's dispatcher (called by the client when it connects; see the module docstring)."""
        from ._dispatcher import _StreamDispatcher

        ack_server = getattr(getattr(client, "config", None), "ack", "immediate") == "after_handling"
        return _StreamDispatcher(self, make_workers(True), ack_server)
