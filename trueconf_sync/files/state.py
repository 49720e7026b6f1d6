"""Per-client state of the file methods: limits cache, worker pool, progress waiters, cancellation.

The state is made on first use and kept in the client's ``core.extensions``. Three receivers, connected once for every
client (blinker, ``weak=False``) and routed by ``sender``, keep it current: ``uploadFileProgress``
events wake the downloads waiting for that file, a ``getFileUploadLimits`` event replaces the
cached limits, and the client's state changes drop the cache on (re)connect and stop the pool and
running transfers on ``close()``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from ..api.models import FileProgress, UploadLimits
from ..core.protocols import ClientCore
from ..errors import ClientClosedError
from ..events.signals import connection_state_changed, file_progress, upload_limits_changed

__all__ = ["MAX_FILE_WORKERS", "FileState", "ProgressWaiter", "state_of"]

#: Threads that run the non-blocking ``.future(...)`` forms of the file methods, per client.
MAX_FILE_WORKERS = 4
#: The key of the file state in ``core.extensions``.
_EXTENSION = "files"
_create_lock = threading.Lock()


class ProgressWaiter:
    """Wakes a download waiting for a file that is still uploading (PROTOCOL §6.4)."""

    def __init__(self, file_id: str, size: int) -> None:
        self.file_id = file_id
        self.size = size
        self.progress = -1
        self.complete = False
        self._event = threading.Event()

    def update(self, progress: int) -> None:
        """A progress event arrived (dispatcher thread)."""
        self.progress = max(self.progress, progress)
        if self.progress >= self.size:
            self.complete = True
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` s for the next progress event; True if one arrived."""
        arrived = self._event.wait(timeout)
        self._event.clear()
        return arrived


class FileState:
    """What the file methods keep per client (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pid = os.getpid()
        self.lock = threading.Lock()
        #: Cached upload limits; None = ask the server. ``limits_unsupported``: it cannot tell.
        self.limits: UploadLimits | None = None
        self.limits_unsupported = False
        #: Bumped by ``close()``: transfers started under an older value stop at their next chunk.
        self.generation = 0
        self._executor: ThreadPoolExecutor | None = None
        self._waiters: dict[str, list[ProgressWaiter]] = {}

    def executor(self) -> ThreadPoolExecutor:
        """The bounded pool for ``.future(...)`` calls (made on first use)."""
        with self.lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(MAX_FILE_WORKERS, thread_name_prefix=f"{self.name}-files")
            return self._executor

    def closed(self) -> None:
        """The client was closed: stop running transfers and the pool's threads."""
        with self.lock:
            self.generation += 1
            self.limits = None
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def check_open(self, generation: int) -> None:
        """Raise ClientClosedError when the client was closed after ``generation`` was read."""
        if generation != self.generation:
            raise ClientClosedError("the client was closed during the file transfer")

    @contextmanager
    def watch(self, file_id: str, size: int) -> Iterator[ProgressWaiter]:
        """Listen for ``uploadFileProgress`` of ``file_id`` within the block."""
        waiter = ProgressWaiter(file_id, size)
        with self.lock:
            self._waiters.setdefault(file_id, []).append(waiter)
        try:
            yield waiter
        finally:
            with self.lock:
                waiters = self._waiters.get(file_id, [])
                if waiter in waiters:
                    waiters.remove(waiter)
                if not waiters:
                    self._waiters.pop(file_id, None)

    def progress(self, event: FileProgress) -> None:
        """Route a progress event to the waiters of its file."""
        with self.lock:
            waiters = list(self._waiters.get(event.file_id, ()))
        for waiter in waiters:
            waiter.update(event.progress)


def state_of(core: ClientCore) -> FileState:
    """The client's file state (made on first use; a forked child gets a fresh one)."""
    state = _existing(core)
    if state is None:
        with _create_lock:
            state = _existing(core)
            if state is None:
                state = FileState(core.name)
                core.extensions[_EXTENSION] = state
    return state


def _existing(core: ClientCore) -> FileState | None:
    state = core.extensions.get(_EXTENSION)
    return state if isinstance(state, FileState) and state.pid == os.getpid() else None


def _core_of(sender: Any) -> ClientCore | None:
    """The core of a signal's sender when it is a client (anything handing out a ``core``)."""
    core = getattr(sender, "core", None)
    return core if isinstance(getattr(core, "extensions", None), dict) else None


def _existing_of(sender: Any) -> FileState | None:
    core = _core_of(sender)
    return _existing(core) if core is not None else None


def _on_progress(sender: Any, event: Any = None, **_: Any) -> None:
    state = _existing_of(sender)
    if state is not None and isinstance(event, FileProgress):
        state.progress(event)


def _on_limits(sender: Any, event: Any = None, **_: Any) -> None:
    core = _core_of(sender)
    if isinstance(event, UploadLimits) and core is not None:
        state = state_of(core)
        with state.lock:
            state.limits = event
            state.limits_unsupported = False


def _on_state(sender: Any, state: Any = None, **_: Any) -> None:
    files = _existing_of(sender)
    if files is None:
        return
    if state == "closed":
        files.closed()
    elif state == "connected":
        with files.lock:  # the limits may have changed while we were away; a push may follow
            files.limits = None


file_progress.connect(_on_progress, weak=False)
upload_limits_changed.connect(_on_limits, weak=False)
connection_state_changed.connect(_on_state, weak=False)
