"""WebSocket frames (RFC 6455) on the client side: masked frames out, an incremental frame reader in.

websocket-client does the handshake (proxies, TLS, headers); once it is done the connection reads
and writes frames with this module.

Threading: :class:`FrameReader` is used by the connection's reader thread only (it keeps the state
of a partly received frame between reads); :class:`Masker` only under the connection's send lock.

Reading is incremental: one :meth:`FrameReader.read` is one ``recv`` (up to 256 KiB), and returns
every frame completed by it, so frames that came ahead of a large one are delivered at once while
the large one's rest is read into place by later reads. Every rule a frame header can break is
checked from the header, before its payload is waited for: reserved bits, a masked server frame,
unknown opcodes, oversized or fragmented control frames, fragmentation order (close code 1002),
and a message larger than the limit (1009). Text is decoded strictly as UTF-8 (1007), including
characters split across fragments. An error found after complete frames in the same read is
raised by the next read, so the frames before it are still processed.
"""

from __future__ import annotations

import codecs
import os
import sys
from typing import Any

__all__ = [
    "MAX_MESSAGE",
    "OP_BINARY",
    "OP_CLOSE",
    "OP_CONT",
    "OP_PING",
    "OP_PONG",
    "OP_TEXT",
    "RECV_SIZE",
    "FrameError",
    "FrameReader",
    "Masker",
    "describe_close",
    "mask",
    "parse_close",
]

OP_CONT, OP_TEXT, OP_BINARY = 0x0, 0x1, 0x2
OP_CLOSE, OP_PING, OP_PONG = 0x8, 0x9, 0xA
_CONTROL_OPCODES = frozenset({OP_CLOSE, OP_PING, OP_PONG})
#: Bytes asked of the socket per ``recv``. Below glibc's mmap threshold (128 KiB): with 256 KiB
#: every ``recv`` allocated its buffer with mmap and gave it back with mremap + munmap, three
#: system calls and fresh pages per read (measured: -15 to -25% CPU per sequential call at 64 KiB).
#: Frames larger than this are read straight into place.
RECV_SIZE = 64 * 1024
#: Largest message accepted (the protocol's biggest answers are chat histories and chat lists).
MAX_MESSAGE = 256 * 1024 * 1024
_BYTEORDER = sys.byteorder
_utf8_decoder = codecs.getincrementaldecoder("utf-8")

#: Names of the close codes (RFC 6455 §7.4.1 and the IANA registry).
CLOSE_NAMES = {
    1000: "normal closure", 1001: "going away", 1002: "protocol error", 1003: "unsupported data",
    1007: "invalid payload data", 1008: "policy violation", 1009: "message too big",
    1010: "mandatory extension", 1011: "internal error", 1012: "service restart", 1013: "try again later",
    1014: "bad gateway",
}


class FrameError(Exception):
    """The peer broke the framing rules; ``code`` is the close code to fail the connection with."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def mask(data: bytes, key: bytes) -> bytes:
    """XOR ``data`` with the 4-byte ``key`` repeated (masking and unmasking are the same)."""
    size = len(data)
    if not size:
        return b""
    stream = (key * ((size >> 2) + 1))[:size]
    return (int.from_bytes(data, _BYTEORDER) ^ int.from_bytes(stream, _BYTEORDER)).to_bytes(size, _BYTEORDER)


def _valid_close_code(code: int) -> bool:
    return 1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999


def parse_close(payload: bytes) -> tuple[int | None, str]:
    """Code and reason of a Close frame's payload (§5.5.1); :class:`FrameError` (1002) when invalid."""
    if not payload:
        return None, ""
    if len(payload) == 1:
        raise FrameError(1002, "a close frame with a 1-byte payload")
    code = int.from_bytes(payload[:2], "big")
    if not _valid_close_code(code):
        raise FrameError(1002, f"a close frame with the invalid code {code}")
    try:
        reason = payload[2:].decode("utf-8")
    except UnicodeDecodeError:
        raise FrameError(1002, "a close frame whose reason is not valid UTF-8") from None
    return code, reason


def describe_close(code: int | None, reason: str = "") -> str:
    """``1001 going away: 'maintenance'`` (for error messages)."""
    if code is None:
        return "no close code"
    text = f"{code} {CLOSE_NAMES.get(code, 'application code')}"
    return f"{text}: {reason[:200]!r}" if reason else text


