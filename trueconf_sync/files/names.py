"""File names and MIME types: detection for uploads, sanitising for downloads.

Names that come from the server are untrusted: :func:`safe_file_name` turns any of them into one
plain file name that stays inside the directory it is joined to (no separators, no ``..``, no
control characters, no reserved Windows device names, at most 255 bytes).
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata

__all__ = [
    "DEFAULT_MIME",
    "check_file_name",
    "check_mime_type",
    "extension_of",
    "guess_mime",
    "safe_file_name",
    "sniff_mime",
    "with_extension",
]

DEFAULT_MIME = "application/octet-stream"
_MAX_NAME_BYTES = 255
_MIME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
# Bidirectional controls can disguise an extension ("report\u202egpj.exe"); they are replaced.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Windows device names, also with an extension or trailing spaces ("CON .txt"); COM and LPT take the
# superscript digits too ("COM¹.txt" opens the port), and the console has CONIN$ / CONOUT$.
_PORT_DIGITS = "0123456789\u00b9\u00b2\u00b3"
_WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                              *(f"{port}{digit}" for port in ("COM", "LPT") for digit in _PORT_DIGITS)})
# Extensions for types the platform's tables may lack or spell differently.
_EXTENSIONS = {"image/jpeg": ".jpg", "image/webp": ".webp", "sticker/webp": ".webp", "audio/ogg": ".ogg",
               "audio/opus": ".opus", "audio/mpeg": ".mp3", "text/plain": ".txt", "application/pdf": ".pdf"}
_MAGIC: tuple[tuple[bytes, int, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
    (b"%PDF-", 0, "application/pdf"),
    (b"OggS", 0, "audio/ogg"),
    (b"PK\x03\x04", 0, "application/zip"),
)


def sniff_mime(head: bytes) -> str | None:
    """The MIME type told by the first bytes of a file (common images, PDF, Ogg, ZIP), or None."""
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    for magic, offset, mime in _MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return mime
    return None


def guess_mime(name: str) -> str | None:
    """The MIME type of a file name's extension, or None."""
    lowered = name.lower()
    if lowered.endswith(".webp"):
        return "image/webp"
    mime, _ = mimetypes.guess_type(lowered, strict=False)
    return mime


def extension_of(name: str) -> str:
    """The extension of ``name``: lower case, without the dot; ``""`` when there is none."""
    base = name.rsplit("/", 1)[-1]
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem else ""


def with_extension(stem: str, mime: str | None) -> str:
    """``stem`` plus the usual extension of ``mime`` (``"photo"`` + ``image/png`` -> ``photo.png``)."""
    if not mime:
        return stem
    ext = _EXTENSIONS.get(mime) or mimetypes.guess_extension(mime, strict=False)
    return stem + ext if ext else stem


def check_file_name(name: object, argument: str = "file_name") -> str:
    """Validate a file name given by the caller: a non-empty str without separators or control chars."""
    if not isinstance(name, str):
        raise TypeError(f"{argument} must be a str, not {type(name).__name__}")
    if not name.strip() or name in (".", ".."):
        raise ValueError(f"{argument} must be a non-empty file name, got {name!r}")
    if "/" in name or "\\" in name or any(unicodedata.category(c) == "Cc" or c in _BIDI for c in name):
        raise ValueError(f"{argument} must be a plain file name without path separators, control or "
                         f"bidirectional-override characters, got {name!r}")
    if len(name.encode("utf-8")) > _MAX_NAME_BYTES:
        raise ValueError(f"{argument} is {len(name.encode('utf-8'))} bytes long in UTF-8; the limit is "
                         f"{_MAX_NAME_BYTES}")
    return name


def check_mime_type(mime: object, argument: str = "mime_type") -> str:
    """Validate a MIME type given by the caller (``type/subtype``); parameters are dropped."""
    if not isinstance(mime, str):
        raise TypeError(f"{argument} must be a str like 'image/png', not {type(mime).__name__}")
    bare = mime.split(";", 1)[0].strip()
    if not _MIME_RE.match(bare):
        raise ValueError(f"{argument} must look like 'type/subtype' (e.g. 'application/pdf'), got {mime!r}")
    return bare.lower()


def _truncate(name: str) -> str:
    """Cut ``name`` to at most 255 UTF-8 bytes, keeping its extension when it is short."""
    if len(name.encode("utf-8")) <= _MAX_NAME_BYTES:
        return name
    stem, dot, ext = name.rpartition(".")
    suffix = f".{ext}" if dot and stem and len(ext.encode("utf-8")) <= 16 else ""
    stem = stem if suffix else name
    budget = _MAX_NAME_BYTES - len(suffix.encode("utf-8"))
    cut = stem.encode("utf-8")[:budget].decode("utf-8", "ignore")
    return cut + suffix


def safe_file_name(name: str | None, fallback: str) -> str:
    """A harmless local file name for a name sent by the server (``fallback`` when nothing is left).

    Keeps only the last path component (``/`` and ``\\`` both count), replaces characters that are
    unsafe on common file systems with ``_``, strips leading dots and spaces (so ``..`` and hidden
    names cannot appear) and trailing dots and spaces, prefixes reserved Windows device names and
    cuts to 255 UTF-8 bytes. The result never contains a separator, so joined to a directory it
    stays in that directory.
    """
    text = unicodedata.normalize("NFC", name or "")
    text = re.split(r"[/\\]", text)[-1]
    text = _UNSAFE.sub("_", text)
    text = "".join("_" if c in _BIDI or unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text)
    text = text.lstrip(". ").rstrip(". ")
    if not text.strip("_"):
        text = fallback
    if text.split(".", 1)[0].rstrip(" ").upper() in _WINDOWS_DEVICES:
        text = "_" + text
    return _truncate(text)
