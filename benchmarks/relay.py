"""Relay throughput: alerts accepted per second over HTTP, and delivered per second to the server.

Run:  python benchmarks/relay.py [--alerts 2000] [--senders 4] [--recipients 4] [--synchronous FULL]

Starts the fake server (``python -m trueconf_sync.testing``) and ``trueconf-sync relay`` as two
processes, then ``--senders`` threads POST ``/send`` over keep-alive connections, each alert with an
idempotency key, spread over ``--recipients`` people. It reports:

* accepted/s: alerts answered ``202`` per second (each one committed to the SQLite outbox first);
* delivered/s: alerts sent and answered by the server per second, from the first request until the
  outbox is empty (read from ``/healthz``), and during the drain after the last acceptance.

Not a test: figures depend on the disk (``synchronous=FULL`` waits for fsync on every commit).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from send_throughput import free_port, start_server  # benchmarks/ is sys.path[0] when run as a script

TOKEN = "bench-token-0123456789abcdef"


def start_relay(server_port: int, outbox: Path, synchronous: str) -> tuple[subprocess.Popen[str], int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRUECONF_")}
    env.update(TRUECONF_SERVER="127.0.0.1", TRUECONF_PORT=str(server_port), TRUECONF_HTTPS="false",
               TRUECONF_USERNAME="bench_bot", TRUECONF_PASSWORD="pw", TRUECONF_RELAY_TOKEN=TOKEN,
               XDG_CONFIG_HOME=str(outbox.parent), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen([sys.executable, "-m", "trueconf_sync", "relay", "--outbox", str(outbox), "--listen",
                             "127.0.0.1:0", "--rate", "0", "--synchronous", synchronous],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    match = re.search(r":(\d+)\s*$", proc.stdout.readline())
    if match is None:
        proc.kill()
        raise SystemExit("the relay did not start")
    return proc, int(match.group(1))


def health(port: int) -> dict[str, object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/healthz")
    body: dict[str, object] = json.loads(conn.getresponse().read())
    conn.close()
    return body


def sender(port: int, numbers: range, people: list[str], failures: list[int]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    for i in numbers:
        body = json.dumps({"to": people[i % len(people)], "text": f"alert {i}: disk 95% full", "key": f"k{i}"})
        conn.request("POST", "/send", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 202:
            failures.append(response.status)
    conn.close()


def run(alerts: int, senders: int, recipients: int, synchronous: str) -> dict[str, float]:
    people = [f"user{n}" for n in range(recipients)]
    server_port = free_port()
    server = start_server(server_port, people)
    with tempfile.TemporaryDirectory(prefix="relay-bench-") as tmp:
        relay, port = start_relay(server_port, Path(tmp) / "outbox.db", synchronous)
        try:
            # warm up: the connection and the personal chats exist before the clock starts
            sender(port, range(-recipients, 0), people, [])
            while health(port)["outbox"]["pending"]:  # type: ignore[index]
                time.sleep(0.05)
            failures: list[int] = []
            threads = [threading.Thread(target=sender, args=(port, range(s, alerts, senders), people, failures))
                       for s in range(senders)]
            start = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            accepted_at = time.perf_counter()
            pending_then = int(health(port)["outbox"]["pending"])  # type: ignore[index]
            while health(port)["outbox"]["pending"]:  # type: ignore[index]
                time.sleep(0.1)
            drained_at = time.perf_counter()
            if failures:
                raise SystemExit(f"{len(failures)} requests failed: {sorted(set(failures))}")
        finally:
            relay.terminate()
            relay.wait(30)
            server.terminate()
            server.wait(10)
    drain = drained_at - accepted_at
    return {"accepted_per_s": alerts / (accepted_at - start), "delivered_per_s": alerts / (drained_at - start),
            "pending_after_accepting": pending_then,
            "drain_per_s": pending_then / drain if drain > 0 and pending_then else float("nan")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--recipients", type=int, default=4)
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    for round_ in range(args.rounds):
        result = run(args.alerts, args.senders, args.recipients, args.synchronous)
        print(f"round {round_ + 1}: {args.alerts} alerts, {args.senders} senders, synchronous={args.synchronous}: "
              f"accepted {result['accepted_per_s']:,.0f}/s, delivered {result['delivered_per_s']:,.0f}/s "
              f"(pending when the last was accepted: {result['pending_after_accepting']:.0f}, "
              f"drained at {result['drain_per_s']:,.0f}/s)", flush=True)


if __name__ == "__main__":
    main()
