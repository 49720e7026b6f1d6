"""The blocking :class:`Client`: connect, authenticate, call methods, receive events.

::

    from . import Client

    with Client("video.example.com", token=TOKEN) as client:
        sent = client.send_message(chat_id, "Disk almost full on db-1")

        @client.on_message
        def echo(message):
            client.send_message(message.chat_id, message.text, reply_message_id=message.message_id)

        client.run_forever()   # until Ctrl-C or client.close() from any thread
"""

from __future__ import annotations

import functools
import logging
import os
import platform
import random
import threading
import time
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

import attrs
from blinker import NamedSignal

from . import __version__
from .api.method import RequestSpec
from .api.methods import ApiMethods
from .api.models import AuthInfo, Message
from .api.models.binding import bind_client
from .core.bulk import BulkMethods
from .core.tokens import Token, fetch_oauth2_token, fetch_token, token_expiry
from .enums import ActivityType
from .errors import AuthError, ClientClosedError, ConnectionLostError, RequestTimeoutError, TLSError
from .events.registry import HandlerRegistry
from .events.signals import connection_state_changed, reconnected
from .events.workers import HandlerWorkers
from .files import FileMethods
from .ids import same_user
from .transport.connection import Connection
from .transport.tls import Verify, check_verify, tls_failure, websocket_sslopt

if TYPE_CHECKING:
    from .api.activity import ChatActivityKeeper
    from .api.serverinfo import ServerInfo

__all__ = ["Client", "ConnectionState", "Health"]

log = logging.getLogger("trueconf_sync.client")

F = TypeVar("F", bound=Callable[..., Any])
ConnectionState = Literal["disconnected", "connecting", "connected", "reconnecting", "closed"]
WS_PATH = "/websocket/chat_bot/"
#: Longest accepted timeout or interval (seconds, about 116 days): lock and socket waits overflow
#: far above it, and NaN or infinity would never end.
MAX_SECONDS = 1e7
_ids = iter(range(1, 1 << 62))
_monotonic = time.monotonic
#: Requests whose effect lives on the connection: the client repeats the subscriptions after a reconnect.
_SUBSCRIBE, _UNSUBSCRIBE = "subscribeFileProgress", "unsubscribeFileProgress"
_MAX_SUBSCRIPTIONS = 10_000


def _identity(payload: Any) -> Any:
    return payload


