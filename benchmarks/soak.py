"""Soak run: sender threads, a handler workload and random connection drops, for a given time.

Run:  python benchmarks/soak.py [--duration 60] [--senders 4] [--drop-every 2] [--events-per-second 40]
      python benchmarks/soak.py --duration 20 --check      # CI: exit 1 on hung calls or lost events
      python benchmarks/soak.py --duration 300 --drop-every 0.2   # >= 1,000 drops

The fake server runs in its own process (``python -m trueconf_sync.testing``), so the RSS and
thread counts printed are the client's alone. One client in ``ack="after_handling"`` mode runs:

* ``--senders`` threads calling ``send_message``, ``get_chats``, ``get_message_by_id`` and the
  ``.future`` form in a loop, each with ``--timeout``;
* a user ("alice") writing ``--events-per-second`` messages to the bot through the control API;
  a handler that works ``--handler-ms`` per message;
* a thread dropping every connection at random, on average every ``--drop-every`` seconds.

At the end the drops stop, the handlers get ``--drain`` seconds, and it prints calls made and
failed by error type, events pushed / handled / duplicated / lost, reconnects, RSS (after warm-up,
peak, end) and thread counts. A call is *hung* when it took longer than its timeout plus one
second; an event is *lost* when alice's message was stored but no handler ever saw it.
Targets over >= 1,000 drops: 0 hung calls, 0 lost events, RSS and threads flat.
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import resource
import sys
import threading
import time
from typing import Any

import requests
from send_throughput import free_port, start_server  # benchmarks/ is sys.path[0] when run as a script

from trueconf_sync import Client, TrueConfError, signals

BOT, USER = "bench_bot", "alice"  # the accounts send_throughput.start_server creates (password "pw")


def rss_mb() -> float:
    """Current resident set size of this process (Linux /proc; peak RSS elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


class Soak:
    """The run's shared state and counters."""

    def __init__(self, args: argparse.Namespace, base: str) -> None:
        self.args = args
        self.base = base
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.calls: collections.Counter[str] = collections.Counter()
        self.failures: collections.Counter[str] = collections.Counter()
        self.hung: list[tuple[str, float]] = []
        self.slowest = 0.0
        self.pushed: set[str] = set()
        self.handled: collections.Counter[str] = collections.Counter()
        self.drops = 0
        self.rss: list[float] = []
        self.threads: list[int] = []
        self.http = requests.Session()

    # ---- workers ----------------------------------------------------------------------------

    def sender(self, client: Client, chat: str, seed: int) -> None:
        rng = random.Random(seed)
        timeout = self.args.timeout
        known: list[str] = []
        while not self.stop.is_set():
            op = rng.choice(["send_message", "get_chats", "get_message_by_id", "send_message.future"])
            if op == "get_message_by_id" and not known:
                op = "get_chats"
            started = time.monotonic()
            try:
                if op == "send_message":
                    known.append(client.send_message(chat, f"out {rng.random()}", timeout=timeout).message_id)
                elif op == "get_chats":
                    client.get_chats(timeout=timeout)
                elif op == "get_message_by_id":
                    client.get_message_by_id(rng.choice(known), timeout=timeout)
                else:
                    client.send_message.future(chat, "out", timeout=timeout).result(timeout + 5)
                outcome = None
            except TrueConfError as exc:
                outcome = type(exc).__name__
            except BaseException as exc:  # noqa: BLE001 - counted as a defect
                outcome = f"UNTYPED:{type(exc).__name__}"
            took = time.monotonic() - started
            with self.lock:
                self.calls[op] += 1
                self.slowest = max(self.slowest, took)
                if outcome is not None:
                    self.failures[f"{op}: {outcome}"] += 1
                if took > timeout + 1.0:
                    self.hung.append((op, took))
            if len(known) > 200:
                del known[:100]

    def writer(self) -> None:
        """alice writes to the bot at the configured rate."""
        n = 0
        interval = 1.0 / self.args.events_per_second
        next_at = time.monotonic()
        while not self.stop.is_set():
            text = f"soak {n}"
            n += 1
            try:
                response = self.http.post(f"{self.base}/_fake/users/{USER}/messages",
                                          json={"to": BOT, "text": text}, timeout=10)
                if response.status_code == 200:
                    with self.lock:
                        self.pushed.add(text)
            except requests.RequestException:
                pass
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))

    def dropper(self) -> None:
        rng = random.Random(1)
        while not self.stop.wait(rng.uniform(0.5, 1.5) * self.args.drop_every):
            try:
                if self.http.post(f"{self.base}/_fake/drop", timeout=10).json().get("dropped"):
                    self.drops += 1
            except requests.RequestException:
                pass

    def sampler(self) -> None:
        while not self.stop.wait(1.0):
            self.rss.append(rss_mb())
            self.threads.append(threading.active_count())

    def handle(self, message: Any) -> None:
        time.sleep(self.args.handler_ms / 1000)
        with self.lock:
            self.handled[message.text] += 1


