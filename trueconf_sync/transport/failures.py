"""One readable line for a server that cannot be reached, for the WebSocket and every HTTP request.

A wrong scheme or port shows up deep inside websocket-client, requests or urllib3 as
``WRONG_VERSION_NUMBER``, ``RemoteDisconnected`` or ``HTTPSConnectionPool(...): Max retries
exceeded``: true, but no help to someone who only typed the wrong port. :func:`unreachable` finds
the root cause in the exception chain and says, in one line, where we tried to connect
(``scheme://host:port``, never a path or query: they may hold keys), what went wrong, and what to
try (``https=False`` for the Bridge's plain port 4309, ``https=True`` for port 443, another port,
the host name, ``verify=`` for a company CA).

TLS failures (certificate refused, or no TLS at all on the port) are :class:`TLSError`: retrying
with the same settings never helps. Everything else is :class:`ConnectionLostError`.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from ..errors import ConnectionLostError, TLSError, seconds
from .tls import tls_failure

__all__ = ["describe_address", "find_cause", "unreachable"]

#: OpenSSL reasons meaning "what answered is not TLS" (a plain HTTP/WS server on this port).
_NOT_TLS = ("WRONG_VERSION_NUMBER", "UNKNOWN_PROTOCOL", "HTTP_REQUEST", "RECORD_LAYER_FAILURE",
            "PACKET_LENGTH_TOO_LONG", "WRONG VERSION NUMBER")
_PLAIN_PORT, _TLS_PORT = 4309, 443  # PROTOCOL §1.1: the Bridge speaks plain HTTP/WS; TrueConf Web HTTPS


def describe_address(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of ``url``; ws/wss are shown as http/https (what users configure)."""
    from urllib.parse import urlsplit  # (failures and HTTP only)

    parts = urlsplit(url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme.lower(), parts.scheme.lower() or "http")
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, parts.hostname or "?", port or (443 if scheme == "https" else 80)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it wraps (cause, context, urllib3's ``reason``, arguments)."""
    todo: list[BaseException] = [exc]
    seen: set[int] = set()
    while todo and len(seen) < 32:
        item = todo.pop(0)
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        linked = [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
        todo.extend(x for x in linked if isinstance(x, BaseException))


def find_cause(exc: BaseException, *types: type[BaseException]) -> BaseException | None:
    """The first exception of one of ``types`` in ``exc``'s chain, or None."""
    return next((item for item in _chain(exc) if isinstance(item, types)), None)


def _status(exc: BaseException) -> int | None:
    code = getattr(find_cause(exc, *_bad_status_types()), "status_code", None)
    return code if isinstance(code, int) else None


def _bad_status_types() -> tuple[type[BaseException], ...]:
    try:
        import websocket
    except ImportError:  # pragma: no cover - a runtime dependency
        return ()
    return (websocket.WebSocketBadStatusException,)


def _closed_types() -> tuple[type[BaseException], ...]:
    import http.client  # a cold path: failures only (http.client pulls in ssl and email)

    found: list[type[BaseException]] = [http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                                        http.client.BadStatusLine]
    try:
        import websocket

        found.append(websocket.WebSocketConnectionClosedException)
    except ImportError:  # pragma: no cover - a runtime dependency
        pass
    return tuple(found)


def _other_port(scheme: str, host: str, port: int) -> str:
    if scheme == "https":
        return (f"if it is a plain HTTP port such as the Bridge's {_PLAIN_PORT}, use https=False "
                f"(or server='http://{host}:{port}'); else check the port (HTTPS is usually {_TLS_PORT})")
    return (f"if the port expects TLS (HTTPS, usually {_TLS_PORT}), use https=True "
            f"(or server='https://{host}:{port}'); else check the port (the Bridge's plain port is {_PLAIN_PORT})")


def _ports_hint(scheme: str, port: int) -> str:
    if scheme == "https":
        return (f"check the port: HTTPS is usually {_TLS_PORT}; the Bridge's own port {_PLAIN_PORT} needs "
                "https=False")
    return f"check the port: the Bridge listens on {_PLAIN_PORT}; TrueConf Web on {_TLS_PORT} needs https=True"


def unreachable(exc: BaseException, url: str, what: str, timeout: float | None = None, *,
                first_contact: bool = True) -> ConnectionLostError | None:
    """The library's error for a failed attempt to reach ``url`` (``what``: "WebSocket", "token request"...).

    Returns a :class:`TLSError` for TLS failures, a :class:`ConnectionLostError` for the other
    causes it knows (refused, unknown host, no route, no answer, HTTP status of the handshake,
    closed without an answer), else None: the caller words the rest (its text may need cleaning).
    "Closed without an answer" hints at a TLS port only on ``first_contact``: a server that drops
    an upload halfway has the right scheme (the caller's own words fit better then).
    The message is one line: ``<what>: cannot reach <scheme>://<host>:<port>: <reason>; <what to try>``.
    """
    import socket  # (failures only: socket loads with the connection, not with the client)
    import ssl  # a cold path: only failures get here, and a client of a ws:// server never needs ssl

    scheme, host, port = describe_address(url)
    where = f"{what}: cannot reach {scheme}://{host}:{port}"
    found = find_cause(exc, ssl.SSLError)
    if isinstance(found, ssl.SSLCertVerificationError):
        return TLSError(f"{what}: {tls_failure(found, f'{host}:{port}')}")  # the one sentence of tls.py
    if isinstance(found, ssl.SSLError):
        reason = str(found.reason or found)
        if any(mark in reason.upper() for mark in _NOT_TLS):
            return TLSError(f"{where}: the server does not speak TLS on this port ({reason}); "
                            f"{_other_port(scheme, host, port)}")
        if isinstance(found, (ssl.SSLEOFError, ssl.SSLZeroReturnError)):
            return TLSError(f"{where}: the server closed the connection during the TLS handshake ({reason}); "
                            f"{_other_port(scheme, host, port)}")
        return TLSError(f"{what}: TLS handshake with {host}:{port} failed: {reason}")
    if find_cause(exc, ConnectionRefusedError) is not None:
        return ConnectionLostError(f"{where}: connection refused (nothing listens on port {port}); "
                                   f"{_ports_hint(scheme, port)}")
    if find_cause(exc, socket.gaierror) is not None:
        return ConnectionLostError(f"{where}: the host name {host!r} was not found; check the server name")
    unreachable_host = find_cause(exc, OSError)
    if isinstance(unreachable_host, OSError) and unreachable_host.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
        return ConnectionLostError(f"{where}: no route to the host; check the server name and the network")
    if find_cause(exc, TimeoutError, socket.timeout) is not None or type(exc).__name__.endswith("TimeoutException"):
        within = f" within {seconds(timeout)}" if timeout is not None else ""
        return ConnectionLostError(f"{where}: no answer{within}; check the host, the port and firewalls")
    status = _status(exc)
    if status is not None:
        hint = _other_port(scheme, host, port) if status == 400 and scheme == "http" else (
            "check the host and the port: is this TrueConf Server with the Chatbot Connector?")
        return ConnectionLostError(f"{where}: the server refused the WebSocket handshake with HTTP {status}; {hint}")
    if first_contact and find_cause(exc, *_closed_types()) is not None:
        return ConnectionLostError(f"{where}: the server closed the connection without an answer; "
                                   f"{_other_port(scheme, host, port)}")
    return None
