"""OAuth2 application login (PROTOCOL §12.11), disabled password logins, and server info (§10.1)."""

from __future__ import annotations

import pytest

from trueconf_sync import AuthError, Client, ConnectionLostError


def _client(server, **kwargs):
    return Client(server.host, port=server.port, https=False, **kwargs)


def test_oauth2_application_login_connects(trueconf_server):
    trueconf_server.config.password_auth_enabled = False
    with _client(trueconf_server, username="echo_bot", password="password", oauth_client_id="my-app") as client:
        assert client.user_id == "echo_bot@video.example.com"
        assert client.get_chats() == []
        assert client.token_expires_at is not None


def test_disabled_password_login_says_what_to_do(trueconf_server):
    trueconf_server.config.password_auth_enabled = False
    client = _client(trueconf_server, username="echo_bot", password="password", auto_reconnect=False)
    with pytest.raises(AuthError) as info:
        client.connect()
    assert info.value.status == 403 and info.value.oauth_error == "auth_method_disabled"
    assert "oauth_client_id" in str(info.value)
    assert "password" not in str(info.value).replace("password logins", "")  # the secret itself never


def test_oauth2_errors_are_auth_errors(trueconf_server):
    with pytest.raises(AuthError) as wrong:
        _client(trueconf_server, username="echo_bot", password="nope", oauth_client_id="my-app").connect()
    assert wrong.value.status == 401 and wrong.value.oauth_error == "invalid_grant"
    trueconf_server.config.oauth2_scopes_ok = False
    with pytest.raises(AuthError) as scope:
        _client(trueconf_server, username="echo_bot", password="password", oauth_client_id="my-app").connect()
    assert scope.value.oauth_error == "invalid_scope" and "scope" in str(scope.value)


def test_oauth_client_id_needs_credentials(trueconf_server):
    with pytest.raises(ValueError, match="oauth_client_id"):
        _client(trueconf_server, token="t", oauth_client_id="my-app")
    with pytest.raises(ValueError, match="oauth_client_id"):
        _client(trueconf_server, username="u", password="p", oauth_client_id="")


def test_server_info_needs_no_connection(trueconf_server):
    client = _client(trueconf_server, token="not-needed")
    info = client.server_info()
    assert info.version == "5.5.6.0" and info.name == "video.example.com"
    assert info.version_tuple >= (5, 5, 6)
    assert not client.connected
    client.close()


def test_server_info_of_an_unreachable_server_raises():
    client = Client("127.0.0.1", "t", port=1, https=False)
    with pytest.raises(ConnectionLostError):
        client.server_info(timeout=2)
    client.close()
