"""The official SDK's router surface, synchronous: its decorator names (made from the one list of
kinds), propagation options, raw frames, ``CallbackQuery`` and FSM keys; over the fake server."""

from __future__ import annotations

import queue
import threading
from typing import Any

import pytest
from test_bot_helpers import ask, next_text, start_bot

from trueconf_sync.api.models import Chat, Message, RawEvent
from trueconf_sync.bot import (
    CallbackQuery,
    Command,
    CommandObject,
    DefaultKeyBuilder,
    Dispatcher,
    FSMStrategy,
    Router,
    StorageKey,
    Text,
    Update,
)
from trueconf_sync.events.kinds import KINDS
from trueconf_sync.keyboard import Button, InlineKeyboard


def test_every_sdk_name_is_a_router_decorator_of_its_kind() -> None:
    for kind in KINDS:
        for alias in kind.aliases:
            assert getattr(Router, alias) is getattr(Router, kind.name), alias
        for view in kind.views:
            assert getattr(Router, view.name).kind == view.name
    sdk = ["created_personal_chat", "created_group_chat", "created_channel", "created_favorites_chat",
           "added_chat_participant", "removed_chat_participant", "changed_participant_role", "edited_chat_title",
           "edited_chat_avatar", "cleared_chat_history", "removed_chat", "changed_file_upload_limits",
           "uploading_progress", "edited_message", "removed_message", "callback_query", "system_message", "event"]
    assert all(callable(getattr(Router(), name)) for name in sdk)


def test_created_chat_views_split_by_wire_method(trueconf_client_factory: Any, alice: Any) -> None:
    seen: queue.SimpleQueue[tuple[str, str]] = queue.SimpleQueue()
    dp = Dispatcher()

    @dp.created_group_chat()
    def group(event: Chat) -> None:
        seen.put(("group", event.title or ""))

    @dp.created_channel()
    def channel(event: Chat) -> None:
        seen.put(("channel", event.title or ""))

    @dp.created_personal_chat()
    def personal(event: Chat) -> None:
        seen.put(("personal", event.chat_id))

    @dp.chat_created()  # the whole kind: takes what the views above left (none here)
    def any_chat(event: Chat) -> None:
        seen.put(("any", event.title or ""))

    start_bot(trueconf_client_factory, dp)
    alice.create_group_chat("Team", members=["echo_bot"])
    alice.create_channel("News", members=["echo_bot"])
    p2p = alice.p2p_chat_with("echo_bot")
    alice.send_message(p2p, "hi")  # a P2P chat is announced with its first message
    got = [seen.get(timeout=5) for _ in range(3)]
    assert got == [("group", "Team"), ("channel", "News"), ("personal", p2p)]
    assert seen.empty()


def test_sdk_aliases_reach_the_kind(trueconf_client_factory: Any, alice: Any, bob: Any) -> None:
    seen: queue.SimpleQueue[str] = queue.SimpleQueue()
    dp = Dispatcher()
    dp.added_chat_participant()(lambda event: seen.put(f"added {event.user_id.split('@')[0]}"))
    dp.changed_participant_role()(lambda event: seen.put(f"role {event.role}"))
    dp.edited_chat_title()(lambda event: seen.put(f"title {event.title}"))
    dp.removed_chat_participant()(lambda event: seen.put(f"removed {event.user_id.split('@')[0]}"))
    start_bot(trueconf_client_factory, dp)
    group = alice.create_group_chat("Team", members=["echo_bot"])
    alice.add_participant(group, "bob")
    alice.change_role(group, "bob", "admin")
    alice.rename_chat(group, "Team 2")
    alice.remove_participant(group, "bob")
    assert [seen.get(timeout=5) for _ in range(4)] == ["added bob", "role admin", "title Team 2", "removed bob"]


