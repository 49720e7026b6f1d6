"""The dispatcher behind :class:`~trueconf_sync.contrib.redis.RedisStream`: intake, consumer, acks.

Three threads per client life, so that Redis round trips are batched rather than paid per event
(redis-py costs a few hundred microseconds of CPU per command on a small VM; per event that was
the whole budget of a busy bot, and every process pays the intake for every event):

* the **reader** thread only queues incoming frames (:meth:`_StreamDispatcher.submit`);
* the **intake** thread appends everything queued in one pipeline of the append script and then
  acks the server for those frames (``ack="after_handling"``);
* the **consumer** thread reads entries for the handler workers and acknowledges finished ones
  in the same round trip as the next read (one script: ``XACK``/``XDEL``, then a non-blocking
  ``XREADGROUP``). While it waits in a blocking ``XREADGROUP`` a finished handler acknowledges its
  entry itself, so an acknowledgement never waits for a read to time out (a handled but
  unacknowledged entry is what a crash turns into a duplicate).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, cast

from ._conn import connect
from .scripts import ACK_READ, APPEND, LEAVE, event_key

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...core.protocols import Dispatcher
    from ...transport.connection import Connection
    from .stream import RedisStream

log = logging.getLogger("trueconf_sync.contrib.redis")

#: frames appended in one pipeline at most
INTAKE_BATCH = 256
#: frames queued for the intake thread before the reader thread waits (backpressure, as when every
#: append was a round trip on the reader thread)
INTAKE_LIMIT = 10_000
#: entry ids acknowledged by one script call at most (Lua's ``unpack`` has a stack limit)
ACK_BATCH = 1000
#: seconds between non-blocking reads while handlers run and there is room for more entries
BUSY_POLL = 0.05


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


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class _StreamDispatcher:
    """The dispatcher of one client life: intake thread, consumer thread, the client's handler workers."""

    def __init__(self, owner: RedisStream, workers: Dispatcher, ack_server: bool) -> None:
        import redis as redis_py

        self._owner = owner
        self._workers = workers
        self._ack_server = ack_server
        self._errors: tuple[type[BaseException], ...] = (redis_py.RedisError, OSError)
        self._noscript: type[BaseException] = redis_py.exceptions.NoScriptError
        opts = {"socket_timeout": owner.block + 10.0, "socket_connect_timeout": 10.0}
        self._redis, self._owned = connect(owner._url, "RedisStream", **opts)
        self._reader, _ = connect(owner._url, "RedisStream", **opts) if self._owned else (self._redis, False)
        self._append = self._redis.register_script(APPEND)
        self._ack_read = self._redis.register_script(ACK_READ)
        self._attempts_key = f"{owner.stream}:attempts"
        self._seen_prefix = f"{owner.stream}:seen:"
        # consumer state, under _cond: entries handed to the workers, finished ones to acknowledge
        self._inflight: dict[str, float] = {}
        self._acks: list[str] = []
        self._self_ack = False  # the consumer blocks in XREADGROUP (or is gone): done() acks itself
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        # intake state, under _intake_cond
        self._intake: deque[tuple[Connection, dict[str, Any]]] = deque()
        self._intake_cond = threading.Condition()
        self._intake_closed = False
        self._ensure_group()
        name = owner.group
        self._thread = threading.Thread(target=self._consume, name=f"trueconf-redis-stream-{name}", daemon=True)
        self._intake_thread = threading.Thread(target=self._run_intake, name=f"trueconf-redis-intake-{name}",
                                               daemon=True)
        self._thread.start()
        self._intake_thread.start()

    # ---- the Dispatcher protocol --------------------------------------------------------------

    @property
    def queued(self) -> int:
        return self._workers.queued

    @property
    def handled(self) -> int:
        return self._workers.handled

    def submit(self, connection: Connection, frame: dict[str, Any],
               keepalive: Callable[[], None] | None = None, keepalive_every: float = 1.0) -> None:
        """Reader thread: queue the event for the intake thread (it appends, then acks the server)."""
        with self._intake_cond:
            if not self._intake_closed:
                while len(self._intake) >= INTAKE_LIMIT and not self._intake_closed:
                    if not self._intake_cond.wait(keepalive_every) and keepalive is not None:
                        keepalive()  # Redis is slow: the server must still see us alive
                if not self._intake_closed:
                    self._intake.append((connection, frame))
                    self._intake_cond.notify_all()
                    return
        self._append_batch([(connection, frame)])  # stopping: append on this thread

    def stop(self, timeout: float = 5.0) -> int:
        """Append what arrived, stop reading, let queued entries finish (up to ``timeout``).

        Unfinished entries stay pending; another process takes them over after ``claim_idle``.
        """
        deadline = time.monotonic() + timeout
        with self._intake_cond:
            self._intake_closed = True
            self._intake_cond.notify_all()
        self._join(self._intake_thread, deadline - time.monotonic())
        self._stopping.set()
        with self._cond:
            self._cond.notify_all()
        self._join(self._thread, min(deadline - time.monotonic(), self._owner.block + 1.0))
        left = self._workers.stop(max(0.0, deadline - time.monotonic()))
        with self._cond:
            self._self_ack = True
            acks, self._acks = self._acks, []
        self._flush(acks)
        try:
            self._redis.eval(LEAVE, 1, self._owner.stream, self._owner.group, self._owner.consumer)
        except self._errors:
            pass
        if self._owned:
            self._redis.close()
            self._reader.close()
        return left

    @staticmethod
    def _join(thread: threading.Thread, seconds: float) -> None:
        if thread is not threading.current_thread():
            thread.join(max(0.0, seconds))

    # ---- intake -------------------------------------------------------------------------------

    def _run_intake(self) -> None:
        while True:
            with self._intake_cond:
                while not self._intake and not self._intake_closed:
                    self._intake_cond.wait()
                if not self._intake:
                    return  # closed and drained
                queue = self._intake
                batch = [queue.popleft() for _ in range(min(len(queue), INTAKE_BATCH))]
                self._intake_cond.notify_all()  # room for a waiting reader thread
            try:
                self._append_batch(batch)
            except Exception:
                log.exception("stream intake error; %d events left unacknowledged", len(batch))

    def _append_batch(self, batch: list[tuple[Connection, dict[str, Any]]]) -> None:
        """Append the events once for the whole group (one round trip), then ack the server."""
        owner = self._owner
        args = [(self._seen_prefix + event_key(frame), json.dumps(frame, ensure_ascii=False, separators=(",", ":")))
                for _conn, frame in batch]
        try:
            results = self._pipelined_append(args)
        except self._errors as exc:
            owner.stats["errors"] += len(batch)
            log.error("could not append %d event(s) to %s (%s); left unacknowledged on the server",
                      len(batch), owner.stream, exc)
            return
        for (conn, frame), result in zip(batch, results):
            if isinstance(result, Exception):
                owner.stats["errors"] += 1
                log.error("could not append a %s event to %s (%s); left unacknowledged on the server",
                          frame.get("method"), owner.stream, result)
                continue
            owner.stats["appended" if result else "duplicates"] += 1
            server_id = frame.get("id")
            if self._ack_server and type(server_id) is int:
                conn.send_ack(server_id)

    def _pipelined_append(self, args: list[tuple[str, str]]) -> list[Any]:
        # EVALSHA by hand: redis-py's pipelined Script asks SCRIPT EXISTS before every batch. A
        # NOSCRIPT answer (Redis restarted or flushed its scripts) fails the whole batch before
        # anything ran, so the batch is simply sent again after loading the script.
        results = self._send_appends(args)
        if any(isinstance(result, self._noscript) for result in results):
            self._redis.script_load(APPEND)
            results = self._send_appends(args)
        return results

    def _send_appends(self, args: list[tuple[str, str]]) -> list[Any]:
        owner = self._owner
        pipe = self._redis.pipeline(transaction=False)
        for key, text in args:
            pipe.evalsha(self._append.sha, 2, key, owner.stream, owner.dedup_ttl, text)
        results: list[Any] = pipe.execute(raise_on_error=False)
        return results

    # ---- stream entries -----------------------------------------------------------------------

    def done(self, entry: str) -> None:
        """Handlers of ``entry`` succeeded (a worker thread): acknowledge and delete it.

        Normally the consumer thread does that with its next read; while it is blocked in a read
        (or gone), this thread does it at once.
        """
        with self._cond:
            self._inflight.pop(entry, None)
            if not self._self_ack:
                self._acks.append(entry)
                self._cond.notify_all()
                return
        self._flush([entry])

    def _flush(self, entries: list[str], *, handled: bool = True) -> None:
        """Acknowledge and delete ``entries`` now (any thread)."""
        for start in range(0, len(entries), ACK_BATCH):
            self._ack_and_read(self._redis, entries[start:start + ACK_BATCH], 0, handled=handled)

    def _ack_and_read(self, client: Any, acks: list[str], count: int, *, handled: bool = True) -> int:
        """One round trip: acknowledge ``acks``, read up to ``count`` new entries (no waiting).

        Returns how many entries were handed to the workers.
        """
        owner = self._owner
        try:
            reply = self._ack_read(keys=[owner.stream, self._attempts_key],
                                   args=[owner.group, owner.consumer, max(0, count), *acks], client=client)
        except self._errors as exc:
            if not acks:
                raise
            owner.stats["errors"] += 1  # they stay pending: another process handles them again later
            log.error("could not acknowledge %d stream entries (%s); they will be handled again", len(acks), exc)
            return 0
        if handled:
            owner.stats["handled"] += len(acks)
        return self._hand_all(reply)

    def _ensure_group(self) -> None:
        import redis as redis_py

        try:  # from "0": entries appended before the group existed are handled too
            self._redis.xgroup_create(self._owner.stream, self._owner.group, id="0", mkstream=True)
        except redis_py.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def _hand_all(self, reply: Any) -> int:
        """Hand entries of an ``XREADGROUP`` reply (parsed by redis-py or raw from Lua) to the workers."""
        taken = 0
        for item in reply or []:
            entries = item[1] if isinstance(item, (list, tuple)) else []
            for entry, fields in entries:
                if isinstance(fields, list):  # raw Lua reply: [field, value, ...]
                    fields = dict(zip(fields[::2], fields[1::2]))
                self._hand(entry, fields)
                taken += 1
        return taken

    def _hand(self, entry: Any, fields: Any) -> None:
        entry_id = _text(entry)
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
                now = time.monotonic()
                if now >= next_upkeep:
                    next_upkeep = now + owner.claim_idle / 3
                    self._heartbeat()
                    self._claim(self._room()[0])
                self._consume_once(max(0.01, next_upkeep - time.monotonic()))
            except self._errors as exc:
                owner.stats["errors"] += 1
                log.warning("reading %s failed (%s); trying again", owner.stream, exc)
                self._stopping.wait(1.0)
            except Exception:
                log.exception("stream consumer error")
                self._stopping.wait(1.0)
        with self._cond:
            self._self_ack = True
            acks, self._acks = self._acks, []
        self._flush(acks)

    def _consume_once(self, until_upkeep: float) -> None:
        """One step: acknowledge finished entries and read more, or wait for room or entries."""
        owner = self._owner
        room, busy = self._room()
        with self._cond:
            acks, self._acks = self._acks[:ACK_BATCH], self._acks[ACK_BATCH:]
        if acks:
            self._ack_and_read(self._reader, acks, room)
            return
        wait = min(owner.block, until_upkeep)
        if room > 0 and busy:  # handlers run: take what is there, then wait for one to finish
            if self._ack_and_read(self._reader, [], room) == 0:
                wait = min(wait, BUSY_POLL)
            else:
                return
        elif room > 0:  # idle: wait in Redis for new entries; finished handlers ack themselves
            with self._cond:
                if self._acks:
                    return
                self._self_ack = True
            try:
                reply = self._reader.xreadgroup(owner.group, owner.consumer, {owner.stream: ">"},
                                                count=room, block=max(1, int(wait * 1000)))
            finally:
                with self._cond:
                    self._self_ack = self._stopping.is_set()
            self._hand_all(reply)
            return
        with self._cond:
            if not self._acks and not self._stopping.is_set():
                self._cond.wait(wait)

    def _room(self) -> tuple[int, bool]:
        """(entries this process may still take, whether any are in the workers' hands)."""
        with self._cond:
            if self._inflight and self._workers.queued == 0:
                # every entry handed out went through the handlers: those not acked failed; let
                # them go idle, so that they are claimed and tried again after claim_idle
                self._inflight.clear()
            return self._owner.prefetch - len(self._inflight), bool(self._inflight)

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
            entry_id = _text(entry)
            attempts = int(self._redis.hincrby(self._attempts_key, entry_id, 1))
            owner.stats["claimed"] += 1
            if attempts + 1 > owner.max_deliveries:  # the first delivery was not a claim
                owner.stats["dead"] += 1
                log.error("stream entry %s was delivered %d times without success; moved to %s:dead",
                          entry_id, attempts + 1, owner.stream)
                self._redis.xadd(f"{owner.stream}:dead", fields)
                self._flush([entry_id], handled=False)
                continue
            taken += 1
            self._hand(entry, fields)
        return taken
