"""``python -m benchmarks.run`` with and without the official SDK's side (issue 15, goal 4).

CI has no SDK installed: the runner must say in one line that the SDK side was skipped and run the
rest as before. The SDK side itself runs here only when ``trueconf`` (python-trueconf-bot) is
installed. The runs are smoke runs (a few hundred calls); nothing here judges speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SDK_SCENARIOS = ("sequential", "pipelined", "inbound")


def run_benchmark(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> tuple[str, dict[str, Any]]:
    """Run the runner in smoke mode; return its stdout and its JSON report."""
    report = tmp_path / "report.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--smoke", "--json", str(report), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(report.read_text("utf-8"))


def test_summary_ratios_to_the_sdk_and_their_verdicts() -> None:
    from benchmarks.run import summarize, table

    def sides(raw: float, ours: float, sdk: float | None) -> dict[str, dict[str, Any]]:
        result = {"raw": {"rate": raw}, "ours": {"rate": ours}}
        return result if sdk is None else {**result, "sdk": {"rate": sdk}}

    rounds = [{"sequential": sides(100.0, 105.0, 50.0), "pipelined": sides(100.0, 90.0, 40.0),
               "inbound": sides(100.0, 100.0, None)},
              {"sequential": sides(100.0, 105.0, 40.0), "pipelined": sides(100.0, 90.0, 20.0),
               "inbound": sides(100.0, 100.0, None)}]
    rows = {item["label"]: item for item in summarize(rounds)}
    sequential = rows["sequential send_message"]
    assert sequential["sdk"] == 45.0 and sequential["sdk_target"] == ">= 2x"
    assert sequential["sdk_ratio"] == pytest.approx((105 / 50 + 105 / 40) / 2) and sequential["sdk_pass"] is True
    pipelined = rows["bulk send_messages vs pipelined"]  # ratios 2.25 and 4.5: median 3.375 >= 3
    assert pipelined["sdk_ratio"] == pytest.approx(3.375) and pipelined["sdk_pass"] is True
    inbound = rows["inbound: parsed, handled, acked"]  # no SDK figures: nothing judged against it
    assert inbound["sdk"] is None and inbound["sdk_ratio"] is None and inbound["sdk_pass"] is None
    rounds[1]["sequential"]["sdk"]["rate"] = 60.0  # ratios 2.1 and 1.75: below 2x
    failed = {item["label"]: item for item in summarize(rounds)}["sequential send_message"]
    assert failed["sdk_pass"] is False and failed["pass"] is True
    lines = table(summarize(rounds), with_sdk=True).splitlines()
    assert "| vs SDK |" in lines[0]
    assert next(line for line in lines if line.startswith("| sequential send_message")).endswith("| FAIL (SDK) |")


@pytest.mark.slow
def test_without_the_sdk_one_line_says_its_side_was_skipped(tmp_path: Path) -> None:
    # A ``trueconf`` package that cannot be imported comes first on the path, so the runner's own
    # probe (no --sdk-python) finds no SDK whether or not one is installed in this venv.
    shadow = tmp_path / "shadow" / "trueconf"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('no SDK in this test')\n", "utf-8")
    env = {**os.environ, "PYTHONPATH": str(shadow.parent)}
    out, report = run_benchmark(tmp_path, "--scenario", "sequential", "--scenario", "inbound", env=env)
    skipped = [line for line in out.splitlines() if "SDK side" in line]
    assert len(skipped) == 1 and skipped[0].startswith("official SDK side skipped:"), out
    assert "no SDK in this test" in skipped[0]
    assert "vs SDK" not in out and "| raw websocket-client | trueconf_sync | ratio |" in out
    assert "skipped" in report["sdk"]
    assert all(set(sides) == {"raw", "ours"} for sides in report["rounds"][0].values())
    rates = {item["label"]: item for item in report["summary"]}
    assert rates["sequential send_message"]["ours"] > 0 and rates["sequential send_message"]["sdk"] is None


@pytest.mark.slow
def test_no_sdk_option_skips_the_side(tmp_path: Path) -> None:
    out, report = run_benchmark(tmp_path, "--scenario", "sequential", "--no-sdk")
    assert "official SDK side skipped: --no-sdk" in out
    assert report["sdk"] == {"skipped": "--no-sdk"} and "sdk" not in report["rounds"][0]["sequential"]


def test_sdk_python_must_be_an_interpreter(tmp_path: Path) -> None:
    missing = tmp_path / "no-python"
    done = subprocess.run([sys.executable, "-m", "benchmarks.run", "--smoke", "--sdk-python", str(missing)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--sdk-python" in done.stderr and str(missing) in done.stderr


@pytest.mark.slow
def test_the_sdk_side_runs_when_the_sdk_is_installed(tmp_path: Path) -> None:
    pytest.importorskip("trueconf", reason="the official SDK: pip install python-trueconf-bot==1.5.4")
    args = [arg for scenario in SDK_SCENARIOS for arg in ("--scenario", scenario)]
    out, report = run_benchmark(tmp_path, *args)
    assert "official SDK side: python-trueconf-bot" in out and "| vs SDK |" in out
    assert report["sdk"]["version"]
    for scenario in SDK_SCENARIOS:
        sdk = report["rounds"][0][scenario]["sdk"]
        assert sdk["rate"] > 0 and sdk["count"] == report["rounds"][0][scenario]["ours"]["count"], scenario
    rows = {item["label"]: item for item in report["summary"]}
    for label in ("sequential send_message", "bulk send_messages vs pipelined", "inbound: parsed, handled, acked"):
        assert rows[label]["sdk_ratio"] == pytest.approx(rows[label]["ours"] / rows[label]["sdk"]), label
        assert rows[label]["sdk_pass"] is (rows[label]["sdk_ratio"] >= float(rows[label]["sdk_target"][3:-1]))
