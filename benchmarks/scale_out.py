"""Scale-out measurements (issue 16): bot processes sharing one identity through a Redis Stream, and
sending through Celery. Needs redis-server on PATH and the extras ``redis``, ``celery``, ``testing``.

    python -m benchmarks.scale_out                      # the issue's sizes (several minutes)
    python -m benchmarks.scale_out --messages 2000 --celery-messages 1000   # quick

Scenarios:
* ``workers``: 1, 2 and 4 bot processes (one handler thread each) connected as one bot, N incoming
  messages delivered to every connection, each handler doing 5 ms of blocking work and counting
  the message in a Redis hash: lost, duplicated, messages per second.
* ``sigkill``: 2 processes, one killed with SIGKILL at about a third of the run: lost, duplicated,
  seconds from the kill until its pending entries were all taken over (``claim_idle`` = 2 s).
* ``celery``: M messages enqueued by 20 producer processes as ``send_message`` tasks, run by 2
  Celery worker processes against the fake server: delivered once, lost, duplicated, messages
  per second (from the producers' start to the last message stored by the server).

The bot scenarios use :mod:`benchmarks.thin_server` by default (``--server thin``): it fans a burst
out to every connection at a few microseconds a frame. ``--server fake`` uses the fake server
instead; on a 2-core VM its per-frame cost (~0.3 ms of CPU for each connection) and the pace of
injecting messages one by one through it set the throughput, not the stream.
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
GROUP = "bench"
STREAM = "trueconf:{bench}:events"

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


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def handler_ceiling(redis_url: str, rounds: int = 200) -> float:
    """Handler calls per second of one bare thread (the 5 ms sleep and the Redis count, nothing
    else), measured now: a process cannot beat it, so N processes cannot beat N times it."""
    import redis

    raw: Any = redis.Redis.from_url(redis_url)
    started = time.monotonic()
    for n in range(rounds):
        time.sleep(HANDLER_SECONDS)
        raw.hincrby("ceiling", str(n), 1)
    return rounds / (time.monotonic() - started)


def bot_process() -> None:
    """One bot process (``SCALE_OUT_ROLE=bot``): handles its share, counts each message in Redis."""
    import redis

    from trueconf_sync import Client
    from trueconf_sync.contrib.redis import RedisStream

    counts: Any = redis.Redis.from_url(os.environ["REDIS_URL"])
    host, _, port = os.environ["TRUECONF_SERVER"].split("://", 1)[-1].partition(":")
    client = Client(host, token=os.environ["TRUECONF_TOKEN"], port=int(port), https=False, ack="after_handling",
                    max_queued_events=100_000)
    client.distribute(RedisStream(os.environ["REDIS_URL"], group=GROUP, claim_idle=2.0, block=0.2, prefetch=8))

    @client.on_message
    def handle(message: Any) -> None:
        time.sleep(HANDLER_SECONDS)
        counts.hincrby("handled", message.text, 1)

    client.connect()
    counts.rpush("ready", os.getpid())
    client.run_forever()


def _spawn(env: dict[str, str], *args: str) -> subprocess.Popen[bytes]:
    full = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    # stderr to a file: a process that fails to start says why
    errors = tempfile.NamedTemporaryFile(prefix="scale-out-", suffix=".log", delete=False)  # noqa: SIM115
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=full, stderr=errors)


def _stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


class ThinInjector:
    """The thin server in a subprocess, and a driver connection that asks it to flood the bots."""

    def __init__(self) -> None:
        from trueconf_sync import Client

        from .thin_server import CHAT_ID

        self.port = _free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "benchmarks.thin_server", "--port", str(self.port)],
                                     cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the thin server did not start") from None
                time.sleep(0.05)
        self.url, self.token, self.chat = f"http://127.0.0.1:{self.port}", "bench-token", CHAT_ID
        self.driver = Client("127.0.0.1", self.token, port=self.port, https=False)
        self.driver.connect()
        self.server_pid = self.proc.pid

    def inject(self, start: int, count: int) -> list[str]:
        """Every bot connection receives ``count`` messages at once; returns their texts."""
        self.driver.call("benchFlood", {"count": count, "chatId": self.chat, "fanout": True, "start": start})
        return [f"burst message {n}" for n in range(start, start + count)]

    def close(self) -> None:
        self.driver.close()
        _stop([self.proc])


class FakeInjector:
    """The fake server in this process; alice writes the messages one by one."""

    def __init__(self) -> None:
        from trueconf_sync.testing import FakeTrueConfServer

        self.server = FakeTrueConfServer(ping_interval=30)
        self.server.add_user("bot")
        self.server.add_user("alice")
        self.server.start()
        self.url, self.token, self.server_pid = self.server.url, self.server.issue_token("bot"), os.getpid()
        self.alice = self.server.user("alice")
        self.chat = self.alice.p2p_chat_with("bot")

    def inject(self, start: int, count: int) -> list[str]:
        texts = [f"m{n}" for n in range(start, start + count)]
        for text in texts:
            self.alice.send_message(self.chat, text)
        return texts

    def close(self) -> None:
        self.server.stop()


def run_workers(redis_url: str, workers: int, messages: int, kill_at: float | None = None,
                server: str = "thin") -> dict[str, Any]:
    import redis

    raw: Any = redis.Redis.from_url(redis_url)
    raw.flushdb()
    ceiling = handler_ceiling(redis_url)
    injector: Any = ThinInjector() if server == "thin" else FakeInjector()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        env = {"SCALE_OUT_ROLE": "bot", "REDIS_URL": redis_url, "TRUECONF_SERVER": injector.url,
               "TRUECONF_TOKEN": injector.token}
        procs = [_spawn(env, "-m", "benchmarks.scale_out") for _ in range(workers)]
        deadline = time.monotonic() + 180
        while raw.llen("ready") < workers:
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                raise RuntimeError(f"the bot processes did not connect (see {tempfile.gettempdir()}/scale-out-*.log)")
            time.sleep(0.05)
        watched = [injector.server_pid, *(p.pid for p in procs)]  # the server first
        cpu_before = {pid: cpu_seconds(pid) for pid in watched}
        started = time.monotonic()
        killed_at: float | None = None
        takeover = None
        texts = injector.inject(0, messages)
        injected = time.monotonic() - started
        while True:
            done = raw.hlen("handled")
            if kill_at is not None and killed_at is None and done >= messages * kill_at:
                procs[0].send_signal(signal.SIGKILL)
                killed_at = time.monotonic()
            if killed_at is not None and takeover is None:
                dead = [c for c in raw.xinfo_consumers(STREAM, GROUP)
                        if c["name"].decode().split(":")[1] == str(procs[0].pid)]
                if dead and dead[0]["pending"] == 0:
                    takeover = time.monotonic() - killed_at
            if done >= messages or time.monotonic() - started > 900:
                break
            time.sleep(0.02)
        elapsed = time.monotonic() - started
        cpu = [round(cpu_seconds(pid) - cpu_before[pid], 1) if pid != procs[0].pid or kill_at is None else None
               for pid in watched]
        # a sentinel round: wait for late duplicates to land before counting
        sentinel = injector.inject(messages, 1)[0]
        while raw.hget("handled", sentinel) is None and time.monotonic() - started < 960:
            time.sleep(0.05)
        counts = Counter({k.decode(): int(v) for k, v in raw.hgetall("handled").items()})
        counts.pop(sentinel, None)
    finally:
        _stop(procs)
        injector.close()
    return {"server": server, "workers": workers, "messages": messages,
            "lost": sum(1 for t in texts if counts[t] == 0), "duplicated": sum(1 for t in texts if counts[t] > 1),
            "seconds": round(elapsed, 2), "per_second": round(messages / elapsed),
            "ceiling_per_process": round(ceiling), "inject_seconds": round(injected, 2),
            "takeover_seconds": None if takeover is None else round(takeover, 2),
            "cpu_seconds_server": cpu[0], "cpu_seconds_bots": cpu[1:]}


def _producer(redis_url: str, chat: str, numbers: range, ready: Any, go: Any, out: Any) -> None:
    """One producer process: import and connect first, then (on ``go``) enqueue its share, no waiting."""
    os.environ.update(SCALE_OUT_ROLE="celery", REDIS_URL=redis_url)
    os.environ.setdefault("TRUECONF_SERVER", "unused")
    os.environ.setdefault("TRUECONF_TOKEN", "unused")
    from benchmarks.scale_out import app, tasks

    app.connection_for_write().ensure_connection(max_retries=3)
    ready.release()
    go.wait()
    out.put([tasks.send_message.delay(chat, f"c{n}").id for n in numbers])


def run_celery(redis_url: str, messages: int, producers: int = 20) -> dict[str, Any]:
    import redis

    from trueconf_sync.testing import FakeTrueConfServer

    redis.Redis.from_url(redis_url).flushdb()
    server = FakeTrueConfServer(ping_interval=30)
    server.add_user("bot")
    server.add_user("alice")
    ctx = multiprocessing.get_context("spawn")
    with server:
        env = {"SCALE_OUT_ROLE": "celery", "REDIS_URL": redis_url, "TRUECONF_SERVER": server.url,
               "TRUECONF_TOKEN": server.issue_token("bot")}
        worker = _spawn(env, "-m", "celery", "-A", "benchmarks.scale_out", "worker", "-c", "2", "--loglevel",
                        "ERROR", "--without-gossip", "--without-mingle", "--without-heartbeat")
        chat = server.user("alice").p2p_chat_with("bot")
        # the worker's start-up (imports, forking its pool) is not part of the measurement: wait
        # until it ran a task; its pool processes connect on their first task, inside the clock
        celery_app = _celery_app(redis_url)
        celery_app.send_task("trueconf.send_message", args=[chat, "warm-up"]).get(timeout=300)
        ready, go, out = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
        share = messages // producers
        procs = [ctx.Process(target=_producer, args=(redis_url, chat, range(p * share, (p + 1) * share),
                                                     ready, go, out)) for p in range(producers)]
        for proc in procs:
            proc.start()
        for _ in procs:  # every producer imported Celery and reached the broker: start the clock now
            if not ready.acquire(timeout=300):
                raise RuntimeError("a producer did not start")
        started = time.monotonic()
        go.set()
        ids = [task_id for _ in procs for task_id in out.get(timeout=600)]
        enqueued = time.monotonic() - started
        for proc in procs:
            proc.join(60)
        sent = [f"c{n}" for n in range(share * producers)]
        while (count := len(server.chat_messages(chat))) < len(sent) and time.monotonic() - started < 900:
            if os.environ.get("SCALE_OUT_TRACE"):
                print(f"  {time.monotonic() - started:.1f} s: {count} delivered", flush=True)
            time.sleep(0.5)
        elapsed = time.monotonic() - started
        # results are collected afterwards, in one go (the producers did not wait for them)
        from celery.result import ResultSet

        results = ResultSet([celery_app.AsyncResult(task_id) for task_id in ids]).join_native(timeout=300)
        texts = Counter(m["content"]["text"] for m in server.chat_messages(chat))
        _stop([worker])
    return {"messages": len(sent), "producers": producers, "workers": 2,
            "ok_results": sum(1 for r in results if r.get("ok")),
            "delivered_once": sum(1 for t in sent if texts[t] == 1), "lost": sum(1 for t in sent if texts[t] == 0),
            "duplicated": sum(1 for t in sent if texts[t] > 1), "enqueue_seconds": round(enqueued, 2),
            "seconds": round(elapsed, 2), "per_second": round(len(sent) / elapsed)}


def _celery_app(redis_url: str) -> Any:
    from celery import Celery

    return Celery("scale_out_results", broker=redis_url, backend=redis_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--celery-messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--server", choices=["thin", "fake"], default="thin")
    parser.add_argument("--skip", nargs="*", default=[], choices=["workers", "sigkill", "celery"])
    options = parser.parse_args()
    print("load average", os.getloadavg(), flush=True)
    redis_proc, url, tmp = start_redis()
    try:
        if "workers" not in options.skip:
            for workers in options.workers:
                print("workers", run_workers(url, workers, options.messages, server=options.server), flush=True)
        if "sigkill" not in options.skip:
            print("sigkill", run_workers(url, 2, options.messages, kill_at=0.33, server=options.server), flush=True)
        if "celery" not in options.skip:
            print("celery", run_celery(url, options.celery_messages), flush=True)
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
        shutil.rmtree(tmp, ignore_errors=True)
    print("load average", os.getloadavg(), flush=True)


if __name__ == "__main__":
    if os.environ.get("SCALE_OUT_ROLE") == "bot":
        bot_process()
    else:
        main()
