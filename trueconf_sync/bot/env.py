"""``client_from_env()``: a Client configured from environment variables (for bot scripts).

The settings are read exactly as the command line reads them (the shared loader of
:mod:`trueconf_sync.config`:
``TRUECONF_SERVER``, ``TRUECONF_TOKEN`` or ``TRUECONF_USERNAME`` + ``TRUECONF_PASSWORD``,
``TRUECONF_PORT``, ``TRUECONF_HTTPS``, ``TRUECONF_VERIFY``, ``TRUECONF_TIMEOUT`` and the optional
config file); bots add one variable:

========================  ==========================================================================
``TRUECONF_WORKERS``       handler threads (default 4: chats run in parallel)
========================  ==========================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..client import Client
from ..config import load_settings

__all__ = ["client_from_env"]


def client_from_env(environ: Mapping[str, str] | None = None, **kwargs: Any) -> Client:
    """Build (not connect) a :class:`~trueconf_sync.Client` from ``TRUECONF_*`` variables.

    Args:
        environ: where to read (default ``os.environ``).
        **kwargs: further ``Client`` arguments; they win over the variables (a ``token`` or
            ``username``/``password`` given here means none is needed in the environment).

    Raises:
        ValueError: ``TRUECONF_SERVER`` missing, no credentials anywhere, a malformed value, or
            ``TRUECONF_WORKERS`` not a number.
    """
    env = os.environ if environ is None else environ
    workers = env.get("TRUECONF_WORKERS", "4")
    if not workers.isdigit():
        raise ValueError(f"TRUECONF_WORKERS must be a number, got {workers!r}")
    kwargs.setdefault("workers", int(workers))
    settings = load_settings(environ=env)  # SettingsError is a ValueError
    if "token" in kwargs or "username" in kwargs:
        base = {"port": settings.port, "https": settings.https, "verify": settings.verify,
                "timeout": settings.timeout}
        return Client(settings.require_server(), **{**base, **kwargs})
    options = settings.client_kwargs(**kwargs)
    return Client(options.pop("server"), **options)
