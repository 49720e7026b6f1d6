"""The bot that ``python manage.py trueconf_bot`` runs (``TRUECONF["HANDLERS"]`` names :func:`setup`).

``/status`` answers how many alerts there are; any other text is recorded as an alert.
"""

from __future__ import annotations

from django.db import close_old_connections

from trueconf_sync import Client, Message

from .models import Alert


def setup(client: Client) -> None:
    """Register the bot's handlers on ``client``."""

    @client.on_message
    def on_message(message: Message) -> None:
        text = (message.text or "").strip()
        if not text:
            return
        close_old_connections()  # handlers run on long-lived threads: drop stale DB connections
        try:
            if text == "/status":
                message.reply(f"{Alert.objects.count()} alert(s) recorded.")
                return
            alert = Alert.objects.create(text=text, recipient=message.author.id, source="chat")
            message.reply(f"Recorded as alert #{alert.pk}.")
        finally:
            close_old_connections()