def run(args: argparse.Namespace) -> int:
    port = free_port()
    server = start_server(port)
    base = f"http://127.0.0.1:{port}"
    soak = Soak(args, base)
    client = Client("127.0.0.1", username=BOT, password="pw", port=port, https=False, timeout=args.timeout,
                    ack="after_handling", workers=2, reconnect_max_delay=1.0, ping_interval=5, pong_timeout=5)
    reconnects = [0]
    signals.reconnected.connect(lambda sender, **kw: reconnects.__setitem__(0, reconnects[0] + 1),
                                sender=client, weak=False)
    try:
        client.on_message(soak.handle)
        client.connect()
        chat = client.create_p2p_chat(USER)
        threads = [threading.Thread(target=soak.sender, args=(client, chat, i), name=f"soak-sender-{i}")
                   for i in range(args.senders)]
        threads += [threading.Thread(target=soak.writer, name="soak-writer"),
                    threading.Thread(target=soak.dropper, name="soak-dropper"),
                    threading.Thread(target=soak.sampler, name="soak-sampler")]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        while time.monotonic() - started < args.duration:
            time.sleep(0.2)
        soak.stop.set()
        for thread in threads:
            thread.join(args.timeout + 10)
        stuck = [t.name for t in threads if t.is_alive()]
        elapsed = time.monotonic() - started
        client.wait_connected(10)
        deadline = time.monotonic() + args.drain
        while time.monotonic() < deadline:
            with soak.lock:
                if soak.pushed <= set(soak.handled):
                    break
            time.sleep(0.1)
        with soak.lock:
            lost = sorted(soak.pushed - set(soak.handled))
            duplicated = sum(count - 1 for count in soak.handled.values() if count > 1)
            handled = sum(soak.handled.values())
        warm = soak.rss[min(len(soak.rss) - 1, max(0, len(soak.rss) // 10))] if soak.rss else rss_mb()
        print(f"soak: {elapsed:.0f} s, {args.senders} senders, drops every ~{args.drop_every:g} s, "
              f"{args.events_per_second:g} events/s, handler {args.handler_ms:g} ms")
        print(f"drops: {soak.drops}   reconnects: {reconnects[0]} (client.reconnects={client.reconnects})")
        total_calls = sum(soak.calls.values())
        total_failed = sum(soak.failures.values())
        print(f"calls: {total_calls} made, {total_failed} failed, slowest {soak.slowest:.2f} s "
              f"(timeout {args.timeout:g} s)")
        for op, count in sorted(soak.calls.items()):
            print(f"  {op:22} {count:8}")
        for kind, count in sorted(soak.failures.items()):
            print(f"  failed {kind:40} {count:6}")
        hung = f" {soak.hung[:5]} {stuck}" if soak.hung or stuck else ""
        print(f"hung calls: {len(soak.hung) + len(stuck)}{hung}")
        print(f"events: {len(soak.pushed)} pushed, {handled} handled, {duplicated} duplicated, {len(lost)} lost"
              + (f" (first: {lost[:5]})" if lost else ""))
        print(f"RSS MB: after warm-up {warm:.1f}, peak {max(soak.rss, default=warm):.1f}, end {rss_mb():.1f}")
        print(f"threads: start {soak.threads[0] if soak.threads else 0}, peak {max(soak.threads, default=0)}, "
              f"end {soak.threads[-1] if soak.threads else 0}")
        if args.check and (soak.hung or stuck or lost):
            print("soak: FAILED (hung calls or lost events)", file=sys.stderr)
            return 1
        return 0
    finally:
        client.close()
        server.terminate()
        server.wait(10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--senders", type=int, default=4, help="sender threads (default 4)")
    parser.add_argument("--drop-every", type=float, default=2.0, help="mean seconds between drops (default 2)")
    parser.add_argument("--events-per-second", type=float, default=40.0, help="messages alice writes per second")
    parser.add_argument("--handler-ms", type=float, default=2.0, help="handler work per message (ms)")
    parser.add_argument("--timeout", type=float, default=2.0, help="timeout of every call (s)")
    parser.add_argument("--drain", type=float, default=30.0, help="seconds the handlers get at the end")
    parser.add_argument("--check", action="store_true", help="exit 1 on hung calls or lost events")
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
