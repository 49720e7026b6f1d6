"""The API requests the file methods make, sent through the client's core (``client.core``).

Each function takes the :class:`~trueconf_sync.core.protocols.ClientCore` and sends one row of the
method table (:class:`~trueconf_sync.api.methods.ApiMethods`): the row checks the arguments and
builds the payload, its ``spec`` says how to send it and parse the answer. Results are typed here,
so the rest of ``files/`` never sees the client or an untyped answer.
"""

from __future__ import annotations

from typing import Any, ParamSpec, TypeVar

from ..api.method import ApiMethod
from ..api.methods import ApiMethods
from ..api.models import FileInfo, SentFile, UploadLimits
from ..core.protocols import ClientCore

__all__ = ["create_upload_task", "edit_chat_avatar", "file_info", "send_uploaded", "subscribe_progress",
           "unsubscribe_progress", "upload_limits"]

P = ParamSpec("P")
R = TypeVar("R")


def _send(core: ClientCore, row: ApiMethod[P, R], timeout: float | None, *args: P.args, **kwargs: P.kwargs) -> R:
    """Send ``row`` with these arguments (checked by the row) and block for its parsed result."""
    result: R = core.request(row.spec, row.prepare(args, kwargs), timeout)
    return result


def file_info(core: ClientCore, file_id: str, timeout: float | None) -> FileInfo:
    """``getFileInfo``: the file's metadata, ready state and download URL."""
    return _send(core, ApiMethods.get_file_info, timeout, file_id)


def subscribe_progress(core: ClientCore, file_id: str, timeout: float | None) -> bool:
    """``subscribeFileProgress``: True if the server will send ``uploadFileProgress`` for the file."""
    return _send(core, ApiMethods.subscribe_file_progress, timeout, file_id)


def unsubscribe_progress(core: ClientCore, file_id: str, timeout: float | None) -> bool:
    """``unsubscribeFileProgress``: True if a subscription was removed."""
    return _send(core, ApiMethods.unsubscribe_file_progress, timeout, file_id)


def upload_limits(core: ClientCore, timeout: float | None) -> UploadLimits:
    """``getFileUploadLimits`` (server 5.5.3+; ApiError before)."""
    return _send(core, ApiMethods.get_file_upload_limits, timeout)


def create_upload_task(core: ClientCore, file_name: str, file_size: int, timeout: float | None) -> str:
    """``uploadFile`` (stage 1 of a send): the ``uploadTaskId`` for the HTTP upload."""
    return _send(core, ApiMethods.create_upload_task, timeout, file_name, file_size)


def send_uploaded(core: ClientCore, chat_id: str, temporal_file_id: str, caption: Any, parse_mode: Any,
                  reply_message_id: str | None, timeout: float | None) -> SentFile:
    """``sendFile`` (stage 3): post the uploaded file into the chat."""
    return _send(core, ApiMethods.send_file_by_temporal_id, timeout, chat_id, temporal_file_id, caption=caption,
                 parse_mode=parse_mode, reply_message_id=reply_message_id)


def edit_chat_avatar(core: ClientCore, chat_id: str, temporal_file_id: str, timeout: float | None) -> None:
    """``editChatAvatar``: make the uploaded image the chat's picture."""
    _send(core, ApiMethods.edit_chat_avatar_by_temporal_id, timeout, chat_id, temporal_file_id)
