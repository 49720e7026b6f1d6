"""Connection settings of the command line: flags on top of the shared loader, and secret redaction.

The loader itself (``TRUECONF_*`` environment variables, the INI config file and its profiles,
precedence flag > environment > file) lives in :mod:`trueconf_sync.config`, shared with bot
scripts and the web integrations; this module adds what only the command line needs:
:class:`Settings` that make a client, and :class:`Redactor`, which keeps secrets out of output.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs

from ..config import ENV_VARS, Settings as SharedSettings, default_config_path, load_settings as load_shared_settings

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["ENV_VARS", "Redactor", "Settings", "client_from_env", "default_config_path", "load_settings"]

log = logging.getLogger("trueconf_sync.cli")


class Redactor:
    """Replaces known secret values in text with ``***``; also a :class:`logging.Filter`."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets: list[str] = []
        for secret in secrets or []:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Remember one more secret (short values are ignored: they would mask ordinary words)."""
        if secret and len(secret) >= 4 and secret not in self._secrets:
            self._secrets.append(secret)
            self._secrets.sort(key=len, reverse=True)

    def __call__(self, text: str) -> str:
        """Return ``text`` with every known secret replaced by ``***``."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        """Logging filter: redact the formatted message (and the traceback) of ``record``."""
        if self._secrets:
            record.msg = self(record.getMessage())
            record.args = None
            if record.exc_info:
                import traceback

                record.exc_text = self("".join(traceback.format_exception(*record.exc_info)).rstrip())
                record.exc_info = None
        return True


@attrs.frozen
class Settings(SharedSettings):
    """:class:`trueconf_sync.config.Settings` that can also build the client."""

    def make_client(self, **overrides: Any) -> Client:
        """A new (not yet connected) :class:`~trueconf_sync.Client` with these settings.

        ``overrides`` are further ``Client`` keywords (``auto_reconnect=False``...).
        """
        from ..client import Client

        kwargs = self.client_kwargs(**overrides)
        return Client(kwargs.pop("server"), **kwargs)


def load_settings(
    flags: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
    *,
    config: str | os.PathLike[str] | None = None,
    profile: str | None = None,
) -> Settings:
    """:func:`trueconf_sync.config.load_settings` (same arguments), as command-line :class:`Settings`.

    Raises:
        UsageError: a malformed value, naming where it came from; an unreadable file.
    """
    base = load_shared_settings(flags, environ, config=config, profile=profile)
    return Settings(**{field.name: getattr(base, field.name) for field in attrs.fields(SharedSettings)})


def client_from_env(**overrides: Any) -> Client:
    """A :class:`~trueconf_sync.Client` configured like the command line, without flags.

    Reads ``TRUECONF_SERVER``, ``TRUECONF_TOKEN`` or ``TRUECONF_USERNAME`` + ``TRUECONF_PASSWORD``,
    ``TRUECONF_PORT``, ``TRUECONF_HTTPS``, ``TRUECONF_VERIFY``, ``TRUECONF_TIMEOUT`` and the config
    file. ``overrides`` are further :class:`~trueconf_sync.Client` keywords. The client is not
    connected yet (it connects on first use, or with ``connect()`` / ``with``).

    Raises:
        UsageError: no server or no credentials configured, or a malformed value.
    """
    return load_settings().make_client(**overrides)
