"""Echo bot: repeats text messages, answers /start and /help.

Run it against the fake server (no TrueConf installation needed)::

    python -m trueconf_sync.testing --port 8080 --bot echo_bot:secret --user alice:secret &
    TRUECONF_SERVER=http://127.0.0.1:8080 TRUECONF_USERNAME=echo_bot TRUECONF_PASSWORD=secret \\
        python examples/echo_bot.py

or against a real server with ``TRUECONF_SERVER=video.example.com`` and the bot's credentials (or
``TRUECONF_TOKEN``). Stop it with Ctrl-C.
"""

from __future__ import annotations

import logging

from trueconf_sync import Client
from trueconf_sync.bot import Command, CommandObject, ContentType, Dispatcher, Router, client_from_env
from trueconf_sync.models import Message


def build(client: Client) -> Dispatcher:
    """Set the bot up on ``client`` (not yet connected); returns the attached dispatcher."""
    router = Router(name="echo")

    @router.message(Command("start"))
    def start(message: Message) -> None:
        message.answer("Hi! I repeat what you write. Send /help to see what else I can do.")

    @router.message(Command("help"))
    def help_(message: Message, command: CommandObject) -> None:
        topic = f" about {command.args!r}" if command.args else ""
        message.answer(f"No help{topic} yet: write me anything and I will write it back.")

    @router.message(ContentType("text"))
    def echo(message: Message) -> None:
        with client.typing(message.chat_id):  # "typing..." while we work
            message.reply(message.text or "", parse_mode=message.parse_mode)

    @router.message()
    def anything_else(message: Message) -> None:
        message.answer("I can only echo text.")

    dp = Dispatcher()
    dp.include_router(router)
    return dp.attach(client)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bot = client_from_env()
    build(bot).run(bot)
