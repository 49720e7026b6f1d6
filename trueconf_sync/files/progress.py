"""The ``progress=`` argument of uploads and downloads: a callback, or ``True`` for a tqdm bar."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from ..extras import require

__all__ = ["Progress", "ProgressArgument", "check_progress"]

#: ``progress(done_bytes, total_bytes)``, ``True`` (a tqdm bar), or ``None``/``False`` (nothing).
ProgressArgument = Callable[[int, int], Any] | bool | None


class Progress:
    """Counts transferred bytes and reports them to a callback or a tqdm bar."""

    def __init__(self, callback: Callable[[int, int], Any] | None, bar: bool, label: str) -> None:
        self._callback = callback
        self._bar_wanted = bar
        self._label = label
        self._bar: Any = None
        self.done = 0
        self.total = 0

    def start(self, total: int) -> None:
        """The transfer begins; ``total`` bytes are expected (0 when unknown)."""
        self.done, self.total = 0, total
        if self._bar_wanted:
            tqdm = importlib.import_module("tqdm")
            self._bar = tqdm.tqdm(total=total or None, unit="B", unit_scale=True, unit_divisor=1024,
                                  desc=self._label, leave=False)
        self._report()

    def advance(self, count: int) -> None:
        """``count`` more bytes went through. The callback may raise to abort the transfer."""
        self.done += count
        if self._bar is not None:
            self._bar.update(count)
        self._report()

    def _report(self) -> None:
        if self._callback is not None:
            self._callback(self.done, self.total)

    def close(self) -> None:
        """Remove the bar (if any)."""
        bar, self._bar = self._bar, None
        if bar is not None:
            bar.close()


def check_progress(progress: Any, label: str) -> Progress | None:
    """Check a ``progress`` argument before anything is sent; None when no progress is wanted.

    Raises TypeError for a non-callable, ImportError for ``True`` without tqdm installed.
    """
    if progress is None or progress is False:
        return None
    if progress is True:
        require("tqdm", "progress", "progress=True", " (or pass a callback)")
        return Progress(None, True, label)
    if not callable(progress):
        raise TypeError(f"progress must be a callable progress(done_bytes, total_bytes) or True, "
                        f"not {type(progress).__name__}")
    return Progress(progress, False, label)
