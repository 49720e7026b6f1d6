"""Runs user handlers for server events on worker threads, never on the reader thread.

Events are sharded by chat id over ``workers`` lanes of the process's shared handler pool
(:mod:`.pool`): events of one chat are handled in arrival order, different chats may run in
parallel (``workers > 1``), and a client runs at most ``workers`` handlers at once. A handler's
exception is logged and does not stop the other handlers, the pool or the client.

Acknowledgement (PROTOCOL §1.4): with ``ack="immediate"`` the client acks on arrival (as the
official clients do); with ``ack="after_handling"`` the worker acks once every handler returned
without raising, so a message whose handling failed stays unread on the server.
"""

from __future__ import annotations

import functools
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from blinker import NamedSignal

from ..logs import get_logger
from .pool import POOL
from .signals import event_received

if TYPE_CHECKING:
    from ..api.converter import structure
    from ..api.models import Message, RawEvent
    from ..api.models.binding import bind_client
    from ..transport.connection import Connection
    from .signals import EVENTS

__all__ = ["HandlerWorkers", "chat_key"]

log = get_logger("trueconf_sync.dispatcher")


def load_models() -> None:
    """Import the models, the converter and the event table into this module (once).

    They are not imported with the client; :class:`HandlerWorkers` loads them when made, on the
    thread that connects, so no pool or reader thread ever runs a first import.
    """
    global structure, Message, RawEvent, bind_client, EVENTS
    if "EVENTS" in globals():
        return
    from ..api.converter import structure
    from ..api.models import Message, RawEvent
    from ..api.models.binding import bind_client
    from .signals import EVENTS

def chat_key(payload: Any) -> str:
    """The chat an event belongs to (for ordering), or ``""`` when it has none."""
    if type(payload) is not dict:
        return ""
    key = payload.get("chatId")
    if key is None:
        chat = payload.get("chat")
        if type(chat) is dict:
            key = chat.get("chatId")
        else:
            source = payload.get("commandSource")
            message = source.get("message") if type(source) is dict else None
            key = message.get("chatId") if type(message) is dict else None
    return key if type(key) is str else ""


#: signal -> how many times its receivers changed (counted by :func:`_changed`, connected once per signal)
_changes: dict[NamedSignal, int] = {}
_changes_lock = threading.Lock()


def _changed(signal: NamedSignal, **_: Any) -> None:
    with _changes_lock:
        _changes[signal] = _changes.get(signal, 0) + 1


def _receivers_of(signal: NamedSignal, sender: Any, lists: dict[NamedSignal, tuple[int, list[Any]]]) -> Any:
    """``signal.receivers_for(sender)``, kept in ``lists`` until the signal's receivers change.

    blinker builds a set of receiver ids per call; a client's handlers rarely change, and each
    event emits once or twice. Only lists of strongly connected receivers are kept (the client's
    handlers are): a weakly connected one may die without blinker saying so, so a signal that has
    one is asked every time.
    """
    version = _changes.get(signal)
    if version is None:
        with _changes_lock:
            if signal not in _changes:
                signal.receiver_connected.connect(_changed, weak=False)
                signal.receiver_disconnected.connect(_changed, weak=False)
                _changes[signal] = 0
        version = _changes[signal]
    kept = lists.get(signal)
    if kept is not None and kept[0] == version:
        return kept[1]
    receivers = list(signal.receivers_for(sender))
    if not any(isinstance(receiver, weakref.ref) for receiver in list(signal.receivers.values())):
        lists[signal] = (version, receivers)
    return receivers


