"""trueconf_sync.frames: masked client frames out, the buffered frame reader in (over a socketpair)."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from trueconf_sync.transport.frames import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    RECV_SIZE,
    FrameError,
    FrameReader,
    Masker,
    mask,
)


def server_frame(opcode: int, payload: bytes, *, fin: bool = True, key: bytes | None = None, rsv: int = 0) -> bytes:
    """A frame as a server writes it (unmasked unless ``key``)."""
    size = len(payload)
    first = (0x80 if fin else 0) | rsv | opcode
    bit = 0x80 if key else 0
    if size < 126:
        head = bytes((first, bit | size))
    elif size < 0x10000:
        head = bytes((first, bit | 126)) + size.to_bytes(2, "big")
    else:
        head = bytes((first, bit | 127)) + size.to_bytes(8, "big")
    return head + (key + mask(payload, key) if key else payload)


def parse_client_frame(data: bytes) -> tuple[int, bytes, int]:
    """(opcode, unmasked payload, frame length) of a client frame; checks FIN and the mask bit."""
    assert data[0] & 0x80 and data[1] & 0x80
    size, pos = data[1] & 0x7F, 2
    if size == 126:
        size, pos = int.from_bytes(data[2:4], "big"), 4
    elif size == 127:
        size, pos = int.from_bytes(data[2:10], "big"), 10
    key = data[pos:pos + 4]
    return data[0] & 0x0F, mask(data[pos + 4:pos + 4 + size], key), pos + 4 + size


@pytest.fixture
def pair():
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def _feed(sock: socket.socket, data: bytes) -> threading.Thread:
    thread = threading.Thread(target=sock.sendall, args=(data,))
    thread.start()
    return thread


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 300_001])
def test_masked_frame_round_trip(size):
    payload = os.urandom(size)
    frame = Masker().frame(payload, OP_BINARY)
    opcode, body, length = parse_client_frame(frame)
    assert (opcode, body, length) == (OP_BINARY, payload, len(frame))


def test_mask_keys_differ_and_mask_is_its_own_inverse():
    masker = Masker()
    keys = {parse_key(masker.frame(b"x")) for _ in range(2000)}  # crosses a key batch boundary
    assert len(keys) > 1990
    data, key = os.urandom(1001), os.urandom(4)
    assert mask(mask(data, key), key) == data
    assert mask(b"", key) == b""


def parse_key(frame: bytes) -> bytes:
    return frame[2:6]


def test_a_burst_of_frames_comes_out_of_one_read(pair):
    a, b = pair
    a.sendall(b"".join(server_frame(OP_TEXT, f'{{"n":{i}}}'.encode()) for i in range(50)))
    frames = FrameReader(b).read()
    assert frames == [(OP_TEXT, f'{{"n":{i}}}'.encode()) for i in range(50)]


class Trickle:
    """A socket stand-in that hands out its bytes one at a time (the worst a TCP stream can do)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.calls = 0

    def recv(self, size: int) -> bytes:
        self.calls += 1
        chunk, self.data = self.data[:1], self.data[1:]
        return chunk


def test_frames_split_at_every_byte_are_reassembled():
    data = server_frame(OP_TEXT, b"hello") + server_frame(OP_TEXT, b"x" * 300) + server_frame(OP_PING, b"p")
    trickle = Trickle(data)
    reader, got = FrameReader(trickle), []
    while len(got) < 3:
        got.extend(reader.read())
    assert got == [(OP_TEXT, b"hello"), (OP_TEXT, b"x" * 300), (OP_PING, b"p")]
    assert trickle.calls == len(data)


def test_large_frame_is_read_into_place(pair):
    a, b = pair
    payload = os.urandom(3 * RECV_SIZE + 17)
    feeder = _feed(a, server_frame(OP_BINARY, payload) + server_frame(OP_TEXT, b"after"))
    reader = FrameReader(b)
    got = reader.read()
    while len(got) < 2:
        got.extend(reader.read())
    feeder.join()
    assert got == [(OP_BINARY, payload), (OP_TEXT, b"after")]


def test_fragments_with_a_ping_in_between(pair):
    a, b = pair
    a.sendall(server_frame(OP_TEXT, b"one ", fin=False) + server_frame(OP_PING, b"!")
              + server_frame(OP_CONT, b"two ", fin=False) + server_frame(OP_CONT, b"three"))
    reader, got = FrameReader(b), []
    while len(got) < 2:
        got.extend(reader.read())
    assert got == [(OP_PING, b"!"), (OP_TEXT, b"one two three")]


def test_a_masked_server_frame_is_unmasked(pair):
    a, b = pair
    a.sendall(server_frame(OP_TEXT, b'{"type":2}', key=b"\x01\x02\x03\x04"))
    assert FrameReader(b).read() == [(OP_TEXT, b'{"type":2}')]


@pytest.mark.parametrize(("data", "words"), [
    (server_frame(OP_TEXT, b"x", rsv=0x40), "reserved bits"),
    (server_frame(0x3, b"x"), "reserved opcode"),
    (server_frame(OP_CONT, b"x"), "continuation"),
    (server_frame(OP_PING, b"x", fin=False), "control frame"),
    (server_frame(OP_PONG, b"x" * 126), "control frame"),
    (server_frame(OP_TEXT, b"a", fin=False) + server_frame(OP_TEXT, b"b"), "fragmented one ended"),
])
def test_framing_errors(pair, data, words):
    a, b = pair
    a.sendall(data)
    reader = FrameReader(b)
    with pytest.raises(FrameError, match=words):
        reader.read()
        reader.read()


def test_oversized_messages_are_refused(pair):
    a, b = pair
    a.sendall(server_frame(OP_TEXT, b"x" * 200))
    with pytest.raises(FrameError, match="exceeds the limit of 100"):
        FrameReader(b, max_message=100).read()
    a.sendall(server_frame(OP_TEXT, b"x" * 60, fin=False) + server_frame(OP_CONT, b"y" * 60))
    with pytest.raises(FrameError, match="fragmented message exceeds"):
        FrameReader(b, max_message=100).read()


def test_end_of_stream(pair):
    a, b = pair
    a.sendall(server_frame(OP_CLOSE, (1000).to_bytes(2, "big"))[:3])  # half a frame, then EOF
    a.shutdown(socket.SHUT_WR)
    with pytest.raises(EOFError):
        FrameReader(b).read()


def test_wait_false_returns_nothing_and_keeps_the_partial_frame(pair):
    a, b = pair
    frame = server_frame(OP_TEXT, b"complete later")
    a.sendall(frame[:5])
    reader = FrameReader(b)
    answers = iter([True, False])
    assert reader.read(lambda: next(answers)) == []  # read the first 5 bytes, then "deadline"
    a.sendall(frame[5:])
    assert reader.read(lambda: True) == [(OP_TEXT, b"complete later")]
