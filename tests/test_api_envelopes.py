"""Both envelope shapes (PROTOCOL §12.2) read the same, and nothing is dropped for its shape.

Every test here runs twice: against the 5.5.6 default (envelopes with the ``chat`` object) and
against ``FakeTrueConfServer(legacy_envelopes=True)`` (the older flat ``chatId`` only). The typed
messages must be equal apart from ``chat``. Payloads the official SDK drops (§12.2: no ``chat``,
invalid buttons, unknown ``chatType``, missing ``isEdited``/``box``) must still be delivered.
"""

from __future__ import annotations

import queue
from collections.abc import Iterator
from typing import Any

import pytest

from trueconf_sync import ChatType, EnvelopeType, Message
from trueconf_sync.api.models import AttachmentContent, Chat, LocationContent, SurveyContent, TextContent
from trueconf_sync.testing import FakeTrueConfServer

BOT_ID = "echo_bot@video.example.com"


@pytest.fixture(params=[False, True], ids=["5.5.6", "legacy"])
def trueconf_server(request) -> Iterator[FakeTrueConfServer]:
    """Overrides the plugin's server for this module: once per envelope shape."""
    with FakeTrueConfServer(legacy_envelopes=request.param) as server:
        for login in ("echo_bot", "alice", "bob"):
            server.add_user(login, password="password")
        yield server


@pytest.fixture
def legacy(trueconf_server) -> bool:
    return bool(trueconf_server.config.legacy_envelopes)


@pytest.fixture
def messages(trueconf_client) -> queue.Queue:
    got: queue.Queue = queue.Queue()
    trueconf_client.on_message(got.put)
    return got


def typed(message: Message) -> tuple[Any, ...]:
    """What must not depend on the envelope shape."""
    return (message.chat_id, message.type, message.author.id, message.content, message.reply_message_id,
            message.is_edited)


def check_shape(message: Message, chat_id: str, legacy: bool, chat_type: ChatType) -> None:
    assert message.chat_id == chat_id
    if legacy:
        assert message.chat is None and "chat" not in message.raw and message.chat_type is None
    else:
        assert message.chat is not None and message.chat.chat_id == chat_id and message.chat_type == chat_type


def test_incoming_messages_are_typed_the_same(trueconf_client, messages, alice, alice_chat, legacy):
    group = alice.create_group_chat("Shapes", members=["echo_bot"])
    first = alice.send_message(alice_chat, "<b>hi</b>", parse_mode="html")
    alice.send_message(alice_chat, "again", reply_message_id=first)
    alice.send_location(alice_chat, 1.5, 2.5, "Somewhere")
    alice.send_file(alice_chat, "a.txt", b"abc", "text/plain")
    alice.send_survey(alice_chat, "Poll", path="poll")
    alice.forward_message(first, group)
    got = [messages.get(timeout=5) for _ in range(6)]
    for message in got[:5]:
        check_shape(message, alice_chat, legacy, ChatType.P2P)
    check_shape(got[5], group, legacy, ChatType.GROUP)
    assert all(m.author.id == alice.user_id for m in got)
    assert [(m.chat_id, m.type) for m in got] == [
        (alice_chat, EnvelopeType.PLAIN_MESSAGE), (alice_chat, EnvelopeType.PLAIN_MESSAGE),
        (alice_chat, EnvelopeType.LOCATION), (alice_chat, EnvelopeType.ATTACHMENT),
        (alice_chat, EnvelopeType.SURVEY), (group, EnvelopeType.FORWARDED_MESSAGE)]
    assert got[0].content == TextContent(text="<b>hi</b>", parse_mode="html")
    assert got[1].reply_message_id == first
    assert (got[1].reply_message is None) == legacy  # replyMessage is a 5.5.6 addition (§12.3)
    assert got[2].content == LocationContent(latitude=1.5, longitude=2.5, title="Somewhere")
    assert isinstance(got[3].content, AttachmentContent) and got[3].content.name == "a.txt"
    assert isinstance(got[4].content, SurveyContent) and got[4].content.title == "Poll"
    inner = got[5].content
    assert isinstance(inner, Message) and inner.message_id == first and inner.chat_id == alice_chat
    assert inner.text == "<b>hi</b>"


def test_history_message_by_id_and_last_message(trueconf_client, alice, alice_chat, legacy):
    sent = alice.send_message(alice_chat, "stored")
    [item] = trueconf_client.get_chat_history(alice_chat)
    fetched = trueconf_client.get_message_by_id(sent)
    for message in (item, fetched):
        check_shape(message, alice_chat, legacy, ChatType.P2P)
        assert message.message_id == sent and message.text == "stored" and message.box is not None
    assert typed(item) == typed(fetched)
    chat = trueconf_client.get_chat_by_id(alice_chat)
    assert isinstance(chat, Chat) and chat.last_message is not None
    assert chat.last_message.text == "stored" and chat.last_message.message_id == sent
    assert chat.last_message.box is None  # LastMessage carries no box (§5.6)
    assert chat.last_message.chat_id == alice_chat  # filled from the chat when the server leaves it out
    assert (chat.last_message.chat is None) == legacy


