"""The requests session used for OAuth and files, sharing the client's TLS settings.

requests is imported here, lazily, so ``import trueconf_sync`` stays fast for token users.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING, Any

from .tls import Verify, requests_verify

if TYPE_CHECKING:
    import requests

__all__ = ["make_session"]


def make_session(verify: Verify, user_agent: str) -> requests.Session:
    """A :class:`requests.Session` that verifies TLS as ``verify`` says and sends ``user_agent``."""
    import requests
    from requests.adapters import HTTPAdapter

    session = requests.Session()
    session.headers["User-Agent"] = user_agent
    session.verify = requests_verify(verify)
    if isinstance(verify, ssl.SSLContext):

        class _ContextAdapter(HTTPAdapter):
            def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
                kwargs["ssl_context"] = verify
                super().init_poolmanager(*args, **kwargs)

        session.mount("https://", _ContextAdapter())
    return session
