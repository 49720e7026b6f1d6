"""HTTP plumbing shared by uploads and downloads: the client's requests session and error mapping."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import TrueConfError
from ..transport.http import client_session as session_of, http_failure
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


def network_error(exc: BaseException, what: str, timeout: float) -> TrueConfError:
    """The library's error for a failed HTTP exchange: a timeout, a TLS failure or a lost connection.

    The text never contains a secret registered in :mod:`.redact` (URLs, task ids).
    """
    return http_failure(exc, what, timeout, scrub)
