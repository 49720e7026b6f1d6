"""``python manage.py trueconf_bot``: run the TrueConf bot of this Django project."""

from __future__ import annotations

import signal
import threading
from typing import Any, NoReturn

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from .....errors import TrueConfError
from ... import close_client, get_client, handler_setups


def _interrupt(signum: int, frame: Any) -> NoReturn:
    raise KeyboardInterrupt  # run_forever closes the client cleanly on it


class Command(BaseCommand):
    """Register the handlers named in ``settings.TRUECONF["HANDLERS"]`` and handle events until stopped."""

    help = (
        'Run the TrueConf bot: call each handler set-up of settings.TRUECONF["HANDLERS"] (or --handlers) '
        "with the client, then handle events until Ctrl-C or SIGTERM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """``--handlers DOTTED.PATH`` (repeatable) replaces the setting."""
        parser.add_argument(
            "--handlers", action="append", metavar="DOTTED.PATH",
            help='a callable setup(client) that registers handlers '
                 '(repeatable; default: settings.TRUECONF["HANDLERS"])',
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Connect, run the handlers until stopped; CommandError (exit 1) on set-up or connection failure."""
        try:
            setups = handler_setups(options["handlers"])
            if not setups:
                raise CommandError('no handlers: set settings.TRUECONF["HANDLERS"] or pass --handlers')
            client = get_client()
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc
        in_main = threading.current_thread() is threading.main_thread()
        previous = signal.signal(signal.SIGTERM, _interrupt) if in_main else None
        try:
            for setup in setups:
                setup(client)
            client.connect()
            self.stdout.write(f"trueconf_bot: connected to {client.host}:{client.port} as {client.user_id}; "
                              "handling events (Ctrl-C to stop)")
            self.stdout.flush()
            client.run_forever()
        except KeyboardInterrupt:
            pass
        except TrueConfError as exc:
            raise CommandError(f"trueconf_bot: {type(exc).__name__}: {exc}") from exc
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
            close_client()
        self.stdout.write("trueconf_bot: stopped")
