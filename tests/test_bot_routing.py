"""Bot framework: routing through nested routers, propagation rules, event kinds, injection."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from test_bot_helpers import ask, conversation, start_bot

from trueconf_sync.api.models import Chat, Message, ParticipantAdded, RawEvent
from trueconf_sync.bot import Dispatcher, Router, SkipHandler, Text, event_kind


def build_tree() -> Dispatcher:
    """dp -> [a -> [a1], b]; every handler answers with its name."""
    dp, a, a1, b = Dispatcher(), Router(name="a"), Router(name="a1"), Router(name="b")

    @dp.message(Text("dp"))
    def on_dp(message: Message) -> None:
        message.answer("dp")

    @a.message(Text("shared"))
    def on_a_shared(message: Message) -> None:
        message.answer("a")

    @a1.message(Text("shared", "a1", "late"))
    def on_a1(message: Message) -> None:
        message.answer("a1")

    @a1.message(Text("skip"))
    def skipping(message: Message) -> None:
        raise SkipHandler

    @b.message(Text("shared", "b", "skip"))
    def on_b(message: Message) -> None:
        message.answer("b")

    @b.message()
    def fallback(message: Message) -> None:
        message.answer("fallback")

    a.include_router(a1)

    @a.message(Text("late"))  # registered after a1 was included: a's own handlers still come first
    def on_late(message: Message) -> None:
        message.answer("a-late")

    dp.include_routers(a, b)
    return dp


def test_nested_routers_first_match_wins_depth_first(trueconf_client_factory: Any, alice: Any) -> None:
    start_bot(trueconf_client_factory, build_tree())
    chat = alice.p2p_chat_with("echo_bot")
    answers = conversation(alice, chat, ["dp", "shared", "a1", "b", "late", "skip", "anything"])
    assert answers == ["dp", "a", "a1", "b", "a-late", "b", "fallback"]


def test_router_filter_gates_the_whole_subtree(trueconf_client_factory: Any, alice: Any, bob: Any) -> None:
    dp, admin, admin_child = Dispatcher(), Router(name="admin"), Router(name="admin-child")
    admin.filter(lambda event_user_id: event_user_id.startswith("alice"))
    admin.message(Text("secret"))(lambda message: message.answer("the secret"))
    admin_child.message(Text("deeper"))(lambda message: message.answer("deeper secret"))
    admin.include_router(admin_child)
    dp.include_router(admin)
    dp.include_router(Router(name="rest")).message()(lambda message: message.answer("denied"))
    start_bot(trueconf_client_factory, dp)
    alice_chat, bob_chat = alice.p2p_chat_with("echo_bot"), bob.p2p_chat_with("echo_bot")
    assert conversation(alice, alice_chat, ["secret", "deeper"]) == ["the secret", "deeper secret"]
    assert conversation(bob, bob_chat, ["secret", "deeper"]) == ["denied", "denied"]


def test_catch_all_and_other_event_kinds(trueconf_client_factory: Any, alice: Any) -> None:
    seen: list[tuple[str, str]] = []
    done = threading.Event()
    dp = Dispatcher()

    @dp.chat_created()
    def created(event: Chat, event_kind: str) -> None:
        seen.append((event_kind, event.title or ""))

    @dp.participant_added()
    def added(event: ParticipantAdded, event_chat_id: str) -> None:
        seen.append(("participant_added", event.user_id.split("@")[0]))

    @dp.event()
    def anything(event: Any, event_kind: str) -> None:
        seen.append(("catch-all", event_kind))
        if event_kind == "chat_title_changed":
            done.set()

    start_bot(trueconf_client_factory, dp)
    group = alice.create_group_chat("Team", members=["echo_bot"])
    alice.add_participant(group, "bob")
    alice.rename_chat(group, "Team 2")
    assert done.wait(5)
    assert seen == [("chat_created", "Team"), ("participant_added", "bob"), ("catch-all", "chat_title_changed")]


def test_handlers_ask_for_values_by_name(trueconf_client_factory: Any, alice: Any) -> None:
    got: dict[str, Any] = {}
    dp = Dispatcher(greeting="hello from dp")
    dp["db"] = {"answer": 42}

    @dp.message()
    def handler(msg: Message, client: Any, state: Any, db: dict[str, int], greeting: str,
                event_user_id: str, event: Message, dispatcher: Dispatcher, missing: str = "default",
                **rest: Any) -> None:
        got.update(msg=msg, client=client, state=state, db=db, greeting=greeting, user=event_user_id,
                   event=event, dispatcher=dispatcher, missing=missing, rest=set(rest))
        msg.answer("ok")

    bot = start_bot(trueconf_client_factory, dp)
    assert ask(alice, alice.p2p_chat_with("echo_bot"), "hi") == "ok"
    assert got["msg"] is got["event"] and got["msg"].text == "hi"
    assert got["client"] is bot and got["dispatcher"] is dp
    assert got["db"] == {"answer": 42} and got["greeting"] == "hello from dp" and got["missing"] == "default"
    assert got["user"] == alice.user_id
    assert got["state"].key.user_id == alice.user_id and got["state"].key.chat_id == got["msg"].chat_id
    assert {"message", "event_kind", "method", "event_chat_id", "handler"} <= got["rest"]


def test_a_handler_asking_for_an_unknown_value_fails_clearly(trueconf_client_factory: Any, alice: Any) -> None:
    errors: list[BaseException] = []
    dp = Dispatcher()

    @dp.message()
    def handler(message: Message, nonexistent: str) -> None:
        message.answer("unreachable")

    @dp.error()
    def on_error(exception: BaseException, message: Message) -> None:
        errors.append(exception)
        message.answer("error")

    start_bot(trueconf_client_factory, dp)
    assert ask(alice, alice.p2p_chat_with("echo_bot"), "hi") == "error"
    assert isinstance(errors[0], TypeError) and "'nonexistent'" in str(errors[0])


def test_unhandled_events_and_raw_events(trueconf_server: Any, trueconf_client_factory: Any, alice: Any) -> None:
    raw: list[RawEvent] = []
    dp = Dispatcher()
    dp.message(Text("only this"))(lambda message: message.answer("yes"))
    dp.raw(method="someFutureEvent")(raw.append)
    bot = start_bot(trueconf_client_factory, dp)
    chat = alice.p2p_chat_with("echo_bot")
    assert dp.feed_event(bot, Message(chat_id=chat)) is False
    trueconf_server.push_event("someFutureEvent", {"chatId": chat, "x": 1})
    assert ask(alice, chat, "only this") == "yes"
    assert [(e.method, e.payload["x"]) for e in raw] == [("someFutureEvent", 1)]


def test_event_kind_names() -> None:
    assert event_kind(Message()) == "message"
    assert event_kind(Message(type=1)) == "system_message"  # type: ignore[arg-type]
    assert event_kind(Chat()) == "chat_created"
    assert event_kind(RawEvent(method="x")) == "raw"


def test_tree_building_errors() -> None:
    root, child = Router(name="root"), Router(name="child")
    root.include_router(child)
    with pytest.raises(ValueError, match="already included"):
        Router().include_router(child)
    with pytest.raises(ValueError, match="cycle"):
        child.include_router(root)
    with pytest.raises(ValueError, match="Dispatcher is a root"):
        Dispatcher().include_router(Dispatcher())
    with pytest.raises(TypeError, match="expected a Router"):
        root.include_router("router")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown event kind"):
        root.register("nope", print)
    with pytest.raises(TypeError, match="pass an instance"):
        root.message(Text)
    with pytest.raises(TypeError, match="unexpected keyword"):
        root.message(foo=1)
    assert [r.name for r in root.walk()] == ["root", "child"]


def test_system_messages_have_their_own_kind(trueconf_client_factory: Any, alice: Any) -> None:
    dp = Dispatcher()
    kinds: list[str] = []
    dp.system_message()(lambda event_kind, message: kinds.append(f"{event_kind}:{int(message.type)}"))
    dp.message()(lambda message: message.answer("plain"))
    start_bot(trueconf_client_factory, dp, receive_system_messages=True)
    group = alice.create_group_chat("Sys", members=["echo_bot"])
    alice.rename_chat(group, "Renamed")
    assert ask(alice, group, "hi") == "plain"
    assert "system_message:21" in kinds


def test_two_dispatchers_on_one_client_each_handle_the_event(trueconf_client_factory: Any, alice: Any,
                                                             wait_until: Any) -> None:
    audit: list[str] = []
    main, auditor = Dispatcher(), Dispatcher(name="audit")
    main.message()(lambda message: message.answer("main"))
    auditor.message()(lambda message: audit.append(message.text or ""))
    bot = start_bot(trueconf_client_factory, main)
    auditor.attach(bot)
    assert ask(alice, alice.p2p_chat_with("echo_bot"), "both") == "main"
    wait_until(lambda: audit == ["both"])
    assert auditor.detach(bot) and not auditor.detach(bot)
    with pytest.raises(ValueError, match="already attached"):
        main.attach(bot)
