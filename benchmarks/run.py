"""Benchmark runner: trueconf_sync against a raw websocket-client loop and the official SDK, one server.

Run (from the repository root):  python -m benchmarks.run [--rounds 5] [--server thin|fake] [--sdk-python PATH]

It starts one server process (by default the thin stand-in :mod:`benchmarks.thin_server`; ``--server
fake`` uses the fake TrueConf server in standalone mode), then for every round and scenario runs the
raw loop and trueconf_sync each in a fresh process (alternating which goes first), and prints a table:
medians of the absolute figures, the ratio to the raw loop (median of the per-round ratios: both sides
of a round share the same server and machine state, so drift cancels), the target and pass/fail. The
same goes to a JSON file.

The third side, the official asyncio SDK (``python-trueconf-bot``, :mod:`benchmarks.sdk_side`), runs in
the sequential, pipelined and inbound scenarios when ``import trueconf`` works in this interpreter
(``pip install python-trueconf-bot==1.5.4``) or in the one given by ``--sdk-python`` (a separate venv
holding the SDK; its workers get the repository on ``PYTHONPATH``). Its columns are the SDK's figure and the ratio
trueconf_sync / SDK with its own target. Without the SDK (or with ``--no-sdk``) one line says that its
side was skipped and the table has the two other sides only.

``--smoke`` runs one tiny round (CI uses it so the benchmarks cannot rot);
the exit status is non-zero only when something crashed, never because a target was missed
(``--strict`` changes that).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .scenarios import SCENARIOS, Setup
from .sdk_side import SDK_SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_JSON = ROOT / "benchmarks" / "results.json"
WORKER_TIMEOUT = 600.0


@dataclass(frozen=True)
class Row:
    """One line of the table: a figure of a scenario, and how its target is judged."""

    label: str
    scenario: str
    figure: str
    unit: str
    rule: str  # "ratio>=", "ratio<=" (ours / raw), "max" (ours, absolute) or "info" (no target)
    target: float
    sdk_target: float | None = None  # ours / SDK must be >= this (issue 15, goal 4); None: shown, not judged


#: The ratio targets are issue 15's (goal 4): sequential >= 1.0x the raw loop, pipelined >= 1.5x,
#: inbound >= 2x; and >= 2x / 3x / 3x the official SDK.
ROWS = [
    Row("sequential send_message", "sequential", "rate", "msg/s", "ratio>=", 1.0, 2.0),
    Row("send_message latency p50", "sequential", "p50_us", "us", "ratio<=", 1.2),
    Row("send_message latency p99", "sequential", "p99_us", "us", "ratio<=", 1.2),
    Row("bulk send_messages vs pipelined", "pipelined", "rate", "msg/s", "ratio>=", 1.5, 3.0),
    Row("inbound: parsed, handled, acked", "inbound", "rate", "ev/s", "ratio>=", 2.0, 3.0),
    Row("python -c 'import ...'", "footprint", "import_ms", "ms", "max", 100.0),
    Row("... 'from trueconf_sync import Client'", "footprint", "import_client_ms", "ms", "max", 100.0),
    Row("... the same, sum of -X importtime self times", "footprint", "import_client_self_ms", "ms", "info", 0.0),
    Row("connected idle process RSS", "footprint", "rss_mib", "MiB", "max", 40.0),
    Row("peak RSS: sequential client", "sequential", "peak_rss_mib", "MiB", "max", 35.0),
    Row("peak RSS: bulk client", "pipelined", "peak_rss_mib", "MiB", "max", 35.0),
    Row("peak RSS: inbound client", "inbound", "peak_rss_mib", "MiB", "max", 35.0),
    Row("N clients: threads per client", "clients", "threads_per_client", "threads", "max", 1.2),
    Row("N clients: RSS per idle client", "clients", "rss_per_client_mib", "MiB", "max", 0.25),
    Row("N clients: RSS per client after traffic", "clients", "rss_per_client_after_mib", "MiB", "info", 0.0),
    Row("N clients: sends + events not completed", "clients", "failed", "", "max", 0.0),
]

#: per scenario: the work per side in a full and in a smoke round (clients: connected clients)
COUNTS = {"sequential": (5000, 50), "pipelined": (20000, 200), "inbound": (10000, 200), "footprint": (0, 0),
          "clients": (100, 10)}


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_split(pin: bool) -> tuple[set[int] | None, set[int] | None]:
    """(server CPUs, client CPUs) when pinning: the server gets the last CPU, the clients the rest."""
    if not pin or not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[-1]}, set(cpus[:-1])


def _pinned(cpus: set[int] | None) -> Any:
    if cpus is None:
        return None
    return lambda: os.sched_setaffinity(0, cpus)


class Server:
    """The server process the scenarios talk to."""

    def __init__(self, kind: str, cpus: set[int] | None = None) -> None:
        self.kind = kind
        self.port = free_port()
        if kind == "thin":
            command = [sys.executable, "-m", "benchmarks.thin_server", "--port", str(self.port)]
        else:
            command = [sys.executable, "-m", "trueconf_sync.testing", "--port", str(self.port),
                       "--bot", "bench_bot:pw", "--user", "alice:pw", "--ping-interval", "30"]
        self.proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     preexec_fn=_pinned(cpus))
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"the {kind} server did not start") from None
                time.sleep(0.05)
        self.token, self.chat_id = self._credentials()

    def _credentials(self) -> tuple[str, str]:
        if self.kind == "thin":
            from .thin_server import CHAT_ID, TOKEN

            return TOKEN, CHAT_ID
        import requests

        base = f"http://127.0.0.1:{self.port}"
        token = requests.post(base + "/bridge/api/client/v1/oauth/token", json={
            "client_id": "chat_bot", "grant_type": "password", "username": "bench_bot", "password": "pw"},
            timeout=10).json()["access_token"]
        chat = requests.post(base + "/_fake/users/alice/messages", json={"to": "bench_bot", "text": "hi"},
                             timeout=10).json()["chatId"]
        return str(token), str(chat)

    def stop(self) -> None:
        """Terminate the process (and wait for it)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _env_for(python: str) -> dict[str, str] | None:
    """The environment of a worker run by ``python``: another interpreter gets the repository on its path."""
    if python == sys.executable:
        return None
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": str(ROOT) + (os.pathsep + path if path else "")}