def test_propagation_default_and_options(trueconf_client_factory: Any, alice: Any) -> None:
    """Default: one handler. allow_child_on_event: the parent's handler and a child's. independent_routers:
    each included router of the dispatcher."""
    calls: list[str] = []
    done = threading.Event()

    def build(dp: Dispatcher, parent_allows: bool) -> None:
        parent, child, sibling = Router(name="parent", allow_child_on_event=parent_allows), Router(), Router()
        parent.message(Text("go"))(lambda: calls.append("parent"))
        child.message(Text("go"))(lambda: calls.append("child"))
        sibling.message(Text("go"))(lambda: calls.append("sibling"))
        parent.include_router(child)
        dp.include_routers(parent, sibling)

        @dp.message(Text("end"))  # sentinel: the dispatcher's own handler comes first, so it ends here
        def end() -> None:
            done.set()

    cases = [(False, False, ["parent"]), (True, False, ["parent", "child"]),
             (False, True, ["parent", "sibling"]), (True, True, ["parent", "child", "sibling"])]
    for allow, independent, expected in cases:
        calls.clear()
        done.clear()
        dp = Dispatcher(independent_routers=independent)
        build(dp, allow)
        client = start_bot(trueconf_client_factory, dp)
        chat = alice.p2p_chat_with("echo_bot")
        alice.send_message(chat, "go")
        alice.send_message(chat, "end")
        assert done.wait(5)
        assert calls == expected, (allow, independent)
        client.close()


def test_event_with_method_gets_the_untouched_frame(trueconf_server: Any, trueconf_client_factory: Any,
                                                    alice: Any) -> None:
    updates: queue.SimpleQueue[Update] = queue.SimpleQueue()
    typed: queue.SimpleQueue[Any] = queue.SimpleQueue()
    dp = Dispatcher()
    dp.event("sendMessage")(lambda event: updates.put(event))
    dp.event("pollClosed")(lambda event: updates.put(event))  # a method this library does not model
    router = Router()
    router.event()(lambda event: typed.put(event))  # no method: every typed event, as before
    dp.include_router(router)
    start_bot(trueconf_client_factory, dp)
    chat = alice.p2p_chat_with("echo_bot")
    alice.send_message(chat, "hello")
    update = updates.get(timeout=5)
    assert isinstance(update, Update) and update.method == "sendMessage" and update.type == 1
    assert isinstance(update.id, int) and update.payload["content"]["text"] == "hello"
    assert update.frame["payload"] is update.payload
    trueconf_server.push_event("pollClosed", {"pollId": 7, "extra": [1, 2]})
    raw = updates.get(timeout=5)
    assert (raw.method, raw.payload) == ("pollClosed", {"pollId": 7, "extra": [1, 2]})
    # the catch-all typed handler saw neither: the Update handlers took them first (one handler per event)
    trueconf_server.push_event("somethingElse", {})
    before = []
    while not isinstance(event := typed.get(timeout=5), RawEvent):
        before.append(event)
    assert event.method == "somethingElse" and [type(e) for e in before] == [Chat]  # createP2PChat


def test_callback_query_edit_keeps_buttons_and_answers(trueconf_server: Any, trueconf_client_factory: Any,
                                                       alice: Any) -> None:
    trueconf_server.config.command_ids = True
    dp = Dispatcher()
    keyboard = InlineKeyboard().row(Button.command("Next", "next", id="n", wait_reply=True),
                                    Button.command("Close", "close", id="c"))

    @dp.message(Text("menu"))
    def menu(message: Message) -> None:
        message.answer("*Page 1*", parse_mode="markdown", buttons=keyboard)

    @dp.callback_query(lambda event: event.command == "next")
    def next_page(event: CallbackQuery, callback_query: CallbackQuery, click: Any) -> None:
        assert event is callback_query is click
        event.edit_message("*Page 2*")  # text only: buttons and the rest stay
        event.answer("Turned the page", answer_type="complete", status="ok")
        assert event.message is not None
        event.message.answer("turned")

    @dp.callback_query(lambda event: event.command == "close")
    def close(event: CallbackQuery) -> None:
        event.edit_message(buttons=None)  # buttons removed, text kept
        assert event.message is not None
        event.message.answer("closed")

    start_bot(trueconf_client_factory, dp)
    chat = alice.p2p_chat_with("echo_bot")
    assert ask(alice, chat, "menu") == "*Page 1*"
    menu_id = trueconf_server.chat_messages(chat)[-1]["messageId"]
    alice.click_button(menu_id, "n")
    assert next_text(alice, chat) == "turned"
    stored = next(m for m in trueconf_server.chat_messages(chat) if m["messageId"] == menu_id)
    assert stored["content"]["text"] == "*Page 2*" and stored["content"]["parseMode"] == "markdown"
    assert [b["command"] for b in stored["content"]["buttons"][0]] == ["next", "close"]
    assert trueconf_server.command_answers[-1]["message"] == {"text": "Turned the page", "status": "ok"}
    alice.click_button(menu_id, "c")
    assert next_text(alice, chat) == "closed"
    stored = next(m for m in trueconf_server.chat_messages(chat) if m["messageId"] == menu_id)
    assert stored["content"]["text"] == "*Page 2*" and not stored["content"].get("buttons")


