"""The descriptor that turns one row of the method table into a blocking, a future and an awaitable call.

A row is a payload builder: a plain function whose signature *is* the public signature of the
method (arguments, types, docstring) and which validates its arguments and returns the wire
payload. ``@api("sendMessage", parse)`` wraps it into an :class:`ApiMethod`; on a client instance
it binds to a :class:`BoundApiMethod`:

* ``client.send_message(chat_id, "hi")`` blocks and returns the typed result;
* ``client.send_message.future(chat_id, "hi")`` returns a ``concurrent.futures.Future`` of it;
* ``await client.send_message.aio(chat_id, "hi")`` is the same future, awaited from asyncio code.

Every builder takes a keyword-only ``timeout`` (seconds; ``None`` = the client's default). It is
taken out of the arguments before the builder runs, so builders never see it.

Each of these carries the builder's signature (without ``self`` when bound), docstring, names and
``__wrapped__``, so ``inspect.signature``, ``help()``, IPython's ``?``, jedi and Sphinx show the
real parameters. A client binds each method once and keeps the bound object (the call is a hot
path). The blocking form warns once per process (:class:`~trueconf_sync.errors.EventLoopBlockingWarning`)
when it is called from a thread that runs an asyncio event loop. The file methods
(``files/method.py``) share the forms and the warning through :class:`BoundForms`.
"""

from __future__ import annotations

import functools
import sys
import threading
import typing
import warnings
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Generic, ParamSpec, TypeVar, overload

from ..core.protocols import ClientCore, FinishContext, HasCore, Payload, RequestSpec
from ..errors import EventLoopBlockingWarning

if TYPE_CHECKING:
    import inspect  # (at run time imported where a signature is made: not with the client)
    from concurrent.futures import Future

