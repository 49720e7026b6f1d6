"""Lenient parsing of what the server sends (DESIGN.md): odd envelopes are read, never dropped.

Each test pushes a crafted ``sendMessage`` event from the fake server over the real socket and
checks the typed :class:`~trueconf_sync.Message` the handler receives: unknown enum values become
``UNKNOWN_<n>`` members, missing fields take defaults, extra fields are ignored (but kept in
``raw``), an unreadable value costs only its own field, and the content follows the envelope type.
"""

from __future__ import annotations

import itertools
import queue
from typing import Any

import pytest

from trueconf_sync import AuthorType, ChatType, EnvelopeType, Message, ParseMode
from trueconf_sync.api.models import AttachmentContent, TextContent, UnknownContent


@pytest.fixture
def deliver(trueconf_server: Any, trueconf_client: Any) -> Any:
    """``deliver(payload) -> Message``: push a sendMessage event to the bot, return what its handler got."""
    got: queue.Queue[Message] = queue.Queue()
    trueconf_client.on_message(got.put)

    def push(payload: dict[str, Any]) -> Message:
        trueconf_server.push_event("sendMessage", payload, login="echo_bot")
        return got.get(timeout=5)

    return push


_ids = itertools.count(1)


def envelope(**changes: Any) -> dict[str, Any]:
    """A sendMessage payload with ``changes`` (``...`` removes a key); a fresh ``messageId`` each time
    (the client skips a message id it has already delivered)."""
    base: dict[str, Any] = {
        "messageId": f"m-{next(_ids)}", "chatId": "chat-1", "timestamp": 1790000000000,
        "author": {"id": "alice@video.example.com", "type": 1}, "type": 200,
        "content": {"text": "hello", "parseMode": "text"}, "isEdited": False, "box": {"id": 9, "position": "0"},
    }
    base.update(changes)
    return {key: value for key, value in base.items() if value is not ...}


def test_a_typical_envelope_reads_into_typed_fields(deliver):
    message = deliver(envelope(chat={"chatId": "chat-1", "chatTitle": None, "chatType": 2}))
    assert message.message_id.startswith("m-")
    assert (message.chat_id, message.timestamp) == ("chat-1", 1790000000000)
    assert message.author.id == "alice@video.example.com" and message.author.type is AuthorType.USER
    assert message.type is EnvelopeType.PLAIN_MESSAGE
    assert isinstance(message.content, TextContent) and message.text == "hello"
    assert message.parse_mode is ParseMode.TEXT
    assert message.box is not None and (message.box.id, message.box.position) == (9, "0")
    assert message.chat is not None and message.chat.chat_type is ChatType.GROUP
    assert message.chat.chat_title is None


def test_unknown_enum_values_become_unknown_members(deliver):
    message = deliver(envelope(author={"id": "x", "type": 77}, chat={"chatId": "chat-1", "chatType": 42},
                               content={"text": "hi", "parseMode": "rtf"}))
    assert message.author.type == 77 and message.author.type.name == "UNKNOWN_77"
    assert isinstance(message.author.type, AuthorType)
    assert message.chat is not None and message.chat.chat_type.name == "UNKNOWN_42"
    assert message.parse_mode == "rtf" and message.parse_mode is not None
    assert message.parse_mode.name == "UNKNOWN_rtf"


def test_enum_values_in_another_case_read_as_the_member(deliver):
    assert deliver(envelope(content={"text": "<b>x</b>", "parseMode": "HTML"})).parse_mode is ParseMode.HTML


def test_missing_fields_take_defaults_and_extra_ones_are_kept_in_raw(deliver):
    payload = {"messageId": "m-2", "chatId": "chat-1", "type": 200, "content": {"text": "bare"},
               "brandNew": {"nested": [1, 2]}}
    message = deliver(payload)
    assert (message.message_id, message.text, message.timestamp, message.is_edited) == ("m-2", "bare", 0, False)
    assert message.box is None and message.chat is None and message.reply_message_id is None
    assert message.author.id == "" and message.author.raw == {}
    assert message.raw == payload and message.content.raw == {"text": "bare"}


def test_an_unreadable_value_costs_only_its_field(deliver):
    message = deliver(envelope(timestamp="soon", box={"id": "nine", "position": 3}, isEdited="yes"))
    assert message.timestamp == 0  # its default
    assert (message.text, message.author.id) == ("hello", "alice@video.example.com")
    assert message.is_edited is True  # lenient bool: "yes"
    assert message.box is not None and message.box.id == 0 and message.box.position == "3"
    assert message.raw["timestamp"] == "soon"


def test_nulls_and_numbers_where_strings_are_expected(deliver):
    message = deliver(envelope(messageId=None, chatId=12345, author={"id": None, "type": None}))
    assert (message.message_id, message.chat_id, message.author.id) == ("", "12345", "")


def test_timestamps_in_seconds_are_scaled_to_milliseconds(deliver):
    assert deliver(envelope(timestamp=1790000000)).timestamp == 1790000000000
    assert deliver(envelope(timestamp="1790000000123")).timestamp == 1790000000123


def test_content_follows_the_envelope_type(deliver):
    attachment = deliver(envelope(type=202, content={"name": "a.txt", "mimeType": "text/plain", "size": 3,
                                                     "id": "file-old-key"}))
    assert isinstance(attachment.content, AttachmentContent)
    assert (attachment.content.name, attachment.content.file_id) == ("a.txt", "file-old-key")  # older key "id"
    odd = deliver(envelope(content="not an object"))
    assert isinstance(odd.content, UnknownContent) and odd.content.raw == {"value": "not an object"}
    unknown = deliver(envelope(type=999, content={"what": 1}))
    assert isinstance(unknown.content, UnknownContent) and unknown.content.raw == {"what": 1}


def test_a_forward_holds_the_original_message(deliver):
    original = envelope(messageId="m-orig", content={"text": "original", "parseMode": "text"})
    message = deliver(envelope(type=201, content=original))
    assert message.is_forward and isinstance(message.content, Message)
    assert message.content.message_id == "m-orig" and message.text == "original"
    flattened = deliver(envelope(type=201, content={"text": "forward of a forward", "parseMode": "text"}))
    assert isinstance(flattened.content, TextContent) and flattened.text == "forward of a forward"


def test_chat_id_comes_from_the_chat_object_when_the_flat_key_is_missing(deliver):
    message = deliver(envelope(chatId=..., chat={"chatId": "chat-9", "chatType": 1}))
    assert message.chat_id == "chat-9"


def test_a_reply_message_nests_a_whole_message(deliver):
    message = deliver(envelope(replyMessageId="m-0", replyMessage=envelope(messageId="m-0", timestamp="bad")))
    assert message.reply_message is not None and message.reply_message.message_id == "m-0"
    assert message.reply_message.text == "hello" and message.reply_message.timestamp == 0
