"""Benchmark scenarios: the same work done by a raw websocket-client loop and by trueconf_sync.

Each scenario has a ``raw`` and an ``ours`` function taking a :class:`Setup` and returning a dict of
figures. They run in a fresh process each (see :mod:`benchmarks.worker`), so neither inherits the
other's imports, threads or heap. Timed sections also record the CPU the client process and the
server process used, to tell whether the server was the bottleneck.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Figures = dict[str, Any]

_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


@dataclass
class Setup:
    """What a worker needs: where the server is, who we are, how much work to do."""

    host: str
    port: int
    token: str
    chat_id: str
    count: int
    server: str = "thin"  # "thin" (benchmarks.thin_server) or "fake" (trueconf_sync.testing)
    server_pid: int = 0
    window: int = 256  # calls in flight for the bulk helper
    warmup: int = 200
    user: str = "alice"
    bot: str = "bench_bot"
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """The Chatbot Connector WebSocket URL."""
        return f"ws://{self.host}:{self.port}/websocket/chat_bot/"

    @property
    def http(self) -> str:
        """The server's HTTP base URL."""
        return f"http://{self.host}:{self.port}"


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (0 when unknown)."""
    if pid <= 0:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


class Meter:
    """Times a block: wall seconds, and the CPU share of this process and of the server."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.elapsed = 0.0
        self.figures: Figures = {}

    def __enter__(self) -> Meter:
        self._server = _cpu_seconds(self.server_pid)
        self._cpu = time.process_time()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.elapsed = time.perf_counter() - self._start
        wall = max(self.elapsed, 1e-9)
        self.figures = {
            "elapsed_s": round(self.elapsed, 4),
            "client_cpu": round((time.process_time() - self._cpu) / wall, 3),
            "server_cpu": round((_cpu_seconds(self.server_pid) - self._server) / wall, 3) if self.server_pid else None,
        }


def _rate(count: int, meter: Meter, **more: Any) -> Figures:
    return {"rate": count / max(meter.elapsed, 1e-9), "count": count, **meter.figures,
            "peak_rss_mib": round(_rss_mib()[1], 1), **more}


def _percentiles(samples: list[float]) -> Figures:
    ordered = sorted(samples)
    if not ordered:
        return {}

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1e6

    return {"p50_us": round(pick(0.50), 1), "p99_us": round(pick(0.99), 1)}


# ---- the raw websocket-client side ----------------------------------------------------------------


def _send_frame(i: int, chat: str, text: str) -> str:
    return json.dumps({"type": 1, "id": i, "method": "sendMessage", "payload": {
        "chatId": chat, "replyMessageId": None, "content": {"text": text, "parseMode": "text"}}})


def _raw_connect(setup: Setup, receive_unread: bool = False) -> Any:
    import websocket

    ws = websocket.create_connection(setup.url, skip_utf8_validation=True, subprotocols=["json.v1"])
    ws.send(json.dumps({"type": 1, "id": 1, "method": "auth", "payload": {
        "token": setup.token, "tokenType": "JWT", "receiveUnread": receive_unread}}))
    while True:
        frame = json.loads(ws.recv())
        if frame.get("type") == 2 and frame.get("id") == 1:
            if (frame.get("payload") or {}).get("errorCode"):
                raise SystemExit(f"raw auth failed: {frame}")
            return ws


def _raw_roundtrip(ws: Any, request_id: int, chat: str, text: str) -> None:
    ws.send(_send_frame(request_id, chat, text))
    while True:
        frame = json.loads(ws.recv())
        if frame.get("type") == 2 and frame.get("id") == request_id:
            return


def raw_sequential(setup: Setup) -> Figures:
    """``ws.send(json)``; ``json.loads(ws.recv())`` until the answer; repeat."""
    ws = _raw_connect(setup)
    chat = setup.chat_id
    for i in range(setup.warmup):
        _raw_roundtrip(ws, 10_000_000 + i, chat, f"warm {i}")
    samples: list[float] = []
    clock = time.perf_counter
    with Meter(setup.server_pid) as meter:
        for i in range(setup.count):
            start = clock()
            _raw_roundtrip(ws, i + 2, chat, f"raw {i}")
            samples.append(clock() - start)
    ws.close()
    return _rate(setup.count, meter, **_percentiles(samples))


