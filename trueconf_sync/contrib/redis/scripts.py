"""The Lua scripts of :class:`~trueconf_sync.contrib.redis.RedisStream` and its deduplication key.

Each script is one atomic step on the stream, so that concurrent processes cannot interleave
inside it; they run through redis-py's ``EVALSHA`` (loaded on first use).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["ACK_READ", "APPEND", "LEAVE", "event_key"]

#: KEYS: seen key, stream. ARGV: ttl seconds, frame JSON. The entry id, or false for a duplicate:
#: of all the connections that received one event, exactly one appends it.
APPEND = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], '*', 'f', ARGV[2])
end
return false
"""

#: KEYS: stream, attempts hash. ARGV: group, consumer, count, entry ids... Acknowledges and deletes
#: the entries (their handlers succeeded), then reads up to ``count`` new ones without waiting:
#: a busy consumer pays one round trip per batch instead of an XACK per entry plus a read.
ACK_READ = """
if #ARGV > 3 then
  local ids = {unpack(ARGV, 4)}
  redis.call('XACK', KEYS[1], ARGV[1], unpack(ids))
  redis.call('XDEL', KEYS[1], unpack(ids))
  redis.call('HDEL', KEYS[2], unpack(ids))
end
if tonumber(ARGV[3]) > 0 then
  return redis.call('XREADGROUP', 'GROUP', ARGV[1], ARGV[2], 'COUNT', ARGV[3], 'STREAMS', KEYS[1], '>')
end
return false
"""

#: KEYS: stream. ARGV: group, consumer. Removes the consumer only when nothing is pending for it.
LEAVE = """
local pending = redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2])
if #pending == 0 then
  return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
end
return -1
"""


def event_key(frame: dict[str, Any]) -> str:
    """The deduplication key of a server request: ``sendMessage`` by message id, others by content."""
    method = frame.get("method")
    payload = frame.get("payload")
    if method == "sendMessage" and isinstance(payload, dict) and isinstance(payload.get("messageId"), str):
        return f"m:{payload['messageId']}"
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
    return f"e:{method}:{digest[:32]}"
