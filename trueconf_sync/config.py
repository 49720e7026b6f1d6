"""The client's settings: one validated, frozen :class:`ClientConfig`, and the settings loader.

One module, so the client, the command line, bot scripts and web apps check settings alike:

* :class:`ClientConfig` -- every ``Client(...)`` argument, checked once (a bad value raises
  ``ValueError``/``TypeError`` naming the argument and the limit, before anything is sent) and
  frozen; :func:`parse_server` turns ``"host"``, ``"host:port"`` or ``"https://host:port"`` into
  host, port and scheme.
* :func:`load_settings` -- ``TRUECONF_*`` environment variables and an optional INI file merged
  into :class:`Settings`. Precedence, per setting: explicit value (a command-line flag), then
  environment variable, then the config file, then the default. Credentials are chosen as a group:
  a token wins over a username when it comes from a higher-precedence source, and vice versa (the
  password may come from anywhere), so ``TRUECONF_TOKEN`` in the environment and ``--username``
  on the command line do not clash.

The config file is INI (read with :mod:`configparser`: a flat ``key = value`` list is all it needs)::

    # ~/.config/trueconf-sync/config.ini   (chmod 600: it may hold a secret)
    [trueconf]
    server = video.example.com
    username = alert_bot
    password_file = /etc/trueconf/alert_bot.password

Other sections are profiles, chosen with ``profile=`` (``--profile NAME``) or ``TRUECONF_PROFILE``.
Secrets never appear in reprs.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pathlib import Path

import attrs

from .transport.tls import Verify, check_verify

__all__ = ["ENV_VARS", "FILE_KEYS", "MAX_SECONDS", "ClientConfig", "Settings", "SettingsError", "check_timeout",
           "default_config_path", "load_settings", "parse_server"]

log = logging.getLogger("trueconf_sync.config")

#: Longest accepted timeout or interval (seconds, about 116 days): lock and socket waits overflow
#: far above it, and NaN or infinity would never end.
MAX_SECONDS = 1e7
WS_PATH = "/websocket/chat_bot/"
AckMode = Literal["immediate", "after_handling"]
TokenSource = str | Callable[[], str]


class SettingsError(ValueError):
    """A missing or malformed setting; the message names where it came from (never its value
    when that may be a secret). The command line reports it with exit code 2."""


# ---- the client's own settings -----------------------------------------------------------------


def parse_server(server: Any, port: int | None, https: bool) -> tuple[str, int, bool]:
    """``server`` (host, ``host:port`` or a URL) and ``port``/``https`` -> (host, port, https)."""
    if not isinstance(server, str) or not server.strip():
        raise TypeError("server must be a non-empty host name or IP address (str)")
    server = server.strip()
    if "://" in server:
        from urllib.parse import urlsplit  # (only for URLs; urllib.parse is not loaded with the client)

        parts = urlsplit(server)
        if parts.scheme not in ("http", "https", "ws", "wss"):
            raise ValueError(f"server: unsupported scheme {parts.scheme!r} (use https or http)")
        https = parts.scheme in ("https", "wss")
        host = parts.hostname or ""
        if port is None:
            port = parts.port
    else:
        host = server
        if server.count(":") == 1:
            host, _, port_text = server.partition(":")
            if port is None:
                if not port_text.isdigit():
                    raise ValueError(f"server: bad port in {server!r}")
                port = int(port_text)
        host = host.strip("[]")
    if not host:
        raise ValueError(f"server: no host name in {server!r}")
    if port is None:
        port = 443 if https else 4309
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"port must be an int between 1 and 65535, got {port!r}")
    return host, port, bool(https)


def check_timeout(timeout: Any, default: float) -> float:
    """A call's ``timeout`` argument as seconds (``None`` -> ``default``); raises ValueError."""
    if timeout is None:
        return default
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= MAX_SECONDS:
        raise ValueError(f"timeout must be a number of seconds > 0 and <= {MAX_SECONDS:g}, got {timeout!r}")
    return float(timeout)


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")
    if value > MAX_SECONDS:
        raise ValueError(f"{name} must be at most {MAX_SECONDS:g} seconds, got {value!r}")
    return float(value)


