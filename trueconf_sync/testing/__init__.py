"""In-process fake TrueConf Server for tests (needs the ``testing`` extra: aiohttp).

``FakeTrueConfServer`` runs a real aiohttp server (WebSocket + HTTP) on its own thread that speaks
the Chatbot Connector protocol as PROTOCOL.md describes it; ``SimulatedUser`` drives humans.
aiohttp is imported only when a server starts, so importing this package stays cheap.

Example::

    from . import FakeTrueConfServer

    with FakeTrueConfServer() as server:          # http://127.0.0.1:<free port>
        server.add_user("echo_bot", "secret")
        server.add_user("alice")
        token = server.issue_token("echo_bot")    # or POST /bridge/api/client/v1/oauth/token
        alice = server.user("alice")
        chat_id = alice.p2p_chat_with("echo_bot")
        alice.send_message(chat_id, "hello")      # a sendMessage event to every bot connection
        ...                                       # run the bot against server.url
        reply = alice.wait_for_message(chat_id, timeout=5)

Behaviour switches live in :class:`ServerConfig` (``server.config``, changeable at run time);
fault hooks: ``drop_connections``, ``delay_responses``, ``withhold_responses``/``release_responses``,
``fail_requests``, ``refuse_connections``, ``push_raw``, ``push_event``, ``expire_tokens``, and (in
``faults.py``) ``freeze_connections`` (half-open), ``ignore_pings``, ``drop_on`` (before the auth
answer, mid-call, mid-upload), ``fail_oauth``, ``duplicate_events``, ``reorder_responses``,
``push_frame`` and ``write_raw``. ``stop()`` then ``start()`` restarts on the same port with the same
state; ``ssl_context=`` serves HTTPS/WSS.
Standalone: ``python -m trueconf_sync.testing --port 8080 --bot echo_bot:secret`` (control API
documented in :mod:`trueconf_sync.testing.control`).
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
