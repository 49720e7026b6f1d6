"""Handler registration for the client: ``client.on(...)``, ``client.on_message``... (blinker based).

Handlers are blinker receivers connected strongly (``weak=False``) with ``sender=client``, so two
clients in one process never see each other's events. They run on the dispatcher's threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, overload

from blinker import NamedSignal

from .signals import EVENTS, SIGNALS_BY_NAME, event_received

__all__ = ["HandlerRegistry", "resolve_event"]

F = TypeVar("F", bound=Callable[..., Any])


def resolve_event(event: Any) -> tuple[NamedSignal, str | None]:
    """An event name, wire method or signal -> (signal, wire method to filter on, or None)."""
    if isinstance(event, NamedSignal):
        return event, None
    if not isinstance(event, str) or not event:
        raise TypeError("event must be an event name, a wire method name or a signal")
    if event in SIGNALS_BY_NAME:
        return SIGNALS_BY_NAME[event], None
    spec = EVENTS.get(event)
    if spec is not None:
        return spec.signal, event
    if event[0].islower() and "_" not in event:
        return event_received, event  # a wire method this library does not know: raw events
    names = ", ".join(sorted(SIGNALS_BY_NAME))
    raise ValueError(f"unknown event {event!r}; use one of {names}, or a wire method name")


class _Handler:
    """``client.on_<event>``: registers a handler for one event (decorator or plain call)."""

    def __init__(self, event: str, doc: str) -> None:
        self.event = event
        self.__doc__ = doc

    @overload
    def __get__(self, client: None, owner: type[Any]) -> _Handler: ...

    @overload
    def __get__(self, client: HandlerRegistry, owner: type[Any]) -> Callable[[F], F]: ...

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

    on_message = _Handler("message", "Register ``func(message: Message)`` for new messages.")
    on_message_edited = _Handler("message_edited", "Register ``func(event: MessageEdited)``.")
    on_message_removed = _Handler("message_removed", "Register ``func(event: MessageRemoved)``.")
    on_chat_created = _Handler("chat_created", "Register ``func(chat: Chat)`` for new chats.")
    on_chat_removed = _Handler("chat_removed", "Register ``func(event: ChatRemoved)``.")
    on_participant_added = _Handler("participant_added", "Register ``func(event: ParticipantAdded)``.")
    on_participant_removed = _Handler("participant_removed", "Register ``func(event: ParticipantRemoved)``.")
    on_role_changed = _Handler("role_changed", "Register ``func(event: RoleChanged)``.")
    on_chat_title_changed = _Handler("chat_title_changed", "Register ``func(event: ChatTitleChanged)``.")
    on_chat_avatar_changed = _Handler("chat_avatar_changed", "Register ``func(event: ChatAvatarChanged)``.")
    on_history_cleared = _Handler("history_cleared", "Register ``func(event: HistoryCleared)``.")
    on_file_progress = _Handler("file_progress", "Register ``func(event: FileProgress)``.")
    on_upload_limits_changed = _Handler("upload_limits_changed", "Register ``func(limits: UploadLimits)``.")
    on_button_clicked = _Handler("button_clicked", "Register ``func(event: ButtonClicked)``.")
    on_event = _Handler("event", "Register ``func(event)`` for every server request (typed or RawEvent).")
