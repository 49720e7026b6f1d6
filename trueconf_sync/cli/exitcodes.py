"""Exit codes of ``trueconf-sync`` and the one line on stderr that explains a failure.

A cron job's mail to the admin should say what went wrong in one line, and a wrapping script
should be able to tell a bad password from a server that is down by the exit code alone.
"""

from __future__ import annotations

import enum

from ..config import SettingsError
from ..errors import ApiError, AuthError, ConnectionLostError, ProtocolError, RequestTimeoutError
from ..extras import MissingExtraError

__all__ = ["MEANINGS", "ExitCode", "UsageError", "classify"]


class ExitCode(enum.IntEnum):
    """Process exit codes of the command line (stable: scripts may test them)."""

    #: Done (the message was sent, the token printed...).
    OK = 0
    #: An unexpected failure (a bug): the line on stderr names the exception.
    FAILURE = 1
    #: Bad command line, configuration or input (nothing was sent).
    USAGE = 2
    #: The server refused the credentials (bad or expired token, wrong password, disabled account).
    AUTH = 3
    #: The server could not be reached or the connection dropped (DNS, refused, TLS, reset).
    NETWORK = 4
    #: The server answered with an error (e.g. unknown chat, not enough rights) or with garbage.
    SERVER = 5
    #: No answer in time (``--request-timeout``), or ``listen --count`` not reached by ``--timeout``.
    TIMEOUT = 6
    #: Interrupted by Ctrl-C (128 + SIGINT) while sending.
    INTERRUPTED = 130


#: One line per exit code, for ``--help`` and the docs.
MEANINGS: dict[ExitCode, str] = {
    ExitCode.OK: "done",
    ExitCode.FAILURE: "unexpected failure (a bug; the line names the exception)",
    ExitCode.USAGE: "bad command line, setting or input; nothing was sent",
    ExitCode.AUTH: "the server refused the credentials (token, password, disabled account)",
    ExitCode.NETWORK: "the server could not be reached, or the connection dropped (DNS, refused, TLS)",
    ExitCode.SERVER: "the server answered with an error (unknown chat, no rights...) or with garbage",
    ExitCode.TIMEOUT: "no answer in time; listen: --count not reached within --timeout",
    ExitCode.INTERRUPTED: "interrupted by Ctrl-C",
}


#: A bad command line, setting or input; reported with exit code 2 before anything is sent. The
#: same class as :class:`trueconf_sync.config.SettingsError`, so the shared settings loader's errors
#: are usage errors here.
UsageError = SettingsError


def classify(exc: BaseException) -> tuple[ExitCode, str]:
    """Map an exception to its exit code and the words that start the stderr line."""
    if isinstance(exc, AuthError):
        return ExitCode.AUTH, "authentication failed"
    if isinstance(exc, RequestTimeoutError):
        return ExitCode.TIMEOUT, "timed out"
    if isinstance(exc, ConnectionLostError):
        return ExitCode.NETWORK, "network error"
    if isinstance(exc, (ApiError, ProtocolError)):
        return ExitCode.SERVER, "server error"
    if isinstance(exc, (UsageError, ValueError, TypeError)):
        return ExitCode.USAGE, "error"
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED, "interrupted"
    if isinstance(exc, MissingExtraError):
        return ExitCode.FAILURE, "missing dependency"
    return ExitCode.FAILURE, f"unexpected {type(exc).__name__}"
