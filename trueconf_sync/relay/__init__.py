"""The notification relay: an HTTP front door (``/send``, Alertmanager, Grafana, incoming webhooks)
in front of a durable :class:`~trueconf_sync.outbox.Outbox`, delivering through one connection.

Run it with ``trueconf-sync relay`` (see :mod:`trueconf_sync.cli.relay`) or embed :class:`Relay`.
"""

from __future__ import annotations

from .formats import BadRequest
from .server import DEFAULT_MAX_BODY, Relay

__all__ = ["DEFAULT_MAX_BODY", "BadRequest", "Relay"]
