"""The Celery side: send tasks for every API method, and a task that handles forwarded events.

    REDIS_URL=... TRUECONF_SERVER=... TRUECONF_TOKEN=... celery -A tasks worker -c 2

Web apps (web.py) call ``tasks.send_message.delay(...)``; each worker process holds one client.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from settings import REDIS_URL, make_client

from trueconf_sync.contrib.celery import parse_event, register_tasks

app = Celery("scale_out", broker=REDIS_URL, backend=REDIS_URL)
app.conf.update(task_acks_late=True, worker_prefetch_multiplier=1, broker_connection_retry_on_startup=True)
tasks = register_tasks(app, make_client)


@app.task(name="scale_out.on_event")
def on_event(data: dict[str, Any]) -> None:
    """Handle an event forwarded by a CeleryForwarder client: reply through the send task."""
    event = parse_event(data)
    text = getattr(event, "text", None)
    if data["method"] == "sendMessage" and text:
        tasks.send_message.delay(event.chat_id, f"celery: {text}", reply_message_id=event.message_id)
