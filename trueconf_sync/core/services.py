"""``client.core``: the :class:`~.protocols.ClientCore` of one client, and its :class:`Health` snapshot.

:class:`CoreServices` is what the lower layers hold instead of the client: the request path, the
timeout rule, the HTTP session and a few facts about the client, all backed by the
:class:`~.supervisor.Supervisor` and :class:`~.requests.RequestPath`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from ..frozen import Frozen
from .lifecycle import State
from .protocols import Payload, RequestSpec
from .requests import RequestPath
from .supervisor import Supervisor

if TYPE_CHECKING:
    from concurrent.futures import Future

    import requests

__all__ = ["CoreServices", "Health"]


class Health(Frozen):
    """What :meth:`Client.health <trueconf_sync.Client.health>` reports (frozen, compared by value)."""

    __slots__ = (  # noqa: RUF023 - the order of the fields (repr, equality), not sorted
                 "state", "connected", "seconds_since_last_frame", "pending_calls", "queued_events",
                 "handled_events", "reconnects")

    state: str
    connected: bool
    seconds_since_last_frame: float | None
    pending_calls: int
    queued_events: int
    handled_events: int
    reconnects: int

    def __init__(self, state: str, connected: bool, seconds_since_last_frame: float | None, pending_calls: int,
                 queued_events: int, handled_events: int, reconnects: int) -> None:
        self._assign(state=state, connected=connected, seconds_since_last_frame=seconds_since_last_frame,
                     pending_calls=pending_calls, queued_events=queued_events, handled_events=handled_events,
                     reconnects=reconnects)


class CoreServices:
    """Implements :class:`~.protocols.ClientCore` for one client (see there for each member)."""

    __slots__ = ("_path", "_sup", "extensions")

    def __init__(self, supervisor: Supervisor, path: RequestPath) -> None:
        self._sup = supervisor
        self._path = path
        self.extensions: dict[str, Any] = {}

    @property
    def name(self) -> str:
        return self._sup.name

    @property
    def base_url(self) -> str:
        return self._sup.config.base_url

    @property
    def default_timeout(self) -> float:
        return self._sup.config.timeout

    @property
    def closed(self) -> bool:
        return self._sup.life.state is State.CLOSED

    def check_timeout(self, timeout: float | None) -> float:
        return self._sup.config.check_timeout(timeout)

    def is_reader_thread(self) -> bool:
        conn = self._sup.conn
        return conn is not None and conn.is_reader_thread()

    def request(self, spec: RequestSpec, payload: Payload, timeout: float | None) -> Any:
        return self._path.request(spec, payload, timeout)

    def request_future(self, spec: RequestSpec, payload: Payload, timeout: float | None) -> Future[Any]:
        return self._path.request_future(spec, payload, timeout)

    def http_session(self) -> requests.Session:
        return self._sup.sessions.get()

    def health(self) -> Health:
        """A snapshot of the client's health: state, last frame age, pending calls, queued events."""
        sup = self._sup
        conn = sup.conn
        dispatcher = sup.dispatcher
        return Health(
            state=sup.life.public,
            connected=sup.connected,
            seconds_since_last_frame=(time.monotonic() - conn.last_frame_at) if conn is not None else None,
            pending_calls=conn.pending_count if conn is not None else 0,
            queued_events=dispatcher.queued if dispatcher is not None else 0,
            handled_events=dispatcher.handled if dispatcher is not None else 0,
            reconnects=sup.reconnects,
        )
