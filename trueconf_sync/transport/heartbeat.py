"""Heartbeats of every connection in the process: deadlines of Futures, our pings, dead-link detection.

Threading: ONE daemon thread per process (``trueconf-heartbeat``), shared by all connections, so a
process holding a hundred clients does not hold a hundred heartbeat threads. It starts with the
first connection, ends when the last one is gone (and after a fork in the child, which inherits no
threads), and visits every connection each :data:`TICK` seconds. Per connection, a :class:`Heartbeat`
keeps the state and decides; the shared thread (:class:`Ticker`) only drives them.

A beat never reads the socket (only the reader thread does) and never waits for the send lock: it
sends a ping only when the lock is free and the socket has room. A verdict ends the connection on a
short-lived thread of its own, because ending it runs the client's state-change receivers (user
code) and one slow receiver must not stall the heartbeats of every other connection. A connection
ends when

* a write makes no progress for ``max(pong_timeout, 1)`` s (the peer stopped reading: the writer
  would hold the send lock forever);
* our ping got no pong within ``pong_timeout`` s and nothing else arrived either -- except while
  the reader is paused by backpressure, when the server's pongs wait unread (no verdict then);
* a send failed on some thread and the reader, draining what had arrived, has not met the end of
  the stream within ``max(pong_timeout, 1)`` s.

Requests whose deadline passed fail here with :class:`~trueconf_sync.errors.RequestTimeoutError`;
their completion callbacks run on the shared thread, so they must not block (a blocking call there
raises :class:`~trueconf_sync.errors.BlockingCallError`, as on a reader thread).
"""

from __future__ import annotations

import os
import select
import threading
import time
from typing import TYPE_CHECKING

from ..errors import ConnectionLostError, RequestTimeoutError, seconds
from ..logs import get_logger
from .frames import OP_PING

if TYPE_CHECKING:
    from .connection import Connection

__all__ = ["TICK", "TICKER", "Heartbeat", "Ticker"]

log = get_logger("trueconf_sync.connection")

_monotonic = time.monotonic
#: Seconds between two visits of a connection (deadlines are met within this much).
TICK = 0.25


class Heartbeat:
    """The liveness state of one connection; :meth:`beat` is called by the shared :class:`Ticker`."""

    __slots__ = ("conn", "grace", "interval", "next_ping", "ping_sent_at", "stall_mark", "stall_since")

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.interval = conn._ping_interval
        self.grace = max(conn._pong_timeout, 1.0)
        self.next_ping = _monotonic() + self.interval if self.interval > 0 else float("inf")
        self.ping_sent_at: float | None = None
        self.stall_mark, self.stall_since = -1, 0.0

    def beat(self, now: float) -> ConnectionLostError | None:
        """One visit: expire requests, judge liveness, maybe ping. Returns why the connection is dead."""
        conn = self.conn
        expire(conn, now)
        if conn._send_lock.locked() and conn._sends == self.stall_mark:
            if now - self.stall_since > self.grace:
                return ConnectionLostError(f"sending stalled for {self.grace:g} s (the server stopped reading)")
        else:
            self.stall_mark, self.stall_since = conn._sends, now
        failing = conn._failing
        if failing is not None and not conn.reading_paused and now - conn._failing_since > self.grace:
            return failing  # the reader did not reach the end of the stream in time
        if conn.reading_paused:  # backpressure: the server's pongs wait unread, no verdict now
            self.ping_sent_at = None
            self.next_ping = now + self.interval
            return None
        if self.ping_sent_at is not None and conn._last_pong_at < self.ping_sent_at:
            if now - self.ping_sent_at > conn._pong_timeout and now - conn.last_frame_at > conn._pong_timeout:
                return ConnectionLostError(f"no pong from the server within {seconds(conn._pong_timeout)}")
        elif now >= self.next_ping and failing is None and conn._send_lock.acquire(blocking=False):
            try:
                if not conn._close_sent and select.select((), (conn._sock,), (), 0)[1]:  # room: it cannot block
                    conn._sends += 1
                    conn._sock.sendall(conn._masker.frame(b"", OP_PING))
                    self.ping_sent_at = now
                    self.next_ping = now + self.interval
            except Exception as exc:  # noqa: BLE001
                return ConnectionLostError(f"ping failed: {exc or type(exc).__name__}")
            finally:
                conn._send_lock.release()
        return None


