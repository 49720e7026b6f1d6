"""config.py: the client's validated settings (ClientConfig) and the one settings loader shared by
the client, the command line, bot scripts and the web integrations; client.core (ClientCore)."""

from __future__ import annotations

import inspect
import math
import subprocess
import sys
from pathlib import Path

import pytest

from trueconf_sync import Client
from trueconf_sync.config import MAX_SECONDS, ClientConfig, SettingsError, check_timeout, load_settings, parse_server
from trueconf_sync.core.protocols import RequestSpec

NO_FILE = {"XDG_CONFIG_HOME": "/nonexistent/trueconf-sync-tests"}


@pytest.mark.parametrize(("server", "port", "https", "expected"), [
    ("video.example.com", None, True, ("video.example.com", 443, True)),
    ("video.example.com", None, False, ("video.example.com", 4309, False)),
    ("video.example.com:8443", None, True, ("video.example.com", 8443, True)),
    ("http://10.0.0.5:4309", None, True, ("10.0.0.5", 4309, False)),
    ("wss://[::1]:9000", None, False, ("::1", 9000, True)),
    ("  host  ", 1234, True, ("host", 1234, True)),
])
def test_parse_server(server, port, https, expected):
    assert parse_server(server, port, https) == expected


@pytest.mark.parametrize(("server", "port", "match"), [
    ("", None, "server must be"),
    ("ftp://host", None, "unsupported scheme"),
    ("host:abc", None, "bad port"),
    ("host", 70000, "port must be an int between 1 and 65535"),
    ("host", True, "port must be"),
])
def test_parse_server_errors_name_the_argument(server, port, match):
    with pytest.raises((TypeError, ValueError), match=match):
        parse_server(server, port, True)


def test_client_config_is_validated_frozen_and_keeps_secrets_out_of_the_repr():
    config = ClientConfig.create("h.example", username="bot", password="s3cret-pass", timeout=3, workers=4)
    assert (config.host, config.port, config.timeout, config.connect_timeout, config.workers) == (
        "h.example", 443, 3.0, 3.0, 4)
    assert config.ws_url == "wss://h.example:443/websocket/chat_bot/"
    assert "s3cret-pass" not in repr(config)
    with pytest.raises(AttributeError):
        config.timeout = 5  # type: ignore[misc]
    assert ClientConfig.create("h", token="t").check_timeout(None) == 10.0


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"timeout": math.nan}, "timeout"),
    ({"timeout": math.inf}, "timeout"),
    ({"timeout": 0}, "timeout"),
    ({"ping_interval": MAX_SECONDS * 2}, "ping_interval"),
    ({"connect_timeout": -1}, "connect_timeout"),
    ({"workers": 0}, "workers"),
    ({"workers": True}, "workers"),
    ({"max_pending_calls": 0}, "max_pending_calls"),
    ({"ack": "later"}, "ack"),
    ({"token": None}, "token"),
])
def test_client_config_errors_name_the_argument(kwargs, name):
    arguments = {"token": "t", **kwargs}
    with pytest.raises((TypeError, ValueError), match=name):
        ClientConfig.create("h", **arguments)


def test_check_timeout():
    assert check_timeout(None, 7.0) == 7.0
    assert check_timeout(2, 7.0) == 2.0
    for bad in (0, -1, True, math.nan, MAX_SECONDS + 1, "5"):
        with pytest.raises(ValueError, match="timeout must be a number of seconds"):
            check_timeout(bad, 7.0)


def test_client_takes_exactly_the_config_arguments():
    client_params = list(inspect.signature(Client.__init__).parameters)[1:]
    config_params = list(inspect.signature(ClientConfig.create).parameters)
    assert client_params == config_params


