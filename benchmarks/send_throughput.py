"""Sequential ``send_message`` throughput against the fake server, next to a raw websocket-client loop.

Run:  python benchmarks/send_throughput.py [--messages 3000] [--rounds 3]

The fake server runs in its own process (``python -m trueconf_sync.testing``) so it does not share
the GIL with the client. Each round measures the raw loop (``ws.send(json)``; ``ws.recv()`` until
the response) and ``client.send_message`` on the same server, and prints messages per second and
the ratio. Not a test: numbers depend on the machine; compare ratios measured in one run.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import time

import requests
import websocket

from trueconf_sync import Client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int, people: list[str] | None = None) -> subprocess.Popen[bytes]:
    """The fake server in its own process: ``bench_bot`` and ``people`` (default alice), password ``pw``."""
    users = [arg for login in (people or ["alice"]) for arg in ("--user", f"{login}:pw")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "trueconf_sync.testing", "--port", str(port),
         "--bot", "bench_bot:pw", *users, "--ping-interval", "30"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the fake server did not start")


def raw_loop(url: str, token: str, chat: str, count: int) -> float:
    ws = websocket.create_connection(url, skip_utf8_validation=True)
    ws.send(json.dumps({"type": 1, "id": 1, "method": "auth", "payload": {"token": token, "tokenType": "JWT"}}))
    ws.recv()
    start = time.perf_counter()
    for i in range(count):
        ws.send(json.dumps({"type": 1, "id": i + 2, "method": "sendMessage", "payload": {
            "chatId": chat, "replyMessageId": None, "content": {"text": f"raw {i}", "parseMode": "text"}}}))
        while json.loads(ws.recv()).get("type") != 2:
            pass
    elapsed = time.perf_counter() - start
    ws.close()
    return count / elapsed


def client_loop(client: Client, chat: str, count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        client.send_message(chat, f"client {i}")
    return count / (time.perf_counter() - start)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        base = f"http://127.0.0.1:{port}"
        token = requests.post(base + "/bridge/api/client/v1/oauth/token", json={
            "client_id": "chat_bot", "grant_type": "password", "username": "bench_bot", "password": "pw"},
            timeout=10).json()["access_token"]
        with Client("127.0.0.1", token, port=port, https=False) as client:
            chat = client.create_p2p_chat("alice")
            raw, ours = [], []
            for round_no in range(1, args.rounds + 1):
                raw.append(raw_loop(f"ws://127.0.0.1:{port}/websocket/chat_bot/", token, chat, args.messages))
                ours.append(client_loop(client, chat, args.messages))
                print(f"round {round_no}: raw {raw[-1]:7.0f} msg/s   trueconf_sync {ours[-1]:7.0f} msg/s   "
                      f"ratio {ours[-1] / raw[-1]:.2f}")
        r, o = statistics.median(raw), statistics.median(ours)
        print(f"median: raw {r:.0f} msg/s, trueconf_sync {o:.0f} msg/s, ratio {o / r:.2f} (target >= 0.9)")
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
