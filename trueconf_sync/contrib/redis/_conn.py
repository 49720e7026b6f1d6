"""One way to get a redis-py client from a URL or an existing client (shared by storage and stream)."""

from __future__ import annotations

from typing import Any

from ...extras import require


def connect(url: Any, feature: str, **options: Any) -> tuple[Any, bool]:
    """``(client, owned)``: a new ``redis.Redis`` for ``url`` (owned: we close it) or the client given.

    Typed ``Any``: redis-py's own annotations differ between its versions (4.5 to 6).

    Raises:
        MissingExtraError: redis-py is not installed. TypeError: ``url`` is neither.
    """
    require("redis", "redis", feature)
    import redis as redis_py

    if isinstance(url, str):
        if not url.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"url must start with redis://, rediss:// or unix://, got {url[:20]!r}")
        return redis_py.Redis.from_url(url, **options), True
    if isinstance(url, redis_py.Redis):
        return url, False
    raise TypeError(f"url must be a redis:// URL or a redis.Redis client, got {type(url).__name__}")
