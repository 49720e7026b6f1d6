"""Flask extension: one TrueConf client per process, shared by every request thread.

::

    from flask import Flask
    from .flask import TrueConf

    trueconf = TrueConf()

    def create_app():
        app = Flask(__name__)
        app.config["TRUECONF_SERVER"] = "video.example.com"
        app.config["TRUECONF_TOKEN"] = os.environ["TRUECONF_TOKEN"]
        trueconf.init_app(app)
        return app

    @app.post("/alert")
    def alert():
        trueconf.client.send_message(chat_id, request.form["text"])   # any request thread

Settings: every ``app.config`` key ``TRUECONF_<NAME>`` where ``<NAME>`` is a
:class:`~trueconf_sync.Client` argument in upper case: ``TRUECONF_SERVER`` (required),
``TRUECONF_TOKEN`` or ``TRUECONF_USERNAME`` + ``TRUECONF_PASSWORD``, ``TRUECONF_PORT``,
``TRUECONF_HTTPS``, ``TRUECONF_VERIFY``, ``TRUECONF_TIMEOUT``, ``TRUECONF_WORKERS``... An unknown
``TRUECONF_*`` key is an error (it is most likely a typo).

The client is built by :meth:`TrueConf.init_app` (so bad settings fail at start-up) and connects
on first use; it is closed when the interpreter exits. Under gunicorn each worker process gets its
own connection, also with ``--preload`` (the client reconnects in a forked child by itself).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app, has_app_context

from ._holder import ClientHolder
from ._settings import client_options, make_client

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["CONFIG_PREFIX", "EXTENSION_NAME", "TrueConf"]

#: Prefix of the extension's ``app.config`` keys.
CONFIG_PREFIX = "TRUECONF_"
#: Key of the extension's state in ``app.extensions``.
EXTENSION_NAME = "trueconf"


class TrueConf:
    """The Flask extension: ``TrueConf(app)``, or ``TrueConf()`` then ``init_app(app)`` per app.

    Args:
        app: the application, or None to call :meth:`init_app` later (app factories).
        defaults: ``Client`` keyword arguments used when ``app.config`` does not set them
            (e.g. ``TrueConf(timeout=5)``).
    """

    def __init__(self, app: Flask | None = None, **defaults: Any) -> None:
        self.app = app
        self._defaults = {key.upper(): value for key, value in defaults.items()}
        self._holders: list[ClientHolder] = []
        self._last_app: weakref.ref[Flask] | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read ``app.config["TRUECONF_*"]`` and build the app's client (it connects on first use).

        Raises:
            ValueError: unknown ``TRUECONF_*`` key, no ``TRUECONF_SERVER``, or a value the client
                refuses (the message names the setting).
        """
        values = dict(self._defaults)
        values.update((key[len(CONFIG_PREFIX):], value) for key, value in app.config.items()
                      if key.startswith(CONFIG_PREFIX))
        options = client_options(values, lambda key: f'app.config["{CONFIG_PREFIX}{key}"]')
        where = f'TrueConf settings of {app.name!r} (app.config["{CONFIG_PREFIX}*"])'
        holder = ClientHolder(lambda: make_client(options, where), f"Flask app {app.name!r}")
        holder.get()  # builds the client now: bad settings fail here, not in the first request
        app.extensions[EXTENSION_NAME] = holder
        self._holders.append(holder)
        self._last_app = weakref.ref(app)

    def _app(self) -> Flask:
        if self.app is not None:
            return self.app
        if has_app_context():
            app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
            return app
        app_or_none = self._last_app() if self._last_app is not None else None
        if app_or_none is None:
            raise RuntimeError("TrueConf: no application; call init_app(app) and use the client "
                               "inside an app context (or from a request)")
        return app_or_none

    @property
    def client(self) -> Client:
        """The current app's :class:`~trueconf_sync.Client` (one per process; thread-safe).

        Outside an app context, the client of the app given to the constructor or, failing that,
        of the last app :meth:`init_app` saw (handy in background threads).

        Raises:
            RuntimeError: no app was initialised, or the current app was not (``init_app``).
        """
        app = self._app()
        holder = app.extensions.get(EXTENSION_NAME)
        if not isinstance(holder, ClientHolder):
            raise RuntimeError(f"TrueConf: init_app() was not called for the app {app.name!r}")
        return holder.get()

    def close(self, timeout: float = 5.0) -> None:
        """Close the clients of every app this extension serves; each is rebuilt on next use."""
        for holder in self._holders:
            holder.close(timeout)

    def __repr__(self) -> str:
        return f"<TrueConf extension, {len(self._holders)} app(s)>"
