"""The methods of the core issue against the fake server: typed results, visible effects, API errors."""

from __future__ import annotations

import pytest

from trueconf_sync import ApiError, ChatType, EnvelopeType, Message, ParseMode, SentMessage
from trueconf_sync.api.models import Chat, ChatHistory, EditedMessage, TextContent

BOT_ID = "echo_bot@video.example.com"


# ---- send_message -------------------------------------------------------------------------------


def test_send_message_returns_typed_result_and_alice_sees_it(trueconf_client, alice, alice_chat):
    sent = trueconf_client.send_message(alice_chat, "Disk almost full on db-1")
    assert isinstance(sent, SentMessage)
    assert sent.chat_id == alice_chat
    assert isinstance(sent.message_id, str) and sent.message_id
    assert isinstance(sent.timestamp, int) and sent.timestamp > 1_600_000_000_000  # Unix ms
    seen = alice.wait_for_message(alice_chat, timeout=2)
    assert seen["messageId"] == sent.message_id
    assert seen["author"]["id"] == BOT_ID
    assert seen["content"] == {"text": "Disk almost full on db-1", "parseMode": "text"}


def test_send_message_with_reply(trueconf_client, alice, alice_chat):
    question = alice.send_message(alice_chat, "what's up?")
    sent = trueconf_client.send_message(alice_chat, "all good", reply_message_id=question)
    seen = alice.wait_for_message(alice_chat, timeout=2)
    assert seen["messageId"] == sent.message_id
    assert seen["replyMessageId"] == question
    fetched = trueconf_client.get_message_by_id(sent.message_id)
    assert fetched.reply_message_id == question
    assert fetched.reply_message is not None and fetched.reply_message.text == "what's up?"


def test_send_message_reply_to_unknown_message_is_306(trueconf_client, alice_chat):
    with pytest.raises(ApiError) as info:
        trueconf_client.send_message(alice_chat, "hi", reply_message_id="no-such-message")
    assert info.value.code == 306
    assert info.value.name == "MESSAGE_NOT_FOUND"


@pytest.mark.parametrize(
    ("parse_mode", "text", "wire_mode"),
    [
        (None, "plain *text*", "text"),
        ("text", "plain *text*", "text"),
        ("markdown", "**bold** and _italic_", "markdown"),
        ("MARKDOWN", "**bold**", "markdown"),
        ("html", "<b>bold</b> &amp; <i>italic</i>", "html"),
        (ParseMode.HTML, "<u>under</u>", "html"),
    ],
)
def test_send_message_parse_modes(trueconf_server, trueconf_client, alice_chat, parse_mode, text, wire_mode):
    sent = trueconf_client.send_message(alice_chat, text, parse_mode=parse_mode)
    stored = [m for m in trueconf_server.chat_messages(alice_chat) if m["messageId"] == sent.message_id]
    assert len(stored) == 1
    assert stored[0]["content"] == {"text": text, "parseMode": wire_mode}
    message = trueconf_client.get_message_by_id(sent.message_id)
    assert message.parse_mode == ParseMode(wire_mode)
    assert message.text == text


def test_send_formatted_text_brings_its_parse_mode(trueconf_server, trueconf_client, alice_chat):
    from trueconf_sync.text.formatting import html

    text = html.bold("Alert: ", html.italic("<db-1> & co"))
    sent = trueconf_client.send_message(alice_chat, text)
    stored = [m for m in trueconf_server.chat_messages(alice_chat) if m["messageId"] == sent.message_id]
    assert stored[0]["content"]["parseMode"] == "html"
    assert stored[0]["content"]["text"] == str(text)
    assert "&lt;db-1&gt; &amp; co" in stored[0]["content"]["text"]


def test_send_message_unicode_roundtrip(trueconf_client, alice, alice_chat):
    text = "Привет, 世界! 🎉 \u00e9\u0301 \"quotes\" \\ back"
    trueconf_client.send_message(alice_chat, text)
    assert alice.wait_for_message(alice_chat, timeout=2)["content"]["text"] == text


def test_send_message_to_unknown_chat_is_304(trueconf_client):
    with pytest.raises(ApiError) as info:
        trueconf_client.send_message("no-such-chat", "hello")
    error = info.value
    assert error.code == 304
    assert error.name == "CHAT_NOT_FOUND"
    assert error.method == "sendMessage"
    assert error.payload["errorCode"] == 304
    assert "304" in str(error)


# ---- edit / remove / get --------------------------------------------------------------------------


