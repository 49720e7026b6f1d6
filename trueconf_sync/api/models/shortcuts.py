"""Model shortcuts with a blocking and a non-blocking form: ``message.reply(...)`` and ``.future(...)``.

A shortcut is written as a *plan* function: given the model and the caller's arguments, it checks
them and names the client method to call with which arguments (a :class:`Call`). Calling the
shortcut runs that method and blocks; ``shortcut.future(...)`` calls the method's own ``.future``
form and returns its ``concurrent.futures.Future``. So every shortcut has exactly the blocking
and non-blocking behaviour of the client method behind it, errors included.

The client is reached only through the methods named by the :class:`ClientMethod` Protocol.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, overload

import attrs

__all__ = ["BoundShortcut", "Call", "ClientMethod", "Shortcut", "shortcut"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
Owner = TypeVar("Owner")


class ClientMethod(Protocol[R]):
    """A client method as models see it: call it to block, or use ``.future`` (rows and file methods)."""

    def __call__(self, *args: Any, **kwargs: Any) -> R:
        """Run the request on this thread and return its result."""

    def future(self, *args: Any, **kwargs: Any) -> Future[R]:
        """Start the request and return a Future of its result."""


@attrs.frozen
class Call(Generic[R]):
    """What a shortcut does: call ``method(*args, **kwargs)``; ``finish`` maps the method's result."""

    method: ClientMethod[Any]
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = attrs.field(factory=dict)
    finish: Callable[[Any], R] | None = None

    def run(self) -> R:
        result = self.method(*self.args, **self.kwargs)
        return self.finish(result) if self.finish is not None else result

    def start(self) -> Future[R]:
        future: Future[Any] = self.method.future(*self.args, **self.kwargs)
        return future if self.finish is None else _then(future, self.finish)


def _then(source: Future[Any], finish: Callable[[Any], T]) -> Future[T]:
    """A Future of ``finish(result of source)``; failures (and cancellation) pass through."""
    target: Future[T] = Future()

    def done(_: Future[Any]) -> None:
        if source.cancelled():
            target.cancel()
            target.set_running_or_notify_cancel()
            return
        error = source.exception()
        if error is not None:
            target.set_exception(error)
            return
        try:
            target.set_result(finish(source.result()))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the Future
            target.set_exception(exc)

    source.add_done_callback(done)
    return target


class Shortcut(Generic[Owner, P, R]):
    """A descriptor turning a plan function into a shortcut of each model instance."""

    def __init__(self, plan: Callable[Concatenate[Owner, P], Call[R]]) -> None:
        self.plan = plan
        self.name = plan.__name__
        functools.update_wrapper(self, plan)  # type: ignore[arg-type]

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Shortcut[Owner, P, R]: ...

    @overload
    def __get__(self, obj: Owner, owner: type[Any] | None = None) -> BoundShortcut[Owner, P, R]: ...

    def __get__(self, obj: Owner | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        return BoundShortcut(obj, self)

    def __repr__(self) -> str:
        return f"<shortcut {self.name}>"


class BoundShortcut(Generic[Owner, P, R]):
    """A shortcut of one model: call it to block, or use :meth:`future`."""

    def __init__(self, owner: Owner, shortcut: Shortcut[Owner, P, R]) -> None:
        self._owner = owner
        self._shortcut = shortcut
        self.__doc__ = shortcut.__doc__
        self.__name__ = shortcut.name

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Do it on this thread and return the result (see the shortcut's docstring)."""
        return self._shortcut.plan(self._owner, *args, **kwargs).run()

    def future(self, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        """Check the arguments now, start the client method's non-blocking form; return its Future."""
        return self._shortcut.plan(self._owner, *args, **kwargs).start()

    def __repr__(self) -> str:
        return f"<shortcut {self._shortcut.name} of {self._owner!r}>"


def shortcut(plan: Callable[Concatenate[Owner, P], Call[R]]) -> Shortcut[Owner, P, R]:
    """Decorator: make a plan function (model first) a shortcut with a ``.future`` form."""
    return Shortcut(plan)
