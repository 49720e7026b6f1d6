"""Fixtures of the scale-out tests: an empty database of the session's real ``redis-server``.

The server itself (``redis_server``) is a fixture of tests/conftest.py, shared with the README test.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture
def redis_url(redis_server: Any) -> Iterator[str]:
    """The URL of an empty database of the session's redis-server (emptied again afterwards)."""
    import redis

    client: Any = redis.Redis.from_url(redis_server.url())
    client.flushdb()
    yield redis_server.url()
    client.flushdb()
    client.close()
