"""The ``preview`` part that makes an image show inline as a photo (PROTOCOL §6.3).

With Pillow installed (``pip install 'trueconf_sync[images]'``) the preview is a WebP thumbnail,
at most 512 px on its longer side, turned upright by the photo's EXIF orientation. Without Pillow
(or when Pillow cannot read the image) a JPEG, PNG, WebP or GIF image of at most 5 MiB is sent as
its own preview: the same bytes, streamed a second time. Anything else needs Pillow or a preview
given by the caller (``send_photo(..., preview=...)``).
"""

from __future__ import annotations

import importlib
import io
from typing import Any

from ..logs import get_logger
from .inputs import Source
from .multipart import Part

__all__ = ["PREVIEW_SIDE", "REUSE_LIMIT", "photo_preview"]

log = get_logger("trueconf_sync.files")

#: Longer side of a generated preview, in pixels.
PREVIEW_SIDE = 512
#: Largest image sent as its own preview when no thumbnail can be made (bytes).
REUSE_LIMIT = 5 * 1024 * 1024
#: Image types every TrueConf app can show, so they may serve as their own preview.
REUSABLE = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"})


def _pillow() -> Any:
    try:
        return importlib.import_module("PIL.Image")
    except ImportError:
        return None


def _thumbnail(image_module: Any, source: Source) -> tuple[bytes, str] | None:
    """A small WebP (or JPEG) of the image, or None when Pillow cannot read it."""
    ops = importlib.import_module("PIL.ImageOps")
    try:
        with source.reader() as reader, image_module.open(reader) as opened:
            opened.draft("RGB", (PREVIEW_SIDE, PREVIEW_SIDE))  # JPEG: decode at a reduced scale
            image = ops.exif_transpose(opened)
            image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
            if image.mode in ("P", "PA", "LA", "La", "RGBa") or "transparency" in image.info:
                image = image.convert("RGBA")
            elif image.mode not in ("RGB", "RGBA"):
                image = image.convert("RGB")
            out = io.BytesIO()
            try:
                image.save(out, "WEBP", quality=80)
                return out.getvalue(), "image/webp"
            except (KeyError, OSError):  # a Pillow built without WebP
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=85)
                return out.getvalue(), "image/jpeg"
    except (OSError, ValueError, SyntaxError, image_module.DecompressionBombError) as exc:
        log.debug("Pillow could not make a preview of %s: %s", source.name, exc)
        return None


def photo_preview(source: Source) -> Part:
    """The ``preview`` part for the photo ``source`` (see the module docstring).

    Raises ValueError when no preview can be made (not an image Pillow reads, and not a small
    JPEG/PNG/WebP/GIF).
    """
    image_module = _pillow()
    if image_module is not None:
        made = _thumbnail(image_module, source)
        if made is not None:
            data, mime = made
            stem = source.name.rsplit(".", 1)[0] if "." in source.name else source.name
            ext = ".webp" if mime == "image/webp" else ".jpg"
            return Part("preview", f"{stem or 'preview'}{ext}", mime, Source(io.BytesIO(data), 0, len(data), True,
                                                                              "preview"))
    if source.mime_type in REUSABLE and source.size <= REUSE_LIMIT:
        return Part("preview", source.name, source.mime_type, source)
    why = "Pillow could not read it" if image_module is not None else "Pillow is not installed"
    raise ValueError(
        f"file: cannot make a preview of {source.name!r} ({source.mime_type}, {source.size:,} bytes): {why}, and "
        f"only JPEG, PNG, WebP or GIF images up to {REUSE_LIMIT:,} bytes serve as their own preview; "
        "install Pillow (pip install 'trueconf_sync[images]') or pass preview=..."
    )
