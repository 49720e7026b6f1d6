"""The relay's counters and their rendering in the Prometheus text exposition format (0.0.4).

Counters live in memory (they restart at zero with the process, as Prometheus expects of
counters); gauges (outbox depth, oldest pending age, connection state) are read at scrape time.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable

__all__ = ["Metrics"]


def _labels(pairs: Iterable[tuple[str, str]]) -> str:
    text = ",".join(f'{name}="{_escape(value)}"' for name, value in pairs)
    return "{" + text + "}" if text else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    """Thread-safe request counters of one relay."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: Counter[tuple[str, int]] = Counter()
        self._accepted: Counter[str] = Counter()

    def request(self, endpoint: str, status: int) -> None:
        """Count one answered HTTP request."""
        with self._lock:
            self._requests[(endpoint, status)] += 1

    def accepted(self, endpoint: str) -> None:
        """Count one message stored in the outbox."""
        with self._lock:
            self._accepted[endpoint] += 1

    def render(self, gauges: dict[str, tuple[str, float]], totals: dict[str, tuple[str, float]]) -> str:
        """The exposition text: request counters, then ``gauges`` and ``totals`` (name -> (help, value))."""
        with self._lock:
            requests = sorted(self._requests.items())
            accepted = sorted(self._accepted.items())
        out = ["# HELP trueconf_relay_http_requests_total HTTP requests answered, by endpoint and status.",
               "# TYPE trueconf_relay_http_requests_total counter"]
        out += [f"trueconf_relay_http_requests_total{_labels([('endpoint', e), ('code', str(c))])} {n}"
                for (e, c), n in requests]
        out += ["# HELP trueconf_relay_accepted_total Messages stored in the outbox, by endpoint.",
                "# TYPE trueconf_relay_accepted_total counter"]
        out += [f"trueconf_relay_accepted_total{_labels([('endpoint', e)])} {n}" for e, n in accepted]
        for kind, table in (("gauge", gauges), ("counter", totals)):
            for name, (meaning, value) in table.items():
                out += [f"# HELP {name} {meaning}", f"# TYPE {name} {kind}", f"{name} {_number(value)}"]
        return "\n".join(out) + "\n"
