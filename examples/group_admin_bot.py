#!/usr/bin/env python3
"""Group admin bot: runs a group chat on command and welcomes newcomers.

Commands, written in the group chat (only by its owner and admins, except ``/help``)::

    /add LOGIN       add a person           /promote LOGIN   make a person an admin
    /remove LOGIN    remove a person        /title TEXT      rename the chat
    /members         list members and roles /help            this list

Run it against the fake server (no TrueConf installation needed); ``--create`` makes a new group
chat owned by the bot and ``--admin`` adds people to it as admins::

    python -m trueconf_sync.testing --port 8080 --bot admin_bot:secret --user alice:secret --user bob:secret &
    TRUECONF_SERVER=http://127.0.0.1:8080 TRUECONF_USERNAME=admin_bot TRUECONF_PASSWORD=secret \\
        python examples/group_admin_bot.py --create "Ops team" --admin alice

Without ``--create``, add the bot to an existing group chat and make it an admin there. It stops
on Ctrl-C or SIGTERM (as under systemd), closing the connection cleanly.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Callable

from trueconf_sync import ApiError, ChatType, Client, Message, Role
from trueconf_sync.cli import client_from_env
from trueconf_sync.models import ParticipantAdded

log = logging.getLogger("group_admin_bot")

ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})
HELP = (
    "Commands for the chat's owner and admins:\n"
    "/add LOGIN, /remove LOGIN, /promote LOGIN, /title TEXT, /members, /help"
)


class GroupAdmin:
    """The bot's behaviour: one method per command, run on the client's handler thread."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.commands: dict[str, Callable[[str, str], str]] = {
            "add": self.add, "remove": self.remove, "promote": self.promote,
            "title": self.title, "members": self.members,
        }

    def is_admin(self, chat_id: str, user_id: str) -> bool:
        """True when ``user_id`` is an owner or admin of the chat."""
        try:
            return self.client.get_chat_participant(chat_id, user_id).role in ADMIN_ROLES
        except ApiError as exc:
            if exc.code == 305:  # not a member at all
                return False
            raise

    def add(self, chat_id: str, login: str) -> str:
        self.client.add_chat_participant(chat_id, login, display_history=True)
        return f"Welcome, {login}! Write /help to see what I can do."

    def remove(self, chat_id: str, login: str) -> str:
        self.client.remove_chat_participant(chat_id, login)
        return f"{login} was removed from the chat."

    def promote(self, chat_id: str, login: str) -> str:
        self.client.change_participant_role(chat_id, login, Role.ADMIN)
        return f"{login} is now an admin."

    def title(self, chat_id: str, text: str) -> str:
        self.client.edit_chat_title(chat_id, text)
        return f"Chat renamed to {text!r}."

    def members(self, chat_id: str, _: str) -> str:
        people = self.client.get_chat_participants(chat_id, page_size=100)
        return "\n".join(f"{p.user_id} ({p.role.value})" for p in people)

    def on_message(self, message: Message) -> None:
        """Run a ``/command`` from a group chat and answer it as a reply."""
        text = (message.text or "").strip()
        if not text.startswith("/"):
            return
        if message.chat_type == ChatType.P2P:
            message.reply("Add me to a group chat and make me an admin there; then write /help in it.")
            return
        name, _, argument = text[1:].partition(" ")
        command = self.commands.get(name.lower())
        if command is None:
            message.reply(HELP)
            return
        if not self.is_admin(message.chat_id, message.author.id):
            message.reply(f"Only the chat's owner and admins can use /{name}.")
            return
        if not argument.strip() and name != "members":
            message.reply(f"/{name} needs an argument; see /help.")
            return
        try:
            answer = command(message.chat_id, argument.strip())
        except (ApiError, ValueError) as exc:  # e.g. 303 not enough rights, 309 already a member
            answer = f"/{name} failed: {exc}"
        message.reply(answer)

    def on_participant_added(self, event: ParticipantAdded) -> None:
        """Greet people that someone else added (the bot's own /add greets in its answer)."""
        if event.user_id != self.client.user_id:
            self.client.send_message(event.chat_id, f"Welcome, {event.user_id}! Write /help to see what I can do.")


def main(argv: list[str] | None = None) -> int:
    """Connect, optionally create the group chat, and handle commands until stopped."""
    parser = argparse.ArgumentParser(description="A bot that administers TrueConf group chats.")
    parser.add_argument("--create", metavar="TITLE", help="create a new group chat owned by the bot")
    parser.add_argument("--admin", action="append", default=[], metavar="LOGIN",
                        help="with --create: add this person as an admin (repeatable)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops it like Ctrl-C

    client = client_from_env(workers=4)  # different chats are handled in parallel, each in order
    bot = GroupAdmin(client)
    client.on_message(bot.on_message)
    client.on_participant_added(bot.on_participant_added)
    client.connect()
    if args.create:
        chat_id = client.create_group_chat(args.create)
        for login in args.admin:
            client.add_chat_participant(chat_id, login, display_history=True)
            client.change_participant_role(chat_id, login, Role.ADMIN)
        print(f"group chat {chat_id} created", flush=True)
    print(f"{client.user_id} is running; Ctrl-C to stop", flush=True)
    client.run_forever()  # returns after Ctrl-C / SIGTERM, with the client closed
    return 0


if __name__ == "__main__":
    sys.exit(main())
