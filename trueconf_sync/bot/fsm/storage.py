"""The storage interface of dialog state, and the key it is stored under.

A storage keeps, per :class:`StorageKey` (bot, chat, user), a state name (``str`` or ``None``)
and a data dict. Any object with the methods of :class:`Storage` works; every method is called
from handler threads, possibly at the same time for different keys, so it must be thread-safe.
Data must survive a JSON round trip (str keys; str, int, float, bool, None, lists, dicts) so that
bots can switch storages freely.

Plugging in Redis (sketch; needs the ``redis`` package)::

    class RedisStorage(Storage):
        def __init__(self, redis):
            self.r = redis

        def _k(self, key, part):
            return f"fsm:{key.bot_id}:{key.chat_id}:{key.user_id}:{part}"

        def get_state(self, key):
            value = self.r.get(self._k(key, "state"))
            return value.decode() if value is not None else None

        def set_state(self, key, state):
            if state is None: self.r.delete(self._k(key, "state"))
            else: self.r.set(self._k(key, "state"), state)

        def get_data(self, key):
            value = self.r.get(self._k(key, "data"))
            return json.loads(value) if value else {}

        def set_data(self, key, data):
            self.r.set(self._k(key, "data"), json.dumps(data))

        def update_data(self, key, updates):  # atomic: optimistic WATCH/MULTI loop
            name = self._k(key, "data")
            with self.r.pipeline() as pipe:
                while True:
                    try:
                        pipe.watch(name)
                        data = json.loads(pipe.get(name) or "{}")
                        data.update(updates)
                        pipe.multi()
                        pipe.set(name, json.dumps(data))
                        pipe.execute()
                        return data
                    except redis.WatchError:
                        continue
"""

from __future__ import annotations

import enum
import json
from abc import abstractmethod
from collections.abc import Mapping
from typing import Any, Literal, Protocol, runtime_checkable

import attrs

__all__ = ["DEFAULT_DESTINY", "FSMStrategy", "KeyStrategy", "Storage", "StorageKey", "check_json", "make_key"]


class FSMStrategy(str, enum.Enum):
    """How events map to keys (the official SDK's names; the plain strings work too)."""

    #: One dialog per user in each chat (the default).
    USER_IN_CHAT = "user_in_chat"
    #: One dialog per chat, shared by its members.
    CHAT = "chat"
    #: One dialog per user across all chats.
    GLOBAL_USER = "global_user"


#: ``"user_in_chat"``, ``"chat"``, ``"global_user"`` or the :class:`FSMStrategy` member.
KeyStrategy = Literal["user_in_chat", "chat", "global_user"] | FSMStrategy

#: The destiny of the dialog every handler's ``state`` is (other destinies: parallel dialogs).
DEFAULT_DESTINY = "default"


@attrs.frozen
class StorageKey:
    """Where one dialog is stored: the bot's id, the chat and the user (``""`` when not applicable),
    and its ``destiny`` (a name for a second, independent dialog under the same bot/chat/user)."""

    bot_id: str
    chat_id: str
    user_id: str
    destiny: str = DEFAULT_DESTINY


def make_key(strategy: KeyStrategy, bot_id: str, chat_id: str, user_id: str,
             destiny: str = DEFAULT_DESTINY) -> StorageKey:
    """The key of an event under ``strategy``; a user-less event (``user_id=""``) gets the chat's slot."""
    strategy = FSMStrategy(strategy)
    if strategy is FSMStrategy.CHAT or not user_id:
        return StorageKey(bot_id, chat_id, "", destiny)
    if strategy is FSMStrategy.GLOBAL_USER:
        return StorageKey(bot_id, "", user_id, destiny)
    return StorageKey(bot_id, chat_id, user_id, destiny)


def check_json(data: Mapping[str, Any]) -> str:
    """``data`` as JSON text. Raises TypeError naming the first key whose value is not JSON."""
    if not isinstance(data, Mapping):
        raise TypeError(f"state data must be a dict, got {type(data).__name__}")
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        for name, value in data.items():
            if not isinstance(name, str):
                raise TypeError(f"state data keys must be str, got {name!r}") from None
            try:
                json.dumps(value)
            except (TypeError, ValueError) as exc:
                raise TypeError(f"state data {name!r} is not JSON-serialisable: {exc}") from None
        raise


@runtime_checkable
class Storage(Protocol):
    """What the dispatcher needs from a storage; every method must be thread-safe.

    Subclass it to get :meth:`clear` and :meth:`close` for free (the other methods are abstract);
    any object with these methods works as well.
    """

    @abstractmethod
    def get_state(self, key: StorageKey) -> str | None:
        """The state name, or None."""

    @abstractmethod
    def set_state(self, key: StorageKey, state: str | None) -> None:
        """Set (or with None remove) the state name."""

    @abstractmethod
    def get_data(self, key: StorageKey) -> dict[str, Any]:
        """A copy of the data dict ({} when none)."""

    @abstractmethod
    def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        """Replace the data dict."""

    @abstractmethod
    def update_data(self, key: StorageKey, updates: Mapping[str, Any]) -> dict[str, Any]:
        """Merge ``updates`` into the data atomically; return the new data."""

    def clear(self, key: StorageKey) -> None:
        """Remove state and data."""
        self.set_state(key, None)
        self.set_data(key, {})

    def close(self) -> None:
        """Release resources (files, connections); nothing to do by default."""
        return None
