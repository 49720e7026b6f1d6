"""Typed errors of file transfers (PROTOCOL §3.23-§3.28, §6).

::

    ApiError (trueconf_sync.errors)
    └── UploadLimitError            the file breaks the server's upload limits; code 310, nothing sent
        ├── FileTooLargeError       larger than ``max_size``
        └── FileExtensionError      extension refused by the ``allow`` / ``block`` list
    TrueConfError
    ├── FileNotAvailableError       readyState 0: the file is gone; or its download link is refused
    └── FileDownloadError           the download answered an unexpected HTTP status

Network failures raise :class:`~trueconf_sync.ConnectionLostError` and
:class:`~trueconf_sync.RequestTimeoutError`; HTTP 400 answers of the upload endpoint raise
:class:`~trueconf_sync.ApiError` with the server's code. No message here contains a download URL
or an upload task id.
"""

from __future__ import annotations

from typing import Any

from ..errors import ApiError, TrueConfError

__all__ = [
    "FileDownloadError",
    "FileExtensionError",
    "FileNotAvailableError",
    "FileTooLargeError",
    "UploadLimitError",
    "format_size",
]

#: The protocol's code for a failed upload, also answered when a file breaks the limits (§7).
FILE_UPLOAD_FAILED = 310


def format_size(size: int) -> str:
    """``"1.5 MB (1,500,000 bytes)"``: decimal units, as the server's limits are (§3.28)."""
    value, unit = float(size), "bytes"
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if value < 1000 or unit == "TB":
            break
        value /= 1000
    if unit == "bytes":
        return f"{size:,} bytes"
    return f"{value:.1f} {unit} ({size:,} bytes)"


class UploadLimitError(ApiError):
    """The file breaks the upload limits the server reported (``getFileUploadLimits``).

    Raised before anything is uploaded. It is an :class:`~trueconf_sync.ApiError` with code 310
    (what the server itself answers to such an upload), so one ``except ApiError`` covers both.

    Attributes:
        limit: which limit: ``"max_size"`` or ``"extensions"``.
        file_name: the name the file would have been sent with.
    """

    limit = ""

    def __init__(self, file_name: str, text: str) -> None:
        self.file_name = file_name
        self._text = text
        super().__init__(FILE_UPLOAD_FAILED, {}, method="uploadFile", description=text)

    def _message(self) -> str:
        return self._text

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type[UploadLimitError], state: dict[str, Any]) -> UploadLimitError:
    error = cls.__new__(cls)
    error.__dict__.update(state)
    Exception.__init__(error, state.get("_text", ""))
    return error


class FileTooLargeError(UploadLimitError):
    """The file is larger than the server's ``max_size`` (bytes). Attributes: ``size``, ``max_size``."""

    limit = "max_size"

    def __init__(self, file_name: str, size: int, max_size: int) -> None:
        self.size = size
        self.max_size = max_size
        super().__init__(
            file_name,
            f"{file_name!r} is {format_size(size)}; the server's upload limit max_size is {format_size(max_size)}",
        )


class FileExtensionError(UploadLimitError):
    """The server's extension filter refuses the file's extension.

    Attributes: ``extension`` (lower case, no dot; ``""`` when the name has none), ``mode``
    (``"allow"``: only ``extensions`` may be sent; ``"block"``: ``extensions`` may not) and
    ``extensions``.
    """

    limit = "extensions"

    def __init__(self, file_name: str, extension: str, mode: str, extensions: list[str]) -> None:
        self.extension = extension
        self.mode = mode
        self.extensions = list(extensions)
        shown = ", ".join(extensions) or "none"
        what = f"extension {extension!r}" if extension else "a name without an extension"
        rule = f"only {shown} may be sent" if mode == "allow" else f"{shown} may not be sent"
        super().__init__(file_name, f"{file_name!r} has {what}; the server's upload limit extensions ({mode}): {rule}")


class FileNotAvailableError(TrueConfError):
    """The file cannot be downloaded: readyState 0 (removed by quota or retention), or its link was refused.

    Attributes: ``file_id``.
    """

    def __init__(self, file_id: str, reason: str) -> None:
        self.file_id = file_id
        super().__init__(f"file {file_id} is not available: {reason}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_plain, (type(self), self.args, dict(self.__dict__)))


class FileDownloadError(TrueConfError):
    """A download answered an HTTP status other than success or "not found", or an answer the
    client refuses (a redirect to another host, a body larger than the file).

    Attributes: ``status`` (the HTTP status), ``file_id`` (``None`` for a file fetched from a URL)
    and ``reason`` (what was refused, or ``None``).
    """

    def __init__(self, what: str, status: int, file_id: str | None = None, reason: str | None = None) -> None:
        self.status = status
        self.file_id = file_id
        self.reason = reason
        super().__init__(f"download of {what} failed: HTTP {status}" + (f": {reason}" if reason else ""))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_plain, (type(self), self.args, dict(self.__dict__)))


def _rebuild_plain(cls: type[Exception], args: tuple[Any, ...], state: dict[str, Any]) -> Exception:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error