def expire(conn: Connection, now: float) -> None:
    """Fail the Future and bulk requests whose deadline passed (and drop completed ones left in the
    table). A blocking caller wakes at its own deadline and ends its request itself."""
    table = conn._pending
    expired = [rid for rid, p in list(table.items()) if (p.deadline <= now and p.lock is None) or p.done]
    for request_id in expired:
        pending = table.pop(request_id, None)
        if pending is not None and not pending.done:
            within = f"within {seconds(pending.timeout)}" if pending.timeout is not None else "in time"
            pending.fail(RequestTimeoutError(f"{pending.method}: no answer {within}"))


class Ticker:
    """The one thread that drives every :class:`Heartbeat` of the process (see the module docstring).

    ``add``/``remove`` may be called from any thread. The thread runs only while at least one
    heartbeat is registered.
    """

    def __init__(self, tick: float = TICK, name: str = "trueconf-heartbeat") -> None:
        self._tick = tick
        self._name = name
        self._lock = threading.Lock()
        self._beats: dict[Heartbeat, None] = {}  # insertion-ordered set
        self._thread: threading.Thread | None = None
        #: The thread id of the running ticker, None when it is not running (a plain attribute:
        #: every blocking call reads it).
        self.ident: int | None = None
        self._ending: threading.Thread | None = None  # the last thread told to stop
        self._wake = threading.Event()  # set when the last heartbeat left: stop without waiting a tick
        os.register_at_fork(after_in_child=self._after_fork)

    def add(self, beat: Heartbeat) -> None:
        """Start visiting ``beat`` (starts the thread when it is not running)."""
        with self._lock:
            self._beats[beat] = None
            if self._thread is None or not self._thread.is_alive():
                self._wake = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(self._wake,), name=self._name, daemon=True)
                self._thread.start()
                self.ident = self._thread.ident

    def remove(self, beat: Heartbeat, timeout: float = 0.0) -> None:
        """Stop visiting ``beat``; when it was the last one, the thread ends (waited for up to ``timeout``)."""
        with self._lock:
            self._beats.pop(beat, None)
            if not self._beats and self._thread is not None:
                self._ending, self._thread = self._thread, None
                self.ident = None
                self._wake.set()
            # (a connection that ended by itself removed its beat already: close() still waits)
            thread = self._ending if not self._beats else None
        if thread is not None and thread is not threading.current_thread() and timeout > 0:
            thread.join(timeout)

    def _run(self, stop: threading.Event) -> None:
        while not stop.wait(self._tick):
            now = _monotonic()
            with self._lock:
                beats = list(self._beats)
            for beat in beats:
                if beat.conn._closed:  # ended meanwhile (it removes itself; this covers a race)
                    self.remove(beat)
                    continue
                try:
                    verdict = beat.beat(now)
                except Exception:  # one connection's failure must not stop the others' heartbeats
                    log.exception("heartbeat of %s failed", beat.conn._name)
                    continue
                if verdict is not None:
                    self.remove(beat)
                    _end(beat.conn, verdict)

    def _after_fork(self) -> None:
        # The child inherits the registrations but not the thread; its connections are the
        # parent's sockets, which the client replaces after a fork (they register anew).
        self._lock = threading.Lock()
        self._beats = {}
        self._thread = None
        self.ident = None
        self._ending = None
        self._wake = threading.Event()


def _end(conn: Connection, error: ConnectionLostError) -> None:
    """End ``conn`` on a thread of its own (ending it runs the owner's callbacks)."""
    threading.Thread(target=conn._lose, args=(error,), name=f"{conn._name}-lost", daemon=True).start()


#: The process's ticker.
TICKER = Ticker()
