"""Shared helpers of the client tests (tests/test_client_*.py), and the session's real redis-server.

The fake server and client fixtures (``trueconf_server``, ``trueconf_client``,
``trueconf_client_factory``) come from the ``trueconf_sync`` pytest plugin. ``redis_server`` is a
real ``redis-server`` (Debian package, .ci/run installs it) in a temp dir on a free port, one per
session: missing outside CI the tests using it are skipped with the reason; missing in CI
(``CI=true``) they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
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


# ---- a real redis-server ----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """A running ``redis-server`` subprocess (no persistence) on a free loopback port."""

    def __init__(self, binary: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="trueconf-redis-")
        self.port = _free_port()
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir, "--save", "",
             "--appendonly", "no", "--protected-mode", "no", "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while not _ping(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server did not start on port {self.port}")
            time.sleep(0.05)

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the whole test session (skipped, or in CI failed, when missing)."""
    binary = shutil.which("redis-server")
    if binary is None:
        reason = "redis-server is not installed (Debian: apt-get install -y redis-server)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; CI must provide it (.ci/run installs it)")
        pytest.skip(reason)
    pytest.importorskip("redis", reason="redis-py is not installed (pip install 'trueconf_sync[redis]')")
    server = RedisServer(binary)
    try:
        yield server
    finally:
        server.stop()
