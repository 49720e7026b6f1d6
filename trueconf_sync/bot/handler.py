"""Calling user functions with dependency injection by parameter name.

A handler, filter or error handler asks for what it needs by naming parameters::

    def on_start(message, state, command): ...

Every parameter whose name is a key of the event's data dict (``message``, ``event``, ``client``,
``state``, ``command``, values added by filters and middlewares...) gets that value. The first
parameter, when positional and its name is *not* in the data, gets the event itself, so
``def h(msg)`` works too. A parameter with a default is left alone when nothing matches;
``**kwargs`` receives all remaining data. A required parameter that cannot be filled raises
:class:`TypeError` naming it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["UNHANDLED", "CallableObject", "SkipHandler"]


class _Unhandled:
    """Type of :data:`UNHANDLED`."""

    _instance: _Unhandled | None = None

    def __new__(cls) -> _Unhandled:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNHANDLED"

    def __bool__(self) -> bool:
        return False


#: Returned by the routing chain when no handler took the event. An outer middleware may return
#: it to let the next router try; any other return value means "handled".
UNHANDLED = _Unhandled()


class SkipHandler(Exception):
    """Raise inside a handler (or inner middleware) to pass the event on to the next handler."""


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


class CallableObject:
    """A user function plus its injection plan, computed once at registration.

    Args:
        func: any callable (function, bound method, object with ``__call__``).

    Raises:
        TypeError: ``func`` is not callable.
    """

    __slots__ = ("_params", "_var_kw", "func", "name")

    def __init__(self, func: Callable[..., Any]) -> None:
        if not callable(func):
            raise TypeError(f"expected a callable, got {type(func).__name__}")
        self.func = func
        self.name: str = getattr(func, "__qualname__", None) or type(func).__qualname__
        try:
            signature = inspect.signature(func)
        except (TypeError, ValueError):  # some builtins: pass the event only
            signature = inspect.Signature([inspect.Parameter("event", inspect.Parameter.POSITIONAL_ONLY)])
        self._params: list[tuple[str, inspect._ParameterKind, bool]] = []
        self._var_kw = False
        for param in signature.parameters.values():
            if param.kind is inspect.Parameter.VAR_KEYWORD:
                self._var_kw = True
            elif param.kind is not inspect.Parameter.VAR_POSITIONAL:
                self._params.append((param.name, param.kind, param.default is not inspect.Parameter.empty))

    def __repr__(self) -> str:
        return f"<CallableObject {self.name}>"

    def call(self, event: Any, data: Mapping[str, Any]) -> Any:
        """Call the function with ``event`` and the values of ``data`` it asks for.

        Raises:
            TypeError: a required parameter is neither a data key nor the event's slot.
        """
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for index, (name, kind, has_default) in enumerate(self._params):
            if name in data:
                value = data[name]
            elif index == 0 and kind in _POSITIONAL:
                value = event
            elif has_default:
                continue
            else:
                available = ", ".join(sorted(data))
                raise TypeError(f"{self.name}() asks for {name!r}, which this event does not provide "
                                f"(available: the event as first parameter, {available})")
            if kind is inspect.Parameter.POSITIONAL_ONLY:
                args.append(value)
            else:
                kwargs[name] = value
        if self._var_kw:
            for key, value in data.items():
                if key not in kwargs:
                    kwargs[key] = value
        return self.func(*args, **kwargs)