def test_client_settings_are_views_of_its_config():
    client = Client("h.example", token="t", timeout=4, receive_unread=False)
    assert client.timeout == client.config.timeout == 4.0
    client.receive_unread = True  # applies to the next connection
    assert client.config.receive_unread is True and client.receive_unread is True
    assert client.base_url == "https://h.example:443"
    with pytest.raises(ValueError, match="workers must be an int between 1 and 256"):
        client.workers = 0
    assert client.workers == 1
    client.port = 8443
    assert client.base_url == "https://h.example:8443"
    client.close()


def test_shared_loader_precedence_and_errors(tmp_path: Path):
    path = tmp_path / "config.ini"
    path.write_text("[trueconf]\nserver = file.example\nport = 1111\n[other]\nserver = other.example\n")
    path.chmod(0o600)
    env = {"TRUECONF_PORT": "2222", "TRUECONF_TOKEN": "tok"}
    settings = load_settings({"port": "3333"}, env, config=str(path))
    assert (settings.server, settings.port) == ("file.example", 3333)
    assert load_settings({}, env, config=str(path)).port == 2222
    assert load_settings({}, {}, config=str(path), profile="other").server == "other.example"
    assert settings.client_kwargs() == {"server": "file.example", "token": "tok", "port": 3333, "https": True,
                                        "verify": True, "timeout": 10.0}
    with pytest.raises(SettingsError, match="TRUECONF_PORT must be a port number"):
        load_settings({}, {**NO_FILE, "TRUECONF_PORT": "x"})
    assert issubclass(SettingsError, ValueError)  # bot scripts and web apps catch ValueError


def test_cli_usage_error_is_the_shared_settings_error():
    from trueconf_sync.cli import UsageError, load_settings as cli_load_settings

    assert UsageError is SettingsError
    settings = cli_load_settings({"server": "h.example", "token_file": None}, {**NO_FILE, "TRUECONF_TOKEN": "tok"})
    client = settings.make_client()
    assert (client.host, client.port) == ("h.example", 443)
    client.close()


def test_bot_env_uses_the_shared_loader_without_the_cli():
    code = (
        "import sys\n"
        "from trueconf_sync.bot.env import client_from_env\n"
        "client = client_from_env({'TRUECONF_SERVER': 'h.example', 'TRUECONF_TOKEN': 'tok',"
        " 'XDG_CONFIG_HOME': '/nonexistent'})\n"
        "assert client.workers == 4 and client.host == 'h.example'\n"
        "assert not [m for m in sys.modules if m.split('.')[:2] == ['trueconf_sync', 'cli']], 'cli imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_client_core_is_what_lower_layers_use(trueconf_client):
    from trueconf_sync.transport.http import client_session

    core = trueconf_client.core
    assert core.check_timeout(None) == trueconf_client.timeout == core.default_timeout
    assert core.name.startswith("trueconf-") and core.base_url == trueconf_client.base_url
    assert client_session(trueconf_client) is client_session(core) is core.http_session()
    assert core.request(RequestSpec("getChats", lambda payload: payload), {"count": 5, "page": 1}, 5) == []
    assert core.request_future(RequestSpec("getChats", len), {"count": 5, "page": 1}, 5).result(5) == 0
    assert not core.is_reader_thread() and not core.closed
    trueconf_client.close()
    assert core.closed


def test_client_setting_properties_match_their_declarations_and_the_config() -> None:
    # Client's settings are listed three times by necessity: the runtime tuple the properties are made
    # from, the typed declarations mypy and IDEs read (under TYPE_CHECKING, never executed) and the
    # fields of ClientConfig. This keeps them from drifting apart.
    import ast
    import inspect

    from trueconf_sync import client as client_module
    from trueconf_sync.config import ClientConfig

    tree = ast.parse(inspect.getsource(client_module.Client))
    declared: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            declared |= {item.target.id for item in node.body
                         if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)}
    runtime = set(client_module._SETTINGS)
    assert declared == runtime
    assert runtime <= set(ClientConfig._fields)
    assert all(isinstance(getattr(client_module.Client, name), property) for name in runtime)
