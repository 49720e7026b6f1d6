"""Runs user handlers for server events on worker threads, never on the reader thread.

Events are sharded by chat id over ``workers`` queues, one thread each: events of one chat are
handled in arrival order, different chats may run in parallel (``workers > 1``). A handler's
exception is logged and does not stop the other handlers, the worker or the client.

Acknowledgement (PROTOCOL §1.4): with ``ack="immediate"`` the client acks on arrival (as the
official clients do); with ``ack="after_handling"`` the worker acks once every handler returned
without raising, so a message whose handling failed stays unread on the server.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from blinker import NamedSignal

from .converter import converter
from .models import RawEvent
from .models.binding import bind_client
from .signals import EVENTS, event_received

if TYPE_CHECKING:
    from .connection import Connection

__all__ = ["Dispatcher", "chat_key"]

log = logging.getLogger("trueconf_sync.dispatcher")

_STOP = object()


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


class Dispatcher:
    """Worker threads that turn queued server requests into typed events and run the handlers.

    Args:
        sender: the client; signals are sent with ``sender=sender``.
        workers: number of worker threads (>= 1).
        ack_after_handling: ack each request after its handlers succeeded (else the caller acks).
        skip: optional predicate ``(method, event) -> bool``; True skips the handlers (still acks).
        name: thread name prefix.
    """

    def __init__(
        self,
        sender: Any,
        *,
        workers: int = 1,
        ack_after_handling: bool = False,
        skip: Callable[[str, Any], bool] | None = None,
        name: str = "trueconf",
    ) -> None:
        self._sender = sender
        self._ack_after = ack_after_handling
        self._skip = skip
        self._queues: list[queue.SimpleQueue[Any]] = [queue.SimpleQueue() for _ in range(workers)]
        self._threads = [
            threading.Thread(target=self._work, args=(q,), name=f"{name}-dispatch-{i}", daemon=True)
            for i, q in enumerate(self._queues)
        ]
        self._stopping = False
        self.handled = 0
        for thread in self._threads:
            thread.start()

    @property
    def queued(self) -> int:
        """Events waiting for a worker."""
        return sum(q.qsize() for q in self._queues)

    def is_worker_thread(self) -> bool:
        """True when called from one of this dispatcher's worker threads."""
        return threading.current_thread() in self._threads

    def submit(self, connection: Connection, frame: dict[str, Any]) -> None:
        """Queue a server request frame (called on the reader thread; never blocks)."""
        queues = self._queues
        if len(queues) == 1:
            queues[0].put((connection, frame))
        else:
            queues[hash(chat_key(frame.get("payload"))) % len(queues)].put((connection, frame))

    def stop(self, timeout: float = 5.0) -> int:
        """Let queued events finish for up to ``timeout`` s, stop the workers; return how many were left."""
        self._stopping = True
        for q in self._queues:
            q.put(_STOP)
        deadline = time.monotonic() + timeout
        current = threading.current_thread()
        for thread in self._threads:
            if thread is not current:
                thread.join(max(0.0, deadline - time.monotonic()))
        left = 0
        for q in self._queues:
            while True:
                try:
                    item = q.get_nowait()
                except queue.Empty:
                    break
                if item is not _STOP:
                    left += 1
        if left:
            log.warning("closing with %d server events not handled", left)
        return left

    # ---- worker ---------------------------------------------------------------------------

    def _work(self, q: queue.SimpleQueue[Any]) -> None:
        deliver = self._deliver
        while True:
            item = q.get()
            if item is _STOP:
                return
            try:
                deliver(*item)
            except Exception:  # noqa: BLE001 - never lose the worker
                log.exception("error while dispatching an event")

    def _deliver(self, connection: Connection, frame: dict[str, Any]) -> None:
        method = frame.get("method")
        payload = frame.get("payload")
        spec = EVENTS.get(method) if type(method) is str else None
        event: Any = None
        if spec is not None:
            try:
                event = converter.structure(payload, spec.model)
            except Exception:  # noqa: BLE001 - deliver it raw rather than drop it
                log.warning("could not parse a %s event; delivering it raw", method, exc_info=True)
                spec = None
        if event is not None:
            bind_client(event, self._sender)
        else:
            event = RawEvent(method=str(method), payload=payload, id=frame.get("id"))
            object.__setattr__(event, "raw", frame)
        ok = True
        if self._skip is None or not self._skip(str(method), event):
            name = str(method)
            if spec is not None:
                ok = self._emit(spec.signal, event, name)
            ok = self._emit(event_received, event, name) and ok
        self.handled += 1
        if self._ack_after and ok:
            connection.send_ack(frame.get("id"))

    def _emit(self, signal: NamedSignal, event: Any, method: str) -> bool:
        ok = True
        sender = self._sender
        for receiver in signal.receivers_for(sender):
            try:
                receiver(sender, event=event, method=method)
            except Exception:  # noqa: BLE001
                ok = False
                log.exception("handler %s raised on %s", getattr(receiver, "__qualname__", receiver), signal.name)
        return ok
