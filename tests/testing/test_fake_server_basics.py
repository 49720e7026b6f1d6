"""Fake server: lifecycle, OAuth, server info, WebSocket handshake and auth (§1, §2, §10)."""

from __future__ import annotations

import base64
import json
import socket
import time
from typing import Any

import pytest
import requests
import websocket

from trueconf_sync.testing import FakeTrueConfServer


def test_start_stop_idempotent_and_port_is_real() -> None:
    server = FakeTrueConfServer(port=0)
    server.start()
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"
    with socket.create_connection(("127.0.0.1", server.port), timeout=2):
        pass
    started = time.monotonic()
    server.stop()
    server.stop()
    assert time.monotonic() - started < 5
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1)


def test_stop_with_open_connection_is_bounded(fake: FakeTrueConfServer, connect: Any) -> None:
    connect()
    started = time.monotonic()
    fake.stop()
    assert time.monotonic() - started < 5


def test_import_does_not_load_aiohttp() -> None:
    import subprocess
    import sys
    code = "import sys, trueconf_sync.testing; print('aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_server_info(fake: FakeTrueConfServer) -> None:
    reply = requests.get(fake.url + "/api/v4/server", timeout=5)
    assert reply.status_code == 200
    assert reply.json() == {"product": {"version": "5.5.6.0", "display_name": "video.example.com"}}


