"""Filters: decide whether a handler takes an event; compose with ``&``, ``|`` and ``~``.

A filter is anything callable. A plain function gets the event and, by parameter name, any value
of the event's data (see :mod:`.handler`)::

    def is_digit(message) -> bool:
        return (message.text or "").isdigit()

    @router.message(is_digit & ~Text("0"))
    def on_number(message): ...

It returns False/None (reject), True (accept) or a dict (accept, and merge the dict into the data
the handler can ask for, e.g. ``Command`` adds ``command``). Built-in filters subclass
:class:`Filter` and implement :meth:`Filter.check`. ``magic-filter`` expressions (``F.text ==
"hi"``, extra ``magic``) are accepted wherever a filter is; combine them with ours through
:func:`as_filter` (``as_filter(F.text) & Command("x")``) since ``F`` overloads ``&`` itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from .handler import CallableObject

__all__ = ["Filter", "FilterLike", "FilterResult", "as_filter", "evaluate", "resolve_all"]

#: What a filter returns: falsy = reject, a dict = accept and add these values, other = accept.
FilterResult = bool | Mapping[str, Any] | None
#: Anything :func:`as_filter` accepts: a Filter, a callable, a magic filter, a State or StatesGroup.
FilterLike = Any


def evaluate(result: Any) -> dict[str, Any] | None:
    """Normalise a filter's return value: None = rejected, else the values it adds (maybe empty)."""
    if isinstance(result, Mapping):
        return dict(result)
    return {} if result else None


def resolve_all(filters: Iterable[Filter], event: Any, data: Mapping[str, Any]) -> dict[str, Any] | None:
    """Run ``filters`` in order (each sees the values the earlier ones added); None when one
    rejects, else all the values they add."""
    merged: dict[str, Any] = {}
    for flt in filters:
        extra = flt.resolve(event, {**data, **merged} if merged else data)
        if extra is None:
            return None
        merged.update(extra)
    return merged


class Filter:
    """Base of composable filters. Subclasses implement :meth:`check`.

    ``a & b`` passes when both pass (values of both are merged), ``a | b`` when either does (the
    first passing one's values are kept), ``~a`` when ``a`` rejects.
    """

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        """Decide on ``event``; ``data`` holds the client, state, and values of earlier filters."""
        raise NotImplementedError

    def resolve(self, event: Any, data: Mapping[str, Any]) -> dict[str, Any] | None:
        """:meth:`check` normalised: None when rejected, else the values to add."""
        return evaluate(self.check(event, data))

    def __call__(self, event: Any, **data: Any) -> FilterResult:
        """Filters are callables too: ``Text("hi")(message)``."""
        return self.check(event, data)

    def __and__(self, other: FilterLike) -> Filter:
        return _And(self, as_filter(other))

    def __rand__(self, other: FilterLike) -> Filter:
        return _And(as_filter(other), self)

    def __or__(self, other: FilterLike) -> Filter:
        return _Or(self, as_filter(other))

    def __ror__(self, other: FilterLike) -> Filter:
        return _Or(as_filter(other), self)

    def __invert__(self) -> Filter:
        return _Not(self)


class _And(Filter):
    def __init__(self, *parts: Filter) -> None:
        self.parts = parts

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        return resolve_all(self.parts, event, data)

    def __repr__(self) -> str:
        return " & ".join(map(repr, self.parts)).join("()")


class _Or(Filter):
    def __init__(self, *parts: Filter) -> None:
        self.parts = parts

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        for part in self.parts:
            extra = part.resolve(event, data)
            if extra is not None:
                return extra
        return None

    def __repr__(self) -> str:
        return " | ".join(map(repr, self.parts)).join("()")


class _Not(Filter):
    def __init__(self, inner: Filter) -> None:
        self.inner = inner

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        return self.inner.resolve(event, data) is None

    def __repr__(self) -> str:
        return f"~{self.inner!r}"


class _Func(Filter):
    """A plain callable used as a filter (dependency injection by parameter name)."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.callable = CallableObject(func)

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        result: FilterResult = self.callable.call(event, data)
        return result

    def __repr__(self) -> str:
        return self.callable.name


class _Magic(Filter):
    """A ``magic_filter.MagicFilter`` expression, resolved against the event."""

    def __init__(self, magic: Any) -> None:
        self.magic = magic

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        result: FilterResult = self.magic.resolve(event)
        return result

    def __repr__(self) -> str:
        return f"<magic {self.magic!r}>"


def _is_magic(obj: Any) -> bool:
    return any(cls.__module__.startswith("magic_filter") and cls.__name__ == "MagicFilter"
               for cls in type(obj).__mro__)


def as_filter(obj: FilterLike) -> Filter:
    """Turn a filter-like object into a composable :class:`Filter`.

    Accepts a :class:`Filter`, a magic-filter expression, a ``StatesGroup`` class (any of its
    states) or any callable. Raises :class:`TypeError` for anything else.
    """
    if isinstance(obj, Filter):
        return obj
    if _is_magic(obj):
        return _Magic(obj)
    if isinstance(obj, type):
        from .fsm.state import StateFilter, StatesGroup

        if issubclass(obj, StatesGroup):
            return StateFilter(obj)
        raise TypeError(f"got the class {obj.__name__} as a filter; pass an instance ({obj.__name__}(...))")
    if callable(obj):
        return _Func(obj)
    raise TypeError(f"a filter must be a Filter, a callable or a magic filter, got {type(obj).__name__}: {obj!r}")
