"""Key builders: which dialog (:class:`~.storage.StorageKey`) an event belongs to.

By default the :class:`~trueconf_sync.bot.Dispatcher` works the key out itself (including who
clicked a button in a P2P chat, which the click event does not say). A bot ported from the
official SDK may pass its own ``key_builder``: any object with ``build(client, event)`` returning
a :class:`~.storage.StorageKey` (or None: no dialog for this event). The dispatcher then applies its
strategy to the key it got, as the SDK does: ``"chat"`` drops the user, ``"global_user"`` the chat.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from ...api.models import ButtonClicked, Message
from .storage import DEFAULT_DESTINY, StorageKey

__all__ = ["DefaultKeyBuilder", "KeyBuilder"]


@runtime_checkable
class KeyBuilder(Protocol):
    """Anything that maps an event to the key of its dialog."""

    def build(self, client: Any, event: Any) -> StorageKey | None:
        """The key for ``event`` received by ``client``, or None when it has no dialog."""


class DefaultKeyBuilder:
    """The bot's id, the event's chat and author, and a fixed ``destiny``.

    The chat comes from ``chat_id`` (or the message holding a clicked button); the user from a
    message's author. Events without a chat get None (no dialog).

    Args:
        destiny: the dialog's destiny (``"default"``: the one every handler's ``state`` is).
    """

    def __init__(self, destiny: str = DEFAULT_DESTINY) -> None:
        if not isinstance(destiny, str) or not destiny:
            raise ValueError("destiny must be a non-empty str")
        self.destiny = destiny

    def __repr__(self) -> str:
        return f"DefaultKeyBuilder(destiny={self.destiny!r})"

    def build(self, client: Any, event: Any) -> StorageKey | None:
        """See the class docs."""
        message = event.command_source.message if isinstance(event, ButtonClicked) else event
        chat_id = getattr(message, "chat_id", None) or getattr(event, "chat_id", None)
        if not isinstance(chat_id, str) or not chat_id:
            return None
        user_id = message.author.id if isinstance(message, Message) and isinstance(event, Message) else ""
        return StorageKey(str(getattr(client, "user_id", None) or ""), chat_id, user_id, self.destiny)
