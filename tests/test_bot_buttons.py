"""Bot framework: button clicks, callback-data factories, state in button dialogs."""

from __future__ import annotations

import enum
import re
import uuid
from typing import Any

import pytest
from test_bot_helpers import ask, next_text, start_bot

from trueconf_sync.api.models import ButtonClicked, CommandPayload, Message
from trueconf_sync.bot import CallbackData, Clicked, Command, Dispatcher, FSMContext, MemoryStorage, State, StatesGroup
from trueconf_sync.text.keyboard import Button, InlineKeyboard


class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Vote(CallbackData, prefix="vote"):
    poll: int
    choice: str
    weight: float = 1.0
    secret: bool = False


class Everything(CallbackData, prefix="all", sep="|"):
    text: str
    color: Color
    ident: uuid.UUID
    maybe: int | None = None


class Poll(StatesGroup):
    voting = State()


def poll_keyboard() -> InlineKeyboard:
    keyboard = InlineKeyboard().row(Vote(poll=7, choice="tea").as_button("Tea", id="tea"),
                                    Vote(poll=7, choice="coffee", weight=0.5).as_button("Coffee", id="coffee"))
    return keyboard.row(Button.command("Help", "help", id="help"))


def poll_bot(storage: MemoryStorage) -> Dispatcher:
    dp = Dispatcher(storage=storage)

    @dp.message(Command("poll"))
    def start(message: Message, state: FSMContext) -> None:
        state.set_state(Poll.voting)
        state.update_data(question="Tea or coffee?")
        message.answer("Tea or coffee?", buttons=poll_keyboard())

    @dp.button_clicked(Vote.filter(choice={"tea", "coffee"}), Poll.voting)
    def voted(click: ButtonClicked, callback_data: Vote, state: FSMContext, message: Message,
              event_user_id: str) -> None:
        question = state.get_data()["question"]
        state.clear()
        message.edit(f"{question} (closed)", buttons=poll_keyboard())  # an edit without buttons drops them
        message.answer(f"{event_user_id.split('@')[0]} voted {callback_data.choice} x{callback_data.weight} "
                       f"in poll {callback_data.poll}")

    @dp.button_clicked(Vote.filter())
    def too_late(message: Message) -> None:
        message.answer("the poll is closed")

    @dp.button("help")
    def help_(message: Message, click: ButtonClicked) -> None:
        message.answer(f"help requested (button {click.command_source.button_id})")

    return dp


def test_button_clicks_with_callback_data_and_state(trueconf_server: Any, trueconf_client_factory: Any,
                                                    alice: Any) -> None:
    storage = MemoryStorage()
    start_bot(trueconf_client_factory, poll_bot(storage))
    chat = alice.p2p_chat_with("echo_bot")
    assert ask(alice, chat, "/poll") == "Tea or coffee?"
    poll_message = trueconf_server.chat_messages(chat)[-1]
    assert poll_message["content"]["buttons"][0][0]["customData"] == "vote:7:tea:1.0:0"
    alice.click_button(poll_message["messageId"], "help")
    assert next_text(alice, chat) == "help requested (button help)"
    alice.click_button(poll_message["messageId"], "coffee")
    assert next_text(alice, chat) == "alice voted coffee x0.5 in poll 7"
    assert trueconf_server.chat_messages(chat)[-3]["content"]["text"] == "Tea or coffee? (closed)"
    alice.click_button(poll_message["messageId"], "tea")
    assert next_text(alice, chat) == "the poll is closed"


def test_clicks_find_the_dialog_after_a_restart(trueconf_server: Any, trueconf_client_factory: Any,
                                                alice: Any) -> None:
    storage = MemoryStorage()  # shared by both runs, as a persistent storage would be
    first = start_bot(trueconf_client_factory, poll_bot(storage))
    chat = alice.p2p_chat_with("echo_bot")
    assert ask(alice, chat, "/poll") == "Tea or coffee?"
    first.close()
    # A new dispatcher has never seen alice write: it asks the server who the P2P chat's peer is.
    start_bot(trueconf_client_factory, poll_bot(storage))
    alice.click_button(trueconf_server.chat_messages(chat)[-1]["messageId"], "tea")
    assert next_text(alice, chat) == "alice voted tea x1.0 in poll 7"


