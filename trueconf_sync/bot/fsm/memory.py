"""``MemoryStorage``: dialog state in a dict, lost when the process ends (the default)."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from .storage import Storage, StorageKey, check_json

__all__ = ["MemoryStorage"]


class MemoryStorage(Storage):
    """Thread-safe in-memory storage. Data is kept as JSON text, so callers always get a fresh copy
    and non-JSON values are refused at once (as a persistent storage would)."""

    def __init__(self) -> None:
        self._states: dict[StorageKey, str] = {}
        self._data: dict[StorageKey, str] = {}
        self._lock = threading.Lock()

    def get_state(self, key: StorageKey) -> str | None:
        """The state name, or None."""
        with self._lock:
            return self._states.get(key)

    def set_state(self, key: StorageKey, state: str | None) -> None:
        """Set (or with None remove) the state name."""
        with self._lock:
            if state is None:
                self._states.pop(key, None)
            else:
                self._states[key] = state

    def get_data(self, key: StorageKey) -> dict[str, Any]:
        """A copy of the data dict ({} when none)."""
        with self._lock:
            text = self._data.get(key)
        return json.loads(text) if text else {}

    def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the data dict."""
        text = check_json(data)
        with self._lock:
            if data:
                self._data[key] = text
            else:
                self._data.pop(key, None)

    def update_data(self, key: StorageKey, updates: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``updates`` into the data atomically; return the new data."""
        check_json(updates)
        with self._lock:
            text = self._data.get(key)
            data: dict[str, Any] = json.loads(text) if text else {}
            data.update(updates)
            self._data[key] = check_json(data)
        return data

    def __len__(self) -> int:
        """Number of keys holding a state or data."""
        with self._lock:
            return len(self._states.keys() | self._data.keys())
