"""Builds the aiohttp application: WebSocket, HTTP endpoints and (optionally) the control API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from .core import Core

if TYPE_CHECKING:
    from .server import FakeTrueConfServer

CORE_KEY = web.AppKey("core", Core)


def core_of(request: web.Request) -> Core:
    """The :class:`Core` serving ``request``."""
    return request.app[CORE_KEY]


def build_app(core: Core, server: FakeTrueConfServer | None = None) -> web.Application:
    """One application on one port; ``server`` given = also mount the ``/_fake/`` control API."""
    from . import http, ws

    app = web.Application(client_max_size=1024 ** 4)
    app[CORE_KEY] = core
    for path in ws.WS_PATHS:
        app.router.add_get(path, ws.websocket_handler)
    http.add_routes(app)
    if server is not None:
        from . import control
        control.add_routes(app, server)
    return app
