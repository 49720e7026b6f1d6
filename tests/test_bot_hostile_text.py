"""Peer text cannot stall a bot (issue 18 item 12): markup stripping, mention and command parsing are linear.

The inputs are the shapes that made the old regular expressions backtrack quadratically: 49k characters
took 2-17 s each; these are three times longer, so the old code would need minutes. The timeout is a
does-not-hang bound, not a speed measurement; correctness on the same inputs is asserted too.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_bot_helpers import ask, start_bot

from trueconf_sync.api.models.content import TextContent
from trueconf_sync.bot import Command, Dispatcher, Mentions, mentions, strip_markup
from trueconf_sync.enums import ParseMode
from trueconf_sync.models import Message

N = 150_000
HOSTILE_HTML = ["<" * N, "<a " * (N // 3), "<a href" * (N // 7), "<a x='" * (N // 6),
                '<a href="trueconf:' + "x" * N, '<a href="trueconf:x' + '"' * N, "<br " * (N // 4)]
HOSTILE_MARKDOWN = ["[x](trueconf:" * (N // 13), "[y](trueconf:" + "x" * N, "[y](trueconf:x" + "&" * N]


def message(text: str, mode: ParseMode) -> Message:
    return Message(content=TextContent(text=text, parse_mode=mode))


@pytest.mark.timeout(60)
def test_hostile_markup_is_read_in_linear_time() -> None:
    for text in HOSTILE_HTML:
        stripped = strip_markup(text, ParseMode.HTML)
        assert len(stripped) >= len(text) - 20 * (text.count(">") + 1)  # unclosed "<" stay text
        assert mentions(message(text, ParseMode.HTML)) == []
        assert Command("start").resolve(message(text, ParseMode.HTML), {}) is None
        assert Mentions("bot@srv").resolve(message(text, ParseMode.HTML), {}) is None
    for text in HOSTILE_MARKDOWN:
        assert strip_markup(text, ParseMode.MARKDOWN) == text
        assert Command("start").resolve(message(text, ParseMode.MARKDOWN), {}) is None


def test_markup_still_reads_as_before() -> None:
    html = 'a < b <b>Hi</b> <a href="trueconf:bob@srv&amp;do=profile">Bob</a>,<br>x<BR />y &amp; z'
    assert strip_markup(html, ParseMode.HTML) == "a < b Hi Bob,\nx\ny & z"
    assert mentions(message(html, ParseMode.HTML)) == ["bob@srv"]
    lead = '<a href="trueconf:bot@srv&do=profile">Bot</a>, /start go'
    client = type("C", (), {"user_id": "bot@srv"})()
    found = Command("start").resolve(message(lead, ParseMode.HTML), {"client": client})
    assert found is not None and found["command"].args == "go" and found["command"].mention == "bot@srv"
    md = "[Bot](trueconf:bot@srv&do=profile) /start go"
    found = Command("start").resolve(message(md, ParseMode.MARKDOWN), {"client": client})
    assert found is not None and found["command"].args == "go"


@pytest.mark.timeout(60)
def test_a_bot_answers_after_a_hostile_message(trueconf_client_factory: Any, alice: Any) -> None:
    dp = Dispatcher()
    dp.message(Command("ping"))(lambda m: m.answer("pong"))
    dp.message()(lambda m: m.answer(f"got {len(m.text or '')}"))
    start_bot(trueconf_client_factory, dp)
    chat = alice.p2p_chat_with("echo_bot")
    assert ask(alice, chat, "<a " * 1300, parse_mode="html") == "got 3900"  # within the 4096 limit
    assert ask(alice, chat, "/ping") == "pong"
