"""The requests session used for OAuth and files, sharing the client's TLS settings.

requests is imported here, lazily, so ``import trueconf_sync`` stays fast for token users.
"""

from __future__ import annotations

import ssl
import threading
from typing import TYPE_CHECKING, Any

from .tls import SYSTEM, Verify, requests_verify, system_context

if TYPE_CHECKING:
    import requests

__all__ = ["client_session", "make_session"]

_lock = threading.Lock()


def client_session(client: Any) -> requests.Session:
    """The client's one requests session (its TLS settings and User-Agent), made on first use.

    OAuth, server info and file transfers share it; ``client.close()`` closes it.
    """
    session = client._session
    if session is None:
        with _lock:
            session = client._session
            if session is None:
                session = client._session = make_session(client._verify, client.user_agent)
    return session  # type: ignore[no-any-return]


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
