"""Commands in the official SDK's style: ``Command`` with arguments, and a chat-created greeting."""

from __future__ import annotations

from trueconf_sync.bot import Command, CommandObject, Dispatcher, F, Router, client_from_env
from trueconf_sync.models import Chat, Message

router = Router()


@router.message(Command("start"))
def start(message: Message) -> None:
    message.answer(f"Hello, {message.from_user.display_name or message.from_user.id}!")


@router.message(Command("sum", magic=F.args.regexp(r"^-?[0-9]+( -?[0-9]+)*$")))
def add_up(message: Message, command: CommandObject) -> None:
    message.answer(str(sum(int(part) for part in (command.args or "").split())))


@router.message(Command("sum"))
def sum_usage(message: Message) -> None:
    message.answer("Usage: /sum 1 2 3")


@router.created_group_chat()
def greet_group(event: Chat, bot: object) -> None:
    bot.send_message(event.chat_id, f"Hi, {event.title}! Send /start.")  # type: ignore[attr-defined]


dp = Dispatcher()
dp.include_router(router)


def main() -> None:
    dp.run(client_from_env())


if __name__ == "__main__":
    main()
