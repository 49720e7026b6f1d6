"""Upload limits (PROTOCOL §3.28, §4.13): cached per client, checked before anything is uploaded."""

from __future__ import annotations

from ..api.models import UploadLimits
from ..core.protocols import ClientCore
from ..errors import ApiError
from ..logs import get_logger
from .calls import upload_limits
from .errors import FileExtensionError, FileTooLargeError
from .names import extension_of
from .state import state_of

__all__ = ["check_limits", "current_limits", "limits_for_upload"]

log = get_logger("trueconf_sync.files")


def current_limits(core: ClientCore, *, refresh: bool = False, timeout: float | None = None) -> UploadLimits:
    """The server's upload limits: cached, asked for on first use (or with ``refresh=True``).

    The cache is replaced by every ``getFileUploadLimits`` event and dropped on reconnect.
    Raises ApiError when the server does not answer ``getFileUploadLimits`` (before 5.5.3).
    """
    state = state_of(core)
    with state.lock:
        cached = state.limits
    if cached is not None and not refresh:
        return cached
    generation = state.generation
    limits = upload_limits(core, timeout)
    with state.lock:
        if state.generation == generation:
            state.limits = limits
            state.limits_unsupported = False
    return limits


def limits_for_upload(core: ClientCore, timeout: float | None) -> UploadLimits | None:
    """The limits to check an upload against; None when the server cannot tell (older servers).

    An ApiError from ``getFileUploadLimits`` means the server does not know the request: that is
    remembered, and the server's own check (error 310 from ``uploadFile``) is relied upon instead.
    """
    state = state_of(core)
    if state.limits_unsupported:
        return None
    try:
        return current_limits(core, timeout=timeout)
    except ApiError as exc:
        log.debug("getFileUploadLimits not answered (%s); relying on the server's own check", exc)
        with state.lock:
            state.limits_unsupported = True
        return None


def check_limits(limits: UploadLimits | None, file_name: str, size: int) -> None:
    """Raise FileTooLargeError / FileExtensionError when the file breaks ``limits``.

    Extensions are compared without dots and in lower case, like TrueConf's own clients do.
    """
    if limits is None:
        return
    if limits.max_size is not None and size > limits.max_size:
        raise FileTooLargeError(file_name, size, limits.max_size)
    rule = limits.extensions
    if rule is None:
        return
    listed = [str(item).strip().lstrip(".").lower() for item in rule.list]
    extension = extension_of(file_name)
    mode = str(rule.mode).lower()
    if (mode == "allow" and extension not in listed) or (mode == "block" and extension in listed):
        raise FileExtensionError(file_name, extension, mode, listed)
