"""``Router``: handlers with filters for each event kind, nested routers, middlewares, error handlers.

The per-kind observers (``@router.message()``, ``@router.chat_created()``...) are made from the one
list of event kinds (:mod:`trueconf_sync.events.kinds`), as aiogram's routers hold one observer per
update type; so are their aliases (the official SDK's names: ``@router.edited_message()``,
``@router.callback_query()``...) and the views that take part of a kind (``@router.created_group_chat()``
takes the ``chat_created`` events that came by ``createGroupChat``). :data:`EVENT_KINDS` adds the
router-only kinds ``system_message`` and ``raw``. ``@router.event("wireMethod")`` (method names as
positional strings, or ``"*"`` for all) gets the untouched frame as an :class:`~.update.Update`.

Propagation rules (by default one event, one handler):

1. Routing starts at the :class:`~.dispatcher.Dispatcher` (itself a Router) and walks the tree
   depth-first in registration order: a router's outer middlewares, its router filters
   (:meth:`Router.filter`), its own handlers in registration order, then each included router.
2. A handler is a candidate when its kind matches (``@router.event()`` takes every kind) and all
   its filters pass. The first candidate handles the event and routing stops there; raising
   :class:`~.handler.SkipHandler` from it passes the event on to the next candidate.
3. Router filters gate a whole subtree: when they reject, neither the router's handlers nor its
   children see the event (siblings still do).
4. An exception from a filter, middleware or handler goes to the ``@router.error()`` handlers of
   the router where it happened, then of its parents up to the dispatcher; the first one whose
   filters pass handles it. Unhandled, it is re-raised to the client's dispatcher, which logs it
   (and, with ``ack="after_handling"``, leaves the message unacknowledged).

Reaching more than one handler (the official SDK's behaviour, asked for explicitly here):

5. ``Router(allow_child_on_event=True)``: after a handler of this router took the event, its
   included routers are still offered it, as if this router had not handled it (the first of them
   that takes it ends the descent; the SDK's option of that name).
6. ``Dispatcher(independent_routers=True)``: every router included in the dispatcher is offered
   the event, whether an earlier one handled it or not (the SDK's dispatcher does this always).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar, overload

from ..events.kinds import ALIASES, KINDS, VIEWS
from .event_filters import Clicked, ExceptionType, Method
from .filters import Filter, FilterLike, as_filter, resolve_all
from .handler import UNHANDLED, CallableObject, SkipHandler
from .middleware import Middleware, wrap_middlewares

__all__ = ["EVENT_KINDS", "HandlerObject", "Router", "Trace"]

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=Middleware)

ANY_KIND = "*"
#: Handlers of ``@router.event("method")``: they get the untouched frame (:class:`~.update.Update`).
UPDATE_KIND = "update"


class HandlerObject:
    """A registered handler: the function, its filters, the event kind it takes, its router."""

    __slots__ = ("callback", "filters", "kind", "router")

    def __init__(self, router: Router, kind: str, func: Callable[..., Any], filters: Iterable[Filter]) -> None:
        self.router = router
        self.kind = kind
        self.callback = CallableObject(func)
        self.filters = tuple(filters)

    def __repr__(self) -> str:
        return f"<handler {self.callback.name} on {self.kind} in router {self.router.name!r}>"

    def check(self, event: Any, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """Run the filters in order; None when one rejects, else the values they add."""
        return resolve_all(self.filters, event, data)


class Trace:
    """Where one event's routing is (router, handler, latest data), for errors and the watchdog."""

    __slots__ = ("chat_id", "data", "handler", "kind", "router", "started", "warned")

    def __init__(self, router: Router, kind: str, chat_id: str, data: dict[str, Any]) -> None:
        self.router = router
        self.kind = kind
        self.chat_id = chat_id
        self.data = data
        self.handler: HandlerObject | None = None
        self.started = time.monotonic()
        self.warned = False


