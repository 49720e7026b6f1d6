"""The one input type of every file-taking method, and the size-known source an upload reads from.

A ``file`` argument may be:

* a path (``str`` or ``pathlib.Path``): opened at once, so a missing or unreadable file fails
  before anything is sent;
* ``bytes`` / ``bytearray`` / ``memoryview``;
* a binary file object: an opened file, ``io.BytesIO``, a Django ``UploadedFile``, a Flask
  ``FileStorage``... read from its current position. A text-mode object is refused. A stream that
  cannot seek (a pipe, a socket) is first copied to a temporary file, because the server must be
  told the size before the upload;
* an ``http(s)`` URL (``str``) or a :class:`RemoteFile` (the same with its own timeout, size cap,
  headers, TLS setting): streamed into a temporary file (in memory up to 1 MiB), stopping at the cap.

The name and MIME type come from the caller (``file_name=``, ``mime_type=``), else from the input
(path, ``filename``/``name`` and ``content_type`` attributes, the URL's headers), else from the
name's extension, else from the first bytes (PNG, JPEG, GIF, WebP, PDF, Ogg, ZIP).
"""

from __future__ import annotations

import errno
import io
import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, Protocol, Union

from .errors import FileTooLargeError
from .names import (
    DEFAULT_MIME,
    check_file_name,
    check_mime_type,
    guess_mime,
    safe_file_name,
    sniff_mime,
    with_extension,
)
from .redact import short_url
from .remote import DEFAULT_REMOTE_MAX_SIZE, RemoteAddressError, RemoteFile, fetch
from .transport import CHUNK_SIZE

__all__ = ["DEFAULT_REMOTE_MAX_SIZE", "FileArgument", "FileInput", "Readable", "RemoteFile", "Source", "file_argument"]

#: Temporary copies (URLs, pipes) stay in memory up to this size, then move to disk.
SPOOL_IN_MEMORY = 1024 * 1024
_URL = re.compile(r"^https?://", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")
_KINDS = "a path, bytes, a binary file object or an http(s) URL"


class Readable(Protocol):
    """Anything with ``read(n) -> bytes``: opened files, ``io.BytesIO``, web framework uploads."""

    def read(self, size: int = ..., /) -> bytes:
        """Read up to ``size`` bytes."""


#: What every file-taking method accepts (see the module docstring).
FileInput = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, Readable, RemoteFile]


class _Window(io.RawIOBase):
    """A seekable read-only view of ``size`` bytes of ``file`` starting at ``start``."""

    def __init__(self, file: IO[bytes], start: int, size: int) -> None:
        super().__init__()
        self._file, self._start, self._size, self._pos = file, start, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        count = min(len(buffer), self._size - self._pos)
        if count <= 0:
            return 0
        self._file.seek(self._start + self._pos)
        data = self._file.read(count)
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