def raw_pipelined(setup: Setup) -> Figures:
    """Send every request, then read every answer."""
    ws = _raw_connect(setup)
    chat = setup.chat_id
    for i in range(setup.warmup):
        _raw_roundtrip(ws, 10_000_000 + i, chat, f"warm {i}")
    with Meter(setup.server_pid) as meter:
        for i in range(setup.count):
            ws.send(_send_frame(i + 2, chat, f"raw {i}"))
        got = 0
        while got < setup.count:
            if json.loads(ws.recv()).get("type") == 2:
                got += 1
    ws.close()
    return _rate(setup.count, meter)


def _preload(setup: Setup, count: int) -> None:
    """Fake server only: the simulated user writes ``count`` messages while the bot is offline."""
    import requests

    with requests.Session() as session:
        for i in range(count):
            answer = session.post(f"{setup.http}/_fake/users/{setup.user}/messages",
                                  json={"to": setup.bot, "text": f"burst message {i}"}, timeout=10)
            answer.raise_for_status()


def raw_inbound(setup: Setup) -> Figures:
    """Parse each pushed event and ack it; nothing else."""
    count = setup.count
    if setup.server == "fake":
        _preload(setup, count)
    else:
        ws = _raw_connect(setup)
    with Meter(setup.server_pid) as meter:
        if setup.server == "fake":
            ws = _raw_connect(setup, receive_unread=True)
        else:
            ws.send(json.dumps({"type": 1, "id": 2, "method": "benchFlood",
                                "payload": {"count": count, "chatId": setup.chat_id}}))
        got = 0
        while got < count:
            frame = json.loads(ws.recv())
            if frame.get("type") == 1:
                ws.send(json.dumps({"type": 2, "id": frame["id"]}))
                got += 1
    ws.close()
    return _rate(count, meter)


# ---- the trueconf_sync side -----------------------------------------------------------------------


def _client(setup: Setup, **options: Any) -> Any:
    from trueconf_sync import Client

    return Client(setup.host, setup.token, port=setup.port, https=False, **options)


def ours_sequential(setup: Setup) -> Figures:
    """``client.send_message(chat, text)`` in a loop."""
    samples: list[float] = []
    clock = time.perf_counter
    with _client(setup) as client:
        send = client.send_message
        chat = setup.chat_id
        for i in range(setup.warmup):
            send(chat, f"warm {i}")
        with Meter(setup.server_pid) as meter:
            for i in range(setup.count):
                start = clock()
                send(chat, f"ours {i}")
                samples.append(clock() - start)
    return _rate(setup.count, meter, **_percentiles(samples))


def ours_pipelined(setup: Setup) -> Figures:
    """``client.send_messages(...)``: the bulk helper, bounded calls in flight.

    A version without the helper (``--library`` of an older commit) sends ``.future(...)`` calls
    instead, at most ``window`` in flight.
    """
    with _client(setup) as client:
        chat = setup.chat_id
        for i in range(setup.warmup):
            client.send_message(chat, f"warm {i}")
        bulk = hasattr(client, "send_messages")
        with Meter(setup.server_pid) as meter:
            if bulk:
                results = client.send_messages([(chat, f"ours {i}") for i in range(setup.count)],
                                               max_in_flight=setup.window)
            else:
                results = _futures_pipeline(client, chat, setup.count, setup.window)
        failed = sum(1 for r in results if not r.ok)
    if failed:
        raise SystemExit(f"{failed} of {setup.count} bulk sends failed")
    return _rate(setup.count, meter, mode="send_messages" if bulk else "futures")


class _Outcome:
    def __init__(self, future: Any) -> None:
        self.ok = future.exception() is None


def _futures_pipeline(client: Any, chat: str, count: int, window: int) -> list[_Outcome]:
    slots = threading.BoundedSemaphore(window)
    futures = []
    for i in range(count):
        slots.acquire()
        future = client.send_message.future(chat, f"ours {i}")
        future.add_done_callback(lambda _: slots.release())
        futures.append(future)
    return [_Outcome(f) for f in futures]


