"""A streaming ``multipart/form-data`` body of known length (PROTOCOL §6.1).

Written by hand rather than with requests-toolbelt: the upload needs exactly one shape (a ``file``
part and an optional ``preview`` part), a ``Content-Length`` known up front (an ordinary request,
not a chunked one), raw UTF-8 file names as the official SDK sends them, progress counting and a
cancellation check per chunk. That is about fifty lines here; requests-toolbelt's encoder would add
a dependency and still need the progress and cancellation wrapper around it.

The body is an iterable with ``__len__``: requests then sends ``Content-Length`` and urllib3 writes
each chunk as it comes, so memory use is one chunk whatever the file size.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import attrs

from .inputs import Source
from .transport import CHUNK_SIZE, Aborted

__all__ = ["MultipartBody", "Part"]


@attrs.frozen
class Part:
    """One form field: ``name`` (``"file"``/``"preview"``), the file name and type sent, the data."""

    name: str
    file_name: str
    content_type: str
    source: Source


def _quote(value: str) -> str:
    """A ``Content-Disposition`` parameter value: raw UTF-8, with ``"``, CR and LF escaped (as browsers do)."""
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class MultipartBody:
    """Iterable ``multipart/form-data`` body with a known length.

    Args:
        parts: the form fields, in order.
        on_chunk: called with the count of data bytes (not headers) after each chunk is handed
            to the socket; may raise to abort the upload.
    """

    def __init__(self, parts: list[Part], on_chunk: Callable[[int], None] | None = None) -> None:
        self.boundary = secrets.token_hex(16)
        self.parts = parts
        self._on_chunk = on_chunk
        self._heads = [self._head(part) for part in parts]
        self._tail = f"\r\n--{self.boundary}--\r\n".encode("ascii")
        self.data_size = sum(part.source.size for part in parts)
        self._length = sum(len(head) for head in self._heads) + self.data_size + len(self._tail)

    @property
    def content_type(self) -> str:
        """The request's ``Content-Type`` header value."""
        return f"multipart/form-data; boundary={self.boundary}"

    def _head(self, part: Part) -> bytes:
        lead = "" if part is self.parts[0] else "\r\n"
        return (f'{lead}--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(part.name)}"; '
                f'filename="{_quote(part.file_name)}"\r\nContent-Type: {part.content_type}\r\n\r\n').encode()

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        on_chunk = self._on_chunk
        for head, part in zip(self._heads, self.parts):
            yield head
            chunks = part.source.chunks(CHUNK_SIZE)
            while True:
                try:
                    data = next(chunks, None)
                except Exception as exc:  # a read error of the source: not a network error
                    raise Aborted(exc) from exc
                if data is None:
                    break
                yield data
                if on_chunk is not None:
                    try:
                        on_chunk(len(data))
                    except Exception as exc:
                        raise Aborted(exc) from exc
        yield self._tail
