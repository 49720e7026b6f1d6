"""The server core: configuration, state, connected sessions, event fan-out, acks, faults, stats.

One :class:`Core` lives on the server's event loop; everything here runs on that loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import jwt
from .config import ServerConfig
from .render import Renderer
from .state import State, TokenInfo, new_uuid

log = logging.getLogger("trueconf_sync.testing")

Payload = dict[str, Any]


@dataclass
class Pending:
    """A server request waiting for the client's ack."""

    method: str
    message_id: str | None


class Session:
    """One WebSocket connection: outgoing queue, server id counter, pending acks, auth state."""

    def __init__(self, core: Core, transport: asyncio.BaseTransport | None, remote: str | None) -> None:
        self.core = core
        self.transport = transport
        self.remote = remote
        self.connection_id = new_uuid()
        self.user_id: str | None = None
        self.base_url = core.base_url
        self.token: str | None = None
        self.receive_system = False
        self.pending: dict[int, Pending] = {}
        #: frames to send: text, (raw bytes, opcode) for fault injection, or None to end
        self.queue: asyncio.Queue[str | tuple[bytes, int] | None] = asyncio.Queue()
        self.closed = False
        #: monotonic time of the oldest WS ping still waiting for its pong
        self.ping_sent_at: float | None = None
        self.close_requested = False
        #: fault: a frozen connection neither reads nor writes (a half-open link), see ``freeze``
        self.frozen = False
        #: fault: abort the connection after this many more events were written (None: never)
        self.kill_after: int | None = None
        #: server requests pushed to this connection so far
        self.events_sent = 0
        self._next_id = 1

    @property
    def authorized(self) -> bool:
        """True after a successful ``auth`` on a still open connection."""
        return self.user_id is not None and not self.closed

    def send_text(self, text: str) -> None:
        """Queue a text frame (sent in order by the connection's writer task)."""
        if not self.closed:
            self.queue.put_nowait(text)

    def send_raw(self, data: bytes, opcode: int) -> None:
        """Queue raw bytes as one frame of ``opcode`` (fault injection: invalid UTF-8, binary)."""
        if not self.closed:
            self.queue.put_nowait((data, opcode))

    def send(self, frame: Any) -> None:
        """Queue a JSON frame."""
        self.send_text(json.dumps(frame, ensure_ascii=False))

    def push(self, method: str, payload: Any, message_id: str | None = None) -> int:
        """Send a type-1 server request with the next server id; remember it until acked."""
        request_id = self._next_id
        self._next_id += 1
        self.pending[request_id] = Pending(method, message_id)
        self.core.stats_events_sent += 1
        self.events_sent += 1
        self.send({"type": 1, "id": request_id, "method": method, "payload": payload})
        self._count_down_kill()
        if self.core.config.duplicate_events:  # fault: the same event again, as a redelivery
            self._next_id += 1
            self.pending[request_id + 1] = Pending(method, message_id)
            self.core.stats_duplicates_sent += 1
            self.send({"type": 1, "id": request_id + 1, "method": method, "payload": payload})
        return request_id

    def _count_down_kill(self) -> None:
        """Fault ``kill_connection(after_events=n)``: after the n-th event, end the frame queue with
        an abort, so the frames before it are written and the TCP connection then dies mid-stream."""
        if self.kill_after is None:
            return
        self.kill_after -= 1
        if self.kill_after <= 0:
            self.kill_after = None
            self.kill_requested = True
            self.queue.put_nowait(None)

    kill_requested = False

    def freeze(self) -> None:
        """Stop reading and writing without closing: the peer sees a silent, half-open link."""
        self.frozen = True
        if self.transport is not None:
            self.transport.pause_reading()  # type: ignore[attr-defined]

    def close_after_flush(self) -> None:
        """Close the WebSocket (with a close handshake) once the queued frames are sent."""
        self.close_requested = True
        self.queue.put_nowait(None)

    def abort(self) -> None:
        """Drop the TCP connection without a close handshake."""
        self.closed = True
        self.queue.put_nowait(None)
        if self.transport is not None:
            self.transport.abort()  # type: ignore[attr-defined]


