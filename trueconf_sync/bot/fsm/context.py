"""``FSMContext``: the ``state`` a handler asks for — one dialog's state and data in a storage."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .state import State
from .storage import DEFAULT_DESTINY, Storage, StorageKey

__all__ = ["FSMContext"]


class FSMContext:
    """Read and change the dialog of one (chat, user) key. Every call goes to the storage.

    Args:
        storage: where the dialog lives.
        key: which dialog.
    """

    storage: Storage
    key: StorageKey

    def __init__(self, storage: Storage, key: StorageKey) -> None:
        self.storage = storage
        self.key = key

    def __repr__(self) -> str:
        destiny = "" if self.key.destiny == DEFAULT_DESTINY else f" destiny={self.key.destiny!r}"
        return f"<FSMContext chat={self.key.chat_id!r} user={self.key.user_id!r}{destiny}>"

    def with_destiny(self, destiny: str) -> FSMContext:
        """The parallel dialog named ``destiny`` of the same bot, chat and user (same storage)."""
        if not isinstance(destiny, str) or not destiny:
            raise ValueError("destiny must be a non-empty str")
        key = self.key
        return FSMContext(self.storage, StorageKey(key.bot_id, key.chat_id, key.user_id, destiny))

    def get_state(self) -> str | None:
        """The current state name (``"Group:state"``), or None."""
        return self.storage.get_state(self.key)

    def set_state(self, state: State | str | None = None) -> None:
        """Enter ``state`` (a :class:`State` or its name); None leaves the dialog's state (data stays).

        Raises:
            ValueError: a State that is not part of a StatesGroup and has no name.
            TypeError: any other type.
        """
        if isinstance(state, State):
            name = state.name
            if name is None or name == "*":
                raise ValueError(f"cannot enter {state!r}: declare it in a StatesGroup or give it a name")
            state = name
        elif state is not None and not isinstance(state, str):
            raise TypeError(f"state must be a State, a str or None, got {type(state).__name__}")
        self.storage.set_state(self.key, state)

    #: Short alias of :meth:`set_state`.
    set = set_state

    def get_data(self) -> dict[str, Any]:
        """A copy of the dialog's data ({} when none)."""
        return self.storage.get_data(self.key)

    def get_value(self, name: str, default: Any = None) -> Any:
        """One value of the data, or ``default``."""
        return self.get_data().get(name, default)

    def set_data(self, data: Mapping[str, Any]) -> None:
        """Replace the data (values must be JSON-serialisable)."""
        self.storage.set_data(self.key, data)

    def update_data(self, data: Mapping[str, Any] | None = None, **values: Any) -> dict[str, Any]:
        """Merge ``data`` and keyword values into the data atomically; return the new data."""
        updates = {**(data or {}), **values}
        return self.storage.update_data(self.key, updates)

    def clear(self) -> None:
        """End the dialog: remove state and data."""
        self.storage.clear(self.key)
