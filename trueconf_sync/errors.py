"""The exception hierarchy of trueconf_sync (one module, one tree).

::

    TrueConfError
    ├── ApiError                  errorCode in a response (PROTOCOL §7); .code, .name, .payload
    │   └── AuthError             auth refused (201-204), OAuth token refused, expired token
    ├── ConnectionLostError       the socket dropped or could not be opened
    │   ├── ClientClosedError     the client was closed by the user
    │   └── TLSError              the server's certificate was refused (or the TLS handshake failed)
    ├── RequestTimeoutError       also a builtin TimeoutError
    ├── BlockingCallError         a blocking call on the reader thread (also a RuntimeError)
    └── ProtocolError             the server answered something that does not follow the protocol

    EventLoopBlockingWarning      a RuntimeWarning: a blocking call from a thread running an asyncio loop

Bad arguments raise the builtin ``ValueError`` / ``TypeError`` naming the argument, before anything
is sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ERROR_CODES",
    "ApiError",
    "AuthError",
    "BlockingCallError",
    "ClientClosedError",
    "ConnectionLostError",
    "EventLoopBlockingWarning",
    "ProtocolError",
    "RequestTimeoutError",
    "TLSError",
    "TrueConfError",
    "error_name",
    "seconds",
]

#: Known error codes: code -> (NAME, meaning). PROTOCOL §7 and §12.10. Unknown codes are still
#: reported, with the name ``UNKNOWN_ERROR``.
ERROR_CODES: Mapping[int, tuple[str, str]] = {
    100: ("CONNECTION_ERROR", "connection error"),
    101: ("CONNECTION_TIMEOUT", "connection timed out"),
    102: ("TLS_ERROR", "TLS/SSL error"),
    103: ("UNSUPPORTED_PROTOCOL", "unsupported protocol"),
    104: ("ROUTE_NOT_FOUND", "route not found"),
    200: ("NOT_AUTHORIZED", "request sent before a successful auth"),
    201: ("INVALID_CREDENTIALS", "the token was not accepted"),
    202: ("USER_DISABLED", "the bot account is disabled"),
    203: ("CREDENTIALS_EXPIRED", "the token has expired"),
    204: ("UNSUPPORTED_CREDENTIALS", "the token type is not supported"),
    300: ("INTERNAL_ERROR", "internal server error"),
    301: ("TIMEOUT", "the operation timed out on the server"),
    302: ("ACCESS_DENIED", "access denied"),
    303: ("NOT_ENOUGH_RIGHTS", "the bot's role lacks the permission"),
    304: ("CHAT_NOT_FOUND", "wrong or unknown chat id"),
    305: ("USER_IS_NOT_CHAT_PARTICIPANT", "the user is not a member of the chat"),
    306: ("MESSAGE_NOT_FOUND", "wrong or unknown message id"),
    307: ("UNKNOWN_MESSAGE", "unknown or unsupported request"),
    308: ("FILE_NOT_FOUND", "unknown file"),
    309: ("USER_IS_ALREADY_CHAT_PARTICIPANT", "the user is already a member of the chat"),
    310: ("FILE_UPLOAD_FAILED", "file upload failed (or the file breaks the upload limits)"),
    311: ("FILE_NOT_READY", "the file is not ready"),
    312: ("ROLE_NOT_FOUND", "no such role"),
    399: ("MALFORMED_PAYLOAD", "malformed payload"),
    400: ("FILE_ERROR", "file error of unknown kind"),
    401: ("NO_SPACE_LEFT", "no space left on the server"),
    402: ("BAD_FILE_NAME", "bad file name"),
    403: ("FILE_UPLOAD_FORBIDDEN", "file upload is forbidden"),
    404: ("FILE_NOT_FOUND_ON_SERVER", "file not found"),
    405: ("FILE_NOT_READY_YET", "file not ready"),
    406: ("FILE_TOO_LARGE", "the file is larger than the size limit"),
    407: ("UPLOAD_TASK_NOT_FOUND", "upload task not found"),
    408: ("INVALID_FILE", "invalid file"),
}

#: Codes that mean the credentials themselves are at fault (the ``auth`` family).
AUTH_CODES = frozenset({200, 201, 202, 203, 204})


def error_name(code: int) -> str:
    """Return the symbolic name of an error code, or ``"UNKNOWN_ERROR"``."""
    entry = ERROR_CODES.get(code)
    return entry[0] if entry else "UNKNOWN_ERROR"


class TrueConfError(Exception):
    """Base class of every error raised by trueconf_sync."""


class ApiError(TrueConfError):
    """The server answered a request with an ``errorCode`` (PROTOCOL §7).

    Attributes:
        code: the numeric error code.
        name: its symbolic name (``"CHAT_NOT_FOUND"``), ``"UNKNOWN_ERROR"`` for codes we do not know.
        method: the wire method of the failed request, when known.
        payload: the raw error payload as received.
        description: the server's ``errorDescription`` / ``error_description`` text, if any.
    """

    def __init__(
        self,
        code: int,
        payload: Mapping[str, Any] | None = None,
        *,
        method: str | None = None,
        description: str | None = None,
    ) -> None:
        self.code = code
        self.name = error_name(code)
        self.method = method
        self.payload: Mapping[str, Any] = payload if payload is not None else {}
        if description is None:
            raw = self.payload.get("errorDescription")
            description = raw if isinstance(raw, str) else None
        self.description = description
        super().__init__(self._message())

    def _message(self) -> str:
        meaning = ERROR_CODES.get(self.code, ("", "unknown error code"))[1]
        where = f"{self.method}: " if self.method else ""
        text = f"{where}error {self.code} {self.name} ({meaning})"
        if self.description:
            text += f": {self.description}"
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_api_error, (type(self), self.code, dict(self.payload), self.method, self.description))


def _rebuild_api_error(
    cls: type[ApiError], code: int, payload: dict[str, Any], method: str | None, description: str | None
) -> ApiError:
    return cls(code, payload, method=method, description=description)


class AuthError(ApiError):
    """Authentication failed: the ``auth`` request or the OAuth token endpoint refused us.

    ``code`` is the WebSocket error code (201 invalid token, 202 disabled, 203 expired, 204 token
    type) or 0 for OAuth failures, where ``oauth_error`` holds the OAuth error string
    (``"invalid_grant"``...) and ``status`` the HTTP status.
    """

    def __init__(
        self,
        code: int,
        payload: Mapping[str, Any] | None = None,
        *,
        method: str | None = "auth",
        description: str | None = None,
        oauth_error: str | None = None,
        status: int | None = None,
    ) -> None:
        self.oauth_error = oauth_error
        self.status = status
        super().__init__(code, payload, method=method, description=description)

    def _message(self) -> str:
        if self.oauth_error is not None or self.code == 0:
            text = f"token request refused (HTTP {self.status}): {self.oauth_error or 'error'}"
            return f"{text}: {self.description}" if self.description else text
        text = super()._message()
        if self.code == 203:
            text += "; get a new token (or create the client with username and password to refresh it)"
        return text

    @property
    def retryable(self) -> bool:
        """True when a fresh token may fix it (an expired token); False for bad or disabled accounts."""
        return self.code == 203


class ConnectionLostError(TrueConfError, ConnectionError):
    """The connection to the server dropped, could not be opened, or was closed while waiting.

    Every call pending on a connection fails with this the moment the socket drops.
    """


class ClientClosedError(ConnectionLostError):
    """The client has been closed; open a new one (or call ``connect()`` again)."""


class TLSError(ConnectionLostError):
    """TLS failed: the server's certificate is not trusted or not valid for its host name.

    The message says why and how to trust a company CA (``verify=<CA bundle>``, an
    ``ssl.SSLContext`` or ``verify="system"``). Never fixed by retrying with the same settings.
    """


class RequestTimeoutError(TrueConfError, TimeoutError):
    """No answer arrived within the call's timeout. Also a builtin :class:`TimeoutError`."""


class BlockingCallError(TrueConfError, RuntimeError):
    """A blocking call was made on the connection's reader thread, where it could never finish.

    This happens in ``Future.add_done_callback`` callbacks, which run on the reader thread: use the
    non-blocking ``.future(...)`` form there, or do the work in a handler.
    """


class EventLoopBlockingWarning(RuntimeWarning):
    """A blocking method was called from a thread that runs an asyncio event loop.

    The call works, but the loop (every other request of an async web app) stands still until the
    answer comes. Await the method's awaitable form instead: ``await client.send_message.aio(...)``.
    Issued once per process; silence it with ``warnings.filterwarnings("ignore",
    category=EventLoopBlockingWarning)``.
    """


class ProtocolError(TrueConfError):
    """The server sent something that breaks the protocol (e.g. a response we cannot read)."""


def seconds(value: float) -> str:
    """A duration for a message: three significant digits and the unit (``0.999989`` -> ``"1 s"``).

    Deadlines are measured, so what is left of a 1 s timeout is 0.999989 s; nobody wants to read that.
    """
    return f"{value:.3g} s"
