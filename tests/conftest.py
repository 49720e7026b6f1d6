"""Shared helpers of the client tests (tests/test_client_*.py).

The fake server and client fixtures (``trueconf_server``, ``trueconf_client``,
``trueconf_client_factory``) come from the ``trueconf_sync`` pytest plugin.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest


def _wait_until(predicate: Callable[[], Any], timeout: float = 5.0, interval: float = 0.01,
                message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout} s")
        time.sleep(interval)


@pytest.fixture
def wait_until() -> Callable[..., Any]:
    """``wait_until(predicate, timeout=5.0)``: poll until truthy, else fail the test."""
    return _wait_until


@pytest.fixture
def trueconf_threads() -> Callable[[], set[threading.Thread]]:
    """``trueconf_threads()``: the live threads the library started (names begin with ``trueconf``)."""
    def live() -> set[threading.Thread]:
        return {t for t in threading.enumerate() if t.name.startswith("trueconf") and t.is_alive()}
    return live


@pytest.fixture
def alice(trueconf_server: Any) -> Any:
    """The simulated user ``alice``."""
    return trueconf_server.user("alice")


@pytest.fixture
def bob(trueconf_server: Any) -> Any:
    """The simulated user ``bob``."""
    return trueconf_server.user("bob")


@pytest.fixture
def alice_chat(trueconf_client: Any, alice: Any) -> str:
    """The P2P chat of the bot (``trueconf_client``) and alice, opened by the bot."""
    chat_id: str = trueconf_client.create_p2p_chat(alice.user_id)
    return chat_id
