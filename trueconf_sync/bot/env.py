"""``client_from_env()``: a Client configured from environment variables (for bot scripts).

========================  ==========================================================================
``TRUECONF_SERVER``        host, ``host:port`` or URL (``http://127.0.0.1:8080`` for the fake server)
``TRUECONF_TOKEN``         access token, or:
``TRUECONF_USERNAME``      bot login and
``TRUECONF_PASSWORD``      its password
``TRUECONF_VERIFY``        ``0`` to skip TLS verification, or a CA bundle path (default: verify)
``TRUECONF_WORKERS``       handler threads (default 4: chats run in parallel)
========================  ==========================================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from ..client import Client

__all__ = ["client_from_env"]


def client_from_env(environ: Mapping[str, str] | None = None, **kwargs: Any) -> Client:
    """Build (not connect) a :class:`~trueconf_sync.Client` from ``TRUECONF_*`` variables.

    Args:
        environ: where to read (default ``os.environ``).
        **kwargs: further ``Client`` arguments; they win over the variables.

    Raises:
        ValueError: ``TRUECONF_SERVER`` missing, neither a token nor username and password given,
            or ``TRUECONF_WORKERS`` not a number.
    """
    env = os.environ if environ is None else environ
    server = env.get("TRUECONF_SERVER", "").strip()
    if not server:
        raise ValueError("set TRUECONF_SERVER (e.g. video.example.com, or http://127.0.0.1:8080 for the fake server)")
    options: dict[str, Any] = {}
    if env.get("TRUECONF_TOKEN"):
        options["token"] = env["TRUECONF_TOKEN"]
    elif env.get("TRUECONF_USERNAME") and env.get("TRUECONF_PASSWORD"):
        options["username"], options["password"] = env["TRUECONF_USERNAME"], env["TRUECONF_PASSWORD"]
    elif "token" not in kwargs and "username" not in kwargs:
        raise ValueError("set TRUECONF_TOKEN, or TRUECONF_USERNAME and TRUECONF_PASSWORD")
    verify = env.get("TRUECONF_VERIFY")
    if verify:
        options["verify"] = False if verify.lower() in ("0", "false", "no") else verify
    workers = env.get("TRUECONF_WORKERS", "4")
    if not workers.isdigit():
        raise ValueError(f"TRUECONF_WORKERS must be a number, got {workers!r}")
    options["workers"] = int(workers)
    options.update(kwargs)
    return Client(server, **options)
