"""``RedisStream``: several processes connected as the same bot, each event handled by one of them.

The server delivers every event to every connection of a bot (PROTOCOL §1.6). With
``client.distribute(RedisStream(url, group="my-bot"))`` in each process:

1. **Intake** (the reader thread): the connection that receives an event appends it to a Redis
   Stream, unless the event's key is already known: one Lua script does ``SET <seen> NX EX`` and
   ``XADD`` atomically, so of all connections exactly one appends. The key is the message id for
   ``sendMessage``, otherwise the method plus a digest of the payload. The server is acked as the
   client's ``ack`` setting says: on arrival (``"immediate"``), or once the event is safely in the
   stream (``"after_handling"``; recommended: then an event no process could store stays unread
   on the server and comes back on the next connection).
2. **Handling**: every process reads its share with ``XREADGROUP`` (one consumer per process,
   at most ``prefetch`` entries at a time) and runs the client's usual handler threads on them
   (events of one chat in order within a process). After the handlers succeeded the entry is
   acknowledged and deleted (``XACK`` + ``XDEL``); a failed one is left pending.
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

import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any, cast

from ._conn import connect

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...core.protocols import Dispatcher
    from ...transport.connection import Connection

__all__ = ["RedisStream", "event_key"]

log = logging.getLogger("trueconf_sync.contrib.redis")

# KEYS: seen key, stream. ARGV: ttl seconds, frame JSON. Returns the entry id, or false for a duplicate.
_APPEND = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], '*', 'f', ARGV[2])
end
return false
"""
# KEYS: stream, attempts hash. ARGV: group, entry id.
_DONE = """
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[2], ARGV[2])
return 1
"""
# KEYS: stream. ARGV: group, consumer. Removes the consumer only when nothing is pending for it.
_LEAVE = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending == 0 then
  return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return -1
