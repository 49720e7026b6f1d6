"""The requests session used for OAuth and files, sharing the client's TLS settings.

requests is imported here, lazily, so ``import trueconf_sync`` stays fast for token users.

Redirects are followed only where nothing secret can leave the server: a GET or HEAD to the same
origin (scheme, host and port; so never https -> http). A POST is never redirected: the token
request carries the password and an upload its body and task id. Any other redirect fails with
:class:`RedirectRefused` naming the target's origin (never its path or query).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from ..errors import ConnectionLostError, RequestTimeoutError, TLSError, TrueConfError, seconds
from .failures import unreachable
from .tls import Verify, tls_failure, trust_context

if TYPE_CHECKING:
    import requests

__all__ = [
    "MAX_REDIRECTS",
    "REDIRECT_STATUSES",
    "SessionHolder",
    "SessionProvider",
    "client_session",
    "http_failure",
    "make_session",
    "same_origin",
    "shown_origin",
]


#: HTTP statuses that redirect, and how many hops a caller that follows them by hand allows.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 5


class SessionProvider(Protocol):
    """Anything that hands out a requests session (the client's core)."""

    def http_session(self) -> requests.Session:
        """The session, made on first use."""


class _HasProvider(Protocol):
    @property
    def core(self) -> SessionProvider: ...


def client_session(owner: SessionProvider | _HasProvider) -> requests.Session:
    """The client's one requests session (its TLS settings and User-Agent), made on first use.

    ``owner`` is the client's core (:class:`~trueconf_sync.core.protocols.ClientCore`) or the
    client itself (which hands out its core). OAuth, server info and file transfers share the
    session; ``client.close()`` closes it.
    """
    provider = owner.core if hasattr(owner, "core") else owner
    return cast(SessionProvider, provider).http_session()


class SessionHolder:
    """Makes one session on first use (thread-safe) and closes it; a forked child starts afresh."""

    def __init__(self, verify: Verify, user_agent: str) -> None:
        self._verify = verify
        self._user_agent = user_agent
        self._session: requests.Session | None = None
        self._lock = threading.Lock()

    def get(self) -> requests.Session:
        """The session, made on first use."""
        session = self._session
        if session is None:
            with self._lock:
                session = self._session
                if session is None:
                    session = self._session = make_session(self._verify, self._user_agent)
        return session

    def close(self) -> None:
        """Close the session (if one was made); the next :meth:`get` makes a new one."""
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()

    def forget(self) -> None:
        """In a forked child: drop the parent's session (its pooled sockets are the parent's)."""
        self._session = None
        self._lock = threading.Lock()


def _is_timeout(exc: BaseException) -> bool:
    import requests
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    if isinstance(exc, requests.Timeout):
        return True
    return any(isinstance(arg, Urllib3Timeout) for arg in exc.args)


def http_failure(exc: BaseException, what: str, timeout: float,
                 clean: Callable[[str], str] = lambda text: text, *, first_contact: bool = False) -> TrueConfError:
    """The library's error for a failed HTTP exchange (a requests/urllib3 exception).

    RequestTimeoutError for a timeout; TLSError with a readable reason and what to do for a TLS
    failure (the same sentence the WebSocket gives); else ConnectionLostError, one line naming
    ``scheme://host:port`` and what to try when the cause is known (refused, unknown host, wrong
    scheme: :func:`.failures.unreachable`). ``first_contact``: this request is the first exchange
    with the server (the token request), so a connection closed without an answer suggests the
    wrong scheme. ``clean`` removes secrets (URLs with keys) from the text taken from the exception.
    """
    if _is_timeout(exc):
        return RequestTimeoutError(f"{what}: no answer within {seconds(timeout)}")
    request = getattr(exc, "request", None)
    url = getattr(request, "url", None)
    if isinstance(url, str):  # one readable line: scheme://host:port, why, what to try (never the path)
        known = unreachable(exc, url, what, timeout, first_contact=first_contact)
        if known is not None:
            return known
    tls = tls_failure(exc, "the server")
    if tls is not None:
        return TLSError(f"{what}: {tls}")
    text = clean(str(exc) or type(exc).__name__)
    if len(text) > 300:
        text = text[:300] + "..."
    return ConnectionLostError(f"{what} failed: {type(exc).__name__}: {text}")


def _origin(url: str) -> tuple[str, str, int | None]:
    from urllib.parse import urlsplit  # (HTTP only; requests imports it anyway)

    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1  # unreadable: matches nothing
    if port is None:
        port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def same_origin(a: str, b: str) -> bool:
    """Whether two URLs have the same scheme, host and port (default ports filled in)."""
    return _origin(a) == _origin(b)


def shown_origin(url: str) -> str:
    """``scheme://host:port`` of ``url``: safe to show (no credentials, path or query)."""
    scheme, host, port = _origin(url)
    return f"{scheme}://{host}:{port}" if port is not None else f"{scheme}://{host}"


def make_session(verify: Verify, user_agent: str) -> requests.Session:
    """A :class:`requests.Session` that verifies TLS as ``verify`` says and sends ``user_agent``."""
    import requests
    from requests.adapters import HTTPAdapter

    context = trust_context(verify)

    class RedirectRefused(requests.RequestException):
        """A redirect this session does not follow (see the module docstring)."""

    class _Session(requests.Session):
        def get_redirect_target(self, resp: Any) -> Any:
            # A refused redirect is no redirect to requests (it stops there); send() then raises
            # for callers that wanted redirects followed. (requests also asks this when it only
            # computes Response.next for allow_redirects=False, so raising here would be wrong.)
            target = super().get_redirect_target(resp)
            if target is None:
                return None
            from urllib.parse import urljoin

            url = urljoin(resp.url, target)
            method = (resp.request.method or "").upper() if resp.request is not None else ""
            if method in ("GET", "HEAD") and same_origin(resp.url, url):
                return target
            resp.refused_redirect = (
                f"the server answered HTTP {resp.status_code}, a redirect to {shown_origin(url)}, which is not "
                "followed: " + ("a POST is never redirected (its body may hold secrets)"
                                if method not in ("GET", "HEAD") else "only same-origin redirects are"))
            return None

        def send(self, request: Any, **kwargs: Any) -> Any:
            response = super().send(request, **kwargs)
            refused = getattr(response, "refused_redirect", None)
            if refused is not None and kwargs.get("allow_redirects", True):
                response.close()
                raise RedirectRefused(refused, response=response)
            return response

        def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
            # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify; the
            # client's explicit verify= (False, a CA bundle, an SSLContext) must win instead.
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if verify is None and self.verify is not True:
                settings["verify"] = self.verify
            return settings

    session = _Session()
    session.headers["User-Agent"] = user_agent
    session.verify = context is not None  # True: checked with the mounted context
    if context is not None:  # the same context as the WebSocket: one trust store

        class _ContextAdapter(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                kwargs["ssl_context"] = context
                super().init_poolmanager(*args, **kwargs)

            def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
                # requests would point the connection at certifi's bundle (or REQUESTS_CA_BUNDLE),
                # which urllib3 then loads INTO the context: trust exactly what it trusts instead.
                super().cert_verify(conn, url, verify, cert)
                conn.ca_certs = conn.ca_cert_dir = None

        session.mount("https://", _ContextAdapter())
    return session