class Core:
    """State plus everything that touches connections; shared by handlers, HTTP and simulated users."""

    def __init__(self, config: ServerConfig, files_dir: Path, on_change: Callable[[], None]) -> None:
        self.config = config
        self.state = State(config.server_name)
        self.secret = secrets.token_bytes(32)
        self.files_dir = files_dir
        self.sessions: list[Session] = []
        self.base_url = ""
        self._on_change = on_change
        # statistics
        self.stats_requests: Counter[str] = Counter()
        self.stats_responses = 0
        self.stats_acks = 0
        self.stats_events_sent = 0
        self.stats_bad_frames = 0
        self.stats_total_connections = 0
        self.stats_refused_connections = 0
        self.stats_duplicates_sent = 0
        self.stats_dropped_on: Counter[str] = Counter()
        # fault injection
        self.delays: dict[str | None, float] = {}
        self.withhold: set[str | None] = set()
        self.withheld: list[tuple[Session, Any]] = []
        self.forced_errors: dict[str | None, list[int]] = {}
        self.refuse_next_connections = 0
        #: fault: request method (or "upload", "oauth") -> how many more connections to drop on it
        self.drop_on: Counter[str] = Counter()
        #: fault: HTTP statuses the OAuth token endpoint answers next, in order
        self.oauth_failures: list[int] = []
        self._reorder: dict[Session, list[Any]] = {}
        # upload limits (§3.28)
        self.max_upload_size: int | None = None
        self.upload_extensions: dict[str, Any] | None = None
        # file progress subscriptions: file id -> sessions
        self.progress_subscribers: dict[str, set[Session]] = {}
        # OAuth2 exchange (§12.11): web API token -> user id, authorization code -> user id
        self.web_tokens: dict[str, str] = {}
        self.auth_codes: dict[str, str] = {}
        # recorded client calls without other visible effect
        self.activities: list[Payload] = []
        self.command_answers: list[Payload] = []

    @property
    def render(self) -> Renderer:
        """A renderer honouring the current ``legacy_envelopes`` setting."""
        return Renderer(self.state, legacy=self.config.legacy_envelopes)

    def changed(self) -> None:
        """Wake up threads waiting in ``wait_for``."""
        self._on_change()

    def issue_token(self, user_id: str, lifetime: int) -> tuple[str, int]:
        """Create and register a JWT for ``user_id``; return (token, exp in Unix seconds)."""
        exp = int(time.time()) + lifetime
        token = jwt.encode({"sub": user_id, "exp": exp, "iat": int(time.time()), "jti": new_uuid()}, self.secret)
        self.state.tokens[token] = TokenInfo(user_id=user_id, exp=exp)
        return token, exp

    # --- sessions -----------------------------------------------------------------------------

    def sessions_of(self, user_id: str) -> list[Session]:
        """Authorised open sessions of one account."""
        return [s for s in self.sessions if s.authorized and s.user_id == user_id]

    def recipients(self, user_ids: Iterable[str], acting: Session | None, include_acting: bool) -> list[Session]:
        """Authorised sessions of ``user_ids``; the acting session only when ``include_acting``."""
        wanted = set(user_ids)
        found = [s for s in self.sessions if s.authorized and s.user_id in wanted
                 and (include_acting or s is not acting)]
        if self.config.session_delivery == "oldest":  # one connection per account (sessions: connect order)
            first: dict[str | None, Session] = {}
            for session in found:
                first.setdefault(session.user_id, session)
            found = list(first.values())
        return found

    def emit(self, user_ids: Iterable[str], method: str, payload: Payload | Callable[[str], Payload], *,
             acting: Session | None = None, include_acting: bool | None = None,
             message_id: str | None = None, system: bool = False) -> list[int]:
        """Push an event to every authorised session of ``user_ids`` (see §4 for who gets what).

        ``payload`` may be a function of the viewer's user id. ``system`` envelopes go only to
        sessions that asked for them (§2.3). Returns the server ids used.
        """
        if include_acting is None:
            include_acting = self.config.events_for_own_actions
        ids = []
        for session in self.recipients(user_ids, acting, include_acting):
            if system and not session.receive_system:
                continue
            assert session.user_id is not None
            body = payload(session.user_id) if callable(payload) else payload
            ids.append(session.push(method, body, message_id))
        return ids

    def ack(self, session: Session, request_id: Any) -> None:
        """Handle the client's ``{"type": 2, "id": n}``: an acked sendMessage marks the message read."""
        pending = session.pending.pop(request_id, None) if isinstance(request_id, int) else None
        if pending is None:
            return
        self.stats_acks += 1
        if pending.message_id is not None and session.user_id is not None:
            msg = self.state.messages.get(pending.message_id)
            if msg is not None:
                msg.unread_by.discard(session.user_id)

    # --- responses ----------------------------------------------------------------------------

    def respond(self, session: Session, request_id: int, method: str | None, payload: Any) -> None:
        """Send a type-2 response, honouring the delay/withhold fault settings."""
        if isinstance(payload, dict) and self.config.error_code_zero and "errorCode" not in payload:
            payload = {**payload, "errorCode": 0}
        frame = {"type": 2, "id": request_id, "payload": payload}
        self.stats_responses += 1
        if None in self.withhold or method in self.withhold:
            self.withheld.append((session, frame))
            return
        delay = self.delays.get(method, self.delays.get(None, 0.0))
        if delay > 0:
            asyncio.get_running_loop().call_later(delay, session.send, frame)
        elif self.config.reorder_responses > 1:
            self._reorder_send(session, frame)
        else:
            session.send(frame)

    def _reorder_send(self, session: Session, frame: Any) -> None:
        """Fault ``reorder_responses``: send responses in reversed groups (flushed after 50 ms)."""
        group = self._reorder.setdefault(session, [])
        group.append(frame)
        if len(group) >= self.config.reorder_responses:
            self._flush_reordered(session)
        elif len(group) == 1:
            asyncio.get_running_loop().call_later(0.05, self._flush_reordered, session)

    def _flush_reordered(self, session: Session) -> None:
        for frame in reversed(self._reorder.pop(session, [])):
            session.send(frame)

    def should_drop(self, what: str) -> bool:
        """Fault ``drop_on``: True (and count it) when the connection must be dropped at ``what``."""
        if self.drop_on[what] <= 0:
            return False
        self.drop_on[what] -= 1
        self.stats_dropped_on[what] += 1
        return True

    def forced_error(self, method: str | None) -> int | None:
        """Pop an error code injected with ``fail_requests`` for ``method`` (or for any method but auth)."""
        for key in (method, None) if method != "auth" else ("auth",):
            queue = self.forced_errors.get(key)
            if queue:
                code = queue.pop(0)
                if not queue:
                    del self.forced_errors[key]
                return code
        return None

    def release(self) -> None:
        """Stop withholding and send every withheld response."""
        self.withhold.clear()
        withheld, self.withheld = self.withheld, []
        for session, frame in withheld:
            session.send(frame)

    # --- stats --------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """Snapshot of the counters (see ``FakeTrueConfServer.stats``)."""
        return {
            "connections": len(self.sessions),
            "authorized": sum(1 for s in self.sessions if s.authorized),
            "total_connections": self.stats_total_connections,
            "refused_connections": self.stats_refused_connections,
            "requests": dict(self.stats_requests),
            "responses": self.stats_responses,
            "acks": self.stats_acks,
            "events_sent": self.stats_events_sent,
            "unacked": sum(len(s.pending) for s in self.sessions),
            "bad_frames": self.stats_bad_frames,
            "withheld": len(self.withheld),
            "duplicates_sent": self.stats_duplicates_sent,
            "dropped_on": dict(self.stats_dropped_on),
        }
