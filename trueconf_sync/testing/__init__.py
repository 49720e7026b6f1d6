"""In-process fake TrueConf Server for tests (needs the ``testing`` extra: aiohttp).

``FakeTrueConfServer`` runs a real aiohttp server (WebSocket + HTTP) on its own thread that speaks
the Chatbot Connector protocol as PROTOCOL.md describes it; ``SimulatedUser`` drives humans.
aiohttp is imported only when a server starts, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import ServerConfig
    from .errors import ApiError
    from .server import FakeTrueConfServer
    from .users import SimulatedUser

__all__ = ["ApiError", "FakeTrueConfServer", "ServerConfig", "SimulatedUser"]

_EXPORTS = {"FakeTrueConfServer": ".server", "SimulatedUser": ".users", "ServerConfig": ".config",
            "ApiError": ".errors"}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value
