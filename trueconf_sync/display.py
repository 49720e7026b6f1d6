"""Public import path of HTML tables of messages, chats and histories for Jupyter.

The code lives in :mod:`trueconf_sync.api.display`."""

from .api.display import *  # noqa: F403
from .api.display import __all__ as __all__