class Source:
    """A file ready to upload: ``name``, ``mime_type``, exact ``size``; readable from its start again and again."""

    def __init__(self, file: IO[bytes], start: int, size: int, owned: bool, what: str) -> None:
        self._file = file
        self._start = start
        self.size = size
        self._owned = owned
        self.what = what
        self.name = ""
        self.mime_type = DEFAULT_MIME

    def head(self, count: int = 64) -> bytes:
        """The first ``count`` bytes (or fewer)."""
        self._file.seek(self._start)
        return self._file.read(min(count, self.size)) or b""

    def chunks(self, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
        """The content from the start, in chunks. Raises OSError when the source has shrunk."""
        self._file.seek(self._start)
        left = self.size
        while left > 0:
            data = self._file.read(min(chunk_size, left))
            if not data:
                raise OSError(f"{self.what} ended after {self.size - left:,} of {self.size:,} bytes: "
                              "it changed while being sent")
            left -= len(data)
            yield data

    def reader(self) -> io.BufferedReader:
        """A seekable binary reader of the content (for image libraries)."""
        return io.BufferedReader(_Window(self._file, self._start, self.size))

    def close(self) -> None:
        """Close what this source opened itself (never the caller's object)."""
        if self._owned:
            self._file.close()

    def __repr__(self) -> str:
        return f"<Source {self.name!r} {self.mime_type} {self.size} bytes>"


def _spool(read: Callable[[int], bytes | None], cap: int | None, too_large: Callable[[int], Exception],
           check: Callable[[], None]) -> tuple[IO[bytes], int]:
    """Copy a stream to a temporary file (memory up to 1 MiB); stop with ``too_large`` past ``cap``."""
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - returned
    size = 0
    try:
        while chunk := read(CHUNK_SIZE):
            size += len(chunk)
            if cap is not None and size > cap:
                raise too_large(size)
            spool.write(chunk)
            check()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool, size


def _name_attribute(obj: Any) -> str | None:
    """The file name a file object carries: ``filename`` (Flask) or ``name`` (files, Django)."""
    for attribute in ("filename", "name"):
        value = getattr(obj, attribute, None)
        if isinstance(value, bytes):
            value = os.fsdecode(value)
        if isinstance(value, str) and value and not value.startswith("<"):
            base = re.split(r"[/\\]", value)[-1]
            if base:
                return base
    return None


def _mime_attribute(obj: Any) -> str | None:
    for attribute in ("content_type", "mimetype"):
        value = getattr(obj, attribute, None)
        if isinstance(value, str) and value:
            try:
                mime = check_mime_type(value)
            except ValueError:
                continue
            if mime != DEFAULT_MIME:
                return mime
    return None


class FileArgument:
    """A checked ``file`` argument; :meth:`load` (inside the transfer) makes it a :class:`Source`."""

    def __init__(self, argument: str, kind: str, value: Any, file_name: str | None, mime_type: str | None,
                 stem: str) -> None:
        self.argument = argument
        self.kind = kind  # "path", "bytes", "stream", "url"
        self._value = value
        self._file_name = file_name
        self._mime_type = mime_type
        self._stem = stem
        self._opened: IO[bytes] | None = None
        self._source: Source | None = None

    def open_path(self) -> None:
        """Open a path argument now, so a missing or unreadable file fails before anything is sent."""
        path = self._value
        shown = str(path)
        try:
            self._opened = open(path, "rb")  # noqa: SIM115 - closed by close()
        except FileNotFoundError:
            raise FileNotFoundError(errno.ENOENT, f"{self.argument}: no such file", shown) from None
        except IsADirectoryError:
            raise IsADirectoryError(errno.EISDIR, f"{self.argument}: a directory, not a file", shown) from None
        except PermissionError as exc:
            raise PermissionError(exc.errno, f"{self.argument}: the file cannot be read", shown) from None
        if os.path.isdir(path):  # some platforms open directories
            self.close()
            raise IsADirectoryError(errno.EISDIR, f"{self.argument}: a directory, not a file", shown)

    def load(self, cap: int | None, check: Callable[[], None]) -> Source:
        """Make the source: fetch URLs, copy unseekable streams; name and MIME type are settled here.

        ``cap``: the server's size limit, if known (copies stop there). ``check`` raises to abort.
        """
        if self._source is None:
            hint_name, hint_mime, source = self._open(cap, check)
            self._source = source
            head = source.head(64)
            mime = self._mime_type or hint_mime
            # names that come with the input (path, attributes, URL, Content-Disposition) pass the
            # same cleaning as downloaded names: no separators, control or bidi characters
            name = self._file_name or (safe_file_name(hint_name, "") or None if hint_name else None)
            if mime is None and name:
                mime = guess_mime(name)
            mime = mime or sniff_mime(head) or DEFAULT_MIME
            source.name = name or with_extension(self._stem, mime)
            source.mime_type = mime
        return self._source

    def _open(self, cap: int | None, check: Callable[[], None]) -> tuple[str | None, str | None, Source]:
        what = self.argument
        if self.kind == "bytes":
            return None, None, Source(io.BytesIO(self._value), 0, len(self._value), True, what)
        if self.kind == "path":
            file = self._opened
            assert file is not None
            self._opened = None
            info = os.fstat(file.fileno())
            name = Path(self._value).name or None
            if stat.S_ISREG(info.st_mode):
                return name, None, Source(file, 0, info.st_size, True, what)
            try:  # a FIFO or a device: copy what it gives
                spool, size = _spool(file.read, cap, lambda n: self._too_large(n, cap), check)
            finally:
                file.close()
            return name, None, Source(spool, 0, size, True, what)
        if self.kind == "url":
            return self._fetch(cap, check)
        return self._stream(cap, check)

    def _too_large(self, size: int, cap: int | None, remote: RemoteFile | None = None) -> Exception:
        if remote is not None and (cap is None or remote.max_size <= cap):
            return ValueError(f"{self.argument}: {short_url(remote.url, keep_path=True)} is larger than "
                              f"RemoteFile.max_size={remote.max_size:,} bytes")
        name = self._file_name or "the file"
        return FileTooLargeError(name, size, cap or 0)

    def _stream(self, cap: int | None, check: Callable[[], None]) -> tuple[str | None, str | None, Source]:
        obj = self._value
        name, mime = _name_attribute(obj), _mime_attribute(obj)
        start = end = None
        try:
            if getattr(obj, "seekable", lambda: True)():
                start = obj.tell()
                end = obj.seek(0, io.SEEK_END)
                obj.seek(start)
        except (AttributeError, OSError, ValueError):
            start = end = None
        if isinstance(start, int) and isinstance(end, int) and end >= start:
            return name, mime, Source(obj, start, end - start, False, self.argument)
        spool, size = _spool(obj.read, cap, lambda n: self._too_large(n, cap), check)
        return name, mime, Source(spool, 0, size, True, self.argument)

    def _fetch(self, cap: int | None, check: Callable[[], None]) -> tuple[str | None, str | None, Source]:
        remote: RemoteFile = self._value
        limit = remote.max_size if cap is None else min(cap, remote.max_size)
        name, content_type, spool, size = fetch(
            remote, self.argument, limit, lambda n: self._too_large(n, cap, remote),
            lambda read, limit, too_large: _spool(read, limit, too_large, check))
        mime = None
        if content_type:
            try:
                mime = check_mime_type(content_type)
            except ValueError:
                mime = None
        return name, None if mime == DEFAULT_MIME else mime, Source(spool, 0, size, True, self.argument)

    def close(self) -> None:
        """Release what was opened (idempotent)."""
        opened, self._opened = self._opened, None
        if opened is not None:
            opened.close()
        source, self._source = self._source, None
        if source is not None:
            source.close()


def file_argument(
    file: Any,
    *,
    file_name: str | None = None,
    mime_type: str | None = None,
    stem: str = "file",
    argument: str = "file",
) -> FileArgument:
    """Check a ``file`` argument (and the explicit name and MIME type) before anything is sent.

    Paths are opened here. Raises TypeError (unknown type, text-mode file object), ValueError (bad
    URL scheme, bad name or MIME type), FileNotFoundError, IsADirectoryError, PermissionError.
    """
    name = None if file_name is None else check_file_name(file_name)
    mime = None if mime_type is None else check_mime_type(mime_type)
    if isinstance(file, RemoteFile):
        return FileArgument(argument, "url", file, name, mime, stem)
    if isinstance(file, str):
        if _URL.match(file):
            try:
                remote = RemoteFile(file)
            except RemoteAddressError as exc:  # name the caller's argument, not RemoteFile's
                raise RemoteAddressError(argument, exc.url, exc.address) from None
            return FileArgument(argument, "url", remote, name, mime, stem)
        scheme = _SCHEME.match(file)
        if scheme:
            raise ValueError(f"{argument}: unsupported URL scheme {scheme.group(1)!r}; give {_KINDS}")
        if not file:
            raise ValueError(f"{argument} must not be an empty path")
    if isinstance(file, (str, os.PathLike)):
        path = os.fsdecode(os.fspath(file))
        result = FileArgument(argument, "path", path, name, mime, stem)
        result.open_path()
        return result
    if isinstance(file, (bytes, bytearray, memoryview)):
        return FileArgument(argument, "bytes", bytes(file) if not isinstance(file, bytes) else file, name, mime,
                            stem)
    if callable(getattr(file, "read", None)):
        if isinstance(file, io.TextIOBase):
            raise TypeError(f"{argument} is a text-mode file object; open it in binary mode ('rb')")
        mode = getattr(file, "mode", None)
        if isinstance(mode, str) and mode and "b" not in mode and "r" in mode:
            raise TypeError(f"{argument} was opened in text mode {mode!r}; open it in binary mode ('rb')")
        return FileArgument(argument, "stream", file, name, mime, stem)
    raise TypeError(f"{argument} must be {_KINDS}, not {type(file).__name__}")
