"""The one request path: every blocking call, ``.future(...)`` call and bulk send goes through here.

Steps of a request, in order:

1. **readiness** -- the open connection (lazy connect, or waiting for a reconnect within the
   call's own timeout) and room in the pending table (``max_pending_calls`` backpressure);
2. **pre-send hooks** -- the spec's ``finish(client, payload)``, and tracking of file-progress
   subscriptions (a reconnect repeats them: their effect lives on the connection);
3. **send** on the connection, blocking or as a Future;
4. **203 renewal** -- a request the server refused with 203 (token expired) was not executed:
   the supervisor renews the token once per connection and the request is resent once on the
   new connection, whichever thread saw the 203 first. A request ended because we closed the
   replaced connection is resent too: our own renewal never fails a call;
5. **binding** -- results holding messages are bound to the client (``message.reply()``).

The bulk sender (:class:`~.pipeline.Pipeline`) uses :meth:`RequestPath.ready`,
:meth:`RequestPath.should_resend` and :meth:`RequestPath.renew` for the same steps.
"""

from __future__ import annotations

import functools
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..config import ClientConfig
from ..errors import AuthError, ClientClosedError, RequestTimeoutError, seconds as in_seconds
from ..logs import get_logger
from .protocols import FinishContext, Payload, RequestSpec
from .supervisor import Supervisor

if TYPE_CHECKING:
    # concurrent.futures and the connection load on connect (the Futures come from the connection).
    from concurrent.futures import Future

    from ..transport.connection import Connection

__all__ = ["RequestPath", "check_payload", "raw_spec"]

log = get_logger("trueconf_sync.client")

_monotonic = time.monotonic
#: Requests whose effect lives on the connection: the client repeats the subscriptions after a reconnect.
SUBSCRIBE, UNSUBSCRIBE = "subscribeFileProgress", "unsubscribeFileProgress"
_TRACKED = frozenset({SUBSCRIBE, UNSUBSCRIBE})  # wire methods whose sends the path remembers
MAX_SUBSCRIPTIONS = 10_000


def _identity(payload: Any) -> Any:
    return payload


