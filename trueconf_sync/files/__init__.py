"""Files: send and download any size with bounded memory (PROTOCOL §3.21-§3.28, §6).

The client's methods (from :class:`~.mixin.FileMethods`): ``send_file``, ``send_photo``,
``send_sticker``, ``edit_chat_avatar``, ``download_file``, ``open_file``, ``get_upload_limits``;
each also as ``.future(...)``. ``message.download(destination)`` downloads a received file.

Modules: ``inputs`` (the accepted inputs), ``multipart`` (streaming body), ``upload`` (three
stages), ``preview`` (photo previews), ``download`` (waiting, streaming, atomic write), ``limits``
(cached upload limits), ``progress``, ``redact`` (no secrets in logs), ``state`` (per client),
``method`` (blocking and ``.future`` forms), ``calls`` (the API requests it makes), ``errors``.

The package reaches the client only through ``client.core``
(:class:`~trueconf_sync.core.protocols.ClientCore`): never its private fields.
"""

from .download import FileStream
from .errors import (
    FileDownloadError,
    FileExtensionError,
    FileNotAvailableError,
    FileTooLargeError,
    UploadLimitError,
)
from .inputs import FileInput
from .mixin import FileMethods
from .progress import ProgressArgument
from .remote import RemoteAddressError, RemoteFile

__all__ = [
    "FileDownloadError",
    "FileExtensionError",
    "FileInput",
    "FileMethods",
    "FileNotAvailableError",
    "FileStream",
    "FileTooLargeError",
    "ProgressArgument",
    "RemoteAddressError",
    "RemoteFile",
    "UploadLimitError",
]
