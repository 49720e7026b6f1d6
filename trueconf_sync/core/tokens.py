"""OAuth token for the ``auth`` request (PROTOCOL §2.1), reading a token's expiry, and the
:class:`TokenKeeper` that holds the client's token, fetches a new one and refreshes it ahead of expiry."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..errors import AuthError, ConnectionLostError, ProtocolError
from ..frozen import Frozen
from ..logs import get_logger
from ..transport.http import http_failure

if TYPE_CHECKING:
    import requests

__all__ = ["TOKEN_PATH", "Token", "TokenKeeper", "fetch_oauth2_token", "fetch_token", "token_expiry"]

log = get_logger("trueconf_sync.client")

TOKEN_PATH = "/bridge/api/client/v1/oauth/token"
OAUTH2_WEB_TOKEN_PATH = "/api/v4/oauth2/token"
OAUTH2_CODE_PATH = "/bridge/api/client/v1/auth/web_rest_api_token"
OAUTH2_BOT_TOKEN_PATH = "/bridge/api/client/v1/auth/token"

#: HTTP statuses of the token endpoint that mean "try again later" (server restarting, proxy trouble).
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


class Token(Frozen):
    """An access token and when it expires (Unix seconds, ``None`` when unknown); frozen, the token
    kept out of the repr."""

    __slots__ = ("access_token", "expires_at")
    _hidden = frozenset({"access_token"})

    access_token: str
    expires_at: float | None

    def __init__(self, access_token: str, expires_at: float | None = None) -> None:
        self._assign(access_token=access_token, expires_at=expires_at)

    def expires_within(self, seconds: float) -> bool:
        """True when the token is known to expire within ``seconds`` from now."""
        return self.expires_at is not None and self.expires_at - time.time() <= seconds


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim (Unix seconds) of a 3-segment JWT, or ``None`` when it has none."""
    import base64  # (on connect, with the token: not loaded with the client)
    import binascii
    import json

    parts = token.split(".")
    if len(parts) != 3:
        return None
    segment = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(segment))
    except (ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, (int, float)) and not isinstance(exp, bool) else None


def _expiry(body: dict[str, Any], token: str, now: float) -> float | None:
    expires_at = body.get("expires_at")
    if isinstance(expires_at, (int, float)) and not isinstance(expires_at, bool):
        return float(expires_at)
    expires_in = body.get("expires_in")
    if isinstance(expires_in, (int, float)) and not isinstance(expires_in, bool):
        return now + float(expires_in)
    return token_expiry(token)


def _post_json(session: requests.Session, base_url: str, path: str, body: dict[str, Any], timeout: float,
               what: str) -> dict[str, Any]:
    """POST ``body`` as JSON to ``base_url + path``; return the JSON answer of a 200/201.

    Raises:
        AuthError: a refusal (4xx), with the OAuth ``error`` string when there is one: terminal.
        ConnectionLostError: unreachable, or a transient status (5xx, 429, 408): worth retrying.
        TLSError: the certificate was refused. RequestTimeoutError: no answer in time.
    """
    import requests

    try:
        response = session.post(base_url + path, json=body, timeout=timeout)
    except requests.RequestException as exc:  # timeout, TLS or network: the one mapping of HTTP failures
        raise http_failure(exc, what, timeout, first_contact=True) from exc  # the client's first HTTP request
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code in TRANSIENT_STATUSES:
        raise ConnectionLostError(f"{what}: the server answered HTTP {response.status_code}; try again later")
    if response.status_code not in (200, 201):
        error = data.get("error") if isinstance(data, dict) else None
        description = data.get("error_description") if isinstance(data, dict) else None
        if isinstance(error, dict):  # the web API's {"error": {"errors": [{"reason": ...}]}}
            reasons = [e.get("reason") for e in error.get("errors", []) if isinstance(e, dict)]
            error = "invalid_scope" if "invalidScope" in reasons else ",".join(map(str, reasons)) or None
            if error == "invalid_scope":
                description = "the OAuth application needs at least one scope (e.g. version:read)"
        if error == "auth_method_disabled":
            description = "password logins are disabled on this server; pass oauth_client_id= to log in via OAuth2"
        raise AuthError(
            0,
            data if isinstance(data, dict) else {},
            method=what,
            oauth_error=str(error) if error is not None else None,
            description=str(description) if description is not None else None,
            status=response.status_code,
        )
    return data if isinstance(data, dict) else {}


