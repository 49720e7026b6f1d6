"""The handler threads of every client in the process: one shared pool that keeps order per lane.

A process holding a hundred clients should not hold a hundred idle handler threads. Each client's
:class:`~.workers.HandlerWorkers` owns a few *lanes* (one per ``workers``; a chat always maps to
the same lane); a lane's items run one after another, in order, on whichever pool thread picks the
lane up. So:

* events of one chat are handled in arrival order (one lane, never two threads at once);
* a client runs at most ``workers`` handlers at once (its lanes), as with threads of its own;
* one client's slow handler never holds another client's events: when no pool thread is free,
  the pool starts another one (up to :data:`MAX_THREADS`), so a ready lane always finds a thread
  while the cap is not reached.

Threads are named ``trueconf-worker-<n>``, daemon, started on demand; one idle for
:data:`IDLE_SECONDS` ends (the last :data:`KEEP` stay); all end when the last client's handlers stop
(the last ``stop`` waits for them), and a forked child starts afresh.

Threading: :meth:`WorkerPool.schedule` is called by reader threads (never blocks on user code);
lanes run only on pool threads. A lane is taken by one thread at a time (``Lane.scheduled`` is
only changed under the pool's lock), and a thread runs at most :data:`BATCH` of its items before
putting it back behind the other ready lanes (fairness between busy chats and clients).
"""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ..logs import get_logger

__all__ = ["BATCH", "IDLE_SECONDS", "KEEP", "MAX_THREADS", "POOL", "Lane", "WorkerPool"]

log = get_logger("trueconf_sync.dispatcher")

#: Items one thread runs from a lane before other ready lanes get their turn.
BATCH = 64
#: Most pool threads at once (each lane that is running at the same moment needs one).
MAX_THREADS = 512
#: A thread idle this long ends, unless it is one of the last :data:`KEEP` (bursts leave no crowd behind).
IDLE_SECONDS = 10.0
KEEP = 2


class Lane:
    """An ordered queue of work items of one owner; ``run(item)`` handles one (on a pool thread)."""

    __slots__ = ("items", "run", "scheduled", "thread")

    def __init__(self, run: Callable[[Any], None]) -> None:
        self.items: deque[Any] = deque()
        self.run = run
        self.scheduled = False  # in the ready queue or running (under the pool's lock)
        self.thread: threading.Thread | None = None  # the pool thread running it now

    @property
    def busy(self) -> bool:
        """True while items wait or one runs."""
        return self.scheduled or bool(self.items)


class _Generation:
    """The pool's threads and ready queue from its first owner until its last one leaves."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)  # ``schedule`` takes ``lock`` itself: no Python-level __enter__
        self.ready: deque[Lane] = deque()
        self.threads: list[threading.Thread] = []
        self.idle = 0  # threads waiting for a lane and not yet claimed by a notify
        self.ending = False


class WorkerPool:
    """See the module docstring. ``POOL`` is the process's pool."""

    def __init__(self, name: str = "trueconf-worker", max_threads: int = MAX_THREADS) -> None:
        self._name = name
        self._max_threads = max_threads
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()  # guards _owners and _gen
        self._owners = 0
        self._gen = _Generation()
        os.register_at_fork(after_in_child=self._after_fork)

    @property
    def threads(self) -> int:
        """Pool threads alive now."""
        return sum(1 for thread in self._gen.threads if thread.is_alive())

    def join(self) -> None:
        """Register an owner (a client's handlers); the pool runs while it has owners."""
        with self._lock:
            self._owners += 1

    def leave(self, timeout: float = 0.0) -> None:
        """Unregister an owner; when it was the last, the threads end (waited for up to ``timeout``)."""
        with self._lock:
            self._owners -= 1
            if self._owners > 0:
                return
            gen, self._gen = self._gen, _Generation()
        with gen.cond:
            gen.ending = True
            gen.cond.notify_all()
        current = threading.current_thread()
        deadline = time.monotonic() + timeout
        for thread in list(gen.threads):
            # A thread ``schedule`` made is started after the lock is released: one not started yet
            # sees ``ending`` when it runs, and cannot be joined before that.
            if thread is not current and timeout > 0 and thread.ident is not None:
                thread.join(max(0.0, deadline - time.monotonic()))

    def lane(self, run: Callable[[Any], None]) -> Lane:
        """A new lane whose items are handled by ``run``."""
        return Lane(run)

    def schedule(self, lane: Lane, item: Any) -> bool:
        """Append ``item`` to ``lane`` and make sure a thread will run it (never blocks for long).

        False (nothing queued) when the pool has no owners: its owner has left.
        """
        if self._owners <= 0:
            return False
        gen = self._gen
        with gen.lock:
            lane.items.append(item)
            if lane.scheduled:
                return True  # queued or running: its thread takes the item in turn
            lane.scheduled = True
            gen.ready.append(lane)
            if gen.idle > 0:
                gen.idle -= 1  # claimed: a second ready lane will not count on the same thread
                gen.cond.notify()
                return True
            if len(gen.threads) >= self._max_threads:
                return True  # at the cap: the lane waits for the next free thread
            thread = threading.Thread(target=self._work, args=(gen,), name=f"{self._name}-{next(self._numbers)}",
                                      daemon=True)
            gen.threads.append(thread)
        thread.start()
        return True

    def _work(self, gen: _Generation) -> None:
        cond, ready = gen.cond, gen.ready
        current = threading.current_thread()
        while True:
            with cond:
                while not ready:
                    if gen.ending:
                        return
                    gen.idle += 1
                    # Woken by a notify (which claimed this thread, taking it out of ``idle``) or the end.
                    if not cond.wait(IDLE_SECONDS):
                        gen.idle -= 1  # nobody claimed it
                        if len(gen.threads) > KEEP:
                            gen.threads.remove(current)
                            return
                    if gen.ending and not ready:
                        return
                lane = ready.popleft()
            lane.thread = current
            items, run = lane.items, lane.run
            for _ in range(BATCH):
                try:
                    item = items.popleft()
                except IndexError:
                    break
                try:
                    run(item)
                except Exception:  # the owner logs its handlers' errors; this is a last resort
                    log.exception("error in a handler lane")
            lane.thread = None
            with cond:
                if items:
                    ready.append(lane)  # behind the other ready lanes; this thread loops to take one
                else:
                    lane.scheduled = False

    def _after_fork(self) -> None:
        # The child has none of the parent's threads; its clients start new handlers (new owners).
        self._lock = threading.Lock()
        self._owners = 0
        self._gen = _Generation()


#: The process's handler pool.
POOL = WorkerPool()
