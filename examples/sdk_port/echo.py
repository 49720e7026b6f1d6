"""Echo bot in the official SDK's style: one router, a magic filter, ``message.answer``."""

from __future__ import annotations

from trueconf_sync.bot import Dispatcher, F, Router, client_from_env
from trueconf_sync.models import Message

router = Router()


@router.message(F.text)
def echo(message: Message) -> None:
    message.answer(message.text or "")


@router.message(F.photo)
def photo(message: Message) -> None:
    message.reply("Nice picture!")


dp = Dispatcher()
dp.include_router(router)


def main() -> None:
    dp.run(client_from_env())


if __name__ == "__main__":
    main()