def ours_inbound(setup: Setup) -> Figures:
    """Events parsed into typed ``Message`` models, handed to a handler, acked."""
    count = setup.count
    done = threading.Event()
    handled = [0]
    fake = setup.server == "fake"
    if fake:
        _preload(setup, count)
    client = _client(setup, receive_unread=fake)

    @client.on_message
    def handle(message: Any) -> None:
        if message.text:  # touch the typed model, as a bot would
            handled[0] += 1
        if handled[0] >= count:
            done.set()

    if not fake:
        client.connect()
    with Meter(setup.server_pid) as meter:
        if fake:
            client.connect()
        else:
            client.call("benchFlood", {"count": count, "chatId": setup.chat_id})
        if not done.wait(120):
            raise SystemExit(f"only {handled[0]} of {count} events handled")
    client.close()
    return _rate(count, meter)


# ---- footprint ------------------------------------------------------------------------------------


def _import_ms(module: str, runs: int, cwd: str | None = None) -> float:
    """Median wall time of ``python -c "import <module>"`` (or of a ``from ... import`` statement)."""
    statement = module if module.startswith("from ") else f"import {module}"
    # bytecode caches are used and written, as for an installed package (see benchmarks.importtime)
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-c", statement], check=True, cwd=cwd, env=env)  # (writes them)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", statement], check=True, cwd=cwd, env=env)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _import_self_ms(statement: str, runs: int, cwd: str | None = None) -> float:
    """Median sum of the ``-X importtime`` self times of ``statement`` (steadier under load)."""
    from .importtime import one_run

    return statistics.median(sum(one_run(statement, cwd)[1].values()) / 1000 for _ in range(runs))


def _rss_mib() -> tuple[float, float]:
    """(current, peak) resident set size of this process in MiB."""
    values = {}
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) / 1024
    return values["VmRSS"], values["VmHWM"]


def raw_footprint(setup: Setup) -> Figures:
    """``python -c "import websocket"``; RSS of a process holding an authorised raw socket."""
    runs = int(setup.extra.get("import_runs", 5))
    interpreter = _import_ms("sys", runs)
    import_ms = _import_ms("websocket", runs)
    import_self = _import_self_ms("import websocket", runs)
    ws = _raw_connect(setup)
    _raw_roundtrip(ws, 2, setup.chat_id, "footprint")
    time.sleep(0.3)
    rss, peak = _rss_mib()
    ws.close()
    return {"import_ms": round(import_ms, 1), "import_client_ms": round(import_ms, 1),
            "import_client_self_ms": round(import_self, 1),
            "interpreter_ms": round(interpreter, 1), "rss_mib": round(rss, 1), "peak_rss_mib": round(peak, 1)}


def ours_footprint(setup: Setup) -> Figures:
    """``python -c "import trueconf_sync"``; RSS of a connected idle client process."""
    runs = int(setup.extra.get("import_runs", 5))
    interpreter = _import_ms("sys", runs)
    import_ms = _import_ms("trueconf_sync", runs, setup.extra.get("library"))
    client_ms = _import_ms("from trueconf_sync import Client", runs, setup.extra.get("library"))
    client_self = _import_self_ms("from trueconf_sync import Client", runs, setup.extra.get("library"))
    with _client(setup) as client:
        client.send_message(setup.chat_id, "footprint")  # connected, and one call parsed
        time.sleep(0.3)
        rss, peak = _rss_mib()
    return {"import_ms": round(import_ms, 1), "import_client_ms": round(client_ms, 1),
            "import_client_self_ms": round(client_self, 1),
            "interpreter_ms": round(interpreter, 1), "rss_mib": round(rss, 1), "peak_rss_mib": round(peak, 1)}


# (at the end: that module uses the helpers above)
from .many_clients import ours_clients, raw_clients  # noqa: E402

#: scenario name -> (raw, ours)
SCENARIOS: dict[str, tuple[Callable[[Setup], Figures], Callable[[Setup], Figures]]] = {
    "sequential": (raw_sequential, ours_sequential),
    "pipelined": (raw_pipelined, ours_pipelined),
    "inbound": (raw_inbound, ours_inbound),
    "footprint": (raw_footprint, ours_footprint),
    "clients": (raw_clients, ours_clients),
}
