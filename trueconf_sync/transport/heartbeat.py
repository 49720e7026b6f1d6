"""The heartbeat of one connection: deadlines of Futures, our WebSocket pings, dead-link detection.

Threading: runs on its own named daemon thread (one per connection), started and joined by the
connection. It never reads the socket (only the reader thread does) and never waits for the send
lock: it sends a ping only when the lock is free and the socket has room. It ends the connection
(through ``Connection._lose``) when

* a write makes no progress for ``max(pong_timeout, 1)`` s (the peer stopped reading: the writer
  would hold the send lock forever);
* our ping got no pong within ``pong_timeout`` s and nothing else arrived either -- except while
  the reader is paused by backpressure, when the server's pongs wait unread (no verdict then);
* a send failed on some thread and the reader, draining what had arrived, has not met the end of
  the stream within ``max(pong_timeout, 1)`` s.
"""

from __future__ import annotations

import select
import time
from typing import TYPE_CHECKING

from ..errors import ConnectionLostError, RequestTimeoutError, seconds
from .frames import OP_PING

if TYPE_CHECKING:
    from .connection import Connection

__all__ = ["run_heartbeat"]

_monotonic = time.monotonic
TICK = 0.25


def run_heartbeat(conn: Connection) -> None:
    """The heartbeat loop of ``conn`` (returns when the connection ends)."""
    interval = conn._ping_interval
    grace = max(conn._pong_timeout, 1.0)
    next_ping = _monotonic() + interval if interval > 0 else float("inf")
    ping_sent_at: float | None = None
    stall_mark, stall_since = -1, 0.0
    while not conn._stop.wait(TICK):
        now = _monotonic()
        expire(conn, now)
        if conn._send_lock.locked() and conn._sends == stall_mark:
            if now - stall_since > grace:
                conn._lose(ConnectionLostError(f"sending stalled for {grace:g} s (the server stopped reading)"))
                return
        else:
            stall_mark, stall_since = conn._sends, now
        failing = conn._failing
        if failing is not None and not conn.reading_paused and now - conn._failing_since > grace:
            conn._lose(failing)  # the reader did not reach the end of the stream in time
            return
        if conn.reading_paused:  # backpressure: the server's pongs wait unread, no verdict now
            ping_sent_at = None
            next_ping = now + interval
            continue
        if ping_sent_at is not None and conn._last_pong_at < ping_sent_at:
            if now - ping_sent_at > conn._pong_timeout and now - conn.last_frame_at > conn._pong_timeout:
                conn._lose(ConnectionLostError(f"no pong from the server within {seconds(conn._pong_timeout)}"))
                return
        elif now >= next_ping and failing is None and conn._send_lock.acquire(blocking=False):
            try:
                if not conn._close_sent and select.select((), (conn._sock,), (), 0)[1]:  # room: it cannot block
                    conn._sends += 1
                    conn._sock.sendall(conn._masker.frame(b"", OP_PING))
                    ping_sent_at = now
                    next_ping = now + interval
            except Exception as exc:  # noqa: BLE001
                conn._send_lock.release()
                conn._lose(ConnectionLostError(f"ping failed: {exc or type(exc).__name__}"))
                return
            conn._send_lock.release()


def expire(conn: Connection, now: float) -> None:
    """Fail the requests whose deadline passed (and drop completed ones left in the table)."""
    table = conn._pending
    expired = [rid for rid, p in list(table.items()) if p.deadline <= now or p.done]
    for request_id in expired:
        pending = table.pop(request_id, None)
        if pending is not None and not pending.done:
            pending.fail(RequestTimeoutError(f"{pending.method}: no answer in time"))
