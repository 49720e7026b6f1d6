"""The outbox's SQLite file: the schema and every read and write, each one transaction.

Plain storage with no network and no client: :mod:`.delivery` decides what to send and when, and
calls in here to record it. The database runs in WAL mode so readers (``outbox list``, ``/healthz``)
never block the writers, and several processes may write (``send --queue`` next to a running
relay); ``busy_timeout`` makes a writer wait for another's transaction instead of failing.

Rows of ``entries`` move ``pending`` -> ``sent`` or ``pending`` -> ``dead`` (-> ``pending`` again on
retry). An entry is made of *parts* (its text, or its files with the text as the first caption);
``done`` counts the parts the server has answered, each recorded in its own commit right after the
answer. Nothing is written before a part is sent (one commit per message, not two): the one part
that may have been sent without its answer being recorded is found again by :mod:`.delivery`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

__all__ = ["DEAD", "PENDING", "SENT", "Entry", "OutboxStats", "Store"]

PENDING, SENT, DEAD = "pending", "sent", "dead"
STATES = (PENDING, SENT, DEAD)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient   TEXT NOT NULL,
    text        TEXT,
    parse_mode  TEXT NOT NULL DEFAULT 'text',
    files       TEXT NOT NULL DEFAULT '[]',
    key         TEXT UNIQUE,
    state       TEXT NOT NULL DEFAULT 'pending',
    created     REAL NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_try    REAL NOT NULL DEFAULT 0,
    done        INTEGER NOT NULL DEFAULT 0,
    chat_id     TEXT,
    message_ids TEXT NOT NULL DEFAULT '[]',
    finished    REAL,
    error       TEXT
);
CREATE INDEX IF NOT EXISTS entries_queue ON entries (state, recipient, id);
CREATE INDEX IF NOT EXISTS entries_pending ON entries (state, id);
CREATE TABLE IF NOT EXISTS blobs (id INTEGER PRIMARY KEY AUTOINCREMENT, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS p2p (user TEXT PRIMARY KEY, chat_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS anchors (chat_id TEXT PRIMARY KEY, message_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""


@attrs.frozen
class Entry:
    """One accepted message as stored (a snapshot; the row may change after it was read).

    ``recipient`` is ``"user:<login or id>"`` or ``"chat:<chat id>"``; ``files`` holds
    ``{"url": ...}`` or ``{"blob": id, "name": ...}`` items; ``message_ids`` the server's ids of
    the parts delivered so far.
    """

    id: int
    recipient: str
    text: str | None
    parse_mode: str
    files: tuple[dict[str, Any], ...]
    key: str | None
    state: str
    created: float
    attempts: int
    next_try: float
    done: int
    chat_id: str | None
    message_ids: tuple[str, ...]
    finished: float | None
    error: str | None

    @property
    def parts(self) -> int:
        """How many server messages the entry is sent as (the text, or one per file)."""
        return len(self.files) or 1

    def as_dict(self) -> dict[str, Any]:
        """The entry as JSON-ready data (file contents left out)."""
        data = attrs.asdict(self)
        data["files"] = [{k: v for k, v in item.items() if k != "blob"} for item in self.files]
        data["message_ids"] = list(self.message_ids)
        return data


@attrs.frozen
class OutboxStats:
    """Counts for ``/healthz`` and ``/metrics``: entries per state, the oldest pending entry's age."""

    pending: int
    sent: int
    dead: int
    oldest_pending_age: float | None
    delivered_total: int
    dead_total: int


def _entry(row: sqlite3.Row) -> Entry:
    return Entry(
        id=row["id"], recipient=row["recipient"], text=row["text"], parse_mode=row["parse_mode"],
        files=tuple(json.loads(row["files"])), key=row["key"], state=row["state"], created=row["created"],
        attempts=row["attempts"], next_try=row["next_try"], done=row["done"], chat_id=row["chat_id"],
        message_ids=tuple(json.loads(row["message_ids"])),
        finished=row["finished"], error=row["error"])