def _count(name: str, value: Any, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        limit = f"between {low} and {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be an int {limit}, got {value!r}")
    return value


def _credentials(token: Any, username: Any, password: Any, oauth_client_id: Any) -> None:
    if token is not None and (username is not None or password is not None):
        raise ValueError("give either token or username and password, not both")
    if token is None and (username is None or password is None):
        raise ValueError("give token, or both username and password")
    if oauth_client_id is not None and (username is None or not isinstance(oauth_client_id, str)
                                        or not oauth_client_id):
        raise ValueError("oauth_client_id must be a non-empty str and needs username and password")
    if token is not None and not (callable(token) or (isinstance(token, str) and token)):
        raise TypeError("token must be a non-empty str or a callable returning one")
    for name, value in (("username", username), ("password", password)):
        if value is not None and (not isinstance(value, str) or not value):
            raise TypeError(f"{name} must be a non-empty str")


@attrs.frozen(kw_only=True)
class ClientConfig:
    """Every ``Client(...)`` argument, validated (see :class:`~trueconf_sync.Client` for their
    meaning). Build it with :meth:`create`, which checks each value; secrets stay out of the repr."""

    host: str
    port: int
    https: bool
    token: TokenSource | None = attrs.field(repr=False)
    username: str | None
    password: str | None = attrs.field(repr=False)
    oauth_client_id: str | None
    verify: Verify = attrs.field(repr=False)
    timeout: float
    connect_timeout: float
    receive_unread: bool
    receive_system_messages: bool
    workers: int
    ack: AckMode
    skip_own_messages: bool
    auto_reconnect: bool
    reconnect_max_delay: float
    wait_for_reconnect: bool
    ping_interval: float
    pong_timeout: float
    max_queued_events: int
    max_pending_calls: int

    @classmethod
    def create(
        cls,
        server: str,
        token: TokenSource | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        oauth_client_id: str | None = None,
        port: int | None = None,
        https: bool = True,
        verify: Verify = True,
        timeout: float = 10.0,
        connect_timeout: float | None = None,
        receive_unread: bool = False,
        receive_system_messages: bool = False,
        workers: int = 1,
        ack: AckMode = "immediate",
        skip_own_messages: bool = True,
        auto_reconnect: bool = True,
        reconnect_max_delay: float = 30.0,
        wait_for_reconnect: bool = True,
        ping_interval: float = 30.0,
        pong_timeout: float = 10.0,
        max_queued_events: int = 10_000,
        max_pending_calls: int = 10_000,
    ) -> ClientConfig:
        """Check every argument (raising ``ValueError``/``TypeError`` that names it) and freeze them."""
        host, port, https = parse_server(server, port, https)
        _credentials(token, username, password, oauth_client_id)
        seconds = {name: _seconds(name, value) for name, value in (
            ("timeout", timeout), ("ping_interval", ping_interval), ("pong_timeout", pong_timeout),
            ("reconnect_max_delay", reconnect_max_delay))}
        if connect_timeout is not None:
            connect_timeout = _seconds("connect_timeout", connect_timeout)
        if timeout <= 0 or (connect_timeout is not None and connect_timeout <= 0):
            raise ValueError(f"timeout and connect_timeout must be > 0, got {timeout!r} and {connect_timeout!r}")
        if ack not in ("immediate", "after_handling"):
            raise ValueError(f"ack must be 'immediate' or 'after_handling', got {ack!r}")
        return cls(
            host=host, port=port, https=https, token=token, username=username, password=password,
            oauth_client_id=oauth_client_id, verify=check_verify(verify, https=https),
            timeout=seconds["timeout"],
            connect_timeout=connect_timeout if connect_timeout is not None else seconds["timeout"],
            receive_unread=bool(receive_unread), receive_system_messages=bool(receive_system_messages),
            workers=_count("workers", workers, 1, 256), ack=ack, skip_own_messages=bool(skip_own_messages),
            auto_reconnect=bool(auto_reconnect), reconnect_max_delay=seconds["reconnect_max_delay"],
            wait_for_reconnect=bool(wait_for_reconnect), ping_interval=seconds["ping_interval"],
            pong_timeout=seconds["pong_timeout"],
            max_queued_events=_count("max_queued_events", max_queued_events, 1),
            max_pending_calls=_count("max_pending_calls", max_pending_calls, 1),
        )

    @property
    def base_url(self) -> str:
        """``https://host:port`` (or ``http://``): where the HTTP endpoints live."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.https else 'http'}://{host}:{self.port}"

    @property
    def ws_url(self) -> str:
        """The WebSocket URL of the Chatbot Connector (PROTOCOL §1.1)."""
        return ("wss" if self.https else "ws") + self.base_url[len("https" if self.https else "http"):] + WS_PATH

    def check_timeout(self, timeout: Any) -> float:
        """A call's ``timeout`` argument as seconds (``None`` -> the default ``timeout``)."""
        return check_timeout(timeout, self.timeout)

    def replace(self, **changes: Any) -> ClientConfig:
        """A copy with ``changes`` (``Client`` argument names, or ``host``), checked like :meth:`create`."""
        arguments = {field.name: getattr(self, field.name) for field in attrs.fields(ClientConfig)}
        arguments.update(changes)
        server = arguments.pop("host")
        return ClientConfig.create(server, **arguments)


