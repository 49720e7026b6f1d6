"""The descriptor that turns one row of the method table into a blocking and a non-blocking call.

A row is a payload builder: a plain function whose signature *is* the public signature of the
method (arguments, types, docstring) and which validates its arguments and returns the wire
payload. ``@api("sendMessage", parse)`` wraps it into an :class:`ApiMethod`; on a client instance
it binds to a :class:`BoundApiMethod`:

* ``client.send_message(chat_id, "hi")`` blocks and returns the typed result;
* ``client.send_message.future(chat_id, "hi")`` returns a ``concurrent.futures.Future`` of it.

Every builder takes a keyword-only ``timeout`` (seconds; ``None`` = the client's default). It is
taken out of the arguments before the builder runs, so builders never see it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, ParamSpec, TypeVar, overload

from ..core.protocols import ClientCore, FinishContext, HasCore, Payload, RequestSpec

__all__ = ["ApiMethod", "BoundApiMethod", "Payload", "RequestSpec", "api"]

P = ParamSpec("P")
R = TypeVar("R")
# ``Payload`` (what a builder returns: the request payload; ``None`` sends ``{}``) and
# ``RequestSpec`` (what the request path needs) live in core.protocols, re-exported here.
#: Turns a success payload into the method's result.
Parser = Callable[[Any], Any]


class ApiMethod(Generic[P, R]):
    """One API method: wire name, payload builder, result parser. A descriptor on the client
    (any :class:`~trueconf_sync.core.protocols.HasCore`)."""

    def __init__(
        self,
        wire: str,
        build: Callable[P, Payload | None],
        parse: Callable[[Any], R],
        finish: Callable[[FinishContext, Payload], None] | None = None,
        binds: bool = False,
    ) -> None:
        self.wire = wire
        self.build = build
        self.parse = parse
        self.spec = RequestSpec(wire, parse, finish, binds)
        self.name = build.__name__
        functools.update_wrapper(self, build)  # type: ignore[arg-type]  # __doc__ etc. for help()/autodoc
        self.__signature__ = inspect.signature(build)

    def prepare(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Payload:
        """Validate the arguments and return the payload; raises before anything is sent."""
        payload = self.build(*args, **kwargs)
        return payload if payload is not None else {}

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> ApiMethod[P, R]: ...

    @overload
    def __get__(self, obj: HasCore, owner: type[Any] | None = None) -> BoundApiMethod[P, R]: ...

    def __get__(self, obj: HasCore | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        return BoundApiMethod(obj, self)

    def __repr__(self) -> str:
        return f"<ApiMethod {self.name} ({self.wire})>"


class BoundApiMethod(Generic[P, R]):
    """An API method bound to a client: call it to block, or use :meth:`future`."""

    def __init__(self, client: HasCore, method: ApiMethod[P, R]) -> None:
        self._client = client  # for the repr only
        self._core: ClientCore = client.core
        self._method = method
        self.__doc__ = method.__doc__  # so help() / IPython's ``?`` show the method's own text
        self.__name__ = method.name

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Send the request and wait for its typed result (see the method's docstring)."""
        timeout: Any = kwargs.pop("timeout", None)
        method = self._method
        result: R = self._core.request(method.spec, method.prepare(args, kwargs), timeout)
        return result

    def future(self, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        """Send the request without waiting; return a Future of the typed result.

        The future fails with the same exceptions the blocking form raises, including
        :class:`~trueconf_sync.RequestTimeoutError` when no answer comes within ``timeout``.
        Argument errors are raised here, at once, before anything is sent.
        """
        timeout: Any = kwargs.pop("timeout", None)
        method = self._method
        return self._core.request_future(method.spec, method.prepare(args, kwargs), timeout)

    @property
    def wire(self) -> str:
        """The protocol's method name."""
        return self._method.wire

    def __repr__(self) -> str:
        return f"<bound ApiMethod {self._method.name} ({self._method.wire}) of {self._client!r}>"


def api(
    wire: str,
    parse: Callable[[Any], R],
    *,
    finish: Callable[[FinishContext, Payload], None] | None = None,
    binds: bool = False,
) -> Callable[[Callable[P, Payload | None]], ApiMethod[P, R]]:
    """Decorator: make a payload builder a row of the method table for wire method ``wire``.

    ``finish`` and ``binds``: see :class:`RequestSpec`.
    """

    def wrap(build: Callable[P, Payload | None]) -> ApiMethod[P, R]:
        return ApiMethod(wire, build, parse, finish, binds)

    return wrap