class Store:
    """The SQLite file of one outbox. Thread-safe: one connection, used under a lock.

    ``synchronous="FULL"`` (default) makes every commit reach the disk before it returns, so an
    accepted entry survives a power cut too; ``"NORMAL"`` survives a killed process (WAL) and is
    faster.
    """

    def __init__(self, path: str | Path, *, synchronous: str = "FULL", busy_timeout: float = 30.0) -> None:
        if synchronous.upper() not in ("FULL", "NORMAL", "EXTRA"):
            raise ValueError(f"synchronous must be FULL, NORMAL or EXTRA, got {synchronous!r}")
        self.path = Path(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(self.path), timeout=busy_timeout, isolation_level=None,
                                   check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise OSError(f"outbox {self.path}: SQLite could not switch to WAL mode (got {mode!r})")
        self._db.execute(f"PRAGMA synchronous={synchronous.upper()}")
        with self._lock:
            self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection (idempotent)."""
        with self._lock:
            self._db.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # BEGIN IMMEDIATE takes the write lock at once, so two processes never deadlock upgrading.
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _read(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # ---- accepting ---------------------------------------------------------------------------

    def add(self, recipient: str, text: str | None, parse_mode: str, files: list[dict[str, Any]],
            blobs: list[bytes], key: str | None) -> tuple[int, bool]:
        """Store a new entry (its file contents in ``blobs``, referenced in order by ``files`` items
        with ``"blob": True``); return ``(id, False)``, or ``(existing id, True)`` for a known key."""
        with self._write() as db:
            if key is not None:
                row = db.execute("SELECT id FROM entries WHERE key = ?", (key,)).fetchone()
                if row is not None:
                    return int(row["id"]), True
            stored = []
            contents = iter(blobs)
            for item in files:
                if item.get("blob") is True:
                    cursor = db.execute("INSERT INTO blobs (data) VALUES (?)", (next(contents),))
                    item = {**item, "blob": cursor.lastrowid}
                stored.append(item)
            cursor = db.execute(
                "INSERT INTO entries (recipient, text, parse_mode, files, key, created) VALUES (?, ?, ?, ?, ?, ?)",
                (recipient, text, parse_mode, json.dumps(stored), key, time.time()))
            return int(cursor.lastrowid or 0), False

    def blob(self, blob_id: int) -> bytes:
        """The content of a stored file."""
        rows = self._read("SELECT data FROM blobs WHERE id = ?", (blob_id,))
        if not rows:
            raise LookupError(f"outbox blob {blob_id} is missing")
        return bytes(rows[0]["data"])

    # ---- delivering --------------------------------------------------------------------------

    def due_heads(self, now: float, limit: int) -> list[Entry]:
        """Up to ``limit`` due queue heads (so: of different recipients), oldest first."""
        rows = self._read(
            "SELECT * FROM entries AS e WHERE state = 'pending' AND next_try <= ? AND NOT EXISTS "
            "(SELECT 1 FROM entries AS o WHERE o.state = 'pending' AND o.recipient = e.recipient AND o.id < e.id) "
            "ORDER BY id LIMIT ?", (now, limit))
        return [_entry(row) for row in rows]

    def next_due(self, now: float) -> Entry | None:
        """The oldest pending entry that heads its recipient's queue and is due (order per recipient).

        Walks pending entries in id order (index ``entries_pending``) and stops at the first one
        with no older pending entry of its recipient (index ``entries_queue``): usually the very
        first row, so the cost does not grow with the queue.
        """
        rows = self._read(
            "SELECT * FROM entries AS e WHERE state = 'pending' AND next_try <= ? AND NOT EXISTS "
            "(SELECT 1 FROM entries AS o WHERE o.state = 'pending' AND o.recipient = e.recipient AND o.id < e.id) "
            "ORDER BY id LIMIT 1", (now,))
        return _entry(rows[0]) if rows else None

    def next_wakeup(self) -> float | None:
        """When the earliest waiting recipient queue becomes due (None: nothing pending)."""
        rows = self._read(
            "SELECT MIN(next_try) AS t FROM entries AS e WHERE state = 'pending' AND NOT EXISTS "
            "(SELECT 1 FROM entries AS o WHERE o.state = 'pending' AND o.recipient = e.recipient AND o.id < e.id)")
        value = rows[0]["t"] if rows else None
        return float(value) if value is not None else None

    def get(self, entry_id: int) -> Entry | None:
        """One entry by id."""
        rows = self._read("SELECT * FROM entries WHERE id = ?", (entry_id,))
        return _entry(rows[0]) if rows else None

    def finish_part(self, entry_id: int, chat_id: str, message_ids: Sequence[str], *, last: bool) -> None:
        """Record the server's answer to the entry's next part (``last``: the entry is now sent)."""
        with self._write() as db:
            row = db.execute("SELECT message_ids FROM entries WHERE id = ?", (entry_id,)).fetchone()
            known = json.loads(row["message_ids"]) if row is not None else []
            db.execute(
                "UPDATE entries SET done = done + 1, message_ids = ?, chat_id = ?, error = NULL, "
                "state = CASE WHEN ? THEN 'sent' ELSE state END, finished = CASE WHEN ? THEN ? ELSE finished END "
                "WHERE id = ?", (json.dumps(known + list(message_ids)), chat_id, last, last, time.time(), entry_id))
            if message_ids:
                db.execute("INSERT OR REPLACE INTO anchors (chat_id, message_id) VALUES (?, ?)",
                           (chat_id, message_ids[-1]))
            if last:
                self._count(db, "delivered")

    def finish_many(self, answered: Sequence[tuple[int, str, list[str]]]) -> None:
        """Record single-part entries as sent, all in one commit: ``(entry id, chat id, message ids)``."""
        if not answered:
            return
        now = time.time()
        with self._write() as db:
            for entry_id, chat_id, message_ids in answered:
                db.execute("UPDATE entries SET done = done + 1, message_ids = ?, chat_id = ?, error = NULL, "
                           "state = 'sent', finished = ? WHERE id = ?",
                           (json.dumps(message_ids), chat_id, now, entry_id))
                db.execute("INSERT OR REPLACE INTO anchors (chat_id, message_id) VALUES (?, ?)",
                           (chat_id, message_ids[-1]))
            db.execute("INSERT INTO counters (name, value) VALUES ('delivered', ?) "
                       "ON CONFLICT(name) DO UPDATE SET value = value + ?", (len(answered), len(answered)))

    def fail(self, entry_id: int, error: str, *, dead: bool, next_try: float = 0.0, count: bool = True) -> None:
        """Record a failed try: dead letter, or retry at ``next_try`` (``count``: it used an attempt)."""
        with self._write() as db:
            db.execute(
                "UPDATE entries SET error = ?, attempts = attempts + ?, next_try = ?, "
                "state = CASE WHEN ? THEN 'dead' ELSE state END, finished = CASE WHEN ? THEN ? ELSE finished END "
                "WHERE id = ?", (error, int(count), next_try, dead, dead, time.time(), entry_id))
            if dead:
                self._count(db, "dead")

    def anchor(self, chat_id: str) -> str | None:
        """The last message this outbox recorded as delivered into ``chat_id``."""
        rows = self._read("SELECT message_id FROM anchors WHERE chat_id = ?", (chat_id,))
        return str(rows[0]["message_id"]) if rows else None

    def p2p_chat(self, user: str) -> str | None:
        """The cached personal chat with ``user`` (a login or TrueConf ID, compared lower-case)."""
        rows = self._read("SELECT chat_id FROM p2p WHERE user = ?", (user.lower(),))
        return str(rows[0]["chat_id"]) if rows else None

    def remember_p2p(self, user: str, chat_id: str | None) -> None:
        """Cache (or, with ``None``, forget) the personal chat with ``user``."""
        with self._write() as db:
            if chat_id is None:
                db.execute("DELETE FROM p2p WHERE user = ?", (user.lower(),))
            else:
                db.execute("INSERT OR REPLACE INTO p2p (user, chat_id) VALUES (?, ?)", (user.lower(), chat_id))

    @staticmethod
    def _count(db: sqlite3.Connection, name: str) -> None:
        db.execute("INSERT INTO counters (name, value) VALUES (?, 1) "
                   "ON CONFLICT(name) DO UPDATE SET value = value + 1", (name,))

    # ---- inspecting and managing -------------------------------------------------------------

    def entries(self, state: str | None = None, *, limit: int | None = None,
                ids: Sequence[int] | None = None) -> list[Entry]:
        """Entries (of one state; with these ids), oldest first."""
        where: list[str] = ["1 = 1"]
        args: list[Any] = []
        if state is not None:
            where.append("state = ?")
            args.append(state)
        if ids is not None:
            where.append(f"id IN ({','.join('?' * len(ids))})")
            args.extend(ids)
        sql = f"SELECT * FROM entries WHERE {' AND '.join(where)} ORDER BY id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [_entry(row) for row in self._read(sql, args)]

    def stats(self, now: float | None = None) -> OutboxStats:
        """Entries per state, the oldest pending entry's age and the lifetime counters."""
        counts = {state: 0 for state in STATES}
        for row in self._read("SELECT state, COUNT(*) AS n FROM entries GROUP BY state"):
            counts[row["state"]] = int(row["n"])
        oldest = self._read("SELECT MIN(created) AS t FROM entries WHERE state = 'pending'")[0]["t"]
        totals = {row["name"]: int(row["value"]) for row in self._read("SELECT name, value FROM counters")}
        age = None if oldest is None else max(0.0, (now if now is not None else time.time()) - float(oldest))
        return OutboxStats(pending=counts[PENDING], sent=counts[SENT], dead=counts[DEAD], oldest_pending_age=age,
                           delivered_total=totals.get("delivered", 0), dead_total=totals.get("dead", 0))

    def retry(self, ids: Sequence[int] | None = None) -> int:
        """Put dead letters (all, or these ids) back in the queue with fresh attempts; return how many."""
        with self._write() as db:
            sql = ("UPDATE entries SET state = 'pending', attempts = 0, next_try = 0, finished = NULL "
                   "WHERE state = 'dead'")
            args: list[Any] = []
            if ids is not None:
                sql += f" AND id IN ({','.join('?' * len(ids))})"
                args = list(ids)
            return db.execute(sql, args).rowcount

    def purge(self, state: str, *, older_than: float = 0.0, ids: Sequence[int] | None = None) -> int:
        """Delete ``sent`` or ``dead`` entries finished more than ``older_than`` seconds ago; return how many.

        Pending entries are never purged (that would lose them). Their stored files go with them.
        """
        if state not in (SENT, DEAD):
            raise ValueError(f"state must be {SENT!r} or {DEAD!r} (pending entries are never purged), got {state!r}")
        where = "state = ? AND finished <= ?"
        args: list[Any] = [state, time.time() - older_than]
        if ids is not None:
            where += f" AND id IN ({','.join('?' * len(ids))})"
            args.extend(ids)
        with self._write() as db:
            doomed = db.execute(f"SELECT files FROM entries WHERE {where}", args).fetchall()
            blob_ids = [item["blob"] for row in doomed for item in json.loads(row["files"]) if "blob" in item]
            for blob_id in blob_ids:
                db.execute("DELETE FROM blobs WHERE id = ?", (blob_id,))
            return db.execute(f"DELETE FROM entries WHERE {where}", args).rowcount