def sdk_probe(python: str) -> tuple[str | None, str]:
    """(the SDK's version, "") when ``python`` can import it, else (None, why not)."""
    try:
        done = subprocess.run([python, "-m", "benchmarks.sdk_side"], cwd=ROOT, env=_env_for(python),
                              capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"{python} did not run: {exc}"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["exit status " + str(done.returncode)])[-1]
        return None, f"'import trueconf' failed in {python} ({last})"
    return done.stdout.strip().splitlines()[-1], ""


def run_worker(scenario: str, side: str, setup: Setup, cpus: set[int] | None = None,
               python: str = sys.executable) -> dict[str, Any]:
    """Run one side of one scenario in a fresh process of ``python`` (on ``cpus``); return its figures."""
    done = subprocess.run(
        [python, "-m", "benchmarks.worker", scenario, side, json.dumps(asdict(setup))],
        cwd=ROOT, env=_env_for(python), capture_output=True, text=True, timeout=WORKER_TIMEOUT,
        preexec_fn=_pinned(cpus),
    )
    if done.returncode != 0:
        raise RuntimeError(f"{scenario}/{side} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def judge(row: Row, raw: float | None, ours: float | None, ratio: float | None) -> bool | None:
    """Whether the row's target is met (None when a figure is missing or there is no target)."""
    if row.rule == "info":
        return None
    if row.rule == "max":
        return None if ours is None else ours <= row.target
    if ratio is None:
        return None
    return ratio >= row.target if row.rule == "ratio>=" else ratio <= row.target


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def summarize(rounds: list[dict[str, dict[str, dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Medians per row over the rounds, the median per-round ratios (to raw, to the SDK), the verdicts."""
    summary = []
    for row in ROWS:
        raws: list[float] = []
        ourss: list[float] = []
        sdks: list[float] = []
        ratios: list[float] = []
        sdk_ratios: list[float] = []
        for result in rounds:
            sides = result.get(row.scenario)
            if not sides:
                continue
            raw, ours = sides["raw"].get(row.figure), sides["ours"].get(row.figure)
            sdk = sides.get("sdk", {}).get(row.figure)
            for values, value in ((raws, raw), (ourss, ours), (sdks, sdk)):
                if value is not None:
                    values.append(value)
            if raw and ours is not None:
                ratios.append(ours / raw)
            if sdk and ours is not None:
                sdk_ratios.append(ours / sdk)
        if not ourss:
            continue
        raw_m, ours_m, sdk_m = _median(raws), statistics.median(ourss), _median(sdks)
        ratio, sdk_ratio = _median(ratios), _median(sdk_ratios)
        target = {"max": f"<= {row.target:g} {row.unit}", "info": "-"}.get(row.rule, f"{row.rule[5:]} {row.target:g}x")
        sdk_pass = None if row.sdk_target is None or sdk_ratio is None else sdk_ratio >= row.sdk_target
        summary.append({"label": row.label, "unit": row.unit, "raw": raw_m, "ours": ours_m, "ratio": ratio,
                        "target": target, "pass": judge(row, raw_m, ours_m, ratio), "rounds": len(ourss),
                        "sdk": sdk_m, "sdk_ratio": sdk_ratio,
                        "sdk_target": "-" if row.sdk_target is None else f">= {row.sdk_target:g}x",
                        "sdk_pass": sdk_pass})
    return summary


def cpu_shares(rounds: list[dict[str, dict[str, dict[str, Any]]]]) -> dict[str, dict[str, float]]:
    """Median CPU share (1.0 = one core busy) of client and server in each timed scenario."""
    shares: dict[str, dict[str, float]] = {}
    for scenario in SCENARIOS:
        for side in ("raw", "ours", "sdk"):
            for who in ("client_cpu", "server_cpu"):
                values = [r[scenario][side][who] for r in rounds
                          if side in r.get(scenario, {}) and r[scenario][side].get(who) is not None]
                if values:
                    shares.setdefault(scenario, {})[f"{side}_{who}"] = round(statistics.median(values), 2)
    return shares


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value and abs(value) < 1:
        return f"{value:.3f}"  # per-client figures (threads, MiB)
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def _loads(values: Any) -> str:
    return "-" if not values else "/".join(f"{v:.2f}" for v in values)


def _verdict(item: dict[str, Any]) -> str:
    raw_ok, sdk_ok = item["pass"], item.get("sdk_pass")
    if raw_ok is False and sdk_ok is True:
        return "FAIL (raw)"
    if sdk_ok is False:
        return "FAIL (SDK)" if raw_ok is True else "FAIL"
    if raw_ok is False:
        return "FAIL"
    return "PASS" if True in (raw_ok, sdk_ok) else "-"


def table(summary: list[dict[str, Any]], with_sdk: bool = False) -> str:
    """The summary as a Markdown table (with the SDK's columns when ``with_sdk``)."""
    def ratio(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    if not with_sdk:
        lines = ["| scenario | unit | raw websocket-client | trueconf_sync | ratio | target | result |",
                 "|---|---|---:|---:|---:|---|---|"]
        lines += [f"| {item['label']} | {item['unit']} | {_fmt(item['raw'])} | {_fmt(item['ours'])} | "
                  f"{ratio(item['ratio'])} | {item['target']} | {_verdict(item)} |" for item in summary]
        return "\n".join(lines)
    lines = ["| scenario | unit | raw websocket-client | trueconf_sync | SDK | vs raw | target | vs SDK | target "
             "| result |", "|---|---|---:|---:|---:|---:|---|---:|---|---|"]
    lines += [f"| {item['label']} | {item['unit']} | {_fmt(item['raw'])} | {_fmt(item['ours'])} | "
              f"{_fmt(item['sdk'])} | {ratio(item['ratio'])} | {item['target']} | {ratio(item['sdk_ratio'])} | "
              f"{item['sdk_target']} | {_verdict(item)} |" for item in summary]
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), "")
    except OSError:
        pass
    from importlib.metadata import version

    return {"cpu": model, "cores": os.cpu_count(), "python": platform.python_version(),
            "platform": platform.platform(), "websocket-client": version("websocket-client")}


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds (each runs every scenario, both sides)")
    parser.add_argument("--server", choices=("thin", "fake"), default="thin", help="server process to use")
    parser.add_argument("--scenario", action="append", choices=sorted(SCENARIOS), help="only these (repeatable)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply the work per side")
    parser.add_argument("--window", type=int, default=256, help="max_in_flight of the bulk helper")
    parser.add_argument("--smoke", action="store_true", help="one tiny round: checks the benchmarks still run")
    parser.add_argument("--budget", type=float, default=0.0, help="seconds; start no new round after this")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help=f"output file (default {DEFAULT_JSON})")
    parser.add_argument("--no-pin", dest="pin", action="store_false",
                        help="let the OS place the processes (default: server on the last CPU, clients on the rest)")
    parser.add_argument("--stdlib-json", action="store_true",
                        help="run trueconf_sync without orjson even when it is installed")
    parser.add_argument("--library", type=Path, help="directory holding another trueconf_sync package to measure")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--sdk-python", metavar="PATH",
                        help="interpreter that has the official SDK (default: this one, when it has it)")
    parser.add_argument("--no-sdk", dest="sdk", action="store_false", help="skip the official SDK's side")
    parser.add_argument("--clients", type=int, metavar="N",
                        help=f"clients of the 'clients' scenario (default {COUNTS['clients'][0]})")
    args = parser.parse_args(argv)
    if args.clients is not None:
        if args.clients < 1:
            parser.error("--clients must be at least 1")
        COUNTS["clients"] = (args.clients, args.clients)
    if args.sdk_python is not None and not os.access(args.sdk_python, os.X_OK):
        parser.error(f"--sdk-python must be an executable Python interpreter; {args.sdk_python!r} is not")
    scenarios = args.scenario or list(SCENARIOS)
    sdk_python = args.sdk_python or sys.executable
    sdk_version, why_not = sdk_probe(sdk_python) if args.sdk else (None, "--no-sdk")
    sdk_scenarios = set(SDK_SCENARIOS) if sdk_version else set()
    if sdk_version:
        print(f"official SDK side: python-trueconf-bot {sdk_version} in {sdk_python}")
    else:
        hint = "" if not args.sdk else " (pip install python-trueconf-bot==1.5.4, or --sdk-python PATH)"
        print(f"official SDK side skipped: {why_not}{hint}")
    rounds_wanted = 1 if args.smoke else max(1, args.rounds)
    started = time.monotonic()
    load_before = os.getloadavg() if hasattr(os, "getloadavg") else None
    if load_before is not None and load_before[0] > 0.5:
        print(f"note: load average {load_before[0]:.2f} before the run: other processes compete for the CPUs")
    server_cpus, client_cpus = cpu_split(args.pin)
    server = Server(args.server, server_cpus)
    rounds: list[dict[str, dict[str, dict[str, Any]]]] = []
    try:
        for number in range(rounds_wanted):
            if number and args.budget and time.monotonic() - started > args.budget:
                print(f"budget of {args.budget:g} s used up after {number} round(s)")
                break
            result: dict[str, dict[str, dict[str, Any]]] = {}
            for scenario in scenarios:
                full, smoke = COUNTS[scenario]
                scale = 1.0 if scenario == "clients" else args.scale  # (a number of clients, not of work)
                count = smoke if args.smoke else max(1, int(full * scale))
                setup = Setup(host="127.0.0.1", port=server.port, token=server.token, chat_id=server.chat_id,
                              count=count, server=args.server, server_pid=server.proc.pid, window=args.window,
                              warmup=10 if args.smoke else 200,
                              extra={"import_runs": 1 if args.smoke else 5, "stdlib_json": args.stdlib_json,
                                     "library": str(args.library.resolve()) if args.library else None})
                sides = ("raw", "ours", "sdk") if scenario in sdk_scenarios else ("raw", "ours")
                sides = sides if number % 2 == 0 else sides[::-1]
                result[scenario] = {side: run_worker(scenario, side, setup, client_cpus,
                                                     sdk_python if side == "sdk" else sys.executable)
                                    for side in sides}
                figures = "  ".join(f"{side} {_fmt(result[scenario][side].get('rate'))}" for side in
                                    ("raw", "ours", "sdk") if "rate" in result[scenario].get(side, {}))
                print(f"round {number + 1} {scenario:<10} {figures}", flush=True)
            rounds.append(result)
    finally:
        server.stop()
    summary = summarize(rounds)
    print()
    print(table(summary, with_sdk=bool(sdk_scenarios & set(scenarios))))
    shares = cpu_shares(rounds)
    print("\nCPU share in the timed sections (1.0 = one core):")
    for scenario, values in shares.items():
        print(f"  {scenario:<10} " + "  ".join(f"{k} {v:.2f}" for k, v in sorted(values.items())))
    backends = {r[s]["ours"].get("json_backend") for r in rounds for s in r} - {None}
    print(f"\ntrueconf_sync JSON backend: {', '.join(sorted(backends)) or 'not loaded'}; server: {args.server}; "
          f"load average before/after: {_loads(load_before)} / {_loads(os.getloadavg() if load_before else None)}")
    report = {"machine": machine(), "server": args.server, "smoke": args.smoke, "rounds": rounds,
              "json_backend": sorted(backends),
              "sdk": {"version": sdk_version, "python": sdk_python} if sdk_version else {"skipped": why_not},
              "load_average": {"before": load_before, "after": os.getloadavg() if load_before else None},
              "pinning": {"server": sorted(server_cpus or []), "clients": sorted(client_cpus or [])},
              "summary": summary, "cpu_share": shares, "seconds": round(time.monotonic() - started, 1)}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.json} after {report['seconds']} s")
    if args.strict and any(False in (item["pass"], item["sdk_pass"]) for item in summary):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
