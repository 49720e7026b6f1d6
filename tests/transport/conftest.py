"""Fixtures of the transport tests: a scripted raw-socket WebSocket server and clients driving it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from trueconf_sync import Client

from .scripted_server import Script, ScriptedServer


@pytest.fixture
def scripted() -> Iterator[Callable[..., tuple[ScriptedServer, Client]]]:
    """``scripted(script, connect=True, server_kwargs..., client=dict(...))`` -> (server, client).

    The client is ``Client(..., https=False, token="t", auto_reconnect=False)``; both are closed
    after the test.
    """
    made: list[tuple[ScriptedServer, Client]] = []

    def make(script: Script, *, connect: bool = True, client: dict[str, Any] | None = None,
             **server_kwargs: Any) -> tuple[ScriptedServer, Client]:
        server = ScriptedServer(script, **server_kwargs).start()
        kwargs: dict[str, Any] = {"https": False, "port": server.port, "token": "t", "auto_reconnect": False,
                                  "timeout": 5}
        kwargs.update(client or {})
        c = Client("127.0.0.1", **kwargs)
        made.append((server, c))
        if connect:
            c.connect()
        return server, c

    yield make
    for server, c in made:
        c.close(timeout=2.0)
        server.stop()
        assert not server.errors, server.errors