__all__ = ["ApiMethod", "BoundApiMethod", "BoundForms", "Payload", "RequestSpec", "aio_of", "api", "warn_if_event_loop"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
# ``Payload`` (what a builder returns: the request payload; ``None`` sends ``{}``) and
# ``RequestSpec`` (what the request path needs) live in core.protocols, re-exported here.
#: Turns a success payload into the method's result.
Parser = Callable[[Any], Any]
#: The instance attribute where an object keeps its bound methods (``{ApiMethod: BoundApiMethod}``).
_BOUND = "_trueconf_bound_methods"


# ---- the blocking call inside an event loop ---------------------------------------------------

#: Still looking for a blocking call made inside a running event loop (False once warned).
_watch_loops = True
_modules = sys.modules
#: Returns this thread's running event loop or None; found on first use (asyncio is imported late).
_running_loop: Callable[[], object] | None = None


def _loop_getter() -> Callable[[], object]:
    import asyncio

    # asyncio._get_running_loop (in asyncio.events.__all__, the accessor get_running_loop() wraps)
    # returns None instead of raising: a thread with no loop (every call of a Django app, which
    # imports asyncio) pays a C call, not a RuntimeError per call.
    fast = getattr(asyncio, "_get_running_loop", None)
    if callable(fast):
        return fast  # type: ignore[no-any-return]

    def running() -> object:
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            return None

    return running


def warn_if_event_loop(call: str, awaitable: str) -> None:
    """Warn (once per process) when this thread runs an asyncio event loop: ``call`` would block it.

    A program that never imported asyncio pays one dict lookup, and nothing once warned (hot paths
    inline that guard before calling). ``awaitable`` names the form to use instead. A
    notebook cell is not warned about: IPython runs cells inside its own loop, and a cell that waits
    is what a notebook user expects.
    """
    global _watch_loops, _running_loop
    if not _watch_loops or "asyncio" not in _modules:
        return
    running = _running_loop
    if running is None:
        running = _running_loop = _loop_getter()
    if running() is None:  # no loop runs on this thread: the usual case
        return
    if _in_notebook_kernel():
        _watch_loops = False  # this process is a notebook kernel: every cell runs in the loop
        return
    _watch_loops = False
    warnings.warn(
        f"{call}(...) blocks the asyncio event loop running on this thread until the server answers; "
        f"in async code use `await {awaitable}(...)` (or run the call with `await asyncio.to_thread(...)`). "
        "This warning is shown once per process.",
        EventLoopBlockingWarning,
        stacklevel=3,  # the user's line: warn_if_event_loop <- the blocking __call__ <- the caller
    )


async def aio_of(start: Callable[[], Future[T]]) -> T:
    """Await the Future that ``start()`` returns (a ``.future`` form), from asyncio code.

    ``start`` runs on the loop's default executor: a ``.future`` form may wait for the connection
    (the first call connects, a dropped link is re-opened) or for room among the pending calls.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    future = await loop.run_in_executor(None, start)
    return await asyncio.wrap_future(future)


def _in_notebook_kernel() -> bool:
    """True in the main thread of a Jupyter (ipykernel) process, where cells run inside the loop."""
    if "ipykernel" not in _modules or threading.current_thread() is not threading.main_thread():
        return False
    ipython = _modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    return callable(get_ipython) and get_ipython() is not None


# ---- the forms shared with the file methods ----------------------------------------------------


def _describe(func: Callable[..., Any], owner: Any, name: str, doc: str | None, signature: inspect.Signature,
              wrapped: Callable[..., Any]) -> None:
    """Give ``func`` (a bound form) the names, docstring and signature tools read."""
    func.__name__ = name
    func.__qualname__ = f"{owner.__qualname__}.{name}"
    func.__module__ = owner.__module__
    func.__doc__ = doc
    func.__signature__ = signature  # type: ignore[attr-defined]  # read by inspect.signature
    func.__wrapped__ = wrapped  # type: ignore[attr-defined]  # jedi finds the builder's source through it


class _LazySignature:
    """``__signature__`` of a bound form, made when first read (inspect, help(), IPython); ``None``
    on the class itself, so that ``inspect.signature(BoundApiMethod)`` describes its constructor."""

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> None: ...

    @overload
    def __get__(self, obj: BoundForms[Any, Any], owner: type[Any] | None = None) -> inspect.Signature: ...

    def __get__(self, obj: BoundForms[Any, Any] | None, owner: type[Any] | None = None) -> inspect.Signature | None:
        return None if obj is None else obj._bound_signature()


class BoundForms(Generic[P, R]):
    """What a method bound to a client shares with the others: its ``.future`` and ``.aio`` forms.

    A subclass sets the description attributes in ``__init__`` and implements
    :meth:`_make_future` (a plain function: send without waiting, return a Future). The forms are
    made on first use and kept.
    """

    __name__: str
    __qualname__: str
    __wrapped__: Callable[..., Any]

    def _make_future(self) -> Callable[P, Future[R]]:
        raise NotImplementedError

    def _bound_signature(self) -> inspect.Signature:
        raise NotImplementedError

    __signature__ = _LazySignature()

    def __get__(self, obj: Any, owner: type[Any] | None = None) -> BoundForms[P, R]:
        # A bound method is a "method descriptor" to inspect, so help() and pydoc document it as a
        # routine with its signature; binding it again changes nothing.
        return self

    @functools.cached_property
    def future(self) -> Callable[P, Future[R]]:
        """The non-blocking form: send now, return a ``concurrent.futures.Future`` of the result."""
        import inspect

        future = self._make_future()
        returns = self.__signature__.return_annotation
        future_of = "Future" if returns is inspect.Signature.empty else f"Future[{returns}]"
        _describe(future, self, "future",
                  f"Non-blocking form of ``{self.__name__}``: send now and return a "
                  f"``concurrent.futures.Future`` of its result; argument errors are raised at once.\n\n"
                  f"{inspect.getdoc(self) or ''}",
                  self.__signature__.replace(return_annotation=future_of), self.__wrapped__)
        return future

    @functools.cached_property
    def aio(self) -> Callable[P, Coroutine[Any, Any, R]]:
        """The awaitable form for asyncio code: ``await client.send_message.aio(...)``."""
        import inspect

        submit = self.future

        async def aio(*args: P.args, **kwargs: P.kwargs) -> R:
            result: R = await aio_of(functools.partial(submit, *args, **kwargs))
            return result

        _describe(aio, self, "aio",
                  f"Awaitable form of ``{self.__name__}`` for asyncio code (FastAPI, aiohttp...): "
                  f"``await`` it for the result; the event loop keeps running meanwhile.\n\n"
                  f"{inspect.getdoc(self) or ''}",
                  self.__signature__, self.__wrapped__)
        return aio


# ---- the rows of the method table -----------------------------------------------------------------


def _result_annotation(parse: Callable[[Any], Any]) -> Any:
    """The result type a parser declares (as text, like the builders' annotations), or empty.

    A parser whose model is loaded lazily names it through a ``result_type()`` callable instead
    of an annotation (called here, when a signature is first made).
    """
    import inspect

    empty = inspect.Signature.empty
    try:
        lazy = getattr(parse, "result_type", None)
        returns = lazy() if callable(lazy) else typing.get_type_hints(parse).get("return", empty)
    except Exception:  # noqa: BLE001  # an unresolvable annotation shows no return type, nothing worse
        return empty
    if returns is type(None):
        return "None"
    if typing.get_origin(returns) is list:
        (item,) = typing.get_args(returns)
        return f"list[{getattr(item, '__name__', item)}]"
    if isinstance(returns, type):
        return returns.__name__
    return empty  # a TypeVar or something else we cannot name simply


class ApiMethod(Generic[P, R]):
    """One API method: wire name, payload builder, result parser. A descriptor on the client
    (any :class:`~trueconf_sync.core.protocols.HasCore`); called on the class, it takes the client
    first, like a plain method: ``Client.send_message(client, chat_id, "hi")``."""

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
        # __module__, __name__, __qualname__, __doc__, __wrapped__ for help() / autodoc / IPython
        functools.update_wrapper(self, build)

    # The signatures are made when first asked for (a bind, help(), inspect), not at import.

    @functools.cached_property
    def bound_signature(self) -> inspect.Signature:
        """The signature of the bound method: the builder's, returning the parsed result's type."""
        import inspect

        return inspect.signature(self.build).replace(return_annotation=_result_annotation(self.parse))

    @functools.cached_property
    def __signature__(self) -> inspect.Signature:
        """The class attribute's signature: ``self`` (the client) first, like a plain method."""
        import inspect

        parameters = self.bound_signature.parameters.values()
        return self.bound_signature.replace(
            parameters=[inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *parameters])

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self.__qualname__ = f"{owner.__qualname__}.{name}"
        self.__module__ = owner.__module__

    def prepare(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Payload:
        """Validate the arguments and return the payload; raises before anything is sent."""
        payload = self.build(*args, **kwargs)
        return payload if payload is not None else {}

    def __call__(self, client: HasCore, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """``Client.send_message(client, ...)``: the blocking call, as for a plain method."""
        return self.__get__(client)(*args, **kwargs)

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> ApiMethod[P, R]: ...

    @overload
    def __get__(self, obj: HasCore, owner: type[Any] | None = None) -> BoundApiMethod[P, R]: ...

    def __get__(self, obj: HasCore | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        # The bound object is kept in the client's own dict (not under the method's name, so a
        # subclass overriding the method or a test patching the class still wins).
        try:
            return obj.__dict__[_BOUND][self]
        except KeyError:
            bound = BoundApiMethod(obj, self)
            obj.__dict__.setdefault(_BOUND, {})[self] = bound
            return bound
        except AttributeError:  # an object without a __dict__: bind on every access
            return BoundApiMethod(obj, self)

    def __repr__(self) -> str:
        return f"<ApiMethod {self.name} ({self.wire})>"


class BoundApiMethod(BoundForms[P, R]):
    """An API method bound to a client: call it to block, use :attr:`future` or await :attr:`aio`."""

    def __init__(self, client: HasCore, method: ApiMethod[P, R]) -> None:
        self._client = client  # for the repr only
        self._core: ClientCore = client.core
        self._method = method
        # What inspect, help(), IPython and jedi read (the builder's text and parameters, no self).
        self.__doc__ = method.__doc__
        self.__name__ = method.name
        self.__qualname__ = f"{type(client).__qualname__}.{method.name}"
        self.__module__ = type(client).__module__
        self.__wrapped__ = method.build
        self._call = f"client.{method.name}"  # for the event-loop warning

    def _bound_signature(self) -> inspect.Signature:
        return self._method.bound_signature

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Send the request and wait for its typed result (see the method's docstring)."""
        if _watch_loops and "asyncio" in _modules:
            warn_if_event_loop(self._call, f"{self._call}.aio")
        timeout: Any = kwargs.pop("timeout", None)
        method = self._method
        result: R = self._core.request(method.spec, method.prepare(args, kwargs), timeout)
        return result

    def _make_future(self) -> Callable[P, Future[R]]:
        core, spec, prepare = self._core, self._method.spec, self._method.prepare

        def future(*args: P.args, **kwargs: P.kwargs) -> Future[R]:
            # The future fails with the exceptions the blocking form raises (RequestTimeoutError when
            # no answer comes within ``timeout``...); argument errors are raised here, before sending.
            timeout: Any = kwargs.pop("timeout", None)
            result: Future[R] = core.request_future(spec, prepare(args, kwargs), timeout)
            return result

        return future

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
