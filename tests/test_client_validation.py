"""Bad arguments are refused before anything reaches the wire, with an error naming the argument."""

from __future__ import annotations

import pytest

LONG = "x" * 4097


def calls_of(server):
    stats = server.stats
    return dict(stats["requests"]), stats["responses"]


def assert_nothing_sent(server, client, before):
    """Send one good request (requests on one socket arrive in order), then compare the counters."""
    client.get_chats()
    requests, responses = calls_of(server)
    before_requests, before_responses = before
    before_requests = dict(before_requests)
    before_requests["getChats"] = before_requests.get("getChats", 0) + 1
    assert requests == before_requests
    assert responses == before_responses + 1


CASES = [
    # (method, args, kwargs, exception, text the message must contain)
    ("send_message", ("CHAT", LONG), {}, ValueError, "text"),
    ("send_message", ("CHAT", "a" * 2000 + "\U0001F600" * 2097), {}, ValueError, "4096"),
    ("send_message", ("CHAT", ""), {}, ValueError, "text"),
    ("send_message", ("CHAT", "   \n "), {}, ValueError, "text"),
    ("send_message", ("CHAT", None), {}, TypeError, "text"),
    ("send_message", ("CHAT", 42), {}, TypeError, "text"),
    ("send_message", ("", "hi"), {}, ValueError, "chat_id"),
    ("send_message", (" CHAT", "hi"), {}, ValueError, "chat_id"),
    ("send_message", (None, "hi"), {}, TypeError, "chat_id"),
    ("send_message", (123, "hi"), {}, TypeError, "chat_id"),
    ("send_message", ("CHAT", "hi"), {"parse_mode": "bbcode"}, ValueError, "parse_mode"),
    ("send_message", ("CHAT", "hi"), {"parse_mode": 3}, ValueError, "parse_mode"),
    ("send_message", ("CHAT", "hi"), {"reply_message_id": ""}, ValueError, "reply_message_id"),
    ("send_message", ("CHAT", "hi"), {"reply_message_id": 7}, TypeError, "reply_message_id"),
    ("send_message", ("CHAT", "hi"), {"timeout": 0}, ValueError, "timeout"),
    ("send_message", ("CHAT", "hi"), {"timeout": -1}, ValueError, "timeout"),
    ("send_message", ("CHAT", "hi"), {"timeout": "soon"}, ValueError, "timeout"),
    ("edit_message", ("", "hi"), {}, ValueError, "message_id"),
    ("edit_message", ("MSG", LONG), {}, ValueError, "text"),
    ("edit_message", ("MSG", "hi"), {"parse_mode": "rtf"}, ValueError, "parse_mode"),
    ("remove_message", ("",), {}, ValueError, "message_id"),
    ("remove_message", ("MSG",), {"for_all": "yes"}, TypeError, "for_all"),
    ("get_message_by_id", ("",), {}, ValueError, "message_id"),
    ("get_message_by_id", (None,), {}, TypeError, "message_id"),
    ("get_chat_history", ("",), {}, ValueError, "chat_id"),
    ("get_chat_history", ("CHAT",), {"count": 0}, ValueError, "count"),
    ("get_chat_history", ("CHAT",), {"count": -5}, ValueError, "count"),
    ("get_chat_history", ("CHAT",), {"count": True}, TypeError, "count"),
    ("get_chat_history", ("CHAT",), {"count": 2.5}, TypeError, "count"),
    ("get_chat_history", ("CHAT",), {"from_message_id": ""}, ValueError, "from_message_id"),
    ("create_p2p_chat", ("",), {}, ValueError, "user_id"),
    ("create_p2p_chat", (None,), {}, TypeError, "user_id"),
    ("get_chats", (), {"count": 0}, ValueError, "count"),
    ("get_chats", (), {"page": 0}, ValueError, "page"),
    ("get_chats", (), {"count": "10"}, TypeError, "count"),
    ("get_chat_by_id", ("",), {}, ValueError, "chat_id"),
    # a lone surrogate cannot be sent as UTF-8: refused naming the argument, not the JSON frame
    ("send_message", ("CHAT", "hi \ud83d"), {}, ValueError, "text holds a lone surrogate '\\ud83d' at index 3"),
    ("send_message", ("CHAT", "\udc4b" * 5000), {}, ValueError, "text"),
    ("send_message", ("CHAT", "<b>\ud800</b>"), {"parse_mode": "html"}, ValueError, "text holds a lone surrogate"),
    ("edit_message", ("MSG", "\ud800"), {}, ValueError, "text holds a lone surrogate"),
    ("send_message", ("CHAT\ud800", "hi"), {}, ValueError, "chat_id holds a lone surrogate"),
    ("create_group_chat", ("Team \udfff",), {}, ValueError, "title holds a lone surrogate"),
    ("create_channel", ("\ud800",), {}, ValueError, "title holds a lone surrogate"),
]


