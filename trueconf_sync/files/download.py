"""Downloading a file (PROTOCOL §6.2, §6.4): wait until it is ready, then stream it.

* ``getFileInfo``; readyState 0 raises :class:`FileNotAvailableError`.
* readyState 1 (still uploading): listen for ``uploadFileProgress`` first, subscribe, wait until
  the progress reaches the size, polling ``getFileInfo`` meanwhile (so a download started from an
  event handler, whose progress events queue behind it, still finishes), unsubscribe. All of it
  within the call's ``timeout``.
* Only the configured server is ever contacted: of the download URL only the path and query are
  kept (servers may hand out an internal host name; a hostile one could name another host, also as
  ``//host/...``), and redirects are followed only within the same origin (scheme, host, port), so
  never from https to http. The URL is a capability (it grants access by itself) and is never
  logged or shown (:mod:`.redact`).
* The body may not outrun the size ``getFileInfo`` reported (a small allowance aside): a server
  cannot fill the disk with a file announced as 13 bytes.
* To a path: a temporary file in the same directory, moved to the final name once complete, so a
  failed download never leaves a partial file under that name. An existing file is never replaced
  unless the caller passes ``overwrite=True``: into a directory the file then gets a free name
  (``report (1).pdf``), claimed atomically; an explicit path that exists raises FileExistsError.
"""

from __future__ import annotations

import errno
import io
import os
import secrets
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..api.models import FileInfo
from ..core.protocols import ClientCore
from ..enums import FileReadyState
from ..errors import ConnectionLostError, RequestTimeoutError, TrueConfError
from ..logs import get_logger
from ..transport.http import MAX_REDIRECTS, REDIRECT_STATUSES, same_origin, shown_origin
from .calls import file_info, subscribe_progress, unsubscribe_progress
from .errors import FileDownloadError, FileNotAvailableError
from .names import safe_file_name, with_extension
from .progress import Progress
from .redact import secrets_hidden
from .state import FileState, ProgressWaiter, state_of
from .transport import CHUNK_SIZE, network_error

__all__ = ["Destination", "FileStream", "check_destination", "download", "open_stream", "server_url"]

log = get_logger("trueconf_sync.files")

_POLL_FIRST, _POLL_MAX = 0.2, 2.0
_GONE = (403, 404, 410)
#: Names tried in a directory before giving up: ``name``, ``name (1)`` ... ``name (999)``.
_MAX_FREE_NAME_TRIES = 1000


def server_url(url: str, base_url: str) -> str:
    """The path and query of ``url`` on the server of ``base_url``.

    Whatever origin ``url`` names -- absolute, scheme-relative (``//host/...``) or none -- only its
    path and query are kept: the file is fetched from the configured server and nowhere else.
    """
    parts = urlsplit(url)
    base = urlsplit(base_url)
    path = parts.path if parts.path.startswith("/") else "/" + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, ""))