class Client(ApiMethods, BulkMethods, FileMethods, HandlerRegistry):
    """A blocking client of the TrueConf Chatbot Connector, safe to use from any thread.

    Args:
        server: host name or IP of TrueConf Server; ``"host:port"`` and ``"https://host:port"``
            are accepted too.
        token: an access token, or a callable returning one (called on every connect).
        username, password: credentials; the client then gets (and refreshes) the token itself
            over OAuth on the same host, port and TLS settings. Give either a token or both of these.
        oauth_client_id: with username and password, log in through this OAuth2 application
            instead (servers with password logins disabled, PROTOCOL §12.11).
        port: defaults to 443 with ``https=True`` and 4309 without (PROTOCOL §1.1).
        https: ``wss``/``https`` (default) or plain ``ws``/``http``.
        verify: TLS verification: True, False, a CA bundle path, an ``ssl.SSLContext`` or
            ``"system"`` (OS trust store, needs ``truststore``); applies to the WebSocket and every
            HTTP request.
        timeout: default seconds each call waits for its answer.
        connect_timeout: seconds to open the connection (default: ``timeout``).
        receive_unread: ask the server to replay messages not yet acknowledged (PROTOCOL §2.3).
        receive_system_messages: also receive system envelopes (participant added, renamed...).
        workers: handler threads; events of one chat always run in order.
        ack: ``"immediate"`` (ack on arrival) or ``"after_handling"`` (ack when handlers succeeded).
        skip_own_messages: do not run handlers for messages written by this bot account.
        auto_reconnect: reconnect with backoff when the connection drops.
        reconnect_max_delay: cap of the jittered exponential backoff between attempts (seconds).
        wait_for_reconnect: calls made while reconnecting wait for the connection (within their own
            timeout); False makes them fail at once with ConnectionLostError.
        ping_interval, pong_timeout: our WebSocket keepalive (0 disables our pings); a dead peer is
            noticed within about ``ping_interval + pong_timeout`` seconds.
        max_queued_events: events waiting for handlers before the reader pauses (backpressure).
        max_pending_calls: requests waiting for their answer before new calls wait (up to their
            timeout) for one to finish.

    Raises:
        ValueError, TypeError: bad arguments (e.g. neither or both of token and username/password).
    """

    def __init__(
        self,
        server: str,
        token: str | Callable[[], str] | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        oauth_client_id: str | None = None,
        port: int | None = None,
        https: bool = True,
        verify: Verify = True,
        timeout: float = 10.0,
        connect_timeout: float | None = None,
        receive_unread: bool = False,
        receive_system_messages: bool = False,
        workers: int = 1,
        ack: Literal["immediate", "after_handling"] = "immediate",
        skip_own_messages: bool = True,
        auto_reconnect: bool = True,
        reconnect_max_delay: float = 30.0,
        wait_for_reconnect: bool = True,
        ping_interval: float = 30.0,
        pong_timeout: float = 10.0,
        max_queued_events: int = 10_000,
        max_pending_calls: int = 10_000,
    ) -> None:
        host, port, https = _parse_server(server, port, https)
        if token is not None and (username is not None or password is not None):
            raise ValueError("give either token or username and password, not both")
        if token is None and (username is None or password is None):
            raise ValueError("give token, or both username and password")
        if oauth_client_id is not None and (username is None or not isinstance(oauth_client_id, str)
                                            or not oauth_client_id):
            raise ValueError("oauth_client_id must be a non-empty str and needs username and password")
        if token is not None and not (callable(token) or (isinstance(token, str) and token)):
            raise TypeError("token must be a non-empty str or a callable returning one")
        for name, value in (("username", username), ("password", password)):
            if value is not None and (not isinstance(value, str) or not value):
                raise TypeError(f"{name} must be a non-empty str")
        for name, number in (("timeout", timeout), ("ping_interval", ping_interval), ("pong_timeout", pong_timeout),
                             ("reconnect_max_delay", reconnect_max_delay), ("connect_timeout", connect_timeout)):
            if number is None and name == "connect_timeout":
                continue
            if isinstance(number, bool) or not isinstance(number, (int, float)) or not number >= 0:
                raise ValueError(f"{name} must be a number >= 0, got {number!r}")
            if number > MAX_SECONDS:
                raise ValueError(f"{name} must be at most {MAX_SECONDS:g} seconds, got {number!r}")
        if timeout <= 0 or (connect_timeout is not None and connect_timeout <= 0):
            raise ValueError(f"timeout and connect_timeout must be > 0, got {timeout!r} and {connect_timeout!r}")
        if isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= 256:
            raise ValueError(f"workers must be an int between 1 and 256, got {workers!r}")
        for name, count in (("max_queued_events", max_queued_events), ("max_pending_calls", max_pending_calls)):
            if isinstance(count, bool) or not isinstance(count, int) or count < 1:
                raise ValueError(f"{name} must be an int >= 1, got {count!r}")
        if ack not in ("immediate", "after_handling"):
            raise ValueError(f"ack must be 'immediate' or 'after_handling', got {ack!r}")
        self.host = host
        self.port = port
        self.https = https
        self.timeout = float(timeout)
        self.connect_timeout = float(connect_timeout if connect_timeout is not None else timeout)
        self.receive_unread = bool(receive_unread)
        self.receive_system_messages = bool(receive_system_messages)
        self.workers = workers
        self.ack = ack
        self.skip_own_messages = skip_own_messages
        self.auto_reconnect = auto_reconnect
        self.reconnect_max_delay = float(reconnect_max_delay)
        self.wait_for_reconnect = wait_for_reconnect
        self.max_queued_events = max_queued_events
        self.max_pending_calls = max_pending_calls
        self.ping_interval = float(ping_interval)
        self.pong_timeout = float(pong_timeout)
        self._verify = check_verify(verify)
        self._token_source = token
        self._username = username
        self._password = password
        self._oauth_client_id = oauth_client_id
        self._token: Token | None = None
        self._session: Any = None
        self._name = f"trueconf-{next(_ids)}"
        self.user_agent = f"trueconf_sync/{__version__} (Python/{platform.python_version()})"
        self._conn: Connection | None = None
        self._dispatcher: HandlerWorkers | None = None
        self._auth: AuthInfo | None = None
        self._state: ConnectionState = "disconnected"
        self._connect_lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._closed = False
        self._closing = False  # close() is draining the handlers: no new events, no reconnects
        self._stopped = threading.Event()  # set by close() or a terminal failure: ends run_forever
        self._fatal: BaseException | None = None
        self._reconnect_thread: threading.Thread | None = None
        self._connected = threading.Event()
        self._closed_done = threading.Event()  # close() finished: run_forever may return
        self._pid = os.getpid()
        self.reconnects = 0
        self._was_connected = False  # a later successful auth is a reconnect
        self._lost_at: float | None = None
        self._attempts = 0
        self._token_timer: threading.Timer | None = None
        self._subscriptions: dict[str, None] = {}  # file ids with progress subscriptions, in order
        self._receivers: dict[Any, list[tuple[NamedSignal, Callable[..., Any]]]] = {}
        _LIVE_CLIENTS.add(self)

    # ---- addresses and state ---------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``https://host:port`` (or ``http://``): where the HTTP endpoints live."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.https else 'http'}://{host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The WebSocket URL of the Chatbot Connector."""
        return ("wss" if self.https else "ws") + self.base_url[len("https" if self.https else "http"):] + WS_PATH

    @property
    def state(self) -> ConnectionState:
        """``"disconnected"``, ``"connecting"``, ``"connected"``, ``"reconnecting"`` or ``"closed"``."""
        return self._state

    @property
    def connected(self) -> bool:
        """True while an authorised connection is open."""
        conn = self._conn
        return conn is not None and not conn.closed

    @property
    def user_id(self) -> str | None:
        """The bot's TrueConf ID as the server reported it at ``auth`` (None before connecting)."""
        return self._auth.user_id if self._auth is not None else None

    @property
    def me(self) -> str | None:
        """Alias of :attr:`user_id`: the bot's own TrueConf ID (None before connecting)."""
        return self.user_id

    @property
    def connection_id(self) -> str | None:
        """The server's id of the current connection (None before connecting)."""
        return self._auth.connection_id if self._auth is not None else None

    def __repr__(self) -> str:
        user = f" user={self.user_id}" if self.user_id else ""
        return f"<Client {self.host}:{self.port}{user} {self._state}>"

    def _set_state(self, state: ConnectionState, reason: Any = None) -> None:
        with self._state_lock:
            if self._state == state:
                return
            self._state = state
        if state == "connected":
            self._connected.set()
        else:
            self._connected.clear()
        if reason is not None:
            log.info("%s: %s (%s)", self._name, state, reason)
        else:
            log.info("%s: %s", self._name, state)
        for receiver in connection_state_changed.receivers_for(self):
            try:
                receiver(self, state=state, reason=reason)
            except Exception:
                log.exception("connection_state_changed receiver raised")

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until the client is connected (e.g. after a reconnect); False on timeout or close."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._connected.is_set():
            if self._closed or self._closing or self._fatal is not None:
                return False
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                return False
            self._connected.wait(0.1 if left is None else min(0.1, left))
        return True

    def health(self) -> Health:
        """A snapshot of the client's health: state, last frame age, pending calls, queued events."""
        conn = self._conn
        dispatcher = self._dispatcher
        return Health(
            state=self._state,
            connected=self.connected,
            seconds_since_last_frame=(time.monotonic() - conn.last_frame_at) if conn is not None else None,
            pending_calls=conn.pending_count if conn is not None else 0,
            queued_events=dispatcher.queued if dispatcher is not None else 0,
            handled_events=dispatcher.handled if dispatcher is not None else 0,
            reconnects=self.reconnects,
        )

    # ---- connecting ------------------------------------------------------------------------

    def connect(self) -> Client:
        """Open the connection and authenticate (no-op when connected). Returns the client.

        A closed client can be connected again. Raises AuthError (201-204 or OAuth refusal),
        ConnectionLostError when the server cannot be reached, RequestTimeoutError.
        """
        self._check_fork()
        with self._connect_lock:
            self._closed = self._closing = False
            self._stopped.clear()
            self._closed_done.clear()
            self._fatal = None
            if self.connected:
                return self
            self._set_state("connecting")
            try:
                self._open()
            except BaseException as exc:
                self._connect_failed(exc)
                raise
        return self

    def _open(self) -> None:
        """Connect and authenticate once (caller holds the connect lock)."""
        if self._dispatcher is None:
            skip = self._is_own_message if self.skip_own_messages else None
            self._dispatcher = HandlerWorkers(
                self,
                workers=self.workers,
                ack_after_handling=self.ack == "after_handling",
                skip=skip,
                max_queued=self.max_queued_events,
                name=self._name,
            )
        refreshed = False
        self._attempts += 1
        while True:
            token = self._get_token(force_refresh=refreshed)
            conn = self._new_connection()
            payload = {
                "token": token,
                "tokenType": "JWT",
                # In after-handling mode, what was not acknowledged must come back (PROTOCOL §2.3).
                "receiveUnread": self.receive_unread or self.ack == "after_handling",
                "receiveSystemMessageEnvelopes": self.receive_system_messages,
            }
            try:
                info: AuthInfo = conn.call("auth", payload, _parse_auth, self.connect_timeout)
            except AuthError as exc:
                conn.close(ConnectionLostError("authentication failed"))
                if exc.code == 203 and self._can_refresh and not refreshed:
                    refreshed = True  # the token expired: get a new one, once
                    continue
                raise
            except BaseException:
                conn.close(ConnectionLostError("authentication failed"))
                raise
            if self._closed or self._closing:  # close() ran meanwhile: do not leave a live socket
                conn.close(ClientClosedError("the client was closed"), timeout=0.5)
                raise ClientClosedError("the client was closed while connecting")
            self._auth = info
            self._conn = conn
            self._set_state("connected")
            self._schedule_token_refresh()
            if self._was_connected:
                self._resubscribe(conn)
                self._announce_reconnect()
            self._was_connected = True
            self._attempts = 0
            return

    def _new_connection(self) -> Connection:
        """Open the WebSocket (not yet authorised); TLS failures become :class:`TLSError`."""
        try:
            return Connection(
                self.ws_url,
                on_request=self._on_request,
                on_lost=self._on_lost,
                connect_timeout=self.connect_timeout,
                sslopt=websocket_sslopt(self._verify),
                ping_interval=self.ping_interval,
                pong_timeout=self.pong_timeout,
                header=[f"User-Agent: {self.user_agent}"],
                name=self._name,
            )
        except ConnectionLostError as exc:
            tls = tls_failure(exc, f"{self.host}:{self.port}")
            if tls is not None:
                raise TLSError(tls) from exc
            raise

    def _announce_reconnect(self) -> None:
        """Count a reconnect and send the ``reconnected`` signal (receivers' errors are logged)."""
        self.reconnects += 1
        downtime = time.monotonic() - self._lost_at if self._lost_at is not None else 0.0
        log.info("%s: reconnected after %d attempt(s), %.1f s down", self._name, self._attempts, downtime)
        for receiver in reconnected.receivers_for(self):
            try:
                receiver(self, attempts=self._attempts, downtime=downtime)
            except Exception:
                log.exception("reconnected receiver raised")

    def _connect_failed(self, exc: BaseException) -> None:
        """A connect attempt failed: if the client never connected, stop its handler threads too."""
        self._set_state("disconnected", exc)
        if self._conn is None and self._dispatcher is not None:
            dispatcher, self._dispatcher = self._dispatcher, None
            dispatcher.stop(1.0)

    @property
    def _can_refresh(self) -> bool:
        return self._username is not None or callable(self._token_source)

    def _get_token(self, force_refresh: bool = False) -> str:
        source = self._token_source
        if isinstance(source, str):
            return source
        if source is not None:
            value = source()
            if not isinstance(value, str) or not value:
                raise TypeError("the token callable must return a non-empty str")
            return value
        token = self._token
        if force_refresh or token is None or token.expires_within(60):
            from .transport.http import client_session

            assert self._username is not None and self._password is not None
            session = client_session(self)
            if self._oauth_client_id is not None:  # servers without password logins (§12.11)
                token = fetch_oauth2_token(session, self.base_url, self._username, self._password,
                                           self._oauth_client_id, self.connect_timeout)
            else:
                token = fetch_token(session, self.base_url, self._username, self._password, self.connect_timeout)
            self._token = token
        return token.access_token

    def _schedule_token_refresh(self, delay: float | None = None) -> None:
        """With username and password: fetch a new token ahead of expiry, so a reconnect (or the
        renewal after a 203) never waits for an expired one. One timer thread, replaced each time."""
        self._cancel_token_timer()
        token = self._token
        if delay is None:
            if self._username is None or token is None or token.expires_at is None:
                return
            left = token.expires_at - time.time()
            delay = max(1.0, left - min(3600.0, max(30.0, left / 10)))
        if self._closed or self._closing:
            return
        timer = threading.Timer(delay, self._refresh_token_ahead)
        timer.name = f"{self._name}-token"
        timer.daemon = True
        timer.start()
        self._token_timer = timer
        if self._closed or self._closing:  # close() ran meanwhile and may have missed it
            self._cancel_token_timer()

    def _cancel_token_timer(self) -> None:
        timer, self._token_timer = self._token_timer, None
        if timer is not None:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join(1.0)

    def _refresh_token_ahead(self) -> None:
        if self._closed or self._closing:
            return
        self._token_timer = None  # this thread is ending; do not join it from the reschedule
        try:
            self._get_token(force_refresh=True)
        except Exception as exc:  # noqa: BLE001 - the next connect fetches one anyway
            log.warning("%s: could not refresh the token ahead of its expiry: %s", self._name, exc)
            self._schedule_token_refresh(60.0)
            return
        log.info("%s: token refreshed ahead of its expiry", self._name)
        self._schedule_token_refresh()

    @property
    def token_expires_at(self) -> float | None:
        """Unix time when the current token expires, when known."""
        if self._token is not None:
            return self._token.expires_at
        return token_expiry(self._token_source) if isinstance(self._token_source, str) else None

    def _connection(self, timeout: float) -> Connection:
        """The open connection; connects lazily, or waits for a reconnect (within ``timeout``)."""
        conn = self._conn
        if conn is not None and not conn.closed:
            return conn
        self._check_fork()
        deadline = time.monotonic() + timeout
        if self._closed or self._closing:
            raise ClientClosedError("the client is closed; call connect() to open it again")
        if self._fatal is not None:
            raise self._fatal
        if self._state == "reconnecting":
            if not self.wait_for_reconnect:
                raise ConnectionLostError("the connection is down and the client is reconnecting")
            if not self.wait_connected(timeout):
                if self._fatal is not None:
                    raise self._fatal
                if self._closed or self._closing:
                    raise ClientClosedError("the client was closed while waiting for the connection")
                raise RequestTimeoutError(f"not reconnected within {timeout:g} s")
        # another thread may be connecting right now (up to connect_timeout): wait within our time
        if not self._connect_lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
            raise RequestTimeoutError(f"not connected within {timeout:g} s")
        try:
            conn = self._conn
            if conn is not None and not conn.closed:
                return conn
            if self._closed or self._closing:
                raise ClientClosedError("the client is closed; call connect() to open it again")
            if self._fatal is not None:
                raise self._fatal
            self._set_state("connecting")
            try:
                self._open()
            except BaseException as exc:
                self._connect_failed(exc)
                raise
            assert self._conn is not None
            return self._conn
        finally:
            self._connect_lock.release()

    def _wait_for_slot(self, conn: Connection, timeout: float) -> None:
        """Backpressure for callers: wait until fewer than ``max_pending_calls`` are in flight."""
        deadline = time.monotonic() + timeout
        pause = 0.001
        while conn.pending_count >= self.max_pending_calls and not conn.closed:
            if time.monotonic() >= deadline:
                raise RequestTimeoutError(
                    f"{conn.pending_count} calls already wait for answers (max_pending_calls="
                    f"{self.max_pending_calls}); none finished within {timeout:g} s"
                )
            time.sleep(pause)
            pause = min(0.02, pause * 2)

    # ---- requests --------------------------------------------------------------------------

    def _ready_connection(self, timeout: float | None) -> tuple[Connection, float]:
        """The connection to send on and the call's deadline: waiting for a (re)connect or for
        room in the pending table counts against the call's own timeout."""
        seconds = self._timeout(timeout)
        deadline = _monotonic() + seconds
        conn = self._connection(seconds)
        if conn.pending_count >= self.max_pending_calls:
            self._wait_for_slot(conn, max(0.0, deadline - _monotonic()))
        return conn, deadline

    def _request(self, spec: RequestSpec, payload: Any, timeout: float | None) -> Any:
        conn, deadline = self._ready_connection(timeout)
        if spec.finish is not None:
            spec.finish(self, payload)
        if spec.wire in (_SUBSCRIBE, _UNSUBSCRIBE):
            self._track_subscription(spec.wire, payload)
        try:
            result = conn.call(spec.wire, payload, spec.parse, max(0.001, deadline - _monotonic()))
        except AuthError as exc:
            # 203 on an authorised connection: the server refused the request because the token
            # expired, so it is safe to renew the token, reconnect and send it once more.
            left = deadline - time.monotonic()
            if exc.code != 203 or not self._can_refresh or not self.auto_reconnect or left <= 0:
                raise
            self._renew(conn)
            conn = self._connection(left)
            result = conn.call(spec.wire, payload, spec.parse, max(0.001, deadline - time.monotonic()))
        return bind_client(result, self) if spec.binds else result

    def _request_future(self, spec: RequestSpec, payload: Any, timeout: float | None) -> Future[Any]:
        conn, deadline = self._ready_connection(timeout)
        if spec.finish is not None:
            spec.finish(self, payload)
        if spec.wire in (_SUBSCRIBE, _UNSUBSCRIBE):
            self._track_subscription(spec.wire, payload)
        parse = spec.parse
        if spec.binds:
            parse = lambda data: bind_client(spec.parse(data), self)  # noqa: E731
        future = conn.request(spec.wire, payload, parse, max(0.001, deadline - _monotonic()))
        if self._can_refresh and self.auto_reconnect:
            future.add_done_callback(lambda f: self._renew_if_expired(conn, f))
        return future

    def _track_subscription(self, wire: str, payload: Any) -> None:
        """Remember file-progress subscriptions (bounded) so a reconnect can repeat them."""
        file_id = payload.get("fileId") if type(payload) is dict else None
        if type(file_id) is not str:
            return
        if wire == _UNSUBSCRIBE:
            self._subscriptions.pop(file_id, None)
        elif file_id not in self._subscriptions:
            if len(self._subscriptions) >= _MAX_SUBSCRIPTIONS:
                self._subscriptions.pop(next(iter(self._subscriptions)), None)  # forget the oldest
            self._subscriptions[file_id] = None

    def _resubscribe(self, conn: Connection) -> None:
        """A new connection knows nothing of the old one's subscriptions: send them again (no wait)."""
        for file_id in list(self._subscriptions):
            future = conn.request(_SUBSCRIBE, {"fileId": file_id}, _identity, self.timeout)
            future.add_done_callback(functools.partial(self._resubscribed, file_id))

    def _resubscribed(self, file_id: str, future: Future[Any]) -> None:
        error = None if future.cancelled() else future.exception()
        if error is not None or not (future.result() or {}).get("result"):
            self._subscriptions.pop(file_id, None)  # the file is done or gone: nothing to follow
            log.debug("%s: progress subscription not renewed after reconnect: %s", self._name, error)

    def _renew_if_expired(self, conn: Connection, future: Future[Any]) -> None:
        if not future.cancelled():
            exc = future.exception()
            if isinstance(exc, AuthError) and exc.code == 203:
                self._renew(conn)

    def _renew(self, conn: Connection) -> None:
        """The token expired on ``conn``: drop it so the reconnect fetches a new token."""
        if conn is not self._conn:  # another call renewed it already
            return
        self._token = None
        conn.close(ConnectionLostError("the token expired; reconnecting with a new one"), timeout=0)
        self._on_lost(conn, ConnectionLostError("the token expired"))

    def _timeout(self, timeout: float | None) -> float:
        if timeout is None:
            return self.timeout
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_SECONDS:
            raise ValueError(f"timeout must be a number of seconds > 0 and <= {MAX_SECONDS:g}, got {timeout!r}")
        return float(timeout)

    def call(self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """Send any request by its wire name and return the raw success payload.

        The escape hatch for methods this library does not model yet. Error payloads still raise
        :class:`ApiError`. ``client.call_future(...)`` is the non-blocking form.
        """
        return self._request(RequestSpec(_check_method(method), _identity), _check_payload(payload), timeout)

    def call_future(
        self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Future[Any]:
        """Non-blocking :meth:`call`: returns a Future of the raw success payload."""
        return self._request_future(RequestSpec(_check_method(method), _identity), _check_payload(payload), timeout)

    def server_info(self, *, timeout: float | None = None) -> ServerInfo:
        """Ask the server for its version and name (``GET /api/v4/server``, PROTOCOL §10.1).

        Needs no connection or credentials. Raises ConnectionLostError (unreachable or an HTTP
        error), RequestTimeoutError, TLSError, ProtocolError (not the expected JSON).
        """
        from .api.serverinfo import fetch_server_info
        from .transport.http import client_session

        return fetch_server_info(client_session(self), self.base_url, self._timeout(timeout))

    def typing(self, chat_id: str, activity: ActivityType | str = ActivityType.TYPING) -> ChatActivityKeeper:
        """Context manager: show "typing..." (or ``activity``) in a chat until the block ends.

        Re-sends the activity every ``retryAfter`` the server asks for (PROTOCOL §12.7) from a
        background thread; failures of the indicator are logged, not raised.
        """
        from .api.activity import ChatActivityKeeper

        return ChatActivityKeeper(self, chat_id, activity)

    # ---- events ----------------------------------------------------------------------------

    def _on_request(self, conn: Connection, frame: dict[str, Any]) -> None:
        # Reader thread: ack at once (default), then queue for the handlers. Blocks only when the
        # queue is full (backpressure), sending unsolicited pongs meanwhile. While close() drains
        # the handlers, new events are left unacknowledged: the server keeps them unread.
        dispatcher = self._dispatcher
        if dispatcher is None or self._closing:
            return
        if self.ack == "immediate":
            server_id = frame.get("id")
            if type(server_id) is int:
                conn.send_ack(server_id)
        dispatcher.submit(conn, frame, conn.send_pong)

    def _is_own_message(self, method: str, event: Any) -> bool:
        if method != "sendMessage" or not isinstance(event, Message):
            return False
        me = self.user_id
        return bool(me) and same_user(event.author.id, me, home=me)  # type: ignore[arg-type]

    # ---- connection loss and reconnect -------------------------------------------------------

    def _on_lost(self, conn: Connection, error: ConnectionLostError) -> None:
        if conn is not self._conn or self._closed or self._closing:
            return
        self._lost_at = time.monotonic()
        if not self.auto_reconnect:
            self._fatal = error
            self._set_state("disconnected", error)
            self._stopped.set()
            return
        with self._state_lock:
            if self._reconnect_thread is not None and self._reconnect_thread.is_alive():
                return
            thread = threading.Thread(target=self._reconnect_loop, name=f"{self._name}-reconnect", daemon=True)
            self._reconnect_thread = thread
        self._set_state("reconnecting", error)
        thread.start()

    def _reconnect_loop(self) -> None:
        """Reconnect with full-jitter exponential backoff until connected, closed or a terminal error."""
        attempt = 0
        while not (self._closed or self._closing):
            if attempt:
                delay = random.uniform(0, min(self.reconnect_max_delay, 0.25 * 2 ** min(attempt, 16)))
                if self._stopped.wait(delay):
                    return
            attempt += 1
            try:
                with self._connect_lock:
                    if self._closed or self._closing or self.connected:
                        return
                    self._open()
                return
            except AuthError as exc:
                if exc.retryable and self._can_refresh:
                    continue
                log.error("%s: reconnect stopped: %s", self._name, exc)
                self._fatal = exc
                self._set_state("disconnected", exc)
                self._stopped.set()
                return
            except Exception as exc:  # noqa: BLE001 - network trouble: keep trying
                if self._closed or self._closing:
                    return
                log.warning("%s: reconnect attempt %d failed: %s", self._name, attempt, exc)
                self._set_state("reconnecting", exc)

    # ---- fork safety ---------------------------------------------------------------------------

    def _check_fork(self) -> None:
        if self._pid != os.getpid():
            self._after_fork()

    def _after_fork(self) -> None:
        """In a forked child: forget the parent's socket and threads; connect anew on next use."""
        # Only this thread exists in the child; the parent's locks may have been held at fork time,
        # so every lock and event is made anew and nothing of the parent's is waited on.
        self._pid = os.getpid()
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.abandon()
        self._dispatcher = None
        self._reconnect_thread = None
        self._token_timer = None
        self._session = None  # its pooled sockets belong to the parent too
        self._connect_lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._connected = threading.Event()
        self._closed = self._closed or self._closing
        self._closing = False
        self._stopped = threading.Event()
        self._closed_done = threading.Event()
        if self._closed:
            self._stopped.set()
            self._closed_done.set()
        self._was_connected = False  # the child's first connection is its own, not a reconnect
        self._state = "closed" if self._closed else "disconnected"

    # ---- running and closing -----------------------------------------------------------------

    def run_forever(self) -> None:
        """Connect if needed and block until :meth:`close` (from any thread) or Ctrl-C.

        Ctrl-C closes the client cleanly and returns. Reconnects happen underneath. Raises the
        terminal error when the connection ends for good (AuthError on reconnect, or a drop with
        ``auto_reconnect=False``).
        """
        if not self.connected and self._state != "reconnecting":
            self.connect()
        try:
            while not self._stopped.wait(0.5):
                pass
            if self._closed or self._closing:  # closed from another thread: wait for close() to finish
                self._closed_done.wait(10.0)
        except KeyboardInterrupt:
            log.info("%s: interrupted; closing", self._name)
            self.close()
            return
        if self._fatal is not None and not (self._closed or self._closing):
            raise self._fatal

    def close(self, timeout: float = 5.0) -> None:
        """Close the connection and stop the handler threads (idempotent, any thread).

        First the handlers drain: events already queued get up to ``timeout`` seconds, on the
        still open connection (their replies and after-handling acks go out); new events are
        left unacknowledged. Then pending calls fail with :class:`ClientClosedError` and the
        socket closes. Events left over are logged (in after-handling mode they stay unread on
        the server, which delivers them again on the next connection).
        """
        self._check_fork()
        with self._state_lock:
            if self._closed or self._closing:
                return
            self._closing = True
        self._stopped.set()
        deadline = time.monotonic() + timeout
        self._cancel_token_timer()
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            dispatcher.stop(max(0.0, deadline - time.monotonic()))
        self._closed = True
        thread = self._reconnect_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))
        conn, self._conn = self._conn, None
        if conn is not None:
            left = deadline - time.monotonic()
            conn.close(ClientClosedError("the client was closed"), timeout=min(2.0, max(0.2, left)))
        session, self._session = self._session, None
        if session is not None:
            session.close()
        self._closing = False
        self._was_connected = False
        self._subscriptions.clear()  # they belonged to the closed connection
        self._set_state("closed")
        self._closed_done.set()

    def __enter__(self) -> Client:
        try:
            return self.connect()
        except BaseException:
            self.close(timeout=1.0)  # __exit__ will not run: leave no threads behind
            raise

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            if not self._closed and self._conn is not None and self._pid == os.getpid():
                self.close(timeout=0.5)
        except Exception:  # noqa: BLE001
            pass


