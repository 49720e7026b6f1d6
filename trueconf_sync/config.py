"""The client's settings: one validated, frozen :class:`ClientConfig`.

:class:`ClientConfig` holds every ``Client(...)`` argument, checked once (a bad value raises
``ValueError``/``TypeError`` naming the argument and the limit, before anything is sent) and
frozen; :func:`parse_server` turns ``"host"``, ``"host:port"`` or ``"https://host:port"`` into host,
port and scheme. Secrets never appear in reprs.

The settings loader the client, the command line, bot scripts and web apps share
(:func:`load_settings`: ``TRUECONF_*`` environment variables and an INI file) lives in
:mod:`trueconf_sync.settings` and is importable from here too; it loads on first use, not with the
client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from .frozen import Frozen
from .transport.tls import Verify, check_verify

if TYPE_CHECKING:
    from .settings import ENV_VARS, FILE_KEYS, Settings, default_config_path, load_settings

__all__ = ["ENV_VARS", "FILE_KEYS", "MAX_SECONDS", "ClientConfig", "Settings", "SettingsError", "check_timeout",
           "default_config_path", "load_settings", "parse_server"]

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


class ClientConfig(Frozen):
    """Every ``Client(...)`` argument, validated (see :class:`~trueconf_sync.Client` for their
    meaning). Build it with :meth:`create`, which checks each value; secrets stay out of the repr.
    Frozen, compared by value."""

    __slots__ = (  # noqa: RUF023 - the order of the fields (repr, equality), not sorted
                 "host", "port", "https", "token", "username", "password", "oauth_client_id", "verify", "timeout",
                 "connect_timeout", "receive_unread", "receive_system_messages", "workers", "ack",
                 "skip_own_messages", "auto_reconnect", "reconnect_max_delay", "wait_for_reconnect",
                 "ping_interval", "pong_timeout", "max_queued_events", "max_pending_calls")
    _hidden = frozenset({"token", "password", "verify"})

    host: str
    port: int
    https: bool
    token: TokenSource | None
    username: str | None
    password: str | None
    oauth_client_id: str | None
    verify: Verify
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

    def __init__(self, *, host: str, port: int, https: bool, token: TokenSource | None, username: str | None,
                 password: str | None, oauth_client_id: str | None, verify: Verify, timeout: float,
                 connect_timeout: float, receive_unread: bool, receive_system_messages: bool, workers: int,
                 ack: AckMode, skip_own_messages: bool, auto_reconnect: bool, reconnect_max_delay: float,
                 wait_for_reconnect: bool, ping_interval: float, pong_timeout: float, max_queued_events: int,
                 max_pending_calls: int) -> None:
        """The values as given, unchecked: use :meth:`create`."""
        values = dict(locals())  # exactly the parameters: nothing else is bound yet
        del values["self"]
        self._assign(**values)

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
        arguments = dict(zip(self._fields, self._values()))
        arguments.update(changes)
        server = arguments.pop("host")
        return ClientConfig.create(server, **arguments)


_LOADER = frozenset({"ENV_VARS", "FILE_KEYS", "Settings", "default_config_path", "load_settings"})


def __getattr__(name: str) -> Any:
    # The settings loader (configparser, pathlib, attrs) loads when first asked for, not with the client.
    if name in _LOADER:
        from . import settings

        return getattr(settings, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
