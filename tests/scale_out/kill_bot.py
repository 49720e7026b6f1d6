"""A bot process for the SIGKILL test: one of the processes that first meets KILL_ON dies in its handler.

Environment: TRUECONF_SERVER, TRUECONF_TOKEN, REDIS_URL, BOT_GROUP, KILL_ON. The first process whose
handler gets the KILL_ON message (a Redis SET NX decides) kills itself with SIGKILL, mid-run, with
entries still in flight; the others must take them over. One handler thread, so nothing else of the
dying process is between its reply and its XACK.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

import redis

from trueconf_sync import Client
from trueconf_sync.contrib.redis import RedisStream

server = os.environ["TRUECONF_SERVER"].split("://", 1)[-1]
client = Client(server, token=os.environ["TRUECONF_TOKEN"], https=False, ack="after_handling")
client.distribute(RedisStream(os.environ["REDIS_URL"], group=os.environ["BOT_GROUP"], claim_idle=1.0,
                              block=0.2, prefetch=4))
flags: Any = redis.Redis.from_url(os.environ["REDIS_URL"])


@client.on_message
def answer(message: Any) -> None:
    time.sleep(0.005)
    if message.text == os.environ["KILL_ON"] and flags.set("killed", os.getpid(), nx=True):
        os.kill(os.getpid(), signal.SIGKILL)
    message.reply(f"done: {message.text} by {os.getpid()}")


client.run_forever()
