"""Optional dependencies ("extras"): one check, one message that says what to install.

A feature that needs an extra calls :func:`require` before it starts, so a plain install gets one
readable :class:`MissingExtraError` (an ``ImportError``) instead of a traceback from deep inside.
"""

from __future__ import annotations

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(ImportError):
    """A feature was used without its optional dependency. ``extra``: the extra to install."""

    def __init__(self, feature: str, module: str, extra: str, alternative: str = "") -> None:
        self.feature = feature
        self.extra = extra
        super().__init__(f"{feature} needs {module}: pip install 'trueconf_sync[{extra}]'{alternative}",
                         name=module)


def require(module: str, extra: str, feature: str, alternative: str = "") -> None:
    """Raise :class:`MissingExtraError` unless ``module`` can be imported."""
    import importlib.util  # (when a feature starts: not loaded with the client)

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise MissingExtraError(feature, module, extra, alternative)
