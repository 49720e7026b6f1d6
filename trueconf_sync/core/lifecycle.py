"""The client's one state machine: :class:`State`, the allowed transitions, one lock, one condition.

Every lifecycle decision of the client (connect, reconnect, renew the token, fail for good,
close, fork) is one transition of :class:`Lifecycle`, checked against :data:`TRANSITIONS` under
its lock; a transition that is not allowed from the current state does not happen (so, e.g., a
reconnect that finishes after ``close()`` started cannot revive the client). The public
``client.state`` strings are derived from the state (:data:`PUBLIC`), and the
``connection_state_changed`` notification is sent *after* the lock is released, so a receiver may
call anything, ``close()`` included.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable
from typing import Any, Literal

from ..logs import get_logger

__all__ = ["PUBLIC", "TRANSITIONS", "ConnectionState", "Lifecycle", "Notice", "State"]

log = get_logger("trueconf_sync.client")

ConnectionState = Literal["disconnected", "connecting", "connected", "reconnecting", "closed"]


class State(enum.Enum):
    """Where the client is in its life."""

    #: Not connected yet, or the last connect attempt failed (the next call tries again).
    DISCONNECTED = "disconnected"
    #: Opening the first connection (``connect()`` or a call's lazy connect).
    CONNECTING = "connecting"
    #: An authorised connection is open.
    CONNECTED = "connected"
    #: The connection dropped (or the token is being renewed); the supervisor reconnects.
    RECONNECTING = "reconnecting"
    #: ``close()`` runs: handlers drain, then everything stops.
    CLOSING = "closing"
    #: Closed; ``connect()`` opens it again.
    CLOSED = "closed"
    #: Ended for good by a terminal error (bad credentials, a drop without auto-reconnect); calls
    #: raise that error until ``connect()`` or ``close()``.
    FAILED = "failed"


#: The allowed transitions (a self-transition is always a silent no-op).
TRANSITIONS: dict[State, frozenset[State]] = {
    State.DISCONNECTED: frozenset({State.CONNECTING, State.CLOSING}),
    State.CONNECTING: frozenset({State.CONNECTED, State.DISCONNECTED, State.FAILED, State.CLOSING}),
    State.CONNECTED: frozenset({State.RECONNECTING, State.FAILED, State.CLOSING}),
    State.RECONNECTING: frozenset({State.CONNECTED, State.FAILED, State.CLOSING}),
    State.FAILED: frozenset({State.CONNECTING, State.CLOSING}),
    State.CLOSING: frozenset({State.CLOSED}),
    State.CLOSED: frozenset({State.CONNECTING}),
}

#: The public ``client.state`` of each state (``None``: unchanged, closing keeps the last one).
PUBLIC: dict[State, ConnectionState | None] = {
    State.DISCONNECTED: "disconnected",
    State.CONNECTING: "connecting",
    State.CONNECTED: "connected",
    State.RECONNECTING: "reconnecting",
    State.CLOSING: None,
    State.CLOSED: "closed",
    State.FAILED: "disconnected",
}

#: States in which the client will not connect by itself.
ENDED = frozenset({State.CLOSING, State.CLOSED, State.FAILED})


class Notice:
    """A public state change to announce once the lock is released."""

    __slots__ = ("reason", "state")

    def __init__(self, state: ConnectionState, reason: Any) -> None:
        self.state = state
        self.reason = reason


class Lifecycle:
    """The state, its lock and the condition waiters sleep on.

    Args:
        name: the client's name, for logs.
        announce: ``announce(public_state, reason)``: sends ``connection_state_changed``; called
            without the lock held, on the thread that made the transition.
    """

    def __init__(self, name: str, announce: Callable[[ConnectionState, Any], None]) -> None:
        self._name = name
        self._announce = announce
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self.state = State.DISCONNECTED
        self.public: ConnectionState = "disconnected"

    def move(self, new: State, reason: Any = None) -> Notice | bool | None:
        """Make the transition to ``new`` (the caller holds :attr:`lock`).

        Returns False when it is not allowed from the current state (nothing changes); else the
        :class:`Notice` to pass to :meth:`announce` after releasing the lock (``None`` when the
        public state did not change).
        """
        old = self.state
        if new is old:
            return None
        if new not in TRANSITIONS[old]:
            log.debug("%s: ignored transition %s -> %s", self._name, old.value, new.value)
            return False
        self.state = new
        self._changed.notify_all()
        public = PUBLIC[new]
        if public is None or public == self.public:
            return None
        self.public = public
        return Notice(public, reason)

    def announce(self, notice: Notice | bool | None) -> None:
        """Log and send a state change returned by :meth:`move` (call without the lock held)."""
        if not isinstance(notice, Notice):
            return
        if notice.reason is not None:
            log.info("%s: %s (%s)", self._name, notice.state, notice.reason)
        else:
            log.info("%s: %s", self._name, notice.state)
        self._announce(notice.state, notice.reason)

    def transition(self, new: State, reason: Any = None) -> bool:
        """:meth:`move` and :meth:`announce` in one; True when the transition happened (or was a no-op)."""
        with self.lock:
            notice = self.move(new, reason)
        self.announce(notice)
        return notice is not False

    def wait_for(self, states: frozenset[State], timeout: float | None) -> State:
        """Block until the state is one of ``states`` (or ``timeout`` passes); return the state."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.lock:
            while self.state not in states:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._changed.wait(left)
            return self.state

    def after_fork(self, state: State) -> None:
        """In a forked child: new lock and condition (a parent thread may have held them), ``state``."""
        self.lock = threading.RLock()
        self._changed = threading.Condition(self.lock)
        self.state = state
        self.public = PUBLIC[state] or "disconnected"
