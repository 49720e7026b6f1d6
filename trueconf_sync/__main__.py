"""Command line: ``python -m trueconf_sync`` / ``trueconf-sync``.

Sub-commands: ``send``, ``listen``, ``token``, ``chats`` and ``demo`` (an echo bot against the
built-in fake server). The implementation lives in :mod:`trueconf_sync.cli`.
"""

from __future__ import annotations

import sys

from .cli import main

__all__ = ["main"]

if __name__ == "__main__":
    sys.exit(main())
