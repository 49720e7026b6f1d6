"""The blocking :class:`Client`: connect, authenticate, call methods, receive events.

::

    from trueconf_sync import Client

    with Client("video.example.com", token=TOKEN) as client:
        sent = client.send_message(chat_id, "Disk almost full on db-1")

        @client.on_message
        def echo(message):
            client.send_message(message.chat_id, message.text, reply_message_id=message.message_id)

        client.run_forever()   # until Ctrl-C or client.close() from any thread

A thin facade: the settings are a :class:`~trueconf_sync.config.ClientConfig`, the connection's
life is the :class:`~trueconf_sync.core.supervisor.Supervisor`'s (one state machine,
:mod:`trueconf_sync.core.lifecycle`), every request goes through the
:class:`~trueconf_sync.core.requests.RequestPath`, and the API methods are rows of the method table
(:class:`~trueconf_sync.api.methods.ApiMethods`) that reach the request path through ``client.core``
(the :class:`~trueconf_sync.core.protocols.ClientCore` Protocol).
"""

from __future__ import annotations

import functools
import os
import sys
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Literal

from . import __version__
from .api.conveniences import ConvenienceMethods
from .api.loading import LOADED, bind_client, load_models
from .api.method import aio_of, warn_if_event_loop
from .api.methods import ApiMethods
from .api.methods.common import load_parsers
from .config import MAX_SECONDS, ClientConfig
from .core.bulk import SendResult, send_many
from .core.lifecycle import ENDED, ConnectionState, Lifecycle, State
from .core.protocols import ClientCore, Dispatcher, EventDistributor
from .core.requests import RequestPath, check_payload, raw_spec
from .core.services import CoreServices, Health
from .core.supervisor import Hooks, Supervisor
from .events.registry import HandlerRegistry
from .files import FileMethods
from .ids import same_as_me
from .logs import get_logger
from .transport.tls import Verify

if TYPE_CHECKING:
    from concurrent.futures import Future

    from .api.models import AuthInfo, SentMessage
    from .transport.connection import Connection

__all__ = ["MAX_SECONDS", "Client", "ConnectionState", "Health"]

log = get_logger("trueconf_sync.client")

_ids = iter(range(1, 1 << 62))
#: Settings readable (and, for the next connection or call, settable) as ``client.<name>``.
_SETTINGS = ("host", "port", "https", "timeout", "connect_timeout", "receive_unread", "receive_system_messages",
             "workers", "ack", "skip_own_messages", "auto_reconnect", "reconnect_max_delay", "wait_for_reconnect",
             "ping_interval", "pong_timeout", "max_queued_events", "max_pending_calls")