@pytest.mark.parametrize(("method", "args", "kwargs", "exc", "text"), CASES)
def test_bad_arguments_raise_before_sending(trueconf_server, trueconf_client, method, args, kwargs, exc, text):
    before = calls_of(trueconf_server)
    bound = getattr(trueconf_client, method)
    with pytest.raises(exc) as info:
        bound(*args, **kwargs)
    assert text in str(info.value)
    with pytest.raises(exc) as info:
        bound.future(*args, **kwargs)  # the non-blocking form raises at once too
    assert text in str(info.value)
    assert_nothing_sent(trueconf_server, trueconf_client, before)


def test_text_limit_is_inclusive(trueconf_server, trueconf_client, alice_chat):
    sent = trueconf_client.send_message(alice_chat, "y" * 4096)
    stored = {m["messageId"]: m for m in trueconf_server.chat_messages(alice_chat)}
    assert len(stored[sent.message_id]["content"]["text"]) == 4096


def test_html_markup_does_not_count_towards_the_limit(trueconf_client, alice_chat):
    text = "<b>" + "z" * 4096 + "</b>"
    assert trueconf_client.send_message(alice_chat, text, parse_mode="html").chat_id == alice_chat
    with pytest.raises(ValueError, match="text"):
        trueconf_client.send_message(alice_chat, text, parse_mode="text")


def test_unconnected_client_validates_without_connecting(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(connect=False)
    with pytest.raises(ValueError, match="chat_id"):
        client.send_message("", "hi")
    with pytest.raises(ValueError, match="count"):
        client.get_chats.future(count=0)
    assert trueconf_server.stats["total_connections"] == 0
    assert client.state == "disconnected"


@pytest.mark.parametrize(
    ("method", "payload", "exc"),
    [("", None, TypeError), (None, None, TypeError), (5, None, TypeError), ("getChats", [1], TypeError),
     ("getChats", "count=1", TypeError)],
)
def test_raw_call_argument_errors(trueconf_server, trueconf_client, method, payload, exc):
    before = calls_of(trueconf_server)
    with pytest.raises(exc):
        trueconf_client.call(method, payload)
    with pytest.raises(exc):
        trueconf_client.call_future(method, payload)
    assert_nothing_sent(trueconf_server, trueconf_client, before)


RAW_PAYLOADS = [
    # (payload of client.call, exception, the whole message): strict JSON, the path inside the payload
    ({"n": float("nan")}, ValueError, "payload['n']: float nan is not valid JSON (floats must be finite)"),
    ({"n": float("inf")}, ValueError, "payload['n']: float inf is not valid JSON (floats must be finite)"),
    ({"items": [0, 1, {"n": 10**400}]}, ValueError,
     "payload['items'][2]['n']: integer of 1329 bits is outside the signed 64-bit range (-2**63 .. 2**63-1)"),
    ({"n": 2**63}, ValueError,
     "payload['n']: integer 9223372036854775808 is outside the signed 64-bit range (-2**63 .. 2**63-1)"),
    ({"chatId": "c", "text": "x\ud800"}, ValueError,
     "payload['text']: string holds a lone surrogate '\\ud800' at index 1 (not encodable as UTF-8)"),
    ({"x": {1, 2}}, TypeError, "payload['x']: Object of type set is not JSON serializable"),
]


@pytest.mark.parametrize(("payload", "exc", "message"), RAW_PAYLOADS)
def test_raw_call_refuses_what_is_not_strict_json_before_sending(trueconf_server, trueconf_client, payload, exc,
                                                                  message):
    before = calls_of(trueconf_server)
    with pytest.raises(exc) as info:
        trueconf_client.call("getChats", payload)
    assert str(info.value) == message
    with pytest.raises(exc) as info:
        trueconf_client.call_future("getChats", payload)
    assert str(info.value) == message
    assert_nothing_sent(trueconf_server, trueconf_client, before)


def test_raw_call_sends_what_is_strict_json(trueconf_server, trueconf_client, alice_chat):
    text = "\U0001F600 order 123456789012345678901234567890 is null"  # looks like a big number / null
    content = {"text": text, "parseMode": "text"}
    answer = trueconf_client.call("sendMessage", {"chatId": alice_chat, "content": content})
    stored = {m["messageId"]: m for m in trueconf_server.chat_messages(alice_chat)}
    assert stored[answer["messageId"]]["content"]["text"] == text
