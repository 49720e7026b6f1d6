"""Admin bot: commands and roles, with the three kinds of middleware.

* access control: ``RoleMiddleware`` (outer) puts ``role`` ("admin" or "user") into every
  handler's data; the admin router's filter lets only admins in.
* throttling: ``/report`` may be used once per 30 s per user (``ThrottlingMiddleware``).
* logging: every event and how long it took (``LoggingMiddleware``).

Commands: ``/help``, ``/whoami``, ``/report <text>`` (sent to every admin); admins also have
``/admins``, ``/promote <user>``, ``/demote <user>`` and ``/stats``. Run it against the fake
server with ``TRUECONF_ADMINS=alice`` (comma-separated logins or TrueConf IDs)::

    python -m trueconf_sync.testing --port 8080 --bot admin_bot:secret --user alice:secret --user bob:secret &
    TRUECONF_SERVER=http://127.0.0.1:8080 TRUECONF_USERNAME=admin_bot TRUECONF_PASSWORD=secret \\
        TRUECONF_ADMINS=alice python examples/admin_bot.py
"""

from __future__ import annotations

import logging
import os
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from trueconf_sync import ApiError, ChatType, Client
from trueconf_sync.bot import (
    BaseMiddleware,
    Command,
    CommandObject,
    Dispatcher,
    LoggingMiddleware,
    Router,
    ThrottlingMiddleware,
    client_from_env,
)
from trueconf_sync.bot.middleware import NextHandler
from trueconf_sync.ids import normalize_user_id, same_user
from trueconf_sync.models import Message


class RoleMiddleware(BaseMiddleware):
    """Access control: adds ``role`` to the data; admins are kept in a set that commands can change.

    Identities are compared in full: a bare login means a user of the bot's own server, so
    ``alice@evil.example`` (another, federated server) is never the admin ``alice``.
    """

    def __init__(self, admins: Iterable[str]) -> None:
        self.admins = {a.strip() for a in admins if a.strip()}  # completed with the bot's server when used
        self.lock = threading.Lock()

    def full_ids(self, home: str | None) -> list[str]:
        with self.lock:
            return sorted({normalize_user_id(a, home) for a in self.admins})

    def is_admin(self, user: str, home: str | None) -> bool:
        with self.lock:
            return any(same_user(user, admin, home) for admin in self.admins)

    def __call__(self, handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        home = data["client"].user_id
        data["role"] = "admin" if data["event_user_id"] and self.is_admin(data["event_user_id"], home) else "user"
        data["roles"] = self
        return handler(event, data)


def build(client: Client, admins: Iterable[str] = ()) -> Dispatcher:
    """Set the bot up on ``client`` with these admins (logins or TrueConf IDs)."""
    roles = RoleMiddleware(admins)
    stats: Counter[str] = Counter()
    public, reports, admin = Router(name="public"), Router(name="reports"), Router(name="admin")
    admin.filter(lambda role: role == "admin")

    @public.message(Command("help", "start"))
    def help_(message: Message, role: str) -> None:
        lines = ["/whoami - your role", "/report <text> - tell the admins"]
        if role == "admin":
            lines += ["/admins - list admins", "/promote <user>, /demote <user>", "/stats - messages seen"]
        message.answer("\n".join(lines))

    @public.message(Command("whoami"))
    def whoami(message: Message, role: str, event_user_id: str) -> None:
        text = f"You are {event_user_id}, role: {role}."
        if message.chat_type not in (None, ChatType.P2P):
            try:
                member = client.get_chat_participant(message.chat_id, event_user_id)
                text += f" In this chat: {member.role.value}."
            except ApiError:
                pass
        message.answer(text)

    @reports.message(Command("report"))
    def report(message: Message, command: CommandObject, event_user_id: str) -> None:
        if not command.args:
            message.answer("Usage: /report <what happened>")
            return
        targets = roles.full_ids(client.user_id)
        for login in targets:
            chat = client.create_p2p_chat(login)
            client.send_message(chat, f"Report from {event_user_id}: {command.args}")
        message.answer(f"Thanks, sent to {len(targets)} admin(s).")

    def too_fast(event: Any, data: dict[str, Any]) -> None:
        event.answer("Please wait 30 seconds between reports.")

    reports.middleware(ThrottlingMiddleware(30, on_throttled=too_fast))  # inner: only for /report

    @admin.message(Command("admins"))
    def list_admins(message: Message) -> None:
        message.answer("Admins: " + ", ".join(roles.full_ids(client.user_id)))

    @admin.message(Command("promote", "demote"))
    def change(message: Message, command: CommandObject) -> None:
        if len(command.arg_list) != 1:
            message.answer(f"Usage: /{command.command} <user>")
            return
        user = normalize_user_id(command.arg_list[0], client.user_id)
        with roles.lock:
            if command.command == "promote":
                roles.admins.add(user)
            else:
                roles.admins -= {a for a in roles.admins if same_user(a, user, client.user_id)}
        message.answer(f"{user} is now {'an admin' if command.command == 'promote' else 'a user'}.")

    @admin.message(Command("stats"))
    def show_stats(message: Message) -> None:
        message.answer(", ".join(f"{user}: {n}" for user, n in stats.most_common()) or "nothing yet")

    @public.message(Command("admins", "promote", "demote", "stats"))
    def denied(message: Message) -> None:  # reached only when the admin router let it pass
        message.answer("Sorry, only admins may do that.")

    @public.message()
    def other(message: Message) -> None:
        message.answer("Unknown command; see /help.")

    dp = Dispatcher()
    dp.outer_middleware(LoggingMiddleware())
    dp.outer_middleware(roles)

    @dp.outer_middleware
    def count(handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        if data["event_kind"] == "message":
            stats[normalize_user_id(data["event_user_id"], client.user_id)] += 1
        return handler(event, data)

    dp.include_routers(admin, reports, public)
    return dp.attach(client)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bot = client_from_env()
    build(bot, [a for a in os.environ.get("TRUECONF_ADMINS", "").split(",") if a]).run(bot)