class HandlerWorkers:
    """Turns queued server requests into typed events and runs the handlers, on the shared pool.

    Args:
        sender: the client; signals are sent with ``sender=sender``.
        workers: number of lanes (>= 1): handlers of this client that may run at once.
        ack_after_handling: ack each request after its handlers succeeded (else the caller acks).
        skip: optional predicate ``(method, event) -> bool``; True skips the handlers (still acks).
        max_queued: soft bound of events waiting for a worker; when reached, the connection pauses
            reading (TCP backpressure) while no call waits for an answer (:meth:`submit`).
        dedup_window: how many recent message ids are remembered to drop redelivered duplicates.
    """

    def __init__(
        self,
        sender: Any,
        *,
        workers: int = 1,
        ack_after_handling: bool = False,
        skip: Callable[[str, Any], bool] | None = None,
        max_queued: int = 10_000,
        dedup_window: int = 10_000,
    ) -> None:
        self._sender = sender
        self._ack_after = ack_after_handling
        self._skip = skip
        self._max_queued = max_queued
        self._submitted = 0  # written by the reader thread only
        self._done = [0] * workers  # slot i written by lane i's running thread only: no lock on the hot path
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._dedup_window = dedup_window
        self._receiver_lists: dict[NamedSignal, tuple[int, list[Any]]] = {}  # see _receivers_of
        self.duplicates = 0
        self._stopping = threading.Event()
        self._stopped = False
        load_models()
        POOL.join()
        self._lanes = [POOL.lane(functools.partial(self._run, i)) for i in range(workers)]

    @property
    def queued(self) -> int:
        """Events waiting for (or being handled by) a worker."""
        return self._submitted - sum(self._done)

    @property
    def handled(self) -> int:
        """Events handled so far."""
        return sum(self._done)

    def is_worker_thread(self) -> bool:
        """True when called from a thread that is running one of this client's handlers."""
        current = threading.current_thread()
        return any(lane.thread is current for lane in self._lanes)

    def submit(
        self,
        connection: Connection,
        frame: dict[str, Any],
        keepalive: Callable[[], None] | None = None,
        keepalive_every: float = 1.0,
    ) -> None:
        """Queue a server request frame (reader thread). Never blocks.

        When the queue is full, the connection is asked to pause reading until there is room
        (TCP backpressure; ``keepalive`` is called every ``keepalive_every`` seconds meanwhile).
        The connection reads on while calls wait for answers, so events may then pass the limit.
        """
        if self._stopped:
            return  # closing: left unhandled (and, with ack="after_handling", unacknowledged)
        queued = self._submitted - sum(self._done)
        if queued >= self._max_queued:
            self._over_limit(queued)
        lanes = self._lanes
        lane = lanes[0] if len(lanes) == 1 else lanes[hash(chat_key(frame.get("payload"))) % len(lanes)]
        if POOL.schedule(lane, (connection, frame)):
            self._submitted += 1
        if queued + 1 >= self._max_queued:
            connection.pause_reading(self._wait_for_room, keepalive, keepalive_every)

    _warned_at = float("-inf")
    _over_warned_at = float("-inf")

    def _wait_for_room(self) -> bool:
        """True while the reader should wait for room in the queue (the connection's pause test)."""
        if self._submitted - sum(self._done) < self._max_queued or self._stopping.is_set():
            return False
        now = time.monotonic()
        if now - self._warned_at >= 60.0:  # a slow handler can fill the queue on every event
            self._warned_at = now
            log.warning("event queue full (%d); reading paused until handlers catch up (while no call waits "
                        "for an answer)", self._max_queued)
        return True

    def _over_limit(self, queued: int) -> None:
        now = time.monotonic()
        if now - self._over_warned_at >= 60.0:
            self._over_warned_at = now
            log.warning("event queue over its limit (%d of %d): reading on while calls wait for answers",
                        queued + 1, self._max_queued)

    def stop(self, timeout: float = 5.0) -> int:
        """Let queued events finish for up to ``timeout`` s, then drop the rest; return how many were left.

        Called from one of this client's handlers, it does not wait for that handler (it ends after).
        """
        if self._stopping.is_set():
            return 0
        self._stopping.set()
        deadline = time.monotonic() + timeout
        current = threading.current_thread()
        others = [lane for lane in self._lanes if lane.thread is not current]
        pause = 0.001
        while any(lane.busy for lane in others) and time.monotonic() < deadline:
            time.sleep(pause)
            pause = min(0.02, pause * 2)
        self._stopped = True
        left = 0
        for lane in self._lanes:
            while True:
                try:
                    lane.items.popleft()
                except IndexError:
                    break
                left += 1
        POOL.leave(max(0.0, deadline - time.monotonic()))
        if left:
            how = "not acknowledged, so the server keeps them unread" if self._ack_after else "acknowledged"
            log.warning("closing with %d server events not handled (%s)", left, how)
        return left

    def _remember(self, message_id: str) -> None:
        """Remember a handled message id (bounded window) so a redelivery is not handled again."""
        # No lock: each step is one atomic dict operation under the GIL; two lanes evicting at
        # once remove one id too many, which only shortens the window by one.
        seen = self._seen
        seen[message_id] = None
        if len(seen) > self._dedup_window:
            try:
                seen.popitem(last=False)
            except KeyError:  # emptied by another lane meanwhile
                pass

    # ---- on a pool thread ------------------------------------------------------------------

    def _run(self, index: int, item: tuple[Connection, dict[str, Any]]) -> None:
        """One queued server request of lane ``index`` (on the pool thread running that lane)."""
        try:
            self._deliver(*item)
        except Exception:
            log.exception("error while dispatching an event")
        self._done[index] += 1

    def _deliver(self, connection: Connection, frame: dict[str, Any]) -> None:
        method = frame.get("method")
        payload = frame.get("payload")
        spec = EVENTS.get(method) if type(method) is str else None
        event: Any = None
        if spec is not None:
            try:
                event = structure(payload, spec.model)
            except Exception:
                log.warning("could not parse a %s event; delivering it raw", method, exc_info=True)
                spec = None
        if event is not None:
            bind_client(event, self._sender)
        else:
            event = RawEvent(method=str(method), payload=payload, id=frame.get("id"))
            object.__setattr__(event, "raw", frame)
        ok = True
        message_id = (event.message_id or None) if isinstance(event, Message) else None
        name = method if type(method) is str else str(method)
        if message_id is not None and message_id in self._seen:
            self.duplicates += 1
            log.debug("dropping a redelivered message (already handled)")
        elif self._skip is None or not self._skip(name, event):
            if spec is not None:
                ok = self._emit(spec.signal, event, name, frame)
            if event_received.receivers:  # (usually nobody: no call then)
                ok = self._emit(event_received, event, name, frame) and ok
        if ok:
            if message_id is not None:
                self._remember(message_id)  # a failed one may come back and be handled again
            if self._ack_after:
                connection.send_ack(frame.get("id"))

    def _emit(self, signal: NamedSignal, event: Any, method: str, frame: dict[str, Any]) -> bool:
        if not signal.receivers:  # nobody listens (e.g. event_received, usually): skip blinker's lookup
            return True
        ok = True
        sender = self._sender
        for receiver in _receivers_of(signal, sender, self._receiver_lists):
            try:
                receiver(sender, event=event, method=method, frame=frame)
            except Exception:
                ok = False
                log.exception("handler %s raised on %s", getattr(receiver, "__qualname__", receiver), signal.name)
        return ok
