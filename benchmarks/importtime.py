"""Import cost of a statement, measured in fresh interpreters: ``python -m benchmarks.importtime``.

Runs ``python -X importtime -c STATEMENT`` (default ``from trueconf_sync import Client``) ``--runs``
times (default 10) and prints, as medians over the runs:

* the wall time of the whole process (interpreter start-up included) and of ``python -c pass``;
* the sum of the self times ``-X importtime`` reports (every module the statement and the
  interpreter import). On a shared machine this is steadier than the wall time, which also
  counts the time the process waited for a CPU;
* the modules with the largest self time, and how many modules were imported.

``--library DIR`` measures the package found in ``DIR`` (e.g. a ``git archive`` of an older
commit); ``--against DIR`` interleaves runs of that package, of this one, of ``import websocket``
and of ``pass`` (a fair before/after on a shared machine). ``--json`` prints JSON instead.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

STATEMENT = "from trueconf_sync import Client"


def one_run(statement: str, cwd: str | None = None) -> tuple[float, dict[str, int]]:
    """(wall ms, self microseconds per module) of one ``python -X importtime -c statement``."""
    # Cold means a fresh interpreter, not a missing bytecode cache: an installed package has its .pyc
    # files, so let Python write them (this machine sets PYTHONDONTWRITEBYTECODE, which would make
    # every run compile every module: 2-3x the real cost).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if cwd:
        env["PYTHONPATH"] = cwd
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", statement], capture_output=True,
                          text=True, check=True, cwd=cwd, env=env)
    wall = (time.perf_counter() - start) * 1000
    selfs: dict[str, int] = {}
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        own, _, name = line[len("import time:"):].split("|")
        selfs[name.strip()] = selfs.get(name.strip(), 0) + int(own)
    return wall, selfs


def measure(statement: str = STATEMENT, runs: int = 10, cwd: str | None = None) -> dict[str, Any]:
    """Medians over ``runs`` fresh interpreters (see the module docstring)."""
    walls, sums, counts, baseline = [], [], [], []
    per_module: dict[str, list[int]] = {}
    one_run(statement, cwd)  # writes the bytecode caches if missing; not counted
    for _ in range(runs):
        baseline.append(one_run("pass", cwd)[0])
        wall, selfs = one_run(statement, cwd)
        walls.append(wall)
        sums.append(sum(selfs.values()) / 1000)
        counts.append(len(selfs))
        for name, own in selfs.items():
            per_module.setdefault(name, []).append(own)
    top = sorted(((statistics.median(v + [0] * (runs - len(v))) / 1000, k) for k, v in per_module.items()),
                 reverse=True)[:15]
    return {"statement": statement, "runs": runs, "wall_ms": round(statistics.median(walls), 1),
            "wall_min_ms": round(min(walls), 1), "interpreter_ms": round(statistics.median(baseline), 1),
            "self_sum_ms": round(statistics.median(sums), 1), "modules": int(statistics.median(counts)),
            "top_self_ms": [[name, round(ms, 2)] for ms, name in top]}


def compare(statement: str, runs: int, before: str) -> dict[str, dict[str, float]]:
    """Interleaved runs of ``statement`` with the package of ``before`` and with this one, and of
    ``import websocket`` and ``pass``: on a shared machine, each round sees the same load."""
    sides = {"before": (statement, before), "after": (statement, None),
             "import websocket": ("import websocket", None), "pass": ("pass", None)}
    walls: dict[str, list[float]] = {name: [] for name in sides}
    sums: dict[str, list[float]] = {name: [] for name in sides}
    for what, where in sides.values():
        one_run(what, where)  # bytecode caches
    for _ in range(runs):
        for name, (what, where) in sides.items():
            wall, selfs = one_run(what, where)
            walls[name].append(wall)
            sums[name].append(sum(selfs.values()) / 1000)
    return {name: {"wall_ms": round(statistics.median(walls[name]), 1), "wall_min_ms": round(min(walls[name]), 1),
                   "self_sum_ms": round(statistics.median(sums[name]), 1),
                   "self_sum_min_ms": round(min(sums[name]), 1)} for name in sides}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.importtime", description=__doc__.splitlines()[0])
    parser.add_argument("statement", nargs="?", default=STATEMENT)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--library", type=Path, help="directory holding another trueconf_sync package")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--against", type=Path, help="interleave runs with the package in this directory")
    args = parser.parse_args(argv)
    cwd = str(args.library.resolve()) if args.library else None
    if args.against:
        compared = compare(args.statement, args.runs, str(args.against.resolve()))
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        print(json.dumps(compared) if args.json else "\n".join(
            [f"{args.statement!r}, {args.runs} interleaved rounds (load average {load:.2f}); medians (min):"]
            + [f"  {name:<16} wall {v['wall_ms']:7.1f} ({v['wall_min_ms']:.1f}) ms   self sum "
               f"{v['self_sum_ms']:7.1f} ({v['self_sum_min_ms']:.1f}) ms" for name, v in compared.items()]))
        return 0
    result = measure(args.statement, args.runs, cwd)
    if args.json:
        print(json.dumps(result))
        return 0
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{args.statement!r}: median of {args.runs} cold runs (load average {load:.2f})")
    print(f"  wall {result['wall_ms']} ms (min {result['wall_min_ms']}), of which the interpreter "
          f"('python -c pass') {result['interpreter_ms']} ms")
    print(f"  sum of -X importtime self times {result['self_sum_ms']} ms, {result['modules']} modules")
    for name, ms in result["top_self_ms"]:
        print(f"    {ms:7.2f} ms  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
