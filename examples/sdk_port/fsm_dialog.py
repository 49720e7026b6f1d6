"""A two-step dialog in the official SDK's style: ``StatesGroup``, ``FSMContext``, ``Command``."""

from __future__ import annotations

from trueconf_sync.bot import Command, Dispatcher, F, FSMContext, MemoryStorage, Router, State, StatesGroup
from trueconf_sync.bot import client_from_env
from trueconf_sync.models import Message


class Form(StatesGroup):
    name = State()
    age = State()


router = Router()


@router.message(Command("form"))
def start_form(message: Message, state: FSMContext) -> None:
    state.set_state(Form.name)
    message.answer("What is your name?")


@router.message(Command("cancel"))
def cancel(message: Message, state: FSMContext) -> None:
    state.clear()
    message.answer("Cancelled.")


@router.message(Form.name, F.text)
def got_name(message: Message, state: FSMContext) -> None:
    state.update_data(name=message.text)
    state.set_state(Form.age)
    message.answer("How old are you?")


@router.message(Form.age, F.text.regexp(r"^[0-9]+$"))
def got_age(message: Message, state: FSMContext) -> None:
    data = state.get_data()
    state.clear()
    message.answer(f"{data['name']}, {message.text} years old. Thanks!")


@router.message(Form.age)
def bad_age(message: Message) -> None:
    message.answer("Please send a number.")


dp = Dispatcher(storage=MemoryStorage())
dp.include_router(router)


def main() -> None:
    dp.run(client_from_env())


if __name__ == "__main__":
    main()
