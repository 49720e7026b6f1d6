"""The supervisor: the one owner of the client's connection -- connect, reconnect, token renewal,
fork handling and close -- driving the :class:`~.lifecycle.Lifecycle` state machine.

Threads it owns (all named ``trueconf-N-...``, daemon): the reconnect thread (full-jitter
exponential backoff, one at a time), the token refresh timer (in :class:`~.tokens.TokenKeeper`)
and, after a token renewal, a short-lived thread that closes the replaced connection once the
requests still in flight on it have finished.

Token renewal (PROTOCOL §2.2: a request refused with 203 was not executed): :meth:`renew` runs once
per connection. The connection that answered 203 is *retired*, not closed: requests in flight on it
finish there (answers, or their own 203, which the request path resends on the new connection),
while new requests wait for the new connection. Nothing fails with ConnectionLostError because
of our own renewal.

``close()`` may be called from any thread and any callback (state receivers, handlers, Future
callbacks, ``reconnected`` receivers): it takes no lock that those callbacks may hold, joins only
threads that were started and are not the current one, and always ends in CLOSED.
"""

from __future__ import annotations

import os
import threading
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..config import ClientConfig
from ..errors import AuthError, ClientClosedError, ConnectionLostError, RequestTimeoutError, seconds
from ..logs import get_logger
from ..transport.http import SessionHolder
from ..transport.tls import websocket_sslopt
from .lifecycle import ENDED, Lifecycle, State
from .protocols import Dispatcher
from .tokens import TokenKeeper

if TYPE_CHECKING:
    from ..transport.connection import Connection

__all__ = ["Hooks", "Supervisor"]

log = get_logger("trueconf_sync.client")

#: ``waiter(connection, error)``: called once when a connection is ready, or with the reason it won't be.
ReadyWaiter = Callable[["Connection | None", BaseException | None], None]  # (Connection: loaded on connect)
#: States that end a wait for the connection.
_AWAKE = frozenset({State.CONNECTED}) | ENDED


class Hooks:
    """What the supervisor calls in the layers above it (set by the client facade)."""

    def __init__(
        self,
        make_dispatcher: Callable[[], Dispatcher],
        parse_auth: Callable[[Any], Any],
        on_request: Callable[[Connection, dict[str, Any]], None],
        on_reconnected: Callable[[Connection, int, float], None],
        on_closed: Callable[[], None],
    ) -> None:
        self.make_dispatcher = make_dispatcher
        self.parse_auth = parse_auth
        self.on_request = on_request
        self.on_reconnected = on_reconnected
        self.on_closed = on_closed


