""":class:`Relay`: one process, one TrueConf connection, an outbox, and an HTTP front door.

Built on the standard library's :class:`~http.server.ThreadingHTTPServer` (no new dependency).
Every accepted request is stored in the :class:`~trueconf_sync.outbox.Outbox` before the answer
``202 Accepted`` leaves, so an accepted alert survives a crash of the relay; the outbox's
delivery thread sends it through the relay's one client.

Endpoints:

* ``POST /send``: JSON ``{to | chat_id, text, parse_mode, files: [url], key}`` (bearer token);
* ``POST /alertmanager``: an Alertmanager webhook; recipient from ``?to=`` or ``?chat_id=`` (bearer token);
* ``POST /grafana``: a Grafana webhook contact point; recipient as above (bearer token);
* ``POST /hook/<secret>``: the incoming webhook of one chat (the secret in the path is the credential);
* ``GET /healthz``: connection state, outbox depth, oldest pending age (JSON);
* ``GET /metrics``: the Prometheus text format.

Protections: the bearer token and the hook secrets are compared in constant time; bodies need a
``Content-Length`` no larger than ``max_body``; a token bucket per client address limits the
request rate (``429`` with ``Retry-After``); file URLs are fetched only from public addresses
unless the outbox's ``allowed_networks`` opens more (SSRF). A recipient the server does not know is
refused at once (``422``) when the relay is connected; while it is not, the request is accepted and
a wrong recipient ends as a dead letter.
"""

from __future__ import annotations

import hmac
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from ..errors import ApiError, AuthError, TrueConfError
from ..outbox import Outbox
from ..outbox.delivery import PERMANENT_CODES, TRANSIENT_P2P_CODES
from . import formats
from .metrics import Metrics

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["DEFAULT_MAX_BODY", "Relay"]

log = logging.getLogger("trueconf_sync.relay")

#: Largest request body accepted by default (bytes).
DEFAULT_MAX_BODY = 1024 * 1024


class _HttpError(Exception):
    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.headers = dict(headers or {})


