"""One ``verify`` setting for the WebSocket and every HTTP request (PROTOCOL §1.1).

``verify`` is ``True`` (certifi's CA bundle, the one requests ships with; host name checked),
``False`` (no checks; each client logs one warning), a path to a CA bundle file or directory, a
ready :class:`ssl.SSLContext`, or ``"system"``: the operating system's trust store through the
optional ``truststore`` package (``pip install trueconf_sync[truststore]``), for servers signed by
a company CA the OS trusts.

Whatever it is, :func:`check_verify` makes it ONE :class:`ssl.SSLContext` (or ``False``) that the
WebSocket and the HTTP session both use, so they always trust the same CAs: environment variables
that change one library's defaults (``SSL_CERT_FILE`` for OpenSSL, ``REQUESTS_CA_BUNDLE`` for
requests) change neither; pass ``verify=`` instead. The default (``True``) stays ``True`` until a
TLS connection needs it: then :func:`trust_context` makes the process-wide certifi context, so a
client of a plain ``ws://`` server never loads :mod:`ssl` or certifi (import time and memory).
"""

from __future__ import annotations

import os
import sys
import threading
from typing import TYPE_CHECKING, Any, Union

from ..logs import get_logger

if TYPE_CHECKING:
    import ssl

__all__ = ["SYSTEM", "Verify", "check_verify", "default_context", "tls_failure", "trust_context",
           "websocket_sslopt"]

log = get_logger("trueconf_sync.tls")

#: Accepted types of the ``verify`` argument.
Verify = Union[bool, str, "os.PathLike[str]", "ssl.SSLContext"]

#: ``verify="system"``: use the OS trust store (needs the ``truststore`` package).
SYSTEM = "system"


_default: ssl.SSLContext | None = None
_default_lock = threading.Lock()


def default_context() -> ssl.SSLContext:
    """The trust of ``verify=True``: certifi's CA bundle, made once per process (contexts are
    shared safely by every thread and client)."""
    global _default
    if _default is None:
        import ssl

        import certifi  # requests depends on it

        with _default_lock:
            if _default is None:
                _default = ssl.create_default_context(cafile=certifi.where())
    return _default


def check_verify(verify: Any, *, https: bool = True) -> ssl.SSLContext | bool:
    """Validate ``verify``; return the one SSLContext both sides use, ``False``, or ``True``
    (certifi's context, made by :func:`trust_context` when a TLS connection first needs it).

    Logs one warning when ``verify`` is False and ``https`` is on (a plain-HTTP server has no
    certificate to skip: no warning then). Raises TypeError / ValueError for bad values and
    ImportError for ``"system"`` without ``truststore``.
    """
    if _is_context(verify):
        return verify  # type: ignore[no-any-return]
    if isinstance(verify, bool):
        if verify:
            return True
        if https:
            log.warning("TLS certificate verification is disabled (verify=False); "
                        "pass a CA bundle path or verify='system' instead")
        return False
    if verify == SYSTEM:
        return system_context()
    if isinstance(verify, (str, os.PathLike)):
        import ssl

        path = os.fspath(verify)
        if not os.path.exists(path):
            raise ValueError(f"verify: CA bundle {path!r} does not exist")
        try:
            if os.path.isdir(path):
                return ssl.create_default_context(capath=path)
            return ssl.create_default_context(cafile=path)
        except ssl.SSLError as exc:
            raise ValueError(f"verify: {path!r} is not a CA bundle OpenSSL can read ({exc.reason or exc})") from None
    raise TypeError(f"verify must be a bool, a CA bundle path, 'system' or an ssl.SSLContext, "
                    f"not {type(verify).__name__}")


def _is_context(value: Any) -> bool:
    """Whether ``value`` is an :class:`ssl.SSLContext`, without importing :mod:`ssl` (no context can
    exist before it is imported)."""
    ssl = sys.modules.get("ssl")
    return ssl is not None and isinstance(value, ssl.SSLContext)


def system_context() -> ssl.SSLContext:
    """An SSLContext that verifies against the operating system's trust store (``truststore``)."""
    import ssl

    try:
        import truststore
    except ImportError:
        raise ImportError("verify='system' needs the truststore package: "
                          "pip install 'trueconf_sync[truststore]'") from None
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def trust_context(verify: Verify) -> ssl.SSLContext | None:
    """The one context ``verify`` means (see :func:`check_verify`); None for no verification."""
    if verify is False:
        return None
    checked = verify if _is_context(verify) else check_verify(verify)
    return checked if _is_context(checked) else default_context()  # type: ignore[return-value]


def websocket_sslopt(verify: Verify) -> dict[str, Any]:
    """websocket-client ``sslopt`` for ``verify``: the one context, or no checks for ``False``."""
    context = trust_context(verify)
    if context is None:
        import ssl

        return {"cert_reqs": ssl.CERT_NONE, "check_hostname": False}
    return {"context": context}


def tls_failure(exc: BaseException, where: str) -> str | None:
    """A readable sentence when ``exc`` (or an error it wraps) is a TLS failure, else None.

    Follows ``__cause__``, ``__context__``, ``reason`` (urllib3) and exception arguments
    (requests), so it works for websocket-client and requests errors alike.
    """
    found = _find_ssl_error(exc, 0, set())
    if found is None:
        return None
    import ssl

    if isinstance(found, ssl.SSLCertVerificationError):
        detail = found.verify_message or found.reason or "certificate verify failed"
        return (f"TLS certificate of {where} not accepted: {detail}. For a company CA pass "
                "verify=<CA bundle path> or an ssl.SSLContext, or verify='system' to use the OS trust store")
    return f"TLS handshake with {where} failed: {found.reason or type(found).__name__}"


def _find_ssl_error(exc: BaseException, depth: int, seen: set[int]) -> ssl.SSLError | None:
    ssl = sys.modules.get("ssl")
    if ssl is None or depth > 8 or id(exc) in seen:  # no ssl loaded: no SSLError can exist
        return None
    seen.add(id(exc))
    if isinstance(exc, ssl.SSLError):
        return exc  # type: ignore[no-any-return]
    linked: list[Any] = [exc.__cause__, exc.__context__, getattr(exc, "reason", None), *exc.args]
    for item in linked:
        if isinstance(item, BaseException):
            found = _find_ssl_error(item, depth + 1, seen)
            if found is not None:
                return found
    return None
