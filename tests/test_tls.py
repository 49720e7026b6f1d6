"""TLS against a real HTTPS/WSS fake server whose certificate comes from a CA made in the test (trustme)."""

from __future__ import annotations

import io
import logging
import ssl

import pytest

from trueconf_sync import Client, ConnectionLostError, TLSError
from trueconf_sync.files import RemoteFile
from trueconf_sync.testing import FakeTrueConfServer

trustme = pytest.importorskip("trustme")


@pytest.fixture(scope="module")
def ca():
    return trustme.CA()


def _tls_server(ca, *names):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    server = FakeTrueConfServer(ssl_context=context).start()
    server.add_user("echo_bot", "s3cret-pass")
    return server


@pytest.fixture(scope="module")
def tls_server(ca):
    server = _tls_server(ca, "localhost", "127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def ca_file(ca, tmp_path):
    path = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def _client(server, host="localhost", **kwargs):
    kwargs.setdefault("username", "echo_bot")
    kwargs.setdefault("password", "s3cret-pass")
    return Client(host, port=server.port, https=True, timeout=5, **kwargs)


def test_server_speaks_https(tls_server):
    assert tls_server.url.startswith("https://") and tls_server.ws_url.startswith("wss://")


@pytest.mark.parametrize("kind", ["path", "context"])
def test_valid_chain_connects_websocket_and_oauth(tls_server, ca, ca_file, kind):
    if kind == "path":
        verify = ca_file
    else:
        verify = ssl.create_default_context()
        ca.configure_trust(verify)
    # username + password: the token comes over HTTPS, then the WebSocket is WSS
    with _client(tls_server, verify=verify) as client:
        assert client.connected and client.user_id == "echo_bot@video.example.com"
        assert client.get_chats() == []
    # a bare token too (WebSocket only)
    token = tls_server.issue_token("echo_bot")
    with _client(tls_server, verify=verify, username=None, password=None, token=token) as client:
        assert client.get_chats() == []


def test_sslcontext_is_not_changed_by_the_http_side(tls_server, ca):
    context = ssl.create_default_context(cafile=None)
    context.load_verify_locations(cadata=ca.cert_pem.bytes().decode())
    before = context.cert_store_stats()
    with _client(tls_server, verify=context) as client:
        assert client.connected
    assert context.cert_store_stats() == before  # certifi's bundle was not loaded into it


def test_unknown_ca_is_refused_with_a_clear_error(tls_server, trueconf_threads):
    before = trueconf_threads()
    token = tls_server.issue_token("echo_bot")
    for kwargs in ({"token": token, "username": None, "password": None}, {}):  # WebSocket, then OAuth
        client = _client(tls_server, verify=True, **kwargs)
        with pytest.raises(TLSError) as info:
            client.connect()
        text = str(info.value)
        assert "certificate" in text and "not accepted" in text and "verify=" in text
        assert isinstance(info.value, ConnectionLostError)
        client.close()
    assert trueconf_threads() - before == set()


def test_wrong_host_name_is_refused(ca, ca_file):
    server = _tls_server(ca, "other.example")
    try:
        client = _client(server, host="127.0.0.1", verify=ca_file,
                         token=server.issue_token("echo_bot"), username=None, password=None)
        with pytest.raises(TLSError, match=r"(?i)hostname|IP address mismatch|not valid for"):
            client.connect()
        client.close()
        client = _client(server, host="127.0.0.1", verify=ca_file)  # the OAuth request first
        with pytest.raises(TLSError, match=r"(?i)hostname|IP address mismatch|not valid for"):
            client.connect()
        client.close()
    finally:
        server.stop()


def test_verify_false_works_and_logs_one_warning(tls_server, caplog, recwarn):
    with caplog.at_level(logging.DEBUG):
        with _client(tls_server, verify=False) as client:
            assert client.get_chats() == []
            client.get_chats()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "verification is disabled" in warnings[0].getMessage()


def test_verify_system_uses_the_os_trust_store(tls_server):
    pytest.importorskip("truststore")
    client = _client(tls_server, verify="system")  # the test CA is not in the OS store: refused
    with pytest.raises(TLSError):
        client.connect()
    client.close()


def test_bad_verify_values_are_rejected():
    with pytest.raises(ValueError, match="verify"):
        Client("localhost", token="t", verify="/no/such/ca.pem")
    with pytest.raises(TypeError, match="verify"):
        Client("localhost", token="t", verify=3)


# ---- one trust store for the WebSocket and HTTP (issue 18 item 14) ---------------------------------------


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_environment_variables_change_neither_side(tls_server, ca_file, monkeypatch, variable):
    # Each variable used to make one side trust the test CA (OpenSSL's for the WebSocket, requests'
    # for HTTP) while the other refused it. verify=True now means certifi's bundle on both sides.
    monkeypatch.setenv(variable, ca_file)
    token = tls_server.issue_token("echo_bot")
    for kwargs in ({"token": token, "username": None, "password": None}, {}):  # WebSocket, then OAuth
        client = _client(tls_server, verify=True, **kwargs)
        with pytest.raises(TLSError, match="not accepted"):
            client.connect()
        client.close()
    with pytest.raises(TLSError, match=r"server info request: TLS certificate of .* not accepted"):
        _client(tls_server, verify=True, token=token, username=None, password=None).server_info()


def test_one_verify_serves_the_websocket_and_every_http_request(tls_server, ca_file):
    tls_server.add_user("alice")
    with _client(tls_server, verify=ca_file) as client:  # OAuth, WebSocket, upload, download, server info
        chat = client.create_p2p_chat("alice")
        sent = client.send_file(chat, b"over https", file_name="a.txt")
        assert client.download_file(sent.file_id, io.BytesIO()).getvalue() == b"over https"
        assert client.server_info().name == "video.example.com"


def test_tls_failures_of_http_requests_are_tls_errors(tls_server, ca_file):
    other = trustme.CA()  # a server whose certificate the client does not trust
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    other.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    with FakeTrueConfServer(ssl_context=context) as untrusted:
        untrusted.add_user("echo_bot", "s3cret-pass")
        client = _client(untrusted, verify=ca_file, token=untrusted.issue_token("echo_bot"), username=None,
                         password=None)
        with pytest.raises(TLSError, match=r"server info request: TLS certificate of localhost:\d+ not accepted"):
            client.server_info()
        client.close()
        tls_server.add_user("alice")
        with _client(tls_server, verify=ca_file) as trusted:  # a file fetched from an untrusted https URL
            remote = RemoteFile(untrusted.url + "/api/v4/server", allowed_networks=["127.0.0.0/8"])
            with pytest.raises(TLSError, match=r"file: fetching https://127\.0\.0\.1:\d+/api/v4/server: TLS cert"):
                trusted.send_file(trusted.create_p2p_chat("alice"), remote)
