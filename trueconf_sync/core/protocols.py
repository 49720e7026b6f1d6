"""What the layers below the client may use of it: :class:`RequestSpec` and the :class:`ClientCore` Protocol.

Lower layers (``api/method.py``'s descriptors, ``api/activity.py``, ``transport/http.py`` and
``files/``) never see :class:`~trueconf_sync.Client` or its private fields: they get an object
satisfying :class:`ClientCore` (``client.core``), typed, small and documented here.

What ``files/`` uses of the client, and the member of :class:`ClientCore` it goes through:

==================================  ============================================================
check a call's ``timeout``          :meth:`ClientCore.check_timeout`
refuse blocking on the reader       :meth:`ClientCore.is_reader_thread`
``.future()`` on a closed client    :attr:`ClientCore.closed`
its worker threads' names           :attr:`ClientCore.name`
the HTTP endpoints                  :attr:`ClientCore.base_url`, :meth:`ClientCore.http_session`
its API requests (getFileInfo...)   :meth:`ClientCore.request` with the method's ``spec``
per-client file state               :attr:`ClientCore.extensions` (a per-client dict)
==================================  ============================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from concurrent.futures import Future

    import requests

    from ..transport.connection import Connection

__all__ = ["ClientCore", "Dispatcher", "FinishContext", "HasCore", "Payload", "RequestSpec"]

#: A request's payload (a JSON object).
Payload = dict[str, Any]


class FinishContext(Protocol):
    """What a request's ``finish`` hook may read of the client (``api.methods``' hooks use these)."""

    @property
    def host(self) -> str:
        """The server's host name."""

    @property
    def user_id(self) -> str | None:
        """The bot's own TrueConf ID (``None`` before connecting)."""


class RequestSpec(NamedTuple):
    """What the request path needs to send one kind of request.

    Attributes:
        wire: the protocol's method name.
        parse: turns the success payload into the result (runs on the reader thread).
        finish: optional ``finish(client, payload)`` run once connected, before sending (e.g. to
            complete a bare login with the server's domain); gets the client (``user_id``...).
        binds: the result holds messages to bind to the client (``message.reply()``...).
    """

    wire: str
    parse: Callable[[Any], Any]
    finish: Callable[[FinishContext, Payload], None] | None = None
    binds: bool = False


class ClientCore(Protocol):
    """The client's services for the library's own lower layers (``client.core``)."""

    @property
    def name(self) -> str:
        """The client's name (``trueconf-N``): the prefix of its threads' names."""

    @property
    def base_url(self) -> str:
        """``https://host:port``: where the HTTP endpoints live."""

    @property
    def default_timeout(self) -> float:
        """Seconds a call waits for its answer when it gives no ``timeout``."""

    @property
    def closed(self) -> bool:
        """True while the client is closing or closed (calls fail with ClientClosedError)."""

    @property
    def extensions(self) -> dict[str, Any]:
        """Per-client state of upper layers (e.g. the file methods' worker pool), made on first use."""

    def check_timeout(self, timeout: float | None) -> float:
        """A call's ``timeout`` as seconds (``None``: the default); ValueError names the limit."""

    def is_reader_thread(self) -> bool:
        """True on the reader thread of the current connection (a blocking call there would deadlock)."""

    def request(self, spec: RequestSpec, payload: Payload, timeout: float | None) -> Any:
        """Send one request and block for its parsed result (the one request path)."""

    def request_future(self, spec: RequestSpec, payload: Payload, timeout: float | None) -> Future[Any]:
        """Send one request; return a Future of its parsed result."""

    def http_session(self) -> requests.Session:
        """The client's requests session (its TLS settings and User-Agent), made on first use."""


class HasCore(Protocol):
    """An object (the client) that hands out its :class:`ClientCore`."""

    @property
    def core(self) -> ClientCore:
        """The client's services for the lower layers."""


class Dispatcher(Protocol):
    """What the supervisor needs of the handler workers (:class:`~trueconf_sync.events.workers.HandlerWorkers`)."""

    @property
    def queued(self) -> int:
        """Events waiting for (or being handled by) a worker."""

    @property
    def handled(self) -> int:
        """Events handled so far."""

    def submit(self, connection: Connection, frame: dict[str, Any],
               keepalive: Callable[[], None] | None = None, keepalive_every: float = 1.0) -> None:
        """Queue a server request frame (reader thread)."""

    def stop(self, timeout: float = ...) -> int:
        """Drain the queued events (up to ``timeout`` seconds), stop the workers; return how many were left."""


class EventDistributor(Protocol):
    """Makes the dispatcher of a client that shares its events with other processes
    (``client.distribute(...)``; e.g. :class:`trueconf_sync.contrib.redis.RedisStream`)."""

    def make_dispatcher(self, client: Any, make_workers: Callable[[bool], Dispatcher]) -> Dispatcher:
        """The dispatcher for ``client``; ``make_workers(ack_after_handling)`` builds the client's
        usual handler workers (its ``workers``, ``skip_own_messages``, queue limit)."""
