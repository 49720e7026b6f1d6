"""Fake server: messages, history, events, acks, unread replay and fault hooks (§3.1–§3.13, §4, §5)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import websocket

from trueconf_sync.testing import FakeTrueConfServer

BOT = "echo_bot@video.example.com"
ALICE = "alice@video.example.com"


def text(value: str, mode: str = "text") -> dict[str, Any]:
    return {"text": value, "parseMode": mode}


def p2p(client: Any, user: str = ALICE) -> str:
    chat_id: str = client.request("createP2PChat", {"userId": user})["chatId"]
    return chat_id


def test_send_message_stores_envelope_and_answers(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = p2p(client)
    reply = client.request("sendMessage", {"chatId": chat_id, "replyMessageId": None, "content": text("hi")})
    assert set(reply) == {"chatId", "messageId", "timestamp"}
    assert reply["chatId"] == chat_id and len(str(reply["timestamp"])) == 13
    [stored] = fake.chat_messages(chat_id)
    assert stored["messageId"] == reply["messageId"]
    assert stored["author"] == {"id": BOT, "type": 1}
    assert stored["box"] == {"id": 1, "position": "0"}
    assert stored["type"] == 200 and stored["content"] == text("hi")
    assert stored["chat"]["chatId"] == chat_id and stored["chat"]["chatType"] == 1
    envelope = fake.user("alice").wait_for_message(chat_id, timeout=2)
    assert envelope["content"]["text"] == "hi"
    assert envelope["chat"]["chatTitle"] == BOT  # P2P title = the peer, seen from alice


def test_send_message_errors(connect: Any) -> None:
    client = connect()
    assert client.request("sendMessage", {"chatId": "nope", "content": text("x")}) == {"errorCode": 304}
    chat_id = p2p(client)
    assert client.request("sendMessage", {"chatId": chat_id, "content": {"text": 1}}) == {"errorCode": 399}
    assert client.request("sendMessage", {"chatId": chat_id, "content": text("x", "rtf")}) == {"errorCode": 399}
    assert client.request("sendMessage", {"chatId": chat_id, "replyMessageId": "missing",
                                          "content": text("x")}) == {"errorCode": 306}


def test_send_to_chat_without_membership_305(fake: FakeTrueConfServer, connect: Any) -> None:
    chat_id = fake.user("alice").create_group_chat("Private", members=["bob"])
    assert connect().request("sendMessage", {"chatId": chat_id, "content": text("x")}) == {"errorCode": 305}


def test_user_message_event_and_p2p_announcement(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    chat_id = alice.p2p_chat_with("echo_bot")
    message_id = alice.send_message(chat_id, "<b>hello</b>", parse_mode="html")
    created = client.event("createP2PChat")
    assert created["payload"]["chatId"] == chat_id
    assert created["payload"]["title"] == ALICE
    assert created["payload"]["lastMessage"]["messageId"] == message_id
    assert "box" not in created["payload"]["lastMessage"]
    assert "chatId" not in created["payload"]["lastMessage"]
    assert created["payload"]["lastMessage"]["chat"]["chatId"] == chat_id
    event = client.event("sendMessage")
    assert event["type"] == 1 and event["id"] == 2  # server ids start at 1 per connection
    payload = event["payload"]
    assert payload["messageId"] == message_id and payload["author"] == {"id": ALICE, "type": 1}
    assert payload["chatId"] == chat_id and payload["chat"] == {"chatId": chat_id, "chatTitle": ALICE,
                                                                 "chatType": 1}
    alice.send_message(chat_id, "again")
    client.event("sendMessage")
    client.no_event()  # announced once only


def test_reply_carries_reply_message_one_level(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = p2p(client)
    first = client.request("sendMessage", {"chatId": chat_id, "content": text("order #42")})["messageId"]
    alice = fake.user("alice")
    second = alice.send_message(chat_id, "thanks", reply_message_id=first)
    alice.send_message(chat_id, "and more", reply_message_id=second)
    client.event("sendMessage")
    event = client.event("sendMessage")["payload"]
    assert event["replyMessageId"] == second
    reply = event["replyMessage"]
    assert reply["messageId"] == second and reply["replyMessageId"] == first
    assert reply["replyMessage"] is None and reply["box"]["id"] == 2 and "chat" in reply


def test_fan_out_to_other_connection_of_same_bot(connect: Any) -> None:
    first, second = connect(), connect()
    chat_id = p2p(first)
    second.event("createP2PChat")  # the bot's other session learns about the chat
    sent = first.request("sendMessage", {"chatId": chat_id, "content": text("from first")})
    event = second.event("sendMessage")["payload"]
    assert event["messageId"] == sent["messageId"] and event["author"]["id"] == BOT
    first.no_event()


def test_self_echo_option(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.self_echo = True
    client = connect()
    chat_id = p2p(client)
    message_id = client.request("sendMessage", {"chatId": chat_id, "content": text("echo")})["messageId"]
    assert client.event("sendMessage")["payload"]["messageId"] == message_id


def test_events_for_own_actions_option(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    client.request("createGroupChat", {"title": "quiet"})
    client.no_event()
    fake.config.events_for_own_actions = True
    chat_id = client.request("createGroupChat", {"title": "loud"})["chatId"]
    assert client.event("createGroupChat")["payload"]["chatId"] == chat_id


def test_edit_message(fake: FakeTrueConfServer, connect: Any) -> None:
    client, other = connect(), connect()
    chat_id = p2p(client)
    message_id = client.request("sendMessage", {"chatId": chat_id, "content": text("v1")})["messageId"]
    reply = client.request("editMessage", {"messageId": message_id, "content": text("**v2**", "markdown")})
    assert reply["messageId"] == message_id and isinstance(reply["timestamp"], int)
    stored = client.request("getMessageById", {"messageId": message_id})
    assert stored["isEdited"] is True and stored["content"] == text("**v2**", "markdown")
    event = other.event("editMessage")["payload"]
    assert event == {"chatId": chat_id, "messageId": message_id, "timestamp": reply["timestamp"],
                     "content": text("**v2**", "markdown")}
    assert client.request("editMessage", {"messageId": "nope", "content": text("x")}) == {"errorCode": 306}
    alice_msg = fake.user("alice").send_message(chat_id, "mine")
    assert client.request("editMessage", {"messageId": alice_msg, "content": text("x")}) == {"errorCode": 303}


def test_user_edit_and_remove_events(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    chat_id = alice.p2p_chat_with("echo_bot")
    message_id = alice.send_message(chat_id, "typo")
    alice.edit_message(message_id, "fixed")
    alice.remove_message(message_id)
    assert client.event("editMessage")["payload"]["content"]["text"] == "fixed"
    removed = client.event("removeMessage")["payload"]
    assert removed == {"chatId": chat_id, "messageId": message_id, "removedBy": {"id": ALICE, "type": 1}}


def test_remove_message_for_me_and_for_all(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = p2p(client)
    alice = fake.user("alice")
    mine = client.request("sendMessage", {"chatId": chat_id, "content": text("mine")})["messageId"]
    theirs = alice.send_message(chat_id, "theirs")
    assert client.request("removeMessage", {"messageId": theirs, "forAll": True}) == {"errorCode": 303}
    assert client.request("removeMessage", {"messageId": theirs, "forAll": False}) == {}
    assert client.request("getMessageById", {"messageId": theirs}) == {"errorCode": 306}
    assert [m["messageId"] for m in alice.inbox(chat_id)] == [mine]  # still there for alice
    assert client.request("removeMessage", {"messageId": mine, "forAll": True}) == {}
    assert alice.inbox(chat_id) == []
    assert client.request("removeMessage", {"messageId": mine, "forAll": True}) == {"errorCode": 306}


def test_get_message_by_id(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = p2p(client)
    message_id = fake.user("alice").send_message(chat_id, "hello")
    envelope = client.request("getMessageById", {"messageId": message_id})
    assert envelope["messageId"] == message_id and envelope["chatId"] == chat_id
    assert envelope["box"] == {"id": 1, "position": "0"} and envelope["isEdited"] is False
    assert client.request("getMessageById", {"messageId": "unknown"}) == {"errorCode": 306}
    group = fake.user("alice").create_group_chat("secret", members=["bob"])
    hidden = fake.user("alice").send_message(group, "not for bots")
    assert client.request("getMessageById", {"messageId": hidden}) == {"errorCode": 305}


def test_chat_history_paging(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = p2p(client)
    ids = [fake.user("alice").send_message(chat_id, f"m{i}") for i in range(5)]
    reply = client.request("getChatHistory", {"chatId": chat_id, "count": 2, "fromMessageId": None})
    assert reply["chatId"] == chat_id and reply["count"] == 2
    assert [m["messageId"] for m in reply["messages"]] == [ids[4], ids[3]]  # newest first
    page = client.request("getChatHistory", {"chatId": chat_id, "count": 10, "fromMessageId": ids[2]})
    assert [m["messageId"] for m in page["messages"]] == [ids[2], ids[1], ids[0]]
    fake.config.history_includes_from = False
    page = client.request("getChatHistory", {"chatId": chat_id, "count": 10, "fromMessageId": ids[2]})
    assert [m["messageId"] for m in page["messages"]] == [ids[1], ids[0]]
    assert all("chat" in m and "box" in m for m in page["messages"])
    assert client.request("getChatHistory", {"chatId": chat_id, "count": 1,
                                             "fromMessageId": "x"}) == {"errorCode": 306}
    assert client.request("getChatHistory", {"chatId": "x", "count": 1}) == {"errorCode": 304}
    assert client.request("getChatHistory", {"chatId": chat_id}) == {"errorCode": 399}


def test_create_p2p_chat_is_idempotent(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    first = p2p(client)
    assert p2p(client) == first
    assert p2p(client, "alice") == first  # bare login accepted
    assert client.request("createP2PChat", {"userId": "ghost@video.example.com"}) == {"errorCode": 305}
    assert fake.get_chat(first)["members"] == {BOT: "user", ALICE: "user"}  # type: ignore[index]


def test_get_chats_is_array_one_based(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    first = p2p(client)
    second = client.request("createGroupChat", {"title": "Group"})["chatId"]
    third = client.request("createChannel", {"title": "News"})["chatId"]
    fake.user("alice").send_message(first, "bump")
    chats = client.request("getChats", {"count": 10, "page": 1})
    assert isinstance(chats, list)
    assert [c["chatId"] for c in chats] == [first, third, second]  # most recent activity first
    assert chats[0]["unreadMessages"] == 1 and chats[0]["title"] == ALICE
    assert chats[1] == {"chatId": third, "title": "News", "chatType": 6, "avatarUrl": None,
                        "lastMessage": None, "unreadMessages": 0}
    assert [c["chatId"] for c in client.request("getChats", {"count": 2, "page": 2})] == [second]
    assert client.request("getChats", {"count": 2, "page": 3}) == []
    assert client.request("getChats", {"count": 2, "page": 0}) == {"errorCode": 399}


def test_get_chat_by_id(connect: Any) -> None:
    client = connect()
    chat_id = client.request("createGroupChat", {"title": "Support"})["chatId"]
    chat = client.request("getChatByID", {"chatId": chat_id})
    assert chat == {"chatId": chat_id, "title": "Support", "chatType": 2, "avatarUrl": None,
                    "lastMessage": None, "unreadMessages": 0}
    assert client.request("getChatById", {"chatId": chat_id})["chatId"] == chat_id  # docs alias
    assert client.request("getChatByID", {"chatId": "unknown"}) == {"errorCode": 304}


def test_get_chat_by_id_alias_can_be_disabled(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.accept_get_chat_by_id_alias = False
    assert connect().request("getChatById", {"chatId": "x"}) == {"errorCode": 307}


def test_acks_mark_read_and_unacked_are_replayed(fake: FakeTrueConfServer, connect: Any) -> None:
    alice = fake.user("alice")
    chat_id = alice.p2p_chat_with("echo_bot")
    first = connect(auto_ack=False)
    ids = [alice.send_message(chat_id, f"m{i}") for i in range(3)]
    frames = [first.event("sendMessage") for _ in ids]
    first.send({"type": 2, "id": frames[0]["id"]})  # ack only the first message
    fake.wait_for(lambda s: s.stats["acks"] == 1)
    assert fake.stats["unacked"] == 3  # createP2PChat + two messages
    first.close()
    chat = connect().request("getChatByID", {"chatId": chat_id})
    assert chat["unreadMessages"] == 2
    replay = connect(receiveUnread=True)
    replayed = [replay.event("sendMessage")["payload"]["messageId"] for _ in range(2)]
    assert replayed == ids[1:]  # box order
    replay.no_event()
    fake.wait_for(lambda s: s.call(lambda: s.core.state.unread_count(s.core.state.chats[chat_id], BOT)) == 0)
    later = connect(receiveUnread=True)
    later.no_event()


def test_no_replay_without_receive_unread(fake: FakeTrueConfServer, connect: Any) -> None:
    alice = fake.user("alice")
    alice.send_message(alice.p2p_chat_with("echo_bot"), "while offline")
    connect(receiveUnread=False).no_event()


def test_system_envelopes_are_gated(fake: FakeTrueConfServer, connect: Any) -> None:
    plain, system = connect(), connect(receiveSystemMessageEnvelopes=True)
    alice = fake.user("alice")
    chat_id = alice.create_group_chat("Team", members=["echo_bot"])
    plain.event("createGroupChat")
    system.event("createGroupChat")
    alice.rename_chat(chat_id, "Team 2")
    assert plain.event("editChatTitle")["payload"] == {"chatId": chat_id, "title": "Team 2"}
    assert system.event("editChatTitle")["payload"]["title"] == "Team 2"
    envelope = system.event("sendMessage")["payload"]
    assert envelope["type"] == 21 and envelope["content"] == {"title": "Team 2"}
    assert envelope["author"]["type"] == 0
    plain.no_event()


def test_error_code_zero_and_stats(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    client.request("getChats", {"count": 1, "page": 1})
    stats = fake.stats
    assert stats["connections"] == 1 and stats["authorized"] == 1
    assert stats["requests"]["auth"] == 1 and stats["requests"]["getChats"] == 1


# --- fault hooks ------------------------------------------------------------------------------

def test_drop_connections(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    assert fake.drop_connections() == 1
    with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError, OSError)):
        client.ws.recv()
    fake.wait_for(lambda s: s.stats["connections"] == 0)
    assert connect().request("getChats", {"count": 1, "page": 1}) == []


def test_delay_responses_per_method(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    fake.delay_responses(0.4, method="getChats")
    started = time.monotonic()
    slow = client.send_request("getChats", {"count": 1, "page": 1})
    fast = client.send_request("createGroupChat", {"title": "quick"})
    first = client.recv()
    assert first["id"] == fast  # responses are out of order while delayed
    assert client.response(slow) == []  # computed when the request arrived, answered later
    assert time.monotonic() - started >= 0.4
    fake.delay_responses(0)
    started = time.monotonic()
    client.request("getChats", {"count": 1, "page": 1})
    assert time.monotonic() - started < 0.3


def test_withhold_and_release(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    fake.withhold_responses("createGroupChat")
    pending = client.send_request("createGroupChat", {"title": "held"})
    assert client.request("getChats", {"count": 1, "page": 1})[0]["title"] == "held"  # done, not answered
    fake.wait_for(lambda s: s.stats["withheld"] == 1)
    fake.release_responses()
    assert "chatId" in client.response(pending)


def test_withhold_everything(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    fake.withhold_responses()
    request_id = client.send_request("getChats", {"count": 1, "page": 1})
    client.no_event(0.2)
    fake.release_responses()
    assert client.response(request_id) == []


def test_push_raw_and_push_event(fake: FakeTrueConfServer, connect: Any) -> None:
    bot, other = connect(), connect("alice")
    assert fake.push_raw("{not json", login="echo_bot") == 1
    assert bot.ws.recv() == "{not json"
    ids = fake.push_event("madeUpEvent", {"x": 1})
    assert len(ids) == 2
    frame = bot.event("madeUpEvent")
    assert frame == {"type": 1, "id": ids[0], "method": "madeUpEvent", "payload": {"x": 1}}
    other.event("madeUpEvent")
    fake.wait_for(lambda s: s.stats["acks"] == 2)


def test_wait_for_times_out(fake: FakeTrueConfServer) -> None:
    with pytest.raises(TimeoutError):
        fake.wait_for(lambda s: False, timeout=0.2)


def test_simulated_user_wait_for_message_timeout_and_threads(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = p2p(client)
    alice = fake.user("alice")
    assert fake.user("alice") is alice
    with pytest.raises(TimeoutError):
        alice.wait_for_message(chat_id, timeout=0.2)
    threading.Timer(0.1, lambda: client.request("sendMessage", {"chatId": chat_id,
                                                                "content": text("late")})).start()
    envelope = alice.wait_for_message(chat_id, predicate=lambda e: e["content"]["text"] == "late", timeout=3)
    assert envelope["author"]["id"] == BOT
