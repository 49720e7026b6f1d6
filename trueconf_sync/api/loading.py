"""Load what reading answers and events needs (models, converter, ``bind_client``) once, on demand.

``from trueconf_sync import Client`` imports none of it (issue 15: import time and memory). The
client calls :func:`load_models` when it connects, on the connecting thread, before its reader
thread exists, so neither the reader nor a handler thread ever runs a first import (which could
wait on an import lock another thread holds).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .methods.common import load_parsers

if TYPE_CHECKING:
    from .models import Message
    from .models.bound import BoundClient

__all__ = ["LOADED", "bind_client", "load_models"]


class Loaded:
    """What the client needs from the models, set by :func:`load_models`."""

    bind: Callable[[Any, BoundClient], Any] | None = None
    message: type[Message] | tuple[()] = ()  # isinstance(x, ()) is False until the models are loaded


LOADED = Loaded()


def load_models() -> None:
    """Import the models, the converter and ``bind_client`` (once; then a no-op)."""
    if LOADED.bind is None:
        load_parsers()
        from .models import Message
        from .models.binding import bind_client as bind

        LOADED.message = Message
        LOADED.bind = bind


def bind_client(result: Any, client: BoundClient) -> Any:
    """:func:`~trueconf_sync.api.models.binding.bind_client`, loading the models first if needed."""
    if LOADED.bind is None:
        load_models()
    assert LOADED.bind is not None
    return LOADED.bind(result, client)
