"""``SQLiteStorage``: dialog state in an SQLite file (standard library), so a restarted bot keeps
its dialogs. Safe from many threads (one connection behind a lock) and from several processes on
the same file (writes are transactions; ``update_data`` takes the write lock before reading)."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .storage import DEFAULT_DESTINY, Storage, StorageKey, check_json

__all__ = ["SQLiteStorage"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS fsm (
    bot_id TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    state TEXT,
    data TEXT NOT NULL DEFAULT '{}',
    updated REAL NOT NULL,
    PRIMARY KEY (bot_id, chat_id, user_id)
)
"""


class SQLiteStorage(Storage):
    """Keeps each key's state and data (JSON) in one row of table ``fsm``.

    Args:
        path: database file (created when missing), or ``":memory:"``.
        timeout: seconds to wait for another process's write lock.

    Raises:
        sqlite3.Error: the file cannot be opened or is not a database.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = 5.0) -> None:
        self.path = os.fspath(path)
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = sqlite3.connect(
            self.path, timeout=timeout, isolation_level=None, check_same_thread=False)
        with self._lock:
            if self.path != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)

    def __repr__(self) -> str:
        return f"<SQLiteStorage {self.path!r}{' closed' if self._db is None else ''}>"

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = self._db
            if db is None:
                raise RuntimeError("the SQLite storage is closed")
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")

    @staticmethod
    def _bot_column(key: StorageKey) -> str:
        # A destiny other than the default shares the bot_id column ("bot\x1fdestiny"), so files
        # written before destinies existed keep their primary key and stay readable.
        return key.bot_id if key.destiny == DEFAULT_DESTINY else f"{key.bot_id}\x1f{key.destiny}"

    def _row(self, db: sqlite3.Connection, key: StorageKey) -> tuple[str | None, str] | None:
        row: tuple[str | None, str] | None = db.execute(
            "SELECT state, data FROM fsm WHERE bot_id=? AND chat_id=? AND user_id=?",
            (self._bot_column(key), key.chat_id, key.user_id)).fetchone()
        return row

    def _write(self, db: sqlite3.Connection, key: StorageKey, state: str | None, data: str) -> None:
        if state is None and data == "{}":
            db.execute("DELETE FROM fsm WHERE bot_id=? AND chat_id=? AND user_id=?",
                       (self._bot_column(key), key.chat_id, key.user_id))
        else:
            db.execute("INSERT OR REPLACE INTO fsm (bot_id, chat_id, user_id, state, data, updated) "
                       "VALUES (?, ?, ?, ?, ?, ?)",
                       (self._bot_column(key), key.chat_id, key.user_id, state, data, time.time()))

    def get_state(self, key: StorageKey) -> str | None:
        """The state name, or None."""
        with self._transaction() as db:
            row = self._row(db, key)
        return row[0] if row is not None else None

    def set_state(self, key: StorageKey, state: str | None) -> None:
        """Set (or with None remove) the state name."""
        with self._transaction() as db:
            row = self._row(db, key)
            self._write(db, key, state, row[1] if row is not None else "{}")

    def get_data(self, key: StorageKey) -> dict[str, Any]:
        """A copy of the data dict ({} when none)."""
        with self._transaction() as db:
            row = self._row(db, key)
        data: dict[str, Any] = json.loads(row[1]) if row is not None else {}
        return data

    def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the data dict."""
        text = check_json(data)
        with self._transaction() as db:
            row = self._row(db, key)
            self._write(db, key, row[0] if row is not None else None, text)

    def update_data(self, key: StorageKey, updates: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``updates`` into the data atomically (also across processes); return the new data."""
        check_json(updates)
        with self._transaction() as db:
            row = self._row(db, key)
            data: dict[str, Any] = json.loads(row[1]) if row is not None else {}
            data.update(updates)
            self._write(db, key, row[0] if row is not None else None, check_json(data))
        return data

    def clear(self, key: StorageKey) -> None:
        """Remove state and data."""
        with self._transaction() as db:
            self._write(db, key, None, "{}")

    def close(self) -> None:
        """Close the database (idempotent); later calls raise RuntimeError."""
        with self._lock:
            db, self._db = self._db, None
        if db is not None:
            db.close()
