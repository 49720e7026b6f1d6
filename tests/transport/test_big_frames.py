"""A large frame in progress never blocks anything else's deadline; frames cut from the buffer
before it are delivered at once; big frames and every length boundary arrive intact."""

from __future__ import annotations

import json
import threading
import time

import pytest

from .scripted_server import OP_PING, OP_PONG, Peer, event, frame, text


def test_an_answer_ahead_of_a_slow_big_frame_is_delivered_at_once(scripted):
    big = text(event(1, "x" * 2_000_000))
    handled: list[str] = []
    got = threading.Event()

    def script(peer: Peer) -> None:
        request = peer.next_request("x")
        answer = text({"type": 2, "id": request["id"], "payload": {"v": 42}})
        peer.send(answer + big[:50_000])  # one segment: the answer, then the start of the big event
        peer.send_slowly(big[50_000:], 100_000, 0.2)  # the rest trickles in over ~4 s

    _server, client = scripted(script, connect=False)
    client.on_message(lambda m: (handled.append(m.text), got.set()))
    client.connect()
    assert client.call("x", {}, timeout=2) == {"v": 42}
    assert not handled  # the big event is still coming
    assert got.wait(15)
    assert handled == ["x" * 2_000_000]


@pytest.mark.parametrize("size", [125, 126, 127, 65535, 65536, 65537])
def test_text_frames_at_length_boundaries(scripted, size):
    sent: list[str] = []

    def script(peer: Peer) -> None:
        request = peer.next_request("x")
        empty = json.dumps({"type": 2, "id": request["id"], "payload": {"v": ""}}).encode()
        sent.append("a" * (size - len(empty)))
        padded = json.dumps({"type": 2, "id": request["id"], "payload": {"v": sent[0]}}).encode()
        assert len(padded) == size
        peer.send(frame(0x1, padded))

    _server, client = scripted(script)
    assert client.call("x", {})["v"] == sent[0]


def test_a_20_mb_frame_and_one_byte_writes(scripted):
    handled: list[str] = []
    small = text(event(2, "tiny")) + frame(OP_PING, b"p") + text(event(3, "sentinel"))

    def script(peer: Peer) -> None:
        peer.send(text(event(1, "z" * 20_000_000)))
        for byte in small:
            peer.send(bytes((byte,)))
        peer.wait_close(10)

    server, client = scripted(script, connect=False)
    client.on_message(lambda m: handled.append(m.text))
    client.connect()
    deadline = time.monotonic() + 15
    while len(handled) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [len(t) for t in handled] == [20_000_000, 4, 8]
    assert handled[1:] == ["tiny", "sentinel"]
    client.close()
    assert (OP_PONG, b"p") in server.peer.received
