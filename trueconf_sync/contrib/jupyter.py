"""Notebook helpers: a client that re-running its cell replaces, and handlers that replace themselves.

Re-running a cell in Jupyter runs its code again in the same process. A plain
``client = Client(...)`` would leave the previous client connected (its socket and threads live
on, and its handlers keep answering); a plain ``@client.on_message`` cell run twice registers two
handlers. The two helpers here make re-running safe::

    from .jupyter import notebook_client, on

    client = notebook_client(SERVER, token=TOKEN)   # re-run: the previous client is closed first

    @on(client, "message")                           # re-run: replaces the previous ``collect``
    def collect(message):
        inbox.append(message)

Nothing here imports IPython: the helpers work the same in any interpreter.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from blinker import NamedSignal

from ..client import Client

__all__ = ["close_all", "notebook_client", "on"]

F = TypeVar("F", bound=Callable[..., Any])

_lock = threading.Lock()
_clients: dict[str, Client] = {}
_handlers: weakref.WeakKeyDictionary[Client, dict[tuple[Any, str], Callable[..., Any]]] = (
    weakref.WeakKeyDictionary())


def _account(token: Any, username: str | None) -> str:
    if username is not None:
        return f"user:{username}"
    if isinstance(token, str):  # a digest, so the key never holds the token itself
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:16]
    return f"token-source:{getattr(token, '__qualname__', type(token).__name__)}"


def notebook_client(
    server: str,
    token: str | Callable[[], str] | None = None,
    *,
    name: str | None = None,
    connect: bool = True,
    **kwargs: Any,
) -> Client:
    """Make a :class:`~trueconf_sync.Client`, first closing the one this process made under the same name.

    Args:
        server, token, kwargs: as for :class:`~trueconf_sync.Client`.
        name: the registry key; default: the server's address plus the account (username, or a
            digest of the token), so re-running a cell with the same settings replaces its client.
        connect: connect now (errors show in the cell) instead of on first use.

    Returns:
        The new client (connected unless ``connect=False``).

    Raises:
        ValueError, TypeError: bad client arguments (nothing is closed then). AuthError,
        ConnectionLostError, RequestTimeoutError: connecting failed (the old client is closed anyway).
    """
    if name is not None and (not isinstance(name, str) or not name):
        raise TypeError("name must be a non-empty str")
    client = Client(server, token, **kwargs)
    key = name or f"{client.base_url}|{_account(token, kwargs.get('username'))}"
    with _lock:
        old = _clients.pop(key, None)
    if old is not None and old is not client:
        old.close()
    if connect:
        client.connect()
    with _lock:
        _clients[key] = client
    return client


def close_all(timeout: float = 5.0) -> int:
    """Close every client :func:`notebook_client` made in this process; returns how many were open.

    Open means connected, connecting or reconnecting (a client that never connected is not).
    """
    with _lock:
        clients = list(_clients.values())
        _clients.clear()
    open_clients = [client for client in clients if client.state not in ("closed", "disconnected")]
    for client in clients:
        client.close(timeout)
    return len(open_clients)


def on(client: Client, event: str | NamedSignal) -> Callable[[F], F]:
    """Decorator like ``client.on(event)``, but a handler of the same name replaces the previous one.

    Re-running the cell that defines the handler then leaves exactly one handler registered.

    Args:
        client: the client to register with.
        event: an event name (``"message"``...), a wire method name, or a signal; see
            :meth:`~trueconf_sync.Client.on`.

    Returns:
        A decorator that registers the function and returns it unchanged.

    Raises:
        ValueError: unknown event name. TypeError: not a callable.
    """
    from ..events.registry import resolve_event

    resolve_event(event)  # check the name now, before the decorated function exists

    def register(func: F) -> F:
        if not callable(func):
            raise TypeError(f"handler must be callable, not {type(func).__name__}")
        key = (event, getattr(func, "__qualname__", repr(func)))
        with _lock:
            registered = _handlers.setdefault(client, {})
            previous = registered.get(key)
        if previous is not None:
            client.remove_handler(previous)
        client.on(event, func)
        with _lock:
            registered[key] = func
        return func

    return register
