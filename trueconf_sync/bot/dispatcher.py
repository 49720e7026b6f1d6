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
and for button clicks the message holding the button), ``click`` and ``callback_query`` (button
clicks, as a :class:`~.callback.CallbackQuery`), ``update`` (the untouched frame, an
:class:`~.update.Update`), ``client``, ``bot`` (the client, under the official SDK's name),
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
from .callback import CallbackQuery
from .fsm.context import FSMContext
from .fsm.keys import KeyBuilder
from .fsm.memory import MemoryStorage
from .fsm.storage import FSMStrategy, KeyStrategy, Storage, StorageKey, make_key
from .handler import UNHANDLED
from .router import ANY_KIND, UPDATE_KIND, Router, Trace
from .update import Update
from .watchdog import SlowHandlerWatchdog

__all__ = ["Dispatcher", "event_kind"]

log = logging.getLogger("trueconf_sync.bot")

_KIND_BY_MODEL: dict[type[Any], str] = {kind.model: kind.name for kind in reversed(KINDS)}  # the first wins
_KIND_BY_METHOD: dict[str, EventKind] = {method: kind for kind in KINDS for method in kind.methods}
_STRATEGIES = tuple(member.value for member in FSMStrategy)


def handler_kinds(kind: str, event: Any, method: str | None) -> frozenset[str]:
    """The handler kinds that take an event of ``kind``: itself, its views that match, ``*``, ``update``."""
    entry = _KIND_BY_METHOD.get(method) if method else None
    views = [view.name for view in entry.views if view.when(method or "", event)] if entry is not None and (
        entry.name == kind) else []
    return frozenset((kind, ANY_KIND, UPDATE_KIND, *views))


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
            the chat) or ``"global_user"`` (one per user in all chats); or a
            :class:`~.fsm.FSMStrategy`. ``strategy=`` is the official SDK's name for it.
        key_builder: an object with ``build(client, event) -> StorageKey | None`` deciding each
            event's dialog (then the strategy applies); default: worked out here (see
            :mod:`.fsm.keys`).
        independent_routers: offer every event to each included router, whether an earlier one
            handled it or not (the official SDK's dispatcher); default False: the first handler
            that takes an event ends its routing (see :mod:`.router`).
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
        key_builder: KeyBuilder | None = None,
        strategy: KeyStrategy | None = None,
        independent_routers: bool = False,
        **data: Any,
    ) -> None:
        super().__init__(name)
        self.storage: Storage = MemoryStorage()
        self.fsm_strategy: FSMStrategy = FSMStrategy.USER_IN_CHAT
        self.key_builder: KeyBuilder | None = None
        self.setup_fsm(storage=storage, key_builder=key_builder,
                       strategy=strategy if strategy is not None else fsm_strategy)
        self.independent_routers = bool(independent_routers)
        self.watchdog = (SlowHandlerWatchdog(slow_handler_threshold, name)
                         if slow_handler_threshold is not None else None)
        self.data: dict[str, Any] = dict(data)
        self._clients: dict[Client, tuple[Any, Any]] = {}
        self._peers: OrderedDict[str, str] = OrderedDict()  # P2P chat id -> the other member
        self._peers_lock = threading.Lock()

    def setup_fsm(self, storage: Storage | None = None, key_builder: KeyBuilder | None = None,
                  strategy: KeyStrategy | None = None) -> None:
        """Set the dialog storage, key builder and strategy (what is None stays as it is).

        Raises:
            ValueError: unknown strategy. TypeError: a storage or key builder missing methods.
        """
        if strategy is not None:
            try:
                self.fsm_strategy = FSMStrategy(strategy)
            except ValueError:
                raise ValueError(f"fsm_strategy must be one of {', '.join(_STRATEGIES)}, got {strategy!r}") from None
        if storage is not None:
            if not isinstance(storage, Storage):
                raise TypeError(f"storage must implement the Storage methods, got {type(storage).__name__}")
            self.storage = storage
        if key_builder is not None:
            if not callable(getattr(key_builder, "build", None)):
                raise TypeError("key_builder must have a build(client, event) method, "
                                f"got {type(key_builder).__name__}")
            self.key_builder = key_builder

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

        def on_event(sender: Any, event: Any = None, method: str | None = None,
                     frame: dict[str, Any] | None = None, **_: Any) -> None:
            self.feed_event(sender, event, method, frame=frame)

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

    def feed_event(self, client: Any, event: Any, method: str | None = None, *,
                   frame: dict[str, Any] | None = None) -> bool:
        """Route one event (on the calling thread); True when a handler took it.

        Called for every event of an attached client; call it yourself to route events from
        elsewhere. ``frame`` is the wire frame it came in (rebuilt from the event when not given).
        An exception no error handler took is re-raised.
        """
        if isinstance(event, ButtonClicked):
            event = CallbackQuery.of(event, client)
        kind = event_kind(event, method)
        method = method or getattr(event, "method", None)
        chat_id = _chat_of(event)
        user_id = self._user_of(client, event, chat_id)
        if frame is None:
            frame = {"type": 1, "id": getattr(event, "id", None), "method": method or "",
                     "payload": getattr(event, "payload", None) if isinstance(event, RawEvent) else event.raw}
        data: dict[str, Any] = {
            "bot": client,  # the SDK's name; a dispatcher value of that name wins (older bots used it)
            **self.data,
            "client": client,
            "dispatcher": self,
            "event": event,
            "event_kind": kind,
            "method": method,
            "update": Update.from_frame(frame),
            "event_chat_id": chat_id,
            "event_user_id": user_id,
            "state": self._state_for(client, event, chat_id, user_id),
        }
        if isinstance(event, Message):
            data["message"] = event
        elif isinstance(event, CallbackQuery):
            data["click"] = data["callback_query"] = event
            data["message"] = event.command_source.message
        trace = Trace(self, kind, chat_id, data)
        watchdog = self.watchdog
        if watchdog is not None:
            watchdog.begin(trace)
        try:
            result = self._propagate(event, handler_kinds(kind, event, method), data, trace)
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

    def _independent_children(self) -> bool:
        return self.independent_routers

    def _state_for(self, client: Any, event: Any, chat_id: str, user_id: str) -> FSMContext | None:
        """The ``state`` of an event: from the key builder when set, else from its chat and user."""
        bot_id = getattr(client, "user_id", None) or ""
        builder = self.key_builder
        if builder is None:
            if chat_id or (user_id and self.fsm_strategy is FSMStrategy.GLOBAL_USER):
                return FSMContext(self.storage, make_key(self.fsm_strategy, bot_id, chat_id, user_id))
            return None
        key = builder.build(client, event)
        if key is None:
            return None
        if not isinstance(key, StorageKey):
            raise TypeError(f"key_builder.build() must return a StorageKey or None, got {type(key).__name__}")
        return FSMContext(self.storage, make_key(self.fsm_strategy, key.bot_id, key.chat_id, key.user_id,
                                                 key.destiny))

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
