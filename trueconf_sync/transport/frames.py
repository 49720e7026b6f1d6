"""WebSocket frames (RFC 6455) on the client side: masked frames out, a buffered frame reader in.

websocket-client does the handshake (proxies, TLS, headers); once it is done the connection reads
and writes frames with this module. The reader asks the socket for up to 256 KiB at a time and
cuts every complete frame out of what arrived, so a burst of small frames costs one ``recv`` instead
of three per frame; a large frame's rest is read straight into its buffer. The writer builds the
frame in one ``bytes`` (one ``sendall``); masking keys come from ``os.urandom`` in batches.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

__all__ = [
    "OP_BINARY",
    "OP_CLOSE",
    "OP_CONT",
    "OP_PING",
    "OP_PONG",
    "OP_TEXT",
    "FrameError",
    "FrameReader",
    "Masker",
    "mask",
]

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
_DATA_OPCODES = frozenset({OP_CONT, OP_TEXT, OP_BINARY})
_CONTROL_OPCODES = frozenset({OP_CLOSE, OP_PING, OP_PONG})
#: Bytes asked of the socket per ``recv``.
RECV_SIZE = 256 * 1024
#: Largest message accepted (the protocol's biggest answers are chat histories and chat lists).
MAX_MESSAGE = 256 * 1024 * 1024
_BYTEORDER = sys.byteorder


class FrameError(Exception):
    """The peer broke the framing rules (reserved bits, unknown opcode, oversized message...)."""


def mask(data: bytes, key: bytes) -> bytes:
    """XOR ``data`` with the 4-byte ``key`` repeated (masking and unmasking are the same)."""
    size = len(data)
    if not size:
        return b""
    stream = (key * ((size >> 2) + 1))[:size]
    return (int.from_bytes(data, _BYTEORDER) ^ int.from_bytes(stream, _BYTEORDER)).to_bytes(size, _BYTEORDER)


class Masker:
    """Builds masked client frames. Not thread-safe: use it under the connection's send lock."""

    __slots__ = ("_keys", "_pos")

    _BATCH = 65536  # 16384 keys per os.urandom call (each call also lets other threads take the GIL)

    def __init__(self) -> None:
        self._keys = b""
        self._pos = 0

    def _key(self) -> bytes:
        pos = self._pos
        if pos >= len(self._keys):
            self._keys = os.urandom(self._BATCH)
            pos = 0
        self._pos = pos + 4
        return self._keys[pos : pos + 4]

    def frame(self, payload: bytes, opcode: int = OP_TEXT) -> bytes:
        """One final, masked frame carrying ``payload``."""
        size = len(payload)
        key = self._key()
        if size < 126:
            head = bytes((0x80 | opcode, 0x80 | size))
        elif size < 0x10000:
            head = bytes((0x80 | opcode, 0xFE)) + size.to_bytes(2, "big")
        else:
            head = bytes((0x80 | opcode, 0xFF)) + size.to_bytes(8, "big")
        return head + key + mask(payload, key)


class FrameReader:
    """Reads complete messages from a blocking socket.

    :meth:`read` blocks until at least one frame is complete and returns every complete
    ``(opcode, payload)`` now buffered: data messages reassembled from their fragments (with the
    opcode of the first fragment), control frames as they come (they may sit between fragments).
    Raises :class:`EOFError` when the peer closed the TCP stream, :class:`FrameError` on framing
    errors and whatever the socket raises.
    """

    __slots__ = ("_buf", "_frag_op", "_frag_size", "_frags", "_sock", "max_message")

    def __init__(self, sock: Any, max_message: int = MAX_MESSAGE) -> None:
        self._sock = sock
        self._buf = b""
        self._frag_op: int | None = None
        self._frags: list[bytes] = []
        self._frag_size = 0
        self.max_message = max_message

    def read(self, wait: Callable[[], bool] | None = None) -> list[tuple[int, bytes]]:
        """Block for the next frame(s); return every complete message or control frame.

        ``wait``, when given, is called before every ``recv`` and returns whether the socket is
        readable; ``False`` (a deadline passed) ends the read early with what is complete so far
        (possibly nothing; a partial frame stays buffered for the next read).
        """
        out: list[tuple[int, bytes]] = []
        while not out:
            if wait is not None and not wait():
                return out
            data = self._sock.recv(RECV_SIZE)
            if not data:
                raise EOFError("the server closed the TCP connection")
            buf = self._buf + data if self._buf else data
            self._buf = self._cut(buf, out)
        return out

    def _cut(self, buf: bytes, out: list[tuple[int, bytes]]) -> bytes:
        """Append the complete frames of ``buf`` to ``out``; return the incomplete rest."""
        pos = 0
        end = len(buf)
        while end - pos >= 2:
            b0 = buf[pos]
            b1 = buf[pos + 1]
            size = b1 & 0x7F
            head = pos + 2
            if size == 126:
                if end - head < 2:
                    break
                size = int.from_bytes(buf[head : head + 2], "big")
                head += 2
            elif size == 127:
                if end - head < 8:
                    break
                size = int.from_bytes(buf[head : head + 8], "big")
                head += 8
            key = None
            if b1 & 0x80:  # servers must not mask, but unmask rather than fail
                if end - head < 4:
                    break
                key = buf[head : head + 4]
                head += 4
            if size > self.max_message:
                raise FrameError(f"a frame of {size} bytes exceeds the limit of {self.max_message}")
            stop = head + size
            if stop > end:
                if size - (end - head) > RECV_SIZE:  # a large frame: read its rest in place
                    payload = self._read_rest(buf[head:end], size)
                    self._frame(b0, mask(payload, key) if key else payload, out)
                    return b""
                break
            payload = buf[head:stop]
            pos = stop
            self._frame(b0, mask(payload, key) if key else payload, out)
        return buf[pos:] if pos else buf

    def _read_rest(self, have: bytes, size: int) -> bytes:
        frame = bytearray(size)
        frame[: len(have)] = have
        view = memoryview(frame)[len(have) :]
        recv_into = self._sock.recv_into
        while len(view):
            got = recv_into(view)
            if not got:
                raise EOFError("the server closed the TCP connection in the middle of a frame")
            view = view[got:]
        return bytes(frame)

    def _frame(self, b0: int, payload: bytes, out: list[tuple[int, bytes]]) -> None:
        if b0 & 0x70:
            raise FrameError("a frame with reserved bits set (no extension was negotiated)")
        opcode = b0 & 0x0F
        fin = b0 & 0x80
        if opcode in _CONTROL_OPCODES:
            if not fin or len(payload) > 125:
                raise FrameError("a fragmented or oversized control frame")
            out.append((opcode, payload))
            return
        if opcode not in _DATA_OPCODES:
            raise FrameError(f"a frame with the reserved opcode {opcode:#x}")
        if opcode == OP_CONT:
            if self._frag_op is None:
                raise FrameError("a continuation frame without a first fragment")
            self._frags.append(payload)
            self._frag_size += len(payload)
            if self._frag_size > self.max_message:
                raise FrameError(f"a fragmented message exceeds the limit of {self.max_message} bytes")
            if fin:
                out.append((self._frag_op, b"".join(self._frags)))
                self._frag_op, self._frags, self._frag_size = None, [], 0
            return
        if self._frag_op is not None:
            raise FrameError("a new message started before the fragmented one ended")
        if fin:
            out.append((opcode, payload))
        else:
            self._frag_op, self._frags, self._frag_size = opcode, [payload], len(payload)