class Supervisor:
    """Owns the connection, its (re)opening and closing. See the module docstring."""

    def __init__(self, config: ClientConfig, name: str, user_agent: str,
                 life: Lifecycle, hooks: Hooks) -> None:
        self.config = config
        self.name = name
        self.user_agent = user_agent
        self.life = life
        self.hooks = hooks
        self.sessions = SessionHolder(config.verify, user_agent)
        self.tokens = TokenKeeper(config.token, config.username, config.password, config.oauth_client_id,
                                  config.base_url, config.connect_timeout, self.sessions.get, name)
        self.conn: Connection | None = None
        self.auth: Any = None
        self.dispatcher: Dispatcher | None = None
        self.fatal: BaseException | None = None
        self.reconnects = 0
        self.renewing = False
        self._connect_lock = threading.RLock()
        self._wakeup = threading.Event()  # set by close(): ends the backoff waits
        self._thread: threading.Thread | None = None
        self._waiters: list[ReadyWaiter] = []
        self._retired: weakref.WeakKeyDictionary[Connection, ConnectionLostError] = weakref.WeakKeyDictionary()
        self._was_connected = False
        self._lost_at: float | None = None
        self._attempts = 0
        self._pid = os.getpid()

    # ---- opening ---------------------------------------------------------------------------

    def connect(self) -> None:
        """Open the connection and authenticate (no-op when connected); a closed or failed client opens again."""
        self.check_fork()
        with self._connect_lock:
            while not self.connected:
                with self.life.lock:
                    state = self.life.state
                    dead = self.conn
                    notice = None if state is State.RECONNECTING else self.life.move(State.CONNECTING)
                    if notice is not False and state is not State.RECONNECTING:
                        self.fatal = None
                        self._wakeup.clear()
                        self.tokens.activate()
                if notice is False:
                    if state is State.CONNECTED and dead is not None:  # lost, not yet reported
                        self._on_lost(dead, ConnectionLostError("the connection was lost"))
                        continue
                    raise ClientClosedError("the client is closing")
                self.life.announce(notice)  # (while reconnecting: an attempt of our own, under the lock)
                try:
                    self._open()
                except BaseException as exc:
                    self._connect_failed(exc)
                    raise
                return  # (even if a receiver of "connected" closed the client meanwhile)

    @property
    def connected(self) -> bool:
        """True while an authorised connection is open."""
        conn = self.conn
        return conn is not None and not conn.closed

    def connection(self, timeout: float) -> Connection:
        """The open connection; connects lazily, or waits for a reconnect (within ``timeout``)."""
        conn = self.conn
        if conn is not None and not conn.closed:
            return conn
        self.check_fork()
        deadline = time.monotonic() + timeout
        while True:
            conn = self.conn
            if conn is not None and not conn.closed:
                return conn
            left = deadline - time.monotonic()
            state = self.life.state
            if state is State.RECONNECTING:
                if not (self.config.wait_for_reconnect or self.renewing):
                    raise ConnectionLostError("the connection is down and the client is reconnecting")
                if self.life.wait_for(_AWAKE, left) is State.RECONNECTING:
                    raise RequestTimeoutError(f"not reconnected within {seconds(timeout)}")
                continue
            if state is State.CONNECTED:  # the connection just ended; its owner hears of it next
                self.life.wait_for(_AWAKE - {State.CONNECTED}, min(max(left, 0.0), 0.05))
                if time.monotonic() >= deadline:
                    raise RequestTimeoutError(f"not connected within {seconds(timeout)}")
                continue
            self._raise_if_ended()
            # another thread may be connecting right now (up to connect_timeout): wait within our time
            if not self._connect_lock.acquire(timeout=max(0.0, left)):
                raise RequestTimeoutError(f"not connected within {seconds(timeout)}")
            try:
                if self.life.state in (State.DISCONNECTED, State.CONNECTING) and not self.connected:
                    self.connect()
            finally:
                self._connect_lock.release()

    def _raise_if_ended(self) -> None:
        state = self.life.state
        if state in (State.CLOSING, State.CLOSED):
            raise ClientClosedError("the client is closed; call connect() to open it again")
        if state is State.FAILED and self.fatal is not None:
            raise self.fatal

    def _open(self) -> None:
        """Connect and authenticate once (the caller holds the connect lock)."""
        if self.closing:  # close() ran meanwhile (e.g. from a state receiver)
            raise ClientClosedError("the client was closed while connecting")
        if self.dispatcher is None:
            self.dispatcher = self.hooks.make_dispatcher()
        refreshed = False
        self._attempts += 1
        while True:
            token = self.tokens.get(force_refresh=refreshed)
            conn = self._new_connection()
            payload = {
                "token": token,
                "tokenType": "JWT",
                # In after-handling mode, what was not acknowledged must come back (PROTOCOL §2.3).
                "receiveUnread": self.config.receive_unread or self.config.ack == "after_handling",
                "receiveSystemMessageEnvelopes": self.config.receive_system_messages,
            }
            try:
                info = conn.call("auth", payload, self.hooks.parse_auth, self.config.connect_timeout)
            except AuthError as exc:
                conn.close(ConnectionLostError("authentication failed"))
                if exc.code == 203 and self.tokens.can_refresh and not refreshed:
                    refreshed = True  # the token expired: get a new one, once
                    continue
                raise
            except BaseException:
                conn.close(ConnectionLostError("authentication failed"))
                raise
            self._install(conn, info)
            return

    def _install(self, conn: Connection, info: Any) -> None:
        """Make ``conn`` the connection, unless close() started meanwhile (then close it)."""
        with self.life.lock:
            notice = self.life.move(State.CONNECTED)
            if notice is False:  # closing, closed or failed meanwhile: leave no live socket
                conn.close(ClientClosedError("the client was closed"), timeout=0.5)
                raise ClientClosedError("the client was closed while connecting")
            self.auth = info
            self.conn = conn
            self.renewing = False
            reconnect = self._was_connected
            self._was_connected = True
            if reconnect:
                self.reconnects += 1  # counted before a waiting caller wakes up
            waiters, self._waiters = self._waiters, []
        self.life.announce(notice)
        self.tokens.schedule()
        if reconnect:
            downtime = time.monotonic() - self._lost_at if self._lost_at is not None else 0.0
            log.info("%s: reconnected after %d attempt(s), %.1f s down", self.name, self._attempts, downtime)
            self.hooks.on_reconnected(conn, self._attempts, downtime)
        self._attempts = 0
        for waiter in waiters:
            waiter(conn, None)
        if conn.closed:  # lost before it was ours: its on_lost was ignored
            self._on_lost(conn, conn.close_error or ConnectionLostError("the connection was lost right after auth"))

    def _new_connection(self) -> Connection:
        """Open the WebSocket (not yet authorised); failures are ConnectionLostError (TLSError for TLS)."""
        from ..transport.connection import Connection  # (on connect: socket, json, select load with it)

        config = self.config
        return Connection(
            config.ws_url,
            on_request=self.hooks.on_request,
            on_lost=self._on_lost,
            connect_timeout=config.connect_timeout,
            sslopt=websocket_sslopt(config.verify) if config.ws_url.startswith("wss:") else None,  # ws://: no ssl
            ping_interval=config.ping_interval,
            pong_timeout=config.pong_timeout,
            header=[f"User-Agent: {self.user_agent}"],
            name=self.name,
        )

    def _connect_failed(self, exc: BaseException) -> None:
        """A connect attempt failed: if the client never connected, stop its handler threads too."""
        with self.life.lock:
            notice = self.life.move(State.DISCONNECTED, exc)  # (not from closing/closed: close() won)
            waiters = self._waiters if self.life.state is State.DISCONNECTED else []
            if waiters:
                self._waiters = []
        self.life.announce(notice)
        for waiter in waiters:
            waiter(None, exc)
        if self.conn is None and self.life.state in (State.DISCONNECTED, State.CLOSING, State.CLOSED) \
                and self.dispatcher is not None:
            dispatcher, self.dispatcher = self.dispatcher, None
            dispatcher.stop(1.0)

    # ---- losing, reconnecting, renewing ------------------------------------------------------

    def _on_lost(self, conn: Connection, error: ConnectionLostError) -> None:
        with self.life.lock:
            if conn is not self.conn or self.life.state is not State.CONNECTED:
                return  # a retired or stale connection, or closing
            self._lost_at = time.monotonic()
            if not self.config.auto_reconnect:
                self.fatal = error
                notice = self.life.move(State.FAILED, error)
                waiters, self._waiters = self._waiters, []
            else:
                notice = self.life.move(State.RECONNECTING, error)
                self._start_reconnect()
                waiters = []
        self.life.announce(notice)
        for waiter in waiters:
            waiter(None, error)

    def renew(self, conn: Connection) -> None:
        """``conn`` answered 203 (token expired): retire it, get a new token, reconnect. Once per connection."""
        with self.life.lock:
            if conn is not self.conn or self.life.state is not State.CONNECTED:
                return  # renewed already (or dropped, closing)
            self.tokens.invalidate()
            self.conn = None
            self.renewing = True
            self._lost_at = time.monotonic()
            error = ConnectionLostError("the connection was replaced after the token renewal")
            self._retired[conn] = error
            notice = self.life.move(State.RECONNECTING, "the token expired; reconnecting with a new one")
            self._start_reconnect()
        threading.Thread(target=self._retire, args=(conn, error), name=f"{self.name}-retire", daemon=True).start()
        self.life.announce(notice)

    def closed_by_renewal(self, conn: Connection, error: BaseException) -> bool:
        """True when ``error`` ended a request because we closed ``conn`` after a renewal (resend it)."""
        return self._retired.get(conn) is error

    def _retire(self, conn: Connection, error: ConnectionLostError) -> None:
        """Close a replaced connection once its requests in flight have finished (or on close())."""
        while conn.pending_count and not conn.closed and not self._wakeup.wait(0.02):
            pass
        conn.close(error, timeout=1.0)

    def _start_reconnect(self) -> None:
        """Start the reconnect thread (the caller holds the lock); it is started before anyone hears
        of the RECONNECTING state, so close() from a receiver finds a thread it can join."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        thread = threading.Thread(target=self._reconnect_loop, name=f"{self.name}-reconnect", daemon=True)
        self._thread = thread
        thread.start()

    def _reconnect_loop(self) -> None:
        """Reconnect with full-jitter exponential backoff until connected, closed or a terminal error."""
        import random  # (reconnects only: not loaded with the client)

        attempt = 0
        while self.life.state is State.RECONNECTING:
            if attempt:
                delay = random.uniform(0, min(self.config.reconnect_max_delay, 0.25 * 2 ** min(attempt, 16)))
                if self._wakeup.wait(delay):
                    return
            attempt += 1
            try:
                with self._connect_lock:
                    if self.life.state is not State.RECONNECTING or self.connected:
                        return
                    self._open()
                return
            except AuthError as exc:
                if exc.retryable and self.tokens.can_refresh:
                    continue
                log.error("%s: reconnect stopped: %s", self.name, exc)
                self._fail(exc)
                return
            except ClientClosedError:
                return
            except Exception as exc:  # noqa: BLE001 - network trouble: keep trying
                if self.life.state is not State.RECONNECTING:
                    return
                log.warning("%s: reconnect attempt %d failed: %s", self.name, attempt, exc)

    def _fail(self, error: BaseException) -> None:
        with self.life.lock:
            self.fatal = error
            self.renewing = False
            notice = self.life.move(State.FAILED, error)
            waiters, self._waiters = self._waiters, []
        self.life.announce(notice)
        for waiter in waiters:
            waiter(None, error)

    def when_ready(self, waiter: ReadyWaiter) -> None:
        """Call ``waiter(conn, None)`` once a connection is open (now, if it is), or
        ``waiter(None, error)`` when there will be none (closed, failed). Never blocks."""
        with self.life.lock:
            conn, state = self.conn, self.life.state
            if state is State.RECONNECTING or state is State.CONNECTING:
                self._waiters.append(waiter)
                return
        if state is State.CONNECTED and conn is not None and not conn.closed:
            waiter(conn, None)
        elif state is State.FAILED and self.fatal is not None:
            waiter(None, self.fatal)
        elif state in (State.CLOSING, State.CLOSED):
            waiter(None, ClientClosedError("the client was closed"))
        else:
            waiter(None, ConnectionLostError("the connection is down"))

    # ---- closing and forking -------------------------------------------------------------------

    @property
    def closing(self) -> bool:
        """True while close() drains the handlers, or once closed."""
        return self.life.state in (State.CLOSING, State.CLOSED)

    def close(self, timeout: float) -> None:
        """Drain the handlers, fail pending calls with ClientClosedError, close; idempotent, any thread."""
        self.check_fork()
        with self.life.lock:
            if self.life.state in (State.CLOSING, State.CLOSED):
                return  # closing (another thread, or this one further up the stack) or closed already
            notice = self.life.move(State.CLOSING)
            waiters, self._waiters = self._waiters, []
        self.life.announce(notice)
        self._wakeup.set()
        deadline = time.monotonic() + timeout
        for waiter in waiters:
            waiter(None, ClientClosedError("the client was closed"))
        self.tokens.stop()
        dispatcher, self.dispatcher = self.dispatcher, None
        if dispatcher is not None:
            dispatcher.stop(max(0.0, deadline - time.monotonic()))
        thread = self._thread
        if thread is not None and thread.ident is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
        with self.life.lock:
            conn, self.conn = self.conn, None
            retired = list(self._retired)
        for old in [conn, *retired]:
            if old is not None:
                left = deadline - time.monotonic()
                old.close(ClientClosedError("the client was closed"), timeout=min(2.0, max(0.2, left)))
        self.sessions.close()
        self._was_connected = False
        self.renewing = False
        self.hooks.on_closed()
        self.life.transition(State.CLOSED)

    @property
    def owned_by_this_process(self) -> bool:
        """False in a forked child that has not yet forgotten the parent's connection."""
        return self._pid == os.getpid()

    def check_fork(self) -> None:
        """In a forked child, forget the parent's connection first (see :meth:`after_fork`)."""
        if self._pid != os.getpid():
            self.after_fork()

    def after_fork(self) -> None:
        """In a forked child: forget the parent's socket and threads; connect anew on next use."""
        # Only this thread exists in the child; the parent's locks may have been held at fork time,
        # so every lock and event is made anew and nothing of the parent's is waited on.
        self._pid = os.getpid()
        for conn in [self.conn, *list(self._retired)]:
            if conn is not None:
                conn.abandon()
        self.conn = None
        self._retired = weakref.WeakKeyDictionary()
        self.dispatcher = None
        self._thread = None
        self._waiters = []
        self.tokens.forget()
        self.sessions.forget()
        self._connect_lock = threading.RLock()
        self._wakeup = threading.Event()
        self._was_connected = False  # the child's first connection is its own, not a reconnect
        self.renewing = False
        state = self.life.state
        if state in (State.CLOSING, State.CLOSED):
            self._wakeup.set()
            self.life.after_fork(State.CLOSED)
        else:
            self.life.after_fork(State.FAILED if state is State.FAILED else State.DISCONNECTED)
