"""``message.copy_to(chat_id)``: send a message's content again, without the forward header.

Text is sent as text (same parse mode; a reply's quote block is left out, since the copy answers
nothing). A file is downloaded and uploaded again under the same name and MIME type: photos as
photos, stickers as stickers, everything else (voice messages included: the API has no method
to send one) as a document. A forward is copied as the message it holds. Locations, surveys and
system messages cannot be re-sent through the API: ValueError, before anything is sent.

Files pass through a spooled temporary file, so memory use stays bounded for large files.
"""

from __future__ import annotations

import tempfile
from typing import TYPE_CHECKING, Any

from .bound import BoundClient
from .content import AttachmentContent, TextContent, VoiceContent
from .media import need_client

if TYPE_CHECKING:
    from .message import Message
    from .results import SentMessage

__all__ = ["copy_message"]

#: Files up to this size stay in memory while copied; larger ones go to a temporary file.
SPOOL_BYTES = 8 * 1024 * 1024


def copy_message(message: Message, chat_id: str, **kwargs: Any) -> SentMessage:
    """Send ``message``'s content to ``chat_id`` (see the module docstring); keywords go to the send method."""
    if not isinstance(chat_id, str) or not chat_id:
        raise ValueError(f"chat_id must be a non-empty str, got {chat_id!r}")
    original = message.forwarded_message
    if original is not None:
        return copy_message(original, chat_id, **kwargs)  # bound with the forward (bind_client)
    content = message.content
    if isinstance(content, TextContent):
        client = need_client(message.client)
        text = message.text_without_quote if message.quote is not None else content.text
        return client.send_message(chat_id, text or content.text, parse_mode=content.parse_mode, **kwargs)
    if isinstance(content, (AttachmentContent, VoiceContent)):
        return _copy_file(need_client(message.client), content, chat_id, kwargs)
    raise ValueError(f"copy_to: a message of type {message.type!r} cannot be sent again through the API "
                     "(only text and files can); use forward() instead")


def _copy_file(client: BoundClient, content: AttachmentContent | VoiceContent, chat_id: str,
               kwargs: dict[str, Any]) -> SentMessage:
    mime = content.mime_type or None
    if isinstance(content, VoiceContent):
        name = "voice" + _voice_extension(content.mime_type)
    else:
        name = content.name or "file"
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        client.download_file(content.file_id, spool)
        spool.seek(0)
        lowered = (mime or "").lower()
        if lowered.startswith("sticker/"):
            return client.send_sticker(chat_id, spool, file_name=name, **kwargs)
        if lowered.startswith("image/"):
            return client.send_photo(chat_id, spool, file_name=name, mime_type=mime, **kwargs)
        return client.send_file(chat_id, spool, file_name=name, mime_type=mime, **kwargs)


def _voice_extension(mime_type: str) -> str:
    subtype = mime_type.partition("/")[2].split(";")[0].strip().lower()
    return "." + subtype if subtype.isalnum() else ""
