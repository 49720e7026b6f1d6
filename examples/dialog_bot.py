"""Survey bot: a multi-step dialog with state (name, age, a rating by buttons, a comment).

Every user has their own dialog in every chat. With ``TRUECONF_FSM_DB=survey.db`` the dialogs live
in an SQLite file, so a restarted bot continues where each user stopped. Run it against the fake
server::

    python -m trueconf_sync.testing --port 8080 --bot survey_bot:secret --user alice:secret &
    TRUECONF_SERVER=http://127.0.0.1:8080 TRUECONF_USERNAME=survey_bot TRUECONF_PASSWORD=secret \\
        TRUECONF_FSM_DB=survey.db python examples/dialog_bot.py
"""

from __future__ import annotations

import logging
import os

from trueconf_sync import Client
from trueconf_sync.bot import (
    CallbackData,
    Command,
    Dispatcher,
    FSMContext,
    MemoryStorage,
    Router,
    SQLiteStorage,
    State,
    StatesGroup,
    Storage,
    any_state,
    client_from_env,
)
from trueconf_sync.keyboard import InlineKeyboard
from trueconf_sync.models import Message


class Survey(StatesGroup):
    name = State()
    age = State()
    rating = State()
    comment = State()


class Rating(CallbackData, prefix="rate"):
    score: int


def rating_keyboard() -> InlineKeyboard:
    """Five buttons, 1 to 5, each carrying its score."""
    return InlineKeyboard().row(*(Rating(score=n).as_button(str(n), id=f"rate-{n}") for n in range(1, 6)))


def build(client: Client, storage: Storage | None = None) -> Dispatcher:
    """Set the survey up on ``client``; finished surveys are appended to ``dp["results"]``."""
    router = Router(name="survey")
    results: list[dict[str, object]] = []

    @router.message(Command("cancel"), any_state)
    def cancel(message: Message, state: FSMContext) -> None:
        if state.get_state() is None:
            message.answer("Nothing to cancel. Send /survey to start.")
            return
        state.clear()
        message.answer("Survey cancelled. Send /survey to start again.")

    @router.message(Command("survey", "start"))
    def start(message: Message, state: FSMContext) -> None:
        state.clear()
        state.set_state(Survey.name)
        message.answer("Welcome to the survey (send /cancel to stop at any time). What is your name?")

    @router.message(Survey.name)
    def got_name(message: Message, state: FSMContext) -> None:
        name = (message.text or "").strip()
        if not 0 < len(name) <= 64:
            message.answer("Please send your name as text (up to 64 characters).")
            return
        state.update_data(name=name)
        state.set_state(Survey.age)
        message.answer(f"Nice to meet you, {name}. How old are you?")

    @router.message(Survey.age)
    def got_age(message: Message, state: FSMContext) -> None:
        text = (message.text or "").strip()
        if not text.isdigit() or not 1 <= int(text) <= 120:
            message.answer("Please send your age as a number from 1 to 120.")
            return
        state.update_data(age=int(text))
        state.set_state(Survey.rating)
        message.answer("How do you like our service?", buttons=rating_keyboard())

    @router.button_clicked(Rating.filter(), Survey.rating)
    def got_rating(message: Message, callback_data: Rating, state: FSMContext) -> None:
        state.update_data(rating=callback_data.score)
        state.set_state(Survey.comment)
        message.edit(f"How do you like our service? You chose {callback_data.score}.")  # removes the buttons
        message.answer("Any comment? Send it, or /skip.")

    @router.message(Survey.rating)
    def rating_as_text(message: Message) -> None:
        message.answer("Please press one of the buttons above.")

    @router.message(Survey.comment)
    def got_comment(message: Message, state: FSMContext, event_user_id: str) -> None:
        comment = None if (message.text or "").strip() == "/skip" else message.text
        data = state.update_data(comment=comment)
        state.clear()
        results.append({"user": event_user_id, **data})
        message.answer(f"Thank you, {data['name']}! Age {data['age']}, rating {data['rating']}/5"
                       + (f', comment: "{comment}"' if comment else ", no comment") + ".")

    @router.message()
    def idle(message: Message) -> None:
        message.answer("Send /survey to take the survey.")

    dp = Dispatcher(storage=storage or MemoryStorage(), results=results)
    dp.include_router(router)
    return dp.attach(client)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    path = os.environ.get("TRUECONF_FSM_DB")
    bot = client_from_env()
    build(bot, SQLiteStorage(path) if path else None).run(bot)
