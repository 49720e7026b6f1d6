"""Bot framework: error handlers (where they are looked for, filters, fall-through) and the
warning about handlers that block a chat's queue."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from test_bot_helpers import ask, conversation, next_text, start_bot

from trueconf_sync.api.models import Message
from trueconf_sync.bot import Dispatcher, ExceptionType, Router, SkipHandler, Text


class Boom(Exception):
    pass


def failing_tree(log: list[str]) -> Dispatcher:
    dp, inner, leaf = Dispatcher(), Router(name="inner"), Router(name="leaf")

    @leaf.message(Text("value"))
    def value_error(message: Message) -> None:
        raise ValueError("bad value")

    @leaf.message(Text("boom"))
    def boom(message: Message) -> None:
        raise Boom("boom!")

    @leaf.message(Text("key"))
    def key_error(message: Message) -> None:
        raise KeyError("k")

    @leaf.message(lambda message: message.text == "filter" and 1 / 0)
    def never(message: Message) -> None:
        message.answer("unreachable")

    @leaf.error(ValueError)
    def leaf_values(exception: ValueError, message: Message, handler: Any) -> None:
        log.append(f"leaf:{exception}:{handler.callback.name}")
        message.answer("leaf handled a ValueError")

    @inner.error(ExceptionType(Boom) | ExceptionType(ZeroDivisionError))
    def inner_booms(error: Exception, message: Message) -> None:
        log.append(f"inner:{type(error).__name__}")
        message.answer(f"inner handled {type(error).__name__}")

    @inner.error()
    def passes(error: Exception) -> None:
        log.append("inner:skip")
        raise SkipHandler

    @dp.error(lambda exception: isinstance(exception, LookupError))
    def root(exception: Exception, message: Message) -> None:
        log.append("root")
        message.answer("root handled a LookupError")

    @dp.message(Text("unhandled"))
    def unhandled(message: Message) -> None:
        raise RuntimeError("nobody handles me")

    inner.include_router(leaf)
    dp.include_router(inner)
    # a catch-all on dp itself would be tried before the included routers: put it in a last router
    dp.include_router(Router(name="fallback")).message()(lambda message: message.answer("fine"))
    return dp


def test_error_handlers_from_the_failing_router_up(trueconf_client_factory: Any, alice: Any) -> None:
    log: list[str] = []
    start_bot(trueconf_client_factory, failing_tree(log))
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["value", "boom", "filter", "key"]) == [
        "leaf handled a ValueError", "inner handled Boom", "inner handled ZeroDivisionError",
        "root handled a LookupError"]
    assert log == ["leaf:bad value:failing_tree.<locals>.value_error", "inner:Boom", "inner:ZeroDivisionError",
                   "inner:skip", "root"]


def test_unhandled_errors_reach_the_client_log_and_stop_nothing(trueconf_client_factory: Any, alice: Any,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    start_bot(trueconf_client_factory, failing_tree([]))
    chat = alice.p2p_chat_with("echo_bot")
    with caplog.at_level(logging.ERROR, logger="trueconf_sync.dispatcher"):
        alice.send_message(chat, "unhandled")
        assert ask(alice, chat, "next") == "fine"
    errors = [r for r in caplog.records if r.name == "trueconf_sync.dispatcher"]
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert isinstance(errors[0].exc_info[1], RuntimeError)


def test_unhandled_errors_leave_the_message_unacknowledged(trueconf_server: Any, trueconf_client_factory: Any,
                                                          alice: Any, wait_until: Any) -> None:
    attempts: list[str] = []
    dp = Dispatcher()

    @dp.message()
    def flaky(message: Message) -> None:
        attempts.append(message.text or "")
        if len(attempts) == 1:
            raise RuntimeError("first attempt fails")
        message.answer("handled on redelivery")

    bot = start_bot(trueconf_client_factory, dp, ack="after_handling")
    chat = alice.p2p_chat_with("echo_bot")
    alice.send_message(chat, "please")
    wait_until(lambda: attempts)
    bot.close()
    start_bot(trueconf_client_factory, dp, ack="after_handling")  # unread messages come back
    assert ask(alice, chat, "again") == "handled on redelivery"
    assert attempts[:2] == ["please", "please"]


def test_slow_handler_warning(trueconf_client_factory: Any, alice: Any, caplog: pytest.LogCaptureFixture,
                              wait_until: Any) -> None:
    release = threading.Event()
    dp = Dispatcher(slow_handler_threshold=0.1)

    @dp.message(Text("slow"))
    def slow(message: Message) -> None:
        release.wait(10)
        message.answer("finally")

    dp.message()(lambda message: message.answer("quick"))
    bot = start_bot(trueconf_client_factory, dp)
    chat = alice.p2p_chat_with("echo_bot")
    with caplog.at_level(logging.WARNING, logger="trueconf_sync.bot"):
        alice.send_message(chat, "slow")
        warned = wait_until(lambda: [r.getMessage() for r in caplog.records if "has been running" in r.getMessage()])
        assert "handler test_slow_handler_warning.<locals>.slow" in warned[0]
        assert f"later events of chat {chat} wait" in warned[0]
        release.set()
        assert next_text(alice, chat) == "finally"
        assert ask(alice, chat, "next") == "quick"
        wait_until(lambda: any("finished after" in r.getMessage() for r in caplog.records))
    assert dp.watchdog is not None and dp.watchdog.running
    bot.close()
    assert not dp.watchdog.running  # stops with the client; starts again with the next event


def test_slow_handler_threshold_checks() -> None:
    assert Dispatcher(slow_handler_threshold=None).watchdog is None
    with pytest.raises(ValueError, match="slow_handler_threshold"):
        Dispatcher(slow_handler_threshold=0)
