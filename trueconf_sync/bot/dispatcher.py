"""``Dispatcher``: the root router; attaches to a :class:`~trueconf_sync.Client` and routes its events.

::

    dp = Dispatcher(storage=SQLiteStorage("bot.db"))
    dp.include_router(router)
    client = Client("video.example.com", username="bot", password=PASSWORD, workers=8)
    dp.run(client)                      # attach + client.run_forever()

Threads: the dispatcher adds none for handling. It connects to the client's
:data:`~trueconf_sync.signals.event_received` signal, so handlers run on the client's own worker
threads: events of one chat in arrival order, different chats in parallel with ``workers=N``.

What a handler can ask for by parameter name: ``event`` (the event), ``message`` (new messages,
and for button clicks the message holding the button), ``click`` (button clicks), ``client``,
``dispatcher``, ``state`` (:class:`~.fsm.FSMContext`, None for events without a chat),
``event_kind``, ``method`` (wire method), ``event_chat_id``, ``event_user_id`` (``""`` when
unknown), ``handler``, values added by filters (``command``, ``match``, ``callback_data``...), by
middlewares, and the dispatcher's own values (``dp["db"] = db``).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from typing import Any

from blinker import NamedSignal

from ..api.models import ButtonClicked, Message, RawEvent
from ..client import Client
from ..enums import ChatType
from ..errors import TrueConfError
from ..events.kinds import KINDS, EventKind
from ..events.signals import connection_state_changed, event_received
from ..events.workers import chat_key
from ..ids import same_user
from .fsm.context import FSMContext
from .fsm.memory import MemoryStorage
from .fsm.storage import KeyStrategy, Storage, make_key
from .handler import UNHANDLED
from .router import Router, Trace
from .watchdog import SlowHandlerWatchdog

__all__ = ["Dispatcher", "event_kind"]

log = logging.getLogger("trueconf_sync.bot")

_KIND_BY_MODEL: dict[type[Any], str] = {kind.model: kind.name for kind in reversed(KINDS)}  # the first wins
_KIND_BY_METHOD: dict[str, EventKind] = {method: kind for kind in KINDS for method in kind.methods}
_STRATEGIES = ("user_in_chat", "chat", "global_user")


def event_kind(event: Any, method: str | None = None) -> str:
    """The kind of an event as routers name it: ``"message"``, ``"button_clicked"``, ``"raw"``...

    ``method`` (the wire method it came by) decides when two kinds share a model.
    """
    if isinstance(event, Message):
        return "system_message" if event.is_system else "message"
    kind = _KIND_BY_METHOD.get(method) if method else None
    if kind is not None and isinstance(event, kind.model):
        return kind.name
    return _KIND_BY_MODEL.get(type(event), "raw")


def _chat_of(event: Any) -> str:
    if isinstance(event, RawEvent):
        return chat_key(event.payload)
    chat_id = getattr(event, "chat_id", None)
    return chat_id if isinstance(chat_id, str) else ""


class Dispatcher(Router):
    """The root of a router tree, attached to one or more clients.

    Args:
        storage: where dialog state lives (default: a new :class:`~.fsm.MemoryStorage`).
        fsm_strategy: ``"user_in_chat"`` (one dialog per user in each chat), ``"chat"`` (shared by
            the chat) or ``"global_user"`` (one per user in all chats).
        slow_handler_threshold: log a warning when handling one event takes longer than this many
            seconds (it blocks later events of the chat); None disables the check.
        name: router name for logs.
        **data: values every handler can ask for by name (also ``dp["name"] = value``).

    Raises:
        ValueError: bad strategy or threshold. TypeError: a storage missing storage methods.
    """

    def __init__(
        self,
        *,
        storage: Storage | None = None,
        fsm_strategy: KeyStrategy = "user_in_chat",
        slow_handler_threshold: float | None = 10.0,
        name: str = "dispatcher",
        **data: Any,
    ) -> None:
        super().__init__(name)
        if fsm_strategy not in _STRATEGIES:
            raise ValueError(f"fsm_strategy must be one of {', '.join(_STRATEGIES)}, got {fsm_strategy!r}")
        if storage is not None and not isinstance(storage, Storage):
            raise TypeError(f"storage must implement the Storage methods, got {type(storage).__name__}")
        self.storage: Storage = storage if storage is not None else MemoryStorage()
        self.fsm_strategy: KeyStrategy = fsm_strategy
        self.watchdog = (SlowHandlerWatchdog(slow_handler_threshold, name)
                         if slow_handler_threshold is not None else None)
        self.data: dict[str, Any] = dict(data)
        self._clients: dict[Client, tuple[Any, Any]] = {}
        self._peers: OrderedDict[str, str] = OrderedDict()  # P2P chat id -> the other member
        self._peers_lock = threading.Lock()

    # ---- values for handlers ---------------------------------------------------------------

    def __getitem__(self, name: str) -> Any:
        return self.data[name]

    def __setitem__(self, name: str, value: Any) -> None:
        self.data[name] = value

    def __delitem__(self, name: str) -> None:
        del self.data[name]

    # ---- attaching to clients ----------------------------------------------------------------

    def attach(self, client: Client) -> Dispatcher:
        """Route ``client``'s events through this dispatcher from now on; returns the dispatcher.

        Raises:
            ValueError: already attached to this client.
        """
        if client in self._clients:
            raise ValueError("this dispatcher is already attached to the client")

        def on_event(sender: Any, event: Any = None, method: str | None = None, **_: Any) -> None:
            self.feed_event(sender, event, method)

        def on_state(sender: Any, state: str = "", **_: Any) -> None:
            if state == "closed" and self.watchdog is not None and all(c.state == "closed" for c in self._clients):
                self.watchdog.stop()

        on_event.__qualname__ = f"Dispatcher({self.name!r})"
        signal: NamedSignal = event_received
        signal.connect(on_event, sender=client, weak=False)
        connection_state_changed.connect(on_state, sender=client, weak=False)
        self._clients[client] = (on_event, on_state)
        return self

    def detach(self, client: Client) -> bool:
        """Stop routing ``client``'s events; True if it was attached."""
        receivers = self._clients.pop(client, None)
        if receivers is None:
            return False
        event_received.disconnect(receivers[0], sender=client)
        connection_state_changed.disconnect(receivers[1], sender=client)
        if not self._clients and self.watchdog is not None:
            self.watchdog.stop()
        return True

    def run(self, client: Client) -> None:
        """Attach to ``client`` (unless attached already), block in ``client.run_forever()`` (Ctrl-C
        or ``client.close()`` ends it), then detach what it attached. Raises what ``run_forever`` raises."""
        attached_here = client not in self._clients
        if attached_here:
            self.attach(client)
        try:
            client.run_forever()
        finally:
            if attached_here:
                self.detach(client)

    def include_router(self, router: Router) -> Router:
        """Include ``router`` (see :meth:`Router.include_router`); a Dispatcher cannot be included."""
        if isinstance(router, Dispatcher):
            raise ValueError("a Dispatcher is a root; include its routers instead")
        return super().include_router(router)

    # ---- routing one event -------------------------------------------------------------------

    def feed_event(self, client: Any, event: Any, method: str | None = None) -> bool:
        """Route one event (on the calling thread); True when a handler took it.

        Called for every event of an attached client; call it yourself to route events from
        elsewhere. An exception no error handler took is re-raised.
        """
        kind = event_kind(event, method)
        chat_id = _chat_of(event)
        user_id = self._user_of(client, event, chat_id)
        bot_id = getattr(client, "user_id", None) or ""
        data: dict[str, Any] = {
            **self.data,
            "client": client,
            "dispatcher": self,
            "event": event,
            "event_kind": kind,
            "method": method or getattr(event, "method", None),
            "event_chat_id": chat_id,
            "event_user_id": user_id,
            "state": (FSMContext(self.storage, make_key(self.fsm_strategy, bot_id, chat_id, user_id))
                      if chat_id or (user_id and self.fsm_strategy == "global_user") else None),
        }
        if isinstance(event, Message):
            data["message"] = event
        elif isinstance(event, ButtonClicked):
            data["click"] = event
            data["message"] = event.command_source.message
        trace = Trace(self, kind, chat_id, data)
        watchdog = self.watchdog
        if watchdog is not None:
            watchdog.begin(trace)
        try:
            result = self._propagate(event, kind, data, trace)
        except Exception as exc:
            if not trace.router._handle_error(exc, trace.data):
                raise
            return True
        finally:
            if watchdog is not None:
                watchdog.end(trace)
        if result is UNHANDLED:
            log.debug("%s event in chat %s not handled by any handler", kind, chat_id or "-")
            return False
        return True

    # ---- who is behind an event ----------------------------------------------------------------

    def _user_of(self, client: Any, event: Any, chat_id: str) -> str:
        """The user an event comes from; for clicks in P2P chats, the chat's other member."""
        me = getattr(client, "user_id", None) or ""
        if isinstance(event, Message):
            author = event.author.id
            if chat_id and event.chat_type == ChatType.P2P and author and not (me and same_user(author, me, home=me)):
                self._remember_peer(chat_id, author)
            return author
        if isinstance(event, ButtonClicked) and chat_id:
            source = event.command_source.message
            if source is not None and source.chat_type == ChatType.P2P:
                return self._peer(client, chat_id, me)
        return ""

    def _remember_peer(self, chat_id: str, user_id: str) -> None:
        with self._peers_lock:
            self._peers[chat_id] = user_id
            self._peers.move_to_end(chat_id)
            if len(self._peers) > 50_000:
                self._peers.popitem(last=False)

    def _peer(self, client: Any, chat_id: str, me: str) -> str:
        with self._peers_lock:
            known = self._peers.get(chat_id)
        if known is not None:
            return known
        try:
            members = client.get_chat_participants(chat_id)
        except TrueConfError as exc:
            log.info("cannot tell who clicked in chat %s (%s); using the chat's state", chat_id, exc)
            return ""
        for member in members:
            if not (me and same_user(member.user_id, me, home=me)):
                self._remember_peer(chat_id, member.user_id)
                return str(member.user_id)
        return ""
