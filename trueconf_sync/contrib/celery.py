"""Celery for sending from anywhere, and for handling events in Celery workers (extra ``celery``).

Outbound: one call registers a task per API method on *your* Celery app::

    from celery import Celery
    from trueconf_sync import Client
    from trueconf_sync.contrib.celery import register_tasks

    app = Celery("alerts", broker="redis://localhost:6379/0", backend="redis://localhost:6379/1")
    tasks = register_tasks(app, lambda: Client("video.example.com", username="bot", password="..."))

    tasks.send_message.delay(chat_id, "Disk almost full on db-1")   # from any web worker

Each Celery worker *process* holds one client, made after the fork (``worker_process_init``) or on
its first task (solo and thread pools), and closed at shutdown, so 500 web workers share a handful
of connections. Task names are ``trueconf.<method>`` (``trueconf.send_message``, ``trueconf.send_file``...).

Results are JSON-able dicts: ``{"ok": True, "result": ...}`` (the result in wire format), or
``{"ok": False, "error": {"type", "message", "code", "executed"}}``. ``executed`` is ``"no"`` when
the request provably did not run (a refused argument, an API error) and ``"unknown"`` when the
connection was lost or the call timed out while the request was in flight.

Retries (with exponential backoff and jitter, up to ``max_retries``) happen only where the request
provably was not executed: the client could not connect (refused, unreachable, server busy with
HTTP 503), or the server answered 203 (expired token: nothing ran). An in-flight loss is reported,
not retried -- a retry could post the message twice -- unless the method is in ``idempotent``
(by default the read-only ``get_*``/``has_*`` methods).

Inbound: ``client.distribute(CeleryForwarder(app.tasks["myapp.on_event"]))`` sends every server
event to a task (args: one dict ``{"method", "payload"}``; :func:`parse_event` makes the typed
event of it) and acks the server only after the broker accepted the task (at-least-once). Handler
tasks reply through the send tasks.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ..api.converter import converter
from ..api.methods import rows
from ..errors import ApiError, AuthError, ConnectionLostError, RequestTimeoutError, TLSError
from ..extras import require

if TYPE_CHECKING:
    from ..client import Client
    from ..core.protocols import Dispatcher
    from ..transport.connection import Connection

__all__ = ["CeleryForwarder", "SendTasks", "parse_event", "register_tasks", "task_names"]

log = logging.getLogger("trueconf_sync.contrib.celery")

#: Methods of the file layer that are tasks too. Their file argument must be something the *worker*
#: can open: a path on a disk it sees, or an http(s) URL (``bytes`` and file objects do not travel
#: through a JSON broker). A path the worker cannot read is reported as ``executed: "no"``.
FILE_METHODS = ("send_file", "send_photo", "send_sticker")


def task_names() -> list[str]:
    """The methods that become tasks: every row of the method table plus :data:`FILE_METHODS`."""
    return [*rows(), *FILE_METHODS]


def _jsonable(value: Any) -> Any:
    """A result in wire format (camelCase), through JSON and back, so the broker can carry it."""
    if isinstance(value, (list, tuple)):  # e.g. ChatList (a list subclass cattrs does not know)
        data: Any = [converter.unstructure(item) for item in value]
    else:
        data = converter.unstructure(value)
    return json.loads(json.dumps(data, default=str))


def _error(exc: BaseException, executed: str) -> dict[str, Any]:
    return {"ok": False, "error": {"type": type(exc).__name__, "message": str(exc),
                                   "code": getattr(exc, "code", None), "executed": executed}}


class _Holder:
    """This worker process's one client: made after fork (or on first use), closed at shutdown."""

    def __init__(self, factory: Callable[[], Client]) -> None:
        self._factory = factory
        self._client: Client | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def get(self) -> Client:
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                self._client = self._factory()
                self._pid = os.getpid()
            return self._client

    def close(self, **_: Any) -> None:
        with self._lock:
            client, self._client = self._client, None
        if client is not None and self._pid == os.getpid():
            client.close()

    def renew(self, **_: Any) -> None:
        self.close()
        self.get()


