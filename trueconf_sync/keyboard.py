"""Public import path of inline buttons and answerCommand payloads.

The code lives in :mod:`trueconf_sync.text.keyboard`."""

from .text.keyboard import *  # noqa: F403
from .text.keyboard import __all__ as __all__
