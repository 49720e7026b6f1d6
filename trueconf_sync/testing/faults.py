"""Fault hooks of :class:`~trueconf_sync.testing.FakeTrueConfServer` used by the reliability suite.

The older hooks (``drop_connections``, ``delay_responses``, ``withhold_responses``,
``fail_requests``, ``refuse_connections``, ``expire_tokens``, ``push_raw``) live in ``server.py``;
these add half-open links, drops at chosen points, raw frames, duplicates, reordering, and the
inspection and killing of single connections (several connections of one bot, PROTOCOL §1.6).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from .core import Core, Session

T = TypeVar("T")

#: WebSocket opcodes accepted by :meth:`FaultHooks.push_frame`.
TEXT, BINARY = 0x1, 0x2


class FaultHooks:
    """Mixin: needs ``core`` and ``call(fn)`` from the server class."""

    core: Core
    call: Callable[..., Any]

    def freeze_connections(self) -> int:
        """Make every open connection silent in both directions without closing it (half-open).

        The server stops reading (the client's pings stay unanswered, its frames unread) and stops
        writing (no answers, events or pings). ``drop_connections()`` ends them. Returns the count.
        """
        def work() -> int:
            sessions = [s for s in self.core.sessions if not s.closed]
            for session in sessions:
                session.freeze()
            return len(sessions)
        return int(self.call(work))

    def ignore_pings(self, ignore: bool = True) -> None:
        """Stop (or resume) answering the client's WebSocket pings; everything else goes on."""
        def work() -> None:
            self.core.config.ignore_pings = ignore
        self.call(work)

    def drop_on(self, what: str, count: int = 1) -> None:
        """Drop the connection the next ``count`` times ``what`` happens, before answering it.

        ``what`` is a request method (``"auth"`` drops before the auth answer, ``"sendMessage"``
        mid-call), ``"upload"`` (the HTTP upload is cut after its first chunk) or ``"oauth"`` (the
        token request's connection is cut).
        """
        def work() -> None:
            self.core.drop_on[what] += count
        self.call(work)

    def fail_oauth(self, status: int = 503, count: int = 1) -> None:
        """The next ``count`` token requests answer HTTP ``status`` (``temporarily_unavailable``)."""
        self.call(lambda: self.core.oauth_failures.extend([status] * count))

    def duplicate_events(self, enabled: bool = True) -> None:
        """Send every server request twice (the copy with the next server id), like a redelivery."""
        def work() -> None:
            self.core.config.duplicate_events = enabled
        self.call(work)

    def reorder_responses(self, group: int = 2) -> None:
        """Answer requests out of order: reversed groups of ``group`` responses (0 or 1 = in order)."""
        def work() -> None:
            self.core.config.reorder_responses = group
        self.call(work)

    def push_frame(self, data: bytes, *, opcode: int = TEXT, login: str | None = None) -> int:
        """Send raw bytes as one WebSocket frame (``TEXT`` even when not valid UTF-8, or ``BINARY``)
        to authorised connections (of ``login``); return how many got it."""
        if opcode not in (TEXT, BINARY):
            raise ValueError("opcode must be TEXT (1) or BINARY (2)")

        def work() -> int:
            targets = _authorised(self.core, login)
            for session in targets:
                session.send_raw(data, opcode)
            return len(targets)
        return int(self.call(work))


    def connections(self, login: str | None = None) -> list[dict[str, Any]]:
        """The open authorised connections (of ``login``) in connect order: ``connection_id``,
        ``user_id``, ``events_sent`` (server requests pushed so far) and ``unacked``."""
        def work() -> list[dict[str, Any]]:
            return [{"connection_id": s.connection_id, "user_id": s.user_id, "events_sent": s.events_sent,
                     "unacked": len(s.pending)} for s in _authorised(self.core, login)]
        return list(self.call(work))

    def kill_connection(self, login: str | None = None, *, index: int = 0, connection_id: str | None = None,
                        after_events: int = 0) -> str:
        """Kill one authorised connection without a close handshake; return its ``connection_id``.

        The connection is the ``index``-th (connect order) of ``login`` (of anybody when None), or
        the one with ``connection_id``. With ``after_events=n`` it dies mid-stream: right after the
        next ``n`` server requests pushed to it were written; events pushed later never arrive.
        Raises LookupError when no such connection is open, ValueError for a negative count.
        """
        if isinstance(after_events, bool) or not isinstance(after_events, int) or after_events < 0:
            raise ValueError(f"after_events must be an int >= 0, got {after_events!r}")

        def work() -> str:
            targets = _authorised(self.core, login)
            if connection_id is not None:
                targets = [s for s in targets if s.connection_id == connection_id]
                chosen = targets[0] if targets else None
            else:
                chosen = targets[index] if -len(targets) <= index < len(targets) else None
            if chosen is None:
                raise LookupError(f"no open authorised connection matches (login={login!r}, index={index}, "
                                  f"connection_id={connection_id!r}); {len(targets)} open")
            if after_events == 0:
                chosen.abort()
            else:
                chosen.kill_after = after_events
            return chosen.connection_id
        return str(self.call(work))

    def write_raw(self, data: bytes, *, login: str | None = None) -> int:
        """Write raw bytes straight into the TCP streams of authorised connections, outside any
        frame (e.g. a frame header announcing an absurd length); return how many got them."""
        def work() -> int:
            targets = [s for s in _authorised(self.core, login) if s.transport is not None]
            for session in targets:
                session.transport.write(data)  # type: ignore[union-attr]
            return len(targets)
        return int(self.call(work))


def _authorised(core: Core, login: str | None) -> list[Session]:
    sessions = [s for s in core.sessions if s.authorized]
    if login is None:
        return sessions
    user_id = core.state.require_user(login, 305).user_id
    return [s for s in sessions if s.user_id == user_id]
