"""Sending a file in three stages (PROTOCOL §6.3): ``uploadFile`` -> HTTP POST -> ``sendFile``.

The HTTP stage streams the multipart body from the source chunk by chunk (see :mod:`.multipart`),
so memory use does not grow with the file. Before stage 1 the file is checked against the
server's upload limits (:mod:`.limits`); nothing is uploaded when it breaks them.
"""

from __future__ import annotations

import logging
from typing import Any

from ..api.models import SentFile
from ..core.protocols import ClientCore
from ..errors import ApiError, ProtocolError
from .calls import create_upload_task, edit_chat_avatar, send_uploaded
from .inputs import FileArgument, Source
from .limits import check_limits, limits_for_upload
from .multipart import MultipartBody, Part
from .preview import photo_preview
from .progress import Progress
from .redact import scrub, secrets_hidden, short_id
from .state import state_of
from .transport import Aborted, network_error

__all__ = ["UPLOAD_PATH", "edit_avatar", "send", "upload"]

log = logging.getLogger("trueconf_sync.files")

UPLOAD_PATH = "/bridge/api/client/v1/files"
_WEBP = (b"RIFF", b"WEBP")


def _parts(kind: str, source: Source, preview: Source | None) -> list[Part]:
    """The multipart fields of a document, photo, sticker or avatar upload."""
    if kind == "sticker":
        head = source.head(12)
        if head[:4] != _WEBP[0] or head[8:12] != _WEBP[1]:
            raise ValueError(f"file: a sticker must be a WebP image; {source.name!r} is not (it starts with "
                             f"{head[:4]!r})")
        # 5.5.3+: the file part says sticker/webp, the preview is the same bytes as image/webp (§6.3).
        return [Part("file", source.name, "sticker/webp", source), Part("preview", source.name, "image/webp", source)]
    if kind in ("photo", "avatar") and not source.mime_type.startswith("image/"):
        raise ValueError(f"file: {source.name!r} is {source.mime_type}, not an image; "
                         + ("use send_file for documents" if kind == "photo" else "an avatar must be an image"))
    parts = [Part("file", source.name, source.mime_type, source)]
    if kind == "photo":
        if preview is not None:
            parts.append(Part("preview", preview.name, preview.mime_type, preview))
        else:
            parts.append(photo_preview(source))
    return parts


def _temporal_id(response: Any) -> str:
    """``temporalFileId`` of a 2xx answer; ApiError with the server's code for anything else."""
    try:
        data = response.json()
    except ValueError:
        data = None
    status = response.status_code
    if 200 <= status < 300:
        temporal = data.get("temporalFileId") if isinstance(data, dict) else None
        if not isinstance(temporal, str) or not temporal:
            raise ProtocolError(f"the upload endpoint answered HTTP {status} without a temporalFileId")
        return temporal
    body = data if isinstance(data, dict) else {}
    raw_code = body.get("error")
    code = raw_code if isinstance(raw_code, int) and not isinstance(raw_code, bool) else 310
    description = scrub(str(body.get("error_description") or response.reason or "")).strip()
    payload = {"error": code, "error_description": description, "status": status}
    raise ApiError(code, payload, method="file upload", description=f"HTTP {status}: {description}".rstrip(": "))


def upload(core: ClientCore, parts: list[Part], progress: Progress | None, seconds: float, generation: int) -> str:
    """Stages 1 and 2: announce ``parts[0]`` and post all parts; return the ``temporalFileId``."""
    import requests

    state = state_of(core)
    source = parts[0].source
    task_id = create_upload_task(core, source.name, source.size, seconds)

    def on_chunk(count: int) -> None:
        state.check_open(generation)
        if progress is not None:
            progress.advance(count)

    body = MultipartBody(parts, on_chunk)
    if progress is not None:
        progress.start(body.data_size)
    headers = {"Upload-Task-Id": task_id, "Content-Type": body.content_type}
    if log.isEnabledFor(logging.DEBUG):
        log.debug("uploading %r (%d bytes, task %s)", source.name, source.size, short_id(task_id))
    with secrets_hidden(ids=(task_id,)):
        try:
            response = core.http_session().post(core.base_url + UPLOAD_PATH, data=body, headers=headers,
                                                timeout=(seconds, seconds))
        except Aborted as exc:
            raise exc.error from None
        except requests.RequestException as exc:
            raise network_error(exc, "file upload", seconds) from None
        finally:
            if progress is not None:
                progress.close()
        with response:
            return _temporal_id(response)


def _upload_source(core: ClientCore, kind: str, file: FileArgument, preview: FileArgument | None,
                   progress: Progress | None, seconds: float) -> str:
    state = state_of(core)
    generation = state.generation
    limits = limits_for_upload(core, seconds)
    cap = limits.max_size if limits is not None else None

    def check() -> None:
        state.check_open(generation)

    source = file.load(cap, check)
    preview_source = preview.load(None, check) if preview is not None else None
    parts = _parts(kind, source, preview_source)
    check_limits(limits, source.name, source.size)
    return upload(core, parts, progress, seconds, generation)


def send(core: ClientCore, chat_id: str, kind: str, file: FileArgument, preview: FileArgument | None,
         caption: Any, parse_mode: Any, reply_message_id: str | None, progress: Progress | None,
         timeout: float | None) -> SentFile:
    """All three stages of ``send_file`` / ``send_photo`` / ``send_sticker``."""
    seconds = core.check_timeout(timeout)
    temporal = _upload_source(core, kind, file, preview, progress, seconds)
    return send_uploaded(core, chat_id, temporal, caption, parse_mode, reply_message_id, seconds)


def edit_avatar(core: ClientCore, chat_id: str, file: FileArgument, timeout: float | None) -> None:
    """Upload an image and make it the chat's picture (§3.21)."""
    seconds = core.check_timeout(timeout)
    temporal = _upload_source(core, "avatar", file, None, None, seconds)
    edit_chat_avatar(core, chat_id, temporal, seconds)