# ---- the settings loader (environment, INI file) -------------------------------------------------

#: Environment variables read, and what they set.
ENV_VARS: Mapping[str, str] = {
    "TRUECONF_SERVER": "server host name, host:port or https://host:port",
    "TRUECONF_PORT": "port (default 443 with HTTPS, 4309 without)",
    "TRUECONF_HTTPS": "true/false: wss/https (default) or plain ws/http",
    "TRUECONF_VERIFY": "TLS certificate check: true, false, system (OS trust store) or a CA bundle",
    "TRUECONF_TOKEN": "access token (or TRUECONF_TOKEN_FILE: a file holding it)",
    "TRUECONF_USERNAME": "bot login, used with the password instead of a token",
    "TRUECONF_PASSWORD": "bot password (or TRUECONF_PASSWORD_FILE: a file holding it)",
    "TRUECONF_TIMEOUT": "seconds each request waits for its answer (default 10)",
    "TRUECONF_CONFIG": "path of the INI config file",
    "TRUECONF_PROFILE": "section of the config file to use (default: trueconf)",
}

#: Keys accepted in a config file section.
FILE_KEYS = frozenset(
    {"server", "port", "https", "verify", "token", "token_file", "username", "password", "password_file", "timeout"}
)
DEFAULT_PROFILE = "trueconf"
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@attrs.frozen
class Settings:
    """Connection settings read by :func:`load_settings`; secrets stay out of the repr.

    ``origin`` tells where each setting came from (``"--port"``, ``"TRUECONF_PORT"``,
    ``"config.ini [trueconf]"``), for error messages.
    """

    server: str | None = None
    port: int | None = None
    https: bool = True
    verify: bool | str = True
    token: str | None = attrs.field(default=None, repr=False)
    username: str | None = None
    password: str | None = attrs.field(default=None, repr=False)
    timeout: float = 10.0
    origin: Mapping[str, str] = attrs.field(factory=dict, repr=False)

    @property
    def secrets(self) -> list[str]:
        """The secret values (token, password) to keep out of every output."""
        return [s for s in (self.token, self.password) if s]

    def require_server(self) -> str:
        """The server, or a :class:`SettingsError` saying how to give one."""
        if not self.server:
            raise SettingsError("no server: give --server HOST or set TRUECONF_SERVER")
        return self.server

    def credentials(self, *, password_only: bool = False) -> dict[str, str]:
        """``{"token": ...}`` or ``{"username": ..., "password": ...}`` for the client.

        Raises:
            SettingsError: nothing usable was given (the message names the flags and variables).
        """
        if self.token and not password_only:
            return {"token": self.token}
        if self.username and self.password:
            return {"username": self.username, "password": self.password}
        if self.username:
            raise SettingsError(f"no password for {self.username!r}: set TRUECONF_PASSWORD or use --password-file")
        if password_only:
            raise SettingsError("give --username (or TRUECONF_USERNAME) and a password (TRUECONF_PASSWORD)")
        raise SettingsError(
            "no credentials: set TRUECONF_TOKEN (or --token-file), or --username with TRUECONF_PASSWORD"
        )

    def client_kwargs(self, **overrides: Any) -> dict[str, Any]:
        """Keyword arguments for :class:`~trueconf_sync.Client` (``server`` included). ``overrides``
        win; a ``token`` or ``username`` among them replaces the configured credentials as a group."""
        server = overrides.pop("server", None) or self.require_server()  # the first thing to ask for
        credentials: dict[str, Any] = {} if {"token", "username"} & overrides.keys() else self.credentials()
        if overrides.get("username") and "password" not in overrides and self.password:
            credentials["password"] = self.password  # given a username, the password may come from anywhere
        kwargs: dict[str, Any] = {
            "server": server,
            **credentials,
            "port": self.port,
            "https": self.https,
            "verify": self.verify,
            "timeout": self.timeout,
        }
        kwargs.update(overrides)
        return kwargs


