"""One WebSocket connection: the socket, its reader thread, the send lock and the pending table.

Threads (all named, daemon, joined by :meth:`Connection.close`):

* **reader** -- reads frames (:mod:`.frames`: one ``recv`` for a whole burst) -> ``json.loads`` -> a
  response completes the pending call with that id; a server request is handed to ``on_request``
  (the client acks it and queues it for handlers; acks made while a burst is processed leave in one
  write at its end). It never runs user code and never blocks on anything but the socket (and the
  send lock).
* **a blocking caller** -- while the reader thread is parked (see below), a thread blocked in
  :meth:`Connection.call` reads the socket itself until its own answer comes ("leader"): a
  sequential caller then wakes straight from ``recv`` instead of waiting for the reader thread to
  wake it, the thread hop that otherwise dominates a round trip. The leader completes answers of
  other blocking calls too (that only releases their locks); anything else -- server requests,
  answers to Futures (their callbacks are user code), close frames -- goes to the reader thread,
  which the leader wakes and hands the socket to. The reader thread parks for a few milliseconds
  after completing a blocking call when nothing else is pending (sequential traffic), and the
  leaders keep it parked while they come back to back. One lock (``_read_lock``) guards reading.
* **heartbeat** -- fails Futures whose deadline passed, sends WebSocket pings and closes the
  connection when the peer stops answering (PROTOCOL §1.5).

Writes from any thread go through one lock. When the socket drops, every pending call fails at
once with :class:`~trueconf_sync.errors.ConnectionLostError` (never after its timeout). A pending
call is completed exactly once, by the thread that took it out of the table (``dict.pop`` is
atomic): the reader (answer), the heartbeat (deadline), the caller (its own timeout) or the
shutdown (connection lost).
"""

from __future__ import annotations

import itertools
import logging
import math
import select
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import websocket

from ..errors import (
    ApiError,
    AuthError,
    BlockingCallError,
    ConnectionLostError,
    ProtocolError,
    RequestTimeoutError,
)
from . import jsoncodec
from .frames import OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT, FrameReader, Masker
from .pending import Notify, Pending

__all__ = ["Connection", "Pending"]

log = logging.getLogger("trueconf_sync.connection")

_dumps = jsoncodec.dumps
_loads = jsoncodec.loads
_monotonic = time.monotonic
_get_ident = threading.get_ident

#: Socket options: no Nagle delay for small request frames, TCP keepalive for idle links.
_SOCKOPT: list[tuple[int, int, int]] = [
    (socket.IPPROTO_TCP, socket.TCP_NODELAY, 1),
    (socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1),
]
for _name, _value in (("TCP_KEEPIDLE", 15), ("TCP_KEEPINTVL", 5), ("TCP_KEEPCNT", 3)):
    if hasattr(socket, _name):
        _SOCKOPT.append((socket.IPPROTO_TCP, getattr(socket, _name), _value))

_AUTH_CODES = frozenset({201, 202, 203, 204})
#: How long the reader thread stays parked after a blocking call completed with nothing else
#: pending, so that the next sequential call can read its own answer (0 without ``select.poll``).
PARK_SECONDS = 0.005 if hasattr(select, "poll") else 0.0
#: poll events of a peer that reset the connection or shut its side down.
_HANGUP = select.POLLHUP | select.POLLERR | getattr(select, "POLLRDHUP", 0) if hasattr(select, "poll") else 0
#: Longest single wait of a reading caller before it checks whether the connection was closed.
_POLL_SLICE = 0.25
#: Pseudo opcode of a deferred text frame that a leader has parsed already.
_PARSED = -1
_ANSWERED = object()