def _string(data: dict[str, Any], key: str, what: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ProtocolError(f"{what}: the answer has no {key}")
    return value


def fetch_token(
    session: requests.Session, base_url: str, username: str, password: str, timeout: float
) -> Token:
    """Exchange a username and password for a token (OAuth password grant, JSON body; PROTOCOL §2.1).

    Raises:
        AuthError: the server refused (401/403/400...), with its OAuth ``error`` string: terminal.
        ConnectionLostError: the server could not be reached or answered a transient status (5xx,
            429, 408): worth retrying. TLSError: the certificate was refused.
        RequestTimeoutError: no answer in time. ProtocolError: the answer is not a token.
    """
    body = {"client_id": "chat_bot", "grant_type": "password", "username": username, "password": password}
    now = time.time()
    data = _post_json(session, base_url, TOKEN_PATH, body, timeout, "token request")
    token = _string(data, "access_token", "token request")
    return Token(token, _expiry(data, token, now))


def fetch_oauth2_token(
    session: requests.Session, base_url: str, username: str, password: str, client_id: str, timeout: float
) -> Token:
    """Log in through an OAuth2 application, for servers without password logins (PROTOCOL §12.11).

    Three exchanges on the same base URL: the application's password grant for a web API token,
    that token for an authorization code, the code for the chat-bot token.

    Raises: as :func:`fetch_token`; ``AuthError.oauth_error == "invalid_scope"`` when the
    application has no scope.
    """
    web = _post_json(session, base_url, OAUTH2_WEB_TOKEN_PATH, {
        "client_id": client_id, "grant_type": "password", "username": username, "password": password,
    }, timeout, "oauth2/token")
    code = _post_json(session, base_url, OAUTH2_CODE_PATH, {
        "client_id": username, "token": _string(web, "access_token", "oauth2/token"),
    }, timeout, "auth/web_rest_api_token")
    now = time.time()
    data = _post_json(session, base_url, OAUTH2_BOT_TOKEN_PATH, {
        "client_id": "user", "grant_type": "authorization_code",
        "code": _string(code, "authorization_code", "auth/web_rest_api_token"),
    }, timeout, "auth/token")
    token = _string(data, "access_token", "auth/token")
    return Token(token, _expiry(data, token, now))


class TokenKeeper:
    """The token of one client: a fixed string, a callable, or fetched over OAuth with credentials.

    With credentials, a timer thread fetches a new token ahead of expiry, so a reconnect (or the
    renewal after a 203) never waits for an expired one. The timer runs only while the keeper is
    active (between :meth:`activate` and :meth:`stop`).
    """

    def __init__(
        self,
        source: str | Callable[[], str] | None,
        username: str | None,
        password: str | None,
        oauth_client_id: str | None,
        base_url: str,
        timeout: float,
        session: Callable[[], requests.Session],
        name: str,
    ) -> None:
        self._source = source
        self._username = username
        self._password = password
        self._oauth_client_id = oauth_client_id
        self._base_url = base_url
        self._timeout = timeout
        self._session = session
        self._name = name
        self._token: Token | None = None
        self._timer: threading.Timer | None = None
        self._active = False

    @property
    def can_refresh(self) -> bool:
        """True when a new token can be had (credentials or a callable), so a 203 is recoverable."""
        return self._username is not None or callable(self._source)

    @property
    def expires_at(self) -> float | None:
        """Unix time when the current token expires, when known."""
        if self._token is not None:
            return self._token.expires_at
        return token_expiry(self._source) if isinstance(self._source, str) else None

    def get(self, force_refresh: bool = False) -> str:
        """The token for the next ``auth``: fetched when missing, expiring within a minute, or forced."""
        source = self._source
        if isinstance(source, str):
            return source
        if source is not None:
            value = source()
            if not isinstance(value, str) or not value:
                raise TypeError("the token callable must return a non-empty str")
            return value
        token = self._token
        if force_refresh or token is None or token.expires_within(60):
            assert self._username is not None and self._password is not None
            session = self._session()
            if self._oauth_client_id is not None:  # servers without password logins (§12.11)
                token = fetch_oauth2_token(session, self._base_url, self._username, self._password,
                                           self._oauth_client_id, self._timeout)
            else:
                token = fetch_token(session, self._base_url, self._username, self._password, self._timeout)
            self._token = token
        return token.access_token

    def invalidate(self) -> None:
        """The server said the token expired (203): the next :meth:`get` fetches a new one."""
        self._token = None

    def activate(self) -> None:
        """Allow the refresh timer (the client is open)."""
        self._active = True

    def stop(self) -> None:
        """Cancel the refresh timer and allow no new one (the client is closing)."""
        self._active = False
        self._cancel()

    def forget(self) -> None:
        """In a forked child: the parent's timer thread does not exist here."""
        self._timer = None

    def schedule(self, delay: float | None = None) -> None:
        """With credentials: refresh ahead of expiry (or after ``delay`` s). One timer, replaced each time."""
        self._cancel()
        token = self._token
        if delay is None:
            if self._username is None or token is None or token.expires_at is None:
                return
            left = token.expires_at - time.time()
            delay = max(1.0, left - min(3600.0, max(30.0, left / 10)))
        if not self._active:
            return
        timer = threading.Timer(delay, self._refresh_ahead)
        timer.name = f"{self._name}-token"
        timer.daemon = True
        timer.start()
        self._timer = timer
        if not self._active:  # stop() ran meanwhile and may have missed it
            self._cancel()

    def _cancel(self) -> None:
        timer, self._timer = self._timer, None
        if timer is not None:
            timer.cancel()
            if timer is not threading.current_thread():
                timer.join(1.0)

    def _refresh_ahead(self) -> None:
        if not self._active:
            return
        self._timer = None  # this thread is ending; do not join it from the reschedule
        try:
            self.get(force_refresh=True)
        except Exception as exc:  # noqa: BLE001 - the next connect fetches one anyway
            log.warning("%s: could not refresh the token ahead of its expiry: %s", self._name, exc)
            self.schedule(60.0)
            return
        log.info("%s: token refreshed ahead of its expiry", self._name)
        self.schedule()
