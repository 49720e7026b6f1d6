"""Public import path of the typed models of everything the server sends.

The code lives in :mod:`trueconf_sync.api.models`."""

from .api.models import *  # noqa: F403
from .api.models import __all__ as __all__