class Client(ApiMethods, ConvenienceMethods, FileMethods, HandlerRegistry):
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

    if TYPE_CHECKING:  # the settings, as properties over ``config`` (made below the class)
        host: str
        port: int
        https: bool
        timeout: float
        connect_timeout: float
        receive_unread: bool
        receive_system_messages: bool
        workers: int
        ack: Literal["immediate", "after_handling"]
        skip_own_messages: bool
        auto_reconnect: bool
        reconnect_max_delay: float
        wait_for_reconnect: bool
        ping_interval: float
        pong_timeout: float
        max_queued_events: int
        max_pending_calls: int

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
        config = ClientConfig.create(
            server, token, username=username, password=password, oauth_client_id=oauth_client_id, port=port,
            https=https, verify=verify, timeout=timeout, connect_timeout=connect_timeout,
            receive_unread=receive_unread, receive_system_messages=receive_system_messages, workers=workers,
            ack=ack, skip_own_messages=skip_own_messages, auto_reconnect=auto_reconnect,
            reconnect_max_delay=reconnect_max_delay, wait_for_reconnect=wait_for_reconnect,
            ping_interval=ping_interval, pong_timeout=pong_timeout, max_queued_events=max_queued_events,
            max_pending_calls=max_pending_calls,
        )
        self._name = f"trueconf-{next(_ids)}"
        self.user_agent = f"trueconf_sync/{__version__} (Python/{sys.version.split()[0]})"  # (no platform import)
        self._receivers = {}  # (typed in HandlerRegistry)
        self._distributor: EventDistributor | None = None
        hooks = Hooks(self._make_dispatcher, _parse_auth, self._on_request, self._on_reconnected,
                      self._on_closed)
        self._sup = Supervisor(config, self._name, self.user_agent, Lifecycle(self._name, self._announce), hooks)
        self._requests = RequestPath(self._sup, self, lambda result: bind_client(result, self))
        self._services = CoreServices(self._sup, self._requests)
        self._core: ClientCore = self._services  # (mypy checks it against the Protocol)
        _LIVE_CLIENTS.add(self)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        config: str | os.PathLike[str] | None = None,
        profile: str | None = None,
        **overrides: Any,
    ) -> Client:
        """A client (not yet connected) from ``TRUECONF_*`` variables and the config file::

            with Client.from_env() as client:   # TRUECONF_SERVER, TRUECONF_TOKEN or _USERNAME/_PASSWORD...
                client.send_message(chat_id, "deploy finished")

        Read by :func:`trueconf_sync.config.load_settings`, the loader the command line and the bot
        layer use too (its docs list the variables). ``environ`` defaults to ``os.environ``;
        ``config``/``profile`` choose the INI file and section; ``overrides`` are further
        ``Client`` arguments and win (a ``token`` or ``username`` replaces the configured credentials).
        Raises ValueError naming the variable or file at fault (never a secret's value).
        """
        from .config import load_settings

        kwargs = load_settings(environ=environ, config=config, profile=profile).client_kwargs(**overrides)
        return cls(kwargs.pop("server"), **kwargs)

    # ---- settings, addresses and state ---------------------------------------------------------

    @property
    def config(self) -> ClientConfig:
        """The client's validated settings."""
        return self._sup.config

    @property
    def core(self) -> ClientCore:
        """The client's services for the library's own lower layers (API and file methods)."""
        return self._core

    @property
    def base_url(self) -> str:
        """``https://host:port`` (or ``http://``): where the HTTP endpoints live."""
        return self._sup.config.base_url

    @property
    def ws_url(self) -> str:
        """The WebSocket URL of the Chatbot Connector."""
        return self._sup.config.ws_url

    @property
    def state(self) -> ConnectionState:
        """``"disconnected"``, ``"connecting"``, ``"connected"``, ``"reconnecting"`` or ``"closed"``."""
        return self._sup.life.public

    @property
    def connected(self) -> bool:
        """True while an authorised connection is open."""
        return self._sup.connected

    @property
    def reconnects(self) -> int:
        """How many times the client reconnected (after drops and token renewals)."""
        return self._sup.reconnects

    @property
    def user_id(self) -> str | None:
        """The bot's TrueConf ID as the server reported it at ``auth`` (None before connecting)."""
        auth = self._sup.auth
        return auth.user_id if auth is not None else None

    @property
    def me(self) -> str | None:
        """Alias of :attr:`user_id`: the bot's own TrueConf ID (None before connecting)."""
        return self.user_id

    @property
    def connection_id(self) -> str | None:
        """The server's id of the current connection (None before connecting)."""
        auth = self._sup.auth
        return auth.connection_id if auth is not None else None

    @property
    def token_expires_at(self) -> float | None:
        """Unix time when the current token expires, when known."""
        return self._sup.tokens.expires_at

    def __repr__(self) -> str:
        user = f" user={self.user_id}" if self.user_id else ""
        return f"<Client {self.host}:{self.port}{user} {self.state}>"

    def wait_connected(self, timeout: float | None = None) -> bool:
        """Block until the client is connected (e.g. after a reconnect); False on timeout or close."""
        return self._sup.life.wait_for(frozenset({State.CONNECTED}) | ENDED, timeout) is State.CONNECTED

    def health(self) -> Health:
        """A snapshot of the client's health: state, last frame age, pending calls, queued events."""
        return self._services.health()

    # ---- connecting, running, closing ----------------------------------------------------------

    def connect(self) -> Client:
        """Open the connection and authenticate (no-op when connected). Returns the client.

        A closed client can be connected again. Raises AuthError (201-204 or OAuth refusal),
        ConnectionLostError when the server cannot be reached, RequestTimeoutError.
        """
        self._sup.connect()
        return self

    def run_forever(self) -> None:
        """Connect if needed and block until :meth:`close` (from any thread) or Ctrl-C.

        Ctrl-C closes the client cleanly and returns. Reconnects happen underneath. Raises the
        terminal error when the connection ends for good (AuthError on reconnect, or a drop with
        ``auto_reconnect=False``).
        """
        if not self.connected and self._sup.life.state is not State.RECONNECTING:
            self.connect()
        ended = frozenset({State.CLOSED, State.FAILED})
        try:
            while (state := self._sup.life.wait_for(ended, 0.5)) not in ended:
                pass
        except KeyboardInterrupt:
            log.info("%s: interrupted; closing", self._name)
            self.close()
            return
        if state is State.FAILED and self._sup.fatal is not None:
            raise self._sup.fatal

    def distribute(self, distributor: EventDistributor | None) -> Client:
        """Share incoming events with other processes connected as the same bot; returns the client.

        ``distributor`` makes the event dispatcher, e.g.
        ``client.distribute(RedisStream(url, group="my-bot"))`` (:mod:`trueconf_sync.contrib.redis`):
        every process appends what its connection receives to one shared queue and handles its share,
        so each event is handled by one of them. ``None`` restores local handling. Call it before
        :meth:`connect` (or after :meth:`close`).

        Raises:
            RuntimeError: the client is connected (its dispatcher already runs).
        """
        if self._sup.dispatcher is not None:
            raise RuntimeError("distribute() must be called before connect() (or after close())")
        self._distributor = distributor
        return self

    def close(self, timeout: float = 5.0) -> None:
        """Close the connection and stop the handler threads (idempotent, any thread, any callback).

        First the handlers drain: events already queued get up to ``timeout`` seconds, on the
        still open connection (their replies and after-handling acks go out); new events are
        left unacknowledged. Then pending calls fail with :class:`ClientClosedError` and the
        socket closes. Events left over are logged (in after-handling mode they stay unread on
        the server, which delivers them again on the next connection).
        """
        self._sup.close(timeout)

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
            sup = self._sup
            if sup.conn is not None and not sup.closing and sup.owned_by_this_process:
                self.close(timeout=0.5)
        except Exception:  # noqa: BLE001
            pass

    # ---- requests --------------------------------------------------------------------------

    def call(self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """Send any request by its wire name and return the raw success payload.

        The escape hatch for methods this library does not model yet. Error payloads still raise
        :class:`ApiError`. ``client.call_future(...)`` is the non-blocking form, ``await
        client.call_aio(...)`` the one for asyncio code.
        """
        warn_if_event_loop("client.call", "client.call_aio")
        return self._requests.request(raw_spec(method), check_payload(payload), timeout)

    def call_future(
        self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> Future[Any]:
        """Non-blocking :meth:`call`: returns a Future of the raw success payload."""
        return self._requests.request_future(raw_spec(method), check_payload(payload), timeout)

    async def call_aio(self, method: str, payload: dict[str, Any] | None = None, *,
                       timeout: float | None = None) -> Any:
        """:meth:`call` for asyncio code: ``await client.call_aio("getChats", {})`` (like ``.aio``)."""
        return await aio_of(functools.partial(self.call_future, method, payload, timeout=timeout))

    def send_messages(
        self,
        messages: Iterable[tuple[str, Any] | Mapping[str, Any]],
        *,
        parse_mode: Any = None,
        max_in_flight: int = 256,
        timeout: float | None = None,
    ) -> list[SendResult[SentMessage]]:
        """Send many messages pipelined; return one :class:`SendResult` per item, in input order.

        Args:
            messages: ``(chat_id, text)`` tuples, or mappings of ``send_message`` arguments
                (``chat_id``, ``text``, ``parse_mode``, ``reply_message_id``, ``buttons``).
            parse_mode: default parse mode of items that do not set their own.
            max_in_flight: calls waiting for their answer at once (1-10000); ``1`` is sequential.
            timeout: seconds each call waits for its answer (default: the client's ``timeout``).

        Returns:
            ``SendResult`` per item: ``.ok``, ``.message`` (a ``SentMessage``) or ``.error``
            (``ApiError``, ``RequestTimeoutError``, ``ConnectionLostError``...). A message whose call
            failed may or may not have reached the server (a lost connection hides the answer).
            When the client cannot get a connection at all (closed, or not reconnected within
            ``timeout``), the items not yet sent get that error without being tried.

        Raises:
            ValueError, TypeError: a bad item or argument (the message names the item); nothing
                has been sent then.
        """
        row = ApiMethods.send_message
        return send_many(self._requests, row.prepare, row.spec, messages, parse_mode=parse_mode,
                         max_in_flight=max_in_flight, seconds=self._core.check_timeout(timeout))

    @property
    def _conn(self) -> Connection | None:
        """The current connection (for the library's own tests; the layers use ``core``)."""
        return self._sup.conn

    # ---- callbacks of the supervisor -------------------------------------------------------------

    def _announce(self, state: ConnectionState, reason: Any) -> None:
        self._notify("connection_state_changed", state=state, reason=reason)

    def _on_reconnected(self, conn: Connection, attempts: int, downtime: float) -> None:
        self._requests.resubscribe(conn)
        self._notify("reconnected", attempts=attempts, downtime=downtime)

    def _notify(self, signal: str, **kwargs: Any) -> None:
        # The signals (blinker) load when first imported (or a handler registered): no receiver before.
        signals = sys.modules.get("trueconf_sync.events.signals")
        for receiver in getattr(signals, signal).receivers_for(self) if signals is not None else ():
            try:
                receiver(self, **kwargs)
            except Exception:
                log.exception("%s receiver raised", signal)

    def _on_closed(self) -> None:
        self._requests.forget_subscriptions()

    def _make_dispatcher(self) -> Dispatcher:
        load_models()  # on the connecting thread, before a reader exists (see api/loading.py)
        if self._distributor is not None:
            return self._distributor.make_dispatcher(self, self._handler_workers)
        return self._handler_workers(self._sup.config.ack == "after_handling")

    def _handler_workers(self, ack_after_handling: bool) -> Dispatcher:
        from .events.workers import HandlerWorkers  # (on connect: it loads the signals, blinker)

        config = self._sup.config
        return HandlerWorkers(
            self,
            workers=config.workers,
            ack_after_handling=ack_after_handling,
            skip=self._is_own_message if config.skip_own_messages else None,
            max_queued=config.max_queued_events,
        )

    def _on_request(self, conn: Connection, frame: dict[str, Any]) -> None:
        # Reader thread: ack at once (default), then queue for the handlers. Blocks only when the
        # queue is full (backpressure), sending unsolicited pongs meanwhile. While close() drains
        # the handlers, new events are left unacknowledged: the server keeps them unread.
        sup = self._sup
        dispatcher = sup.dispatcher
        if dispatcher is None or sup.closing:
            return
        if sup.config.ack == "immediate":
            server_id = frame.get("id")
            if type(server_id) is int:
                conn.send_ack(server_id)
        dispatcher.submit(conn, frame, conn.send_pong)

    def _is_own_message(self, method: str, event: Any) -> bool:
        # Only chat messages of its own are skipped: a system envelope (type < 200, e.g. "history
        # cleared") the bot's account caused still reaches the handlers, as in the official SDK.
        if method != "sendMessage" or not isinstance(event, LOADED.message) or event.is_system:
            return False
        me = self.user_id
        return bool(me) and same_as_me(event.author.id, me)


def _setting(name: str) -> property:
    def get(self: Client) -> Any:
        return getattr(self._sup.config, name)

    def set_(self: Client, value: Any) -> None:  # checked like the argument; applies to the next connection or call
        self._sup.config = self._sup.config.replace(**{name: value})

    return property(get, set_, doc=f"The ``{name}`` setting (see the class docstring).")


for _name in _SETTINGS:
    setattr(Client, _name, _setting(_name))


_LIVE_CLIENTS: weakref.WeakSet[Client] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for client in list(_LIVE_CLIENTS):
        client._sup.after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _parse_auth(payload: Any) -> AuthInfo:
    from .api.models import AuthInfo

    info: AuthInfo = load_parsers()(payload if payload is not None else {}, AuthInfo)
    if "/" in info.user_id:  # some servers append a /suffix (PROTOCOL §2.2)
        object.__setattr__(info, "user_id", info.user_id.split("/", 1)[0])
    return info