class RequestPath:
    """Sends requests for one client (see the module docstring).

    Args:
        supervisor: owns the connection and the client's settings (``supervisor.config``).
        owner: the client: what ``finish`` hooks get.
        bind: binds a result's messages to the client.
    """

    def __init__(self, supervisor: Supervisor, owner: FinishContext, bind: Callable[[Any], Any]) -> None:
        self._sup = supervisor
        self._owner = owner
        self._bind = bind
        self._subscriptions: dict[str, None] = {}  # file ids with progress subscriptions, in order

    @property
    def _config(self) -> ClientConfig:
        return self._sup.config  # the client's current settings (some may be changed after creation)

    # ---- readiness ------------------------------------------------------------------------

    @property
    def max_pending_calls(self) -> int:
        """Requests that may wait for their answers at once before new ones wait for room."""
        return self._config.max_pending_calls

    def ready(self, seconds: float) -> tuple[Connection, float]:
        """The connection to send on and the call's deadline: waiting for a (re)connect or for
        room in the pending table counts against the call's own ``seconds``."""
        deadline = _monotonic() + seconds
        conn = self._sup.connection(seconds)
        limit = self._config.max_pending_calls
        if conn.pending_count >= limit:
            pause = 0.001
            while conn.pending_count >= limit and not conn.closed:
                if _monotonic() >= deadline:
                    raise RequestTimeoutError(
                        f"{conn.pending_count} calls already wait for answers (max_pending_calls="
                        f"{limit}); none finished within {in_seconds(seconds)}"
                    )
                time.sleep(pause)
                pause = min(0.02, pause * 2)
        return conn, deadline

    def prepare(self, spec: RequestSpec, payload: Payload) -> None:
        """Pre-send hooks: the spec's ``finish`` and subscription tracking (once connected)."""
        if spec.finish is not None:
            spec.finish(self._owner, payload)
        if spec.wire in _TRACKED:
            self._track_subscription(spec.wire, payload)

    # ---- renewal ----------------------------------------------------------------------------

    @property
    def can_renew(self) -> bool:
        """True when a 203 can be fixed by a new token (credentials or a token callable, auto-reconnect)."""
        return self._sup.tokens.can_refresh and self._config.auto_reconnect

    def should_resend(self, conn: Connection, error: BaseException | None) -> bool:
        """True when a request that ended with ``error`` on ``conn`` was not executed because of an
        expired token (203), or was ended by our own closing of ``conn`` after a renewal. A 203
        starts the renewal (once per connection)."""
        if isinstance(error, AuthError):
            if error.code != 203 or not self.can_renew:
                return False
            self._sup.renew(conn)
            return True
        return error is not None and self._sup.closed_by_renewal(conn, error)

    def renew(self, conn: Connection) -> None:
        """Start the token renewal for ``conn`` (no-op when it was renewed already)."""
        self._sup.renew(conn)

    # ---- sending ----------------------------------------------------------------------------

    def request(self, spec: RequestSpec, payload: Payload, timeout: float | None) -> Any:
        """Send one request and block for its (bound) result."""
        config = self._sup.config
        seconds = config.timeout if timeout is None else config.check_timeout(timeout)
        conn, deadline = self.ready(seconds)
        self.prepare(spec, payload)
        try:
            result = conn.call(spec.wire, payload, spec.parse, max(0.001, deadline - _monotonic()))
        except Exception as exc:
            left = deadline - _monotonic()
            if left <= 0 or not self.should_resend(conn, exc):
                raise
            conn, _ = self.ready(left)  # waits for the new connection (within the call's time)
            result = conn.call(spec.wire, payload, spec.parse, max(0.001, deadline - _monotonic()))
        return self._bind(result) if spec.binds else result

    def request_future(self, spec: RequestSpec, payload: Payload, timeout: float | None) -> Future[Any]:
        """Send one request; return a Future of its (bound) result."""
        seconds = self._config.check_timeout(timeout)
        conn, deadline = self.ready(seconds)
        self.prepare(spec, payload)
        parse = spec.parse
        if spec.binds:
            bind = self._bind
            parse = lambda data: bind(spec.parse(data))  # noqa: E731
        inner = conn.request(spec.wire, payload, parse, max(0.001, deadline - _monotonic()))
        if not self.can_renew:
            return inner  # nothing to resend: the connection's own Future is the call's
        outer: Future[Any] = type(inner)()  # (a concurrent.futures.Future: not imported with the client)
        inner.add_done_callback(functools.partial(self._settle, outer, conn, spec.wire, payload, parse,
                                                  deadline, True))
        return outer

    def _settle(self, outer: Future[Any], conn: Connection, wire: str, payload: Payload,
                parse: Callable[[Any], Any], deadline: float, may_resend: bool, inner: Future[Any]) -> None:
        """Completion of a Future call's request (reader thread, heartbeat or the closer)."""
        error = inner.exception() if not inner.cancelled() else ClientClosedError("the request was cancelled")
        if error is None:
            _complete(outer, inner.result(), None)
        elif may_resend and _monotonic() < deadline and self.should_resend(conn, error):
            self._resend_when_ready(outer, wire, payload, parse, deadline, error)
        else:
            _complete(outer, None, error)

    def _resend_when_ready(self, outer: Future[Any], wire: str, payload: Payload, parse: Callable[[Any], Any],
                           deadline: float, error: BaseException) -> None:
        """Resend once the new connection is up, never blocking this (reader) thread; the call's
        deadline still holds while it waits."""
        once = threading.Lock()

        def expire() -> None:
            if once.acquire(False):
                _complete(outer, None, RequestTimeoutError(f"{wire}: not reconnected after the token renewal "
                                                           "within the call's timeout"))

        timer = threading.Timer(max(0.0, deadline - _monotonic()), expire)
        timer.daemon = True

        def ready(conn: Connection | None, failure: BaseException | None) -> None:
            if not once.acquire(False):
                return
            timer.cancel()
            if conn is None or outer.done():
                _complete(outer, None, failure or error)
                return
            inner = conn.request(wire, payload, parse, max(0.001, deadline - _monotonic()))
            inner.add_done_callback(functools.partial(self._settle, outer, conn, wire, payload, parse,
                                                      deadline, False))

        timer.start()
        self._sup.when_ready(ready)

    # ---- subscriptions --------------------------------------------------------------------------

    def _track_subscription(self, wire: str, payload: Any) -> None:
        """Remember file-progress subscriptions (bounded) so a reconnect can repeat them."""
        file_id = payload.get("fileId") if type(payload) is dict else None
        if type(file_id) is not str:
            return
        if wire == UNSUBSCRIBE:
            self._subscriptions.pop(file_id, None)
        elif file_id not in self._subscriptions:
            if len(self._subscriptions) >= MAX_SUBSCRIPTIONS:
                self._subscriptions.pop(next(iter(self._subscriptions)), None)  # forget the oldest
            self._subscriptions[file_id] = None

    def resubscribe(self, conn: Connection) -> None:
        """A new connection knows nothing of the old one's subscriptions: send them again (no wait)."""
        for file_id in list(self._subscriptions):
            future = conn.request(SUBSCRIBE, {"fileId": file_id}, _identity, self._config.timeout)
            future.add_done_callback(functools.partial(self._resubscribed, file_id))

    def _resubscribed(self, file_id: str, future: Future[Any]) -> None:
        error = None if future.cancelled() else future.exception()
        if error is not None or not (future.result() or {}).get("result"):
            self._subscriptions.pop(file_id, None)  # the file is done or gone: nothing to follow
            log.debug("progress subscription of %s not renewed after reconnect: %s", file_id, error)

    def forget_subscriptions(self) -> None:
        """The client closed: the subscriptions belonged to the closed connection."""
        self._subscriptions.clear()


def raw_spec(method: Any) -> RequestSpec:
    """The spec of ``client.call(method, ...)``: any wire name, the raw success payload as result."""
    if not isinstance(method, str) or not method:
        raise TypeError("method must be a non-empty str (the wire name, e.g. 'sendMessage')")
    return RequestSpec(method, _identity)


def check_payload(payload: Any) -> Payload:
    """The payload of ``client.call(...)``: a dict (``None`` sends ``{}``)."""
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise TypeError(f"payload must be a dict, not {type(payload).__name__}")
    return payload


def _complete(future: Future[Any], result: Any, error: BaseException | None) -> None:
    try:
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
    except sys.modules["concurrent.futures"].InvalidStateError:  # cancelled by its owner meanwhile
        pass
