"""What a model's shortcuts need of the client that received it: the :class:`BoundClient` Protocol.

``message.reply(...)``, ``answer``, ``forward``, ``edit``, ``delete`` and ``download`` call these
methods of the client the message is bound to (:func:`~trueconf_sync.api.models.binding.bind_client`).
The models know only this Protocol, never :class:`~trueconf_sync.Client` (the API layer sits below
the client and imports nothing above it, not even for typing); ``Client`` satisfies it, which
mypy checks where the client binds its results (``bind_client(result, self)`` in ``client.py``).

The members are read-only attributes of callable type rather than methods: on the client they are
descriptors (rows of the method table, file methods) whose call signatures are the method's own,
and the shortcuts pass their keywords through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .results import EditedMessage, SentMessage

__all__ = ["BoundClient"]


class BoundClient(Protocol):
    """The client methods a bound :class:`~trueconf_sync.models.Message` calls."""

    @property
    def send_message(self) -> Callable[..., SentMessage]:
        """``send_message(chat_id, text, **kwargs)``: ``reply`` and ``answer``."""

    @property
    def forward_message(self) -> Callable[..., SentMessage]:
        """``forward_message(chat_id, message_id, **kwargs)``: ``forward``."""

    @property
    def edit_message(self) -> Callable[..., EditedMessage]:
        """``edit_message(message_id, text, **kwargs)``: ``edit``."""

    @property
    def remove_message(self) -> Callable[..., None]:
        """``remove_message(message_id, for_all=..., **kwargs)``: ``delete``."""

    @property
    def download_file(self) -> Callable[..., Any]:
        """``download_file(file_id, destination, **kwargs)``: ``download``."""
