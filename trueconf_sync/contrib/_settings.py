"""Framework settings -> :class:`~trueconf_sync.Client` keyword arguments (shared by Flask and Django).

A setting is the upper-case name of a ``Client`` argument: ``SERVER``, ``TOKEN``, ``USERNAME``,
``PASSWORD``, ``PORT``, ``HTTPS``, ``VERIFY``, ``TIMEOUT``, ``WORKERS``... Every error names the
setting as the user wrote it, and no error repeats a setting's value (it may be a secret).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["client_names", "client_options", "make_client"]


@functools.cache
def client_names() -> tuple[str, ...]:
    """The upper-case setting names: one per keyword argument of ``Client`` (which are exactly
    the arguments of :meth:`~trueconf_sync.config.ClientConfig.create`)."""
    from ..config import ClientConfig

    params = inspect.signature(ClientConfig.create).parameters
    return tuple(name.upper() for name in params if name not in ("self", "cls"))


def client_options(values: Mapping[str, Any], name_of: Callable[[str], str]) -> dict[str, Any]:
    """Read ``values`` (setting name -> value) into ``Client`` keyword arguments.

    Args:
        values: the settings, keyed by upper-case ``Client`` argument names (``SERVER``...).
        name_of: how the user spells a setting, for messages (``"TOKEN"`` ->
            ``'app.config["TRUECONF_TOKEN"]'``).

    Returns:
        The keyword arguments (lower-case names); ``server`` always present.

    Raises:
        ValueError: an unknown setting name (typos are caught), or no ``SERVER``.
    """
    known = client_names()
    options: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ValueError(f"{name_of(key)} is not a TrueConf setting; known: {', '.join(known)}")
        options[key.lower()] = value
    if not options.get("server"):
        raise ValueError(f"{name_of('SERVER')} is not set (the TrueConf Server host name)")
    return options


def make_client(options: Mapping[str, Any], where: str) -> Client:
    """Build a ``Client`` from :func:`client_options`'s result (it does not connect yet).

    Raises:
        ValueError: the client refused an option; the message starts with ``where``.
    """
    from ..client import Client

    try:
        return Client(**options)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from exc
