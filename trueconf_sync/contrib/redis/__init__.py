"""Redis for bots that outgrow one process (extra ``redis``: ``pip install 'trueconf_sync[redis]'``).

* :class:`RedisStorage` -- the bot layer's dialog (FSM) storage in Redis, shared by every process.
* :class:`RedisStream` -- several processes connected as the same bot handle each incoming event
  once: ``client.distribute(RedisStream(url, group="my-bot"))`` (a Redis Stream with a consumer group).

``redis`` (redis-py) is imported when one of them is created, so importing this package is cheap.
"""

from __future__ import annotations

from .storage import RedisStorage
from .stream import RedisStream

__all__ = ["RedisStorage", "RedisStream"]
