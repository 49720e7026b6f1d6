"""One ``verify`` setting for the WebSocket and every HTTP request (PROTOCOL §1.1).

``verify`` is ``True`` (system/certifi CAs, host name checked), ``False`` (no checks; each client
logs one warning), a path to a CA bundle file or directory, a ready :class:`ssl.SSLContext`, or
``"system"``: the operating system's trust store through the optional ``truststore`` package
(``pip install trueconf_sync[truststore]``), for servers signed by a company CA the OS trusts.
"""

from __future__ import annotations

import logging
import os
import ssl
from typing import Any, Union

__all__ = ["SYSTEM", "Verify", "check_verify", "requests_verify", "tls_failure", "websocket_sslopt"]

log = logging.getLogger("trueconf_sync.tls")

#: Accepted types of the ``verify`` argument.
Verify = Union[bool, str, "os.PathLike[str]", ssl.SSLContext]

#: ``verify="system"``: use the OS trust store (needs the ``truststore`` package).
SYSTEM = "system"


def check_verify(verify: Any) -> Verify:
    """Validate ``verify``; return it with paths as ``str`` and ``"system"`` as an SSLContext.

    Logs one warning when ``verify`` is False. Raises TypeError / ValueError for bad values and
    ImportError for ``"system"`` without ``truststore``.
    """
    if isinstance(verify, (bool, ssl.SSLContext)):
        if verify is False:
            log.warning("TLS certificate verification is disabled (verify=False); "
                        "pass a CA bundle path or verify='system' instead")
        return verify
    if verify == SYSTEM:
        return system_context()
    if isinstance(verify, (str, os.PathLike)):
        path = os.fspath(verify)
        if not os.path.exists(path):
            raise ValueError(f"verify: CA bundle {path!r} does not exist")
        return path
    raise TypeError(f"verify must be a bool, a CA bundle path, 'system' or an ssl.SSLContext, "
                    f"not {type(verify).__name__}")


def system_context() -> ssl.SSLContext:
    """An SSLContext that verifies against the operating system's trust store (``truststore``)."""
    try:
        import truststore
    except ImportError:
        raise ImportError("verify='system' needs the truststore package: "
                          "pip install 'trueconf_sync[truststore]'") from None
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


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


def tls_failure(exc: BaseException, where: str) -> str | None:
    """A readable sentence when ``exc`` (or an error it wraps) is a TLS failure, else None.

    Follows ``__cause__``, ``__context__``, ``reason`` (urllib3) and exception arguments
    (requests), so it works for websocket-client and requests errors alike.
    """
    found = _find_ssl_error(exc, 0, set())
    if found is None:
        return None
    if isinstance(found, ssl.SSLCertVerificationError):
        detail = found.verify_message or found.reason or "certificate verify failed"
        return (f"TLS certificate of {where} not accepted: {detail}. For a company CA pass "
                "verify=<CA bundle path> or an ssl.SSLContext, or verify='system' to use the OS trust store")
    return f"TLS handshake with {where} failed: {found.reason or type(found).__name__}"


def _find_ssl_error(exc: BaseException, depth: int, seen: set[int]) -> ssl.SSLError | None:
    if depth > 8 or id(exc) in seen:
        return None
    seen.add(id(exc))
    if isinstance(exc, ssl.SSLError):
        return exc
    linked: list[Any] = [exc.__cause__, exc.__context__, getattr(exc, "reason", None), *exc.args]
    for item in linked:
        if isinstance(item, BaseException):
            found = _find_ssl_error(item, depth + 1, seen)
            if found is not None:
                return found
    return None
