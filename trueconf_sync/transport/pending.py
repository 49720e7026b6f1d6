"""A request waiting for its response, and the three ways its caller waits for it.

* blocking (:meth:`Connection.call`): a plain lock the caller waits on, lighter than a Future;
* non-blocking (``.future(...)``): a ``concurrent.futures.Future``;
* notify (bulk sending): a function called with ``(index, result, error)``, no Future at all.

:meth:`Pending.succeed` / :meth:`Pending.fail` run exactly once, on the thread that popped the
request from the connection's pending table (the reader thread, the caller on its own timeout, the
heartbeat, or the shutdown).
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError
from typing import Any

from ..logs import get_logger

__all__ = ["Notify", "Pending", "yield_cpu"]

log = get_logger("trueconf_sync.connection")

#: ``notify(index, result, error)``: how a bulk request reports its outcome (must not block).
Notify = Callable[[int, Any, "BaseException | None"], None]
_allocate_lock = threading.Lock
#: Gives the CPU (and the GIL) to another thread: ``sleep(0)`` where there is no ``sched_yield``.
#: After waking a blocked caller, the completing thread (usually the reader) calls it: the caller,
#: just woken on the same core, would otherwise find the GIL held and sleep once more until the
#: reader blocks in ``recv`` (sequential calls: ~4% less wall per call).
yield_cpu: Callable[[], None] = getattr(os, "sched_yield", None) or functools.partial(time.sleep, 0)


class Pending:
    """A request waiting for its response: how to parse the payload, a deadline, and its waiter."""

    __slots__ = ("deadline", "error", "future", "index", "lock", "method", "notify", "parse", "timeout", "value")

    def __init__(
        self,
        method: str,
        parse: Callable[[Any], Any],
        deadline: float,
        blocking: bool = False,
        notify: Notify | None = None,
        index: int = 0,
        timeout: float | None = None,
    ) -> None:
        self.method = method
        self.parse = parse
        self.deadline = deadline
        self.timeout = timeout  # the seconds the caller gave (for the timeout's message)
        self.value: Any = None
        self.error: BaseException | None = None
        self.future: Future[Any] | None = None
        self.lock: Any = None
        self.notify = notify
        self.index = index
        if blocking:
            self.lock = _allocate_lock()
            self.lock.acquire()
        elif notify is None:
            self.future = Future()

    @property
    def done(self) -> bool:
        """True once completed (or, for a Future, cancelled by its owner)."""
        if self.lock is not None:
            return not self.lock.locked()
        if self.future is not None:
            return self.future.done()
        return False  # a notify request is done when it leaves the table

    def succeed(self, value: Any) -> None:
        """Complete with ``value``."""
        if self.lock is not None:
            self.value = value
            self.lock.release()
            yield_cpu()
        elif self.future is not None:
            try:
                self.future.set_result(value)
            except InvalidStateError:  # cancelled by its owner meanwhile
                pass
        else:
            self._notify(value, None)

    def fail(self, error: BaseException) -> None:
        """Complete with ``error``."""
        if self.lock is not None:
            self.error = error
            self.lock.release()
            yield_cpu()
        elif self.future is not None:
            try:
                self.future.set_exception(error)
            except InvalidStateError:
                pass
        else:
            self._notify(None, error)

    def _notify(self, value: Any, error: BaseException | None) -> None:
        try:
            self.notify(self.index, value, error)  # type: ignore[misc]
        except Exception:
            log.exception("error in the completion callback of a %s request", self.method)
