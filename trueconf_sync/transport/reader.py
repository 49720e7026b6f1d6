"""The reader thread of a connection: the only code that reads its socket.

Threading: everything here runs on the connection's reader thread (``run_reader``); callers and
the heartbeat never read. Per ``recv`` the incremental frame reader
(:mod:`.frames`) returns the frames it completed; each is processed in order before the next read:

* an answer (type 2) completes the pending request with that id (a blocking caller's lock, a
  Future, or a bulk notify function -- the latter two may run short user callbacks here);
* a server request (type 1) goes to ``on_request`` (ack + queue for handlers; never blocks);
* Ping -> Pong; Close -> answered with a Close (code echoed; 1000 when none), then the end.

Backpressure: when the event queue is full (``Connection.pause_reading``), the reader waits for
room before the next frame -- but only while no call waits for an answer; a new request wakes it.
So answers are never held behind events, and a handler that calls the client cannot deadlock.

Nothing read is lost: frames completed before a failure (a reset, the end of the stream, a
protocol error found later in the same read, a send that failed on another thread) are processed
before the connection is declared lost. A protocol error sends a Close with its code (1002, 1007,
1009) before the TCP stream is closed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import ApiError, AuthError, ConnectionLostError, ProtocolError
from ..logs import get_logger
from . import jsoncodec
from .frames import OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, FrameError, describe_close, parse_close

if TYPE_CHECKING:
    from .connection import Connection

__all__ = ["run_reader"]

log = get_logger("trueconf_sync.connection")

_loads = jsoncodec.loads
_monotonic = time.monotonic
_get_ident = threading.get_ident
_AUTH_CODES = frozenset({201, 202, 203, 204})


def wait_for_room(conn: Connection, hold: Callable[[], bool]) -> None:
    """Reader thread: wait while the event queue is full and no call is pending."""
    if not hold():
        conn._hold = None
        return
    if conn._pending:
        return  # answers are awaited: read on (events wait in the queue beyond its limit)
    reply_acks(conn)
    conn.reading_paused = True
    last = float("-inf")
    try:
        while not conn._closed and not conn._pending and hold():
            keepalive = conn._keepalive
            if keepalive is not None and _monotonic() - last >= conn._keepalive_every:
                last = _monotonic()
                keepalive()
            with conn._wake:
                if not conn._pending and not conn._closed:
                    conn._wake.wait(0.01)
    finally:
        conn.reading_paused = False
    if not hold():
        conn._hold = None


def run_reader(conn: Connection) -> None:
    """The reader thread of ``conn``: read, process, and end the connection when the stream ends."""
    conn._reader_ident = _get_ident()
    read = conn._frames.read
    error: ConnectionLostError | None = None
    try:
        while error is None:
            frames = read()
            conn.last_frame_at = _monotonic()
            if frames:
                error = process(conn, frames)
    except FrameError as exc:
        error = ConnectionLostError(f"the connection failed ({describe_close(exc.code)}): {exc}")
        if not conn._closed:
            conn._send_close(exc.code)
    except EOFError as exc:
        error = ConnectionLostError(f"{exc} without a close frame")
    except Exception as exc:  # noqa: BLE001 - any socket error ends the connection
        error = ConnectionLostError(f"connection lost: {_describe(exc)}")
    finally:
        conn._reader_ident = None  # idents are reused once the thread has ended
        conn._peer_closed.set()
    if not conn._closed:
        conn._lose(error)


def process(conn: Connection, frames: list[tuple[int, Any]]) -> ConnectionLostError | None:
    """Handle frames; return the reason when a Close frame ended the stream."""
    handle = handle_text
    conn._acks = []
    try:
        for opcode, data in frames:
            hold = conn._hold
            if hold is not None:
                wait_for_room(conn, hold)
            if opcode == OP_TEXT:
                handle(conn, data)
            elif opcode == OP_PING:
                reply(conn, data, OP_PONG)
            elif opcode == OP_PONG:
                conn._last_pong_at = conn.last_frame_at
            elif opcode == OP_CLOSE:
                reply_acks(conn)
                return server_closed(conn, data)
            elif opcode == OP_BINARY:
                log.warning("ignoring a binary frame of %d bytes (the protocol uses text)", len(data))
        reply_acks(conn)
    finally:
        conn._acks = None
    return None


def reply(conn: Connection, payload: bytes, opcode: int) -> None:
    """Send from the reader; a failed write only stops sending (the reader reads on)."""
    if conn._failing is None:
        try:
            conn._send_frame(payload, opcode)
        except ConnectionLostError:
            pass


def reply_acks(conn: Connection) -> None:
    """Send the acks batched during a burst (a failed write only stops sending)."""
    if conn._acks and conn._failing is None:
        try:
            conn._flush_acks()
        except ConnectionLostError:
            pass


def server_closed(conn: Connection, payload: bytes) -> ConnectionLostError:
    """The server's Close: answer it (echo its code, 1000 when it sent none) unless we sent ours."""
    code, reason = parse_close(payload)  # FrameError (1002) when invalid: never echoed
    if not conn._closed:
        conn._send_close(1000 if code is None else code)
    how = describe_close(code, reason) if code is not None else "no close code"
    return ConnectionLostError(f"the server closed the connection ({how})")


def handle_text(conn: Connection, data: Any) -> None:
    """One text message: an answer completes its request, a server request goes to ``on_request``."""
    try:
        frame = _loads(data)
    except (ValueError, RecursionError) as exc:
        log.warning("ignoring a frame that is not valid JSON (%d chars): %s", len(data), type(exc).__name__)
        return
    if type(frame) is not dict:
        log.warning("ignoring a frame that is not a JSON object")
        return
    kind = frame.get("type")
    if kind == 2:
        resolve(conn, frame)
    elif kind == 1:
        if conn._closed:  # closed by its owner, waiting for the server's Close: left unacked
            return
        try:
            conn._on_request(conn, frame)
        except Exception:
            log.exception("error while queueing server request %r", frame.get("method"))
    else:
        log.warning("ignoring a frame of unknown type %r", kind)


def resolve(conn: Connection, frame: dict[str, Any]) -> None:
    """Complete the pending request a response answers (ignored when unknown or expired)."""
    request_id = frame.get("id")
    pending = conn._pending.pop(request_id, None) if type(request_id) is int else None
    if pending is None:
        log.debug("response to unknown or expired request id %r", frame.get("id"))
        return
    payload = frame.get("payload")
    if type(payload) is dict:
        code = payload.get("errorCode")
        if code:  # missing or 0 means success (PROTOCOL §1.2)
            pending.fail(_api_error(code, payload, pending.method))
            return
    try:
        result = pending.parse(payload)
    except Exception as exc:  # noqa: BLE001
        pending.fail(ProtocolError(f"{pending.method}: unreadable response: {exc}"))
        return
    pending.succeed(result)


def _api_error(code: Any, payload: dict[str, Any], method: str) -> ApiError:
    try:
        number = int(code)
    except (TypeError, ValueError):
        number = -1
    if (method == "auth" and number in _AUTH_CODES) or number == 203:
        return AuthError(number, payload, method=method)
    return ApiError(number, payload, method=method)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "..."