class SendTasks:
    """The registered tasks by method name: ``tasks.send_message.delay(...)``, ``tasks["get_chats"]``."""

    def __init__(self, tasks: dict[str, Any], holder: _Holder) -> None:
        self._tasks = tasks
        self.holder = holder

    def __getattr__(self, name: str) -> Any:
        try:
            return self._tasks[name]
        except KeyError:
            raise AttributeError(f"no trueconf task for method {name!r}") from None

    def __getitem__(self, name: str) -> Any:
        return self._tasks[name]

    def __iter__(self) -> Any:
        return iter(self._tasks)


def register_tasks(app: Any, client_factory: Callable[[], Client], *, methods: Iterable[str] | None = None,
                   idempotent: Iterable[str] | None = None, prefix: str = "trueconf.", max_retries: int = 5,
                   retry_backoff: float = 1.0, retry_backoff_max: float = 60.0) -> SendTasks:
    """Register one task per API method on ``app``; return them by method name.

    Args:
        app: your ``celery.Celery`` application.
        client_factory: makes the worker process's client (called once per process, after fork).
        methods: method names to register (default: all of :func:`task_names`).
        idempotent: methods safe to run twice, retried also after an in-flight loss (default:
            the ``get_*`` and ``has_*`` methods).
        prefix: task name prefix.
        max_retries, retry_backoff, retry_backoff_max: retries where nothing was executed: up to
            ``max_retries``, waiting ``retry_backoff * 2**n`` seconds (jittered, capped).

    Raises:
        MissingExtraError: Celery is missing. ValueError: an unknown method name or bad number.
    """
    require("celery", "celery", "trueconf_sync.contrib.celery")
    from celery import signals

    known = task_names()
    chosen = list(methods) if methods is not None else known
    for name in chosen:
        if name not in known:
            raise ValueError(f"methods: unknown method {name!r}; use names of task_names()")
    safe = set(idempotent) if idempotent is not None else {n for n in known if n.startswith(("get_", "has_"))}
    for name in safe:
        if name not in known:
            raise ValueError(f"idempotent: unknown method {name!r}")
    if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= 100:
        raise ValueError(f"max_retries must be an int between 0 and 100, got {max_retries!r}")
    for label, value in (("retry_backoff", retry_backoff), ("retry_backoff_max", retry_backoff_max)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 3600:
            raise ValueError(f"{label} must be seconds between 0 and 3600, got {value!r}")
    holder = _Holder(client_factory)
    # weak=False: the holder's bound methods would otherwise vanish with nobody else referencing them
    signals.worker_process_init.connect(holder.renew, weak=False)
    signals.worker_process_shutdown.connect(holder.close, weak=False)
    signals.worker_shutdown.connect(holder.close, weak=False)

    def backoff(retries: int) -> float:
        return float(min(retry_backoff_max, retry_backoff * 2 ** retries) * random.uniform(0.5, 1.0))

    def make(name: str) -> Any:
        def run(task: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
            try:
                client = holder.get()
                if not client.connected:
                    client.connect()
            except (ConnectionLostError, AuthError) as exc:
                if isinstance(exc, TLSError) or (isinstance(exc, AuthError) and not exc.retryable):
                    return _error(exc, "no")  # retrying cannot help
                if task.request.retries < max_retries:  # not connected: nothing was sent
                    raise task.retry(exc=exc, countdown=backoff(task.request.retries)) from None
                return _error(exc, "no")
            try:
                result = getattr(client, name)(*args, **kwargs)
            except (ValueError, TypeError) as exc:
                return _error(exc, "no")
            except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
                # a file task's path the worker cannot read: refused while checking, nothing sent
                return _error(exc, "no")
            except ApiError as exc:
                if exc.code == 203 and task.request.retries < max_retries:  # refused, not executed (§2.2)
                    raise task.retry(exc=exc, countdown=backoff(task.request.retries)) from None
                return _error(exc, "no")
            except (ConnectionLostError, RequestTimeoutError) as exc:
                if name in safe and task.request.retries < max_retries:
                    raise task.retry(exc=exc, countdown=backoff(task.request.retries)) from None
                log.warning("%s: the request may or may not have run (%s); not retried", name, exc)
                return _error(exc, "unknown")
            return {"ok": True, "result": _jsonable(result)}

        run.__name__ = name
        run.__doc__ = f"Celery task running ``client.{name}(*args, **kwargs)`` in the worker's client."
        return app.task(run, bind=True, name=f"{prefix}{name}", max_retries=max_retries)

    return SendTasks({name: make(name) for name in chosen}, holder)


def parse_event(data: dict[str, Any]) -> Any:
    """The typed event (``Message``...) of a forwarded ``{"method", "payload"}``; RawEvent when unknown."""
    from ..api.models import RawEvent
    from ..events.signals import EVENTS

    method, payload = data.get("method"), data.get("payload")
    spec = EVENTS.get(method) if isinstance(method, str) else None
    if spec is not None:
        try:
            return converter.structure(payload, spec.model)
        except Exception:
            log.warning("could not parse a %s event; returning it raw", method, exc_info=True)
    return RawEvent(method=str(method), payload=payload, id=None)


class CeleryForwarder:
    """Forward a client's incoming events to a Celery task: ``client.distribute(CeleryForwarder(task))``.

    Needs ``Client(ack="after_handling")``: the server is acked once the broker accepted the task
    (``apply_async`` returned); an event the broker refused stays unread on the server.

    Args:
        task: the Celery task (called with one dict ``{"method", "payload"}``).
        methods: wire methods to forward (default: all); others are acked and dropped.
        skip_own_messages: do not forward ``sendMessage`` events written by the bot itself.
        options: extra ``apply_async`` options (``queue=``, ``priority=``...).
    """

    def __init__(self, task: Any, *, methods: Iterable[str] | None = None, skip_own_messages: bool = True,
                 **options: Any) -> None:
        if not callable(getattr(task, "apply_async", None)):
            raise TypeError("task must be a Celery task (with apply_async)")
        self.task = task
        self.methods = frozenset(methods) if methods is not None else None
        self.skip_own_messages = skip_own_messages
        self.options = options
        self.forwarded = 0
        self.failed = 0

    def make_dispatcher(self, client: Any, make_workers: Callable[[bool], Dispatcher]) -> Dispatcher:
        if getattr(client.config, "ack", None) != "after_handling":
            raise ValueError("CeleryForwarder needs Client(ack='after_handling'): the server is acked "
                             "once the broker accepted the task")
        return _Forwarding(self, client)


class _Forwarding:
    """The dispatcher of a forwarding client: everything happens on the reader thread."""

    def __init__(self, owner: CeleryForwarder, client: Any) -> None:
        self._owner = owner
        self._client = client
        self._count = 0

    @property
    def queued(self) -> int:
        return 0

    @property
    def handled(self) -> int:
        return self._count

    def submit(self, connection: Connection, frame: dict[str, Any],
               keepalive: Callable[[], None] | None = None, keepalive_every: float = 1.0) -> None:
        owner = self._owner
        method, payload = frame.get("method"), frame.get("payload")
        wanted = owner.methods is None or method in owner.methods
        if wanted and owner.skip_own_messages and method == "sendMessage" and isinstance(payload, dict):
            author = payload.get("author")
            me = self._client.user_id
            wanted = not (isinstance(author, dict) and me and str(author.get("id", "")).lower() == me.lower())
        if wanted:
            try:
                owner.task.apply_async(args=[{"method": method, "payload": payload}], **owner.options)
            except Exception as exc:  # noqa: BLE001 -- any broker failure: leave the event unread
                owner.failed += 1
                log.error("could not hand a %s event to Celery (%s); left unacknowledged", method, exc)
                return
            owner.forwarded += 1
        self._count += 1
        server_id = frame.get("id")
        if type(server_id) is int:
            connection.send_ack(server_id)

    def stop(self, timeout: float = 5.0) -> int:
        return 0