def test_the_bots_own_buttons_round_trip(trueconf_server, trueconf_client, alice, alice_chat, legacy):
    rows = [[{"label": "Yes", "command": "yes", "type": "command"}]]
    sent = trueconf_client.send_message(alice_chat, "Sure?", buttons=rows)
    fetched = trueconf_client.get_message_by_id(sent.message_id)
    if legacy:  # a 5.5.4 server does not know buttons and drops them; the message itself is fine
        assert fetched.keyboard is None and fetched.text == "Sure?"
    else:
        assert fetched.content.buttons == rows and fetched.keyboard is not None
        assert fetched.keyboard.buttons[0].command == "yes"


# ---- payloads the official SDK drops (§12.2) are delivered ------------------------------------------


def envelope(chat_id: str, **changes: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "chatId": chat_id, "chat": {"chatId": chat_id, "chatTitle": "Support", "chatType": 2},
        "messageId": "m-1", "timestamp": 1790000000000, "author": {"id": "alice@video.example.com", "type": 1},
        "isEdited": False, "box": {"id": 1, "position": "0"}, "type": 200,
        "content": {"text": "Hello", "parseMode": "html"}}
    for key, value in changes.items():
        if value is None:
            payload.pop(key, None)
        else:
            payload[key] = value
    return payload


BAD_BUTTONS = [
    [[{"label": "x" * 40, "command": "c"}]],  # label over 32
    [[{"label": "Run", "command": "run", "waitReply": True}]],  # the SDK fails to parse waitReply
    [[{"label": "L", "command": "c", "url": "https://example.com"}]],  # two actions
    [[{"label": "L", "share": "x", "type": "share"}]],  # a kind the SDK cannot read
    [[{"label": "L", "command": "c"}]] * 9,  # too many rows
    "not even a list",
]


@pytest.mark.parametrize("buttons", BAD_BUTTONS, ids=["label", "wait-reply", "two-actions", "share", "rows", "str"])
def test_messages_with_invalid_buttons_are_kept(trueconf_server, messages, buttons):
    payload = envelope("chat-1", content={"text": "Pick one", "parseMode": "text", "buttons": buttons})
    trueconf_server.push_event("sendMessage", payload, login="echo_bot")
    message = messages.get(timeout=5)
    assert message.text == "Pick one" and message.chat_id == "chat-1"
    assert message.raw["content"]["buttons"] == buttons  # kept as received
    message.keyboard  # reading the keyboard never raises  # noqa: B018
    trueconf_server.wait_for(lambda s: s.stats["unacked"] == 0, timeout=3)


@pytest.mark.parametrize(
    "changes",
    [
        {"chat": None},  # flat chatId only (what 1.5.x drops)
        {"chatId": None},  # chat object only
        {"chat": {"chatId": "chat-1", "chatTitle": None, "chatType": 42}},  # unknown chatType, null title
        {"isEdited": None, "box": None},  # missing required fields
        {"type": 1, "box": None, "author": {"id": "video.example.com", "type": 0},
         "content": {"userId": "bob@video.example.com", "role": 3}},  # system, no box, numeric role
        {"replyMessageId": "gone", "replyMessage": None},
        {"timestamp": 1790000000},  # seconds instead of milliseconds (§11 item 9)
    ],
    ids=["flat-only", "chat-only", "unknown-chat-type", "no-is-edited-no-box", "system-no-box", "reply-null",
         "seconds"],
)
def test_envelope_variants_are_delivered(trueconf_server, messages, changes):
    payload = envelope("chat-1", **changes)
    trueconf_server.push_event("sendMessage", payload, login="echo_bot")
    message = messages.get(timeout=5)
    assert message.chat_id == "chat-1" and message.message_id == "m-1"
    assert message.timestamp == 1790000000000
    assert message.raw == payload
    if "chat" in changes and changes["chat"] is not None:
        assert message.chat_type == 42 and message.chat_type.name == "UNKNOWN_42"
        assert message.chat.chat_title is None
    if changes.get("type") == 1:
        assert message.is_system and message.content.role == "conf_owner"


def test_chat_event_whose_last_message_lacks_chat(trueconf_server, trueconf_client):
    created: queue.Queue = queue.Queue()
    trueconf_client.on_chat_created(created.put)
    last = {"messageId": "m-9", "timestamp": 1790000000000, "author": {"id": "ivanov.ivan", "type": 0},
            "type": 21, "content": {"title": "Support"}}
    trueconf_server.push_event("createGroupChat", {"chatId": "g-1", "title": "Support", "chatType": 2,
                                                   "lastMessage": last, "unreadMessages": 0}, login="echo_bot")
    chat = created.get(timeout=5)
    assert chat.chat_id == "g-1" and chat.chat_type == ChatType.GROUP
    assert chat.last_message.type == EnvelopeType.EDIT_CHAT_TITLE and chat.last_message.content.title == "Support"
    assert chat.last_message.chat_id == "g-1"  # real servers leave it out of lastMessage (§5.6): filled in
    assert "chatId" not in chat.last_message.raw
