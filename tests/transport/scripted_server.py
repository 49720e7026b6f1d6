"""A scripted raw-socket WebSocket server for transport tests (no aiohttp, no framing library).

It listens on 127.0.0.1, does the HTTP upgrade itself, answers the client's ``auth`` request with
success, then runs the test's script with a :class:`Peer`: raw byte writes, reading the client's
frames (unmasked, recorded), answering requests, closing or resetting the TCP stream. Everything
the client sent is kept in ``Peer.received`` so tests can assert e.g. "the client answered Close
with code 1002". Each accepted connection runs the script on the server thread; ``peers`` lists them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode: int, payload: bytes = b"", *, fin: bool = True, rsv: int = 0, key: bytes | None = None,
          length: int | None = None) -> bytes:
    """A frame as a server writes it (unmasked unless ``key``; ``length`` overrides the header's size)."""
    size = len(payload) if length is None else length
    first = (0x80 if fin else 0) | rsv | opcode
    bit = 0x80 if key else 0
    if size < 126:
        head = bytes((first, bit | size))
    elif size < 0x10000:
        head = bytes((first, bit | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((first, bit | 127)) + size.to_bytes(8, "big")
    if key:
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
        return head + key + payload
    return head + payload


def text(obj: Any) -> bytes:
    """A text frame carrying ``obj`` as JSON."""
    return frame(OP_TEXT, json.dumps(obj).encode())


def close_frame(code: int | None = None, reason: bytes = b"") -> bytes:
    """A Close frame (no payload when ``code`` is None)."""
    return frame(OP_CLOSE, b"" if code is None else code.to_bytes(2, "big") + reason)


def event(server_id: int, text_: str = "hi", chat: str = "chat-1", message_id: str | None = None) -> dict[str, Any]:
    """A ``sendMessage`` server request (PROTOCOL §4.1) from alice."""
    return {"type": 1, "id": server_id, "method": "sendMessage", "payload": {
        "chatId": chat, "messageId": message_id or f"m-{server_id}", "timestamp": 1_700_000_000_000, "type": 200,
        "author": {"id": "alice@srv", "type": 1}, "content": {"text": text_, "parseMode": "text"},
        "isEdited": False, "box": {"id": server_id, "position": ""}}}


class Peer:
    """One accepted client connection, after the handshake and the auth answer."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.received: list[tuple[int, bytes]] = []
        self.eof = False
        self._buf = b""

    # ---- writing ----------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def send_slowly(self, data: bytes, chunk: int, pause: float) -> None:
        """Write ``data`` in pieces of ``chunk`` bytes, ``pause`` seconds apart."""
        for start in range(0, len(data), chunk):
            self.sock.sendall(data[start:start + chunk])
            time.sleep(pause)

    def answer(self, request: dict[str, Any], payload: Any = None) -> None:
        self.send(text({"type": 2, "id": request["id"], "payload": {} if payload is None else payload}))

    def reset(self) -> None:
        """Abort the TCP stream with a RST (SO_LINGER 0)."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    # ---- reading ----------------------------------------------------------------------------

    def _read(self, size: int, deadline: float) -> bytes:
        while len(self._buf) < size:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("the client sent nothing in time")
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except (ConnectionError, OSError):
                data = b""
            if not data:
                self.eof = True
                raise EOFError("the client closed the TCP stream")
            self._buf += data
        out, self._buf = self._buf[:size], self._buf[size:]
        return out

    def read_frame(self, timeout: float = 5.0) -> tuple[int, bytes]:
        """The client's next frame (unmasked; recorded in ``received``)."""
        deadline = time.monotonic() + timeout
        b0, b1 = self._read(2, deadline)
        assert b1 & 0x80, "a client frame must be masked"
        size = b1 & 0x7F
        if size == 126:
            size = int.from_bytes(self._read(2, deadline), "big")
        elif size == 127:
            size = int.from_bytes(self._read(8, deadline), "big")
        key = self._read(4, deadline)
        data = self._read(size, deadline)
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(data)) if size < 4096 else _unmask(data, key)
        item = (b0 & 0x0F, payload)
        self.received.append(item)
        return item

    def next_request(self, method: str | None = None, timeout: float = 5.0) -> dict[str, Any]:
        """Read until the client's next request (of ``method``, when given); returns the parsed frame."""
        deadline = time.monotonic() + timeout
        while True:
            opcode, payload = self.read_frame(max(0.0, deadline - time.monotonic()))
            if opcode == OP_TEXT:
                message = json.loads(payload)
                if message.get("type") == 1 and (method is None or message.get("method") == method):
                    return message  # type: ignore[no-any-return]

    def drain(self, timeout: float = 5.0) -> None:
        """Record whatever the client sends until it closes the stream (or ``timeout``); a Close
        from the client is answered with a Close (the closing handshake)."""
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                opcode, payload = self.read_frame(max(0.0, deadline - time.monotonic()))
                if opcode == OP_CLOSE:
                    self.send(frame(OP_CLOSE, payload[:2]))
                    return
        except (EOFError, TimeoutError, OSError):
            pass

    def wait_close(self, timeout: float = 5.0) -> int | None:
        """Read until the client's Close frame; return its code (None: no code, or none came)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                opcode, payload = self.read_frame(max(0.0, deadline - time.monotonic()))
                if opcode == OP_CLOSE:
                    return int.from_bytes(payload[:2], "big") if len(payload) >= 2 else None
        except (EOFError, TimeoutError):
            return None

    @property
    def close_codes(self) -> list[int | None]:
        return [int.from_bytes(p[:2], "big") if len(p) >= 2 else None for op, p in self.received if op == OP_CLOSE]

    def requests(self, method: str | None = None) -> list[dict[str, Any]]:
        out = []
        for opcode, payload in self.received:
            if opcode == OP_TEXT:
                message = json.loads(payload)
                if message.get("type") == 1 and (method is None or message.get("method") == method):
                    out.append(message)
        return out

    def acks(self) -> list[Any]:
        return [m.get("id") for op, p in self.received if op == OP_TEXT
                for m in [json.loads(p)] if m.get("type") == 2]


def _unmask(data: bytes, key: bytes) -> bytes:
    size = len(data)
    stream = (key * (size // 4 + 1))[:size]
    return (int.from_bytes(data, "little") ^ int.from_bytes(stream, "little")).to_bytes(size, "little")


Script = Callable[[Peer], None]


class ScriptedServer:
    """Serves scripted WebSocket connections on 127.0.0.1 (one script per accepted connection).

    Args:
        script: run with each :class:`Peer` after auth; when it returns the server records what
            the client still sends until it closes (``drain``), then closes its socket.
        subprotocol: what the handshake answer selects (``None``: no ``Sec-WebSocket-Protocol``).
        auth_answer: payload of the auth answer.
    """

    def __init__(self, script: Script, *, subprotocol: str | None = "json.v1",
                 auth_answer: dict[str, Any] | None = None, drain: float = 5.0) -> None:
        self.script = script
        self.subprotocol = subprotocol
        self.auth_answer = auth_answer or {"userId": "bot@srv", "connectionId": "c1"}
        self.drain_seconds = drain
        self.peers: list[Peer] = []
        self.errors: list[BaseException] = []
        self.done = threading.Event()
        self.handshake_headers: list[str] = []
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(8)
        self.port: int = self._listener.getsockname()[1]
        self._stopped = False
        self._thread = threading.Thread(target=self._serve, name="scripted-server", daemon=True)

    def start(self) -> ScriptedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped = True
        for sock in [self._listener] + [peer.sock for peer in self.peers]:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a thread blocked in accept or recv
            except OSError:
                pass
            sock.close()
        self._thread.join(5)

    @property
    def peer(self) -> Peer:
        deadline = time.monotonic() + 5
        while not self.peers and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.peers[0]

    def _serve(self) -> None:
        while not self._stopped:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            try:
                self._run(sock)
            except (EOFError, ConnectionError):
                pass  # the client went away: what it sent is in the peer's record
            except BaseException as exc:  # noqa: BLE001 - the test looks at .errors
                self.errors.append(exc)
            finally:
                self.done.set()

    def _run(self, sock: socket.socket) -> None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        request = b""
        while b"\r\n\r\n" not in request:
            chunk = sock.recv(4096)
            if not chunk:
                return
            request += chunk
        head, rest = request.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        self.handshake_headers = lines[1:]
        headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:] if ":" in line)}
        accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + _GUID).digest()).decode()
        answer = ("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  f"Sec-WebSocket-Accept: {accept}\r\n")
        if self.subprotocol is not None:
            answer += f"Sec-WebSocket-Protocol: {self.subprotocol}\r\n"
        sock.sendall((answer + "\r\n").encode())
        peer = Peer(sock)
        peer._buf = rest
        self.peers.append(peer)
        auth = peer.next_request("auth")
        peer.answer(auth, self.auth_answer)
        self.script(peer)
        if sock.fileno() != -1:
            peer.drain(self.drain_seconds)
            try:
                sock.close()
            except OSError:
                pass
