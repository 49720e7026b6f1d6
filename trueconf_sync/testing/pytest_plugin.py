"""pytest plugin (entry point ``pytest11``): fixtures for a running fake server and a connected client.

Fixtures:

* ``trueconf_server`` -- a started :class:`~trueconf_sync.testing.FakeTrueConfServer` with the bot
  account ``echo_bot`` and the people ``alice`` and ``bob`` (password ``"password"`` each).
* ``trueconf_client`` -- a :class:`~trueconf_sync.Client` of ``echo_bot``, connected to it.
* ``trueconf_client_factory`` -- ``make(login="echo_bot", **client_kwargs)`` for more clients;
  every client made is closed after the test.

Everything is imported lazily, so the plugin costs nothing when the fixtures are not used (and
works without aiohttp installed until a fixture needs the server).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from .. import Client
    from .server import FakeTrueConfServer

BOT = "echo_bot"
PEOPLE = ("alice", "bob")
PASSWORD = "password"


@pytest.fixture
def trueconf_server() -> Iterator[FakeTrueConfServer]:
    """A running fake TrueConf server on a free loopback port, with echo_bot, alice and bob."""
    from ..extras import MissingExtraError, require

    missing: MissingExtraError | None = None
    try:
        require("aiohttp", "testing", "the trueconf_server fixture (the fake TrueConf server)")
    except MissingExtraError as exc:
        missing = exc
    if missing is not None:  # outside the except block: one line, no chained traceback
        pytest.fail(str(missing), pytrace=False)
    from .server import FakeTrueConfServer

    with FakeTrueConfServer() as server:
        for login in (BOT, *PEOPLE):
            server.add_user(login, password=PASSWORD)
        yield server


@pytest.fixture
def trueconf_client_factory(trueconf_server: FakeTrueConfServer) -> Iterator[Callable[..., Client]]:
    """Make clients connected to ``trueconf_server``: ``make(login="echo_bot", **kwargs)``."""
    from .. import Client

    made: list[Client] = []

    def make(login: str = BOT, *, connect: bool = True, **kwargs: Any) -> Client:
        if "username" not in kwargs and "token" not in kwargs:
            kwargs["token"] = trueconf_server.issue_token(login)
        kwargs.setdefault("port", trueconf_server.port)
        kwargs.setdefault("https", False)
        client = Client(trueconf_server.host, **kwargs)
        made.append(client)
        if connect:
            client.connect()
        return client

    yield make
    for client in made:
        client.close(timeout=2.0)


@pytest.fixture
def trueconf_client(trueconf_client_factory: Callable[..., Client]) -> Client:
    """A :class:`~trueconf_sync.Client` of ``echo_bot``, connected to ``trueconf_server``."""
    return trueconf_client_factory()
