"""Fake server: the control API can make a simulated user do everything ``SimulatedUser`` can
(locations, voice, surveys, files, forward/edit/remove, chat management, clicks), over plain HTTP
and a raw WebSocket bot (a client that is not ours); and ``subscribeFileProgress`` agrees with
``unsubscribeFileProgress`` (PROTOCOL §3.26/§3.27)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import websocket

from trueconf_sync.testing import FakeTrueConfServer


@pytest.fixture
def controlled() -> Iterator[FakeTrueConfServer]:
    with FakeTrueConfServer(control_api=True) as server:
        yield server


def post(server: FakeTrueConfServer, path: str, body: Any = None, **kwargs: Any) -> requests.Response:
    return requests.post(server.url + "/_fake" + path, json=body if body is not None else {}, timeout=5, **kwargs)


class RawBot:
    """A bot that is not trueconf_sync: a bare WebSocket speaking the protocol by hand."""

    def __init__(self, server: FakeTrueConfServer) -> None:
        token = post(server, "/users", {"login": "echo_bot"}).json()["token"]
        self.ws = websocket.create_connection(server.ws_url, timeout=5)
        self.next_id = 0
        assert "userId" in self.call("auth", {"token": token, "tokenType": "JWT"})

    def call(self, method: str, payload: dict[str, Any]) -> Any:
        self.next_id += 1
        self.ws.send(json.dumps({"type": 1, "id": self.next_id, "method": method, "payload": payload}))
        while True:
            frame = json.loads(self.ws.recv())
            if frame["type"] == 2 and frame["id"] == self.next_id:
                return frame["payload"]

    def event(self, method: str) -> dict[str, Any]:
        """The payload of the next server request of ``method`` (others are skipped)."""
        while True:
            frame = json.loads(self.ws.recv())
            if frame.get("type") == 1 and frame.get("method") == method:
                payload: dict[str, Any] = frame["payload"]
                return payload


@pytest.fixture
def bot(controlled: FakeTrueConfServer) -> Iterator[RawBot]:
    post(controlled, "/users", {"login": "alice"})
    post(controlled, "/users", {"login": "bob"})
    raw = RawBot(controlled)
    yield raw
    raw.ws.close()


def test_user_sends_every_kind_of_message(controlled: FakeTrueConfServer, bot: RawBot) -> None:
    data = base64.b64encode(b"%PDF-1.4 tiny").decode()
    sent = post(controlled, "/users/alice/locations", {"to": "echo_bot", "latitude": 55.75, "longitude": 37.62,
                                                       "title": "Office"}).json()
    location = bot.event("sendMessage")
    assert location["type"] == 203 and location["messageId"] == sent["messageId"]
    assert (location["content"]["latitude"], location["content"]["title"]) == (55.75, "Office")
    chat = sent["chatId"]
    post(controlled, "/users/alice/voice", {"chatId": chat, "dataBase64": data, "duration": 3})
    voice = bot.event("sendMessage")
    assert voice["type"] == 205 and voice["content"]["duration"] == 3 and voice["content"]["mimeType"] == "audio/ogg"
    post(controlled, "/users/alice/surveys", {"chatId": chat, "title": "Lunch?", "anonymous": True})
    survey = bot.event("sendMessage")
    assert survey["type"] == 204 and survey["content"]["title"] == "Lunch?"
    post(controlled, "/users/alice/files", {"chatId": chat, "name": "r.pdf", "dataBase64": data,
                                            "mimeType": "application/pdf", "uploadingSeconds": 0})
    document = bot.event("sendMessage")
    assert document["type"] == 202 and document["content"]["name"] == "r.pdf"


def test_user_forwards_edits_and_removes(controlled: FakeTrueConfServer, bot: RawBot) -> None:
    first = post(controlled, "/users/alice/messages", {"to": "echo_bot", "text": "hello"}).json()
    bot.event("sendMessage")
    group = post(controlled, "/users/alice/chats", {"title": "Team", "members": ["echo_bot"]}).json()["chatId"]
    forwarded = post(controlled, f"/users/alice/messages/{first['messageId']}/forward", {"chatId": group}).json()
    event = bot.event("sendMessage")
    assert event["type"] == 201 and event["messageId"] == forwarded["messageId"] and event["chatId"] == group
    assert post(controlled, f"/users/alice/messages/{first['messageId']}/edit", {"text": "hello!"}).json() == {}
    assert bot.event("editMessage")["content"]["text"] == "hello!"
    assert post(controlled, f"/users/alice/messages/{first['messageId']}/remove", {}).json() == {}
    assert bot.event("removeMessage")["messageId"] == first["messageId"]
    refused = post(controlled, "/users/alice/messages/nope/edit", {"text": "x"})
    assert refused.status_code == 400 and refused.json()["errorCode"]
    assert post(controlled, f"/users/alice/messages/{first['messageId']}/remove", {"forAll": "yes"}).status_code == 400


def test_user_creates_and_manages_chats(controlled: FakeTrueConfServer, bot: RawBot) -> None:
    p2p = post(controlled, "/users/alice/chats", {"type": "p2p", "with": "bob"}).json()["chatId"]
    assert controlled.get_chat(p2p) is not None
    channel = post(controlled, "/users/alice/chats", {"type": "channel", "title": "News",
                                                      "members": ["echo_bot"]}).json()["chatId"]
    assert bot.event("createChannel")["chatId"] == channel
    group = post(controlled, "/users/alice/chats", {"title": "Team", "members": ["echo_bot"]}).json()["chatId"]
    assert bot.event("createGroupChat")["chatId"] == group
    base = f"/users/alice/chats/{group}"
    assert post(controlled, base + "/participants", {"login": "bob"}).json() == {}
    assert bot.event("addChatParticipant")["userId"].startswith("bob@")
    post(controlled, base + "/participants/bob/role", {"role": "admin"})
    assert bot.event("changeParticipantRole")["role"] == "admin"
    post(controlled, base + "/title", {"title": "Team 2"})
    assert bot.event("editChatTitle")["title"] == "Team 2"
    post(controlled, base + "/avatar", {"avatarUrl": "https://example.com/a.png"})
    assert bot.event("editChatAvatar")["chatId"] == group
    assert post(controlled, base + "/avatar", {}).status_code == 400  # null removes; absent is a mistake
    post(controlled, base + "/participants/bob/remove")
    assert bot.event("removeChatParticipant")["userId"].startswith("bob@")
    post(controlled, base + "/clear", {"forAll": True})
    assert bot.event("clearHistory")["chatId"] == group
    post(controlled, base + "/remove")
    assert bot.event("removeChat")["chatId"] == group
    assert post(controlled, "/users/alice/chats", {"type": "secret"}).status_code == 400


def test_click_a_button_of_a_raw_bot(controlled: FakeTrueConfServer, bot: RawBot) -> None:
    chat = post(controlled, "/users/alice/chats", {"type": "p2p", "with": "echo_bot"}).json()["chatId"]
    sent = bot.call("sendMessage", {"chatId": chat, "content": {"text": "Pick", "parseMode": "text", "buttons": [
        [{"type": "command", "label": "A", "command": "pick", "customData": "a", "id": "a"}]]}})
    clicked = post(controlled, "/users/alice/click", {"messageId": sent["messageId"], "button": "a"}).json()
    assert clicked["ids"]
    command = bot.event("command")
    assert command["commandPayload"] == {"type": "command", "command": "pick", "customData": "a"}


def test_control_guards_still_apply_to_new_endpoints() -> None:
    with FakeTrueConfServer(control_api=True, control_token="s3cret") as server:
        body = {"to": "echo_bot", "latitude": 1, "longitude": 2}
        assert post(server, "/users/alice/locations", body).status_code == 403
        headers = {"Authorization": "Bearer s3cret"}
        plain = requests.post(server.url + "/_fake/users/alice/locations", data=json.dumps(body), timeout=5,
                              headers={**headers, "Content-Type": "text/plain"})
        assert plain.status_code == 415
        foreign = post(server, "/users/alice/locations", body, headers={**headers, "Host": "evil.example"})
        assert foreign.status_code == 403
        bad = post(server, "/users/alice/locations", {**body, "latitude": True}, headers=headers)
        assert bad.status_code == 400 and "latitude must be a number" in bad.json()["error"]


@pytest.mark.parametrize("uploading_seconds", [0, 30])
def test_subscribe_and_unsubscribe_agree(trueconf_server: Any, trueconf_client: Any, alice: Any,
                                         uploading_seconds: float) -> None:
    """Ready or still uploading: subscribing answers true and unsubscribing then finds it (once)."""
    chat = alice.p2p_chat_with("echo_bot")
    message_id = alice.send_file(chat, "a.bin", b"x" * 10, uploading_seconds=uploading_seconds)
    file_id = trueconf_server.chat_messages(chat)[-1]["content"]["fileId"]
    assert trueconf_server.chat_messages(chat)[-1]["messageId"] == message_id
    assert trueconf_client.subscribe_file_progress(file_id) is True
    assert trueconf_client.unsubscribe_file_progress(file_id) is True
    assert trueconf_client.unsubscribe_file_progress(file_id) is False