def default_config_path(environ: Mapping[str, str] | None = None) -> Path:
    """``$XDG_CONFIG_HOME/trueconf-sync/config.ini`` (``~/.config/...`` when the variable is unset)."""
    from pathlib import Path  # the loaders below run for from_env() and the CLI, not for Client(...)

    env = os.environ if environ is None else environ
    base = env.get("XDG_CONFIG_HOME") or os.path.join(env.get("HOME") or os.path.expanduser("~"), ".config")
    return Path(base) / "trueconf-sync" / "config.ini"


def _read_secret_file(path: str, what: str) -> str:
    # The path is never quoted: what was typed after --token-file may be the token itself.
    from pathlib import Path

    try:
        text = Path(path).expanduser().read_text(encoding="utf-8")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SettingsError(f"{what}: cannot read the file ({reason}; the path is not shown)") from None
    except UnicodeDecodeError:
        raise SettingsError(f"{what}: the file is not UTF-8 text") from None
    value = text.strip()
    if not value:
        raise SettingsError(f"{what}: the file is empty")
    return value


def _read_config(path: Path, profile: str, explicit: bool) -> tuple[dict[str, str], str]:
    """The ``profile`` section of the INI file at ``path`` (empty when absent and not explicit)."""
    label = f"{path} [{profile}]"
    if not path.exists():
        if explicit:
            raise SettingsError(f"config file {str(path)!r} does not exist")
        return {}, label
    import configparser

    parser = configparser.ConfigParser(interpolation=None)  # passwords may contain '%'
    try:
        with path.open(encoding="utf-8") as fh:
            parser.read_file(fh)
    except (OSError, configparser.Error, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SettingsError(f"config file {str(path)!r} cannot be read: {first}") from None
    if not parser.has_section(profile):
        if profile != DEFAULT_PROFILE:
            raise SettingsError(f"config file {str(path)!r} has no section [{profile}]")
        return {}, label
    values = dict(parser.items(profile))
    unknown = sorted(set(values) - FILE_KEYS)
    if unknown:
        raise SettingsError(f"{label}: unknown key {unknown[0]!r}; known keys: {', '.join(sorted(FILE_KEYS))}")
    if {"token", "password"} & set(values) and os.name == "posix":
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("config file %s holds a secret and is readable by others; run: chmod 600 %s", path, path)
    return values, label


def _bool(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise SettingsError(f"{where} must be true or false, got {value!r}")


def _port(value: Any, where: str) -> int:
    try:
        port = int(str(value).strip())
    except ValueError:
        port = 0
    if not 0 < port < 65536:
        raise SettingsError(f"{where} must be a port number between 1 and 65535, got {value!r}")
    return port


def _timeout(value: Any, where: str) -> float:
    try:
        seconds = float(str(value).strip())
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise SettingsError(f"{where} must be a number of seconds > 0, got {value!r}")
    return seconds


def _verify(value: Any, where: str) -> bool | str:
    if isinstance(value, bool):
        return value
    text = str(value).strip()
    if text.lower() in _TRUE | _FALSE:
        return text.lower() in _TRUE
    if text.lower() == "system":  # the operating system's trust store (Client(verify="system"))
        return "system"
    if not os.path.exists(text):
        raise SettingsError(f"{where}: CA bundle {text!r} does not exist (or use true, false or system)")
    return text


_ENV_NAMES = {key: f"TRUECONF_{key.upper()}" for key in sorted(FILE_KEYS)}
_FLAG_NAMES = {key: "--" + key.replace("_", "-") for key in _ENV_NAMES}
_FLAG_NAMES.update(timeout="--request-timeout", https="--https/--no-https", verify="--ca-bundle/--insecure")
_PARSERS = {"port": _port, "https": _bool, "verify": _verify, "timeout": _timeout}


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    profile: str | None = None,
) -> Settings:
    """Merge flags, environment variables and the config file into :class:`Settings`.

    Args:
        flags: setting name -> value given on the command line (``None`` values are ignored).
            Names: ``server``, ``port``, ``https``, ``verify``, ``token_file``, ``username``,
            ``password_file``, ``timeout``.
        environ: the environment (default ``os.environ``).
        config: config file path (default ``TRUECONF_CONFIG``, else :func:`default_config_path`
            when that file exists).
        profile: config file section (default ``TRUECONF_PROFILE``, else ``trueconf``).

    Raises:
        SettingsError: a malformed value, naming where it came from; an unreadable file.
    """
    env = os.environ if environ is None else environ
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    config_path = config if config is not None else env.get("TRUECONF_CONFIG") or None
    section = profile or env.get("TRUECONF_PROFILE") or DEFAULT_PROFILE
    from pathlib import Path

    path = Path(config_path).expanduser() if config_path else default_config_path(env)
    from_file, label = _read_config(path, section, explicit=bool(config_path) or section != DEFAULT_PROFILE)
    # Layers, highest precedence first: (name of the source for messages, values).
    layers: list[tuple[dict[str, str], dict[str, Any]]] = [
        (_FLAG_NAMES, given),
        (_ENV_NAMES, {k: env[name] for k, name in _ENV_NAMES.items() if env.get(name)}),
        ({k: f"{label} {k}" for k in FILE_KEYS}, from_file),
    ]
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    rank: dict[str, int] = {}
    for index, (names, layer) in enumerate(layers):
        for key, raw in layer.items():
            if key in values:
                continue
            where = names[key]
            if key.endswith("_file"):
                key, raw = key[: -len("_file")], _read_secret_file(str(raw), where)
                if key in values:
                    continue
            parse = _PARSERS.get(key)
            values[key] = parse(raw, where) if parse is not None else str(raw)
            origin[key] = where
            rank[key] = index
    if "token" in values and "username" in values:
        if rank["token"] < rank["username"]:
            values.pop("username")
            values.pop("password", None)
        elif rank["username"] < rank["token"]:
            values.pop("token")
        # same source: keep both; ``credentials()`` prefers the token, ``token`` uses the password
    return Settings(**values, origin=origin)
