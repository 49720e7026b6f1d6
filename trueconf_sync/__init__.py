"""trueconf_sync: a synchronous, threaded client for the TrueConf Server Chatbot Connector API.

::

    from trueconf_sync import Client

    with Client("video.example.com", token=TOKEN) as client:
        client.send_message(chat_id, "Disk almost full on db-1")

Names are imported lazily, so ``import trueconf_sync`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from .bulk import (
        SendResult as SendResult,
    )
    from .client import (
        Client as Client,
    )
    from .client import (
        ConnectionState as ConnectionState,
    )
    from .enums import (
        ActivityType as ActivityType,
    )
    from .enums import (
        AuthorType as AuthorType,
    )
    from .enums import (
        ChatType as ChatType,
    )
    from .enums import (
        EnvelopeType as EnvelopeType,
    )
    from .enums import (
        FileReadyState as FileReadyState,
    )
    from .enums import (
        ParseMode as ParseMode,
    )
    from .enums import (
        Role as Role,
    )
    from .errors import (
        ApiError as ApiError,
    )
    from .errors import (
        AuthError as AuthError,
    )
    from .errors import (
        BlockingCallError as BlockingCallError,
    )
    from .errors import (
        ClientClosedError as ClientClosedError,
    )
    from .errors import (
        ConnectionLostError as ConnectionLostError,
    )
    from .errors import (
        ProtocolError as ProtocolError,
    )
    from .errors import (
        RequestTimeoutError as RequestTimeoutError,
    )
    from .errors import (
        TLSError as TLSError,
    )
    from .errors import (
        TrueConfError as TrueConfError,
    )
    from .models import (
        Chat as Chat,
    )
    from .models import (
        ChatHistory as ChatHistory,
    )
    from .models import (
        Message as Message,
    )
    from .models import (
        RawEvent as RawEvent,
    )
    from .models import (
        SentMessage as SentMessage,
    )

_EXPORTS = {
    "Client": "client",
    "ConnectionState": "client",
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
    "Chat": "models",
    "ChatHistory": "models",
    "Message": "models",
    "RawEvent": "models",
    "SentMessage": "models",
    "SendResult": "bulk",
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
