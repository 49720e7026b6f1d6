"""Middlewares: code around routing (outer) or around the chosen handler (inner). All synchronous.

A middleware is ``mw(handler, event, data) -> result``: it may look at or add to ``data`` (values a
handler can then ask for by name), call ``handler(event, data)`` and return what it returns, or
not call it at all to drop the event. Register with ``router.outer_middleware(mw)`` or
``router.middleware(mw)`` (inner); both work as decorators.

* **outer** middlewares of a router run for every event that reaches the router, before its
  filters; the Dispatcher's outer middlewares see every event. ``handler`` continues routing
  (this router's handlers, then its children) and returns :data:`~.handler.UNHANDLED` when
  nothing took the event. Not calling it consumes the event; returning ``UNHANDLED`` lets the
  next router try.
* **inner** middlewares run only once a handler matched, around that handler: those of the
  Dispatcher first, then of each router down to the handler's own. Not calling ``handler``
  drops the event (no other handler is tried); raising :class:`~.handler.SkipHandler` passes it
  to the next handler.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from .handler import UNHANDLED

__all__ = ["BaseMiddleware", "LoggingMiddleware", "Middleware", "NextHandler", "ThrottlingMiddleware",
           "wrap_middlewares"]

#: ``handler(event, data)`` as passed to a middleware.
NextHandler = Callable[[Any, dict[str, Any]], Any]


class Middleware(Protocol):
    """What a middleware is: a callable ``(handler, event, data) -> result``."""

    def __call__(self, handler: NextHandler, event: Any, data: dict[str, Any]) -> Any: ...


class BaseMiddleware:
    """Optional base class for middlewares: override :meth:`__call__`."""

    def __call__(self, handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        """Pass the event on unchanged."""
        return handler(event, data)


def wrap_middlewares(middlewares: Sequence[Middleware], handler: NextHandler) -> NextHandler:
    """``handler`` wrapped so that ``middlewares[0]`` runs first (outermost)."""
    for middleware in reversed(middlewares):
        handler = _bind(middleware, handler)
    return handler


def _bind(middleware: Middleware, inner: NextHandler) -> NextHandler:
    def call(event: Any, data: dict[str, Any]) -> Any:
        return middleware(inner, event, data)
    return call


class LoggingMiddleware(BaseMiddleware):
    """Logs every event (kind, chat, user) and how long handling took, at ``level``."""

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or logging.getLogger("trueconf_sync.bot.events")
        self.level = level

    def __call__(self, handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        """Log, pass the event on, log the outcome."""
        if not self.logger.isEnabledFor(self.level):
            return handler(event, data)
        started = time.monotonic()
        result = handler(event, data)
        self.logger.log(self.level, "%s in chat %s from %s: %s in %.3f s", data.get("event_kind"),
                        data.get("event_chat_id") or "-", data.get("event_user_id") or "-",
                        "unhandled" if result is UNHANDLED else "handled", time.monotonic() - started)
        return result


class ThrottlingMiddleware(BaseMiddleware):
    """Drops events of a user (or chat) that come faster than one per ``interval`` seconds.

    Args:
        interval: minimal seconds between two handled events of the same key.
        key: ``"user"`` (default) or ``"chat"``.
        on_throttled: optional ``f(event, data)`` called for a dropped event (e.g. to warn the user).
    """

    def __init__(self, interval: float = 1.0, *, key: str = "user",
                 on_throttled: Callable[[Any, dict[str, Any]], Any] | None = None) -> None:
        if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval <= 0:
            raise ValueError(f"interval must be a number of seconds > 0, got {interval!r}")
        if key not in ("user", "chat"):
            raise ValueError(f"key must be 'user' or 'chat', got {key!r}")
        self.interval = float(interval)
        self._field = "event_user_id" if key == "user" else "event_chat_id"
        self.on_throttled = on_throttled
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()

    def __call__(self, handler: NextHandler, event: Any, data: dict[str, Any]) -> Any:
        """Pass the event on, or drop it when its key was seen less than ``interval`` ago."""
        key = data.get(self._field)
        if not key:
            return handler(event, data)
        now = time.monotonic()
        with self._lock:
            last = self._last.get(key)
            throttled = last is not None and now - last < self.interval
            if not throttled:
                self._last[key] = now
                if len(self._last) > 100_000:  # forget old keys
                    self._last = {k: t for k, t in self._last.items() if now - t < self.interval}
        if throttled:
            if self.on_throttled is not None:
                self.on_throttled(event, data)
            return None
        return handler(event, data)
