"""Scale-out measurements (issue 16): bot processes sharing one identity through a Redis Stream, and
sending through Celery. Needs redis-server on PATH and the extras ``redis``, ``celery``, ``testing``.

    python -m benchmarks.scale_out                      # the issue's sizes (a few minutes)
    python -m benchmarks.scale_out --messages 2000 --celery-messages 1000   # quick

Scenarios:
* ``workers``: 1, 2 and 4 bot processes (one handler thread each), N incoming messages, each
  handler doing 5 ms of blocking work and counting the message in a Redis hash: lost, duplicated,
  messages per second.
* ``sigkill``: 2 processes, one killed with SIGKILL at about a third of the run: lost, duplicated,
  seconds from the kill until its pending entries were all taken over (``claim_idle`` = 2 s).
* ``celery``: M messages sent by 20 producer processes through ``send_message`` tasks of 2 Celery
  worker processes: delivered once, lost, duplicated, messages per second.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
HANDLER_SECONDS = 0.005

if os.environ.get("SCALE_OUT_ROLE") == "celery":  # imported by the Celery worker: the app and its tasks
    from celery import Celery

    from trueconf_sync import Client
    from trueconf_sync.contrib.celery import register_tasks

    app = Celery("scale_out_bench", broker=os.environ["REDIS_URL"], backend=os.environ["REDIS_URL"])
    app.conf.update(broker_connection_retry_on_startup=True, worker_prefetch_multiplier=4)

    def _client() -> Client:
        host = os.environ["TRUECONF_SERVER"].split("://", 1)[-1]
        return Client(host, token=os.environ["TRUECONF_TOKEN"], https=False)

    tasks = register_tasks(app, _client)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_redis() -> tuple[subprocess.Popen[bytes], str, str]:
    binary = shutil.which("redis-server")
    if binary is None:
        sys.exit("redis-server is not installed (Debian: apt-get install -y redis-server)")
    tmp, port = tempfile.mkdtemp(prefix="bench-redis-"), _free_port()
    proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", tmp, "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client: Any = redis.Redis(port=port)
    for _ in range(200):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}/0", tmp


def bot_process() -> None:
    """One bot process (``SCALE_OUT_ROLE=bot``): handles its share, counts each message in Redis."""
    import redis

    from trueconf_sync import Client
    from trueconf_sync.contrib.redis import RedisStream

    counts: Any = redis.Redis.from_url(os.environ["REDIS_URL"])
    host = os.environ["TRUECONF_SERVER"].split("://", 1)[-1]
    client = Client(host, token=os.environ["TRUECONF_TOKEN"], https=False, ack="after_handling",
                    max_queued_events=100_000)
    client.distribute(RedisStream(os.environ["REDIS_URL"], group="bench", claim_idle=2.0, block=0.2, prefetch=8))

    @client.on_message
    def handle(message: Any) -> None:
        time.sleep(HANDLER_SECONDS)
        counts.hincrby("handled", message.text, 1)

    client.run_forever()


def _spawn(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=full, stderr=subprocess.DEVNULL)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_workers(redis_url: str, workers: int, messages: int, kill_at: float | None = None) -> dict[str, Any]:
    import redis

    from trueconf_sync.testing import FakeTrueConfServer

    raw: Any = redis.Redis.from_url(redis_url)
    raw.flushdb()
    server = FakeTrueConfServer(ping_interval=30)
    server.add_user("bot")
    server.add_user("alice")
    with server:
        env = {"SCALE_OUT_ROLE": "bot", "REDIS_URL": redis_url, "TRUECONF_SERVER": server.url,
               "TRUECONF_TOKEN": server.issue_token("bot")}
        procs = [_spawn(env, "-m", "benchmarks.scale_out") for _ in range(workers)]
        server.wait_for(lambda s: len(s.connections("bot")) == workers, timeout=60)
        alice = server.user("alice")
        chat = alice.p2p_chat_with("bot")
        texts = [f"m{i}" for i in range(messages)]
        started = time.monotonic()
        killed_at: float | None = None
        takeover = None
        for text in texts:
            alice.send_message(chat, text)
        while True:
            done = raw.hlen("handled")
            if kill_at is not None and killed_at is None and done >= messages * kill_at:
                procs[0].send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
            if killed_at is not None and takeover is None:
                dead = [c for c in raw.xinfo_consumers("trueconf:{bench}:events", "bench")
                        if c["name"].decode().split(":")[1] == str(procs[0].pid)]
                if dead and dead[0]["pending"] == 0:
                    takeover = time.monotonic() - killed_at
            if done >= messages or time.monotonic() - started > 600:
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        # a sentinel round: wait for late duplicates to land before counting
        alice.send_message(chat, "sentinel")
        while raw.hget("handled", "sentinel") is None and time.monotonic() - started < 660:
            time.sleep(0.05)
        counts = Counter({k.decode(): int(v) for k, v in raw.hgetall("handled").items()})
        counts.pop("sentinel", None)
        _stop(procs)
    return {"workers": workers, "messages": messages, "lost": sum(1 for t in texts if counts[t] == 0),
            "duplicated": sum(1 for t in texts if counts[t] > 1), "seconds": round(elapsed, 2),
            "per_second": round(messages / elapsed), "takeover_seconds": None if takeover is None
            else round(takeover, 2)}


def _produce(args: tuple[str, str, int, int]) -> int:
    chat, prefix, start, count = args
    os.environ["SCALE_OUT_ROLE"] = "celery"
    from benchmarks.scale_out import tasks as task_table  # type: ignore[attr-defined]

    results = [task_table.send_message.delay(chat, f"{prefix}{i}") for i in range(start, start + count)]
    return sum(1 for r in results if r.get(timeout=300)["ok"])


def run_celery(redis_url: str, messages: int, producers: int = 20) -> dict[str, Any]:
    from trueconf_sync.testing import FakeTrueConfServer

    server = FakeTrueConfServer(ping_interval=30)
    server.add_user("bot")
    server.add_user("alice")
    with server:
        env = {"SCALE_OUT_ROLE": "celery", "REDIS_URL": redis_url, "TRUECONF_SERVER": server.url,
               "TRUECONF_TOKEN": server.issue_token("bot")}
        os.environ.update(env)
        worker = _spawn(env, "-m", "celery", "-A", "benchmarks.scale_out", "worker", "-c", "2", "--loglevel",
                        "ERROR", "--without-gossip", "--without-mingle", "--without-heartbeat")
        chat = server.user("alice").p2p_chat_with("bot")
        share = messages // producers
        started = time.monotonic()
        with multiprocessing.get_context("spawn").Pool(producers) as pool:
            ok = sum(pool.map(_produce, [(chat, "c", p * share, share) for p in range(producers)]))
        elapsed = time.monotonic() - started
        texts = Counter(m["content"]["text"] for m in server.chat_messages(chat))
        _stop([worker])
    sent = [f"c{i}" for i in range(share * producers)]
    return {"messages": len(sent), "producers": producers, "workers": 2, "ok_results": ok,
            "delivered_once": sum(1 for t in sent if texts[t] == 1), "lost": sum(1 for t in sent if texts[t] == 0),
            "duplicated": sum(1 for t in sent if texts[t] > 1), "seconds": round(elapsed, 2),
            "per_second": round(len(sent) / elapsed)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--celery-messages", type=int, default=10_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["workers", "sigkill", "celery"])
    options = parser.parse_args()
    redis_proc, url, tmp = start_redis()
    try:
        if "workers" not in options.skip:
            for workers in (1, 2, 4):
                print("workers", run_workers(url, workers, options.messages), flush=True)
        if "sigkill" not in options.skip:
            print("sigkill", run_workers(url, 2, options.messages, kill_at=0.33), flush=True)
        if "celery" not in options.skip:
            print("celery", run_celery(url, options.celery_messages), flush=True)
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if os.environ.get("SCALE_OUT_ROLE") == "bot":
        bot_process()
    else:
        main()
