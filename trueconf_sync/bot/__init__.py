"""Bot framework on top of :class:`~trueconf_sync.Client`: routers, filters, commands, dialogs
(FSM), middlewares, button callbacks — synchronous, handlers on the client's worker threads.

::

    from .. import Client
    from . import Command, Dispatcher, Router

    router = Router()

    @router.message(Command("start"))
    def start(message, command):
        message.answer(f"Hello! Arguments: {command.args}")

    @router.message()
    def echo(message):
        message.reply(message.text or "?")

    dp = Dispatcher()
    dp.include_router(router)
    dp.run(Client("video.example.com", username="echo_bot", password=PASSWORD))

``F`` (magic filters) needs the ``magic`` extra: ``pip install 'trueconf_sync[magic]'``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .callback import CallbackQuery
from .callback_data import CallbackData, CallbackDataFilter
from .commands import Command, CommandObject
from .dispatcher import Dispatcher, event_kind
from .env import client_from_env
from .event_filters import (
    ChatTypeFilter,
    Clicked,
    ContentType,
    ExceptionType,
    FromUser,
    Mentions,
    MentionsBot,
    Method,
    Regex,
    Text,
    mentions,
    plain_text,
    strip_markup,
)
from .filters import Filter, as_filter
from .fsm import (
    DefaultKeyBuilder,
    FSMContext,
    FSMStrategy,
    KeyBuilder,
    MemoryStorage,
    SQLiteStorage,
    State,
    StateFilter,
    StatesGroup,
    Storage,
    StorageKey,
    any_state,
    default_state,
)
from .handler import UNHANDLED, SkipHandler
from .middleware import BaseMiddleware, LoggingMiddleware, Middleware, ThrottlingMiddleware
from .router import EVENT_KINDS, Router
from .update import Update

if TYPE_CHECKING:
    from magic_filter import F as F

__all__ = [
    "EVENT_KINDS",
    "UNHANDLED",
    "BaseMiddleware",
    "CallbackData",
    "CallbackDataFilter",
    "CallbackQuery",
    "ChatTypeFilter",
    "Clicked",
    "Command",
    "CommandObject",
    "ContentType",
    "DefaultKeyBuilder",
    "Dispatcher",
    "ExceptionType",
    "F",
    "FSMContext",
    "FSMStrategy",
    "Filter",
    "FromUser",
    "KeyBuilder",
    "LoggingMiddleware",
    "MemoryStorage",
    "Mentions",
    "MentionsBot",
    "Method",
    "Middleware",
    "Regex",
    "Router",
    "SQLiteStorage",
    "SkipHandler",
    "State",
    "StateFilter",
    "StatesGroup",
    "Storage",
    "StorageKey",
    "Text",
    "ThrottlingMiddleware",
    "Update",
    "any_state",
    "as_filter",
    "client_from_env",
    "default_state",
    "event_kind",
    "mentions",
    "plain_text",
    "strip_markup",
]


def __getattr__(name: str) -> Any:
    if name == "F":
        try:
            from magic_filter import F
        except ImportError:
            raise ImportError("F needs the magic-filter package: pip install 'trueconf_sync[magic]'") from None
        globals()["F"] = F
        return F
    raise AttributeError(f"module 'trueconf_sync.bot' has no attribute {name!r}")
