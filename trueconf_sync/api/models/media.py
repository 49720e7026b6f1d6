"""Typed views of what a message carries, under the official SDK's names: files and the author.

``message.photo``, ``document``, ``video``, ``sticker``, ``audio`` and ``voice`` return one of the
file views below (or None), built from the envelope's content with the client the message is
bound to, so ``message.document.download(...)`` and ``message.photo.url`` work as in the SDK
(blocking here). ``message.from_user`` returns a :class:`User`. The fields follow the SDK
(``file_id``, ``file_name``, ``file_size``, ``mime_type``); ``name`` and ``size`` are aliases
matching :class:`~trueconf_sync.models.AttachmentContent`.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import attrs

from ...errors import ApiError
from .base import Author
from .bound import BoundClient
from .shortcuts import Call, shortcut

if TYPE_CHECKING:
    from ...text.formatted import FormattedText
    from .results import FileInfo

__all__ = ["Audio", "Document", "FileRef", "Photo", "Sticker", "User", "Video", "Voice", "need_client"]


def need_client(client: BoundClient | None) -> BoundClient:
    """``client``, or RuntimeError when the object was not delivered by a client."""
    if client is None:
        raise RuntimeError("this object is not bound to a client; call the client's methods instead")
    return client


@attrs.frozen
class FileRef:
    """A file a message carries, with shortcuts to fetch it (the SDK's ``Document``, ``Photo``...)."""

    file_id: str = ""
    file_name: str = ""
    file_size: int = 0
    mime_type: str = ""
    #: The client that received the message (set by the message; enables the shortcuts).
    client: BoundClient | None = attrs.field(default=None, repr=False, eq=False, kw_only=True)

    @property
    def name(self) -> str:
        """Alias of ``file_name``."""
        return self.file_name

    @property
    def size(self) -> int:
        """Alias of ``file_size`` (bytes)."""
        return self.file_size

    @shortcut
    def download(self, /, destination: Any = None, *, file_path: Any = None, **kwargs: Any) -> Call[Any]:
        """Download the file: to ``destination`` / ``file_path`` (a path, a directory or a binary
        file object, as ``client.download_file``), or, with neither, return its bytes (the SDK's
        in-memory download). Keywords as in ``download_file``. ``.future(...)`` does not block."""
        client = need_client(self.client)
        target = file_path if file_path is not None else destination
        if target is None:
            buffer = io.BytesIO()
            return Call(client.download_file, (self.file_id, buffer), kwargs, finish=lambda _: buffer.getvalue())
        return Call(client.download_file, (self.file_id, target), kwargs)

    def info(self, **kwargs: Any) -> FileInfo:
        """The server's file info (``getFileInfo``): state, download link, previews."""
        return need_client(self.client).get_file_info(self.file_id, **kwargs)

    @property
    def url(self) -> str | None:
        """The file's download link (asks the server each time; a secret: do not log it)."""
        return self.info().download_url

    @property
    def preview_url(self) -> str | None:
        """The download link of the file's first preview (asks the server), or None without one."""
        previews = self.info().previews
        return previews[0].download_url if previews else None


@attrs.frozen
class Document(FileRef):
    """A file that is not a photo, video, audio or sticker (``message.document``)."""


@attrs.frozen
class Photo(FileRef):
    """An image attachment, MIME type ``image/...`` (``message.photo``)."""


@attrs.frozen
class Video(FileRef):
    """A video attachment, MIME type ``video/...`` (``message.video``)."""


@attrs.frozen
class Audio(FileRef):
    """An audio file sent as an attachment, MIME type ``audio/...`` (``message.audio``; not a voice message)."""


@attrs.frozen
class Sticker(FileRef):
    """A sticker, MIME type ``sticker/...`` (``message.sticker``)."""


@attrs.frozen
class Voice(FileRef):
    """A voice message (type 205, ``message.voice``): no file name; ``duration`` as the server sends it."""

    duration: int = 0


@attrs.frozen
class User(Author):
    """The author of a message as ``message.from_user`` gives it: ``id``, ``type``, a name, a mention."""

    client: BoundClient | None = attrs.field(default=None, repr=False, eq=False, kw_only=True)

    @property
    def display_name(self) -> str:
        """The user's display name, asked of the server each time (``getUserDisplayName``).

        The server's own id for a system author; the id itself when the server does not know the user.
        """
        if self.is_system or not self.id:
            return self.id
        try:
            return need_client(self.client).get_user_display_name(self.id)
        except ApiError:
            return self.id

    @property
    def mention(self) -> FormattedText:
        """A ready-made HTML mention of this user (labelled with the id) to put into formatted text."""
        return self.mention_html()

    def mention_html(self, name: str | None = None) -> FormattedText:
        """An HTML mention of this user, shown as ``name`` (default: the id); notifies the user."""
        from ...text.formatting import html

        return html.mention(self.id, name)

    def mention_markdown(self, name: str | None = None) -> FormattedText:
        """A Markdown mention of this user, shown as ``name`` (default: the id)."""
        from ...text.formatting import markdown

        return markdown.mention(self.id, name)
