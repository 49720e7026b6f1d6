""":class:`Outbox`: a durable queue of messages in an SQLite file, and the thread that delivers it.

::

    from trueconf_sync.outbox import Outbox

    outbox = Outbox("/var/lib/trueconf/outbox.db")
    outbox.put(to="oncall", text="db-1: disk 95% full", key="db-1-disk-2024-05-01")   # durable now
    outbox.start(client)        # delivery thread: in order per recipient, backoff during outages
    ...
    outbox.stop()

``put`` checks its arguments with the library's own checks (a bad one raises before anything is
stored), writes one transaction and returns once SQLite reports it committed (``synchronous=FULL``:
on disk). Guarantees (see the docs page "Outbox and relay" for the full statement):

* an accepted entry is never lost: not on ``kill -9``, not during a server outage of any length
  (outages count no attempts);
* an entry is marked sent only after the server's answer to its (last) message;
* after a crash between the send and the mark the entry is sent again, unless it has a ``key`` and
  the chat's recent history shows it arrived (:meth:`~.delivery.Courier.find_delivered`);
* a ``key`` also makes ``put`` idempotent: a second ``put`` with a key already stored adds nothing;
* permanent refusals and entries that failed ``max_attempts`` times become dead letters, listed by
  :meth:`Outbox.entries` and put back in the queue by :meth:`Outbox.retry`.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import attrs

from ..api.validation import check_text
from ..enums import ParseMode
from ..files.remote import RemoteAddressError, RemoteFile
from ..limits import check_choice, check_count, check_str, type_name
from .delivery import Courier, DeliveryOptions, Outage, classify_recipient
from .store import Entry, OutboxStats, Store

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["MAX_FILES", "MAX_KEY_LENGTH", "Outbox", "Receipt"]

log = logging.getLogger("trueconf_sync.outbox")

#: Most files one entry may carry.
MAX_FILES = 10
#: Longest idempotency key, in characters.
MAX_KEY_LENGTH = 256


@attrs.frozen
class Receipt:
    """What :meth:`Outbox.put` stored: the entry's ``id``; ``duplicate`` when its key was known."""

    id: int
    duplicate: bool = False