"""


def event_key(frame: dict[str, Any]) -> str:
    """The deduplication key of a server request: ``sendMessage`` by message id, others by content."""
    method = frame.get("method")
    payload = frame.get("payload")
    if method == "sendMessage" and isinstance(payload, dict) and isinstance(payload.get("messageId"), str):
        return f"m:{payload['messageId']}"
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f"e:{method}:{digest[:32]}"


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
        ack_server = getattr(getattr(client, "config", None), "ack", "immediate") == "after_handling"
        return _StreamDispatcher(self, make_workers(True), ack_server)


class _EntryAck:
    """Stands in for the connection in the handler workers: "ack" acknowledges one stream entry."""

    __slots__ = ("_entry", "_owner")

    def __init__(self, owner: _StreamDispatcher, entry: str) -> None:
        self._owner = owner
        self._entry = entry

    def send_ack(self, _server_id: Any = None) -> None:
        self._owner.done(self._entry)

    def pause_reading(self, *_: Any) -> None:
        """Backpressure is ``prefetch`` here: the consumer reads no more than that."""


class _StreamDispatcher:
    """The dispatcher of one client connection life: intake on the reader thread, one consumer thread."""

    def __init__(self, owner: RedisStream, workers: Dispatcher, ack_server: bool) -> None:
        import redis as redis_py

        self._owner = owner
        self._workers = workers
        self._ack_server = ack_server
        self._errors: tuple[type[BaseException], ...] = (redis_py.RedisError, OSError)
        opts = {"socket_timeout": owner.block + 10.0, "socket_connect_timeout": 10.0}
        self._redis, self._owned = connect(owner._url, "RedisStream", **opts)
        self._reader, _ = connect(owner._url, "RedisStream", **opts) if self._owned else (self._redis, False)
        self._append = self._redis.register_script(_APPEND)
        self._done_script = self._redis.register_script(_DONE)
        self._attempts_key = f"{owner.stream}:attempts"
        self._seen_prefix = f"{owner.stream}:seen:"
        self._inflight: dict[str, float] = {}
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._ensure_group()
        self._thread = threading.Thread(target=self._consume, name=f"trueconf-redis-stream-{owner.group}",
                                        daemon=True)
        self._thread.start()

    # ---- the Dispatcher protocol --------------------------------------------------------------

    @property
    def queued(self) -> int:
        return self._workers.queued

    @property
    def handled(self) -> int:
        return self._workers.handled

    def submit(self, connection: Connection, frame: dict[str, Any],
               keepalive: Callable[[], None] | None = None, keepalive_every: float = 1.0) -> None:
        """Reader thread: append the event to the stream once for the whole group, then ack the server."""
        owner = self._owner
        try:
            text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
            entry = self._append(keys=[self._seen_prefix + event_key(frame), owner.stream],
                                 args=[owner.dedup_ttl, text])
        except self._errors as exc:
            owner.stats["errors"] += 1
            log.error("could not append a %s event to %s (%s); left unacknowledged on the server",
                      frame.get("method"), owner.stream, exc)
            return
        owner.stats["appended" if entry else "duplicates"] += 1
        server_id = frame.get("id")
        if self._ack_server and type(server_id) is int:
            connection.send_ack(server_id)

    def stop(self, timeout: float = 5.0) -> int:
        """Stop reading, let queued entries finish (up to ``timeout``); unfinished ones stay pending."""
        deadline = time.monotonic() + timeout
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(max(0.0, min(deadline - time.monotonic(), self._owner.block + 1.0)))
        left = self._workers.stop(max(0.0, deadline - time.monotonic()))
        try:
            self._redis.eval(_LEAVE, 1, self._owner.stream, self._owner.group, self._owner.consumer)
        except self._errors:
            pass
        if self._owned:
            self._redis.close()
            self._reader.close()
        return left

    # ---- stream entries -----------------------------------------------------------------------

    def done(self, entry: str) -> None:
        """Handlers of ``entry`` succeeded (a worker thread): acknowledge and delete it."""
        owner = self._owner
        try:
            self._done_script(keys=[owner.stream, self._attempts_key], args=[owner.group, entry])
            owner.stats["handled"] += 1
        except self._errors as exc:  # it stays pending: another process handles it again later
            owner.stats["errors"] += 1
            log.error("could not acknowledge stream entry %s (%s); it will be handled again", entry, exc)
        with self._cond:
            self._inflight.pop(entry, None)
            self._cond.notify_all()

    def _ensure_group(self) -> None:
        import redis as redis_py

        try:  # from "0": entries appended before the group existed are handled too
            self._redis.xgroup_create(self._owner.stream, self._owner.group, id="0", mkstream=True)
        except redis_py.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _hand(self, entry: Any, fields: Any) -> None:
        entry_id = entry.decode() if isinstance(entry, bytes) else str(entry)
        raw = fields.get(b"f") if isinstance(fields, dict) else None
        try:
            frame = json.loads(raw) if raw is not None else None
        except ValueError:
            frame = None
        if not isinstance(frame, dict):
            log.error("stream entry %s is not an event frame; dropping it", entry_id)
            self.done(entry_id)
            return
        with self._cond:
            self._inflight[entry_id] = time.monotonic()
        self._workers.submit(cast("Connection", _EntryAck(self, entry_id)), frame)

    def _consume(self) -> None:
        owner = self._owner
        next_upkeep = 0.0
        while not self._stopping.is_set():
            try:
                room = self._room()
                now = time.monotonic()
                if now >= next_upkeep:
                    next_upkeep = now + owner.claim_idle / 3
                    self._heartbeat()
                    room -= self._claim(room)
                if room <= 0:
                    with self._cond:
                        self._cond.wait(min(owner.block, max(0.01, next_upkeep - time.monotonic())))
                    continue
                block_ms = int(min(owner.block, max(0.01, next_upkeep - time.monotonic())) * 1000)
                reply = self._reader.xreadgroup(owner.group, owner.consumer, {owner.stream: ">"},
                                                count=room, block=max(1, block_ms))
                for _stream, entries in reply or []:
                    for entry, fields in entries:
                        self._hand(entry, fields)
            except self._errors as exc:
                owner.stats["errors"] += 1
                log.warning("reading %s failed (%s); trying again", owner.stream, exc)
                self._stopping.wait(1.0)
            except Exception:
                log.exception("stream consumer error")
                self._stopping.wait(1.0)

    def _room(self) -> int:
        with self._cond:
            if self._inflight and self._workers.queued == 0:
                # every entry handed out went through the handlers: those not acked failed; let
                # them go idle, so that they are claimed and tried again after claim_idle
                self._inflight.clear()
            return self._owner.prefetch - len(self._inflight)

    def _heartbeat(self) -> None:
        """Reset the idle time of our in-flight entries: they are not up for takeover."""
        with self._cond:
            ids = list(self._inflight)
        owner = self._owner
        for start in range(0, len(ids), 500):
            self._redis.xclaim(owner.stream, owner.group, owner.consumer, 0, ids[start:start + 500],
                               justid=True)

    def _claim(self, room: int) -> int:
        """Take over entries idle for ``claim_idle`` (a dead or failed consumer's); return how many."""
        if room <= 0:
            return 0
        owner = self._owner
        reply = self._reader.xautoclaim(owner.stream, owner.group, owner.consumer,
                                        int(owner.claim_idle * 1000), "0-0", count=room)
        taken = 0
        for entry, fields in reply[1] if len(reply) > 1 else []:
            if fields is None:
                continue  # deleted meanwhile
            entry_id = entry.decode() if isinstance(entry, bytes) else str(entry)
            attempts = int(self._redis.hincrby(self._attempts_key, entry_id, 1))
            owner.stats["claimed"] += 1
            if attempts + 1 > owner.max_deliveries:  # the first delivery was not a claim
                owner.stats["dead"] += 1
                log.error("stream entry %s was delivered %d times without success; moved to %s:dead",
                          entry_id, attempts + 1, owner.stream)
                self._redis.xadd(f"{owner.stream}:dead", fields)
                self.done(entry_id)
                owner.stats["handled"] -= 1
                continue
            taken += 1
            self._hand(entry, fields)
        return taken
