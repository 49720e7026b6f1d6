"""``FileMethods``: the client's public file methods (a mixin of :class:`~trueconf_sync.Client`).

Each method checks its arguments before anything is sent, then does the whole transfer in one
blocking call; ``client.<method>.future(...)`` is the non-blocking form (see :mod:`.method`).
The mixin reaches the client only through its ``core`` (:class:`~trueconf_sync.core.protocols.ClientCore`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..api.validation import check_bool, check_id, check_optional_id, check_text
from ..core.protocols import ClientCore
from ..enums import ParseMode
from .method import Job, file_method
from .progress import ProgressArgument, check_progress

if TYPE_CHECKING:
    from pathlib import Path

    from ..api.models import SentFile, UploadLimits
    from ..text.formatting import FormattedText
    from .download import FileStream
    from .inputs import FileArgument, FileInput

# The transfer modules (inputs, upload, download, limits: pathlib, tempfile, mimetypes, requests...)
# are imported by the methods when first called, not with the client.

__all__ = ["FileMethods"]

Timeout = float | None


def _check_caption(caption: Any, parse_mode: Any) -> None:
    if caption is not None:
        check_text("caption", caption, parse_mode)
    elif parse_mode is not None:
        raise ValueError("parse_mode applies to the caption; give a caption or leave parse_mode out")


def _releasing(*arguments: FileArgument | None) -> Any:
    def release() -> None:
        for argument in arguments:
            if argument is not None:
                argument.close()

    return release


class FileMethods:
    """Sending and downloading files (PROTOCOL §3.21-§3.28, §6). Inherited by the Client.

    The class it is mixed into provides ``core`` (it is a :class:`~trueconf_sync.core.protocols.HasCore`).
    """

    if TYPE_CHECKING:
        @property
        def core(self) -> ClientCore:
            """The client's services for the lower layers (provided by the Client)."""

    def _send_job(self, kind: str, chat_id: Any, file: Any, preview: Any, caption: Any, parse_mode: Any,
                  reply_message_id: Any, file_name: Any, mime_type: Any, progress: Any,
                  timeout: Any) -> Job[SentFile]:
        from . import upload
        from .inputs import file_argument

        core = self.core
        core.check_timeout(timeout)
        check_id("chat_id", chat_id)
        check_optional_id("reply_message_id", reply_message_id)
        _check_caption(caption, parse_mode)
        reporter = check_progress(progress, kind)
        stem = {"document": "file", "photo": "photo", "sticker": "sticker"}[kind]
        argument = file_argument(file, file_name=file_name, mime_type=mime_type, stem=stem)
        try:
            extra = file_argument(preview, stem="preview", argument="preview") if preview is not None else None
        except BaseException:
            argument.close()
            raise
        return Job(lambda: upload.send(core, chat_id, kind, argument, extra, caption, parse_mode,
                                       reply_message_id, reporter, timeout), _releasing(argument, extra))

    @file_method
    def send_file(
        self,
        chat_id: str,
        file: FileInput,
        *,
        caption: str | FormattedText | None = None,
        parse_mode: ParseMode | str | None = None,
        reply_message_id: str | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        progress: ProgressArgument = None,
        timeout: Timeout = None,
    ) -> Job[SentFile]:
        """Send a file to a chat as a document (shown as a downloadable file, images uncompressed).

        Does the three stages of PROTOCOL §6.3 (``uploadFile``, HTTP upload, ``sendFile``),
        streaming the file: memory use does not grow with its size.

        Args:
            chat_id: the target chat.
            file: a path, ``bytes``, a binary file object, or an http(s) URL / ``RemoteFile``
                (see :mod:`trueconf_sync.files.inputs`).
            caption: text sent with the file (≤ 4096 visible characters); ``parse_mode`` as in
                ``send_message``.
            reply_message_id: the message this one answers.
            file_name, mime_type: override what is detected from the input.
            progress: ``progress(sent_bytes, total_bytes)`` called as the upload goes, or ``True``
                for a tqdm bar (needs the ``progress`` extra).
            timeout: seconds for each step (each request's answer, and between bytes of the
                upload); default: the client's ``timeout``.

        Returns:
            :class:`~trueconf_sync.models.SentFile`: ``chat_id``, ``message_id``, ``timestamp``,
            ``file_id`` and ``caption_message_id``.

        Raises:
            TypeError, ValueError, FileNotFoundError, PermissionError: bad arguments, nothing sent.
            FileTooLargeError, FileExtensionError: the server's upload limits refuse the file
            (nothing uploaded). ApiError: the server refused (e.g. 304 unknown chat, 310 upload
            failed). ConnectionLostError, RequestTimeoutError: network trouble.
        """
        return self._send_job("document", chat_id, file, None, caption, parse_mode, reply_message_id, file_name,
                              mime_type, progress, timeout)

    @file_method
    def send_photo(
        self,
        chat_id: str,
        file: FileInput,
        *,
        caption: str | FormattedText | None = None,
        parse_mode: ParseMode | str | None = None,
        reply_message_id: str | None = None,
        preview: FileInput | None = None,
        file_name: str | None = None,
        mime_type: str | None = None,
        progress: ProgressArgument = None,
        timeout: Timeout = None,
    ) -> Job[SentFile]:
        """Send an image that shows inline as a picture: the file plus a preview (PROTOCOL §6.3).

        The preview is ``preview`` when given; else a WebP thumbnail (≤ 512 px) made with Pillow
        when it is installed (the ``images`` extra); else, for a JPEG/PNG/WebP/GIF image of at most
        5 MiB, the image itself. Other images without Pillow raise ValueError before anything is
        uploaded. Arguments, result and errors as in :meth:`send_file`; a file that is not an
        image raises ValueError.
        """
        return self._send_job("photo", chat_id, file, preview, caption, parse_mode, reply_message_id, file_name,
                              mime_type, progress, timeout)

    @file_method
    def send_sticker(
        self,
        chat_id: str,
        file: FileInput,
        *,
        reply_message_id: str | None = None,
        file_name: str | None = None,
        progress: ProgressArgument = None,
        timeout: Timeout = None,
    ) -> Job[SentFile]:
        """Send a WebP image as a sticker (server 5.5.3+; PROTOCOL §6.3).

        The file part goes as ``sticker/webp`` and the same bytes as the ``image/webp`` preview,
        as TrueConf's own clients send stickers. A file that is not WebP raises ValueError.
        Result and errors as in :meth:`send_file`.
        """
        return self._send_job("sticker", chat_id, file, None, None, None, reply_message_id, file_name, None,
                              progress, timeout)

    @file_method
    def edit_chat_avatar(self, chat_id: str, file: FileInput, *, timeout: Timeout = None) -> Job[None]:
        """Upload an image and make it the picture of a group chat or channel (PROTOCOL §3.21).

        ``file`` as in :meth:`send_file`; it must be an image. Returns None. Raises ApiError 303
        without the right to change it; other errors as in :meth:`send_file`.
        """
        core = self.core
        from . import upload
        from .inputs import file_argument

        core.check_timeout(timeout)
        check_id("chat_id", chat_id)
        argument = file_argument(file, stem="avatar")
        return Job(lambda: upload.edit_avatar(core, chat_id, argument, timeout), argument.close)

    @file_method
    def download_file(
        self,
        file_id: str,
        destination: str | Path | Any,
        *,
        overwrite: bool = False,
        progress: ProgressArgument = None,
        timeout: Timeout = None,
    ) -> Job[Any]:
        """Download a file to a path, into a directory, or into a writable binary file object.

        Waits while the file is still uploading (PROTOCOL §6.4), within ``timeout``. Streams in
        chunks: memory use does not grow with the file.

        Args:
            file_id: from a message (``message.attachment.file_id``) or ``SentFile.file_id``.
            destination: a file path (written atomically: a failed download leaves no partial
                file under that name); an existing directory (the file keeps its name from the
                server, made safe: it can never land outside the directory); or a writable binary
                file object (written from its position).
            overwrite: replace an existing file. By default nothing is replaced: in a directory
                the file gets the next free name (``report (1).pdf``), chosen atomically, so a
                peer's file can never replace another one (or the bot's own state); an existing
                file path raises FileExistsError before anything is sent.
            progress: ``progress(received_bytes, total_bytes)``, or ``True`` for a tqdm bar.
            timeout: seconds for each step, and the longest wait for a file still uploading.

        Returns:
            The final ``pathlib.Path``, or the file object given.

        Raises:
            TypeError, ValueError, FileNotFoundError, FileExistsError: bad arguments (nothing sent).
            FileNotAvailableError: the server no longer has the file (readyState 0) or refuses
            its link. FileDownloadError: another HTTP error, a redirect to another host, or more
            bytes than the file's reported size. ApiError 308: unknown file. RequestTimeoutError:
            still uploading after ``timeout`` s, or no answer. ConnectionLostError: network trouble.
        """
        core = self.core
        from . import download

        core.check_timeout(timeout)
        check_id("file_id", file_id)
        target = download.check_destination(destination, check_bool("overwrite", overwrite))
        reporter = check_progress(progress, "download")
        return Job(lambda: download.download(core, file_id, target, reporter, timeout))

    @file_method
    def open_file(self, file_id: str, *, timeout: Timeout = None) -> Job[FileStream]:
        """Open a file for reading as it downloads: a binary stream to pipe elsewhere.

        Use it as a context manager (``with client.open_file(file_id) as stream: ...``) or close it.
        The stream has ``name``, ``size``, ``mime_type``; waits for a file still uploading as
        :meth:`download_file` does. Raises as :meth:`download_file`; reads raise
        ConnectionLostError / RequestTimeoutError.
        """
        core = self.core
        from . import download

        core.check_timeout(timeout)
        check_id("file_id", file_id)
        return Job(lambda: download.open_stream(core, file_id, timeout))

    @file_method
    def get_upload_limits(self, *, refresh: bool = False, timeout: Timeout = None) -> Job[UploadLimits]:
        """The server's upload limits (``max_size`` in bytes, ``extensions``), cached.

        Asked for once (``getFileUploadLimits``, server 5.5.3+), then kept up to date by the
        server's limits-changed events and asked again after a reconnect; ``refresh=True`` asks
        now. Returns :class:`~trueconf_sync.models.UploadLimits` (``None`` fields: no limit).
        """
        core = self.core
        from .limits import current_limits

        core.check_timeout(timeout)
        check_bool("refresh", refresh)
        return Job(lambda: current_limits(core, refresh=refresh, timeout=timeout))
