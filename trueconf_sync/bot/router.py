"""``Router``: handlers with filters for each event kind, nested routers, middlewares, error handlers.

The per-kind observers (``@router.message()``, ``@router.chat_created()``...) are made from the one
list of event kinds (:mod:`trueconf_sync.events.kinds`), as aiogram's routers hold one observer per
update type; :data:`EVENT_KINDS` adds the router-only kinds ``system_message`` and ``raw``.

Propagation rules (one event, one handler):

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
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar, overload

from ..events.kinds import KINDS
from .event_filters import Clicked, ExceptionType, Method
from .filters import Filter, FilterLike, as_filter, resolve_all
from .handler import UNHANDLED, CallableObject, SkipHandler
from .middleware import Middleware, wrap_middlewares

__all__ = ["EVENT_KINDS", "HandlerObject", "Router", "Trace"]

F = TypeVar("F", bound=Callable[..., Any])
M = TypeVar("M", bound=Middleware)

ANY_KIND = "*"


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
    """``@router.event(method="sendMessage")``."""
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
        made = [as_filter(f) for f in self._shorthand(filters, dict(kwargs))]

        def decorator(func: F) -> F:
            self.router._add(self.kind, func, made)
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
    """

    _count = 0

    def __init__(self, name: str | None = None) -> None:
        Router._count += 1
        self.name = name or f"router-{Router._count}"
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

    # Aliases (see _ALIASES): the official SDK's names, and a short one for button_clicked.
    edited_message: Registrar
    removed_message: Registrar
    callback_query: Registrar
    button: Registrar

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

    def _propagate(self, event: Any, kind: str, data: dict[str, Any], trace: Trace) -> Any:
        """Route ``event`` through this subtree; the handler's result, or UNHANDLED."""
        trace.router = self
        if not self._outer:
            return self._route(event, data, kind, trace)

        def route(event: Any, data: dict[str, Any]) -> Any:
            return self._route(event, data, kind, trace)
        return wrap_middlewares(self._outer, route)(event, data)

    def _route(self, event: Any, data: dict[str, Any], kind: str, trace: Trace) -> Any:
        trace.router = self
        for flt in self._filters:
            extra = flt.resolve(event, data)
            if extra is None:
                return UNHANDLED
            if extra:
                data = {**data, **extra}
        for handler in self._handlers:
            if handler.kind != kind and handler.kind != ANY_KIND:
                continue
            extra = handler.check(event, data)
            if extra is None:
                continue
            call_data = {**data, **extra, "handler": handler}
            trace.handler, trace.data = handler, call_data
            try:
                return self._run(handler, event, call_data)
            except SkipHandler:
                trace.handler = None
        for child in self._children:
            result = child._propagate(event, kind, data, trace)
            if result is not UNHANDLED:
                return result
            trace.router = self
        return UNHANDLED

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

#: Alias -> event kind.
_ALIASES = {
    "edited_message": "message_edited",
    "removed_message": "message_removed",
    "callback_query": "button_clicked",
    "button": "button_clicked",
}


def _install_observers() -> None:
    """Give :class:`Router` an observer per kind of the one list, and the aliases."""
    for kind in KINDS:
        shorthand, extra = _EXTRAS.get(kind.name, (_no_shorthand, ""))
        doc = f"{kind.doc} The handler gets a ``{kind.model.__name__}`` (first parameter, or ``event``). {extra}"
        setattr(Router, kind.name, _Observer(kind.name, doc.rstrip(), shorthand))
    for alias, name in _ALIASES.items():
        setattr(Router, alias, vars(Router)[name])


_install_observers()

#: Event kinds a handler can be registered for, with the decorator names (see :class:`Router`).
EVENT_KINDS: tuple[str, ...] = (*(kind.name for kind in KINDS), "system_message", "raw")

_OBSERVERS: dict[str, _Observer] = {
    value.kind: value for value in vars(Router).values() if isinstance(value, _Observer)
}
_OBSERVERS["event"] = _OBSERVERS[ANY_KIND]
