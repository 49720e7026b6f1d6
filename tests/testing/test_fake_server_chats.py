"""Fake server: chat management, participants, roles, permissions, surveys, forwards, §12 features."""

from __future__ import annotations

from typing import Any

import pytest

from trueconf_sync.testing import ApiError, FakeTrueConfServer

BOT = "echo_bot@video.example.com"
ALICE = "alice@video.example.com"
BOB = "bob@video.example.com"


def text(value: str, **extra: Any) -> dict[str, Any]:
    return {"text": value, "parseMode": "text", **extra}


def group(client: Any, title: str = "Team") -> str:
    chat_id: str = client.request("createGroupChat", {"title": title})["chatId"]
    return chat_id


def test_create_group_chat_title_and_name(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    by_title, by_name = group(client, "A"), client.request("createGroupChat", {"name": "B"})["chatId"]
    assert by_title != group(client, "A")  # always a new chat
    assert fake.get_chat(by_name)["title"] == "B"  # type: ignore[index]
    assert fake.get_chat(by_title)["members"] == {BOT: "owner"}  # type: ignore[index]
    assert client.request("createGroupChat", {}) == {"errorCode": 399}
    assert client.request("createGroupChat", {"title": "x" * 257}) == {"errorCode": 399}


def test_create_channel_and_favorites(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    channel = client.request("createChannel", {"title": "News"})["chatId"]
    assert client.request("getChatByID", {"chatId": channel})["chatType"] == 6
    favorites = client.request("createFavoritesChat", {})["chatId"]
    assert client.request("createFavoritesChat", {})["chatId"] == favorites
    chat = client.request("getChatByID", {"chatId": favorites})
    assert chat["chatType"] == 5
    participants = client.request("getChatParticipants", {"chatId": favorites, "pageSize": 5, "pageNumber": 0})
    assert participants == {"participants": [{"userId": BOT, "role": "favorites_owner"}]}


def test_remove_chat(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = group(client)
    client.request("addChatParticipant", {"chatId": chat_id, "userId": ALICE})
    assert client.request("removeChat", {"chatId": chat_id}) == {}
    assert fake.get_chat(chat_id) is None
    assert client.request("removeChat", {"chatId": chat_id}) == {"errorCode": 304}
    alice_chat = fake.user("alice").create_group_chat("Alice's", members=["echo_bot"])
    assert client.request("removeChat", {"chatId": alice_chat}) == {"errorCode": 303}


def test_remove_chat_event_from_user(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    chat_id = alice.create_group_chat("Temp", members=["echo_bot"])
    created = client.event("createGroupChat")["payload"]
    assert created == {"chatId": chat_id, "title": "Temp", "chatType": 2, "avatarUrl": None,
                       "lastMessage": None, "unreadMessages": 0}
    alice.remove_chat(chat_id)
    assert client.event("removeChat")["payload"] == {"chatId": chat_id}


def test_participants_add_remove_has_get(fake: FakeTrueConfServer, connect: Any) -> None:
    client, other = connect(), connect()
    chat_id = group(client)
    assert client.request("addChatParticipant", {"chatId": chat_id, "userId": ALICE,
                                                 "displayHistory": True}) == {}
    event = other.event("addChatParticipant")["payload"]
    assert event["chatId"] == chat_id and event["userId"] == ALICE
    assert event["addedBy"] == {"id": BOT, "type": 1} and isinstance(event["timestamp"], int)
    assert client.request("addChatParticipant", {"chatId": chat_id, "userId": ALICE}) == {"errorCode": 309}
    assert client.request("addChatParticipant", {"chatId": "nope", "userId": ALICE}) == {"errorCode": 304}
    assert client.request("hasChatParticipant", {"chatId": chat_id, "userId": ALICE}) == {"result": True}
    assert client.request("hasChatParticipant", {"chatId": chat_id, "userId": BOB}) == {"result": False}
    assert client.request("getChatParticipant", {"chatId": chat_id, "userId": "alice"}) == {
        "userId": ALICE, "role": "user", "type": 1}
    assert client.request("getChatParticipant", {"chatId": chat_id, "userId": BOB}) == {"errorCode": 305}
    assert client.request("removeChatParticipant", {"chatId": chat_id, "userId": ALICE,
                                                    "clearHistory": False}) == {}
    removed = other.event("removeChatParticipant")["payload"]
    assert removed["userId"] == ALICE and removed["removedBy"] == {"id": BOT, "type": 1}
    assert client.request("removeChatParticipant", {"chatId": chat_id, "userId": ALICE}) == {"errorCode": 305}


def test_participants_paging_is_zero_based(connect: Any) -> None:
    client = connect()
    chat_id = group(client)
    for user in (ALICE, BOB):
        client.request("addChatParticipant", {"chatId": chat_id, "userId": user})
    first = client.request("getChatParticipants", {"chatId": chat_id, "pageSize": 2, "pageNumber": 0})
    assert first == {"participants": [{"userId": BOT, "role": "owner"}, {"userId": ALICE, "role": "user"}]}
    second = client.request("getChatParticipants", {"chatId": chat_id, "pageSize": 2, "pageNumber": 1})
    assert second == {"participants": [{"userId": BOB, "role": "user"}]}


def test_bot_added_by_user_gets_event(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    chat_id = alice.create_group_chat("Team", members=["bob"])
    alice.add_participant(chat_id, "echo_bot")
    event = client.event("addChatParticipant")["payload"]
    assert event["userId"] == BOT and event["addedBy"] == {"id": ALICE, "type": 1}


def test_display_history_false_hides_old_messages(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    chat_id = alice.create_group_chat("Team", members=["bob"])
    alice.send_message(chat_id, "before")
    alice.add_participant(chat_id, "echo_bot", display_history=False)
    after = alice.send_message(chat_id, "after")
    history = client.request("getChatHistory", {"chatId": chat_id, "count": 10})
    user_messages = [m["messageId"] for m in history["messages"] if m["type"] >= 200]
    assert user_messages == [after]


def test_user_role_has_no_management_rights(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    chat_id = alice.create_group_chat("Team", members=["echo_bot"])
    assert client.request("addChatParticipant", {"chatId": chat_id, "userId": BOB}) == {"errorCode": 303}
    assert client.request("editChatTitle", {"chatId": chat_id, "title": "x"}) == {"errorCode": 303}
    assert client.request("changeParticipantRole", {"chatId": chat_id, "userId": ALICE,
                                                    "role": "user"}) == {"errorCode": 303}
    assert client.request("clearHistory", {"chatId": chat_id, "forAll": True}) == {"errorCode": 303}
    assert client.request("clearHistory", {"chatId": chat_id, "forAll": False}) == {}
    alice.change_role(chat_id, "echo_bot", "admin")
    assert client.event("changeParticipantRole")["payload"]["role"] == "admin"
    assert client.request("addChatParticipant", {"chatId": chat_id, "userId": BOB}) == {}
    assert client.request("editChatTitle", {"chatId": chat_id, "title": "Renamed"})["chatId"] == chat_id


def test_permission_model_is_data_driven(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    chat_id = alice.create_group_chat("Team", members=["echo_bot"])
    fake.call(lambda: fake.core.state.permissions[2]["user"].add("rename"))
    assert "chatId" in client.request("editChatTitle", {"chatId": chat_id, "title": "Allowed now"})
    fake.call(lambda: fake.core.state.permissions[2]["user"].discard("send"))
    assert client.request("sendMessage", {"chatId": chat_id, "content": text("x")}) == {"errorCode": 303}


def test_channel_user_is_read_only(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    channel = alice.create_channel("News", members=["echo_bot"])
    assert client.request("sendMessage", {"chatId": channel, "content": text("x")}) == {"errorCode": 303}
    alice.change_role(channel, "echo_bot", "writer")
    assert "messageId" in client.request("sendMessage", {"chatId": channel, "content": text("x")})
    with pytest.raises(ApiError) as info:
        fake.user("bob").send_message(channel, "not a member")
    assert info.value.code == 305


def test_change_participant_role(fake: FakeTrueConfServer, connect: Any) -> None:
    client, other = connect(), connect()
    chat_id = group(client)
    client.request("addChatParticipant", {"chatId": chat_id, "userId": ALICE})
    assert client.request("changeParticipantRole", {"chatId": chat_id, "userId": ALICE, "role": "admin"}) == {}
    event = other.event("changeParticipantRole")["payload"]
    assert (event["chatId"], event["userId"], event["role"]) == (chat_id, ALICE, "admin")
    assert client.request("changeParticipantRole", {"chatId": chat_id, "userId": ALICE,
                                                    "role": "emperor"}) == {"errorCode": 312}
    assert client.request("changeParticipantRole", {"chatId": chat_id, "userId": BOB,
                                                    "role": "user"}) == {"errorCode": 305}
    assert client.request("changeParticipantRole", {"chatId": chat_id, "userId": ALICE, "role": "owner"}) == {}
    assert fake.get_chat(chat_id)["members"] == {BOT: "admin", ALICE: "owner"}  # type: ignore[index]


def test_edit_chat_title(fake: FakeTrueConfServer, connect: Any) -> None:
    client, other = connect(), connect(receiveSystemMessageEnvelopes=True)
    chat_id = group(client)
    other.event("createGroupChat")
    reply = client.request("editChatTitle", {"chatId": chat_id, "title": "Project Alpha – Team"})
    assert reply["chatId"] == chat_id and isinstance(reply["timestamp"], int)
    assert other.event("editChatTitle")["payload"] == {"chatId": chat_id, "title": "Project Alpha – Team"}
    system = other.event("sendMessage")["payload"]
    assert system["type"] == 21 and system["chat"]["chatTitle"] == "Project Alpha – Team"
    last = client.request("getChatByID", {"chatId": chat_id})["lastMessage"]
    assert last["type"] == 21 and last["content"] == {"title": "Project Alpha – Team"}


def test_clear_history(fake: FakeTrueConfServer, connect: Any) -> None:
    client, other = connect(), connect()
    chat_id = group(client)
    client.request("addChatParticipant", {"chatId": chat_id, "userId": ALICE})
    other.event("addChatParticipant")
    fake.user("alice").send_message(chat_id, "hi")
    other.event("sendMessage")
    assert client.request("clearHistory", {"chatId": chat_id, "forAll": False}) == {}
    assert other.event("clearHistory")["payload"] == {"chatId": chat_id, "forAll": False}
    assert client.request("getChatHistory", {"chatId": chat_id, "count": 10})["messages"] == []
    assert fake.user("alice").inbox(chat_id) == []  # alice authored the only user message
    assert len(fake.chat_messages(chat_id)) == 2  # system "added" + "hi" kept for the others
    assert client.request("clearHistory", {"chatId": chat_id, "forAll": True}) == {}
    assert other.event("clearHistory")["payload"] == {"chatId": chat_id, "forAll": True}
    assert [m["type"] for m in fake.chat_messages(chat_id)] == [23]
    assert fake.chat_messages(chat_id)[0]["content"] == {"forAll": True}


def test_forward_message(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    source = alice.p2p_chat_with("echo_bot")
    original = alice.send_message(source, "forward me")
    target = group(client)
    reply = client.request("forwardMessage", {"chatId": target, "messageId": original})
    assert reply["chatId"] == target and reply["messageId"] != original
    envelope = client.request("getMessageById", {"messageId": reply["messageId"]})
    assert envelope["type"] == 201
    inner = envelope["content"]
    assert inner["messageId"] == original and inner["type"] == 200 and "box" not in inner
    assert inner["author"]["id"] == ALICE and inner["chat"]["chatId"] == source
    again = client.request("forwardMessage", {"chatId": target, "messageId": reply["messageId"]})
    nested = client.request("getMessageById", {"messageId": again["messageId"]})
    assert nested["content"]["messageId"] == original  # the innermost original, one level only
    assert client.request("forwardMessage", {"chatId": "nope", "messageId": original}) == {"errorCode": 304}
    assert client.request("forwardMessage", {"chatId": target, "messageId": "nope"}) == {"errorCode": 306}


def test_user_display_name(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.add_user("carol", display_name="Carol Smith")
    client = connect()
    assert client.request("getUserDisplayName", {"userId": "carol@video.example.com"}) == {
        "displayName": "Carol Smith"}
    assert client.request("getUserDisplayName", {"userId": "ghost"}) == {"errorCode": 305}


def survey_content(title: str = "Employee survey") -> dict[str, Any]:
    return {"url": "https://server.url/webtools/survey", "appVersion": 1, "path": "employee_testing",
            "title": title, "description": "{{Survey}}", "buttonText": "{{Go to survey}}",
            "secret": "25690753a489f037af09b5cbce417b41374807fe", "alt": "📊 survey"}


def test_send_and_edit_survey(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = group(client)
    reply = client.request("sendSurvey", {"chatId": chat_id, "replyMessageId": None, "content": survey_content()})
    assert set(reply) == {"chatId", "messageId", "timestamp"}
    envelope = client.request("getMessageById", {"messageId": reply["messageId"]})
    assert envelope["type"] == 204 and envelope["content"] == survey_content()
    edit = client.request("editSurvey", {"messageId": reply["messageId"], "content": {
        "path": "employee_testing", "title": "Edited", "description": "{{Anonymous survey}}",
        "buttonText": "{{Go to survey}}", "alt": "x"}})
    assert edit["messageId"] == reply["messageId"]
    content = client.request("getMessageById", {"messageId": reply["messageId"]})["content"]
    assert content["title"] == "Edited" and content["secret"] == survey_content()["secret"]
    assert client.request("sendSurvey", {"chatId": chat_id, "content": {"title": "x"}}) == {"errorCode": 399}


def test_simulated_location_survey_and_voice(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    alice = fake.user("alice")
    chat_id = alice.p2p_chat_with("echo_bot")
    alice.send_location(chat_id, 55.75, 37.62, "Red Square")
    alice.send_survey(chat_id, "Lunch?")
    alice.send_voice(chat_id, b"OggS....", duration=7)
    events = [client.event("sendMessage")["payload"] for _ in range(3)]
    assert [e["type"] for e in events] == [203, 204, 205]
    assert events[0]["content"] == {"latitude": 55.75, "longitude": 37.62, "title": "Red Square"}
    assert events[2]["content"]["duration"] == 7 and events[2]["content"]["mimeType"] == "audio/ogg"


# --- §12 --------------------------------------------------------------------------------------

BUTTONS = [[{"label": "Add", "command": "cart:add", "customData": "product-42", "id": "add-product",
             "style": "primary", "type": "command"},
            {"label": "Website", "url": "https://example.com/shop", "type": "url"}],
           [{"label": "Ask", "message": "Tell me more", "draft": True, "type": "message"},
            {"label": "Copy", "data": "code-42", "type": "copy"}]]


def test_buttons_stored_returned_and_clicked(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = client.request("createP2PChat", {"userId": ALICE})["chatId"]
    reply = client.request("sendMessage", {"chatId": chat_id, "content": text("Choose:", buttons=BUTTONS)})
    stored = client.request("getMessageById", {"messageId": reply["messageId"]})
    assert stored["content"]["buttons"] == BUTTONS
    alice = fake.user("alice")
    assert alice.wait_for_message(chat_id)["content"]["buttons"] == BUTTONS
    [server_id] = alice.click_button(reply["messageId"], "add-product")
    event = client.event("command")
    assert event["id"] == server_id
    payload = event["payload"]
    assert "commandId" not in payload
    assert payload["commandPayload"] == {"type": "command", "command": "cart:add", "customData": "product-42"}
    source = payload["commandSource"]
    assert source["buttonId"] == "add-product" and source["message"]["messageId"] == reply["messageId"]
    assert "buttons" not in source["message"]["content"] and "chat" in source["message"]
    alice.click_button(reply["messageId"], "cart:add")  # by command works too
    client.event("command")
    with pytest.raises(ValueError):
        alice.click_button(reply["messageId"], "https://example.com/shop")


def test_edit_without_buttons_removes_them(connect: Any) -> None:
    client = connect()
    chat_id = client.request("createP2PChat", {"userId": ALICE})["chatId"]
    message_id = client.request("sendMessage", {"chatId": chat_id,
                                                "content": text("x", buttons=BUTTONS)})["messageId"]
    client.request("editMessage", {"messageId": message_id, "content": text("y")})
    assert "buttons" not in client.request("getMessageById", {"messageId": message_id})["content"]


@pytest.mark.parametrize("buttons", [
    [[{"label": "two actions", "command": "a", "url": "https://x.example"}]],
    [[{"label": "", "command": "a"}]],
    [[{"label": "x" * 33, "command": "a"}]],
    [[{"label": "bad scheme", "url": "ftp://example.com"}]],
    [[{"command": "no label"}]],
    [[{"label": "ü", "command": "non-ascii-ü"}]],
    [[{"label": "s", "command": "a", "style": "loud"}]],
    [[{"label": "c", "data": "x", "customData": "y"}]],
    [[{"label": f"b{i}", "command": "a"}] for i in range(9)],
    "not a list",
])
def test_invalid_buttons_rejected(connect: Any, buttons: Any) -> None:
    client = connect()
    chat_id = client.request("createP2PChat", {"userId": ALICE})["chatId"]
    assert client.request("sendMessage", {"chatId": chat_id, "content": text("x", buttons=buttons)}) == {
        "errorCode": 399}


def test_send_chat_activity(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = group(client)
    reply = client.request("sendChatActivity", {"chatId": chat_id, "activityType": "typing"})
    assert reply == {"chatId": chat_id, "activityType": "typing", "retryAfter": 5000}
    assert fake.activities == [{"chatId": chat_id, "userId": BOT, "activityType": "typing"}]
    assert client.request("sendChatActivity", {"chatId": chat_id, "activityType": "dancing"}) == {
        "errorCode": 399}
    assert client.request("sendChatActivity", {"chatId": "x", "activityType": "typing"}) == {"errorCode": 304}


def test_answer_command(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    payload = {"commandId": "c-1", "answerType": "complete", "message": {"text": "Added", "status": "ok"}}
    assert client.request("answerCommand", payload) == {}
    assert fake.command_answers[0]["commandId"] == "c-1"
    assert client.request("answerCommand", {"commandId": "c-1", "answerType": "nope",
                                            "message": {"text": "x"}}) == {"errorCode": 399}


def test_legacy_mode() -> None:
    with FakeTrueConfServer(legacy_envelopes=True, version="5.5.4.0") as server:
        server.add_user("echo_bot")
        server.add_user("alice")
        import json

        import websocket
        ws = websocket.create_connection(server.ws_url, timeout=5)

        def call(request_id: int, method: str, payload: dict[str, Any]) -> Any:
            ws.send(json.dumps({"type": 1, "id": request_id, "method": method, "payload": payload}))
            while True:
                frame = json.loads(ws.recv())
                if frame["type"] == 2 and frame["id"] == request_id:
                    return frame["payload"]

        call(1, "auth", {"token": server.issue_token("echo_bot"), "tokenType": "JWT"})
        chat_id = call(2, "createP2PChat", {"userId": ALICE})["chatId"]
        first = call(3, "sendMessage", {"chatId": chat_id, "content": text("a")})["messageId"]
        reply = call(4, "sendMessage", {"chatId": chat_id, "replyMessageId": first, "content": text("b")})
        envelope = call(5, "getMessageById", {"messageId": reply["messageId"]})
        assert "chat" not in envelope and "replyMessage" not in envelope
        assert envelope["replyMessageId"] == first
        assert "chat" not in call(6, "getChatByID", {"chatId": chat_id})["lastMessage"]
        assert call(7, "sendChatActivity", {"chatId": chat_id, "activityType": "typing"}) == {"errorCode": 307}
        ws.close()
