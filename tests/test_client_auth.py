"""Authentication: token and credentials, the auth error codes, argument checks of the constructor."""

from __future__ import annotations

import pytest

from trueconf_sync import ApiError, AuthError, Client, TrueConfError
from trueconf_sync.testing import FakeTrueConfServer

BOT_ID = "echo_bot@video.example.com"


def make_client(server, **kwargs):
    return Client(server.host, port=server.port, https=False, **kwargs)


def test_token_auth_reports_user_and_connection(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(connect=False)
    assert client.user_id is None
    assert client.state == "disconnected"
    assert client.connect() is client
    assert client.user_id == BOT_ID
    assert client.connection_id
    assert client.connected and client.state == "connected"
    stats = trueconf_server.stats
    assert stats["authorized"] == 1
    assert stats["requests"] == {"auth": 1}
    client.connect()  # no-op while connected
    assert trueconf_server.stats["total_connections"] == 1


def test_token_callable_is_called_on_connect(trueconf_server, trueconf_client_factory):
    calls = []

    def token():
        calls.append(1)
        return trueconf_server.issue_token("echo_bot")

    client = trueconf_client_factory(token=token)
    assert calls == [1]
    assert client.user_id == BOT_ID


def test_credentials_auth_gets_token_over_oauth(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory(username="echo_bot", password="password")
    assert client.user_id == BOT_ID
    assert client.token_expires_at is not None
    assert client.get_chats() == []
    assert trueconf_server.stats["authorized"] == 1


def test_credentials_of_another_account(trueconf_server, trueconf_client_factory):
    trueconf_server.add_user("other_bot", password="s3cret")
    client = trueconf_client_factory(username="other_bot", password="s3cret")
    assert client.user_id == "other_bot@video.example.com"


def test_invalid_token_is_auth_error_201(trueconf_server):
    client = make_client(trueconf_server, token="definitely.not.valid")
    with pytest.raises(AuthError) as info:
        client.connect()
    assert info.value.code == 201
    assert info.value.name == "INVALID_CREDENTIALS"
    assert isinstance(info.value, ApiError) and isinstance(info.value, TrueConfError)
    assert not info.value.retryable
    assert client.user_id is None
    assert not client.connected
    assert client.state == "disconnected"
    client.close()


def test_token_of_unknown_signature_is_201(trueconf_server):
    other = FakeTrueConfServer()  # never started: it only signs a token with another key
    other.add_user("echo_bot")
    foreign = other.issue_token("echo_bot")
    other.stop()
    client = make_client(trueconf_server, token=foreign)
    with pytest.raises(AuthError) as info:
        client.connect()
    assert info.value.code == 201
    client.close()


def test_expired_token_is_auth_error_203(trueconf_server):
    client = make_client(trueconf_server, token=trueconf_server.issue_token("echo_bot", expires_in=-60))
    with pytest.raises(AuthError) as info:
        client.connect()
    assert info.value.code == 203
    assert info.value.name == "CREDENTIALS_EXPIRED"
    assert info.value.retryable
    client.close()


def test_expire_tokens_rejects_new_connections_and_requests(trueconf_server, trueconf_client_factory):
    client = trueconf_client_factory()
    token = trueconf_server.issue_token("echo_bot")
    trueconf_server.expire_tokens()
    # requests on the already authorised connection answer 203 (PROTOCOL §2.2)
    with pytest.raises(AuthError) as info:
        client.get_chats()
    assert info.value.code == 203
    # and a new connection with an expired token is refused with 203
    fresh = make_client(trueconf_server, token=token)
    with pytest.raises(AuthError) as info:
        fresh.connect()
    assert info.value.code == 203
    fresh.close()


def test_disabled_user_is_auth_error_202(trueconf_server):
    token = trueconf_server.issue_token("echo_bot")
    trueconf_server.disable_user("echo_bot")
    client = make_client(trueconf_server, token=token)
    with pytest.raises(AuthError) as info:
        client.connect()
    assert info.value.code == 202
    assert info.value.name == "USER_DISABLED"
    assert not info.value.retryable
    client.close()


def test_disabled_user_with_credentials_is_refused_by_oauth(trueconf_server):
    trueconf_server.disable_user("echo_bot")
    client = make_client(trueconf_server, username="echo_bot", password="password")
    with pytest.raises(AuthError) as info:
        client.connect()
    assert info.value.status == 401
    assert trueconf_server.stats["total_connections"] == 0  # refused before the WebSocket
    client.close()


def test_wrong_password_is_oauth_auth_error(trueconf_server):
    client = make_client(trueconf_server, username="echo_bot", password="wrong")
    with pytest.raises(AuthError) as info:
        client.connect()
    error = info.value
    assert error.oauth_error == "invalid_grant"
    assert error.status == 401
    assert error.code == 0
    assert "wrong" not in str(error) and "wrong" not in repr(error)  # the password is no secret to leak
    assert trueconf_server.stats["total_connections"] == 0
    assert client.user_id is None
    client.close()


def test_unknown_user_credentials_is_oauth_auth_error(trueconf_server):
    client = make_client(trueconf_server, username="nobody", password="password")
    with pytest.raises(AuthError) as info:
        client.connect()
    assert info.value.oauth_error == "invalid_grant"
    client.close()


def test_failed_connect_leaves_no_threads(trueconf_server, trueconf_threads):
    before = trueconf_threads()
    client = make_client(trueconf_server, token="bad.token.here")
    with pytest.raises(AuthError):
        client.connect()
    leaked = trueconf_threads() - before
    client.close()
    assert not leaked, f"threads left running after a failed connect: {sorted(t.name for t in leaked)}"


def test_failed_with_block_leaves_no_threads(trueconf_server, trueconf_threads):
    before = trueconf_threads()
    with pytest.raises(AuthError):
        with make_client(trueconf_server, token="bad.token.here"):
            pytest.fail("the with block must not run")
    leaked = trueconf_threads() - before
    assert not leaked, f"threads left running after a failed `with`: {sorted(t.name for t in leaked)}"


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"username": "echo_bot"},
        {"password": "password"},
    ],
    ids=["nothing", "username-only", "password-only"],
)
def test_neither_token_nor_credentials_is_value_error(kwargs):
    with pytest.raises(ValueError) as info:
        Client("127.0.0.1", **kwargs)
    text = str(info.value)
    assert "token" in text and "username" in text and "password" in text