def test_oauth_success_gives_three_segment_jwt(token_request: Any) -> None:
    reply = token_request()
    assert reply.status_code == 201
    assert reply.headers["Access-Control-Allow-Origin"] == "*"
    body = reply.json()
    assert body["token_type"] == "JWT"
    assert body["expires_in"] == 31536000
    assert abs(body["expires_at"] - (time.time() + 31536000)) < 60
    _, payload, _ = body["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == "echo_bot@video.example.com"
    assert claims["exp"] == body["expires_at"]


@pytest.mark.parametrize("username", ["echo_bot", "echo_bot@video.example.com", "corp\\echo_bot",
                                      "corp\\echo_bot@video.example.com"])
def test_oauth_username_forms(token_request: Any, username: str) -> None:
    assert token_request(username=username).status_code == 201


@pytest.mark.parametrize("body, status, error", [
    ({"password": "wrong"}, 401, "invalid_grant"),
    ({"username": "nobody"}, 401, "invalid_grant"),
    ({"password": 12345}, 400, "invalid_request"),
    ({"username": None}, 400, "invalid_request"),
    ({"client_id": "other"}, 400, "invalid_client"),
    ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
])
def test_oauth_errors(token_request: Any, body: dict[str, Any], status: int, error: str) -> None:
    reply = token_request(**body)
    assert reply.status_code == status
    assert reply.json()["error"] == error
    assert isinstance(reply.json()["error_description"], str)


def test_oauth_rejects_form_encoding_and_bad_json(fake: FakeTrueConfServer) -> None:
    url = fake.url + "/bridge/api/client/v1/oauth/token"
    form = requests.post(url, data={"client_id": "chat_bot", "grant_type": "password", "username": "echo_bot",
                                    "password": "secret"}, timeout=5)
    assert (form.status_code, form.json()["error"]) == (400, "invalid_request")
    broken = requests.post(url, data="{", headers={"Content-Type": "application/json"}, timeout=5)
    assert (broken.status_code, broken.json()["error"]) == (400, "invalid_request")


def test_oauth_password_auth_disabled(fake: FakeTrueConfServer, token_request: Any) -> None:
    fake.config.password_auth_enabled = False
    reply = token_request()
    assert (reply.status_code, reply.json()) == (403, {"error": "auth_method_disabled"})


@pytest.mark.parametrize("path", ["/websocket/chat_bot", "/websocket/chat_bot/"])
def test_both_paths_and_auth(fake: FakeTrueConfServer, connect: Any, path: str) -> None:
    client = connect(login=None, path=path)
    reply = client.auth(fake.issue_token("echo_bot"))
    assert reply["userId"] == "echo_bot@video.example.com"
    assert isinstance(reply["connectionId"], str) and reply["connectionId"]


def test_subprotocol_selected_when_offered(fake: FakeTrueConfServer) -> None:
    url = fake.url.replace("http://", "ws://") + "/websocket/chat_bot/"
    offered = websocket.create_connection(url, subprotocols=["json.v1"], timeout=5)
    assert offered.getsubprotocol() == "json.v1"
    offered.close()
    plain = websocket.create_connection(url, timeout=5)
    assert plain.getsubprotocol() is None
    plain.close()


def test_auth_token_from_oauth_endpoint(connect: Any, token_request: Any) -> None:
    client = connect(login=None)
    assert client.auth(token_request().json()["access_token"])["userId"] == "echo_bot@video.example.com"


def test_requests_before_auth_answer_200(connect: Any) -> None:
    client = connect(login=None)
    assert client.request("getChats", {"count": 10, "page": 1}) == {"errorCode": 200}
    assert client.request("noSuchMethod", {}) == {"errorCode": 200}


@pytest.mark.parametrize("token, token_type, code", [
    ("garbage", "JWT", 201),
    ("a.b.c", "JWT", 201),
    (None, "JWT", 201),
    ("whatever", "Bearer", 204),
])
def test_auth_errors(connect: Any, token: Any, token_type: str, code: int) -> None:
    client = connect(login=None)
    assert client.request("auth", {"token": token, "tokenType": token_type}) == {"errorCode": code}
    assert client.request("getChats", {"count": 1, "page": 1}) == {"errorCode": 200}


def test_auth_accepts_jwe_token_type(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect(login=None)
    reply = client.request("auth", {"token": fake.issue_token("echo_bot"), "tokenType": "JWE"})
    assert reply["userId"] == "echo_bot@video.example.com"


def test_auth_disabled_user_202(fake: FakeTrueConfServer, connect: Any) -> None:
    token = fake.issue_token("echo_bot")
    fake.disable_user("echo_bot")
    client = connect(login=None)
    assert client.auth(token) == {"errorCode": 202}


def test_expired_tokens_203_on_auth_and_requests(fake: FakeTrueConfServer, connect: Any) -> None:
    authed = connect()
    token = fake.issue_token("echo_bot")
    fake.expire_tokens()
    assert connect(login=None).auth(token) == {"errorCode": 203}
    assert authed.request("getChats", {"count": 1, "page": 1}) == {"errorCode": 203}
    fresh = connect(login=None)
    assert "userId" in fresh.auth(fake.issue_token("echo_bot"))


def test_expired_session_keeps_working_when_configured(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.reject_requests_after_expiry = False
    authed = connect()
    fake.expire_tokens()
    assert authed.request("getChats", {"count": 1, "page": 1}) == []


def test_token_expiring_by_time(fake: FakeTrueConfServer, connect: Any) -> None:
    token = fake.issue_token("echo_bot", expires_in=-1)
    assert connect(login=None).auth(token) == {"errorCode": 203}


def test_bad_frames_do_not_kill_the_connection(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    for junk in ["not json", "[1, 2]", '{"type": 7, "id": 1}', '{"type": 1}', '{"id": 3}', "null"]:
        client.send(junk)
    client.ws.send_binary(b"\x00\x01")
    assert client.request("getChats", {"count": 1, "page": 1}) == []
    assert fake.stats["bad_frames"] == 7


def test_unknown_method_307_and_invalid_payload(connect: Any) -> None:
    client = connect()
    assert client.request("noSuchMethod", {}) == {"errorCode": 307}
    assert client.request("sendMessage", [1, 2]) == {"errorCode": 399}
    assert client.request("sendMessage", {"chatId": 5, "content": {}}) == {"errorCode": 399}
    reply = client.response(client.send_request("getChats"))  # payload left out entirely
    assert reply == []


def test_error_code_zero_option(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.error_code_zero = True
    client = connect()
    assert client.request("createGroupChat", {"title": "x"})["errorCode"] == 0


def test_max_connections_refuses_with_503(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.max_connections = 1
    connect(login=None)
    with pytest.raises(websocket.WebSocketBadStatusException) as info:
        connect(login=None)
    assert info.value.status_code == 503
    assert fake.stats["refused_connections"] == 1


def test_server_pings_and_drops_silent_peers() -> None:
    with FakeTrueConfServer(ping_interval=0.1, pong_timeout=0.3) as server:
        url = server.ws_url
        pings: list[bytes] = []
        answering = websocket.create_connection(url, timeout=5)
        silent = websocket.create_connection(url, timeout=5, skip_utf8_validation=True)
        deadline = time.monotonic() + 1.0
        answering.settimeout(0.05)
        while time.monotonic() < deadline:
            try:
                opcode, data = answering.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                continue
            if opcode == websocket.ABNF.OPCODE_PING:
                pings.append(data)
                answering.pong(data)
        assert len(pings) >= 3
        assert server.stats["connections"] == 1  # the silent one was dropped, the answering one kept
        answering.close()
        silent.close()


def test_server_answers_client_pings(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    client.ws.ping(b"hello")
    opcode, data = client.ws.recv_data(control_frame=True)
    assert (opcode, data) == (websocket.ABNF.OPCODE_PONG, b"hello")


def test_oauth2_three_step_exchange(fake: FakeTrueConfServer, connect: Any) -> None:
    step1 = requests.post(fake.url + "/api/v4/oauth2/token", timeout=5, json={
        "client_id": "my-app", "grant_type": "password", "username": "echo_bot", "password": "secret"})
    assert step1.status_code == 200
    step2 = requests.post(fake.url + "/bridge/api/client/v1/auth/web_rest_api_token", timeout=5, json={
        "client_id": "echo_bot", "token": step1.json()["access_token"]})
    assert step2.status_code == 200
    code = step2.json()["authorization_code"]
    body = {"client_id": "user", "grant_type": "authorization_code", "code": code}
    step3 = requests.post(fake.url + "/bridge/api/client/v1/auth/token", json=body, timeout=5)
    assert step3.status_code == 200
    client = connect(login=None)
    assert client.auth(step3.json()["access_token"])["userId"] == "echo_bot@video.example.com"
    reused = requests.post(fake.url + "/bridge/api/client/v1/auth/token", json=body, timeout=5)
    assert reused.status_code == 401


def test_oauth2_errors(fake: FakeTrueConfServer) -> None:
    url = fake.url + "/api/v4/oauth2/token"
    body = {"client_id": "my-app", "grant_type": "password", "username": "echo_bot", "password": "bad"}
    assert requests.post(url, json=body, timeout=5).status_code == 401
    fake.config.oauth2_scopes_ok = False
    reply = requests.post(url, json={**body, "password": "secret"}, timeout=5)
    assert reply.status_code == 400 and reply.json()["error"]["errors"][0]["reason"] == "invalidScope"


def test_fail_requests_injects_error_codes(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    fake.fail_requests(304, method="sendMessage", count=2)
    fake.fail_requests(301)
    assert client.request("getChats", {"count": 1, "page": 1}) == {"errorCode": 301}
    assert client.request("getChats", {"count": 1, "page": 1}) == []
    chat_id = client.request("createGroupChat", {"title": "x"})["chatId"]
    content = {"text": "x", "parseMode": "text"}
    assert client.request("sendMessage", {"chatId": chat_id, "content": content}) == {"errorCode": 304}
    assert client.request("sendMessage", {"chatId": chat_id, "content": content}) == {"errorCode": 304}
    assert "messageId" in client.request("sendMessage", {"chatId": chat_id, "content": content})
    assert fake.chat_messages(chat_id)[0]["content"] == content  # failed requests did not run
    assert len(fake.chat_messages(chat_id)) == 1
    fake.fail_requests(201, method="auth")
    assert connect(login=None).auth(fake.issue_token("echo_bot")) == {"errorCode": 201}


def test_refuse_connections(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.refuse_connections(2)
    for _ in range(2):
        with pytest.raises(websocket.WebSocketBadStatusException):
            connect(login=None)
    connect()
    assert fake.stats["refused_connections"] == 2


def test_restart_keeps_state_and_port(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = client.request("createGroupChat", {"title": "survives"})["chatId"]
    port = fake.port
    fake.stop()
    assert fake.stats["connections"] == 0
    fake.start()
    assert fake.port == port
    again = connect()
    assert again.request("getChatByID", {"chatId": chat_id})["title"] == "survives"


def test_auth_failure_can_close_and_descriptions_can_be_added(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.error_descriptions = True
    client = connect(login=None)
    reply = client.auth("garbage")
    assert reply["errorCode"] == 201 and isinstance(reply["errorDescription"], str)
    assert client.request("getChats", {}) == {"errorCode": 200, "errorDescription": "Not authorized"}
    fake.config.close_on_auth_failure = True
    closing = connect(login=None)
    assert closing.auth("garbage")["errorCode"] == 201
    try:
        assert closing.ws.recv() == ""  # a close frame
    except (websocket.WebSocketConnectionClosedException, ConnectionError):
        pass
    fake.wait_for(lambda s: s.stats["connections"] == 1)


def test_text_length_limit_is_optional(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = client.request("createGroupChat", {"title": "t"})["chatId"]
    long_text = {"text": "<b>" + "x" * 10 + "</b>", "parseMode": "html"}
    assert "messageId" in client.request("sendMessage", {"chatId": chat_id, "content": long_text})
    fake.config.max_text_length = 10
    assert "messageId" in client.request("sendMessage", {"chatId": chat_id, "content": long_text})  # tags free
    fake.config.max_text_length = 9
    assert client.request("sendMessage", {"chatId": chat_id, "content": long_text}) == {"errorCode": 300}
