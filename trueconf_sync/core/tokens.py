"""OAuth token for the ``auth`` request (PROTOCOL §2.1) and reading a token's expiry."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import TYPE_CHECKING, Any

import attrs

from ..errors import AuthError, ConnectionLostError, ProtocolError, RequestTimeoutError, TLSError
from ..transport.tls import tls_failure

if TYPE_CHECKING:
    import requests

__all__ = ["TOKEN_PATH", "Token", "fetch_oauth2_token", "fetch_token", "token_expiry"]

TOKEN_PATH = "/bridge/api/client/v1/oauth/token"
OAUTH2_WEB_TOKEN_PATH = "/api/v4/oauth2/token"
OAUTH2_CODE_PATH = "/bridge/api/client/v1/auth/web_rest_api_token"
OAUTH2_BOT_TOKEN_PATH = "/bridge/api/client/v1/auth/token"

#: HTTP statuses of the token endpoint that mean "try again later" (server restarting, proxy trouble).
TRANSIENT_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})


@attrs.frozen
class Token:
    """An access token and when it expires (Unix seconds, ``None`` when unknown)."""

    access_token: str = attrs.field(repr=False)
    expires_at: float | None = None

    def expires_within(self, seconds: float) -> bool:
        """True when the token is known to expire within ``seconds`` from now."""
        return self.expires_at is not None and self.expires_at - time.time() <= seconds


def token_expiry(token: str) -> float | None:
    """The ``exp`` claim (Unix seconds) of a 3-segment JWT, or ``None`` when it has none."""
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
    except requests.Timeout as exc:
        raise RequestTimeoutError(f"{what}: no answer within {timeout:g} s") from exc
    except requests.RequestException as exc:
        tls = tls_failure(exc, base_url)
        if tls is not None:
            raise TLSError(tls) from exc
        raise ConnectionLostError(f"{what} failed: {type(exc).__name__}: {exc}") from exc
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
