"""HTTP plumbing shared by uploads and downloads: the client's requests session and error mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ConnectionLostError, RequestTimeoutError, TrueConfError
from ..transport.http import client_session as session_of
from .redact import scrub

if TYPE_CHECKING:
    pass

__all__ = ["CHUNK_SIZE", "Aborted", "network_error", "session_of"]

#: Bytes read from a source or from the network at a time (memory use is a few of these).
CHUNK_SIZE = 512 * 1024


class Aborted(Exception):
    """Carries an error raised inside a request body (source read, progress callback, close) out of
    requests/urllib3 untouched: it is deliberately not an OSError, so they do not wrap or retry it."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


def _is_timeout(exc: BaseException) -> bool:
    import requests
    from urllib3.exceptions import TimeoutError as Urllib3Timeout

    if isinstance(exc, requests.Timeout):
        return True
    return any(isinstance(arg, Urllib3Timeout) for arg in exc.args)


def network_error(exc: BaseException, what: str, timeout: float) -> TrueConfError:
    """The library's error for a failed HTTP exchange: a timeout or a lost connection.

    The text never contains a secret registered in :mod:`.redact` (URLs, task ids).
    """
    if _is_timeout(exc):
        return RequestTimeoutError(f"{what}: no answer within {timeout:g} s")
    text = scrub(str(exc) or type(exc).__name__)
    if len(text) > 300:
        text = text[:300] + "..."
    return ConnectionLostError(f"{what} failed: {type(exc).__name__}: {text}")
