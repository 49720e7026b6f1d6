"""A durable outbox: messages stored in SQLite before they are sent, delivered by one thread.

:class:`Outbox` is the public entry point; :mod:`.store` is its database, :mod:`.delivery` the
sending of one entry (recipients, parts, the crash check, what counts as a permanent failure).
The relay (:mod:`trueconf_sync.relay`) serves HTTP in front of an outbox.
"""

from __future__ import annotations

from .delivery import PERMANENT_CODES
from .outbox import MAX_FILES, MAX_KEY_LENGTH, Outbox, Receipt
from .store import DEAD, PENDING, SENT, Entry, OutboxStats

__all__ = ["DEAD", "MAX_FILES", "MAX_KEY_LENGTH", "PENDING", "PERMANENT_CODES", "SENT", "Entry", "Outbox",
           "OutboxStats", "Receipt"]
