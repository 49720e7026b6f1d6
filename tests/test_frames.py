"""trueconf_sync.transport.frames: masked client frames out, the incremental frame reader in (over a socketpair)."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from transport.scripted_server import frame as server_frame  # tests/transport: one frame builder

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
    describe_close,
    mask,
    parse_close,
)


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


@pytest.mark.parametrize("opcode", [OP_TEXT, OP_BINARY])
def test_frames_of_a_batch_are_each_masked_with_a_key_of_their_own(opcode):
    sizes = [0, 1, 3, 4, 5, 20, 125, 126, 127, 65535, 65536, 7, 300_001, 2]
    payloads = [os.urandom(size) for size in sizes] + [b'{"type":2,"id":%d}' % n for n in range(300)]
    data = Masker().frames(payloads, opcode)
    keys, pos = [], 0
    for payload in payloads:
        assert data[pos] == 0x80 | opcode and data[pos + 1] & 0x80  # FIN, masked
        size, at = data[pos + 1] & 0x7F, pos + 2
        if size == 126:
            size, at = int.from_bytes(data[at:at + 2], "big"), at + 2
        elif size == 127:
            size, at = int.from_bytes(data[at:at + 8], "big"), at + 8
        key = data[at:at + 4]
        body = data[at + 4:at + 4 + size]
        # Unmasked here byte by byte (RFC 6455 §5.3), not with the library's mask().
        assert size == len(payload) and bytes(b ^ key[i % 4] for i, b in enumerate(body)) == payload
        keys.append(key)
        pos = at + 4 + size
    assert pos == len(data)
    assert len(set(keys)) > len(keys) - 3  # fresh random keys (a repeat is a 1 in 2**32 chance each)
    assert Masker().frames([]) == b""


def parse_key(frame: bytes) -> bytes:
    return frame[2:6]


def read_until(reader: FrameReader, count: int) -> list[tuple[int, object]]:
    """Read until ``count`` frames came (each read is one recv and may complete none)."""
    got: list[tuple[int, object]] = []
    while len(got) < count:
        got.extend(reader.read())
    return got


def test_a_burst_of_frames_comes_out_of_one_read(pair):
    a, b = pair
    a.sendall(b"".join(server_frame(OP_TEXT, f'{{"n":{i}}}'.encode()) for i in range(50)))
    frames = FrameReader(b).read()
    assert frames == [(OP_TEXT, f'{{"n":{i}}}') for i in range(50)]


class Trickle:
    """A socket stand-in that hands out its bytes one at a time (the worst a TCP stream can do)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.calls = 0

    def recv(self, size: int) -> bytes:
        self.calls += 1
        chunk, self.data = self.data[:1], self.data[1:]
        return chunk

    def recv_into(self, view: memoryview) -> int:
        chunk = self.recv(1)
        view[:len(chunk)] = chunk
        return len(chunk)


def test_frames_split_at_every_byte_are_reassembled():
    big = b"x" * (RECV_SIZE + 10)
    data = (server_frame(OP_TEXT, "hellö".encode()) + server_frame(OP_TEXT, b"x" * 300) + server_frame(OP_PING, b"p")
            + server_frame(OP_BINARY, big))
    trickle = Trickle(data)
    got = read_until(FrameReader(trickle), 4)
    assert got == [(OP_TEXT, "hellö"), (OP_TEXT, "x" * 300), (OP_PING, b"p"), (OP_BINARY, big)]
    assert trickle.calls == len(data)


def test_large_frame_is_read_into_place(pair):
    a, b = pair
    payload = os.urandom(3 * RECV_SIZE + 17)
    feeder = _feed(a, server_frame(OP_BINARY, payload) + server_frame(OP_TEXT, b"after"))
    got = read_until(FrameReader(b), 2)
    feeder.join()
    assert got == [(OP_BINARY, payload), (OP_TEXT, "after")]


def test_frames_ahead_of_a_large_frame_come_out_before_it_is_complete(pair):
    a, b = pair
    big = server_frame(OP_TEXT, b"y" * (2 * RECV_SIZE))
    a.sendall(server_frame(OP_TEXT, b"first") + server_frame(OP_PING, b"!") + big[:1000])
    reader = FrameReader(b)
    assert reader.read() == [(OP_TEXT, "first"), (OP_PING, b"!")]  # not waiting for the big one
    feeder = _feed(a, big[1000:])
    assert read_until(reader, 1) == [(OP_TEXT, "y" * (2 * RECV_SIZE))]
    feeder.join()


def test_fragments_with_a_ping_in_between(pair):
    a, b = pair
    a.sendall(server_frame(OP_TEXT, b"one ", fin=False) + server_frame(OP_PING, b"!")
              + server_frame(OP_CONT, b"two ", fin=False) + server_frame(OP_CONT, b"three"))
    assert read_until(FrameReader(b), 2) == [(OP_PING, b"!"), (OP_TEXT, "one two three")]


def test_utf8_split_inside_a_character_across_fragments(pair):
    a, b = pair
    euro = "€".encode()
    a.sendall(server_frame(OP_TEXT, euro[:1], fin=False) + server_frame(OP_CONT, euro[1:2], fin=False)
              + server_frame(OP_CONT, euro[2:]))
    assert read_until(FrameReader(b), 1) == [(OP_TEXT, "€")]


