"""TrueConf Server's own info endpoint, ``GET /api/v4/server`` (PROTOCOL §10.1, §12.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from ..errors import ConnectionLostError, ProtocolError
from ..transport.http import http_failure

if TYPE_CHECKING:
    import requests

__all__ = ["SERVER_INFO_PATH", "ServerInfo", "fetch_server_info"]

SERVER_INFO_PATH = "/api/v4/server"


@attrs.frozen
class ServerInfo:
    """What the server says about itself: ``version`` (e.g. ``"5.5.6.0"``) and its ``name``.

    ``name`` is the "TrueConf Server Name", the domain part of user ids. ``raw`` is the whole
    answer. ``version_tuple`` compares versions (``(5, 5, 6, 0) >= (5, 5, 6)``).
    """

    version: str | None
    name: str | None
    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False)

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """The numeric parts of ``version`` (empty when unknown or not numeric)."""
        parts: list[int] = []
        for piece in (self.version or "").split("."):
            if not piece.isdigit():
                break
            parts.append(int(piece))
        return tuple(parts)


def fetch_server_info(session: requests.Session, base_url: str, timeout: float) -> ServerInfo:
    """GET ``/api/v4/server`` and read ``product.version`` and ``product.display_name``.

    Raises:
        ConnectionLostError: the server could not be reached or answered an HTTP error.
        TLSError: its certificate was not accepted. RequestTimeoutError: no answer in time.
        ProtocolError: the answer is not that JSON.
    """
    import requests

    try:
        response = session.get(base_url + SERVER_INFO_PATH, timeout=timeout)
    except requests.RequestException as exc:
        raise http_failure(exc, "server info request", timeout) from exc
    if response.status_code != 200:
        raise ConnectionLostError(f"server info: HTTP {response.status_code}")
    try:
        data = response.json()
    except ValueError:
        raise ProtocolError("server info: the answer is not JSON") from None
    product = data.get("product") if isinstance(data, dict) else None
    if not isinstance(product, dict):
        raise ProtocolError("server info: no 'product' object in the answer")
    version, name = product.get("version"), product.get("display_name")
    return ServerInfo(
        version=version if isinstance(version, str) else None,
        name=name if isinstance(name, str) else None,
        raw=data,
    )