class Masker:
    """Builds masked client frames. Not thread-safe: use it under the connection's send lock."""

    __slots__ = ("_batch", "_keys", "_pos")

    _BATCH = 65536  # 16384 keys per os.urandom call (each call also lets other threads take the GIL)
    # The first batch is small and each refill doubles it up to _BATCH: a busy connection soon draws
    # 64 KiB at a time, an idle one (a process may hold a hundred) keeps 256 bytes instead of 64 KiB.
    _FIRST_BATCH = 256

    def __init__(self) -> None:
        self._keys = b""
        self._pos = 0
        self._batch = self._FIRST_BATCH

    def _take(self, size: int) -> bytes:
        """``size`` fresh random bytes (4 per frame: each frame gets a key of its own, RFC 6455 §5.3)."""
        pos = self._pos
        if pos + size > len(self._keys):
            self._keys = os.urandom(max(self._batch, size))
            self._batch = min(self._batch * 2, self._BATCH)
            pos = 0
        self._pos = pos + size
        return self._keys[pos : pos + size]

    def frame(self, payload: bytes, opcode: int = OP_TEXT) -> bytes:
        """One final, masked frame carrying ``payload``."""
        size = len(payload)
        key = self._take(4)
        return _head(opcode, size) + key + mask(payload, key)

    def frames(self, payloads: list[bytes], opcode: int = OP_TEXT) -> bytes:
        """Final masked frames carrying ``payloads``, one after another (what :meth:`frame` gives
        for each, joined), masked with one XOR over all of them instead of one per frame: a burst
        of acks, a window of bulk requests."""
        keys = self._take(4 * len(payloads))
        plain: list[bytes] = []
        stream: list[bytes] = []
        heads = _TEXT_HEADS if opcode == OP_TEXT else None
        pos = 0
        for payload in payloads:
            size = len(payload)
            key = keys[pos : pos + 4]
            pos += 4
            head = heads[size] if size < 126 and heads is not None else _head(opcode, size)  # (acks: no call)
            # The key goes out as it is: zeros in ``plain`` XOR the key in ``stream``.
            plain += (head, _ZERO_KEY, payload)
            stream += (_ZEROS[len(head)], key, (key * ((size >> 2) + 1))[:size])
        whole = b"".join(plain)
        return (int.from_bytes(whole, _BYTEORDER) ^ int.from_bytes(b"".join(stream), _BYTEORDER)).to_bytes(
            len(whole), _BYTEORDER)


_ZERO_KEY = bytes(4)
_ZEROS = {2: bytes(2), 4: bytes(4), 10: bytes(10)}  # by the length of a client frame's head
#: Heads of masked text frames of fewer than 126 bytes (acks and most requests), made once.
_TEXT_HEADS = [bytes((0x80 | OP_TEXT, 0x80 | size)) for size in range(126)]


def _head(opcode: int, size: int) -> bytes:
    """The head of a final, masked client frame of ``size`` bytes (without the key)."""
    if size < 126:
        return _TEXT_HEADS[size] if opcode == OP_TEXT else bytes((0x80 | opcode, 0x80 | size))
    if size < 0x10000:
        return bytes((0x80 | opcode, 0xFE)) + size.to_bytes(2, "big")
    return bytes((0x80 | opcode, 0xFF)) + size.to_bytes(8, "big")


def _text(payload: Any) -> str:
    """A whole text message's payload as ``str`` (1007 when it is not UTF-8)."""
    try:
        text: str = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise FrameError(1007, "a text frame that is not valid UTF-8") from None
    return text