class Connection:
    """A connected, not yet authorised WebSocket to the Chatbot Connector.

    Args:
        url: ``ws://`` or ``wss://`` URL of ``/websocket/chat_bot/``.
        on_request: called on the reader thread with (connection, frame) for every server request;
            must not block.
        on_lost: called once, on the thread that noticed, with (connection, error) when the
            connection ends for any reason other than :meth:`close` being called by its owner.
        connect_timeout: seconds for TCP + TLS + WebSocket handshake.
        sslopt: websocket-client TLS options (see :mod:`trueconf_sync.tls`).
        ping_interval / pong_timeout: our keepalive; ``ping_interval=0`` disables our pings.
        header: extra HTTP headers of the handshake (User-Agent).
    """

    #: Set by the dispatcher while the reader waits for room in the event queue (backpressure).
    reading_paused = False
    #: Frames written so far (the heartbeat's progress marker for stalled writes).
    _sends = 0

    def __init__(
        self,
        url: str,
        *,
        on_request: Callable[[Connection, dict[str, Any]], None],
        on_lost: Callable[[Connection, ConnectionLostError], None],
        connect_timeout: float = 10.0,
        sslopt: dict[str, Any] | None = None,
        ping_interval: float = 30.0,
        pong_timeout: float = 10.0,
        header: list[str] | None = None,
        name: str = "trueconf",
    ) -> None:
        self.url = url
        self._on_request = on_request
        self._on_lost = on_lost
        self._ping_interval = ping_interval
        self._pong_timeout = pong_timeout
        self._name = name
        self._pending: dict[int, Pending] = {}
        self._ids = itertools.count(1)
        self._send_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._closed = False
        self._close_error: ConnectionLostError | None = None
        self._stop = threading.Event()
        self.last_frame_at = _monotonic()
        self._last_pong_at = _monotonic()
        self.user_id: str | None = None
        self.connection_id: str | None = None
        try:
            self._ws = websocket.create_connection(
                url,
                timeout=connect_timeout,
                sslopt=sslopt or {},
                sockopt=_SOCKOPT,
                header=header or [],
                subprotocols=["json.v1"],
                enable_multithread=True,  # its lock also covers the pongs the reader sends
                skip_utf8_validation=True,
            )
        except Exception as exc:
            raise ConnectionLostError(f"could not connect to {_safe_url(url)}: {_describe(exc)}") from exc
        self._ws.settimeout(None)  # the reader blocks; liveness is the heartbeat's job
        sock = self._ws.sock
        assert sock is not None
        self._sock: socket.socket = sock
        self._masker = Masker()
        self._frames = FrameReader(sock)
        self._acks: list[bytes] | None = None  # acks batched while the reader processes a burst
        self._reader_ident: int | None = None
        # who reads: the reader thread, or a blocking caller while the reader is parked
        self._read_lock = threading.Lock()
        self._park = threading.Condition(threading.Lock())
        self._parked = False
        self._wake = False  # the reader thread is wanted: stop parking
        self._park_until = 0.0
        self._deferred: deque[tuple[int, Any]] = deque()  # frames a leader left to the reader
        self._poller: Any = None
        self._ssl = hasattr(sock, "pending")
        self._probe: Any = None
        self._probe_lock = threading.Lock()
        if PARK_SECONDS > 0:
            self._poller = select.poll()
            self._poller.register(sock, select.POLLIN)
            self._probe = select.poll()  # a second one: a poll object cannot be polled by two threads
            self._probe.register(sock, _HANGUP)
        self._reader = threading.Thread(target=self._read_loop, name=f"{name}-reader", daemon=True)
        self._heartbeat = threading.Thread(target=self._heartbeat_loop, name=f"{name}-heartbeat", daemon=True)
        self._reader.start()
        self._heartbeat.start()

    # ---- state ----------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once the connection has ended (closed or lost)."""
        if not self._closed and self._parked:
            self._notice_hangup()
        return self._closed

    def _notice_hangup(self) -> None:
        """While the reader thread is parked nobody reads, so a peer that hung up meanwhile would go
        unnoticed until a call is sent into the dead socket. Ask the kernel; on a hang-up let the
        reader thread read what is left and end the connection (a client then reconnects before
        sending, as when the reader noticed at once)."""
        if self._probe is None or not self._probe_lock.acquire(False):
            return
        try:
            events = self._probe.poll(0)
        finally:
            self._probe_lock.release()
        if events and events[0][1] & _HANGUP and _get_ident() != self._reader_ident:
            self._unpark()
            self._reader.join(1.0)

    @property
    def pending_count(self) -> int:
        """Number of requests waiting for a response."""
        return len(self._pending)

    def is_reader_thread(self) -> bool:
        """True when called on this connection's reader thread."""
        return _get_ident() == self._reader_ident

    # ---- sending --------------------------------------------------------------------------

    def request(self, method: str, payload: Any, parse: Callable[[Any], Any], timeout: float) -> Future[Any]:
        """Send a request and return the Future of its parsed result (fails after ``timeout``)."""
        pending = Pending(method, parse, _monotonic() + timeout)
        self._send_request(pending, payload)
        if self._parked:  # its answer needs the reader thread
            self._unpark()
        assert pending.future is not None
        return pending.future

    def request_many(
        self,
        method: str,
        payloads: list[Any],
        parse: Callable[[Any], Any],
        timeout: float,
        notify: Notify,
        first_index: int = 0,
    ) -> None:
        """Send one request per payload, all in one write; no Futures.

        ``notify(first_index + i, result, error)`` is called once per request when it ends (on
        the reader thread for answers, the heartbeat for timeouts, the thread that noticed a lost
        connection otherwise); it must not block.
        """
        deadline = _monotonic() + timeout
        table = self._pending
        ids = self._ids
        frames = []
        sent: list[tuple[int, Pending]] = []
        for offset, payload in enumerate(payloads):
            request_id = next(ids)
            pending = Pending(method, parse, deadline, notify=notify, index=first_index + offset)
            frames.append(_dumps({"type": 1, "id": request_id, "method": method, "payload": payload}))
            table[request_id] = pending
            sent.append((request_id, pending))
        error: ConnectionLostError | None = None
        if self._closed:
            error = self._lost_error()
        else:
            try:
                self._send_frames(frames)
            except ConnectionLostError as exc:
                error = exc
        if error is not None:
            for request_id, pending in sent:
                if table.pop(request_id, None) is not None:
                    pending.fail(error)
        elif self._parked:
            self._unpark()

    def call(self, method: str, payload: Any, parse: Callable[[Any], Any], timeout: float) -> Any:
        """Send a request and block for its result (``timeout`` seconds at most)."""
        if _get_ident() == self._reader_ident:
            raise BlockingCallError(
                f"blocking call {method!r} on the connection's reader thread would deadlock; "
                "use the non-blocking .future(...) form in Future callbacks"
            )
        deadline = _monotonic() + timeout
        pending = Pending(method, parse, deadline, blocking=True)
        request_id = self._send_request(pending, payload)
        lock = pending.lock
        if (lock.locked() and self._poller is not None and not self._wake and not self._deferred
                and self._read_lock.acquire(False)):
            self._lead(pending)
        if not lock.acquire(True, max(0.0, deadline - _monotonic())):
            if self._pending.pop(request_id, None) is not None:  # ours to fail: nobody answered
                raise RequestTimeoutError(f"{method}: no answer within {timeout:g} s")
            # another thread took it out of the table and is completing it right now
            if not lock.acquire(True, 5.0):
                raise RequestTimeoutError(f"{method}: no answer within {timeout:g} s")
        if pending.error is not None:
            raise pending.error
        return pending.value

    def _send_request(self, pending: Pending, payload: Any) -> int:
        """Register ``pending`` under a new id and send its frame; failures complete it."""
        request_id = next(self._ids)
        frame = _dumps({"type": 1, "id": request_id, "method": pending.method, "payload": payload})
        self._pending[request_id] = pending
        if self._closed:  # checked after registering: close() sweeps the table once
            if self._pending.pop(request_id, None) is not None:
                pending.fail(self._lost_error())
            return request_id
        try:
            self._send_frame(frame)
        except ConnectionLostError as exc:
            if self._pending.pop(request_id, None) is not None:
                pending.fail(exc)
        return request_id

    def send_ack(self, server_id: Any) -> None:
        """Acknowledge server request ``server_id`` (PROTOCOL §1.4). Silently skipped when closed.

        On the reader thread, while it processes a burst, the ack joins the burst's batch (sent
        in one write when the burst is done); elsewhere it is sent at once.
        """
        if self._closed:
            return
        text = b'{"type":2,"id":%d}' % server_id if type(server_id) is int else _dumps({"type": 2, "id": server_id})
        acks = self._acks
        if acks is not None and _get_ident() == self._reader_ident:
            acks.append(text)
            return
        try:
            self._send_frame(text)
        except ConnectionLostError:
            pass

    def send_pong(self) -> None:
        """Send an unsolicited pong (RFC 6455 heartbeat) while the reader is paused by backpressure.

        Acks batched so far go out first, so a paused reader does not hold them back.
        """
        if self._closed:
            return
        try:
            self._flush_acks()
            self._send_frame(b"", OP_PONG)
        except ConnectionLostError:
            pass

    def abandon(self) -> None:
        """Forget this connection without touching the socket (used in a forked child process).

        The socket belongs to the parent process: shutting it down here would break the parent's
        connection, so the child only drops its references (its copy of the fd closes with it).
        """
        # No lock: in the child only this thread exists, and a parent thread may have held it.
        self._closed = True
        self._close_error = ConnectionLostError("connection belongs to the parent process")
        self._pending.clear()

    def _send_frame(self, payload: bytes, opcode: int = OP_TEXT) -> None:
        try:
            with self._send_lock:
                self._sends += 1  # progress marker for the heartbeat's stall check
                self._sock.sendall(self._masker.frame(payload, opcode))
        except Exception as exc:
            error = ConnectionLostError(f"send failed: {_describe(exc)}")
            self._lose(error)
            raise self._lost_error() from exc

    def _send_frames(self, texts: list[bytes]) -> None:
        """Send several text frames in one write."""
        try:
            with self._send_lock:
                self._sends += 1  # progress marker for the heartbeat's stall check
                frame = self._masker.frame
                self._sock.sendall(b"".join([frame(text) for text in texts]))
        except Exception as exc:
            self._lose(ConnectionLostError(f"send failed: {_describe(exc)}"))
            raise self._lost_error() from exc

    def _flush_acks(self) -> None:
        """Send the acks batched by the reader thread in one write (reader thread only)."""
        acks = self._acks
        if not acks:
            return
        self._acks = []
        self._send_frames(acks)

    # ---- receiving ------------------------------------------------------------------------

    def _read_loop(self) -> None:
        self._reader_ident = _get_ident()
        read = self._frames.read
        read_lock = self._read_lock
        reason = "the server closed the connection"
        try:
            while not self._closed:
                if self._park_until > _monotonic():
                    self._wait_parked()
                with read_lock:
                    if self._closed:
                        return
                    if not self._wake and not self._deferred and self._park_until > _monotonic():
                        continue  # a leader came and went meanwhile: park again
                    self._wake = False
                    if self._deferred:
                        frames: list[tuple[int, Any]] = []
                        while self._deferred:
                            frames.append(self._deferred.popleft())
                    else:
                        frames = read()
                        self.last_frame_at = _monotonic()
                    closed_by = self._process(frames)
                if closed_by is not None:
                    reason = closed_by
                    break
        except Exception as exc:  # noqa: BLE001 - any socket error ends the connection
            if self._closed:
                return
            reason = f"connection lost: {_describe(exc)}"
        finally:
            self._reader_ident = None  # idents are reused once the thread has ended
        self._lose(ConnectionLostError(reason))

    def _process(self, frames: list[tuple[int, Any]]) -> str | None:
        """Handle frames on the reader thread; return the close reason when a close frame came."""
        handle = self._handle_text
        self._acks = []
        reason = None
        try:
            for opcode, data in frames:
                if opcode == OP_TEXT:
                    handle(data)
                elif opcode == _PARSED:  # a text frame a leader parsed already
                    self._handle_frame(data)
                elif opcode == OP_PING:
                    self._send_frame(data, OP_PONG)
                elif opcode == OP_PONG:
                    self._last_pong_at = self.last_frame_at
                elif opcode == OP_CLOSE:
                    code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                    reason = f"the server closed the connection (code {code})"
                    break
                elif opcode == OP_BINARY:
                    log.warning("ignoring a binary frame of %d bytes (the protocol uses text)", len(data))
            self._flush_acks()
        finally:
            self._acks = None
        return reason

    # ---- reading on a blocking caller's thread ----------------------------------------------

    def _lead(self, pending: Pending) -> None:
        """Read on the calling thread until ``pending`` completes (the read lock is held on entry).

        Stops early at the deadline, or when a frame needs the reader thread (which is then woken
        and finds that frame first). Socket and framing errors end the connection, which fails
        ``pending``. Releases the read lock.
        """
        lock = pending.lock
        deadline = pending.deadline
        in_poll = [False]

        def readable() -> bool:
            # Polls in slices so that a close (which shuts the socket down, then closes it and
            # frees its descriptor number) is noticed even if it came between two polls.
            while not self._closed:
                if self._ssl and self._sock.pending():  # type: ignore[attr-defined]
                    return True
                left = deadline - _monotonic()
                if left <= 0:
                    return False
                in_poll[0] = True
                ready = self._poller.poll(math.ceil(min(left, _POLL_SLICE) * 1000))
                in_poll[0] = False
                if ready:
                    return True
            return False

        handed_over = False
        try:
            read = self._frames.read
            while lock.locked() and not self._closed:
                frames = read(readable)
                if not frames:
                    break  # deadline
                self.last_frame_at = _monotonic()
                for index, (opcode, data) in enumerate(frames):
                    if opcode == OP_TEXT:
                        frame = self._blocking_answer(data)
                        if frame is _ANSWERED:
                            continue
                        self._deferred.append((OP_TEXT, frame) if type(frame) is bytes else (_PARSED, frame))
                        self._deferred.extend(frames[index + 1 :])
                        handed_over = True
                        break
                    if opcode == OP_PING:
                        self._send_frame(data, OP_PONG)
                    elif opcode == OP_PONG:
                        self._last_pong_at = self.last_frame_at
                    else:
                        self._deferred.extend(frames[index:])
                        handed_over = True
                        break
                if handed_over:
                    break
        except Exception as exc:  # noqa: BLE001 - like the reader thread: the connection ends
            if not self._closed:
                self._lose(ConnectionLostError(
                    "the server closed the connection" if isinstance(exc, EOFError)
                    else f"connection lost: {_describe(exc)}"))
        except BaseException:  # KeyboardInterrupt...: unless it hit the poll, the stream position is unknown
            if not in_poll[0] and not self._closed:
                self._lose(ConnectionLostError("interrupted while reading a frame"))
            raise
        finally:
            self._read_lock.release()
            if handed_over or self._deferred or self._pending:
                self._unpark()
            else:
                self._park_until = _monotonic() + PARK_SECONDS

    def _blocking_answer(self, data: Any) -> Any:
        """Complete the blocking call ``data`` answers (returns ``_ANSWERED``), else return the parsed frame.

        A frame that is not JSON comes back as the raw bytes, for the reader thread to log.
        """
        try:
            frame = _loads(data)
        except (ValueError, RecursionError):
            return data
        if type(frame) is dict and frame.get("type") == 2:
            request_id = frame.get("id")
            pending = self._pending.get(request_id) if type(request_id) is int else None
            if pending is not None and pending.lock is not None:
                self._resolve(frame)
                return _ANSWERED
        return frame

    def _wait_parked(self) -> None:
        """Park the reader thread until the park ends, it is woken, or the connection closes."""
        with self._park:
            self._parked = True
            try:
                while not self._wake and not self._closed:
                    left = self._park_until - _monotonic()
                    if left <= 0:
                        break
                    self._park.wait(left)
            finally:
                self._parked = False

    def _unpark(self) -> None:
        """Wake the reader thread: frames or answers need it."""
        with self._park:
            self._wake = True
            self._park.notify_all()

    def _handle_text(self, data: bytes) -> None:
        try:
            frame = _loads(data)
        except (ValueError, RecursionError) as exc:
            log.warning("ignoring a frame that is not valid JSON (%d bytes): %s", len(data), type(exc).__name__)
            return
        self._handle_frame(frame)

    def _handle_frame(self, frame: Any) -> None:
        if type(frame) is not dict:
            log.warning("ignoring a frame that is not a JSON object")
            return
        kind = frame.get("type")
        if kind == 2:
            self._resolve(frame)
        elif kind == 1:
            try:
                self._on_request(self, frame)
            except Exception:
                log.exception("error while queueing server request %r", frame.get("method"))
        else:
            log.warning("ignoring a frame of unknown type %r", kind)

    def _resolve(self, frame: dict[str, Any]) -> None:
        request_id = frame.get("id")
        pending = self._pending.pop(request_id, None) if type(request_id) is int else None
        if pending is None:
            log.debug("response to unknown or expired request id %r", frame.get("id"))
            return
        if pending.lock is not None and not self._pending and self._poller is not None:
            # sequential traffic: park the reader so the caller's next call reads its own answer
            self._park_until = _monotonic() + PARK_SECONDS
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

    # ---- heartbeat ------------------------------------------------------------------------

    def _heartbeat_loop(self) -> None:
        tick = 0.25
        next_ping = _monotonic() + self._ping_interval if self._ping_interval > 0 else float("inf")
        ping_sent_at: float | None = None
        stall_mark, stall_since = -1, 0.0
        while not self._stop.wait(tick):
            now = _monotonic()
            self._expire(now)
            # A write that makes no progress (the peer stopped reading, TCP window full) would
            # hold the send lock forever: declare the link dead, which unblocks the writer.
            if self._send_lock.locked() and self._sends == stall_mark:
                if now - stall_since > max(self._pong_timeout, 1.0):
                    self._lose(ConnectionLostError(
                        f"sending stalled for {max(self._pong_timeout, 1.0):g} s (the server stopped reading)"))
                    return
            else:
                stall_mark, stall_since = self._sends, now
            if self.reading_paused:  # backpressure: the server's pongs wait unread, no verdict now
                ping_sent_at = None
                next_ping = now + self._ping_interval
                continue
            if ping_sent_at is not None and self._last_pong_at < ping_sent_at:
                if now - ping_sent_at > self._pong_timeout and now - self.last_frame_at > self._pong_timeout:
                    self._lose(ConnectionLostError(f"no pong from the server within {self._pong_timeout:g} s"))
                    return
            elif now >= next_ping and self._send_lock.acquire(blocking=False):  # never wait on a writer
                try:
                    if select.select((), (self._sock,), (), 0)[1]:  # room for it: the ping cannot block
                        self._sends += 1
                        self._sock.sendall(self._masker.frame(b"", OP_PING))
                        ping_sent_at = now
                        next_ping = now + self._ping_interval
                except Exception as exc:  # noqa: BLE001
                    self._send_lock.release()
                    self._lose(ConnectionLostError(f"ping failed: {_describe(exc)}"))
                    return
                self._send_lock.release()

    def _expire(self, now: float) -> None:
        expired = [rid for rid, p in list(self._pending.items()) if p.deadline <= now or p.done]
        for request_id in expired:
            pending = self._pending.pop(request_id, None)
            if pending is not None and not pending.done:
                pending.fail(RequestTimeoutError(f"{pending.method}: no answer in time"))

    # ---- closing --------------------------------------------------------------------------

    def _lost_error(self) -> ConnectionLostError:
        return self._close_error or ConnectionLostError("connection closed")

    def _lose(self, error: ConnectionLostError) -> None:
        """The connection ended by itself: close it and tell the owner once.

        The owner hears of it before the pending calls fail, so a caller that catches the
        ConnectionLostError already sees the client's new state.
        """
        self._shutdown(error, on_closed=self._tell_owner)

    def _tell_owner(self, error: ConnectionLostError) -> None:
        try:
            self._on_lost(self, error)
        except Exception:
            log.exception("error in the connection-lost callback")

    def close(self, error: ConnectionLostError | None = None, timeout: float = 2.0) -> None:
        """Close the connection (idempotent); pending calls fail with ``error``.

        Sends a WebSocket close frame when the socket is writable, then shuts it down and joins
        the threads for at most ``timeout`` seconds. Does not call ``on_lost``.
        """
        self._shutdown(error or ConnectionLostError("connection closed"), polite=True)
        current = threading.current_thread()
        deadline = _monotonic() + timeout
        for thread in (self._reader, self._heartbeat):
            if thread is not current and thread.is_alive():
                thread.join(max(0.0, deadline - _monotonic()))

    def _shutdown(
        self,
        error: ConnectionLostError,
        polite: bool = False,
        on_closed: Callable[[ConnectionLostError], None] | None = None,
    ) -> bool:
        with self._state_lock:
            if self._closed:
                return False
            self._closed = True
            self._close_error = error
        self._stop.set()
        if on_closed is not None:
            on_closed(error)
        table = self._pending
        while True:
            try:
                _, item = table.popitem()
            except KeyError:
                break
            item.fail(error)
        if polite and self._send_lock.acquire(timeout=1.0):
            try:
                self._sock.settimeout(1.0)
                self._sock.sendall(self._masker.frame((1000).to_bytes(2, "big"), OP_CLOSE))
            except Exception:  # noqa: BLE001
                pass
            finally:
                self._send_lock.release()
        sock = self._sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass
        return True


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


def _safe_url(url: str) -> str:
    """The URL without query string (no secrets in logs or errors)."""
    return url.split("?", 1)[0]