def test_callback_query_without_command_id_cannot_answer() -> None:
    query = CallbackQuery()
    with pytest.raises(ValueError, match="command_id"):
        query.answer("x", answer_type="complete")
    with pytest.raises(ValueError, match="no message"):
        query.edit_message("x")


class ByChatKeys(DefaultKeyBuilder):
    """A ported SDK key builder: everything in a chat shares one dialog in destiny "quiz"."""

    def build(self, client: Any, event: Any) -> StorageKey | None:
        key = super().build(client, event)
        return None if key is None else StorageKey(key.bot_id, key.chat_id, "anyone", "quiz")


@pytest.mark.parametrize("strategy, shared", [(FSMStrategy.USER_IN_CHAT, False), ("chat", True)])
def test_fsm_strategy_and_key_builder(trueconf_client_factory: Any, alice: Any, bob: Any,
                                      strategy: Any, shared: bool) -> None:
    dp = Dispatcher(strategy=strategy)

    @dp.message(Text("count"))
    def count(message: Message, state: Any) -> None:
        data = state.update_data(n=state.get_value("n", 0) + 1)
        quiz = state.with_destiny("quiz").get_value("n", 0)
        message.reply(f"{data['n']} quiz={quiz} {state.key.destiny}")

    start_bot(trueconf_client_factory, dp)
    group = alice.create_group_chat("Team", members=["echo_bot", "bob"])
    assert ask(alice, group, "count") == "1 quiz=0 default"
    assert ask(bob, group, "count") == ("2 quiz=0 default" if shared else "1 quiz=0 default")


def test_custom_key_builder_and_destiny(trueconf_client_factory: Any, alice: Any, bob: Any) -> None:
    dp = Dispatcher(key_builder=ByChatKeys())

    @dp.message(Text("count"))
    def count(message: Message, state: Any) -> None:
        data = state.update_data(n=state.get_value("n", 0) + 1)
        message.reply(f"{data['n']} {state.key.destiny} {state.key.user_id}")

    start_bot(trueconf_client_factory, dp)
    group = alice.create_group_chat("Team", members=["echo_bot", "bob"])
    assert ask(alice, group, "count") == "1 quiz anyone"
    assert ask(bob, group, "count") == "2 quiz anyone"
    with pytest.raises(ValueError, match="fsm_strategy must be one of"):
        Dispatcher(strategy="per_moon")
    with pytest.raises(TypeError, match="build"):
        Dispatcher(key_builder=object())  # type: ignore[arg-type]


def test_command_with_magic(trueconf_client_factory: Any, alice: Any) -> None:
    from magic_filter import F

    dp = Dispatcher()

    @dp.message(Command("add", magic=F.args.regexp(r"^(\d+) (\d+)$")))
    def add(message: Message, command: CommandObject) -> None:
        a, b = command.magic_result.groups()
        message.answer(str(int(a) + int(b)))

    @dp.message(Command("add"))
    def usage(message: Message) -> None:
        message.answer("usage: /add A B")

    start_bot(trueconf_client_factory, dp)
    chat = alice.p2p_chat_with("echo_bot")
    assert ask(alice, chat, "/add 2 40") == "42"
    assert ask(alice, chat, "/add two") == "usage: /add A B"
    with pytest.raises(TypeError, match="magic must be a magic filter"):
        Command("x", magic="args")
