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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .mixin import FileMethods

if TYPE_CHECKING:
    from .download import FileStream
    from .errors import (
        FileDownloadError,
        FileExtensionError,
        FileNotAvailableError,
        FileTooLargeError,
        UploadLimitError,
    )
    from .inputs import FileInput
    from .progress import ProgressArgument
    from .remote import RemoteAddressError, RemoteFile

# The client imports this package for FileMethods; the rest loads on first use (PEP 562).
_LAZY = {
    "FileStream": "download",
    "FileDownloadError": "errors",
    "FileExtensionError": "errors",
    "FileNotAvailableError": "errors",
    "FileTooLargeError": "errors",
    "UploadLimitError": "errors",
    "FileInput": "inputs",
    "ProgressArgument": "progress",
    "RemoteAddressError": "remote",
    "RemoteFile": "remote",
}

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


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    # Lists the lazy names too, so dir(), IPython completion and Sphinx's automodule see them.
    return sorted({*globals(), *__all__})
