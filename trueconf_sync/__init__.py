"""trueconf_sync: a synchronous, threaded client for the TrueConf Server Chatbot Connector API.

::

    from . import Client

    with Client("video.example.com", token=TOKEN) as client:
        client.send_message(chat_id, "Disk almost full on db-1")

Names are imported lazily, so ``import trueconf_sync`` stays fast.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .api.models import (
        Chat as Chat,
        ChatHistory as ChatHistory,
        Contact as Contact,
        Message as Message,
        RawEvent as RawEvent,
        SentFile as SentFile,
        SentMessage as SentMessage,
    )
    from .api.serverinfo import (
        ServerInfo as ServerInfo,
    )
    from .client import (
        Client as Client,
        ConnectionState as ConnectionState,
        Health as Health,
    )
    from .core.bulk import (
        SendResult as SendResult,
    )
    from .enums import (
        ActivityType as ActivityType,
        AuthorType as AuthorType,
        ChatType as ChatType,
        EnvelopeType as EnvelopeType,
        FileReadyState as FileReadyState,
        ParseMode as ParseMode,
        Role as Role,
    )
    from .errors import (
        ApiError as ApiError,
        AuthError as AuthError,
        BlockingCallError as BlockingCallError,
        ClientClosedError as ClientClosedError,
        ConnectionLostError as ConnectionLostError,
        ProtocolError as ProtocolError,
        RequestTimeoutError as RequestTimeoutError,
        TLSError as TLSError,
        TrueConfError as TrueConfError,
    )

# A library never configures logging; the NullHandler keeps Python's "last resort" handler from
# printing our warnings to stderr in applications that did not configure logging either. It is
# added here when logging is loaded already, else with the package's first logger (logs.py):
# importing the package does not import logging.
if "logging" in sys.modules:
    from .logs import null_handler_added

    null_handler_added()

_EXPORTS = {
    "SendResult": "core.bulk",
    "Client": "client",
    "ConnectionState": "client",
    "Health": "client",
    "ActivityType": "enums",
    "AuthorType": "enums",
    "ChatType": "enums",
    "EnvelopeType": "enums",
    "FileReadyState": "enums",
    "ParseMode": "enums",
    "Role": "enums",
    "ApiError": "errors",
    "AuthError": "errors",
    "BlockingCallError": "errors",
    "ClientClosedError": "errors",
    "ConnectionLostError": "errors",
    "ProtocolError": "errors",
    "RequestTimeoutError": "errors",
    "TLSError": "errors",
    "TrueConfError": "errors",
    "Chat": "api.models",
    "ChatHistory": "api.models",
    "Contact": "api.models",
    "Message": "api.models",
    "RawEvent": "api.models",
    "SentFile": "api.models",
    "SentMessage": "api.models",
    "ServerInfo": "api.serverinfo",
}

__all__ = [*sorted(_EXPORTS), "__version__"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'trueconf_sync' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
