"""HTTP plumbing shared by uploads and downloads: chunk size, aborting a body, error mapping.

The requests session is the client's (``core.http_session()``: its TLS settings and User-Agent).
"""

from __future__ import annotations

from ..errors import TrueConfError
from ..transport.http import http_failure
from .redact import scrub

__all__ = ["CHUNK_SIZE", "Aborted", "network_error"]

#: Bytes read from a source or from the network at a time (memory use is a few of these).
CHUNK_SIZE = 512 * 1024


class Aborted(Exception):
    """Carries an error raised inside a request body (source read, progress callback, close) out of
    requests/urllib3 untouched: it is deliberately not an OSError, so they do not wrap or retry it."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(error)
        self.error = error


def network_error(exc: BaseException, what: str, timeout: float) -> TrueConfError:
    """The library's error for a failed HTTP exchange: a timeout, a TLS failure or a lost connection.

    The text never contains a secret registered in :mod:`.redact` (URLs, task ids).
    """
    return http_failure(exc, what, timeout, scrub)