def _button_shorthand(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    """``@router.button_clicked("cmd", custom_data=...)``: str positionals are button commands."""
    commands = [a for a in args if isinstance(a, (str, re.Pattern))]
    rest = [a for a in args if not isinstance(a, (str, re.Pattern))]
    if len(commands) > 1 and any(isinstance(c, re.Pattern) for c in commands):
        raise TypeError("give one regex or several command strings")
    if commands:
        if "command" in kwargs:
            raise TypeError("give the button command positionally or as command=, not both")
        kwargs["command"] = commands[0] if len(commands) == 1 else commands
    if kwargs:
        rest.insert(0, Clicked(**kwargs))
    return rest


def _method_shorthand(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    """``@router.event(method="sendMessage")``; ``@router.event("sendMessage")`` see :meth:`Registrar.__call__`."""
    method = kwargs.pop("method", None)
    if kwargs:
        raise TypeError(f"unexpected keyword arguments: {', '.join(kwargs)}")
    return [Method(*([method] if isinstance(method, str) else method)), *args] if method else list(args)


def _error_shorthand(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    """``@router.error(ValueError, KeyError)``: exception classes become an ExceptionType filter."""
    if kwargs:
        raise TypeError(f"unexpected keyword arguments: {', '.join(kwargs)}")
    types = [a for a in args if isinstance(a, type) and issubclass(a, BaseException)]
    rest = [a for a in args if not (isinstance(a, type) and issubclass(a, BaseException))]
    return [ExceptionType(*types), *rest] if types else rest


def _no_shorthand(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[Any]:
    if kwargs:
        raise TypeError(f"unexpected keyword arguments: {', '.join(kwargs)}")
    return list(args)


class Registrar:
    """``router.<kind>``: ``@router.message(*filters)`` decorates, ``.register(func, *filters)`` adds."""

    def __init__(self, router: Router, kind: str,
                 shorthand: Callable[[tuple[Any, ...], dict[str, Any]], list[Any]]) -> None:
        self.router = router
        self.kind = kind
        self._shorthand = shorthand

    def __call__(self, *filters: FilterLike, **kwargs: Any) -> Callable[[F], F]:
        """Decorator registering the function with these filters; returns it unchanged."""
        kind = self.kind
        if kind == ANY_KIND and filters and isinstance(filters[0], str):
            # @router.event("sendMessage", ...): the SDK's raw handler; "*" = every wire method
            methods = [f for f in filters if isinstance(f, str)]
            filters = tuple(f for f in filters if not isinstance(f, str))
            kind = UPDATE_KIND
            if "*" not in methods:
                kwargs = {**kwargs, "method": methods}
        made = [as_filter(f) for f in self._shorthand(filters, dict(kwargs))]

        def decorator(func: F) -> F:
            self.router._add(kind, func, made)
            return func
        return decorator

    def register(self, func: F, *filters: FilterLike, **kwargs: Any) -> F:
        """Register ``func`` with these filters (the non-decorator form); returns ``func``."""
        return self(*filters, **kwargs)(func)


class _Observer:
    """Descriptor making ``router.message`` etc. a :class:`Registrar` of the router."""

    def __init__(self, kind: str, doc: str,
                 shorthand: Callable[[tuple[Any, ...], dict[str, Any]], list[Any]] = _no_shorthand) -> None:
        self.kind = kind
        self.shorthand = shorthand
        self.__doc__ = doc

    @overload
    def __get__(self, router: None, owner: type[Any]) -> _Observer: ...

    @overload
    def __get__(self, router: Router, owner: type[Any]) -> Registrar: ...

    def __get__(self, router: Router | None, owner: type[Any]) -> _Observer | Registrar:
        if router is None:
            return self
        return Registrar(router, self.kind, self.shorthand)


class Router:
    """A group of handlers. Decorators per event kind take filters (see :mod:`.filters`)::

        router = Router(name="main")

        @router.message(Command("start"))
        def start(message, command): message.answer("Hi!")

    Args:
        name: shown in logs and reprs (default: ``router-<n>``).
        allow_child_on_event: offer an event to the included routers even after a handler of this
            router took it (default False: the first handler that takes an event ends its routing).
    """

    _count = 0

    def __init__(self, name: str | None = None, allow_child_on_event: bool = False) -> None:
        Router._count += 1
        self.name = name or f"router-{Router._count}"
        self.allow_child_on_event = bool(allow_child_on_event)
        self.parent: Router | None = None
        self._handlers: list[HandlerObject] = []
        self._errors: list[HandlerObject] = []
        self._children: list[Router] = []
        self._filters: list[Filter] = []
        self._outer: list[Middleware] = []
        self._inner: list[Middleware] = []

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}: {len(self._handlers)} handlers, {len(self._children)} routers>"

    # ---- registration ------------------------------------------------------------------

    # One observer per event kind of the one list (events/kinds.py), made below the class; the
    # annotations only tell type checkers and IDEs (tests/test_event_kinds.py checks them).
    message: Registrar
    message_edited: Registrar
    message_removed: Registrar
    chat_created: Registrar
    chat_removed: Registrar
    participant_added: Registrar
    participant_removed: Registrar
    role_changed: Registrar
    chat_title_changed: Registrar
    chat_avatar_changed: Registrar
    history_cleared: Registrar
    file_progress: Registrar
    upload_limits_changed: Registrar
    button_clicked: Registrar

    # Router-only kinds: not a wire event of their own.
    system_message = _Observer("system_message", "System envelopes (type < 200; needs "
                               "``receive_system_messages=True``).")
    raw = _Observer("raw", "Events of wire methods this library does not model (RawEvent); "
                    "``method=`` picks one.", _method_shorthand)
    event = _Observer(ANY_KIND, "Every event kind (typed or raw); ``method=`` picks wire methods.",
                      _method_shorthand)
    error = _Observer("error", "Errors raised while handling an event here or in included routers; "
                      "exception classes as arguments filter by type. The handler gets the exception "
                      "as its first parameter (or ``exception``) and the event's data by name.",
                      _error_shorthand)

    # Aliases of kinds (EventKind.aliases in the one list): the official SDK's names, and ours.
    edited_message: Registrar
    removed_message: Registrar
    removed_chat: Registrar
    added_chat_participant: Registrar
    removed_chat_participant: Registrar
    changed_participant_role: Registrar
    edited_chat_title: Registrar
    edited_chat_avatar: Registrar
    cleared_chat_history: Registrar
    uploading_progress: Registrar
    changed_file_upload_limits: Registrar
    callback_query: Registrar
    button: Registrar

    # Views of part of a kind (EventKind.views in the one list): the official SDK's names.
    created_personal_chat: Registrar
    created_group_chat: Registrar
    created_channel: Registrar
    created_favorites_chat: Registrar

    def register(self, kind: str, func: F, *filters: FilterLike, **kwargs: Any) -> F:
        """Register ``func`` for events of ``kind`` (one of :data:`EVENT_KINDS`, ``"*"`` or ``"error"``).

        Raises:
            ValueError: unknown kind.
        """
        observer = _OBSERVERS.get(kind)
        if observer is None:
            raise ValueError(f"unknown event kind {kind!r}; use one of {', '.join(_OBSERVERS)}")
        return Registrar(self, observer.kind, observer.shorthand).register(func, *filters, **kwargs)

    def _add(self, kind: str, func: Callable[..., Any], filters: list[Filter]) -> None:
        handler = HandlerObject(self, kind, func, filters)
        (self._errors if kind == "error" else self._handlers).append(handler)

    def filter(self, *filters: FilterLike) -> None:
        """Add router filters: events they reject skip this router and its included routers."""
        self._filters.extend(as_filter(f) for f in filters)

    def outer_middleware(self, middleware: M) -> M:
        """Add an outer middleware (runs before this router's filters; see :mod:`.middleware`)."""
        if not callable(middleware):
            raise TypeError(f"a middleware must be callable, got {type(middleware).__name__}")
        self._outer.append(middleware)
        return middleware

    def middleware(self, middleware: M) -> M:
        """Add an inner middleware (runs around the handler that matched, see :mod:`.middleware`)."""
        if not callable(middleware):
            raise TypeError(f"a middleware must be callable, got {type(middleware).__name__}")
        self._inner.append(middleware)
        return middleware

    inner_middleware = middleware

    # ---- the tree --------------------------------------------------------------------------

    def include_router(self, router: Router) -> Router:
        """Include ``router`` below this one (tried after this router's own handlers); returns it.

        Raises:
            ValueError: it already has a parent, is this router or one of its ancestors.
        """
        if not isinstance(router, Router):
            raise TypeError(f"expected a Router, got {type(router).__name__}")
        if router.parent is not None:
            raise ValueError(f"router {router.name!r} is already included in {router.parent.name!r}")
        if router in self.chain():
            raise ValueError(f"including router {router.name!r} in {self.name!r} would make a cycle")
        router.parent = self
        self._children.append(router)
        return router

    def include_routers(self, *routers: Router) -> None:
        """Include several routers in order."""
        for router in routers:
            self.include_router(router)

    @property
    def routers(self) -> tuple[Router, ...]:
        """The included routers, in order."""
        return tuple(self._children)

    def chain(self) -> list[Router]:
        """This router and its parents, up to the root."""
        out: list[Router] = []
        node: Router | None = self
        while node is not None:
            out.append(node)
            node = node.parent
        return out

    def walk(self) -> Iterator[Router]:
        """This router and all included routers, depth-first in routing order."""
        yield self
        for child in self._children:
            yield from child.walk()

    # ---- routing -----------------------------------------------------------------------------

    def _propagate(self, event: Any, kinds: frozenset[str], data: dict[str, Any], trace: Trace) -> Any:
        """Route ``event`` through this subtree; the handler's result, or UNHANDLED.

        ``kinds``: the handler kinds that take this event (its kind, its views, ``*``, ``update``).
        """
        trace.router = self
        if not self._outer:
            return self._route(event, data, kinds, trace)

        def route(event: Any, data: dict[str, Any]) -> Any:
            return self._route(event, data, kinds, trace)
        return wrap_middlewares(self._outer, route)(event, data)

    def _route(self, event: Any, data: dict[str, Any], kinds: frozenset[str], trace: Trace) -> Any:
        trace.router = self
        for flt in self._filters:
            extra = flt.resolve(event, data)
            if extra is None:
                return UNHANDLED
            if extra:
                data = {**data, **extra}
        result: Any = UNHANDLED
        for handler in self._handlers:
            if handler.kind not in kinds:
                continue
            target = data.get("update", event) if handler.kind == UPDATE_KIND else event
            extra = handler.check(target, data)
            if extra is None:
                continue
            call_data = {**data, **extra, "handler": handler}
            if target is not event:
                call_data["event"] = target  # ``event`` by name is what the handler gets
            trace.handler, trace.data = handler, call_data
            try:
                result = self._run(handler, target, call_data)
                break
            except SkipHandler:
                trace.handler = None
        independent = self._independent_children()
        if result is not UNHANDLED and not (self.allow_child_on_event or independent):
            return result
        for child in self._children:  # unless independent, the first router that takes it ends the descent
            child_result = child._propagate(event, kinds, data, trace)
            trace.router = self
            if child_result is not UNHANDLED:
                result = child_result if result is UNHANDLED else result
                if not independent:
                    return result
        return result

    def _independent_children(self) -> bool:
        """Whether each included router gets every event (the Dispatcher's ``independent_routers``)."""
        return False

    def _run(self, handler: HandlerObject, event: Any, data: dict[str, Any]) -> Any:
        middlewares = [mw for router in reversed(self.chain()) for mw in router._inner]
        call = handler.callback.call
        if not middlewares:
            return call(event, data)
        return wrap_middlewares(middlewares, call)(event, data)

    def _handle_error(self, exc: Exception, data: dict[str, Any]) -> bool:
        """Offer ``exc`` to the error handlers of this router, then of its parents; True if handled."""
        data = {**data, "exception": exc}
        for router in self.chain():
            for handler in router._errors:
                if handler.check(exc, data) is None:
                    continue
                try:
                    handler.callback.call(exc, data)
                except SkipHandler:
                    continue
                return True
        return False


#: Router-specific extras of some kinds: argument shorthand and a sentence for the docs.
_EXTRAS: dict[str, tuple[Callable[[tuple[Any, ...], dict[str, Any]], list[Any]], str]] = {
    "message": (_no_shorthand, "System envelopes go to ``system_message`` instead."),
    "button_clicked": (_button_shorthand, "String arguments and ``command=``/``custom_data=``/"
                       "``button_id=`` filter on the button (see Clicked)."),
}

#: Alias -> event kind (from the one list).
_ALIASES = ALIASES


def _install_observers() -> None:
    """Give :class:`Router` an observer per kind of the one list, its aliases and its views."""
    for kind in KINDS:
        shorthand, extra = _EXTRAS.get(kind.name, (_no_shorthand, ""))
        gets = f"The handler gets a ``{kind.model.__name__}`` (first parameter, or ``event``)."
        setattr(Router, kind.name, _Observer(kind.name, f"{kind.doc} {gets} {extra}".rstrip(), shorthand))
        for alias in kind.aliases:
            setattr(Router, alias, vars(Router)[kind.name])
        for view in kind.views:
            doc = f"{view.doc} Part of ``{kind.name}`` ({view.when.__qualname__}). {gets} {extra}"
            setattr(Router, view.name, _Observer(view.name, doc.rstrip(), shorthand))


_install_observers()

#: Event kinds a handler can be registered for, with the decorator names (see :class:`Router`).
EVENT_KINDS: tuple[str, ...] = (*(kind.name for kind in KINDS), "system_message", "raw")
#: Names of the views (part of a kind; :data:`trueconf_sync.events.kinds.VIEWS`).
VIEW_NAMES: tuple[str, ...] = tuple(VIEWS)

_OBSERVERS: dict[str, _Observer] = {
    value.kind: value for value in vars(Router).values() if isinstance(value, _Observer)
}
_OBSERVERS["event"] = _OBSERVERS[ANY_KIND]
