"""Fixtures of the scale-out tests: a real ``redis-server`` per test session, in a temp dir.

The binary comes from the Debian package ``redis-server`` (.ci/run installs it). Missing outside CI:
the tests are skipped with the reason; missing in CI (``CI=true``): they fail.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest


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


@pytest.fixture
def redis_url(redis_server: RedisServer) -> Iterator[str]:
    """The URL of an empty database of the session's redis-server (emptied again afterwards)."""
    import redis

    client: Any = redis.Redis.from_url(redis_server.url())
    client.flushdb()
    yield redis_server.url()
    client.flushdb()
    client.close()
