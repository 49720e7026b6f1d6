"""One WebSocket connection: the socket, its reader thread, the send lock and the pending table.

Threads (named, daemon; the reader is joined by :meth:`Connection.close`):

* **reader** -- the only thread that reads the socket: frames (:mod:`.frames`, incremental) ->
  ``json.loads`` -> a response completes the pending call with that id (a blocking caller waits
  on a lock, a Future or a notify function); a server request is handed to ``on_request`` (the
  client acks it and queues it for handlers; acks made while a burst is processed leave in one
  write at its end). It never runs user code and never blocks on anything but the socket -- and,
  when the event queue is full (:meth:`Connection.pause_reading`), on room in it, but only while
  no call waits for an answer: a new request wakes it, so answers are never held behind events.
* **heartbeat** (:mod:`.heartbeat`, one thread shared by every connection of the process) -- fails
  Futures whose deadline passed, sends pings, ends the connection when the peer stops answering or
  a write stalls.
* **any caller** -- sends under one lock; blocks (``call``) on its own lock with its deadline.

Failure contract: every complete frame read before a failure is processed before the connection
is declared lost -- a send that fails on a caller thread only marks the connection as failing; the
reader drains what arrived and then ends it. When it ends, every pending call fails at once with
:class:`~trueconf_sync.errors.ConnectionLostError` naming the reason. RFC 6455: a server Close is
answered with a Close; protocol errors fail the connection with a Close (1002, 1007 or 1009);
:meth:`close` sends Close 1000 and waits up to a second for the server's. A pending call is
completed exactly once, by the thread that took it out of the table (``dict.pop`` is atomic).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import select
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from ..errors import (
    BlockingCallError,
    ConnectionLostError,
    RequestTimeoutError,
    seconds,
)
from ..logs import get_logger
from . import jsoncodec, wirelog
from .failures import unreachable
from .frames import (
    OP_CLOSE,
    OP_PONG,
    OP_TEXT,
    FrameReader,
    Masker,
)
from .heartbeat import TICKER, Heartbeat
from .pending import Notify, Pending
from .reader import _api_error, run_reader  # noqa: F401 - _api_error: where callers and tests find it

__all__ = ["SUBPROTOCOL", "Connection", "Pending"]

log = get_logger("trueconf_sync.connection")

_dumps = jsoncodec.dumps
#: A method name as JSON (the names come from the method table: a few dozen, encoded once each).
_method_name = functools.lru_cache(maxsize=256)(_dumps)
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

#: The subprotocol we offer; a server that selects none is accepted too (PROTOCOL §1.1).
SUBPROTOCOL = "json.v1"
#: A request around its encoded method name and payload: what ``_dumps`` writes, without a dict to encode.
_REQUEST = b'{"type":1,"id":%d,"method":%b,"payload":%b}'
#: Longest wait for the server's Close (and for room to write ours) when closing.
CLOSE_WAIT = 1.0


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

    #: True while the reader waits for room in the event queue (the heartbeat expects no pongs).
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
        self._close_sent = False  # set under the send lock: nothing is written after our Close
        self._peer_closed = threading.Event()  # the reader is done (server's Close or end of stream)
        self._failing: ConnectionLostError | None = None  # a send failed: the reader drains, then ends
        self._failing_since = 0.0
        self.last_frame_at = _monotonic()
        self._last_pong_at = _monotonic()
        self.user_id: str | None = None
        self.connection_id: str | None = None
        self._hold: Callable[[], bool] | None = None  # backpressure: True while the event queue is full
        self._keepalive: Callable[[], None] | None = None
        self._keepalive_every = 1.0
        self._wake = threading.Condition(threading.Lock())  # wakes a paused reader
        import websocket  # here, not at import: it pulls in ssl and http (about 10 ms, 2 MiB)

        try:
            self._ws = websocket.create_connection(
                url,
                timeout=connect_timeout,
                sslopt=sslopt or {},
                sockopt=_SOCKOPT,
                # offered by hand: websocket-client's own check refuses a server that selects none
                header=[*(header or []), f"Sec-WebSocket-Protocol: {SUBPROTOCOL}"],
                enable_multithread=True,
                skip_utf8_validation=True,
            )
        except Exception as exc:
            # One readable line (where, why, what to try); TLSError for TLS failures.
            raise (unreachable(exc, url, "WebSocket", connect_timeout)
                   or ConnectionLostError(f"could not connect to {_safe_url(url)}: {_describe(exc)}")) from exc
        chosen = (self._ws.getheaders() or {}).get("sec-websocket-protocol")
        if chosen is not None and chosen.strip().lower() != SUBPROTOCOL:
            self._ws.close(timeout=0)
            raise ConnectionLostError(
                f"the server at {_safe_url(url)} selected the subprotocol {chosen[:100]!r}; only "
                f"{SUBPROTOCOL!r} (or none) is supported")
        self._ws.settimeout(None)  # the reader blocks; liveness is the heartbeat's job
        sock = self._ws.sock
        assert sock is not None
        self._sock: socket.socket = sock
        if wirelog.enabled():  # -vv: every text frame logged, secrets masked (decided once, here)
            self._masker: Masker = wirelog.LoggingMasker()
            self._frames: FrameReader = wirelog.LoggingFrameReader(sock)
        else:
            self._masker = Masker()
            self._frames = FrameReader(sock)
        self._acks: list[bytes] | None = None  # acks batched while the reader processes a burst
        self._reader_ident: int | None = None
        self._reader = threading.Thread(target=run_reader, args=(self,), name=f"{name}-reader", daemon=True)
        self._heartbeat = Heartbeat(self)
        TICKER.add(self._heartbeat)  # before the reader can end the connection (which removes it)
        self._reader.start()

    # ---- state ----------------------------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once the connection has ended (closed or lost)."""
        return self._closed

    @property
    def close_error(self) -> ConnectionLostError | None:
        """Why the connection ended (None while it is open)."""
        return self._close_error if self._closed else None

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
        pending = Pending(method, parse, _monotonic() + timeout, timeout=timeout)
        self._send_request(pending, payload)
        assert pending.future is not None
        return pending.future

    def request_encoded(self, method: str, bodies: list[bytes], parse: Callable[[Any], Any], timeout: float,
                        notify: Notify, first_index: int = 0) -> None:
        """Send one request per body (a payload encoded by ``jsoncodec.dumps``: the bulk sender keeps
        ~150 bytes per waiting payload, not its dicts), all in one write; no Futures.

        ``notify(first_index + i, result, error)`` is called once per request when it ends (on the
        reader thread for answers, the heartbeat for timeouts, the thread that noticed a lost
        connection otherwise); it must not block.
        """
        deadline = _monotonic() + timeout
        table, ids, name = self._pending, self._ids, _method_name(method)
        frames = []
        sent: list[tuple[int, Pending]] = []
        for offset, body in enumerate(bodies):
            request_id = next(ids)
            frames.append(_REQUEST % (request_id, name, body))
            sent.append((request_id, Pending(method, parse, deadline, notify=notify, index=first_index + offset,
                                             timeout=timeout)))
        for request_id, pending in sent:
            table[request_id] = pending
        if self.reading_paused:
            self._wake_reader()
        error = self._unusable()
        if error is None:
            try:
                self._send_frames(frames)
            except ConnectionLostError as exc:
                error = exc
        if error is not None:
            for request_id, pending in sent:
                if table.pop(request_id, None) is not None:
                    pending.fail(error)

    def call(self, method: str, payload: Any, parse: Callable[[Any], Any], timeout: float) -> Any:
        """Send a request and block for its result (``timeout`` seconds at most)."""
        ident = _get_ident()
        if ident == self._reader_ident or ident == TICKER.ident:
            where = "reader" if ident == self._reader_ident else "heartbeat"
            raise BlockingCallError(
                f"blocking call {method!r} on the connection's {where} thread would stall it; "
                "use the non-blocking .future(...) form in Future callbacks"
            )
        deadline = _monotonic() + timeout
        pending = Pending(method, parse, deadline, blocking=True)
        request_id = self._send_request(pending, payload)
        lock = pending.lock
        if not lock.acquire(True, max(0.0, deadline - _monotonic())):
            if self._pending.pop(request_id, None) is not None:  # ours to fail: nobody answered
                raise RequestTimeoutError(f"{method}: no answer within {seconds(timeout)}")
            # another thread took it out of the table and is completing it right now
            if not lock.acquire(True, 5.0):
                raise RequestTimeoutError(f"{method}: no answer within {seconds(timeout)}")
        if pending.error is not None:
            raise pending.error
        return pending.value

    def _send_request(self, pending: Pending, payload: Any) -> int:
        """Register ``pending`` under a new id and send its frame; failures complete it."""
        request_id = next(self._ids)
        try:  # (the envelope around the encoded payload: encoding it as a dict costs a quarter more)
            frame = _REQUEST % (request_id, _method_name(pending.method), _dumps(payload))
        except (TypeError, ValueError):  # encoding the whole request names where the bad value sits
            frame = _dumps({"type": 1, "id": request_id, "method": pending.method, "payload": payload})
        self._pending[request_id] = pending
        if self.reading_paused:  # its answer needs the reader: stop waiting for room
            self._wake_reader()
        error = self._unusable()  # checked after registering: the shutdown sweeps the table once
        if error is None:
            try:
                self._send_frame(frame)
                return request_id
            except ConnectionLostError as exc:
                error = exc
        if self._pending.pop(request_id, None) is not None:
            pending.fail(error)
        return request_id

    def _unusable(self) -> ConnectionLostError | None:
        """Why nothing can be sent any more (closed, or a send failed), else None."""
        if self._closed:
            return self._lost_error()
        return self._failing

    def send_ack(self, server_id: Any) -> None:
        """Acknowledge server request ``server_id`` (PROTOCOL §1.4). Silently skipped when closed.

        On the reader thread, while it processes a burst, the ack joins the burst's batch (sent
        in one write when the burst is done); elsewhere it is sent at once.
        """
        if self._closed or self._failing is not None:
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
        if self._closed or self._failing is not None:
            return
        try:
            if _get_ident() == self._reader_ident:
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
                if self._close_sent:
                    raise ConnectionLostError("the connection is closing")
                self._sends += 1  # progress marker for the heartbeat's stall check
                self._sock.sendall(self._masker.frame(payload, opcode))
        except ConnectionLostError:
            raise self._lost_error() from None
        except Exception as exc:
            raise self._send_failed(exc) from exc

    def _send_frames(self, texts: list[bytes]) -> None:
        """Send several text frames in one write."""
        try:
            with self._send_lock:
                if self._close_sent:
                    raise ConnectionLostError("the connection is closing")
                self._sends += 1  # progress marker for the heartbeat's stall check
                self._sock.sendall(self._masker.frames(texts))
        except ConnectionLostError:
            raise self._lost_error() from None
        except Exception as exc:
            raise self._send_failed(exc) from exc

    def _send_failed(self, exc: BaseException) -> ConnectionLostError:
        """A write failed: nothing more can be sent, but what already arrived is still read.

        The reader drains the stream and then ends the connection (the heartbeat ends it if
        the end of the stream does not come soon); the failed request itself fails now.
        """
        error = ConnectionLostError(f"send failed: {_describe(exc)}")
        with self._state_lock:
            if self._failing is None and not self._closed:
                self._failing_since = _monotonic()
                self._failing = error
        self._wake_reader()
        return self._failing or self._lost_error()

    def _flush_acks(self) -> None:
        """Send the acks batched by the reader thread in one write (reader thread only)."""
        acks = self._acks
        if not acks:
            return
        self._acks = []
        self._send_frames(acks)

    def _send_close(self, code: int, wait: float = CLOSE_WAIT) -> bool:
        """Write a Close frame with ``code`` once (bounded: never waits long for the lock or for room)."""
        end = _monotonic() + wait
        if not self._send_lock.acquire(timeout=wait):
            return False
        try:
            if self._close_sent:
                return False
            self._close_sent = True
            if not select.select((), (self._sock,), (), max(0.0, end - _monotonic()))[1]:
                return False
            self._sends += 1
            self._sock.sendall(self._masker.frame(code.to_bytes(2, "big"), OP_CLOSE))
            return True
        except Exception:  # noqa: BLE001 - best effort: the connection ends either way
            return False
        finally:
            self._send_lock.release()

    # ---- backpressure -----------------------------------------------------------------------

    def pause_reading(self, hold: Callable[[], bool], keepalive: Callable[[], None] | None = None,
                      keepalive_every: float = 1.0) -> None:
        """Ask the reader (the calling thread: it is on it) to stop reading while ``hold()`` is true
        and no call waits for an answer; ``keepalive`` (e.g. :meth:`send_pong`) is called every
        ``keepalive_every`` seconds meanwhile. Used by the event queue when it is full."""
        self._keepalive, self._keepalive_every = keepalive, keepalive_every
        self._hold = hold

    def _wake_reader(self) -> None:
        with self._wake:
            self._wake.notify_all()

    # ---- closing --------------------------------------------------------------------------

    def _lost_error(self) -> ConnectionLostError:
        return self._close_error or ConnectionLostError("connection closed")

    def _lose(self, error: ConnectionLostError) -> None:
        """The connection ended by itself: close it and tell the owner once.

        The owner hears of it before the pending calls fail, so a caller that catches the
        ConnectionLostError already sees the client's new state.
        """
        if self._mark_closed(error):
            self._tell_owner(error)
            self._fail_pending(error)
            self._close_socket()

    def _tell_owner(self, error: ConnectionLostError) -> None:
        try:
            self._on_lost(self, error)
        except Exception:
            log.exception("error in the connection-lost callback")

    def close(self, error: ConnectionLostError | None = None, timeout: float = 2.0) -> None:
        """Close the connection (idempotent); pending calls fail with ``error``.

        Sends a Close frame (1000) and waits up to a second (and ``timeout``) for the server's
        Close, then shuts the socket down and joins the threads within ``timeout`` seconds.
        Does not call ``on_lost``.
        """
        deadline = _monotonic() + timeout
        if self._mark_closed(error or ConnectionLostError("connection closed")):
            self._fail_pending(self._lost_error())
            wait = max(0.0, min(CLOSE_WAIT, timeout))
            if self._failing is None and self._send_close(1000, wait) and not self.is_reader_thread():
                self._peer_closed.wait(max(0.0, min(wait, deadline - _monotonic())))
            self._close_socket()
        TICKER.remove(self._heartbeat, max(0.0, deadline - _monotonic()))  # (the thread ends with the last)
        if self._reader is not threading.current_thread() and self._reader.is_alive():
            self._reader.join(max(0.0, deadline - _monotonic()))

    def _mark_closed(self, error: ConnectionLostError) -> bool:
        """Mark the connection ended (once: returns False when it already was)."""
        with self._state_lock:
            if self._closed:
                return False
            self._closed = True
            self._close_error = error
        TICKER.remove(self._heartbeat)
        self._wake_reader()
        return True

    def _fail_pending(self, error: ConnectionLostError) -> None:
        table = self._pending
        while True:
            try:
                _, item = table.popitem()
            except KeyError:
                break
            item.fail(error)

    def _close_socket(self) -> None:
        sock = self._sock
        with contextlib.suppress(OSError):  # already reset or closed
            sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            sock.close()


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "..."


def _safe_url(url: str) -> str:
    """The URL without query string (no secrets in logs or errors)."""
    return url.split("?", 1)[0]

