"""OAuth token for the ``auth`` request (PROTOCOL §2.1) and reading a token's expiry."""

from __future__ import annotations

import base64
import binascii
import json
import time
from typing import TYPE_CHECKING, Any

import attrs

from .errors import AuthError, ConnectionLostError, ProtocolError, RequestTimeoutError, TLSError
from .tls import tls_failure

if TYPE_CHECKING:
    import requests

__all__ = ["TOKEN_PATH", "Token", "fetch_token", "token_expiry"]

TOKEN_PATH = "/bridge/api/client/v1/oauth/token"

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


def fetch_token(
    session: requests.Session, base_url: str, username: str, password: str, timeout: float
) -> Token:
    """Exchange a username and password for a token (OAuth password grant, JSON body).

    Raises:
        AuthError: the server refused (401/403/400...), with its OAuth ``error`` string: terminal.
        ConnectionLostError: the server could not be reached or answered a transient status (5xx,
            429, 408): worth retrying. TLSError: the certificate was refused.
        RequestTimeoutError: no answer in time. ProtocolError: the answer is not a token.
    """
    import requests

    body = {"client_id": "chat_bot", "grant_type": "password", "username": username, "password": password}
    now = time.time()
    try:
        response = session.post(base_url + TOKEN_PATH, json=body, timeout=timeout)
    except requests.Timeout as exc:
        raise RequestTimeoutError(f"token request: no answer within {timeout:g} s") from exc
    except requests.RequestException as exc:
        tls = tls_failure(exc, base_url)
        if tls is not None:
            raise TLSError(tls) from exc
        raise ConnectionLostError(f"token request failed: {type(exc).__name__}: {exc}") from exc
    try:
        data = response.json()
    except ValueError:
        data = None
    if response.status_code in TRANSIENT_STATUSES:
        raise ConnectionLostError(f"token request: the server answered HTTP {response.status_code}; try again later")
    if response.status_code not in (200, 201):
        error = data.get("error") if isinstance(data, dict) else None
        description = data.get("error_description") if isinstance(data, dict) else None
        raise AuthError(
            0,
            data if isinstance(data, dict) else {},
            method="oauth/token",
            oauth_error=str(error) if error is not None else None,
            description=str(description) if description is not None else None,
            status=response.status_code,
        )
    token = data.get("access_token") if isinstance(data, dict) else None
    if not isinstance(token, str) or not token:
        raise ProtocolError(f"token endpoint answered HTTP {response.status_code} without an access_token")
    return Token(token, _expiry(data, token, now))
