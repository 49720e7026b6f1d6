"""Reply quotes (PROTOCOL §12.3) both ways, and contacts shared as profile links (§12.9)."""

from __future__ import annotations

import queue

import pytest

from trueconf_sync.api.models.quoting import Contact


def _collect(client):
    got: queue.Queue = queue.Queue()
    client.on_message(got.put)
    return got


@pytest.mark.parametrize(
    ("mode", "text", "expected_text", "expected_mode"),
    [
        ("text", "Thanks & bye", '<quote class="reply">Order #42</quote><br><br>Thanks &amp; bye', "html"),
        ("html", "<b>Thanks</b>", '<quote class="reply">Order #42</quote><br><br><b>Thanks</b>', "html"),
        ("markdown", "**Thanks**", ">Order #42\n\n**Thanks**", "markdown"),
    ],
)
def test_reply_with_quote_is_sent_as_the_protocol_says(trueconf_client, alice, alice_chat, mode, text,
                                                      expected_text, expected_mode):
    original = alice.send_message(alice_chat, "Order #42 is ready")
    trueconf_client.send_message(alice_chat, text, parse_mode=mode, reply_message_id=original, quote="Order #42")
    seen = alice.wait_for_message(alice_chat)
    assert seen["content"]["text"] == expected_text
    assert seen["content"]["parseMode"] == expected_mode
    assert seen["replyMessageId"] == original


def test_incoming_quote_is_split_off(trueconf_client, alice, alice_chat):
    got = _collect(trueconf_client)
    sent = trueconf_client.send_message(alice_chat, "Order #42 is ready")
    alice.send_message(alice_chat, '<quote class="reply">Order &amp; #42</quote><br><br>Thanks!',
                       parse_mode="html", reply_message_id=sent.message_id)
    message = got.get(timeout=5)
    assert message.quote == "Order & #42"
    assert message.text_without_quote == "Thanks!"
    alice.send_message(alice_chat, ">line one\n>line two\n\nanswer", parse_mode="markdown")
    message = got.get(timeout=5)
    assert (message.quote, message.text_without_quote) == ("line one\nline two", "answer")
    alice.send_message(alice_chat, "no quote > here")
    message = got.get(timeout=5)
    assert message.quote is None and message.text_without_quote == "no quote > here"


def test_quote_arguments_are_checked_before_sending(trueconf_server, trueconf_client, alice_chat):
    sent_before = trueconf_server.stats["requests"].get("sendMessage", 0)
    with pytest.raises(ValueError, match="quote needs reply_message_id"):
        trueconf_client.send_message(alice_chat, "hi", quote="x")
    with pytest.raises(ValueError, match="quote must not be empty"):
        trueconf_client.send_message(alice_chat, "hi", reply_message_id="m", quote="  ")
    with pytest.raises(TypeError, match="quote must be a str"):
        trueconf_client.send_message(alice_chat, "hi", reply_message_id="m", quote=5)
    with pytest.raises(ValueError, match=r"text \(with its quote\) is 4097 visible characters long; the limit is 4096"):
        trueconf_client.send_message(alice_chat, "x" * 4000, reply_message_id="m", quote="q" * 97)
    assert trueconf_server.stats["requests"].get("sendMessage", 0) == sent_before


def test_contact_shared_as_a_profile_link(trueconf_client, alice, alice_chat):
    got = _collect(trueconf_client)
    alice.send_message(alice_chat, '<a href="trueconf:bob@video.example.com&amp;do=profile">Bob &amp; Co</a>',
                       parse_mode="html")
    assert got.get(timeout=5).contact == Contact("bob@video.example.com", "Bob & Co")
    alice.send_message(alice_chat, '<a href="trueconf:carol@video.example.com">Carol</a>', parse_mode="html")
    assert got.get(timeout=5).contact == Contact("carol@video.example.com", "Carol")
    alice.send_message(alice_chat, 'see <a href="trueconf:bob@video.example.com">Bob</a>', parse_mode="html")
    assert got.get(timeout=5).contact is None  # a mention inside text is not a shared contact