@attrs.frozen
class Health:
    """What :meth:`Client.health` reports."""

    state: str
    connected: bool
    seconds_since_last_frame: float | None
    pending_calls: int
    queued_events: int
    handled_events: int
    reconnects: int


_LIVE_CLIENTS: weakref.WeakSet[Client] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for client in list(_LIVE_CLIENTS):
        client._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _parse_auth(payload: Any) -> AuthInfo:
    from .api.converter import converter

    info = converter.structure(payload if payload is not None else {}, AuthInfo)
    if "/" in info.user_id:  # some servers append a /suffix (PROTOCOL §2.2)
        object.__setattr__(info, "user_id", info.user_id.split("/", 1)[0])
    return info


def _parse_server(server: Any, port: int | None, https: bool) -> tuple[str, int, bool]:
    if not isinstance(server, str) or not server.strip():
        raise TypeError("server must be a non-empty host name or IP address (str)")
    server = server.strip()
    if "://" in server:
        parts = urlsplit(server)
        if parts.scheme not in ("http", "https", "ws", "wss"):
            raise ValueError(f"server: unsupported scheme {parts.scheme!r} (use https or http)")
        https = parts.scheme in ("https", "wss")
        host = parts.hostname or ""
        if port is None:
            port = parts.port
    else:
        host = server
        if server.count(":") == 1:
            host, _, port_text = server.partition(":")
            if port is None:
                if not port_text.isdigit():
                    raise ValueError(f"server: bad port in {server!r}")
                port = int(port_text)
        host = host.strip("[]")
    if not host:
        raise ValueError(f"server: no host name in {server!r}")
    if port is None:
        port = 443 if https else 4309
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port must be an int between 1 and 65535, got {port!r}")
    return host, port, bool(https)


def _check_method(method: Any) -> str:
    if not isinstance(method, str) or not method:
        raise TypeError("method must be a non-empty str (the wire name, e.g. 'sendMessage')")
    return method


def _check_payload(payload: Any) -> dict[str, Any]:
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise TypeError(f"payload must be a dict, not {type(payload).__name__}")
    return payload