class Outbox:
    """A durable outbox in the SQLite file ``path`` (created when missing).

    Args:
        path: the database file; one outbox per file. Other processes may ``put`` into it while
            one process delivers it.
        max_attempts: failed tries (not counting outages) before an entry becomes a dead letter.
        backoff_base, backoff_max: seconds before retrying a failed entry: ``base * 2**(n-1)``,
            capped. The same base doubles the pause while the server is unreachable, up to
            ``outage_max_delay``.
        history_depth: messages of the chat read by the crash check of an entry with a key.
        allowed_networks: non-public networks file URLs may be fetched from (default: none, only
            public addresses; see :class:`~trueconf_sync.files.remote.RemoteFile`).
        max_file_size: largest file (stored, or fetched from a URL) in bytes.
        poll_interval: how often the delivery thread looks for entries other processes added.
        keep_sent: seconds sent entries (and their keys) are kept before the delivery thread
            deletes them; ``0`` keeps them until purged.
        synchronous: SQLite's ``synchronous`` setting: ``"FULL"`` (survives power loss) or
            ``"NORMAL"`` (survives process crashes, faster).
    """

    def __init__(self, path: str | os.PathLike[str], *, max_attempts: int = 10, backoff_base: float = 1.0,
                 backoff_max: float = 300.0, outage_max_delay: float = 30.0, history_depth: int = 50,
                 allowed_networks: Sequence[str] = (), max_file_size: int = 64 * 1024 * 1024,
                 poll_interval: float = 0.5, keep_sent: float = 7 * 86400.0, synchronous: str = "FULL") -> None:
        check_count("max_attempts", max_attempts, minimum=1, maximum=1_000_000)
        check_count("history_depth", history_depth, minimum=1, maximum=1000)
        check_count("max_file_size", max_file_size, minimum=1, maximum=None)
        for name, value in (("backoff_base", backoff_base), ("backoff_max", backoff_max),
                            ("outage_max_delay", outage_max_delay), ("poll_interval", poll_interval),
                            ("keep_sent", keep_sent)):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{name} must be a number of seconds >= 0, got {value!r}")
        RemoteFile("http://example.com/", allowed_networks=allowed_networks)  # checks the networks
        self.options = DeliveryOptions(max_attempts=max_attempts, backoff_base=float(backoff_base),
                                       backoff_max=float(backoff_max), history_depth=history_depth,
                                       allowed_networks=tuple(str(n) for n in allowed_networks),
                                       max_file_size=max_file_size)
        self.outage_max_delay = float(outage_max_delay)
        self.poll_interval = float(poll_interval)
        self.keep_sent = float(keep_sent)
        #: queue heads (of different recipients) sent together, their answers recorded in one commit
        self.batch = 64
        self.path = Path(os.fspath(path))
        self.store = Store(self.path, synchronous=synchronous)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[bytes] | None = None
        #: Unix time the current outage began (None while the server answers).
        self.outage_since: float | None = None
        #: The last outage's error text.
        self.last_outage: str | None = None

    def __repr__(self) -> str:
        return f"<Outbox {str(self.path)!r}>"

    # ---- accepting ---------------------------------------------------------------------------

    def put(self, to: str | None = None, text: str | None = None, *, chat_id: str | None = None,
            parse_mode: ParseMode | str | None = None, files: Sequence[Any] = (), key: str | None = None) -> Receipt:
        """Store a message durably and return its :class:`Receipt` (delivery happens later).

        Args:
            to: a TrueConf user id or login: the personal chat is created (or reused) and cached.
            chat_id: or the id of an existing chat, group or channel.
            text: the message; with files, the caption of the first file. ≤ 4096 visible characters.
            parse_mode: ``"text"`` (default), ``"markdown"`` or ``"html"``.
            files: up to 10 files: local paths (their content is copied into the outbox now) and
                ``http(s)`` URLs (fetched at delivery, only from public addresses unless
                ``allowed_networks`` opens more).
            key: idempotency key (≤ 256 characters): a second ``put`` with the same key stores
                nothing, and a crash between send and mark does not send the entry twice.

        Raises:
            ValueError, TypeError: a bad argument (named in the message); nothing is stored.
            RemoteAddressError: a file URL names an address that may not be fetched.
            FileNotFoundError, PermissionError: a local file cannot be read.
        """
        recipient = classify_recipient(to, chat_id)
        if text is not None:
            text, mode = check_text("text", text, parse_mode)
        else:
            mode = check_choice("parse_mode", parse_mode or "text", ParseMode)
        if key is not None:
            check_str("key", key, 1, MAX_KEY_LENGTH)
        items, blobs = self._files(files)
        if text is None and not items:
            raise ValueError("give text, files or both (the message is empty)")
        entry_id, duplicate = self.store.add(recipient, text, str(mode.value), items, blobs, key)
        self._wake.set()
        return Receipt(entry_id, duplicate)

    def _files(self, files: Sequence[Any]) -> tuple[list[dict[str, Any]], list[bytes]]:
        if isinstance(files, (str, bytes, os.PathLike)) or not isinstance(files, Sequence):
            raise TypeError(f"files must be a list of paths or URLs, not {type_name(files)}")
        if len(files) > MAX_FILES:
            raise ValueError(f"files holds {len(files)} files; the limit is {MAX_FILES}")
        items: list[dict[str, Any]] = []
        blobs: list[bytes] = []
        for index, value in enumerate(files):
            name = f"files[{index}]"
            if isinstance(value, str) and value.lower().startswith(("http://", "https://")):
                try:
                    RemoteFile(value, allowed_networks=self.options.allowed_networks)
                except RemoteAddressError as exc:
                    raise RemoteAddressError(name, exc.url, exc.address) from None
                except ValueError:
                    raise ValueError(f"{name} must be an http(s) URL with a host name") from None
                items.append({"url": value})
            elif isinstance(value, (str, os.PathLike)):
                path = Path(os.fspath(value))
                size = path.stat().st_size
                if size > self.options.max_file_size:
                    raise ValueError(f"{name} is {size:,} bytes; the limit is max_file_size "
                                     f"{self.options.max_file_size:,}")
                blobs.append(path.read_bytes())
                items.append({"blob": True, "name": path.name})
            else:
                raise TypeError(f"{name} must be a path or an http(s) URL, not {type_name(value)}")
        return items, blobs

    # ---- inspecting and managing ---------------------------------------------------------------

    def entries(self, state: str | None = None, *, limit: int | None = None,
                ids: Sequence[int] | None = None) -> list[Entry]:
        """Stored entries, oldest first: all, or ``"pending"``, ``"sent"`` or ``"dead"`` ones."""
        return self.store.entries(state, limit=limit, ids=ids)

    def stats(self) -> OutboxStats:
        """Entries per state, the oldest pending entry's age, delivered and dead-lettered totals."""
        return self.store.stats()

    def retry(self, ids: Sequence[int] | None = None) -> int:
        """Queue dead letters (all, or these ids) again with fresh attempts; return how many."""
        count = self.store.retry(ids)
        self._wake.set()
        return count

    def purge(self, state: str = "sent", *, older_than: float = 0.0, ids: Sequence[int] | None = None) -> int:
        """Delete ``"sent"`` or ``"dead"`` entries finished ``older_than`` seconds ago or more."""
        return self.store.purge(state, older_than=older_than, ids=ids)

    # ---- delivering --------------------------------------------------------------------------

    def start(self, client: Client) -> None:
        """Start the delivery thread sending through ``client`` (which it connects when needed).

        Raises:
            RuntimeError: already started, or another process delivers this outbox.
        """
        if self._thread is not None:
            raise RuntimeError("this outbox is already being delivered")
        self._lock_delivery()
        self._stopping.clear()
        courier = Courier(self.store, client, self.options)
        self._thread = threading.Thread(target=self._run, args=(courier,), name=f"outbox-{self.path.name}",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the delivery thread (the entry being sent finishes first, within ``timeout``)."""
        self._stopping.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
        self._unlock_delivery()

    def close(self) -> None:
        """Stop delivering and close the database."""
        self.stop()
        self.store.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def deliver_pending(self, client: Client, *, timeout: float = 60.0) -> int:
        """Deliver every due entry in this thread (no delivery thread needed); return how many were sent.

        Stops at the first outage (raising its error's text as ``ConnectionError``), or after
        ``timeout`` seconds. For scripts that queue and flush in one go, and for tests.
        """
        courier = Courier(self.store, client, self.options)
        deadline = time.monotonic() + timeout
        sent = 0
        while time.monotonic() < deadline and (heads := self.store.due_heads(time.time(), self.batch)):
            try:
                sent += courier.deliver_batch(heads)
            except Outage as exc:
                raise ConnectionError(f"outbox: server unreachable: {exc}") from None
        return sent

    def _run(self, courier: Courier) -> None:
        delay = self.options.backoff_base
        last_purge = 0.0
        while not self._stopping.is_set():
            now = time.time()
            if self.keep_sent and now - last_purge > 3600:
                last_purge = now
                self.store.purge("sent", older_than=self.keep_sent)
            heads = self.store.due_heads(now, self.batch)
            if not heads:
                wakeup = self.store.next_wakeup()
                wait = self.poll_interval if wakeup is None else min(self.poll_interval, max(0.0, wakeup - now))
                self._sleep(wait)
                continue
            try:
                courier.deliver_batch(heads)
            except Outage as exc:
                if self.outage_since is None:
                    self.outage_since = now
                    log.warning("outbox: TrueConf server unreachable, pausing delivery: %s", exc)
                self.last_outage = str(exc)
                self._sleep(delay)
                delay = min(max(delay * 2, 0.001), self.outage_max_delay)
                continue
            except Exception:
                log.exception("outbox: unexpected error delivering entries %s", [e.id for e in heads])
                self._sleep(delay)
                continue
            if self.outage_since is not None:
                log.warning("outbox: TrueConf server reachable again after %.1f s", now - self.outage_since)
                self.outage_since = None
            delay = self.options.backoff_base

    def _sleep(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()

    @property
    def delivering(self) -> bool:
        """True while the delivery thread runs."""
        return self._thread is not None and self._thread.is_alive()

    def _lock_delivery(self) -> None:
        # One deliverer per outbox file: two would send entries twice. An OS lock is released
        # when its process dies, even by kill -9, so a restarted relay never finds a stale lock.
        handle = open(f"{self.path}.lock", "ab")  # noqa: SIM115 - held for the delivery's lifetime
        try:
            import fcntl
        except ImportError:  # Windows: no lock; run one deliverer
            self._lock_file = handle
            return
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise RuntimeError(f"another process is delivering the outbox {self.path}") from None
        self._lock_file = handle

    def _unlock_delivery(self) -> None:
        handle, self._lock_file = self._lock_file, None
        if handle is not None:
            handle.close()