@pytest.mark.parametrize(
    "kwargs",
    [
        {"token": "t", "username": "u", "password": "p"},
        {"token": "t", "username": "u"},
        {"token": "t", "password": "p"},
    ],
    ids=["all", "token-username", "token-password"],
)
def test_both_token_and_credentials_is_value_error(kwargs):
    with pytest.raises(ValueError) as info:
        Client("127.0.0.1", **kwargs)
    text = str(info.value)
    assert "token" in text and "username" in text and "password" in text


@pytest.mark.parametrize(
    ("kwargs", "exc", "name"),
    [
        ({"token": ""}, TypeError, "token"),
        ({"token": 42}, TypeError, "token"),
        ({"username": "", "password": "p"}, TypeError, "username"),
        ({"username": "u", "password": 5}, TypeError, "password"),
        ({"token": "t", "timeout": 0}, ValueError, "timeout"),
        ({"token": "t", "timeout": -1}, ValueError, "timeout"),
        ({"token": "t", "workers": 0}, ValueError, "workers"),
        ({"token": "t", "ack": "never"}, ValueError, "ack"),
        ({"token": "t", "port": 70000}, ValueError, "port"),
    ],
)
def test_constructor_argument_errors_name_the_argument(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        Client("127.0.0.1", **kwargs)


def test_secrets_not_in_repr(trueconf_server, trueconf_client_factory):
    token = trueconf_server.issue_token("echo_bot")
    client = trueconf_client_factory(token=token)
    assert token not in repr(client)
    trueconf_server.add_user("secret_bot", password="hunter2-xyzzy")
    cred = trueconf_client_factory(username="secret_bot", password="hunter2-xyzzy")
    assert "hunter2-xyzzy" not in repr(cred)
