"""Inline buttons in the official SDK's style: a keyboard, ``callback_query`` handlers,
``edit_message`` that keeps the buttons and ``answer`` for a button that waits for one."""

from __future__ import annotations

from trueconf_sync.bot import CallbackQuery, Command, Dispatcher, F, Router, client_from_env
from trueconf_sync.keyboard import Button, InlineKeyboard
from trueconf_sync.models import Message

router = Router()


def counter_keyboard() -> InlineKeyboard:
    return InlineKeyboard().row(Button.command("+1", "inc", id="inc", wait_reply=True),
                                Button.command("Done", "done", id="done"))


@router.message(Command("counter"))
def counter(message: Message) -> None:
    message.answer("Count: 0", buttons=counter_keyboard())


@router.callback_query(F.command == "inc")
def increment(query: CallbackQuery) -> None:
    text = query.message.text if query.message is not None else None
    shown = int((text or "Count: 0").split(": ")[1])
    query.edit_message(f"Count: {shown + 1}")  # the buttons stay
    if query.command_id:
        query.answer("Counted", answer_type="complete", status="ok")


@router.callback_query(F.command == "done")
def done(query: CallbackQuery) -> None:
    query.edit_message(buttons=None)  # the text stays, the buttons go
    if query.message is not None:
        query.message.answer("Finished.")


dp = Dispatcher()
dp.include_router(router)


def main() -> None:
    dp.run(client_from_env())


if __name__ == "__main__":
    main()
