"""Keep capability URLs and upload task ids out of logs, reprs and exception messages (PROTOCOL §6.2).

A download URL grants access to the file by itself, and an ``Upload-Task-Id`` lets anybody post
into the task. While a transfer runs, its secrets are registered here (:func:`secrets_hidden`):
:func:`scrub` replaces them in any text (used for exception messages built from ``requests``
errors, whose text contains the URL), and a filter on urllib3's loggers does the same for their
debug lines (``"GET /path?key=... HTTP/1.1" 200``). The filter touches only records that contain
a registered secret; it is added to those two loggers once, on the first transfer.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

__all__ = ["scrub", "secrets_hidden", "short_id", "short_url"]

_lock = threading.Lock()
_secrets: Counter[str] = Counter()
_filter_installed = False
_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry")
REDACTED = "<redacted>"


def short_url(url: str, *, keep_path: bool = False) -> str:
    """``scheme://host:port/…`` (or with the path, never the query nor ``user:password@``): safe to log or show."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "<url>"
    host = parts.netloc.rpartition("@")[2]  # credentials never show
    path = parts.path if keep_path else ("/…" if parts.path not in ("", "/") else "")
    query = "?…" if parts.query else ""
    return f"{parts.scheme}://{host}{path}{query}"


def short_id(task_id: str) -> str:
    """The first 4 characters of a secret id and an ellipsis."""
    return task_id[:4] + "…" if len(task_id) > 4 else "…"


def _variants(url: str) -> list[str]:
    """The forms a URL's secret part appears in: the URL, ``/path?query``, ``path?query``, the query."""
    parts = urlsplit(url)
    found = [url]
    if parts.path or parts.query:
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        found += [target, target.lstrip("/")]
    if parts.query:
        found.append(parts.query)
    return [v for v in found if len(v) >= 8]


@contextmanager
def secrets_hidden(*, urls: tuple[str, ...] = (), ids: tuple[str, ...] = ()) -> Iterator[None]:
    """Within the block, :func:`scrub` and urllib3's log lines hide ``urls`` and ``ids``."""
    values = [v for url in urls for v in _variants(url)] + [i for i in ids if i]
    _install_filter()
    with _lock:
        _secrets.update(values)
    try:
        yield
    finally:
        with _lock:
            _secrets.subtract(values)
            for value in values:
                if _secrets[value] <= 0:
                    del _secrets[value]


def scrub(text: str) -> str:
    """``text`` with every registered secret replaced by ``<redacted>`` (longest first)."""
    with _lock:
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, REDACTED)
    return text


class _ScrubFilter(logging.Filter):
    """Rewrites a record's message and arguments when they contain a registered secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        if isinstance(record.msg, str):
            record.msg = scrub(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(scrub(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: scrub(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def _install_filter() -> None:
    global _filter_installed
    if _filter_installed:
        return
    with _lock:
        if not _filter_installed:
            scrubber = _ScrubFilter()
            for name in _LOGGERS:
                logging.getLogger(name).addFilter(scrubber)
            _filter_installed = True
