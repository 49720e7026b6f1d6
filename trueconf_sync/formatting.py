"""Public import path of message formatting builders, escaping and splitting.

The code lives in :mod:`trueconf_sync.text.formatting`."""

from .text.formatting import *  # noqa: F403
from .text.formatting import __all__ as __all__
