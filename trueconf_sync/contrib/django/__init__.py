"""Django integration: ``TRUECONF`` settings, one lazily created client per process, sending after commit.

Add the app and the settings::

    INSTALLED_APPS = [..., "trueconf_sync.contrib.django"]

    TRUECONF = {
        "SERVER": "video.example.com",
        "TOKEN": os.environ["TRUECONF_TOKEN"],      # or "USERNAME" and "PASSWORD"
        "TIMEOUT": 10,                              # any Client argument, in upper case
        "HANDLERS": ["alerts.bot.setup"],           # for `python manage.py trueconf_bot`
    }

Then, from any view, task or thread::

    from . import get_client, send_on_commit

    get_client().send_message(chat_id, "deployed")         # now
    send_on_commit(chat_id, f"order {order.pk} paid")      # once the current transaction commits

``python manage.py trueconf_bot`` runs a bot: it calls every ``HANDLERS`` entry (a dotted path to
a callable taking the client, which registers handlers with ``@client.on_message``...) and then
handles events until Ctrl-C or SIGTERM. ``python manage.py check`` reports bad ``TRUECONF``
settings (warning ``trueconf_sync.W001``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils.module_loading import import_string

from .._holder import ClientHolder
from .._settings import client_options, make_client

if TYPE_CHECKING:
    from ...client import Client

__all__ = ["HANDLERS_SETTING", "close_client", "get_client", "handler_setups", "send_on_commit"]

log = logging.getLogger("trueconf_sync.contrib.django")

#: The ``TRUECONF`` key naming the bot's handler set-up callables (not a Client argument).
HANDLERS_SETTING = "HANDLERS"
_DJANGO_KEYS = frozenset({HANDLERS_SETTING})


def _name_of(key: str) -> str:
    return f'settings.TRUECONF["{key}"]'


def _settings() -> Mapping[str, Any]:
    values = getattr(settings, "TRUECONF", None)
    if values is None:
        raise ImproperlyConfigured('settings.TRUECONF is not set; e.g. TRUECONF = {"SERVER": ..., "TOKEN": ...}')
    if not isinstance(values, Mapping):
        raise ImproperlyConfigured(f"settings.TRUECONF must be a dict, not {type(values).__name__}")
    return values


def _make_client() -> Client:
    values = {key: value for key, value in _settings().items() if key not in _DJANGO_KEYS}
    try:
        return make_client(client_options(values, _name_of), "settings.TRUECONF")
    except ValueError as exc:
        raise ImproperlyConfigured(str(exc)) from exc


_holder = ClientHolder(_make_client, "settings.TRUECONF")


def get_client() -> Client:
    """This process's :class:`~trueconf_sync.Client`, built from ``settings.TRUECONF`` on first use.

    Thread-safe; the client connects on its first call. Closed when the interpreter exits.

    Raises:
        ImproperlyConfigured: ``TRUECONF`` is missing or wrong (the message names the key).
    """
    return _holder.get()


def close_client(timeout: float = 5.0) -> None:
    """Close this process's client, if any; the next :func:`get_client` builds a new one.

    Called automatically when a test changes ``TRUECONF`` (``override_settings``).
    """
    _holder.close(timeout)


def check_settings() -> None:
    """Validate ``settings.TRUECONF`` without connecting. Raises :class:`ImproperlyConfigured`."""
    _make_client()
    handler_setups()


def handler_setups(paths: Sequence[str] | str | None = None) -> list[Callable[[Client], Any]]:
    """Import the bot's handler set-up callables: ``paths``, or ``settings.TRUECONF["HANDLERS"]``.

    Args:
        paths: dotted paths of callables ``setup(client)``; None reads the setting (missing = none).

    Returns:
        The imported callables, in order.

    Raises:
        ImproperlyConfigured: a path that does not import, or names something not callable.
    """
    source = "--handlers"
    if paths is None:
        paths = _settings().get(HANDLERS_SETTING) or []
        source = _name_of(HANDLERS_SETTING)
    if isinstance(paths, str):
        paths = [paths]
    if not isinstance(paths, (list, tuple)):
        raise ImproperlyConfigured(f"{source} must be a list of dotted paths, not {type(paths).__name__}")
    setups: list[Callable[[Client], Any]] = []
    for path in paths:
        if not isinstance(path, str) or not path:
            raise ImproperlyConfigured(f"{source}: entries must be dotted paths (str), got {path!r}")
        try:
            setup = import_string(path)
        except ImportError as exc:
            raise ImproperlyConfigured(f"{source}: cannot import {path!r}: {exc}") from exc
        if not callable(setup):
            raise ImproperlyConfigured(f"{source}: {path!r} is not callable")
        setups.append(setup)
    return setups


def send_on_commit(
    chat_id: str,
    text: Any,
    *,
    using: str | None = None,
    fail_silently: bool = False,
    **kwargs: Any,
) -> None:
    """Send a message once the current database transaction commits (at once outside one).

    A rolled-back transaction sends nothing. The arguments are checked now, so a bad message
    fails in the view, not after the commit.

    Args:
        chat_id, text, kwargs: as for :meth:`~trueconf_sync.Client.send_message`
            (``parse_mode``, ``reply_message_id``, ``buttons``, ``timeout``).
        using: the database alias whose transaction counts (default: ``"default"``).
        fail_silently: log a failed send instead of raising it from the commit.

    Raises:
        ValueError, TypeError: bad arguments (nothing is scheduled).
    """
    from ...api.methods import ApiMethods

    ApiMethods.send_message.prepare((chat_id, text), {k: v for k, v in kwargs.items() if k != "timeout"})

    def send() -> None:
        try:
            get_client().send_message(chat_id, text, **kwargs)
        except Exception:
            if not fail_silently:
                raise
            log.exception("TrueConf message to chat %s was not sent after the commit", chat_id)

    transaction.on_commit(send, using=using)
