"""Fake server: the ``/_fake/`` control API and the standalone ``python -m trueconf_sync.testing``."""

from __future__ import annotations

import base64
import json
import signal
import subprocess
import sys
import time
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


def post(server: FakeTrueConfServer, path: str, body: Any = None) -> requests.Response:
    return requests.post(server.url + "/_fake" + path, json=body if body is not None else {}, timeout=5)


def get(server: FakeTrueConfServer, path: str) -> requests.Response:
    return requests.get(server.url + "/_fake" + path, timeout=5)


def auth_ws(server: FakeTrueConfServer, token: str) -> websocket.WebSocket:
    ws = websocket.create_connection(server.ws_url, timeout=5)
    ws.send(json.dumps({"type": 1, "id": 1, "method": "auth", "payload": {"token": token, "tokenType": "JWT"}}))
    assert "userId" in json.loads(ws.recv())["payload"]
    return ws


def test_control_api_is_off_by_default(fake: FakeTrueConfServer) -> None:
    assert get(fake, "/stats").status_code == 404


def test_users_messages_and_chats(controlled: FakeTrueConfServer) -> None:
    bot = post(controlled, "/users", {"login": "echo_bot", "password": "pw"}).json()
    assert bot["userId"] == "echo_bot@video.example.com" and bot["token"].count(".") == 2
    assert post(controlled, "/users", {"login": "alice"}).status_code == 200
    ws = auth_ws(controlled, bot["token"])
    sent = post(controlled, "/users/alice/messages", {"to": "echo_bot", "text": "hi", "parseMode": "text"}).json()
    frames = [json.loads(ws.recv()) for _ in range(2)]
    assert [f["method"] for f in frames] == ["createP2PChat", "sendMessage"]
    assert frames[1]["payload"]["messageId"] == sent["messageId"]
    messages = get(controlled, f"/chats/{sent['chatId']}/messages").json()
    assert [m["content"]["text"] for m in messages] == ["hi"]
    ws.send(json.dumps({"type": 1, "id": 2, "method": "sendMessage", "payload": {
        "chatId": sent["chatId"], "content": {"text": "hello alice", "parseMode": "text"}}}))
    json.loads(ws.recv())
    inbox = get(controlled, f"/users/alice/inbox?chatId={sent['chatId']}").json()
    assert [m["content"]["text"] for m in inbox] == ["hello alice"]
    group = post(controlled, "/users/alice/chats", {"title": "Team", "members": ["echo_bot"]}).json()
    assert get(controlled, f"/chats/{group['chatId']}").json()["members"]["alice@video.example.com"] == "owner"
    assert get(controlled, "/chats/nope").status_code == 404
    stats = get(controlled, "/stats").json()
    assert stats["authorized"] == 1 and stats["requests"]["sendMessage"] == 1
    assert post(controlled, "/drop").json() == {"dropped": 1}
    ws.close()


def test_files_push_limits_config_and_errors(controlled: FakeTrueConfServer) -> None:
    token = post(controlled, "/users", {"login": "echo_bot"}).json()["token"]
    post(controlled, "/users", {"login": "alice"})
    ws = auth_ws(controlled, token)
    sent = post(controlled, "/users/alice/files", {"to": "echo_bot", "name": "a.txt",
                                                   "dataBase64": base64.b64encode(b"abc").decode()}).json()
    frames = [json.loads(ws.recv()) for _ in range(2)]
    assert frames[1]["payload"]["type"] == 202 and frames[1]["payload"]["messageId"] == sent["messageId"]
    assert post(controlled, "/push", {"method": "custom", "payload": {"a": 1}}).json()["ids"] == [3]
    assert json.loads(ws.recv())["method"] == "custom"
    assert post(controlled, "/limits", {"maxSize": 10}).json()["ids"] == [4]
    assert post(controlled, "/config", {"retry_after_ms": 1234}).json()["retry_after_ms"] == 1234
    assert post(controlled, "/config", {"no_such_option": 1}).status_code == 400
    assert post(controlled, "/config", {"self_echo": "yes"}).status_code == 400
    assert post(controlled, "/users", {"password": "x"}).status_code == 400
    assert post(controlled, "/users/ghost/messages", {"to": "alice", "text": "x"}).json()["errorCode"] == 305
    assert post(controlled, "/expire-tokens").json() == {}
    assert "/_fake/stats" in " ".join(get(controlled, "/").json()["endpoints"])
    ws.close()