def test_edit_message(trueconf_server, trueconf_client, alice_chat):
    sent = trueconf_client.send_message(alice_chat, "first draft")
    edited = trueconf_client.edit_message(sent.message_id, "<b>final</b>", parse_mode="html")
    assert isinstance(edited, EditedMessage)
    assert edited.message_id == sent.message_id
    assert edited.timestamp >= sent.timestamp
    stored = {m["messageId"]: m for m in trueconf_server.chat_messages(alice_chat)}
    assert stored[sent.message_id]["content"] == {"text": "<b>final</b>", "parseMode": "html"}
    assert stored[sent.message_id]["isEdited"] is True
    message = trueconf_client.get_message_by_id(sent.message_id)
    assert message.text == "<b>final</b>" and message.is_edited


def test_edit_unknown_message_is_306(trueconf_client):
    with pytest.raises(ApiError) as info:
        trueconf_client.edit_message("no-such-message", "x")
    assert info.value.code == 306
    assert info.value.name == "MESSAGE_NOT_FOUND"


def test_edit_someone_elses_message_is_refused(trueconf_client, alice, alice_chat):
    theirs = alice.send_message(alice_chat, "mine")
    with pytest.raises(ApiError) as info:
        trueconf_client.edit_message(theirs, "hacked")
    assert info.value.code in (302, 303)


def test_remove_message_for_all(trueconf_server, trueconf_client, alice_chat):
    keep = trueconf_client.send_message(alice_chat, "keep me")
    gone = trueconf_client.send_message(alice_chat, "delete me")
    assert trueconf_client.remove_message(gone.message_id, for_all=True) is None
    ids = [m["messageId"] for m in trueconf_server.chat_messages(alice_chat)]
    assert ids == [keep.message_id]
    with pytest.raises(ApiError) as info:
        trueconf_client.get_message_by_id(gone.message_id)
    assert info.value.code == 306


def test_remove_message_only_for_the_bot(trueconf_server, trueconf_client, alice, alice_chat):
    theirs = alice.send_message(alice_chat, "hello bot")
    trueconf_client.remove_message(theirs)  # default: only for the bot
    assert [m["messageId"] for m in trueconf_server.chat_messages(alice_chat)] == [theirs]
    with pytest.raises(ApiError) as info:
        trueconf_client.get_message_by_id(theirs)
    assert info.value.code == 306


def test_remove_unknown_message_is_306(trueconf_client):
    with pytest.raises(ApiError) as info:
        trueconf_client.remove_message("no-such-message", for_all=True)
    assert info.value.code == 306


def test_get_message_by_id_typed(trueconf_client, alice, alice_chat):
    message_id = alice.send_message(alice_chat, "**hi**", parse_mode="markdown")
    message = trueconf_client.get_message_by_id(message_id)
    assert isinstance(message, Message)
    assert message.message_id == message_id
    assert message.chat_id == alice_chat
    assert message.author.id == alice.user_id
    assert message.type == EnvelopeType.PLAIN_MESSAGE
    assert isinstance(message.content, TextContent)
    assert message.content.text == "**hi**"
    assert message.parse_mode == ParseMode.MARKDOWN
    assert message.timestamp > 0 and message.box is not None and message.box.id >= 1
    assert message.chat is not None and message.chat.chat_id == alice_chat
    assert message.chat_type == ChatType.P2P
    assert message.raw["messageId"] == message_id


def test_get_unknown_message_is_306(trueconf_client):
    with pytest.raises(ApiError) as info:
        trueconf_client.get_message_by_id("no-such-message")
    assert info.value.code == 306
    assert info.value.name == "MESSAGE_NOT_FOUND"
    assert info.value.method == "getMessageById"


# ---- history ---------------------------------------------------------------------------------------


def test_get_chat_history_newest_first_and_paging(trueconf_client, alice, alice_chat):
    texts = [f"m{i}" for i in range(7)]
    for i, text in enumerate(texts):
        if i % 2:
            trueconf_client.send_message(alice_chat, text)
        else:
            alice.send_message(alice_chat, text)
    first = trueconf_client.get_chat_history(alice_chat, count=3)
    assert isinstance(first, ChatHistory)
    assert first.chat_id == alice_chat
    assert first.count == 3 and len(first) == 3
    assert all(isinstance(m, Message) for m in first)
    assert [m.text for m in first] == ["m6", "m5", "m4"]
    # page back from the oldest message we have (the fake server includes it by default, §3.6)
    second = trueconf_client.get_chat_history(alice_chat, count=3, from_message_id=first[-1].message_id)
    assert [m.text for m in second] == ["m4", "m3", "m2"]
    third = trueconf_client.get_chat_history(alice_chat, count=10, from_message_id=second[-1].message_id)
    assert [m.text for m in third] == ["m2", "m1", "m0"]
    everything = trueconf_client.get_chat_history(alice_chat, count=100)
    assert [m.text for m in everything] == texts[::-1]
    authors = {m.text: m.author.id for m in everything}
    assert authors["m0"] == alice.user_id and authors["m1"] == BOT_ID


