"""Attach the receiving client to messages, so ``message.reply(...)`` and friends work.

The client is anything satisfying :class:`~trueconf_sync.api.models.bound.BoundClient` (the
methods the shortcuts call); :class:`~trueconf_sync.Client` does.
"""

from __future__ import annotations

from typing import Any

from .bound import BoundClient
from .chat import Chat
from .message import Message
from .results import ChatHistory

__all__ = ["BoundClient", "bind_client"]

_setattr = object.__setattr__
_set_client = vars(Message)["client"].__set__  # the slot itself (every received message is bound)


def bind_client(obj: Any, client: BoundClient) -> Any:
    """Set ``client`` on every :class:`Message` inside ``obj`` (message, history, chat, list); return ``obj``."""
    if isinstance(obj, Message):
        _set_client(obj, client)
        if obj.reply_message is not None:
            bind_client(obj.reply_message, client)
        if isinstance(obj.content, Message):
            bind_client(obj.content, client)
    elif isinstance(obj, ChatHistory):
        for message in obj.messages:
            bind_client(message, client)
    elif isinstance(obj, Chat):
        if obj.last_message is not None:
            bind_client(obj.last_message, client)
    elif isinstance(obj, list):
        for item in obj:
            bind_client(item, client)
    elif hasattr(obj, "command_source") and getattr(obj.command_source, "message", None) is not None:
        bind_client(obj.command_source.message, client)
    return obj
