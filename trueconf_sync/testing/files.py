"""File domain (§3.23–§3.28, §6): upload tasks, stored files, download URLs, limits, progress."""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from . import errors
from .core import Core
from .errors import ApiError
from .state import READY, READY_NOT_AVAILABLE, READY_UPLOADING, StoredFile, TempFile, new_hex_id

DOWNLOAD_PREFIX = "/bridge/api/client/v1/files/download"


def limits_payload(core: Core) -> dict[str, Any]:
    """Payload of ``getFileUploadLimits`` (response and event, §3.28/§4.13)."""
    return {"maxSize": core.max_upload_size, "extensions": core.upload_extensions}


def extension_of(name: str) -> str:
    """Lower-case extension without the dot ("" when none)."""
    return name.rsplit(".", 1)[1].lower() if "." in name else ""


def check_limits(core: Core, size: int, name: str) -> None:
    """Raise 310 when ``size`` or the extension of ``name`` breaks the administrator's limits."""
    if core.max_upload_size is not None and size > core.max_upload_size:
        raise ApiError(errors.FILE_UPLOAD_FAILED, "File is larger than the size limit")
    ext = core.upload_extensions
    if ext:
        listed = {str(e).lstrip(".").lower() for e in ext.get("list", [])}
        allowed = extension_of(name) in listed
        if (ext.get("mode") == "allow") != allowed:
            raise ApiError(errors.FILE_UPLOAD_FAILED, "File extension is not allowed")


def publish(core: Core, temp: TempFile, ready_delay: float | None = None) -> StoredFile:
    """Turn an uploaded temporary file into a stored file (UPLOADING for ``ready_delay`` s)."""
    core.state.temp_files.pop(temp.temporal_id, None)
    stored = StoredFile(file_id=new_hex_id(), name=temp.name, size=temp.size, mime_type=temp.mime_type,
                        path=temp.path, key=secrets.token_urlsafe(24), preview=temp.preview)
    core.state.files[stored.file_id] = stored
    delay = core.config.file_ready_delay if ready_delay is None else ready_delay
    if delay > 0:
        stored.ready_state = READY_UPLOADING
        asyncio.get_running_loop().create_task(_upload_progress(core, stored, delay))
    else:
        stored.progress = stored.size
    return stored


async def _upload_progress(core: Core, stored: StoredFile, delay: float) -> None:
    """Emit ``uploadFileProgress`` to subscribers until the file becomes READY (§6.4)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while True:
        await asyncio.sleep(max(0.01, min(core.config.progress_interval, delay)))
        elapsed = loop.time() - start
        if stored.ready_state != READY_UPLOADING:
            return
        if elapsed >= delay:
            stored.progress = stored.size
            _notify_progress(core, stored)
            stored.ready_state = READY
            core.changed()
            return
        stored.progress = int(stored.size * elapsed / delay)
        _notify_progress(core, stored)


def _notify_progress(core: Core, stored: StoredFile) -> None:
    for session in list(core.progress_subscribers.get(stored.file_id, ())):
        if session.authorized:
            session.push("uploadFileProgress", {"fileId": stored.file_id, "progress": stored.progress})


def download_url(core: Core, stored: StoredFile, preview: bool = False, base: str | None = None) -> str:
    """Capability URL (unguessable key) serving the file or its preview (§6.2)."""
    suffix = "/preview" if preview else ""
    base = core.config.download_base_url or base
    return f"{base or core.base_url}{DOWNLOAD_PREFIX}/{stored.file_id}{suffix}?key={stored.key}"


def file_info(core: Core, stored: StoredFile, base: str | None = None) -> dict[str, Any]:
    """Payload of ``getFileInfo`` (§3.25): both ``fileId`` and ``infoHash``."""
    ready = stored.ready_state == READY and stored.path.exists()
    previews = None
    if stored.preview is not None:
        previews = [{"name": stored.preview.name, "mimeType": stored.preview.mime_type,
                     "size": stored.preview.size,
                     "downloadUrl": download_url(core, stored, True, base) if ready else None}]
    return {"name": stored.name, "size": stored.size, "mimeType": stored.mime_type,
            "downloadUrl": download_url(core, stored, False, base) if ready else None,
            "readyState": stored.ready_state if stored.path.exists() else READY_NOT_AVAILABLE,
            "fileId": stored.file_id, "infoHash": stored.file_id, "previews": previews}


def attachment_content(stored: StoredFile) -> dict[str, Any]:
    """Content of a type-202 envelope."""
    return {"name": stored.name, "mimeType": stored.mime_type, "size": stored.size,
            "fileId": stored.file_id, "readyState": stored.ready_state}


def new_temp_file(core: Core, owner_id: str, name: str, data: bytes, mime_type: str) -> TempFile:
    """Store bytes given from Python (simulated users) as a temporary upload."""
    temporal_id = new_hex_id()
    path = core.files_dir / temporal_id
    path.write_bytes(data)
    temp = TempFile(temporal_id=temporal_id, owner_id=owner_id, name=name, size=len(data),
                    mime_type=mime_type, path=path)
    core.state.temp_files[temporal_id] = temp
    return temp