def test_get_chat_history_from_excluded_when_server_says_so(trueconf_server, trueconf_client, alice, alice_chat):
    trueconf_server.config.history_includes_from = False
    ids = [alice.send_message(alice_chat, f"x{i}") for i in range(4)]
    page = trueconf_client.get_chat_history(alice_chat, count=10, from_message_id=ids[2])
    assert [m.text for m in page] == ["x1", "x0"]


def test_get_chat_history_errors(trueconf_client, alice_chat):
    with pytest.raises(ApiError) as info:
        trueconf_client.get_chat_history("no-such-chat")
    assert info.value.code == 304
    with pytest.raises(ApiError) as info:
        trueconf_client.get_chat_history(alice_chat, from_message_id="no-such-message")
    assert info.value.code == 306


def test_get_chat_history_empty_chat(trueconf_client, alice_chat):
    history = trueconf_client.get_chat_history(alice_chat)
    assert history.chat_id == alice_chat
    assert list(history) == [] and history.count == 0


# ---- chats ---------------------------------------------------------------------------------------


def test_create_p2p_chat(trueconf_server, trueconf_client, alice):
    chat_id = trueconf_client.create_p2p_chat(alice.user_id)
    assert isinstance(chat_id, str) and chat_id
    assert trueconf_client.create_p2p_chat(alice.user_id) == chat_id  # idempotent
    chat = trueconf_server.get_chat(chat_id)
    assert chat is not None
    assert set(chat["members"]) == {BOT_ID, alice.user_id}
    assert chat["chatType"] == 1
    assert alice.p2p_chat_with("echo_bot") == chat_id


def test_create_p2p_chat_with_unknown_user(trueconf_client):
    with pytest.raises(ApiError) as info:
        trueconf_client.create_p2p_chat("nobody@video.example.com")
    assert info.value.code in (304, 305)


def test_get_chat_by_id(trueconf_client, alice, alice_chat):
    alice.send_message(alice_chat, "unread one")
    chat = trueconf_client.get_chat_by_id(alice_chat)
    assert isinstance(chat, Chat)
    assert chat.chat_id == alice_chat
    assert chat.chat_type == ChatType.P2P
    assert chat.title == alice.user_id
    assert isinstance(chat.last_message, Message)
    assert chat.last_message.text == "unread one"
    assert chat.raw["chatId"] == alice_chat


def test_get_group_chat_by_id(trueconf_client, alice):
    group = alice.create_group_chat("Ops team", members=["echo_bot", "bob"])
    chat = trueconf_client.get_chat_by_id(group)
    assert chat.chat_type == ChatType.GROUP
    assert chat.title == "Ops team"
    assert chat.last_message is None


def test_get_unknown_chat_is_304(trueconf_client):
    with pytest.raises(ApiError) as info:
        trueconf_client.get_chat_by_id("no-such-chat")
    assert info.value.code == 304
    assert info.value.name == "CHAT_NOT_FOUND"


def test_get_chats_paging(trueconf_client, alice, bob, trueconf_server):
    trueconf_server.add_user("carol")
    carol = trueconf_server.user("carol")
    expected = {
        trueconf_client.create_p2p_chat(alice.user_id),
        trueconf_client.create_p2p_chat(bob.user_id),
        trueconf_client.create_p2p_chat(carol.user_id),
        alice.create_group_chat("Group A", members=["echo_bot"]),
        bob.create_channel("Channel B", members=["echo_bot"]),
    }
    alice.create_group_chat("Without the bot", members=["bob"])
    pages = [trueconf_client.get_chats(count=2, page=n) for n in (1, 2, 3, 4)]
    assert [len(p) for p in pages] == [2, 2, 1, 0]
    seen = [chat.chat_id for page in pages for chat in page]
    assert len(seen) == len(set(seen)) == 5
    assert set(seen) == expected
    assert all(isinstance(chat, Chat) for page in pages for chat in page)
    types = {chat.chat_id: chat.chat_type for page in pages for chat in page}
    assert sorted(types.values()) == [ChatType.P2P] * 3 + [ChatType.GROUP, ChatType.CHANNEL]
    assert {c.chat_id for c in trueconf_client.get_chats(count=50)} == expected
    assert trueconf_client.get_chats() == pages[0] + pages[1] + pages[2]  # default count 10, page 1


def test_get_chats_reports_unread_messages(trueconf_client, trueconf_client_factory, alice, alice_chat):
    trueconf_client.close()  # nobody online to read (ack) them
    alice.send_message(alice_chat, "one")
    alice.send_message(alice_chat, "two")
    client = trueconf_client_factory()
    [chat] = client.get_chats()
    assert chat.unread_messages == 2
    assert chat.last_message is not None and chat.last_message.text == "two"
