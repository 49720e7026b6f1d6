"""A wrong scheme or port gives one readable line (where, why, what to try), on the WebSocket and the OAuth path.

Real sockets: the fake server over plain HTTP hit with https, the fake server over TLS hit with
http, and a port nobody listens on. Each case runs with a token (WebSocket only) and with a
username and password (the OAuth token request over HTTP comes first).
"""

from __future__ import annotations

import logging
import socket
import ssl

import pytest

from trueconf_sync import Client, ConnectionLostError, TLSError
from trueconf_sync.testing import FakeTrueConfServer

trustme = pytest.importorskip("trustme")

@pytest.fixture(scope="module")
def plain_server():
    server = FakeTrueConfServer().start()
    server.add_user("bot", "pw")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tls_server():
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(context)
    server = FakeTrueConfServer(ssl_context=context).start()
    server.add_user("bot", "pw")
    yield server
    server.stop()


@pytest.fixture
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return port


def _connect_error(server, port, https, path):
    if path == "oauth":  # the token request (HTTP) comes first
        kwargs = {"username": "bot", "password": "pw"}
    else:  # a token: only the WebSocket is opened
        kwargs = {"token": server.issue_token("bot") if server is not None else "any.token.here"}
    client = Client("127.0.0.1", port=port, https=https, timeout=5, auto_reconnect=False, **kwargs)
    try:
        with pytest.raises(ConnectionLostError) as info:
            client.connect()
    finally:
        client.close()
    return info.value


def _one_readable_line(error, scheme, port, what):
    text = str(error)
    assert "\n" not in text and len(text) < 400
    assert text.startswith(f"{what}: cannot reach {scheme}://127.0.0.1:{port}: "), text
    for raw in ("HTTPSConnectionPool", "HTTPConnectionPool", "Max retries", "NewConnectionError", "object at 0x"):
        assert raw not in text
    return text


WHAT = {"websocket": "WebSocket", "oauth": "token request"}


@pytest.mark.parametrize("path", ["websocket", "oauth"])
def test_https_to_a_plain_server_says_use_https_false(plain_server, path):
    error = _connect_error(plain_server, plain_server.port, True, path)
    assert isinstance(error, TLSError)
    text = _one_readable_line(error, "https", plain_server.port, WHAT[path])
    assert "does not speak TLS" in text and "https=False" in text
    assert f"http://127.0.0.1:{plain_server.port}" in text


@pytest.mark.parametrize("path", ["websocket", "oauth"])
def test_http_to_a_tls_server_says_use_https_true(tls_server, path):
    error = _connect_error(tls_server, tls_server.port, False, path)
    assert not isinstance(error, TLSError)  # no TLS was tried: the hint is to try it
    text = _one_readable_line(error, "http", tls_server.port, WHAT[path])
    assert "https=True" in text and f"https://127.0.0.1:{tls_server.port}" in text


@pytest.mark.parametrize("https", [True, False], ids=["https", "http"])
@pytest.mark.parametrize("path", ["websocket", "oauth"])
def test_closed_port_says_connection_refused_and_which_ports(closed_port, path, https):
    error = _connect_error(None, closed_port, https, path)
    scheme = "https" if https else "http"
    text = _one_readable_line(error, scheme, closed_port, WHAT[path])
    assert f"connection refused (nothing listens on port {closed_port})" in text
    assert "4309" in text and "443" in text


def test_unknown_host_names_the_host():
    client = Client("no-such-host.invalid", https=False, token="t.t.t", timeout=5, auto_reconnect=False)
    with pytest.raises(ConnectionLostError, match=r"WebSocket: cannot reach http://no-such-host\.invalid:4309: "
                                                  r"the host name 'no-such-host\.invalid' was not found"):
        client.connect()
    client.close()


def test_server_info_over_the_wrong_scheme_is_our_error_too(plain_server):
    client = Client("127.0.0.1", port=plain_server.port, https=True, token="t.t.t", timeout=5)
    with pytest.raises(TLSError, match=r"server info request: cannot reach https://127\.0\.0\.1:\d+: .*https=False"):
        client.server_info()
    client.close()


def test_no_verify_false_warning_for_plain_http(plain_server, caplog):
    caplog.set_level(logging.WARNING, logger="trueconf_sync")
    with Client("127.0.0.1", port=plain_server.port, https=False, verify=False,
                username="bot", password="pw", timeout=5) as client:
        assert client.get_chats() == []
    assert not [r for r in caplog.records if "verify" in r.getMessage()]
    Client("127.0.0.1", port=plain_server.port, https=True, verify=False, token="t.t.t").close()
    assert [r for r in caplog.records if "verification is disabled" in r.getMessage()]  # https still warns
