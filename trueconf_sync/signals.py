"""Public import path of the blinker signal of every server event.

The code lives in :mod:`trueconf_sync.events.signals`."""

from .events.signals import *  # noqa: F403
from .events.signals import __all__ as __all__