class _Buckets:
    """Token buckets per client address: ``rate`` requests per second, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, burst
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, who: str) -> float:
        """0 when a request may pass now, else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(who, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1.0:
                self._buckets[who] = (tokens, now)
                return (1.0 - tokens) / self.rate
            self._buckets[who] = (tokens - 1.0, now)
            if len(self._buckets) > 10_000:  # forget idle addresses (their buckets are full again)
                idle = now - self.burst / self.rate
                self._buckets = {k: v for k, v in self._buckets.items() if v[1] > idle}
            return 0.0


class Relay:
    """The HTTP relay in front of ``outbox``, delivering through ``client``.

    Args:
        outbox: where accepted messages are stored (and delivered from, by :meth:`start`).
        client: the one TrueConf client (connected on demand by the delivery thread).
        token: bearer token for ``/send``, ``/alertmanager`` and ``/grafana`` (None: those
            endpoints answer 401 to everyone; the hooks still work).
        hooks: secret -> recipient (``"user:<login>"`` or ``"chat:<id>"``) of the incoming webhooks.
        host, port: where to listen (port 0: any free port, see :attr:`port`).
        max_body: largest request body in bytes (413 above).
        rate, burst: requests per second per client address, and the burst allowed (0: no limit).
        check_recipients: ask the server whether a recipient exists before accepting (when connected).
    """

    def __init__(self, outbox: Outbox, client: Client, *, token: str | None = None,
                 hooks: Mapping[str, str] | None = None, host: str = "127.0.0.1", port: int = 8765,
                 max_body: int = DEFAULT_MAX_BODY, rate: float = 50.0, burst: int = 200,
                 check_recipients: bool = True) -> None:
        if token is not None and len(token) < 16:
            raise ValueError("token must be at least 16 characters long (use a random secret)")
        for secret, recipient in (hooks or {}).items():
            if len(secret) < 16:
                raise ValueError("hooks: every hook secret must be at least 16 characters long")
            if not recipient.startswith(("user:", "chat:")) or len(recipient) < 6:
                raise ValueError(f"hooks: recipient {recipient!r} must be 'user:<login>' or 'chat:<chat id>'")
        self.outbox = outbox
        self.client = client
        self._token = token.encode() if token is not None else None
        self._hooks = [(secret.encode(), recipient) for secret, recipient in (hooks or {}).items()]
        self.max_body = max_body
        self.check_recipients = check_recipients
        self.metrics = Metrics()
        self._buckets = _Buckets(rate, burst)
        self._known: set[str] = set()
        self._httpd = ThreadingHTTPServer((host, port), _handler_for(self), bind_and_activate=True)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.started_at = time.time()

    @property
    def port(self) -> int:
        """The port the relay listens on."""
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://host:port``."""
        host = str(self._httpd.server_address[0])
        return f"http://{'[' + host + ']' if ':' in host else host}:{self.port}"

    def start(self) -> Relay:
        """Serve HTTP on a thread and start delivering the outbox; returns at once."""
        self.outbox.start(self.client)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="trueconf-relay-http", daemon=True)
        self._thread.start()
        log.info("relay listening on %s", self.url)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and delivering (the client stays open: it is the caller's)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout)
            self._thread = None
        self._httpd.server_close()
        self.outbox.stop(timeout)

    # ---- answers ------------------------------------------------------------------------------

    def health(self) -> tuple[int, dict[str, Any]]:
        """``/healthz``: 200 while the delivery thread runs (even when TrueConf is down), else 503."""
        stats = self.outbox.stats()
        connected = self.client.connected
        delivering = self.outbox.delivering
        body = {
            "status": "ok" if connected and delivering else "degraded",
            "trueconf": {"state": self.client.state, "connected": connected,
                         "outage_since": self.outbox.outage_since, "last_error": self.outbox.last_outage},
            "outbox": {"pending": stats.pending, "dead": stats.dead, "sent": stats.sent,
                       "oldest_pending_age": stats.oldest_pending_age, "delivering": delivering},
        }
        return (200 if delivering else 503), body

    def metrics_text(self) -> str:
        """``/metrics`` in the Prometheus text format."""
        stats = self.outbox.stats()
        gauges = {
            "trueconf_relay_connected": ("1 while the TrueConf connection is up.", float(self.client.connected)),
            "trueconf_outbox_pending": ("Entries waiting for delivery.", float(stats.pending)),
            "trueconf_outbox_dead": ("Dead letters in the outbox.", float(stats.dead)),
            "trueconf_outbox_oldest_pending_seconds": ("Age of the oldest pending entry (0: none).",
                                                       stats.oldest_pending_age or 0.0),
            "trueconf_relay_start_time_seconds": ("Unix time the relay started.", self.started_at),
        }
        totals = {
            "trueconf_outbox_delivered_total": ("Entries delivered (this outbox, all time).",
                                                float(stats.delivered_total)),
            "trueconf_outbox_dead_letters_total": ("Entries dead-lettered (this outbox, all time).",
                                                   float(stats.dead_total)),
        }
        return self.metrics.render(gauges, totals)

    def accept(self, endpoint: str, args: dict[str, Any]) -> dict[str, Any]:
        """Check the recipient, store the message; the 202 answer's body."""
        self._check_recipient(args.get("to"), args.get("chat_id"))
        try:
            receipt = self.outbox.put(**args)
        except (ValueError, TypeError) as exc:
            raise _HttpError(400, str(exc)) from None
        except (sqlite3.Error, OSError) as exc:
            log.error("relay: the outbox refused a write: %s", exc)
            raise _HttpError(503, "the outbox cannot store the message now; try again") from None
        self.metrics.accepted(endpoint)
        return {"ok": True, "id": receipt.id, "duplicate": receipt.duplicate}

    def _check_recipient(self, to: Any, chat_id: Any) -> None:
        if not self.check_recipients or not self.client.connected:
            return
        target = to if isinstance(to, str) else chat_id if isinstance(chat_id, str) else None
        if not target or not target.strip() or target.strip() != target or target in self._known:
            return  # malformed ones are reported by put()
        try:
            if to is not None:
                if self.outbox.store.p2p_chat(to) is None:
                    self.outbox.store.remember_p2p(to, self.client.create_p2p_chat(to, timeout=5.0))
            else:
                self.client.get_chat_by_id(target, timeout=5.0)
        except AuthError:
            return
        except ApiError as exc:
            refused = exc.code not in TRANSIENT_P2P_CODES if to is not None else exc.code in PERMANENT_CODES
            if refused:
                what = f"user {to!r}" if to is not None else f"chat {chat_id!r}"
                raise _HttpError(422, f"unknown recipient: the server refuses {what}: {exc}") from None
            return
        except TrueConfError:
            return  # cannot ask now: accept, delivery decides
        self._known.add(target)

    def hook_recipient(self, secret: str) -> str | None:
        """The recipient of the hook with this secret (constant-time comparison with every secret)."""
        given = secret.encode()
        found = None
        for known, recipient in self._hooks:
            if hmac.compare_digest(given, known):
                found = recipient
        return found

    def authorized(self, header: str | None) -> bool:
        """Whether ``Authorization`` carries the bearer token."""
        if self._token is None or not header:
            return False
        scheme, _, value = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(value.strip().encode(), self._token)

    def throttle(self, who: str) -> float:
        """Seconds the client at ``who`` must wait (0: go on)."""
        return self._buckets.take(who)


def _recipient_args(query: str) -> dict[str, Any]:
    params = parse_qs(query)
    to, chat = params.get("to", [None])[0], params.get("chat_id", [None])[0]
    if to is None and chat is None:
        raise _HttpError(400, "give the recipient in the URL: ?to=<login> or ?chat_id=<chat id>")
    return {"to": to, "chat_id": chat}


def _handler_for(relay: Relay) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        pass

    Handler.relay = relay
    return Handler


class _Handler(BaseHTTPRequestHandler):
    relay: Relay
    server_version = "trueconf-sync-relay"
    protocol_version = "HTTP/1.1"
    # Keep-alive answers must leave in one segment: headers and body written separately meet the
    # peer's delayed ACK under Nagle's algorithm and cost 40 ms each.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024
    # A client that stops sending mid-request (or idles on a kept-alive connection) frees its
    # thread after this many seconds.
    timeout = 30.0

    def log_message(self, format: str, *args: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            # The path of a hook request holds its secret: never log paths.
            log.debug("relay: %s %s", self.address_string(), self.command)

    def _answer(self, endpoint: str, status: int, body: Any, headers: Mapping[str, str] | None = None,
                content_type: str = "application/json") -> None:
        data = (json.dumps(body) if content_type == "application/json" else str(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)
        self.relay.metrics.request(endpoint, status)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/healthz":
            status, body = self.relay.health()
            self._answer("healthz", status, body)
        elif path == "/metrics":
            self._answer("metrics", 200, self.relay.metrics_text(), content_type="text/plain; version=0.0.4")
        else:
            self._answer("other", 404, {"ok": False, "error": "not found"})

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        endpoint = {"/send": "send", "/alertmanager": "alertmanager", "/grafana": "grafana"}.get(parts.path)
        if endpoint is None and parts.path.startswith("/hook/"):
            endpoint = "hook"
        try:
            if endpoint is None:
                raise _HttpError(404, "not found")
            wait = self.relay.throttle(self.client_address[0])
            if wait:
                raise _HttpError(429, "too many requests", {"Retry-After": str(max(1, round(wait + 0.5)))})
            recipient: str | None = None
            if endpoint == "hook":
                recipient = self.relay.hook_recipient(parts.path[len("/hook/"):])
                if recipient is None:
                    raise _HttpError(404, "not found")
            elif not self.relay.authorized(self.headers.get("Authorization")):
                raise _HttpError(401, "missing or wrong bearer token", {"WWW-Authenticate": 'Bearer realm="relay"'})
            body = self._body(allow_text=endpoint == "hook")
            args = self._put_args(endpoint, body, parts.query, recipient)
            self._answer(endpoint, 202, self.relay.accept(endpoint, args))
        except _HttpError as exc:
            if exc.status in (400, 408, 411, 413):
                self.close_connection = True  # the unread body must not be taken for the next request
            self._answer(endpoint or "other", exc.status, {"ok": False, "error": str(exc)}, exc.headers)

    def _put_args(self, endpoint: str, body: Any, query: str, recipient: str | None) -> dict[str, Any]:
        try:
            if endpoint == "send":
                return formats.send_request(body)
            if endpoint == "hook":
                assert recipient is not None
                kind, _, target = recipient.partition(":")
                return {**formats.generic_hook(body), ("to" if kind == "user" else "chat_id"): target}
            parse = formats.alertmanager if endpoint == "alertmanager" else formats.grafana
            return {**parse(body), **_recipient_args(query)}
        except formats.BadRequest as exc:
            raise _HttpError(400, str(exc)) from None

    def _body(self, *, allow_text: bool) -> Any:
        if self.headers.get("Transfer-Encoding"):
            raise _HttpError(411, "send the body with a Content-Length (chunked bodies are not accepted)")
        length_header = self.headers.get("Content-Length")
        if length_header is None or not length_header.strip().isdigit():
            raise _HttpError(411, "a Content-Length header is required")
        length = int(length_header)
        if length > self.relay.max_body:
            raise _HttpError(413, f"the body is {length} bytes; the limit is {self.relay.max_body}")
        try:
            raw = self.rfile.read(length)
        except (TimeoutError, OSError):
            raise _HttpError(408, "the body did not arrive in time") from None
        if len(raw) < length:
            raise _HttpError(400, f"the body ended after {len(raw)} of {length} bytes")
        content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _HttpError(400, "the body is not valid UTF-8") from None
        if content_type in ("", "application/json") or content_type.endswith("+json"):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise _HttpError(400, f"malformed JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
        if allow_text and content_type == "text/plain":
            return text
        raise _HttpError(415, f"unsupported Content-Type {content_type!r}; send application/json")

    def do_PUT(self) -> None:
        self._answer("other", 405, {"ok": False, "error": "method not allowed"}, {"Allow": "GET, POST"})

    do_DELETE = do_PATCH = do_PUT
