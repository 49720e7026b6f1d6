"""Bot framework: filters (built-ins, composition with & | ~, magic filters) through the fake server."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest
from test_bot_helpers import ask, conversation, next_text, start_bot

from trueconf_sync.api.models import Message, TextContent
from trueconf_sync.bot import (
    ChatTypeFilter,
    ContentType,
    Dispatcher,
    ExceptionType,
    Filter,
    FromUser,
    Mentions,
    MentionsBot,
    Regex,
    Text,
    as_filter,
    mentions,
    plain_text,
)
from trueconf_sync.enums import ChatType, ParseMode


def is_number(message: Message) -> bool:
    return (message.text or "").strip().isdigit()


def test_composition(trueconf_client_factory: Any, alice: Any, bob: Any) -> None:
    dp = Dispatcher()
    dp.message(as_filter(is_number) & ~Text("0"))(lambda message: message.answer("a number"))
    dp.message(Text("0") | Text(startswith="zero", ignore_case=True))(lambda message: message.answer("zero"))
    dp.message(FromUser("bob") & (Text(contains="hi") | Regex(r"^hey")))(lambda message: message.answer("hi bob"))
    dp.message(~FromUser("alice@video.example.com"))(lambda message: message.answer("not alice"))
    dp.message()(lambda message: message.answer("other"))
    start_bot(trueconf_client_factory, dp)
    alice_chat, bob_chat = alice.p2p_chat_with("echo_bot"), bob.p2p_chat_with("echo_bot")
    assert conversation(alice, alice_chat, ["42", "0", "Zero or so", "oh hi", "x"]) == [
        "a number", "zero", "zero", "other", "other"]
    assert conversation(bob, bob_chat, ["oh hi", "hey you", "bye"]) == ["hi bob", "hi bob", "not alice"]


def test_a_bare_login_means_the_bots_own_server(trueconf_client_factory: Any, trueconf_server: Any, bob: Any) -> None:
    dp = Dispatcher()
    dp.message(FromUser("bob"))(lambda message: message.answer("hi bob"))
    dp.message(FromUser("bob@evil.example"))(lambda message: message.answer("hi other bob"))
    start_bot(trueconf_client_factory, dp)
    impostor = trueconf_server.user(trueconf_server.add_user("bob@evil.example"))
    assert impostor.user_id == "bob@evil.example" and bob.user_id != impostor.user_id
    assert conversation(impostor, impostor.p2p_chat_with("echo_bot"), ["hi"]) == ["hi other bob"]
    assert conversation(bob, bob.p2p_chat_with("echo_bot"), ["hi"]) == ["hi bob"]


def test_filters_add_values_the_handler_asks_for(trueconf_client_factory: Any, alice: Any) -> None:
    dp = Dispatcher()

    def word_count(message: Message) -> dict[str, int] | None:
        words = len((message.text or "").split())
        return {"words": words} if words > 1 else None

    @dp.message(Regex(r"order (?P<item>\w+)") & word_count)
    def order(message: Message, match: re.Match[str], words: int) -> None:
        message.answer(f"{match['item']} ({words} words)")

    start_bot(trueconf_client_factory, dp)
    assert ask(alice, alice.p2p_chat_with("echo_bot"), "please order tea now") == "tea (4 words)"


def test_chat_type_content_type_and_mentions(trueconf_client_factory: Any, alice: Any) -> None:
    dp = Dispatcher()
    dp.message(ChatTypeFilter("group") & MentionsBot())(lambda message: message.answer("you called, group?"))
    dp.message(ChatTypeFilter(ChatType.GROUP))(lambda message: None)  # the bot stays quiet in groups
    dp.message(ContentType("location"))(lambda message: message.answer("nice place"))
    dp.message(ContentType("attachment", "voice"))(lambda message: message.answer("a file"))
    dp.message(ChatTypeFilter("p2p"))(lambda message: message.answer("private"))
    start_bot(trueconf_client_factory, dp)
    group = alice.create_group_chat("Team", members=["echo_bot"])
    alice.send_message(group, "nobody mentioned")
    called = 'Hey <a href="trueconf:echo_bot@video.example.com">Echo</a>!'
    assert ask(alice, group, called, parse_mode="html") == "you called, group?"
    chat = alice.p2p_chat_with("echo_bot")
    alice.send_location(chat, 55.75, 37.62, "Red Square")
    assert next_text(alice, chat) == "nice place"
    alice.send_file(chat, "a.txt", b"abc", "text/plain")
    assert next_text(alice, chat) == "a file"
    alice.send_voice(chat, b"ogg")
    assert next_text(alice, chat) == "a file"
    assert ask(alice, chat, "text") == "private"


def test_chat_type_is_looked_up_when_the_server_does_not_send_it(trueconf_server: Any,
                                                                   trueconf_client_factory: Any, alice: Any) -> None:
    dp = Dispatcher()
    kinds = ChatTypeFilter("p2p")
    dp.message(kinds)(lambda message: message.answer(f"p2p (chat type in event: {message.chat_type})"))
    bot = start_bot(trueconf_client_factory, dp)
    legacy = Message(chat_id=alice.p2p_chat_with("echo_bot"), content=TextContent(text="x"))
    assert legacy.chat_type is None
    assert kinds.resolve(legacy, {"client": bot, "event_chat_id": legacy.chat_id}) == {}
    assert kinds.resolve(legacy, {"client": None, "event_chat_id": legacy.chat_id}) is None


def test_magic_filters(trueconf_client_factory: Any, alice: Any) -> None:
    magic = pytest.importorskip("magic_filter")
    from trueconf_sync.bot import F

    assert F is magic.F
    dp = Dispatcher()
    dp.message(F.text.startswith("/"))(lambda message: message.answer("slash"))
    dp.message(F.text.regexp(r"\w+ \d+"))(lambda message: message.answer("digits"))
    dp.message(as_filter(F.text.len() > 5) & Text(endswith="!"))(lambda message: message.answer("loud"))
    dp.message(F.author.id.contains("alice"))(lambda message: message.answer("alice"))
    start_bot(trueconf_client_factory, dp)
    chat = alice.p2p_chat_with("echo_bot")
    assert conversation(alice, chat, ["/x", "abc 12", "wow wow!", "hi!"]) == ["slash", "digits", "loud", "alice"]


def test_plain_text_and_mentions_read_markup() -> None:
    def msg(text: str, mode: str) -> Message:
        return Message(content=TextContent(text=text, parse_mode=ParseMode(mode)))

    html = msg('<b>Hi</b> <a href="trueconf:bob@srv&do=profile">Bob</a>,<br>a &amp; b', "html")
    assert plain_text(html) == "Hi Bob,\na & b"
    assert mentions(html) == ["bob@srv"]
    md = msg(r"\*not bold\* [Ann](trueconf:ann@srv) and [x](https://e.com)", "markdown")
    assert plain_text(md) == "*not bold* [Ann](trueconf:ann@srv) and [x](https://e.com)"
    assert mentions(md) == ["ann@srv"]
    assert mentions(msg('<a href="trueconf:bob@srv">', "text")) == []
    assert plain_text(Message()) is None
    on_srv, elsewhere = {"client": SimpleNamespace(user_id="bot@srv")}, {"client": SimpleNamespace(user_id="bot@x")}
    assert Mentions("bob@srv").resolve(html, {}) == {} and Mentions("ann").resolve(html, on_srv) is None
    # a bare login means a user of the bot's own server, never the same login anywhere (issue 18 item 5)
    assert Mentions("bob").resolve(html, on_srv) == {} and Mentions("BOB").resolve(html, on_srv) == {}
    assert Mentions("bob").resolve(html, elsewhere) is None and Mentions("bob").resolve(html, {}) is None
    assert MentionsBot().resolve(html, {"client": None}) is None


def test_filter_objects_are_callables_and_compose_with_plain_functions() -> None:
    hello = Message(content=TextContent(text="hello"))
    assert Text("hello")(hello) is True
    combined = is_number | Text("hello")
    assert isinstance(combined, Filter) and combined.resolve(hello, {}) == {}
    assert (~combined).resolve(hello, {}) is None
    assert repr(Text("a", startswith="b")) == "Text('a', startswith=('b',))"


@pytest.mark.parametrize("make, error", [
    (lambda: Text(), "give values"),
    (lambda: Text(1), "must be a str"),  # type: ignore[arg-type]
    (lambda: ContentType(), "at least one"),
    (lambda: ContentType("video"), "unknown content type"),
    (lambda: ChatTypeFilter("room"), "unknown chat type"),
    (lambda: FromUser(), "at least one user"),
    (lambda: ExceptionType(int), "exception classes"),  # type: ignore[arg-type]
    (lambda: as_filter(42), "a filter must be"),
])
def test_bad_filters_are_refused(make: Any, error: str) -> None:
    with pytest.raises((ValueError, TypeError), match=error):
        make()
