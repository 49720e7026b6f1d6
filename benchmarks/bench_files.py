"""Upload and download of a large file: trueconf_sync next to plain ``requests`` streaming, same run.

Run:  python benchmarks/bench_files.py [--size-mb 200] [--rounds 7] [--repeat 3]

Each round starts a fresh fake server in its own process (``python -m trueconf_sync.testing``),
keeping its files in /dev/shm when there is one (so disk writeback does not drown what is
measured), and runs every measurement in a fresh child process, which connects, warms its HTTP
connection pool, resets its peak-RSS counter and times ``--repeat`` transfers of the same file (the
fastest counts: this machine's noise only ever slows a transfer down):

* ``ours-upload``        -- ``client.send_file(chat, path)``: ``uploadFile``, the streaming HTTP upload, ``sendFile``;
* ``requests-upload``    -- ``uploadFile``, then a plain ``requests.post`` of a file-like multipart body
  with a length (read by urllib3 in blocks, as ``requests_toolbelt.MultipartEncoder`` is);
* ``ours-download``      -- ``client.download_file(file_id, path)``: ``getFileInfo``, the GET, atomic rename;
* ``requests-download``  -- ``getFileInfo``, then ``requests.get(url, stream=True)`` and ``iter_content(1 MiB)``
  into a file.

The order of ours and requests alternates between rounds.
Printed: MB/s (10^6 bytes), the peak RSS growth of the client process during its transfers, and
the trueconf_sync / requests throughput ratio (medians over the rounds). Targets: RSS growth
<= 30 MB each way; throughput >= 0.8 x requests. Not a test: numbers depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BOT, PASSWORD = "bench_bot", "pw"  # the accounts send_throughput.start_server creates
MIB = 1024 * 1024


# ---- child side: one transfer, measured ---------------------------------------------------------


def _rss_kb(field: str) -> int:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0); False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")
        return True
    except OSError:
        return False


class _MultipartReader:
    """The multipart body as a file-like object with a length: requests sends ``Content-Length`` and
    urllib3 reads it in blocks, as it does for ``requests_toolbelt.MultipartEncoder``."""

    def __init__(self, path: Path, boundary: str, name: str) -> None:
        self._head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                      "Content-Type: application/octet-stream\r\n\r\n").encode()
        self._tail = f"\r\n--{boundary}--\r\n".encode()
        self._file = path.open("rb")
        self._length = len(self._head) + path.stat().st_size + len(self._tail)
        self._stage = 0

    def __len__(self) -> int:
        return self._length

    def read(self, size: int = -1) -> bytes:
        while self._stage < 3:
            if self._stage == 0:
                self._stage = 1
                return self._head
            if self._stage == 1:
                data = self._file.read(size if size and size > 0 else MIB)
                if data:
                    return data
                self._file.close()
                self._stage = 2
            else:
                self._stage = 3
                return self._tail
        return b""


def _transfer(args: argparse.Namespace, client: Any, session: Any, chat: str, path: Path) -> str | None:
    """One transfer of the phase; returns the new file id for ``ours-upload``."""
    size = path.stat().st_size
    if args.phase == "ours-upload":
        return str(client.send_file(chat, path).file_id)
    if args.phase == "requests-upload":
        task = client.create_upload_task(path.name, size)  # stage 1 over the WebSocket, as the client does
        boundary = secrets.token_hex(16)
        response = session.post(client.base_url + "/bridge/api/client/v1/files",
                                data=_MultipartReader(path, boundary, path.name), timeout=120,
                                headers={"Upload-Task-Id": task,
                                         "Content-Type": f"multipart/form-data; boundary={boundary}"})
        response.raise_for_status()
        return None
    out = Path(args.out)
    if args.phase == "ours-download":
        client.download_file(args.file_id, out)
    else:
        info = client.get_file_info(args.file_id)  # as the client does before its GET
        with session.get(info.download_url, stream=True, timeout=120) as response, out.open("wb") as sink:
            response.raise_for_status()
            for chunk in response.iter_content(MIB):
                sink.write(chunk)
    if out.stat().st_size != size:
        raise SystemExit("downloaded size differs")
    return None


def child(args: argparse.Namespace) -> None:
    import requests

    from trueconf_sync import Client

    path = Path(args.file)
    with Client("127.0.0.1", args.token, port=args.port, https=False, timeout=120) as client:
        chat = client.create_p2p_chat("alice")
        session = client.core.http_session() if args.phase.startswith("ours") else requests.Session()
        session.get(client.base_url + "/api/v4/server", timeout=10)  # both sides start with a warm pool
        client.get_upload_limits()
        exact = _reset_peak()
        before = _rss_kb("VmRSS")
        times, file_id = [], None
        for _ in range(int(args.repeat)):
            start = time.perf_counter()
            file_id = _transfer(args, client, session, chat, path) or file_id
            times.append(time.perf_counter() - start)
        peak = _rss_kb("VmHWM") if exact else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"seconds": min(times), "bytes": path.stat().st_size, "file_id": file_id,
              "rss_growth_kb": max(0, peak - before), "exact_peak": exact}
    print(json.dumps(result), flush=True)


# ---- parent side: server, file, rounds -----------------------------------------------------------


def memory_dir() -> str | None:
    """A tmpfs directory (files in RAM), so disk writeback does not swamp what is measured."""
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def start_server(port: int) -> subprocess.Popen[bytes]:
    """The fake server of ``send_throughput.py`` (same accounts), keeping its files in memory."""
    from send_throughput import start_server as start

    if memory_dir():
        os.environ["TMPDIR"] = memory_dir() or ""  # inherited: the server's temporary directory
    return start(port)


def run_child(phase: str, common: list[str], **extra: str) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--phase", phase, *common]
    for key, value in extra.items():
        argv += [f"--{key.replace('_', '-')}", value]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def make_file(path: Path, size: int) -> None:
    block = os.urandom(MIB)
    with path.open("wb") as out:
        left = size
        while left > 0:
            out.write(block[: min(MIB, left)])
            left -= MIB
            block = block[1:] + block[:1]  # not one repeated block: nothing on the way can dedupe it


def run_round(args: argparse.Namespace, workdir: Path, source: Path, round_no: int,
              rows: dict[str, list[dict[str, Any]]]) -> None:
    """One round on a fresh server (its stored files go with it): every phase once, in alternating order."""
    import requests
    from send_throughput import free_port

    port = free_port()
    server = start_server(port)
    try:
        token = requests.post(f"http://127.0.0.1:{port}/bridge/api/client/v1/oauth/token", timeout=10, json={
            "client_id": "chat_bot", "grant_type": "password", "username": BOT, "password": PASSWORD,
        }).json()["access_token"]
        common = ["--port", str(port), "--token", token, "--file", str(source), "--repeat", str(args.repeat)]
        file_id = run_child("ours-upload", [*common[:-1], "1"])["file_id"]  # warm-up, and the file to download
        phases = ["ours-upload", "requests-upload", "ours-download", "requests-download"]
        if round_no % 2 == 0:  # alternate who goes first
            phases = [phases[1], phases[0], phases[3], phases[2]]
        line = []
        for phase in phases:
            extra = {"file_id": file_id, "out": str(workdir / f"{phase}.bin")} if "download" in phase else {}
            result = run_child(phase, common, **extra)
            rows.setdefault(phase, []).append(result)
            line.append(f"{phase} {result['bytes'] / result['seconds'] / 1e6:5.0f} MB/s "
                        f"+{result['rss_growth_kb'] / 1024:4.1f} MB")
            (workdir / f"{phase}.bin").unlink(missing_ok=True)
        print(f"round {round_no}: " + " | ".join(line), flush=True)
    finally:
        server.terminate()
        server.wait(10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=200, help="file size in MiB (default 200)")
    parser.add_argument("--rounds", type=int, default=7, help="rounds, each on a fresh server (default 7)")
    parser.add_argument("--repeat", type=int, default=3, help="transfers per measurement; the fastest counts")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    for hidden in ("--port", "--token", "--file", "--file-id", "--out"):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        args.port = int(args.port)
        child(args)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="bench-files-", dir=memory_dir()))
    try:
        source = workdir / "payload.bin"
        make_file(source, args.size_mb * MIB)
        rows: dict[str, list[dict[str, Any]]] = {}
        print(f"{args.size_mb} MiB file in {workdir.parent}; per measurement: the fastest of {args.repeat} "
              "transfers in one client process, and that process's peak RSS growth", flush=True)
        for round_no in range(1, args.rounds + 1):
            run_round(args, workdir, source, round_no, rows)

        def speed(phase: str) -> float:
            return statistics.median(r["bytes"] / r["seconds"] / 1e6 for r in rows[phase])

        def growth(phase: str) -> float:
            return max(r["rss_growth_kb"] for r in rows[phase]) / 1024

        exact = all(r["exact_peak"] for results in rows.values() for r in results)
        print(f"\n{args.size_mb} MiB file, {args.rounds} rounds, medians (RSS growth: worst measurement"
              f"{'' if exact else '; peak since process start, VmHWM reset unavailable'}):")
        for way, ours, plain in (("upload", "ours-upload", "requests-upload"),
                                 ("download", "ours-download", "requests-download")):
            ratio = speed(ours) / speed(plain)
            print(f"  {way:8s} trueconf_sync {speed(ours):6.0f} MB/s, RSS +{growth(ours):5.1f} MB | "
                  f"requests {speed(plain):6.0f} MB/s, RSS +{growth(plain):5.1f} MB | ratio {ratio:.2f} "
                  f"(targets: RSS <= 30 MB, ratio >= 0.8)")
    finally:
        for item in workdir.iterdir():
            item.unlink()
        workdir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