def test_clicked_filter(trueconf_server: Any, trueconf_client_factory: Any, alice: Any) -> None:
    dp = Dispatcher()

    @dp.message()
    def menu(message: Message) -> None:
        message.answer("menu", buttons=[[Button.command("A", "cart:add", custom_data="item-12", id="a"),
                                         Button.command("B", "cart:del", id="b"),
                                         Button.command("C", "other", id="c")]])

    dp.button_clicked(command=re.compile(r"cart:\w+"), custom_data=re.compile(r"item-\d+"))(
        lambda message, click: message.answer(f"{click.command} {click.custom_data}"))
    dp.button_clicked("cart:add", "cart:del")(lambda message, click: message.answer(f"{click.command} no data"))
    dp.button_clicked(Clicked(button_id="c"))(lambda message: message.answer("c by id"))
    start_bot(trueconf_client_factory, dp)
    chat = alice.p2p_chat_with("echo_bot")
    assert ask(alice, chat, "show") == "menu"
    menu_id = trueconf_server.chat_messages(chat)[-1]["messageId"]
    answers = []
    for button in ("a", "b", "c"):
        alice.click_button(menu_id, button)
        answers.append(next_text(alice, chat))
    assert answers == ["cart:add item-12", "cart:del no data", "c by id"]


def test_pack_and_unpack() -> None:
    vote = Vote(poll=3, choice="yes")
    assert vote.pack() == "vote:3:yes:1.0:0"
    assert Vote.unpack("vote:3:yes:1.0:0") == vote
    tricky = Everything(text="a:b|c % д ", color=Color.GREEN, ident=uuid.UUID(int=5))
    packed = tricky.pack()
    assert packed.isascii() and packed.count("|") == 4 and packed.startswith("all|a:b%7Cc%20%25%20%D0%B4%20|green|")
    assert Everything.unpack(packed) == tricky and Everything.unpack(packed).maybe is None
    assert Everything.unpack(Everything(text="", color=Color.RED, ident=uuid.UUID(int=0), maybe=0).pack()).maybe == 0
    button = vote.as_button("Yes", style="primary")
    assert (button.command, button.custom_data, button.label) == ("vote", "vote:3:yes:1.0:0", "Yes")


@pytest.mark.parametrize("text, error", [
    ("poll:1:x:1:0", "is not a Vote"),
    ("vote:1:x:1", "expected 4 fields, got 3"),
    ("vote:one:x:1:0", r"Vote.poll: cannot read 'one' as int"),
    ("vote:1:x:1:yes", r"Vote.secret: cannot read 'yes' as bool"),
])
def test_unpack_errors_name_the_field(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        Vote.unpack(text)


def test_packing_limits_and_schema_errors() -> None:
    with pytest.raises(ValueError, match="4097 characters long, the limit is 4096"):
        Vote(poll=1, choice="x" * (4097 - len("vote:1::1.0:0"))).pack()
    assert len(Vote(poll=1, choice="x" * (4096 - len("vote:1::1.0:0"))).pack()) == 4096
    with pytest.raises(TypeError, match=r"Vote\.poll must be int, got str"):
        Vote(poll="1", choice="x").pack()  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must not be None"):
        Vote(poll=None, choice="x").pack()  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="prefix must be a non-empty ASCII"):
        type("Bad", (CallbackData,), {}, prefix="")
    with pytest.raises(ValueError, match="must not contain the separator"):
        type("Bad", (CallbackData,), {}, prefix="a:b")
    with pytest.raises(ValueError, match="sep must be one ASCII"):
        type("Bad", (CallbackData,), {}, prefix="a", sep="%")
    with pytest.raises(TypeError, match="unsupported field type"):
        type("Bad", (CallbackData,), {"__annotations__": {"x": list}}, prefix="a")
    with pytest.raises(ValueError, match="has no field"):
        Vote.filter(nope=1)


def test_callback_data_filter_rules() -> None:
    def click(data: str | None) -> ButtonClicked:
        return ButtonClicked(command_payload=CommandPayload(command="vote", custom_data=data))

    assert Vote.filter().resolve(click("vote:1:a:1.0:0"), {}) == {"callback_data": Vote(poll=1, choice="a")}
    assert Vote.filter(poll=2).resolve(click("vote:1:a:1.0:0"), {}) is None
    assert Vote.filter(lambda data: data.weight > 1).resolve(click("vote:1:a:2.5:1"), {}) is not None
    assert Vote.filter().resolve(click("vote:broken"), {}) is None
    assert Vote.filter().resolve(click(None), {}) is None
    assert Vote.filter().resolve(Message(), {}) is None