def test_standalone_process() -> None:
    process = subprocess.Popen([sys.executable, "-m", "trueconf_sync.testing", "--port", "0",
                                "--bot", "echo_bot:secret", "--user", "alice:pw"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line, line + (process.stderr.read() if process.stderr else "")
        url = line.split("listening on ", 1)[1].split()[0]
        token = requests.post(url + "/bridge/api/client/v1/oauth/token", json={
            "client_id": "chat_bot", "grant_type": "password", "username": "echo_bot", "password": "secret"},
            timeout=5)
        assert token.status_code == 201
        sent = requests.post(url + "/_fake/users/alice/messages", json={"to": "echo_bot", "text": "hi"}, timeout=5)
        assert sent.status_code == 200 and "messageId" in sent.json()
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        started = time.monotonic()
        assert process.wait(10) == 0
        assert time.monotonic() - started < 10


# ---- guards against being driven from a web page (issue 18 item 13) --------------------------------------


def users_of(server: FakeTrueConfServer) -> set[str]:
    return set(server.call(lambda: set(server.core.state.users)))


def test_a_cross_site_simple_post_is_refused(controlled: FakeTrueConfServer) -> None:
    before = users_of(controlled)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        refused = requests.post(controlled.url + "/_fake/users", data='{"login": "mallory"}', timeout=5,
                                headers={"Content-Type": content_type})
        assert refused.status_code == 415 and "application/json" in refused.json()["error"]
    assert users_of(controlled) == before
    assert post(controlled, "/users", {"login": "carol"}).status_code == 200  # the JSON client still works
    assert "carol@video.example.com" in users_of(controlled)


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8080", "attacker.localhost.evil"])
def test_a_foreign_host_header_is_refused(controlled: FakeTrueConfServer, host: str) -> None:
    refused = requests.get(controlled.url + "/_fake/stats", headers={"Host": host}, timeout=5)
    assert refused.status_code == 403 and "Host" in refused.json()["error"]
    for ok in (f"127.0.0.1:{controlled.port}", f"localhost:{controlled.port}", "[::1]", "video.example.com"):
        assert requests.get(controlled.url + "/_fake/stats", headers={"Host": ok}, timeout=5).status_code == 200


def test_control_token_and_allowed_hosts() -> None:
    with FakeTrueConfServer(control_api=True, control_token="s3cret", control_hosts=("fake.test",)) as server:
        assert get(server, "/stats").status_code == 403
        wrong = requests.get(server.url + "/_fake/stats", headers={"Authorization": "Bearer nope"}, timeout=5)
        assert wrong.status_code == 403 and "token" in wrong.json()["error"]
        headers = {"Authorization": "Bearer s3cret"}
        assert requests.get(server.url + "/_fake/stats", headers=headers, timeout=5).status_code == 200
        assert requests.get(server.url + "/_fake/stats", headers={**headers, "Host": "fake.test"},
                            timeout=5).status_code == 200


def test_binding_beyond_loopback_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING"), FakeTrueConfServer("0.0.0.0", control_api=True):
        pass
    assert "beyond loopback" in caplog.text and "control token" in caplog.text
    caplog.clear()
    with caplog.at_level("WARNING"), FakeTrueConfServer("127.0.0.1", control_api=True):
        pass
    assert "beyond loopback" not in caplog.text


def test_the_standalone_server_warns_beyond_loopback() -> None:
    process = subprocess.Popen([sys.executable, "-m", "trueconf_sync.testing", "--host", "0.0.0.0", "--port", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        warning = ""
        while "warning:" not in warning:
            warning = process.stderr.readline()
            assert warning, "the server ended without the warning"
        assert "control API" in warning and "--control-token" in warning
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(10) == 0
