"""One bot process of several: every process connects as the same bot; each message is handled once.

    REDIS_URL=redis://127.0.0.1:6379/0 TRUECONF_SERVER=... TRUECONF_TOKEN=... python bot.py

Run it two (or more) times, on one machine or several: the processes share the work through a
Redis Stream, and when one dies the others take over its messages after CLAIM_IDLE seconds.
"""

from __future__ import annotations

import logging
import os

from settings import GROUP, REDIS_URL, make_client

from trueconf_sync.contrib.redis import RedisStream


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    client = make_client(ack="after_handling", workers=2)
    client.distribute(RedisStream(REDIS_URL, group=GROUP, claim_idle=float(os.environ.get("CLAIM_IDLE", "30"))))

    @client.on_message
    def answer(message):  # type: ignore[no-untyped-def]
        message.reply(f"done: {message.text}")

    client.run_forever()


if __name__ == "__main__":
    main()
