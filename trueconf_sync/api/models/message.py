"""A chat message: the protocol's Envelope (PROTOCOL §5.1, §12.2, §12.3)."""

from __future__ import annotations

import builtins
import io
import re
import threading
import weakref
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ...enums import ChatType, EnvelopeType, ParseMode
from ...errors import TrueConfError
from ...ids import same_user
from ...logs import get_logger
from .base import Author, Box, ChatRef, Millis, Model, millis_to_datetime
from .bound import BoundClient
from .content import AttachmentContent, Content, LocationContent, TextContent, UnknownContent, VoiceContent
from .media import Audio, Document, FileRef, Photo, Sticker, User, Video, Voice, need_client
from .quoting import Contact, parse_contact_link, split_quote, unescape_html
from .shortcuts import Call, shortcut

if TYPE_CHECKING:
    import datetime as _dt

    from ...text.keyboard import InlineKeyboard
    from .results import EditedMessage, SentFile, SentMessage

__all__ = ["VCARD_MAX_BYTES", "Message"]

log = get_logger("trueconf_sync.models")
F = TypeVar("F", bound=FileRef)

#: MIME types of contacts shared as files; ``.vcf`` files with a generic type count too.
VCARD_TYPES = frozenset({"text/vcard", "text/x-vcard", "text/directory"})
#: vCards larger than this are not downloaded by ``message.contact`` (a card with a photo is ~100 KB).
VCARD_MAX_BYTES = 1024 * 1024
# A mention of somebody in HTML text: the trueconf: link the apps write (PROTOCOL §5.9).
_MENTION_LINK = re.compile(r"""<a\s[^>]*href\s*=\s*["']trueconf:([^"'&?]+)""", re.I)
# The contact read from a vCard attachment, per message object (read once, freed with the message).
_vcard_contacts: dict[int, Contact | None] = {}
_vcard_lock = threading.Lock()


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
        return need_client(self.client)

    # --- the SDK's plumbing names: bot, bind, from_dict, to_dict --------------------------------------

    @property
    def bot(self) -> BoundClient:
        """The client this message is bound to (the SDK's name for ``client``); RuntimeError when unbound."""
        return self._client()

    def bind(self, client: BoundClient) -> Message:
        """Bind this message (and the messages inside it) to ``client``; return it (the SDK's ``bind``)."""
        from .binding import bind_client

        bound: Message = bind_client(self, client)
        return bound

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        """Parse a wire envelope (camelCase JSON object) leniently, as received messages are."""
        from ..converter import structure

        return structure(data, cls)

    def to_dict(self) -> dict[str, Any]:
        """This message as camelCase JSON-ready data (the wire shape)."""
        from ..converter import unstructure

        data: dict[str, Any] = unstructure(self)
        return data

    # --- shortcuts: blocking, each with a .future(...) form (the client method's own) ---------------

    @shortcut
    def reply(self, /, text: Any, parse_mode: Any = None, **kwargs: Any) -> Call[SentMessage]:
        """Send ``text`` to this message's chat as a reply to it (``send_message`` keywords apply)."""
        return Call(self._client().send_message, (self.chat_id, text),
                    _with_mode(kwargs, parse_mode, reply_message_id=self.message_id))

    @shortcut
    def answer(self, /, text: Any, parse_mode: Any = None, **kwargs: Any) -> Call[SentMessage]:
        """Send ``text`` to this message's chat, not as a reply (``send_message`` keywords apply)."""
        return Call(self._client().send_message, (self.chat_id, text), _with_mode(kwargs, parse_mode))

    @shortcut
    def forward(self, /, chat_id: str, **kwargs: Any) -> Call[SentMessage]:
        """Forward this message into chat ``chat_id``."""
        return Call(self._client().forward_message, (chat_id, self.message_id), kwargs)

    @shortcut
    def delete(self, /, *, for_all: bool = False, **kwargs: Any) -> Call[None]:
        """Delete this message, for everybody (``for_all=True``) or only for the bot."""
        return Call(self._client().remove_message, (self.message_id,), {"for_all": for_all, **kwargs})

    @shortcut
    def edit(self, /, text: Any, **kwargs: Any) -> Call[EditedMessage]:
        """Replace the text of this message (only the bot's own messages can be edited)."""
        return Call(self._client().edit_message, (self.message_id, text), kwargs)

    @shortcut
    def download(self, /, destination: Any, **kwargs: Any) -> Call[Any]:
        """Download the file of this message (attachment, photo, sticker, voice; also inside a forward).

        ``destination`` and keywords as in ``client.download_file``: a file path, a directory (the
        file keeps its sanitised name) or a writable binary file object. Returns the path or the
        object. Raises ValueError when the message carries no file.
        """
        content: Any = self.content.content if isinstance(self.content, Message) else self.content
        file_id = getattr(content, "file_id", None) if isinstance(content, (AttachmentContent, VoiceContent)) else None
        if not file_id:
            raise ValueError(f"message {self.message_id} has no file to download (type {int(self.type)})")
        return Call(self._client().download_file, (file_id, destination), kwargs)

    @shortcut
    def answer_photo(self, /, file: Any, preview: Any = None, caption: Any = None, parse_mode: Any = None,
                     **kwargs: Any) -> Call[SentFile]:
        """Send an image to this message's chat (``client.send_photo``; the SDK's argument order)."""
        return Call(self._client().send_photo, (self.chat_id, file),
                    {"preview": preview, "caption": caption, "parse_mode": parse_mode, **kwargs})

    @shortcut
    def answer_document(self, /, file: Any, caption: Any = None, parse_mode: Any = None,
                        **kwargs: Any) -> Call[SentFile]:
        """Send a file as a document to this message's chat (``client.send_file``)."""
        return Call(self._client().send_file, (self.chat_id, file),
                    {"caption": caption, "parse_mode": parse_mode, **kwargs})

    @shortcut
    def answer_sticker(self, /, file: Any, **kwargs: Any) -> Call[SentFile]:
        """Send a WebP sticker to this message's chat (``client.send_sticker``)."""
        return Call(self._client().send_sticker, (self.chat_id, file), kwargs)

    @shortcut
    def reply_photo(self, /, file: Any, preview: Any = None, caption: Any = None, parse_mode: Any = None,
                    **kwargs: Any) -> Call[SentFile]:
        """Send an image as a reply to this message (``client.send_photo``)."""
        return Call(self._client().send_photo, (self.chat_id, file),
                    {"preview": preview, "caption": caption, "parse_mode": parse_mode,
                     "reply_message_id": self.message_id, **kwargs})

    @shortcut
    def reply_document(self, /, file: Any, caption: Any = None, parse_mode: Any = None,
                       **kwargs: Any) -> Call[SentFile]:
        """Send a file as a document, as a reply to this message (``client.send_file``)."""
        return Call(self._client().send_file, (self.chat_id, file),
                    {"caption": caption, "parse_mode": parse_mode, "reply_message_id": self.message_id, **kwargs})

    @shortcut
    def reply_sticker(self, /, file: Any, **kwargs: Any) -> Call[SentFile]:
        """Send a WebP sticker as a reply to this message (``client.send_sticker``)."""
        return Call(self._client().send_sticker, (self.chat_id, file),
                    {"reply_message_id": self.message_id, **kwargs})

    def copy_to(self, chat_id: str, **kwargs: Any) -> SentMessage:
        """Send this message's content to ``chat_id`` again, without the forward header (blocking).

        Text keeps its parse mode; files are downloaded and uploaded again (photos as photos,
        stickers as stickers, others as documents); a forward is copied as its original.
        Locations, surveys and system messages raise ValueError (the API cannot send them).
        Returns the new message (a :class:`~trueconf_sync.models.SentFile` for files).
        """
        from .copying import copy_message

        return copy_message(self, chat_id, **kwargs)

    def save_to_favorites(self, copy: bool = False, **kwargs: Any) -> SentMessage:
        """Forward this message to the bot's Favorites chat (created when missing); ``copy=True``
        sends a copy instead (:meth:`copy_to`). Blocking."""
        favorites = self._client().create_favorites_chat()
        return self.copy_to(favorites, **kwargs) if copy else self.forward(favorites, **kwargs)

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
        """A contact shared in this message (PROTOCOL §12.9), else None.

        Either a text that is exactly one TrueConf profile link (``user_id`` and ``name`` from the
        link), or a vCard file (``text/vcard``, or a ``.vcf`` file): that one is downloaded (blocking,
        once per message object) and read into the same :class:`Contact` with name, phones, e-mails
        and a TrueConf ID when the card has one. A vCard over :data:`VCARD_MAX_BYTES`, or one that
        cannot be downloaded, gives None (the failure is logged at debug level).
        """
        attachment = self.attachment
        if attachment is not None:
            return self._vcard_contact(attachment) if _is_vcard(attachment) else None
        text = self.text
        return parse_contact_link(text) if text is not None and self.parse_mode == "html" else None

    def _vcard_contact(self, attachment: AttachmentContent) -> Contact | None:
        key = id(self)
        with _vcard_lock:
            if key in _vcard_contacts:
                return _vcard_contacts[key]
        client = self._client()
        contact: Contact | None = None
        if 0 < attachment.size <= VCARD_MAX_BYTES or (attachment.size == 0 and attachment.file_id):
            buffer = io.BytesIO()
            try:
                client.download_file(attachment.file_id, buffer)
                contact = Contact.from_vcard(buffer.getvalue()[:VCARD_MAX_BYTES].decode("utf-8", "replace"))
            except TrueConfError as exc:
                log.debug("could not read the vCard of message %s: %s", self.message_id, exc)
        with _vcard_lock:
            if key not in _vcard_contacts:
                _vcard_contacts[key] = contact
                weakref.finalize(self, _vcard_contacts.pop, key, None)
            return _vcard_contacts[key]

    # --- what the message carries, under the official SDK's names ----------------------------------

    @property
    def content_type(self) -> EnvelopeType:
        """The envelope type (the SDK's ``MessageType``); an unknown one stays usable as ``UNKNOWN_<n>``."""
        return self.type

    @property
    def from_user(self) -> User:
        """The author: ``id``, ``type``, ``display_name`` (asks the server) and ``mention`` for formatted text."""
        return User(id=self.author.id, type=self.author.type, raw=self.author.raw, client=self.client)

    @property
    def forwarded_message(self) -> Message | None:
        """The original message when this one is a forward (type 201), else None."""
        return self.content if isinstance(self.content, Message) else None

    @property
    def mention(self) -> bool | None:
        """True when this text message mentions the bot (a ``trueconf:`` link to the bot's own ID)
        or is ``@all``; else None (the official SDK's meaning). Needs a bound message for links."""
        content = self.content
        if not isinstance(content, TextContent):
            return None
        text = content.text.strip()
        if text == "@all":
            return True
        me = self._client().user_id
        if not me:
            return None
        found = any(same_user(unescape_html(link), me, home=me) for link in _MENTION_LINK.findall(text))
        return True if found else None

    def _mime(self) -> str:
        content = self.content
        return content.mime_type.lower() if isinstance(content, AttachmentContent) else ""

    @property
    def photo(self) -> Photo | None:
        """An image attachment (MIME ``image/...``), else None."""
        return _file_view(self, Photo) if self._mime().startswith("image/") else None

    @property
    def video(self) -> Video | None:
        """A video attachment (MIME ``video/...``), else None."""
        return _file_view(self, Video) if self._mime().startswith("video/") else None

    @property
    def audio(self) -> Audio | None:
        """An audio file sent as an attachment (MIME ``audio/...``), else None (voice messages: ``voice``)."""
        return _file_view(self, Audio) if self._mime().startswith("audio/") else None

    @property
    def sticker(self) -> Sticker | None:
        """A sticker (MIME ``sticker/...``), else None."""
        return _file_view(self, Sticker) if self._mime().startswith("sticker/") else None

    @property
    def document(self) -> Document | None:
        """Any other attachment (not image, video, audio or sticker: PDFs, archives, vCards...), else None."""
        if self.attachment is None or self._mime().startswith(("image/", "video/", "audio/", "sticker/")):
            return None
        return _file_view(self, Document)

    @property
    def voice(self) -> Voice | None:
        """A voice message (type 205), else None."""
        content = self.content
        if not isinstance(content, VoiceContent):
            return None
        return Voice(file_id=content.file_id, file_size=content.size, mime_type=content.mime_type,
                     duration=content.duration, client=self.client)

    @property
    def location(self) -> LocationContent | None:
        """A shared location (type 203: ``latitude``, ``longitude``, ``title``), else None."""
        return self.content if isinstance(self.content, LocationContent) else None

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


def _with_mode(kwargs: dict[str, Any], parse_mode: Any, **extra: Any) -> dict[str, Any]:
    """``send_message`` keywords: a positional ``parse_mode`` (the SDK's order) joins them when given."""
    merged = {**extra, **kwargs}
    if parse_mode is not None:
        merged["parse_mode"] = parse_mode
    return merged


def _file_view(message: Message, kind: builtins.type[F]) -> F | None:
    """The attachment of ``message`` as a ``kind`` file view, bound to the message's client."""
    content = message.content
    if not isinstance(content, AttachmentContent):
        return None
    return kind(file_id=content.file_id, file_name=content.name, file_size=content.size,
                mime_type=content.mime_type, client=message.client)


def _is_vcard(attachment: AttachmentContent) -> bool:
    mime = attachment.mime_type.split(";")[0].strip().lower()
    if mime in VCARD_TYPES:
        return True
    return mime in ("", "application/octet-stream", "text/plain") and attachment.name.lower().endswith(".vcf")
