"""The ``trueconf-sync`` command line (also ``python -m trueconf_sync``) and its settings loader.

Commands: ``send``, ``listen``, ``token``, ``chats``, ``demo``. Settings come from flags,
``TRUECONF_*`` environment variables and an optional INI file (:mod:`.settings`); exit codes are
listed in :class:`ExitCode`. Scripts can build a client configured the same way::

    from . import client_from_env

    with client_from_env() as client:   # TRUECONF_SERVER, TRUECONF_TOKEN or USERNAME/PASSWORD...
        client.send_message(chat_id, "hello")
"""

from __future__ import annotations

from .app import PROG, build_parser, main
from .exitcodes import MEANINGS, ExitCode, UsageError, classify
from .settings import ENV_VARS, Redactor, Settings, client_from_env, default_config_path, load_settings

__all__ = [
    "ENV_VARS",
    "MEANINGS",
    "PROG",
    "ExitCode",
    "Redactor",
    "Settings",
    "UsageError",
    "build_parser",
    "classify",
    "client_from_env",
    "default_config_path",
    "load_settings",
    "main",
]
