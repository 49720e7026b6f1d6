"""One lazily created :class:`~trueconf_sync.Client` per process, closed at interpreter exit.

Web apps share one client between all request threads (it is thread-safe). A forked worker
(gunicorn, uWSGI) keeps the holder and its client object: the client itself drops the parent's
connection in the child and connects anew on first use (``Supervisor.after_fork`` in
:mod:`trueconf_sync.core.supervisor`); the holder only replaces its own lock, which another thread
may have held at fork time.
"""

from __future__ import annotations

import atexit
import os
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["ClientHolder"]


class ClientHolder:
    """Creates its client on first :meth:`get` (thread-safe), closes it on :meth:`close` or at exit.

    Args:
        factory: builds the client (called at most once until :meth:`close`).
        label: what the holder serves, for its repr (no secrets).
    """

    def __init__(self, factory: Callable[[], Client], label: str) -> None:
        self._factory = factory
        self.label = label
        self._client: Client | None = None
        self._lock = threading.Lock()
        _HOLDERS.add(self)

    def get(self) -> Client:
        """The client; created on the first call (not connected: it connects on first use)."""
        client = self._client
        if client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._factory()
                client = self._client
        return client

    @property
    def client(self) -> Client | None:
        """The client if it was created, else None (never creates one)."""
        return self._client

    def close(self, timeout: float = 5.0) -> None:
        """Close the client, if any, and forget it: the next :meth:`get` builds a new one."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close(timeout)

    def __repr__(self) -> str:
        client = self._client
        return f"<ClientHolder {self.label}: {client!r}>" if client is not None else f"<ClientHolder {self.label}>"

    def _after_fork(self) -> None:
        self._lock = threading.Lock()


_HOLDERS: weakref.WeakSet[ClientHolder] = weakref.WeakSet()


def _close_all() -> None:
    for holder in list(_HOLDERS):
        holder.close(timeout=2.0)


def _after_fork_in_child() -> None:
    for holder in list(_HOLDERS):
        holder._after_fork()


atexit.register(_close_all)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
