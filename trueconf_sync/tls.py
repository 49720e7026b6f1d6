"""One ``verify`` setting for the WebSocket and every HTTP request (PROTOCOL §1.1).

``verify`` is ``True`` (system/certifi CAs, host name checked), ``False`` (no checks; logs a
warning once), a path to a CA bundle file or directory, or a ready :class:`ssl.SSLContext`.
"""

from __future__ import annotations

import logging
import os
import ssl
from typing import Any, Union

__all__ = ["Verify", "check_verify", "requests_verify", "websocket_sslopt"]

log = logging.getLogger("trueconf_sync.tls")

#: Accepted types of the ``verify`` argument.
Verify = Union[bool, str, "os.PathLike[str]", ssl.SSLContext]

_warned = False


def check_verify(verify: Any) -> Verify:
    """Validate ``verify``; return it with paths as ``str``. Raises TypeError / ValueError."""
    global _warned
    if isinstance(verify, (bool, ssl.SSLContext)):
        if verify is False and not _warned:
            _warned = True
            log.warning("TLS certificate verification is disabled (verify=False); use a CA bundle instead")
        return verify
    if isinstance(verify, (str, os.PathLike)):
        path = os.fspath(verify)
        if not os.path.exists(path):
            raise ValueError(f"verify: CA bundle {path!r} does not exist")
        return path
    raise TypeError(f"verify must be a bool, a CA bundle path or an ssl.SSLContext, not {type(verify).__name__}")


def websocket_sslopt(verify: Verify) -> dict[str, Any]:
    """websocket-client ``sslopt`` for ``verify``."""
    if isinstance(verify, ssl.SSLContext):
        return {"context": verify}
    if verify is False:
        return {"cert_reqs": ssl.CERT_NONE, "check_hostname": False}
    if verify is True:
        return {"cert_reqs": ssl.CERT_REQUIRED}
    path = os.fspath(verify)
    key = "ca_cert_path" if os.path.isdir(path) else "ca_certs"
    return {"cert_reqs": ssl.CERT_REQUIRED, key: path}


def requests_verify(verify: Verify) -> bool | str:
    """The ``verify`` value for requests (an SSLContext is mounted on the session instead)."""
    if isinstance(verify, ssl.SSLContext):
        return True
    return verify if isinstance(verify, bool) else os.fspath(verify)
