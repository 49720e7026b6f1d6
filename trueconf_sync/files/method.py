"""The descriptor that gives each file method a blocking and a non-blocking form.

A file method is written as a *prepare* function: it checks the arguments (raising before
anything is sent) and returns a :class:`Job` holding the transfer. ``client.send_file(...)`` runs
the job on the calling thread; ``client.send_file.future(...)`` checks the arguments at once, then
runs the job on the client's small worker pool (:data:`~.state.MAX_FILE_WORKERS` threads,
stopped by ``client.close()``) and returns a ``concurrent.futures.Future`` of the same result;
``await client.send_file.aio(...)`` awaits that future from asyncio code. The forms, their
signatures and the event-loop warning are the API methods' (:class:`~trueconf_sync.api.method.BoundForms`).

The descriptor works on any :class:`~trueconf_sync.core.protocols.HasCore` (the client): it
reaches the client only through ``client.core``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, overload

from ..api.method import BoundForms, warn_if_event_loop
from ..core.protocols import ClientCore, HasCore
from ..errors import BlockingCallError, ClientClosedError

if TYPE_CHECKING:
    import inspect  # (at run time imported where a signature is made: not with the client)
    from concurrent.futures import Future

__all__ = ["BoundFileMethod", "FileMethod", "Job", "file_method"]

P = ParamSpec("P")
R = TypeVar("R")
#: The class the file method is defined on (the client's mixin): anything handing out a core.
Owner = TypeVar("Owner", bound=HasCore)


class Job(Generic[R]):
    """A checked transfer: ``run()`` does it; ``release()`` closes what the checks opened (idempotent)."""

    def __init__(self, run: Callable[[], R], release: Callable[[], None] | None = None) -> None:
        self._run = run
        self._release = release

    def release(self) -> None:
        """Close files opened while checking the arguments."""
        release, self._release = self._release, None
        if release is not None:
            release()

    def __call__(self) -> R:
        try:
            return self._run()
        finally:
            self.release()


class FileMethod(Generic[Owner, P, R]):
    """A file method of the client: a descriptor binding the prepare function to a client."""

    def __init__(self, prepare: Callable[Concatenate[Owner, P], Job[R]]) -> None:
        self.prepare = prepare
        self.name = prepare.__name__
        functools.update_wrapper(self, prepare)

    # The signatures are made when first asked for (help(), inspect, Sphinx), not at import.

    @functools.cached_property
    def __signature__(self) -> inspect.Signature:
        """The class attribute's signature: ``self`` first, returning what the job returns."""
        import inspect

        signature = inspect.signature(self.prepare)
        returns = signature.return_annotation
        if isinstance(returns, str) and returns.startswith("Job[") and returns.endswith("]"):
            returns = returns[4:-1]
        return signature.replace(return_annotation=returns)

    @functools.cached_property
    def bound_signature(self) -> inspect.Signature:
        """The signature of the bound method (no ``self``)."""
        signature = self.__signature__
        return signature.replace(parameters=list(signature.parameters.values())[1:])

    def __call__(self, owner: Owner, /, *args: P.args, **kwargs: P.kwargs) -> R:
        """``Client.send_file(client, ...)``: the blocking call, as for a plain method."""
        return self.__get__(owner)(*args, **kwargs)

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> FileMethod[Owner, P, R]: ...

    @overload
    def __get__(self, obj: Owner, owner: type[Any] | None = None) -> BoundFileMethod[Owner, P, R]: ...

    def __get__(self, obj: Owner | None, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        return BoundFileMethod(obj, self)

    def __repr__(self) -> str:
        return f"<FileMethod {self.name}>"


class BoundFileMethod(BoundForms[P, R], Generic[Owner, P, R]):
    """A file method bound to a client: call it to block, use :attr:`future` or await :attr:`aio`."""

    def __init__(self, owner: Owner, method: FileMethod[Owner, P, R]) -> None:
        self._owner = owner
        self._core: ClientCore = owner.core
        self._method = method
        self.__doc__ = method.__doc__
        self.__name__ = method.name
        self.__qualname__ = f"{type(owner).__qualname__}.{method.name}"
        self.__module__ = type(owner).__module__
        self.__wrapped__ = method.prepare

    def _bound_signature(self) -> inspect.Signature:
        return self._method.bound_signature

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Do the transfer on this thread and return its result (see the method's docstring)."""
        warn_if_event_loop(f"client.{self._method.name}", f"client.{self._method.name}.aio")
        if self._core.is_reader_thread():
            raise BlockingCallError(f"blocking {self._method.name} on the connection's reader thread would "
                                    "deadlock; use the non-blocking .future(...) form in Future callbacks")
        job = self._method.prepare(self._owner, *args, **kwargs)
        return job()

    def _make_future(self) -> Callable[P, Future[R]]:
        submit = self._submit

        def future(*args: P.args, **kwargs: P.kwargs) -> Future[R]:
            return submit(*args, **kwargs)

        return future

    def _submit(self, *args: P.args, **kwargs: P.kwargs) -> Future[R]:
        """Check the arguments now, run the transfer on the client's file worker pool; return its Future.

        Argument errors are raised here, at once. The future fails with the exceptions the blocking
        form raises, and with ClientClosedError when the client is closed first.
        """
        job = self._method.prepare(self._owner, *args, **kwargs)
        if self._core.closed:
            job.release()
            return _failed(ClientClosedError("the client is closed; call connect() to open it again"))
        from .state import state_of  # (not at import: it loads the models)

        try:
            future = state_of(self._core).executor().submit(job)
        except RuntimeError:  # the pool was shut down by a concurrent close()
            job.release()
            return _failed(ClientClosedError("the client was closed"))
        future.add_done_callback(lambda done: job.release())
        return future

    def __repr__(self) -> str:
        return f"<bound file method {self._method.name} of {self._owner!r}>"


def _failed(error: BaseException) -> Future[Any]:
    from concurrent.futures import Future  # (a closed client only)

    future: Future[Any] = Future()
    future.set_exception(error)
    return future


def file_method(prepare: Callable[Concatenate[Owner, P], Job[R]]) -> FileMethod[Owner, P, R]:
    """Decorator: make a prepare function (``self`` first) a file method of the client."""
    return FileMethod(prepare)