def size_cap(size: int) -> int | None:
    """Most bytes accepted for a file reported as ``size`` bytes (None: size unknown, no cap)."""
    return size + max(4096, size // 100) if size > 0 else None


def _unavailable(file_id: str) -> FileNotAvailableError:
    return FileNotAvailableError(file_id, "the server no longer has it (readyState 0: removed by quota or retention)")


def _is_ready(info: FileInfo) -> bool:
    return info.ready_state == FileReadyState.READY and bool(info.download_url)


def ready_info(core: ClientCore, file_id: str, seconds: float, generation: int) -> FileInfo:
    """``getFileInfo`` of a downloadable file, waiting while it is still uploading (see module docstring)."""
    deadline = time.monotonic() + seconds
    info = file_info(core, file_id, seconds)
    if _is_ready(info):
        return info
    if info.ready_state == FileReadyState.NOT_AVAILABLE:
        raise _unavailable(file_id)
    state = state_of(core)
    with state.watch(file_id, info.size) as waiter:
        subscribed = False
        if info.ready_state == FileReadyState.UPLOADING:
            subscribed = bool(subscribe_progress(core, file_id, seconds))
        try:
            return _wait(core, state, info, waiter, deadline, seconds, generation)
        finally:
            if subscribed:
                _unsubscribe(core, file_id, min(seconds, 5.0))


def _wait(core: ClientCore, state: FileState, info: FileInfo, waiter: ProgressWaiter, deadline: float, seconds: float,
          generation: int) -> FileInfo:
    interval = _POLL_FIRST
    next_poll = time.monotonic() + interval
    while True:
        now = time.monotonic()
        if now >= deadline:
            what = "still uploading" if info.ready_state == FileReadyState.UPLOADING else "not ready"
            raise RequestTimeoutError(f"file {info.file_id or '?'} is {what} after {seconds:g} s "
                                      "(pass a longer timeout= to wait longer)")
        waiter.wait(max(0.0, min(next_poll, deadline) - now))
        state.check_open(generation)
        if not waiter.complete and time.monotonic() < next_poll:
            continue
        info = file_info(core, info.file_id, max(0.5, min(seconds, deadline - time.monotonic())))
        if _is_ready(info):
            return info
        if info.ready_state == FileReadyState.NOT_AVAILABLE:
            raise _unavailable(info.file_id)
        interval = _POLL_FIRST if waiter.complete else min(interval * 1.5, _POLL_MAX)
        next_poll = time.monotonic() + interval


def _unsubscribe(core: ClientCore, file_id: str, seconds: float) -> None:
    try:
        unsubscribe_progress(core, file_id, seconds)
    except TrueConfError as exc:  # the connection may be gone; the subscription goes with it
        log.debug("unsubscribeFileProgress of %s failed: %s", file_id, exc)


def _get(core: ClientCore, info: FileInfo, seconds: float) -> Any:
    """Start the GET of a ready file (status checked); the caller closes the response."""
    import requests

    assert info.download_url is not None
    base_url = core.base_url
    url = server_url(info.download_url, base_url)
    what = f"file {info.file_id}"
    session = core.http_session()
    for _ in range(MAX_REDIRECTS + 1):
        try:
            with secrets_hidden(urls=(url,)):  # a redirect target carries a key of its own
                response = session.get(url, stream=True, timeout=(seconds, seconds), allow_redirects=False)
        except requests.RequestException as exc:
            raise network_error(exc, f"download of {what}", seconds) from None
        if response.status_code not in REDIRECT_STATUSES:
            break
        response.close()
        target = urljoin(url, response.headers.get("Location", ""))
        if not same_origin(target, base_url):
            raise FileDownloadError(what, response.status_code, info.file_id,
                                    f"redirected to {shown_origin(target)}; only the configured server "
                                    f"{shown_origin(base_url)} is trusted with the file's key")
        url = target
    else:
        raise FileDownloadError(what, response.status_code, info.file_id, f"more than {MAX_REDIRECTS} redirects")
    if response.status_code >= 300:
        response.close()
        if response.status_code in _GONE:
            raise FileNotAvailableError(info.file_id, f"the server refused its download link (HTTP "
                                                      f"{response.status_code})")
        raise FileDownloadError(what, response.status_code, info.file_id)
    cap = size_cap(info.size)
    declared = response.headers.get("Content-Length", "")
    if cap is not None and declared.isdigit() and int(declared) > cap:
        response.close()
        raise FileDownloadError(what, response.status_code, info.file_id,
                                f"the server announced {int(declared):,} bytes for a file of {info.size:,} bytes")
    return response


class Destination:
    """A checked ``destination``: a file path, a directory, or a writable binary file object."""

    def __init__(self, kind: str, target: Any, overwrite: bool = False) -> None:
        self.kind = kind  # "path", "directory", "object"
        self.target = target
        self.overwrite = overwrite


def _exists(path: Path) -> FileExistsError:
    return FileExistsError(errno.EEXIST, "destination: the file exists (pass overwrite=True to replace it)",
                           str(path))


def check_destination(destination: Any, overwrite: bool = False) -> Destination:
    """Check ``destination`` before anything is sent.

    Raises TypeError (unknown type, text-mode object), FileNotFoundError (missing directory),
    FileExistsError (an existing file path without ``overwrite=True``).
    """
    if isinstance(destination, (str, os.PathLike)):
        text = os.fsdecode(os.fspath(destination))
        if not text:
            raise ValueError("destination must not be an empty path")
        path = Path(text)
        if path.is_dir():
            return Destination("directory", path, overwrite)
        if text.endswith(("/", os.sep)):
            raise FileNotFoundError(errno.ENOENT, "destination: no such directory", text)
        if not path.parent.is_dir():
            raise FileNotFoundError(errno.ENOENT, "destination: the directory does not exist", str(path.parent))
        if not overwrite and os.path.lexists(path):
            raise _exists(path)
        return Destination("path", path, overwrite)
    if callable(getattr(destination, "write", None)):
        mode = getattr(destination, "mode", None)
        if isinstance(destination, io.TextIOBase) or (isinstance(mode, str) and mode and "b" not in mode):
            raise TypeError("destination is a text-mode file object; open it in binary mode ('wb')")
        return Destination("object", destination)
    raise TypeError(f"destination must be a file path, a directory or a writable binary file object, "
                    f"not {type(destination).__name__}")


def _copy(response: Any, out: IO[bytes] | Any, info: FileInfo, progress: Progress | None,
          check: Callable[[], None], seconds: float) -> int:
    import requests

    declared = response.headers.get("Content-Length", "")
    total = int(declared) if declared.isdigit() else info.size
    cap = size_cap(info.size)
    if progress is not None:
        progress.start(total)
    received = 0
    try:
        for chunk in response.iter_content(CHUNK_SIZE):
            check()
            received += len(chunk)
            if cap is not None and received > cap:  # a chunked body that outruns the reported size
                raise FileDownloadError(f"file {info.file_id}", response.status_code, info.file_id,
                                        f"the server sent more than the file's {info.size:,} bytes")
            out.write(chunk)
            if progress is not None:
                progress.advance(len(chunk))
    except requests.RequestException as exc:
        raise network_error(exc, f"download of file {info.file_id}", seconds) from None
    finally:
        if progress is not None:
            progress.close()
    if not declared.isdigit() and info.size and received != info.size:  # a chunked body must match exactly
        if received > info.size:
            raise FileDownloadError(f"file {info.file_id}", response.status_code, info.file_id,
                                    f"the server sent more than the file's {info.size:,} bytes")
        raise ConnectionLostError(f"download of file {info.file_id} ended after {received:,} of {info.size:,} bytes")
    return received


def _final_path(destination: Destination, info: FileInfo) -> Path:
    if destination.kind == "path":
        path: Path = destination.target
        return path
    fallback = safe_file_name(with_extension(f"file-{info.file_id[:16]}", info.mime_type or None), "file")
    return Path(destination.target) / safe_file_name(info.name, fallback)


def _numbered(path: Path, number: int) -> Path:
    """``report.pdf`` -> ``report (1).pdf`` (the extension kept; names stay within 255 bytes)."""
    if number == 0:
        return path
    stem, dot, ext = path.name.rpartition(".")
    if not dot or not stem:
        stem, ext = path.name, ""
    suffix = f" ({number})" + (f".{ext}" if ext else "")
    budget = 255 - len(suffix.encode("utf-8"))
    return path.with_name(stem.encode("utf-8")[:budget].decode("utf-8", "ignore") + suffix)


def _claim(temporary: Path, final: Path, destination: Destination) -> Path:
    """Give the finished ``temporary`` its final name and return that name.

    With ``overwrite`` the name is replaced. Otherwise the name is claimed with a hard link, which
    fails if it exists: no check-then-write race with another writer. Into a directory the next
    free ``name (n).ext`` is taken; an explicit path that appeared meanwhile raises FileExistsError.
    """
    if destination.overwrite:
        os.replace(temporary, final)
        return final
    tries = _MAX_FREE_NAME_TRIES if destination.kind == "directory" else 1
    for number in range(tries):
        candidate = _numbered(final, number)
        try:
            os.link(temporary, candidate)
        except FileExistsError:
            continue
        except OSError as exc:  # no hard links here (some network and FAT file systems)
            if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
                raise
            if not _claim_exclusively(temporary, candidate):
                continue
            return candidate
        os.unlink(temporary)
        return candidate
    raise _exists(final)


def _claim_exclusively(temporary: Path, candidate: Path) -> bool:
    """Without hard links: reserve ``candidate`` by creating it exclusively, then move over it."""
    try:
        os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    except FileExistsError:
        return False
    os.replace(temporary, candidate)
    return True


def _write_atomically(destination: Destination, final: Path, write: Callable[[IO[bytes]], Any]) -> Path:
    """Write through a temporary file next to ``final``, then give it its final name (see :func:`_claim`)."""
    temporary = final.parent / f".trueconf-{secrets.token_hex(6)}.part"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        return _claim(temporary, final, destination)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def download(core: ClientCore, file_id: str, destination: Destination, progress: Progress | None,
             timeout: float | None) -> Any:
    """The body of ``download_file``: returns the final Path, or the caller's file object."""
    seconds = core.check_timeout(timeout)
    state = state_of(core)
    generation = state.generation
    info = ready_info(core, file_id, seconds, generation)
    assert info.download_url is not None

    def check() -> None:
        state.check_open(generation)

    with secrets_hidden(urls=(info.download_url, server_url(info.download_url, core.base_url))):
        response = _get(core, info, seconds)
        with response:
            if destination.kind == "object":
                _copy(response, destination.target, info, progress, check, seconds)
                return destination.target
            final = _write_atomically(destination, _final_path(destination, info),
                                      lambda out: _copy(response, out, info, progress, check, seconds))
    log.debug("downloaded file %s (%d bytes)", file_id, info.size)
    return final


class FileStream(io.RawIOBase):
    """A downloading file as a readable binary stream (a context manager; close it when done).

    Attributes: ``file_id``, ``name``, ``size`` (bytes, as the server reports), ``mime_type``.
    Reads raise ConnectionLostError / RequestTimeoutError on network trouble.
    """

    def __init__(self, response: Any, info: FileInfo, secrets_scope: ExitStack, seconds: float) -> None:
        super().__init__()
        self.file_id = info.file_id
        self.name = info.name
        self.size = info.size
        self.mime_type = info.mime_type
        self._response = response
        self._chunks = response.iter_content(CHUNK_SIZE)
        self._left = memoryview(b"")
        self._received = 0
        self._cap = size_cap(info.size)
        self._scope = secrets_scope
        self._seconds = seconds

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        import requests

        if self.closed:
            raise ValueError("I/O operation on a closed FileStream")
        if not self._left:
            try:
                self._left = memoryview(next(self._chunks, b""))
            except requests.RequestException as exc:
                raise network_error(exc, f"download of file {self.file_id}", self._seconds) from None
            self._received += len(self._left)
            if self._cap is not None and self._received > self._cap:
                raise FileDownloadError(f"file {self.file_id}", self._response.status_code, self.file_id,
                                        f"the server sent more than the file's {self.size:,} bytes")
        count = min(len(buffer), len(self._left))
        buffer[:count] = self._left[:count]
        self._left = self._left[count:]
        return count

    def close(self) -> None:
        if not self.closed:
            try:
                self._response.close()
            finally:
                self._scope.close()
        super().close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<FileStream {self.name!r} file_id={self.file_id} {self.size} bytes {state}>"


def open_stream(core: ClientCore, file_id: str, timeout: float | None) -> FileStream:
    """The body of ``open_file``."""
    seconds = core.check_timeout(timeout)
    info = ready_info(core, file_id, seconds, state_of(core).generation)
    assert info.download_url is not None
    scope = ExitStack()
    scope.enter_context(secrets_hidden(urls=(info.download_url, server_url(info.download_url, core.base_url))))
    try:
        response = _get(core, info, seconds)
    except BaseException:
        scope.close()
        raise
    return FileStream(response, info, scope, seconds)
