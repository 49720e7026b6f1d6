"""Module loggers that import :mod:`logging` on first use (issue 15: ``from trueconf_sync import Client``
must not pay for it; logging brings traceback, linecache, tokenize, textwrap and string along).

``log = get_logger("trueconf_sync.client")`` stands in for ``logging.getLogger(...)``: its first
attribute access imports logging, fetches the real logger and keeps the real logger's methods on the
stand-in, so every later ``log.debug(...)`` is one instance-dict lookup and the real logger's call,
as with a plain logger. Everything else (``log.level``, ``log.handlers``...) is read from the real
logger, and an application configures the real loggers as always
(``logging.getLogger("trueconf_sync").setLevel(...)``, handlers, pytest's ``caplog``).

A library never configures logging, but it adds a ``NullHandler`` to the ``trueconf_sync`` logger
so Python's "last resort" handler does not print its warnings in an application that configured
none. That happens here, before the package's first record can be made: when the first stand-in
turns real, or at ``import trueconf_sync`` when logging is already loaded.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import logging

__all__ = ["get_logger", "null_handler_added"]

#: Methods copied onto a stand-in when it turns real (what the package calls on its loggers).
_METHODS = ("debug", "info", "warning", "error", "exception", "critical", "log", "isEnabledFor")
_added = False
_lock = threading.Lock()  # two threads using their first logger at once add one handler


def null_handler_added() -> bool:
    """Add the package's ``NullHandler`` once, if :mod:`logging` is loaded; True once it was added."""
    global _added
    logging = sys.modules.get("logging")
    with _lock:
        if not _added and logging is not None:
            _added = True
            logging.getLogger("trueconf_sync").addHandler(logging.NullHandler())
    return _added


class _LazyLogger:
    """``logging.getLogger(name)`` on first use (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str) -> Any:
        # Only for names not on the stand-in: the first use, and the logger's other attributes.
        import logging

        null_handler_added()
        logger = logging.getLogger(self.name)
        for method in _METHODS:
            self.__dict__[method] = getattr(logger, method)
        return getattr(logger, attribute)

    def __repr__(self) -> str:
        return f"<logger {self.name} (imports logging on first use)>"


def get_logger(name: str) -> logging.Logger:
    """A stand-in for ``logging.getLogger(name)`` that imports logging on first use."""
    return cast("logging.Logger", _LazyLogger(name))
