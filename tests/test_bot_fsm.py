"""Bot framework: dialogs with state (FSM), storages, persistence across a restart."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from test_bot_helpers import ask, conversation, start_bot

from trueconf_sync.api.models import Message
from trueconf_sync.bot import (
    Command,
    Dispatcher,
    FSMContext,
    MemoryStorage,
    SQLiteStorage,
    State,
    StateFilter,
    StatesGroup,
    Storage,
    StorageKey,
    Text,
    any_state,
    default_state,
)


class Order(StatesGroup):
    dish = State()
    size = State()

    class Payment(StatesGroup):
        method = State()


def order_dialog(**dispatcher_kwargs: Any) -> Dispatcher:
    """/order -> dish -> size (small|large) -> payment -> summary; /cancel anywhere (answers are replies)."""
    dp = Dispatcher(**dispatcher_kwargs)

    @dp.message(Command("cancel"), any_state)
    def cancel(message: Message, state: FSMContext) -> None:
        was = state.get_state()
        state.clear()
        message.reply(f"cancelled ({was})")

    @dp.message(Command("order"), default_state)
    def start(message: Message, state: FSMContext) -> None:
        state.set_state(Order.dish)
        message.reply("What would you like?")

    @dp.message(Order.dish)
    def dish(message: Message, state: FSMContext) -> None:
        state.update_data(dish=message.text)
        state.set(Order.size)
        message.reply("Small or large?")

    @dp.message(Order.size, Text("small", "large", ignore_case=True))
    def size(message: Message, state: FSMContext) -> None:
        state.update_data({"size": (message.text or "").lower()})
        state.set_state(Order.Payment.method)
        message.reply("Cash or card?")

    @dp.message(Order.size)
    def bad_size(message: Message) -> None:
        message.reply("Please answer small or large.")

    @dp.message(Order.Payment.method)
    def pay(message: Message, state: FSMContext) -> None:
        data = state.update_data(payment=message.text)
        state.clear()
        message.reply(f"{data['size']} {data['dish']}, paid by {data['payment']}")

    @dp.message(Order)  # any other state of the group (none left here, kept as an example)
    def in_order(message: Message) -> None:
        message.reply("still ordering")

    @dp.message(StateFilter(None))
    def idle(message: Message) -> None:
        message.reply("Say /order")

    return dp


def test_multi_step_dialog(trueconf_client_factory: Any, alice: Any) -> None:
    start_bot(trueconf_client_factory, order_dialog())
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["hi", "/order", "Soup", "medium", "LARGE", "card", "hi"]) == [
        "Say /order", "What would you like?", "Small or large?", "Please answer small or large.",
        "Cash or card?", "large Soup, paid by card", "Say /order"]
    assert conversation(alice, chat, ["/order", "Tea", "/cancel", "/cancel"]) == [
        "What would you like?", "Small or large?", "cancelled (Order:size)", "cancelled (None)"]


def test_each_user_in_a_group_has_their_own_dialog(trueconf_client_factory: Any, alice: Any, bob: Any) -> None:
    start_bot(trueconf_client_factory, order_dialog())
    group = alice.create_group_chat("Lunch", members=["echo_bot", "bob"])
    assert ask(alice, group, "/order") == "What would you like?"
    assert ask(bob, group, "Pizza") == "Say /order"           # bob has no dialog
    assert ask(alice, group, "Pizza") == "Small or large?"    # alice's continues


def test_chat_strategy_shares_the_dialog(trueconf_client_factory: Any, alice: Any, bob: Any) -> None:
    start_bot(trueconf_client_factory, order_dialog(fsm_strategy="chat"))
    group = alice.create_group_chat("Lunch", members=["echo_bot", "bob"])
    assert ask(alice, group, "/order") == "What would you like?"
    assert ask(bob, group, "Pizza") == "Small or large?"


def test_sqlite_storage_keeps_dialogs_across_a_restart(trueconf_client_factory: Any, alice: Any,
                                                       tmp_path: Path) -> None:
    path = tmp_path / "fsm.db"
    storage = SQLiteStorage(path)
    first = start_bot(trueconf_client_factory, order_dialog(storage=storage))
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["/order", "Borscht"]) == ["What would you like?", "Small or large?"]
    first.close()
    storage.close()

    restarted = SQLiteStorage(path)  # a new process would do exactly this
    start_bot(trueconf_client_factory, order_dialog(storage=restarted))
    assert conversation(alice, chat, ["small", "cash"]) == ["Cash or card?", "small Borscht, paid by cash"]
    restarted.close()


def test_state_names_and_groups() -> None:
    assert Order.dish.name == "Order:dish" and str(Order.Payment.method) == "Order.Payment:method"
    assert Order.Payment.full_name() == "Order.Payment"
    assert [s.name for s in Order] == ["Order:dish", "Order:size", "Order.Payment:method"]
    assert Order.states() == (Order.dish, Order.size)
    assert "Order:size" in Order and Order.Payment.method in Order and "Order:nope" not in Order
    assert Order.dish == "Order:dish" and default_state.name is None and any_state.name == "*"
    assert State("custom").name == "custom"
    with pytest.raises(ValueError, match="already part of"):
        type("Again", (StatesGroup,), {"x": Order.dish})
    context = FSMContext(MemoryStorage(), StorageKey("bot", "chat", "user"))
    with pytest.raises(ValueError, match="declare it in a StatesGroup"):
        context.set_state(State())
    with pytest.raises(TypeError, match="must be a State"):
        context.set_state(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected State"):
        StateFilter(42)  # type: ignore[arg-type]


@pytest.fixture(params=["memory", "sqlite"])
def storage(request: Any, tmp_path: Path) -> Any:
    made: Storage = MemoryStorage() if request.param == "memory" else SQLiteStorage(tmp_path / "s.db")
    yield made
    made.close()


def test_storage_contract(storage: Storage) -> None:
    key, other = StorageKey("bot", "chat", "alice"), StorageKey("bot", "chat", "bob")
    assert storage.get_state(key) is None and storage.get_data(key) == {}
    storage.set_state(key, "A:b")
    storage.set_data(key, {"n": 1, "list": [1, "x"], "nested": {"ok": True}})
    assert storage.update_data(key, {"n": 2}) == {"n": 2, "list": [1, "x"], "nested": {"ok": True}}
    data = storage.get_data(key)
    data["n"] = 99  # a copy: the stored data does not change
    assert storage.get_data(key)["n"] == 2 and storage.get_state(key) == "A:b"
    assert storage.get_state(other) is None and storage.get_data(other) == {}
    storage.set_state(key, None)
    assert storage.get_state(key) is None and storage.get_data(key)["n"] == 2
    storage.clear(key)
    assert storage.get_data(key) == {}
    with pytest.raises(TypeError, match="'when' is not JSON"):
        storage.set_data(key, {"ok": 1, "when": object()})
    with pytest.raises(TypeError, match="'x' is not JSON"):
        storage.update_data(key, {"x": {1, 2}})
    assert storage.get_data(key) == {}


def test_storage_updates_from_many_threads_are_not_lost(storage: Storage) -> None:
    key = StorageKey("bot", "chat", "user")
    threads = [threading.Thread(target=lambda i=i: [storage.update_data(key, {f"t{i}-{j}": j}) for j in range(50)])
               for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(storage.get_data(key)) == 8 * 50


def test_sqlite_storage_shared_by_two_instances_and_closed(tmp_path: Path) -> None:
    one, two = SQLiteStorage(tmp_path / "x.db"), SQLiteStorage(tmp_path / "x.db")
    key = StorageKey("bot", "c", "u")
    one.update_data(key, {"a": 1})
    assert two.update_data(key, {"b": 2}) == {"a": 1, "b": 2}
    one.close()
    one.close()
    with pytest.raises(RuntimeError, match="closed"):
        one.get_state(key)
    assert two.get_data(key) == {"a": 1, "b": 2}
    two.close()


def test_dispatcher_refuses_a_storage_without_the_methods() -> None:
    with pytest.raises(TypeError, match="Storage methods"):
        Dispatcher(storage=object())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fsm_strategy"):
        Dispatcher(fsm_strategy="per_moon")  # type: ignore[arg-type]
