"""Runs one scenario side in its own process: ``python -m benchmarks.worker SCENARIO raw|ours|sdk SETUP_JSON``.

``sdk`` is the official asyncio SDK (:mod:`benchmarks.sdk_side`); it needs ``trueconf`` importable.

Prints the figures as one JSON line on stdout (the runner reads the last line).
"""

from __future__ import annotations

import json
import sys

from .scenarios import SCENARIOS, Setup


def main(argv: list[str]) -> int:
    """Entry point; returns the exit status."""
    if len(argv) != 3 or argv[0] not in SCENARIOS or argv[1] not in ("raw", "ours", "sdk"):
        print(f"usage: python -m benchmarks.worker {{{','.join(SCENARIOS)}}} raw|ours|sdk SETUP_JSON",
              file=sys.stderr)
        return 2
    raw, ours = SCENARIOS[argv[0]]
    side = {"raw": raw, "ours": ours}.get(argv[1])
    if side is None:  # (imported only here: the SDK side's module is not needed by the other two)
        from .sdk_side import SDK_SCENARIOS

        if argv[0] not in SDK_SCENARIOS:
            print(f"the SDK side has only the scenarios {', '.join(SDK_SCENARIOS)}", file=sys.stderr)
            return 2
        side = SDK_SCENARIOS[argv[0]]
    setup = Setup(**json.loads(argv[2]))
    if setup.extra.get("library"):  # measure another copy of the package (e.g. an older commit)
        sys.path.insert(0, str(setup.extra["library"]))
    if setup.extra.get("stdlib_json") and argv[1] != "sdk":  # (an option of trueconf_sync, not of the SDK)
        sys.modules["orjson"] = None  # type: ignore[assignment]  # trueconf_sync falls back to json
    figures = side(setup)
    if argv[1] == "ours" and "trueconf_sync.transport.jsoncodec" in sys.modules:
        figures["json_backend"] = sys.modules["trueconf_sync.transport.jsoncodec"].BACKEND
    print(json.dumps(figures), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
