"""Settings of the scale-out example, from the environment (one place for the bot, worker and web app).

TRUECONF_SERVER (host or http(s)://host:port), TRUECONF_TOKEN, REDIS_URL; optional BOT_GROUP.
"""

from __future__ import annotations

import os

from trueconf_sync import Client

SERVER = os.environ.get("TRUECONF_SERVER", "video.example.com")
TOKEN = os.environ.get("TRUECONF_TOKEN", "")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
GROUP = os.environ.get("BOT_GROUP", "scale-out-bot")


def make_client(**options: object) -> Client:
    """A client of the bot account (plain http:// servers are the fake server of the tests)."""
    https = not SERVER.startswith("http://")
    host = SERVER.split("://", 1)[-1]
    return Client(host, token=TOKEN, https=https, **options)  # type: ignore[arg-type]
