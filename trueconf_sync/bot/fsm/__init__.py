"""Finite-state machine for dialogs: states, the per-(chat, user) context, storages."""

from __future__ import annotations

from .context import FSMContext
from .keys import DefaultKeyBuilder, KeyBuilder
from .memory import MemoryStorage
from .sqlite import SQLiteStorage
from .state import State, StateFilter, StatesGroup, any_state, default_state
from .storage import DEFAULT_DESTINY, FSMStrategy, KeyStrategy, Storage, StorageKey

__all__ = [
    "DEFAULT_DESTINY",
    "DefaultKeyBuilder",
    "FSMContext",
    "FSMStrategy",
    "KeyBuilder",
    "KeyStrategy",
    "MemoryStorage",
    "SQLiteStorage",
    "State",
    "StateFilter",
    "StatesGroup",
    "Storage",
    "StorageKey",
    "any_state",
    "default_state",
]