@pytest.mark.parametrize("data", [
    server_frame(OP_TEXT, b"\xed\xa0\x80"),  # a surrogate
    server_frame(OP_TEXT, b"\xc0\xaf"),  # overlong
    server_frame(OP_TEXT, b"ok \xff"),
    server_frame(OP_TEXT, b"\xe2\x82"),  # cut short
    server_frame(OP_TEXT, b"\xed", fin=False) + server_frame(OP_CONT, b"\xa0\x80"),
    server_frame(OP_TEXT, b"a", fin=False) + server_frame(OP_CONT, b"\xe2\x82"),
])
def test_invalid_utf8_text_is_error_1007(pair, data):
    a, b = pair
    a.sendall(data)
    with pytest.raises(FrameError, match="UTF-8") as info:
        read_until(FrameReader(b), 1)
    assert info.value.code == 1007


def test_a_masked_server_frame_is_refused(pair):
    a, b = pair
    a.sendall(server_frame(OP_TEXT, b'{"type":2}', key=b"\x01\x02\x03\x04"))
    with pytest.raises(FrameError, match="masked") as info:
        FrameReader(b).read()
    assert info.value.code == 1002


@pytest.mark.parametrize(("data", "words"), [
    (server_frame(OP_TEXT, b"x", rsv=0x40), "reserved bits"),
    (server_frame(0x3, b"x"), "reserved opcode"),
    (server_frame(0xB, b"x"), "reserved opcode"),
    (server_frame(OP_CONT, b"x"), "continuation"),
    (server_frame(OP_PING, b"x", fin=False), "control frame"),
    (server_frame(OP_PONG, b"x" * 126), "control frame"),
    (server_frame(OP_TEXT, b"a", fin=False) + server_frame(OP_TEXT, b"b"), "fragmented one ended"),
])
def test_framing_errors(pair, data, words):
    a, b = pair
    a.sendall(data)
    reader = FrameReader(b)
    with pytest.raises(FrameError, match=words) as info:
        reader.read()
        reader.read()
    assert info.value.code == 1002


def test_errors_are_decided_from_the_header(pair):
    a, b = pair
    a.sendall(server_frame(OP_PING, b"x" * 200)[:4])  # only the header of an oversized ping
    with pytest.raises(FrameError, match="control frame"):
        FrameReader(b).read()


def test_frames_before_an_error_come_out_first(pair):
    a, b = pair
    a.sendall(server_frame(OP_TEXT, b"good") + server_frame(OP_TEXT, b"x", rsv=0x20))
    reader = FrameReader(b)
    assert reader.read() == [(OP_TEXT, "good")]
    with pytest.raises(FrameError, match="reserved bits"):
        reader.read()


def test_oversized_messages_are_refused_from_the_header(pair):
    a, b = pair
    a.sendall(server_frame(OP_TEXT, b"x" * 200)[:4])
    with pytest.raises(FrameError, match="more than 100 bytes") as info:
        FrameReader(b, max_message=100).read()
    assert info.value.code == 1009
    a.sendall(server_frame(OP_TEXT, b"x" * 60, fin=False) + server_frame(OP_CONT, b"y" * 60))
    with pytest.raises(FrameError, match="more than 100 bytes"):
        read_until(FrameReader(b, max_message=100), 1)


def test_end_of_stream(pair):
    a, b = pair
    a.sendall(server_frame(OP_CLOSE, (1000).to_bytes(2, "big"))[:3])  # half a frame, then EOF
    a.shutdown(socket.SHUT_WR)
    with pytest.raises(EOFError, match="middle of a frame"):
        read_until(FrameReader(b), 1)


def test_a_partial_frame_stays_buffered_between_reads(pair):
    a, b = pair
    frame = server_frame(OP_TEXT, b"complete later")
    a.sendall(frame[:5])
    reader = FrameReader(b)
    assert reader.read() == []
    a.sendall(frame[5:])
    assert reader.read() == [(OP_TEXT, "complete later")]


@pytest.mark.parametrize(("payload", "expected"), [
    (b"", (None, "")),
    ((1000).to_bytes(2, "big"), (1000, "")),
    ((1001).to_bytes(2, "big") + "bye ü".encode(), (1001, "bye ü")),
    ((4999).to_bytes(2, "big"), (4999, "")),
    ((1014).to_bytes(2, "big"), (1014, "")),
])
def test_parse_close(payload, expected):
    assert parse_close(payload) == expected


@pytest.mark.parametrize("payload", [b"\x03", (1005).to_bytes(2, "big"), (1006).to_bytes(2, "big"),
                                     (1004).to_bytes(2, "big"), (1015).to_bytes(2, "big"), (999).to_bytes(2, "big"),
                                     (2000).to_bytes(2, "big"), (5000).to_bytes(2, "big"),
                                     (1000).to_bytes(2, "big") + b"\xff"])
def test_invalid_close_payloads(payload):
    with pytest.raises(FrameError) as info:
        parse_close(payload)
    assert info.value.code == 1002


def test_describe_close():
    assert describe_close(1001, "maintenance") == "1001 going away: 'maintenance'"
    assert describe_close(4000) == "4000 application code"
