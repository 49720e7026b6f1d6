"""A thin Chatbot Connector stand-in for benchmarks: answers fast, keeps no state.

Run:  python -m benchmarks.thin_server --port 8765

It speaks just enough of the protocol for the benchmark scenarios, with the standard library only
(an asyncio protocol that does the WebSocket handshake and framing itself):

* ``auth`` -> ``{userId, connectionId}`` (any token is accepted);
* ``sendMessage`` / ``createP2PChat`` -> the answer shapes of the real server;
* ``benchFlood {count, chatId}`` -> answers ``{}``, then pushes ``count`` ``sendMessage`` events
  shaped like the fake server's 5.5.6 envelopes (a simulated user writing in a burst);
  with ``"fanout": true`` the events go to every *other* connection instead (several processes
  connected as one bot each receive every message, PROTOCOL §1.6), numbered from ``start``
  (default 0) so that repeated floods do not reuse message ids;
* anything else -> ``{}``; acks (type 2) are counted and otherwise ignored; pings get pongs;
* a plain HTTP ``GET /api/v4/server`` (no WebSocket upgrade) -> the server info of PROTOCOL §10.1
  (version 5.5.6.0), which the official SDK reads when it starts; other plain requests get 404.

Every frame that arrived in one read is answered in one write, and frames are built from string
templates, so the server costs a few microseconds per frame: it stays far from being the
bottleneck (aiohttp's WebSocket server costs ~30 us a frame, which capped the pipelined
scenario). It still shares the machine's cores with the client: the runner reports its CPU share.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import itertools
import json
import signal
import sys
import time
from collections.abc import Sequence
from typing import ClassVar

BOT_ID = "bench_bot@bench.local"
USER_ID = "alice@bench.local"
CHAT_ID = "c0ffee0000000000000000000000000000000001"
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_BYTEORDER = sys.byteorder

_RESPONSE = '{{"type":2,"id":{id},"payload":{payload}}}'
_SENT = '{{"chatId":"{chat}","messageId":"m-{n}","timestamp":{ts}}}'
_EVENT = (
    '{{"type":1,"id":{id},"method":"sendMessage","payload":{{"chatId":"{chat}",'
    '"chat":{{"chatId":"{chat}","chatTitle":"{user}","chatType":1}},"messageId":"in-{n}",'
    '"timestamp":{ts},"author":{{"id":"{user}","type":1}},"replyMessageId":null,"isEdited":false,'
    '"box":{{"id":{n},"position":"0"}},"type":200,"content":{{"text":"burst message {n}",'
    '"parseMode":"text"}}}}}}'
)
_FLOOD_BATCH = 500
#: PROTOCOL §10.1; a version >= 5.5.6 as §12.1 asks of an emulator
SERVER_INFO = json.dumps({"product": {"version": "5.5.6.0", "display_name": "bench.local"}}).encode()
#: a JWT-shaped token (header.claims.signature, expiring in 2100): any token is accepted, but clients
#: may check the shape and the expiry before they connect (PROTOCOL §2), as the official SDK does
TOKEN = ".".join(base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=") for part in (
    {"alg": "none", "typ": "JWT"}, {"sub": BOT_ID, "exp": 4102444800})) + ".bench"


def _frame(opcode: int, payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        return bytes((0x80 | opcode, size)) + payload
    if size < 0x10000:
        return bytes((0x80 | opcode, 126)) + size.to_bytes(2, "big") + payload
    return bytes((0x80 | opcode, 127)) + size.to_bytes(8, "big") + payload


def _unmask(data: bytes, key: bytes) -> bytes:
    size = len(data)
    stream = (key * ((size >> 2) + 1))[:size]
    return (int.from_bytes(data, _BYTEORDER) ^ int.from_bytes(stream, _BYTEORDER)).to_bytes(size, _BYTEORDER)


class Stats:
    """Counters shown at exit with ``--verbose``."""

    requests = 0
    acks = 0
    events = 0


class BotConnection(asyncio.Protocol):
    """One WebSocket connection: handshake, then frames."""

    #: upgraded connections, for ``benchFlood`` with ``fanout``
    open_connections: ClassVar[set[BotConnection]] = set()

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buf = b""
        self.upgraded = False
        self.numbers = itertools.count(1)
        self.server_ids = itertools.count(1)
        self.paused: asyncio.Future[None] | None = None
        self.floods: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        BotConnection.open_connections.discard(self)
        if self.paused is not None and not self.paused.done():
            self.paused.set_result(None)  # a flood waiting to write ends at its next check

    def pause_writing(self) -> None:
        self.paused = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        if self.paused is not None and not self.paused.done():
            self.paused.set_result(None)
        self.paused = None

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.upgraded:
            self._handshake()
            if not self.upgraded:
                return
        out: list[bytes] = []
        buf, pos, end = self.buf, 0, len(self.buf)
        while end - pos >= 6:
            b0, b1 = buf[pos], buf[pos + 1]
            size, head = b1 & 0x7F, pos + 2
            if size >= 126:
                extra = 2 if size == 126 else 8
                if end - head < extra:
                    break
                size, head = int.from_bytes(buf[head : head + extra], "big"), head + extra
            if end - head < 4 + size:
                break
            key = buf[head : head + 4]
            payload = _unmask(buf[head + 4 : head + 4 + size], key) if b1 & 0x80 else buf[head + 4 : head + 4 + size]
            pos = head + 4 + size
            opcode = b0 & 0x0F
            if opcode == 0x1:
                self._text(payload, out)
            elif opcode == 0x9:
                out.append(_frame(0xA, payload))
            elif opcode == 0x8:
                out.append(_frame(0x8, payload[:2]))
                self._write(out)
                if self.transport is not None:
                    self.transport.close()
                return
        self.buf = buf[pos:]
        self._write(out)

    def _write(self, out: list[bytes]) -> None:
        if out and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(out))

    def _text(self, payload: bytes, out: list[bytes]) -> None:
        try:
            frame = json.loads(payload)
        except ValueError:
            return
        if frame.get("type") == 2:
            Stats.acks += 1
            return
        Stats.requests += 1
        method, body = frame.get("method"), frame.get("payload")
        if method == "sendMessage":
            chat = body.get("chatId", CHAT_ID) if isinstance(body, dict) else CHAT_ID
            answer = _SENT.format(chat=chat, n=next(self.numbers), ts=int(time.time() * 1000))
        elif method == "auth":
            answer = json.dumps({"userId": BOT_ID, "connectionId": f"conn-{next(self.numbers)}"})
        elif method == "createP2PChat":
            answer = json.dumps({"chatId": CHAT_ID})
        else:
            answer = "{}"
        out.append(_frame(0x1, _RESPONSE.format(id=frame.get("id"), payload=answer).encode()))
        if method == "benchFlood" and isinstance(body, dict):
            count, chat = int(body.get("count", 0)), str(body.get("chatId", CHAT_ID))
            start = int(body.get("start", 0))
            targets = [c for c in BotConnection.open_connections if c is not self] if body.get("fanout") else [self]
            for target in targets:
                task = asyncio.ensure_future(target._flood(count, chat, start))
                target.floods.add(task)
                task.add_done_callback(target.floods.discard)

    async def _flood(self, count: int, chat: str, first: int = 0) -> None:
        await asyncio.sleep(0)  # after the answer to benchFlood
        ts = int(time.time() * 1000)
        end = first + count
        for start in range(first, end, _FLOOD_BATCH):
            if self.transport is None or self.transport.is_closing():
                return
            self._write([_frame(0x1, _EVENT.format(id=next(self.server_ids), chat=chat, user=USER_ID, n=n,
                                                   ts=ts + n).encode())
                         for n in range(start, min(end, start + _FLOOD_BATCH))])
            Stats.events += min(end, start + _FLOOD_BATCH) - start
            if self.paused is not None:
                await self.paused

    def _handshake(self) -> None:
        head, sep, rest = self.buf.partition(b"\r\n\r\n")
        if not sep:
            return
        lines = head.decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if headers.get("upgrade", "").lower() != "websocket":
            self._plain_http(lines[0])
            return
        key = headers.get("sec-websocket-key", "")
        accept = base64.b64encode(hashlib.sha1(key.encode() + _GUID).digest()).decode()
        asked = headers.get("sec-websocket-protocol", "")
        protocol = "Sec-WebSocket-Protocol: json.v1\r\n" if "json.v1" in asked else ""
        assert self.transport is not None
        self.transport.write((f"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              f"Sec-WebSocket-Accept: {accept}\r\n{protocol}\r\n").encode())
        self.upgraded = True
        self.buf = rest
        BotConnection.open_connections.add(self)


    def _plain_http(self, request_line: str) -> None:
        """Answer one plain HTTP request (the server info endpoint) and close."""
        found = request_line.split(" ")[:2] == ["GET", "/api/v4/server"]
        status, body = ("200 OK", SERVER_INFO) if found else ("404 Not Found", b'{"error":"not_found"}')
        assert self.transport is not None
        self.transport.write(f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
                             f"Connection: close\r\n\r\n".encode() + body)
        self.transport.close()
        self.buf = b""


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.thin_server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--verbose", "-v", action="store_true")
    args = parser.parse_args(argv)

    async def serve() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(BotConnection, args.host, args.port)
        print(f"thin server listening on ws://{args.host}:{args.port}/websocket/chat_bot/", flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        server.close()

    asyncio.run(serve())
    if args.verbose:
        print(f"requests {Stats.requests}, acks {Stats.acks}, events {Stats.events}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
