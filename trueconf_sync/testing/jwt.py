"""Minimal HS256 JSON Web Tokens: the fake server issues and verifies its own 3-segment tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


class TokenError(Exception):
    """The token is malformed or its signature does not verify."""


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode(claims: dict[str, Any], secret: bytes) -> str:
    """Return ``header.payload.signature`` (base64url, HMAC-SHA256) for ``claims``."""
    header = _b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{body}".encode("ascii")
    signature = _b64encode(hmac.new(secret, signing_input, hashlib.sha256).digest())
    return f"{header}.{body}.{signature}"


def decode(token: str, secret: bytes) -> dict[str, Any]:
    """Verify the signature of ``token`` and return its claims; raise :class:`TokenError`."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("token must have three segments")
    header, body, signature = parts
    expected = _b64encode(hmac.new(secret, f"{header}.{body}".encode("ascii"), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, signature):
        raise TokenError("bad signature")
    try:
        claims = json.loads(_b64decode(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenError("bad payload") from exc
    if not isinstance(claims, dict):
        raise TokenError("payload is not an object")
    return claims
