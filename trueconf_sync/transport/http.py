"""The requests session used for OAuth and files, sharing the client's TLS settings.

requests is imported here, lazily, so ``import trueconf_sync`` stays fast for token users.
"""

from __future__ import annotations

import ssl
import threading
from typing import TYPE_CHECKING, Any, Protocol, cast

from .tls import SYSTEM, Verify, requests_verify, system_context

if TYPE_CHECKING:
    import requests

__all__ = ["SessionHolder", "SessionProvider", "client_session", "make_session"]


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


def make_session(verify: Verify, user_agent: str) -> requests.Session:
    """A :class:`requests.Session` that verifies TLS as ``verify`` says and sends ``user_agent``."""
    import requests
    from requests.adapters import HTTPAdapter

    if isinstance(verify, str) and verify == SYSTEM:
        verify = system_context()

    class _Session(requests.Session):
        def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
            # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override session.verify; the
            # client's explicit verify= (False, a CA bundle, an SSLContext) must win instead.
            settings = super().merge_environment_settings(url, proxies, stream, verify, cert)
            if verify is None and self.verify is not True:
                settings["verify"] = self.verify
            return settings

    session = _Session()
    session.headers["User-Agent"] = user_agent
    session.verify = requests_verify(verify)
    if isinstance(verify, ssl.SSLContext):

        class _ContextAdapter(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                kwargs["ssl_context"] = verify
                super().init_poolmanager(*args, **kwargs)

            def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
                # requests would point the connection at certifi's bundle, which urllib3 then
                # loads INTO the caller's context: trust exactly what the context trusts instead.
                super().cert_verify(conn, url, verify, cert)
                conn.ca_certs = conn.ca_cert_dir = None

        session.mount("https://", _ContextAdapter())
    return session
