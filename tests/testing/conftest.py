"""Fixtures for the fake server's own tests: a running server and raw WebSocket clients."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import websocket

from trueconf_sync.testing import FakeTrueConfServer

TOKEN_PATH = "/bridge/api/client/v1/oauth/token"


class RawClient:
    """A bare websocket-client connection speaking the JSON protocol by hand."""

    def __init__(self, server: FakeTrueConfServer, path: str = "/websocket/chat_bot/",
                 subprotocols: list[str] | None = None, auto_ack: bool = True) -> None:
        url = server.url.replace("http://", "ws://") + path
        self.ws = websocket.create_connection(url, timeout=5, subprotocols=subprotocols)
        self.next_id = 1
        self.events: list[dict[str, Any]] = []
        self.auto_ack = auto_ack

    def send(self, frame: Any) -> None:
        self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    def recv(self) -> dict[str, Any]:
        frame: dict[str, Any] = json.loads(self.ws.recv())
        return frame

    def send_request(self, method: str, payload: Any = None) -> int:
        request_id = self.next_id
        self.next_id += 1
        frame: dict[str, Any] = {"type": 1, "id": request_id, "method": method}
        if payload is not None:
            frame["payload"] = payload
        self.send(frame)
        return request_id

    def response(self, request_id: int) -> Any:
        """Read frames until the response to ``request_id``; buffer (and ack) events."""
        while True:
            frame = self.recv()
            if frame["type"] == 2 and frame["id"] == request_id:
                return frame.get("payload")
            self._buffer(frame)

    def _buffer(self, frame: dict[str, Any]) -> None:
        assert frame["type"] == 1, frame
        self.events.append(frame)
        if self.auto_ack:
            self.send({"type": 2, "id": frame["id"]})

    def request(self, method: str, payload: Any = None) -> Any:
        return self.response(self.send_request(method, payload))

    def event(self, method: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
        """Next buffered or incoming server request (of ``method`` if given)."""
        self.ws.settimeout(timeout)
        try:
            while True:
                for frame in self.events:
                    if method is None or frame["method"] == method:
                        self.events.remove(frame)
                        return frame
                self._buffer(self.recv())
        finally:
            self.ws.settimeout(5)

    def no_event(self, timeout: float = 0.3) -> None:
        """Assert that nothing arrives within ``timeout``."""
        self.ws.settimeout(timeout)
        try:
            frame = self.ws.recv()
        except websocket.WebSocketTimeoutException:
            return
        finally:
            self.ws.settimeout(5)
        raise AssertionError(f"unexpected frame {frame}")

    def auth(self, token: str, **flags: Any) -> Any:
        return self.request("auth", {"token": token, "tokenType": "JWT", **flags})

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def fake() -> Iterator[FakeTrueConfServer]:
    """A running server with a bot ``echo_bot`` and users ``alice``, ``bob``."""
    server = FakeTrueConfServer()
    server.add_user("echo_bot", "secret")
    server.add_user("alice")
    server.add_user("bob")
    with server:
        yield server


@pytest.fixture
def connect(fake: FakeTrueConfServer) -> Iterator[Callable[..., RawClient]]:
    """Factory: ``connect(login=None, **flags)`` -> RawClient, authorised when ``login`` is given."""
    clients: list[RawClient] = []

    def make(login: str | None = "echo_bot", path: str = "/websocket/chat_bot/", auto_ack: bool = True,
             **flags: Any) -> RawClient:
        client = RawClient(fake, path, auto_ack=auto_ack)
        clients.append(client)
        if login is not None:
            reply = client.auth(fake.issue_token(login), **flags)
            assert "userId" in reply, reply
        return client

    yield make
    for client in clients:
        try:
            client.close()
        except Exception:  # noqa: BLE001 -- already closed by the test
            pass


@pytest.fixture
def token_request(fake: FakeTrueConfServer) -> Callable[..., requests.Response]:
    """POST the OAuth token endpoint with a valid body updated by keyword arguments."""
    def post(**body: Any) -> requests.Response:
        payload = {"client_id": "chat_bot", "grant_type": "password", "username": "echo_bot",
                   "password": "secret"}
        payload.update(body)
        return requests.post(fake.url + TOKEN_PATH, json=payload, timeout=5)
    return post
