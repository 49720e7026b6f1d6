"""What a model's shortcuts need of the client that received it: the :class:`BoundClient` Protocol.

``message.reply(...)``, ``answer``, ``forward``, ``edit``, ``delete``, ``download``, the file
shortcuts (``answer_photo``...), ``copy_to``, ``save_to_favorites`` and the file views call these
methods of the client the message is bound to (:func:`~trueconf_sync.api.models.binding.bind_client`).
The models know only this Protocol, never :class:`~trueconf_sync.Client` (the API layer sits below
the client and imports nothing above it, not even for typing); ``Client`` satisfies it, which
mypy checks where the client binds its results (``bind_client(result, self)`` in ``client.py``).

The members are read-only attributes rather than methods: on the client they are descriptors
(rows of the method table, file methods) whose call signatures are the method's own, each with a
``.future`` form (:class:`~.shortcuts.ClientMethod`); the shortcuts pass keywords through unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from .shortcuts import ClientMethod

if TYPE_CHECKING:
    from .results import EditedMessage, FileInfo, SentFile, SentMessage

__all__ = ["BoundClient"]


class BoundClient(Protocol):
    """The client methods a bound :class:`~trueconf_sync.models.Message` (and its file views) call."""

    @property
    def user_id(self) -> str | None:
        """The bot's own TrueConf ID once authorised: ``message.mention``."""

    @property
    def send_message(self) -> ClientMethod[SentMessage]:
        """``send_message(chat_id, text, **kwargs)``: ``reply``, ``answer``, ``copy_to``."""

    @property
    def forward_message(self) -> ClientMethod[SentMessage]:
        """``forward_message(chat_id, message_id, **kwargs)``: ``forward``, ``save_to_favorites``."""

    @property
    def edit_message(self) -> ClientMethod[EditedMessage]:
        """``edit_message(message_id, text, **kwargs)``: ``edit``."""

    @property
    def remove_message(self) -> ClientMethod[None]:
        """``remove_message(message_id, for_all=..., **kwargs)``: ``delete``."""

    @property
    def download_file(self) -> ClientMethod[Any]:
        """``download_file(file_id, destination, **kwargs)``: ``download``, vCard contacts, ``copy_to``."""

    @property
    def send_file(self) -> ClientMethod[SentFile]:
        """``send_file(chat_id, file, **kwargs)``: ``answer_document``, ``reply_document``, ``copy_to``."""

    @property
    def send_photo(self) -> ClientMethod[SentFile]:
        """``send_photo(chat_id, file, **kwargs)``: ``answer_photo``, ``reply_photo``, ``copy_to``."""

    @property
    def send_sticker(self) -> ClientMethod[SentFile]:
        """``send_sticker(chat_id, file, **kwargs)``: ``answer_sticker``, ``reply_sticker``, ``copy_to``."""

    @property
    def get_file_info(self) -> ClientMethod[FileInfo]:
        """``get_file_info(file_id)``: ``url`` and ``preview_url`` of the file views."""

    @property
    def get_user_display_name(self) -> ClientMethod[str]:
        """``get_user_display_name(user_id)``: ``message.from_user.display_name``."""

    @property
    def create_favorites_chat(self) -> ClientMethod[str]:
        """``create_favorites_chat()``: ``save_to_favorites``."""
