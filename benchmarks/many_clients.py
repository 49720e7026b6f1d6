"""The ``clients`` scenario: many connected clients in one process (issue 15, goal 3).

``python -m benchmarks.run --clients 100`` (or ``--scenario clients``). One process connects
``count`` clients to the server (a bot-hosting process, or a web app with one client per tenant),
then every client sends :data:`SENDS` messages and receives :data:`EVENTS` pushed events (thin
server: ``benchFlood`` on each connection; fake server: the simulated user writes :data:`EVENTS`
messages to the bot, which the server delivers to every connection of it). Figures:

* ``threads_per_client``: ``threading.active_count() / count`` with every client connected and idle
  (a reader per connection is expected; heartbeats and handler workers are shared);
* ``rss_per_client_mib``: (RSS with ``count`` idle clients - RSS with none) / ``count``. The
  baseline is taken after one client connected and closed, so the one-time cost of loading the
  library (models, ssl, websocket-client, the shared threads) is not counted per client;
* the same after the traffic (``rss_per_client_after_mib``: buffers grown by use) and the peak;
* ``failed``: sends that failed plus events that did not arrive within the time limit (must be 0).

The raw side does the same with bare websocket-client connections and no threads, the floor
for the memory of one connection.
"""

from __future__ import annotations

import gc
import json
import threading
import time
from typing import Any

from .scenarios import Figures, Setup, _preload, _raw_connect, _rss_mib, _send_frame

#: Messages each client sends, and events each client receives.
SENDS = 5
EVENTS = 5
#: Seconds to wait for every event.
DEADLINE = 120.0


def _settle() -> float:
    """RSS in MiB after a garbage collection and a moment for threads to park."""
    gc.collect()
    time.sleep(0.3)
    return _rss_mib()[0]


def _push_events(setup: Setup, clients: list[Any]) -> None:
    """Make the server push EVENTS events to every connection."""
    if setup.server == "fake":
        _preload(setup, EVENTS)  # one message fans out to every connection of the bot
        return
    for client in clients:
        client.call("benchFlood", {"count": EVENTS, "chatId": setup.chat_id})


def ours_clients(setup: Setup) -> Figures:
    """``count`` trueconf_sync clients in this process: threads and memory per client, traffic."""
    from trueconf_sync import Client

    count = setup.count

    def make() -> Any:
        # generous timeouts: on a loaded shared machine a hundred handshakes queue up for one core
        return Client(setup.host, setup.token, port=setup.port, https=False, timeout=DEADLINE)

    with make():  # loads what the first connection needs, starts the shared threads
        pass
    threads_before = threading.active_count()
    rss_before = _settle()
    clients = [make() for _ in range(count)]
    received = [0] * count
    all_events = threading.Event()
    lock = threading.Lock()
    total = [0]

    def handler_for(index: int) -> Any:
        def handle(message: Any) -> None:
            received[index] += 1
            with lock:
                total[0] += 1
                if total[0] >= count * EVENTS:
                    all_events.set()
        return handle

    started = time.perf_counter()
    for index, client in enumerate(clients):
        client.on_message(handler_for(index))
        client.connect()
    connect_s = time.perf_counter() - started
    rss_idle = _settle()
    threads_idle = threading.active_count()
    failed_sends = 0
    started = time.perf_counter()
    for i in range(SENDS):
        futures = [client.send_message.future(setup.chat_id, f"client {n} message {i}")
                   for n, client in enumerate(clients)]
        failed_sends += sum(1 for future in futures if future.exception(timeout=DEADLINE) is not None)
    _push_events(setup, clients)
    all_events.wait(DEADLINE)
    traffic_s = time.perf_counter() - started
    missing = count * EVENTS - sum(received)
    threads_busy = threading.active_count()
    rss_after = _settle()
    for client in clients:
        client.close()
    _, peak = _rss_mib()
    return {
        "clients": count, "sends": count * SENDS, "events": count * EVENTS,
        "failed": failed_sends + missing, "failed_sends": failed_sends, "missing_events": missing,
        "threads_per_client": round(threads_idle / count, 3),
        "extra_threads_per_client": round((threads_idle - threads_before) / count, 3),
        "threads_after_traffic": threads_busy, "threads_before": threads_before,
        "rss_before_mib": round(rss_before, 1), "rss_idle_mib": round(rss_idle, 1),
        "rss_per_client_mib": round((rss_idle - rss_before) / count, 3),
        "rss_per_client_after_mib": round((rss_after - rss_before) / count, 3),
        "peak_rss_mib": round(peak, 1), "connect_s": round(connect_s, 2), "traffic_s": round(traffic_s, 2),
    }


def raw_clients(setup: Setup) -> Figures:
    """``count`` bare websocket-client connections in this process, driven from one thread."""
    count = setup.count
    _raw_connect(setup).close()
    rss_before = _settle()
    sockets = [_raw_connect(setup) for _ in range(count)]
    rss_idle = _settle()
    threads_idle = threading.active_count()
    for i in range(SENDS):
        for n, ws in enumerate(sockets):
            ws.send(_send_frame(10 + i, setup.chat_id, f"client {n} message {i}"))
    if setup.server != "fake":
        for ws in sockets:
            ws.send(json.dumps({"type": 1, "id": 99, "method": "benchFlood",
                                "payload": {"count": EVENTS, "chatId": setup.chat_id}}))
    else:
        _preload(setup, EVENTS)
    failed = 0
    for ws in sockets:  # each connection: SENDS answers (+ the flood's) and EVENTS events
        answers = events = 0
        expected = SENDS + (setup.server != "fake")
        ws.settimeout(DEADLINE)
        while answers < expected or events < EVENTS:
            frame = json.loads(ws.recv())
            if frame.get("type") == 1:
                ws.send(json.dumps({"type": 2, "id": frame["id"]}))
                events += 1
            else:
                answers += 1
        failed += (expected - answers) + (EVENTS - events)
    rss_after = _settle()
    for ws in sockets:
        ws.close()
    _, peak = _rss_mib()
    return {
        "clients": count, "sends": count * SENDS, "events": count * EVENTS, "failed": failed,
        "threads_per_client": round(threads_idle / count, 3),
        "rss_before_mib": round(rss_before, 1), "rss_idle_mib": round(rss_idle, 1),
        "rss_per_client_mib": round((rss_idle - rss_before) / count, 3),
        "rss_per_client_after_mib": round((rss_after - rss_before) / count, 3),
        "peak_rss_mib": round(peak, 1),
    }
