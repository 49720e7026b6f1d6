"""The settings loader the client, the command line, bot scripts and web apps share.

:func:`load_settings` merges ``TRUECONF_*`` environment variables and an optional INI file into
:class:`Settings`. Precedence, per setting: explicit value (a command-line flag), then environment
variable, then the config file, then the default. Credentials are chosen as a group: a token wins
over a username when it comes from a higher-precedence source, and vice versa (the password may
come from anywhere), so ``TRUECONF_TOKEN`` in the environment and ``--username`` on the command line
do not clash. (Also importable from :mod:`trueconf_sync.config`; a module of its own so that it
loads on first use, not with the client.)

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

import os
import stat
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from .config import SettingsError
from .logs import get_logger

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["ENV_VARS", "FILE_KEYS", "Settings", "SettingsError", "default_config_path", "load_settings"]

log = get_logger("trueconf_sync.config")

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
