"""Redirects never carry secrets off the server (issue 18 item 2): the token request (password) and uploads
(body, Upload-Task-Id) follow no redirect at all; a redirect is a clear error naming the target's origin.
Real sockets: the fake server redirecting, and a plain HTTP server recording whatever reaches it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from trueconf_sync import Client, ConnectionLostError
from trueconf_sync.testing import FakeTrueConfServer


class Recorder:
    """Records every request (method, path, headers, body) and answers 201 with a token-looking JSON."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen.append((self.command, self.path, dict(self.headers.items()), self.rfile.read(length)))
                body = b'{"access_token": "stolen", "expires_in": 3600}'
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _any

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[Recorder]:
    recorder = Recorder()
    yield recorder
    recorder.close()


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_the_token_request_follows_no_redirect(trueconf_server: FakeTrueConfServer, elsewhere: Recorder,
                                               status: int) -> None:
    trueconf_server.config.http_redirect = (status, elsewhere.url + "/steal?x=1")
    client = Client(trueconf_server.host, username="echo_bot", password="password", port=trueconf_server.port,
                    https=False, timeout=5, auto_reconnect=False)
    try:
        with pytest.raises(ConnectionLostError, match=rf"HTTP {status}, a redirect to http://127\.0\.0\.1:\d+, "
                                                      r"which is not followed: a POST is never redirected") as info:
            client.connect()
        assert "steal" not in str(info.value) and "password" not in str(info.value)
    finally:
        client.close()
    assert elsewhere.seen == []  # the password went nowhere else
    trueconf_server.config.http_redirect = (status, "/bridge/api/client/v1/oauth/token")  # not even to itself
    same = Client(trueconf_server.host, username="echo_bot", password="password", port=trueconf_server.port,
                  https=False, timeout=5, auto_reconnect=False)
    try:
        with pytest.raises(ConnectionLostError, match="a POST is never redirected"):
            same.connect()
    finally:
        same.close()


def test_an_upload_follows_no_redirect(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                       alice_chat: str, elsewhere: Recorder) -> None:
    trueconf_server.config.http_redirect = (307, elsewhere.url + "/upload")
    with pytest.raises(ConnectionLostError, match=r"redirect to http://127\.0\.0\.1:\d+, which is not followed"):
        trueconf_client.send_file(alice_chat, b"confidential", file_name="a.txt")
    assert elsewhere.seen == []  # neither the body nor the Upload-Task-Id left the server
    trueconf_server.config.http_redirect = None
    assert trueconf_client.send_file(alice_chat, b"fine", file_name="b.txt").file_id  # and uploads work again
