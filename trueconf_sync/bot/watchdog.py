"""Warns (logs) when a handler blocks its chat's event queue for longer than a threshold.

Events of one chat run one after another on the same worker thread, so a handler that takes a
minute delays every later message of that chat (and of other chats on the same worker) by a
minute. One watchdog thread per dispatcher checks the running events; it starts with the first
event and stops when the dispatcher's clients are closed or detached.
"""

from __future__ import annotations

import logging
import threading
import time

from .router import Trace

__all__ = ["SlowHandlerWatchdog"]

log = logging.getLogger("trueconf_sync.bot")


class SlowHandlerWatchdog:
    """Logs a warning once per event whose handling exceeds ``threshold`` seconds, and again
    when it finally ends.

    Args:
        threshold: seconds (> 0).
        name: thread name suffix.
    """

    def __init__(self, threshold: float, name: str = "dispatcher") -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or threshold <= 0:
            raise ValueError(f"slow_handler_threshold must be a number of seconds > 0 or None, got {threshold!r}")
        self.threshold = float(threshold)
        self.name = name
        self._active: dict[int, Trace] = {}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop: threading.Event | None = None

    def begin(self, trace: Trace) -> None:
        """An event started; start the thread when needed."""
        with self._lock:
            self._active[id(trace)] = trace
            if self._thread is None:
                self._stop = threading.Event()
                self._thread = threading.Thread(target=self._run, args=(self._stop,), daemon=True,
                                                name=f"trueconf-bot-watchdog-{self.name}")
                self._thread.start()

    def end(self, trace: Trace) -> None:
        """An event finished; log its total time if it was reported as slow."""
        with self._lock:
            self._active.pop(id(trace), None)
        if trace.warned:
            log.warning("%s finished after %.1f s; chat %s's queue moves again", _who(trace),
                        time.monotonic() - trace.started, trace.chat_id or "-")

    def stop(self) -> None:
        """Stop the thread (it restarts with the next event)."""
        with self._lock:
            thread, self._thread = self._thread, None
            stop, self._stop = self._stop, None
        if stop is not None:
            stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(2.0)

    @property
    def running(self) -> bool:
        """True while the watchdog thread runs."""
        return self._thread is not None

    def _run(self, stop: threading.Event) -> None:
        interval = min(1.0, self.threshold / 4)
        while not stop.wait(interval):
            now = time.monotonic()
            with self._lock:
                late = [t for t in self._active.values() if not t.warned and now - t.started >= self.threshold]
                for trace in late:
                    trace.warned = True
            for trace in late:
                log.warning("%s has been running for %.1f s (threshold %.1f s); later events of chat %s wait "
                            "behind it", _who(trace), now - trace.started, self.threshold, trace.chat_id or "-")


def _who(trace: Trace) -> str:
    handler = trace.handler
    if handler is None:
        return f"handling of a {trace.kind} event (router {trace.router.name!r})"
    return f"handler {handler.callback.name} (router {handler.router.name!r}, {trace.kind} event)"
