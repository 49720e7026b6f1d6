"""Bot framework: outer and inner middlewares (order, injected values, dropping), built-in ones."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from test_bot_helpers import ask, next_text, start_bot

from trueconf_sync.api.models import Message
from trueconf_sync.bot import (
    UNHANDLED,
    BaseMiddleware,
    Dispatcher,
    LoggingMiddleware,
    Router,
    Text,
    ThrottlingMiddleware,
)
from trueconf_sync.bot.middleware import NextHandler


class Recorder(BaseMiddleware):
    """Appends ``name>`` before and ``<name`` after the rest of the chain (for messages)."""

    def __init__(self, name: str, log: list[str]) -> None:
        self.name, self.log = name, log

    def __call__(self, handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        if data["event_kind"] != "message":  # the P2P chat's chat_created event passes too
            return handler(event, data)
        self.log.append(f"{self.name}>")
        result = handler(event, data)
        self.log.append(f"<{self.name}")
        return result


def test_middleware_order(trueconf_client_factory: Any, alice: Any, wait_until: Any) -> None:
    log: list[str] = []
    dp, parent, child = Dispatcher(), Router(name="parent"), Router(name="child")
    dp.outer_middleware(Recorder("dp-outer", log))
    dp.middleware(Recorder("dp-inner", log))
    parent.outer_middleware(Recorder("parent-outer", log))
    parent.middleware(Recorder("parent-inner", log))
    child.outer_middleware(Recorder("child-outer", log))
    child.middleware(Recorder("child-inner-1", log))
    child.middleware(Recorder("child-inner-2", log))
    other = Router(name="other")
    other.outer_middleware(Recorder("other-outer", log))

    @child.message()
    def handle(message: Message) -> None:
        log.append("handler")
        message.answer("done")

    parent.include_router(child)
    dp.include_routers(parent, other)
    start_bot(trueconf_client_factory, dp)
    assert ask(alice, alice.p2p_chat_with("echo_bot"), "go") == "done"
    wait_until(lambda: len(log) == 15)  # the chain unwinds after the answer went out
    assert log == ["dp-outer>", "parent-outer>", "child-outer>",
                   "dp-inner>", "parent-inner>", "child-inner-1>", "child-inner-2>", "handler",
                   "<child-inner-2", "<child-inner-1", "<parent-inner", "<dp-inner",
                   "<child-outer", "<parent-outer", "<dp-outer"]  # "other" is never reached


def test_middlewares_add_values_and_drop_events(trueconf_client_factory: Any, alice: Any, bob: Any) -> None:
    dp, guarded = Dispatcher(), Router(name="guarded")

    @dp.outer_middleware
    def who(handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        data["role"] = "admin" if data["event_user_id"].startswith("alice") else "guest"
        return handler(event, data)

    @guarded.outer_middleware
    def only_admins(handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        return handler(event, data) if data["role"] == "admin" else UNHANDLED  # let the next router try

    @dp.middleware
    def no_shouting(handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        if (event.text or "").isupper():
            return None  # dropped: no other handler runs
        return handler(event, data)

    guarded.message()(lambda message, role: message.answer(f"welcome, {role}"))
    dp.include_router(guarded)
    dp.include_router(Router(name="public")).message()(lambda message, role: message.answer(f"hello, {role}"))
    start_bot(trueconf_client_factory, dp)
    alice_chat, bob_chat = alice.p2p_chat_with("echo_bot"), bob.p2p_chat_with("echo_bot")
    alice.send_message(alice_chat, "HEY")  # dropped: the next answer is to "hi"
    assert ask(alice, alice_chat, "hi") == "welcome, admin"
    assert ask(bob, bob_chat, "hi") == "hello, guest"


def test_throttling_middleware(trueconf_client_factory: Any, alice: Any, bob: Any, wait_until: Any) -> None:
    dp = Dispatcher()
    throttled: list[str] = []
    dp.outer_middleware(ThrottlingMiddleware(60, on_throttled=lambda event, data: throttled.append(event.text)))
    dp.message()(lambda message: message.answer(f"got {message.text}"))
    start_bot(trueconf_client_factory, dp)
    alice_chat, bob_chat = alice.p2p_chat_with("echo_bot"), bob.p2p_chat_with("echo_bot")
    alice.send_message(alice_chat, "one")
    alice.send_message(alice_chat, "two")
    assert ask(bob, bob_chat, "three") == "got three"  # another user is not throttled
    alice.send_message(alice_chat, "four")
    wait_until(lambda: len(throttled) == 2)
    assert throttled == ["two", "four"]
    assert next_text(alice, alice_chat) == "got one"  # only the first of alice's came through


def test_logging_middleware(trueconf_client_factory: Any, alice: Any, caplog: pytest.LogCaptureFixture,
                            wait_until: Any) -> None:
    dp = Dispatcher()
    dp.outer_middleware(LoggingMiddleware())
    dp.message(Text("ping"))(lambda message: message.answer("pong"))
    start_bot(trueconf_client_factory, dp)
    chat = alice.p2p_chat_with("echo_bot")
    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records
                if r.name == "trueconf_sync.bot.events" and r.getMessage().startswith("message")]

    with caplog.at_level(logging.INFO, logger="trueconf_sync.bot.events"):
        alice.send_message(chat, "unknown")
        assert ask(alice, chat, "ping") == "pong"
        wait_until(lambda: len(lines()) == 2)  # the line is logged once the handler returned
    assert lines()[0].startswith(f"message in chat {chat} from {alice.user_id}: unhandled")
    assert "handled in" in lines()[1]


def test_bad_middlewares_are_refused() -> None:
    with pytest.raises(TypeError, match="middleware must be callable"):
        Router().middleware(42)  # type: ignore[type-var]
    with pytest.raises(ValueError, match="interval"):
        ThrottlingMiddleware(0)
    with pytest.raises(ValueError, match="key"):
        ThrottlingMiddleware(1, key="moon")
