"""The Celery app of test_celery.py's worker subprocess (broker and client settings from the environment)."""

from __future__ import annotations

import os

from celery import Celery

from trueconf_sync import Client
from trueconf_sync.contrib.celery import register_tasks

app = Celery("trueconf_test", broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])
app.conf.update(broker_connection_retry_on_startup=True, task_acks_late=True, worker_prefetch_multiplier=1)


def make_client() -> Client:
    host = os.environ["TRUECONF_SERVER"].split("://", 1)[-1]
    return Client(host, token=os.environ["TRUECONF_TOKEN"], https=False, timeout=3, auto_reconnect=False)


tasks = register_tasks(app, make_client, retry_backoff=0.05, retry_backoff_max=0.2, max_retries=4)