class FrameReader:
    """Reads messages from a blocking socket, one ``recv`` per :meth:`read`.

    :meth:`read` returns every ``(opcode, payload)`` completed by that read (possibly none, while a
    large frame is still coming): data messages reassembled from their fragments (with the opcode
    of the first fragment; text as ``str``, binary as ``bytes``), control frames as they come
    (they may sit between fragments). Raises :class:`EOFError` when the peer closed the TCP
    stream, :class:`FrameError` when it broke the rules, and whatever the socket raises.
    """

    __slots__ = ("_big", "_big_b0", "_big_pos", "_buf", "_decoder", "_error", "_frag_op", "_frag_size",
                 "_frags", "_sock", "max_message")

    def __init__(self, sock: Any, max_message: int = MAX_MESSAGE) -> None:
        self._sock = sock
        self._buf = b""
        self._frag_op: int | None = None
        self._frags: list[Any] = []
        self._frag_size = 0
        self._decoder: Any = None  # incremental UTF-8 decoder of a fragmented text message
        self._big: bytearray | None = None  # payload buffer of a large frame in progress
        self._big_pos = 0
        self._big_b0 = 0
        self._error: FrameError | None = None
        self.max_message = max_message

    def read(self) -> list[tuple[int, Any]]:
        """One ``recv``; return the messages and control frames it completed (maybe none)."""
        if self._error is not None:
            error, self._error = self._error, None
            raise error
        out: list[tuple[int, Any]] = []
        big = self._big
        if big is not None:
            got = self._sock.recv_into(memoryview(big)[self._big_pos :])
            if not got:
                raise EOFError("the server closed the TCP connection in the middle of a frame")
            self._big_pos += got
            if self._big_pos == len(big):
                self._big = None
                self._frame(self._big_b0, big, out)
            return out
        data = self._sock.recv(RECV_SIZE)
        if not data:
            raise EOFError("the server closed the TCP connection"
                           + (" in the middle of a frame" if self._buf else ""))
        buf = self._buf + data if self._buf else data
        try:
            self._buf = self._cut(buf, out)
        except FrameError as exc:
            if not out:
                raise
            self._buf = b""
            self._error = exc  # the frames before it are processed first
        return out

    def _cut(self, buf: bytes, out: list[tuple[int, Any]]) -> bytes:
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
            # The usual frame, a whole text message (FIN, no reserved bits, unmasked, no fragmented
            # message open, within the limit), passes every check of the header: none is made.
            whole_text = b0 == 0x81 and b1 < 0x80 and self._frag_op is None and size <= self.max_message
            if not whole_text:
                self._check_header(b0, b1, size)
            stop = head + size
            if stop > end:
                if size > RECV_SIZE:  # a large frame: its rest is read straight into place
                    big = bytearray(size)
                    big[: end - head] = buf[head:end]
                    self._big, self._big_pos, self._big_b0 = big, end - head, b0
                    return b""
                break
            if whole_text:
                out.append((OP_TEXT, _text(buf[head:stop])))
            else:
                self._frame(b0, buf[head:stop], out)
            pos = stop
        return buf[pos:] if pos else buf

    def _check_header(self, b0: int, b1: int, size: int) -> None:
        """Refuse a frame from its header alone (before its payload has arrived)."""
        if b0 & 0x70:
            raise FrameError(1002, "a frame with reserved bits set (no extension was negotiated)")
        if b1 & 0x80:
            raise FrameError(1002, "a masked frame from the server")
        opcode = b0 & 0x0F
        if opcode & 0x8:
            if opcode not in _CONTROL_OPCODES:
                raise FrameError(1002, f"a frame with the reserved opcode {opcode:#x}")
            if not b0 & 0x80 or size > 125:
                raise FrameError(1002, "a fragmented or oversized control frame")
            return
        if opcode > OP_BINARY:
            raise FrameError(1002, f"a frame with the reserved opcode {opcode:#x}")
        if opcode == OP_CONT:
            if self._frag_op is None:
                raise FrameError(1002, "a continuation frame without a first fragment")
        elif self._frag_op is not None:
            raise FrameError(1002, "a new message started before the fragmented one ended")
        if size + self._frag_size > self.max_message:
            raise FrameError(1009, f"a message of more than {self.max_message} bytes")

    def _frame(self, b0: int, payload: Any, out: list[tuple[int, Any]]) -> None:
        """Handle a complete frame whose header passed :meth:`_check_header`."""
        opcode = b0 & 0x0F
        fin = b0 & 0x80
        if opcode & 0x8:
            out.append((opcode, bytes(payload)))
            return
        if opcode == OP_CONT:
            self._frag_size += len(payload)
            self._frags.append(self._text_part(payload, bool(fin)) if self._decoder else bytes(payload))
            if fin:
                parts, self._frags = self._frags, []
                first = self._frag_op
                assert first is not None  # a continuation without a start was refused from its header
                out.append((first, "".join(parts) if self._decoder else b"".join(parts)))
                self._frag_op, self._frag_size, self._decoder = None, 0, None
            return
        if fin:
            if opcode == OP_TEXT:
                out.append((OP_TEXT, _text(payload)))
            else:
                out.append((opcode, bytes(payload)))
            return
        self._frag_op, self._frag_size = opcode, len(payload)
        if opcode == OP_TEXT:
            self._decoder = _utf8_decoder("strict")
            self._frags = [self._text_part(payload, False)]
        else:
            self._frags = [bytes(payload)]

    def _text_part(self, payload: Any, final: bool) -> str:
        try:
            text: str = self._decoder.decode(payload, final)
        except UnicodeDecodeError:
            raise FrameError(1007, "a text message that is not valid UTF-8") from None
        return text
