"""Handler registration for the client: ``client.on(...)``, ``client.on_message``... (blinker based).

Handlers are blinker receivers connected strongly (``weak=False``) with ``sender=client``, so two
clients in one process never see each other's events. They run on the dispatcher's threads. The
signals (and blinker) load with the first registration, not with the client.

The ``on_<name>`` helpers are made from the one list of event kinds (:mod:`.kinds`); the class
only declares them for type checkers (``tests/test_event_kinds.py`` checks the declarations).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

from .kinds import KINDS

if TYPE_CHECKING:
    from blinker import NamedSignal

__all__ = ["HandlerRegistry", "OnEvent", "resolve_event"]

F = TypeVar("F", bound=Callable[..., Any])


def resolve_event(event: Any) -> tuple[NamedSignal, str | None]:
    """An event name, wire method or signal -> (signal, wire method to filter on, or None)."""
    from blinker import NamedSignal

    from .signals import SIGNALS_BY_NAME, event_received

    if isinstance(event, NamedSignal):
        return event, None
    if not isinstance(event, str) or not event:
        raise TypeError("event must be an event name, a wire method name or a signal")
    if event in SIGNALS_BY_NAME:
        return SIGNALS_BY_NAME[event], None
    from .signals import EVENTS  # (made on first use: it holds the models)

    spec = EVENTS.get(event)
    if spec is not None:
        return spec.signal, event
    if event[0].islower() and "_" not in event:
        return event_received, event  # a wire method this library does not know: raw events
    names = ", ".join(sorted(SIGNALS_BY_NAME))
    raise ValueError(f"unknown event {event!r}; use one of {names}, or a wire method name")


class OnEvent(Protocol):
    """The type of ``client.on_<event>``: registers its argument as a handler and returns it."""

    def __call__(self, func: F, /) -> F: ...


class _Handler:
    """``client.on_<event>``: registers a handler for one event (decorator or plain call)."""

    def __init__(self, event: str, doc: str) -> None:
        self.event = event
        self.__doc__ = doc

    @overload
    def __get__(self, client: None, owner: type[Any]) -> _Handler: ...

    @overload
    def __get__(self, client: HandlerRegistry, owner: type[Any]) -> OnEvent: ...

    def __get__(self, client: HandlerRegistry | None, owner: type[Any]) -> Any:
        if client is None:
            return self
        event = self.event

        def register(func: F) -> F:
            client.on(event, func)
            return func

        register.__doc__ = self.__doc__
        return register


class HandlerRegistry:
    """Mixin of :class:`~trueconf_sync.Client`: register and remove event handlers."""

    _receivers: dict[Any, list[tuple[NamedSignal, Callable[..., Any]]]]

    def on(self, event: str | NamedSignal, func: F | None = None) -> Any:
        """Register ``func(event)`` for an event; usable as ``@client.on("message")`` too.

        ``event`` is an event name (``"message"``, ``"message_edited"``, ``"chat_created"``, ...,
        ``"event"`` for every server request), a wire method name (``"sendMessage"``,
        ``"createGroupChat"``, or any method this library does not know, delivered raw), or a
        signal of :mod:`trueconf_sync.signals`. Handlers run on dispatcher threads; their
        exceptions are logged. Returns ``func`` (so the decorator keeps the function usable).

        Raises:
            ValueError: unknown event name. TypeError: ``func`` is not callable.
        """
        signal, wanted = resolve_event(event)

        def register(handler: F) -> F:
            if not callable(handler):
                raise TypeError(f"handler must be callable, not {type(handler).__name__}")

            def receiver(sender: Any, event: Any = None, method: str | None = None, **_: Any) -> None:
                if wanted is None or method == wanted:
                    handler(event)

            receiver.__qualname__ = getattr(handler, "__qualname__", repr(handler))
            signal.connect(receiver, sender=self, weak=False)
            self._receivers.setdefault(handler, []).append((signal, receiver))
            return handler

        return register(func) if func is not None else register

    def remove_handler(self, func: Callable[..., Any]) -> bool:
        """Unregister a handler added with :meth:`on` or ``on_<event>``; True if it was registered."""
        entries = self._receivers.pop(func, [])
        for signal, receiver in entries:
            signal.disconnect(receiver, sender=self)
        return bool(entries)

    # Made from the one list (events/kinds.py) below the class; declared here for type checkers.
    on_message: OnEvent
    on_message_edited: OnEvent
    on_message_removed: OnEvent
    on_chat_created: OnEvent
    on_chat_removed: OnEvent
    on_participant_added: OnEvent
    on_participant_removed: OnEvent
    on_role_changed: OnEvent
    on_chat_title_changed: OnEvent
    on_chat_avatar_changed: OnEvent
    on_history_cleared: OnEvent
    on_file_progress: OnEvent
    on_upload_limits_changed: OnEvent
    on_button_clicked: OnEvent
    #: Every server request, typed or raw (not an event kind of its own).
    on_event = _Handler("event", "Register ``func(event)`` for every server request (typed or RawEvent).")


for _kind in KINDS:
    setattr(HandlerRegistry, f"on_{_kind.name}", _Handler(
        _kind.name, f"{_kind.doc} Register ``func(event: {_kind.model_name})``; returns ``func``."))
del _kind
