"""Rows of the method table: files at the wire level (PROTOCOL §3.23-§3.28).

These are the single requests; :mod:`trueconf_sync.files` builds ``send_file``,
``download_file`` and friends (upload over HTTP, waiting for a file to be ready) on top of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ...enums import ParseMode
from ...limits import check_count, check_id
from ..method import Payload, api
from ..validation import check_text
from .common import Timeout, as_, key, models

if TYPE_CHECKING:
    from ...text.formatting import FormattedText

__all__ = [
    "create_upload_task",
    "get_file_info",
    "get_file_upload_limits",
    "send_file_by_temporal_id",
    "subscribe_file_progress",
    "unsubscribe_file_progress",
]


@api("uploadFile", key("uploadTaskId", str))
def create_upload_task(file_name: str, file_size: int, *, timeout: Timeout = None) -> Payload:
    """Stage 1 of sending a file: announce its name and size; returns the ``uploadTaskId``.

    The wire level of :meth:`~trueconf_sync.Client.send_file`, which does all three stages.
    Raises ApiError 310 when the file breaks the server's upload limits.
    """
    return {"fileSize": check_count("file_size", file_size, minimum=0, maximum=2**53),
            "fileName": check_id("file_name", file_name)}


@api("sendFile", as_(lambda: models.SentFile))
def send_file_by_temporal_id(
    chat_id: str,
    temporal_file_id: str,
    *,
    caption: str | FormattedText | None = None,
    parse_mode: ParseMode | str | None = None,
    reply_message_id: str | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Stage 3 of sending a file: post an uploaded file (its ``temporalFileId``) into a chat.

    The wire level of :meth:`~trueconf_sync.Client.send_file`. Returns
    :class:`~trueconf_sync.models.SentFile`; ApiError 308/310 for an unknown or used upload.
    """
    content: Payload = {"temporalFileId": check_id("temporal_file_id", temporal_file_id)}
    if caption is not None:
        text, mode = check_text("caption", caption, parse_mode)
        content["caption"] = {"text": text, "parseMode": mode.value}
    elif parse_mode is not None:
        raise ValueError("parse_mode applies to the caption; give a caption or leave parse_mode out")
    payload: Payload = {"chatId": check_id("chat_id", chat_id), "content": content}
    if reply_message_id is not None:
        payload["replyMessageId"] = check_id("reply_message_id", reply_message_id)
    return payload


@api("getFileInfo", as_(lambda: models.FileInfo))
def get_file_info(file_id: str, *, timeout: Timeout = None) -> Payload:
    """Return a file's metadata and download URL (:class:`~trueconf_sync.models.FileInfo`)."""
    return {"fileId": check_id("file_id", file_id)}


@api("subscribeFileProgress", key("result", bool))
def subscribe_file_progress(file_id: str, *, timeout: Timeout = None) -> Payload:
    """Ask for ``uploadFileProgress`` events of a file still uploading; True if subscribed."""
    return {"fileId": check_id("file_id", file_id)}


@api("unsubscribeFileProgress", key("result", bool))
def unsubscribe_file_progress(file_id: str, *, timeout: Timeout = None) -> Payload:
    """Stop the progress events of a file; True if a subscription was removed."""
    return {"fileId": check_id("file_id", file_id)}


@api("getFileUploadLimits", as_(lambda: models.UploadLimits))
def get_file_upload_limits(*, timeout: Timeout = None) -> Payload:
    """Return the server's upload limits (:class:`~trueconf_sync.models.UploadLimits`)."""
    return {}
