"""Inbound to Celery: a client that forwards every event to the ``scale_out.on_event`` task.

The server is acked only after the broker accepted the task; the task replies through Celery too.
"""

from __future__ import annotations

import logging

from settings import make_client
from tasks import on_event

from trueconf_sync.contrib.celery import CeleryForwarder


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    client = make_client(ack="after_handling")
    client.distribute(CeleryForwarder(on_event))
    client.run_forever()


if __name__ == "__main__":
    main()
