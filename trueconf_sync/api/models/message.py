"""A chat message: the protocol's Envelope (PROTOCOL §5.1, §12.2, §12.3)."""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Any

import attrs

from ...enums import ChatType, EnvelopeType, ParseMode
from .base import Author, Box, ChatRef, Millis, Model, millis_to_datetime
from .bound import BoundClient
from .content import AttachmentContent, Content, TextContent, UnknownContent, VoiceContent
from .quoting import Contact, parse_contact_link, split_quote

if TYPE_CHECKING:
    from ...text.keyboard import InlineKeyboard
    from .results import EditedMessage, SentMessage

__all__ = ["Message"]


@attrs.frozen
class Message(Model):
    """One message (Envelope), as delivered in events, history and ``get_message_by_id``.

    ``content`` depends on ``type``: :class:`TextContent` for 200, the original :class:`Message`
    for a forward (201), :class:`AttachmentContent` for 202, and so on; unknown types give
    :class:`UnknownContent`. ``chat_id`` is filled from the ``chat`` object when the flat key is
    missing, so both envelope shapes (flat and 5.5.6) read the same. ``timestamp`` is Unix ms.
    """

    message_id: str = ""
    chat_id: str = ""
    timestamp: Millis = Millis(0)
    author: Author = attrs.field(factory=Author)
    type: EnvelopeType = EnvelopeType.PLAIN_MESSAGE
    content: Content = attrs.field(factory=UnknownContent)
    reply_message_id: str | None = None
    is_edited: bool = False
    box: Box | None = None
    chat: ChatRef | None = None
    reply_message: Message | None = attrs.field(default=None, repr=False)
    #: The client that received this message (set on delivery; enables the shortcuts below).
    client: BoundClient | None = attrs.field(default=None, repr=False, eq=False, kw_only=True)

    def _client(self) -> BoundClient:
        client = self.client
        if client is None:
            raise RuntimeError("this message is not bound to a client; call the client's methods instead")
        return client

    def reply(self, text: Any, **kwargs: Any) -> SentMessage:
        """Send ``text`` to this message's chat as a reply to it (``send_message`` keywords apply)."""
        return self._client().send_message(self.chat_id, text, reply_message_id=self.message_id, **kwargs)

    def answer(self, text: Any, **kwargs: Any) -> SentMessage:
        """Send ``text`` to this message's chat, not as a reply (``send_message`` keywords apply)."""
        return self._client().send_message(self.chat_id, text, **kwargs)

    def forward(self, chat_id: str, **kwargs: Any) -> SentMessage:
        """Forward this message into chat ``chat_id``."""
        return self._client().forward_message(chat_id, self.message_id, **kwargs)

    def delete(self, *, for_all: bool = False, **kwargs: Any) -> None:
        """Delete this message, for everybody (``for_all=True``) or only for the bot."""
        self._client().remove_message(self.message_id, for_all=for_all, **kwargs)

    def edit(self, text: Any, **kwargs: Any) -> EditedMessage:
        """Replace the text of this message (only the bot's own messages can be edited)."""
        return self._client().edit_message(self.message_id, text, **kwargs)

    def download(self, destination: Any, **kwargs: Any) -> Any:
        """Download the file of this message (attachment, photo, sticker, voice; also inside a forward).

        ``destination`` and keywords as in ``client.download_file``: a file path, a directory (the
        file keeps its sanitised name) or a writable binary file object. Returns the path or the
        object. Raises ValueError when the message carries no file.
        """
        content: Any = self.content.content if isinstance(self.content, Message) else self.content
        file_id = getattr(content, "file_id", None) if isinstance(content, (AttachmentContent, VoiceContent)) else None
        if not file_id:
            raise ValueError(f"message {self.message_id} has no file to download (type {int(self.type)})")
        return self._client().download_file(file_id, destination, **kwargs)

    def _text_part(self) -> TextContent | None:
        """The text content of a plain message, looking through a forward; else ``None``."""
        content = self.content
        if isinstance(content, Message):
            return content._text_part()
        return content if isinstance(content, TextContent) else None

    @property
    def text(self) -> str | None:
        """The text of a plain message (also of a forwarded one), else ``None``."""
        part = self._text_part()
        return part.text if part is not None else None

    @property
    def parse_mode(self) -> ParseMode | None:
        """The parse mode of a text message (also of a forwarded one), else ``None``."""
        part = self._text_part()
        return part.parse_mode if part is not None else None

    @property
    def quote(self) -> str | None:
        """The quoted part of a reply (PROTOCOL §12.3), as plain text, or ``None``."""
        text, mode = self.text, self.parse_mode
        return split_quote(text, str(mode.value))[0] if text is not None and mode is not None else None

    @property
    def text_without_quote(self) -> str | None:
        """The text after a reply's quote block (the whole text when there is no quote)."""
        text, mode = self.text, self.parse_mode
        return split_quote(text, str(mode.value))[1] if text is not None and mode is not None else None

    @property
    def contact(self) -> Contact | None:
        """A shared contact when the text is exactly one TrueConf profile link (§12.9), else None.

        Contacts shared as vCard attachments (``text/vcard``) are files: read them with
        ``message.download(io.BytesIO())``.
        """
        text = self.text
        return parse_contact_link(text) if text is not None and self.parse_mode == "html" else None

    @property
    def keyboard(self) -> InlineKeyboard | None:
        """The inline buttons of a text message, else ``None``."""
        content = self.content
        return content.keyboard if isinstance(content, TextContent) else None

    @property
    def is_system(self) -> bool:
        """True for system envelopes (type < 200: participant added, title changed...)."""
        return int(self.type) < 200

    @property
    def is_forward(self) -> bool:
        """True when this message forwards another one (``content`` is that :class:`Message`)."""
        return isinstance(self.content, Message)

    @property
    def attachment(self) -> AttachmentContent | None:
        """The file of an attachment message, else ``None``."""
        return self.content if isinstance(self.content, AttachmentContent) else None

    @property
    def chat_type(self) -> ChatType | None:
        """The chat's type when the server sent the ``chat`` object (5.5.6+), else ``None``."""
        return self.chat.chat_type if self.chat is not None else None

    @property
    def datetime(self) -> _dt.datetime:
        """``timestamp`` as an aware UTC datetime."""
        return millis_to_datetime(self.timestamp)

    @property
    def is_unknown(self) -> bool:
        """True when the envelope type is not modelled (see ``raw``)."""
        return isinstance(self.content, UnknownContent)

    def _repr_html_(self) -> str:
        """Jupyter: the message as a one-row table (:mod:`trueconf_sync.display`, imported on use)."""
        from ..display import message_html

        return message_html(self)
