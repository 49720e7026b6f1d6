"""Nothing that reached the socket is lost: every complete frame read before a failure (RST, EOF,
a send that failed on another thread, a protocol error later in the stream) is processed before
the connection is declared lost."""

from __future__ import annotations

import fcntl
import json
import termios
import threading
import time

from trueconf_sync import ConnectionLostError, TrueConfError

from .scripted_server import Peer, event, frame, text


def _flushed(peer: Peer, timeout: float = 5.0) -> None:
    """Wait until the kernel has handed every byte written so far to the client (nothing unsent)."""
    deadline = time.monotonic() + timeout
    while fcntl.ioctl(peer.sock, termios.TIOCOUTQ, b"\0\0\0\0") != b"\0\0\0\0":
        assert time.monotonic() < deadline, "the client does not read"
        time.sleep(0.001)


def _busy_callers(client, stop: threading.Event, count: int = 2) -> list[threading.Thread]:
    def loop() -> None:
        while not stop.is_set():
            try:
                client.call("x", {}, timeout=0.05)
            except TrueConfError:
                pass

    threads = [threading.Thread(target=loop) for _ in range(count)]
    for thread in threads:
        thread.start()
    return threads


def _wait(predicate, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_events_written_before_a_reset_are_all_handled_while_callers_keep_calling(scripted):
    count = 3000

    def script(peer: Peer) -> None:
        peer.next_request("x")  # the callers are busy
        peer.send(b"".join(text(event(i + 1, f"e{i}")) for i in range(count)))
        _flushed(peer)
        peer.reset()

    handled: list[str] = []
    _server, client = scripted(script, connect=False)
    client.on_message(lambda m: handled.append(m.text))
    client.connect()
    stop = threading.Event()
    callers = _busy_callers(client, stop)
    try:
        assert _wait(lambda: client.state != "connected")
        assert _wait(lambda: len(handled) >= count, 10), f"{count - len(handled)} of {count} events lost"
    finally:
        stop.set()
        for thread in callers:
            thread.join()
    assert handled == [f"e{i}" for i in range(count)]


def test_answers_and_events_before_a_protocol_error_are_delivered(scripted):
    def script(peer: Peer) -> None:
        request = peer.next_request("x")
        # one write: the answer, two events, then a frame with reserved bits (a protocol error)
        peer.send(text({"type": 2, "id": request["id"], "payload": {"v": 1}})
                  + text(event(1, "first")) + text(event(2, "second")) + frame(0x1, b"{}", rsv=0x40))
        peer.wait_close()

    handled: list[str] = []
    server, client = scripted(script, connect=False)
    client.on_message(lambda m: handled.append(m.text))
    client.connect()
    assert client.call("x", {}) == {"v": 1}
    assert _wait(lambda: len(handled) == 2)
    assert handled == ["first", "second"]
    assert _wait(lambda: client.state != "connected")
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1002]


def test_a_send_failing_on_a_caller_thread_does_not_stop_the_reader_draining(scripted):
    # Events wait in the client's receive buffer (the event queue is full and nobody calls, so the
    # connection does not read them yet); the server then resets the stream, so a caller's next
    # send fails while those events are still unread.
    count = 150
    gate = threading.Event()

    def script(peer: Peer) -> None:
        peer.next_request("x")
        peer.answer({"id": 2})
        frames = [text(event(i + 1, f"e{i}", chat=f"c{i}")) for i in range(count)]
        peer.send(b"".join(frames[:20]))  # the client reads these and fills its event queue
        time.sleep(0.3)
        peer.send(b"".join(frames[20:]))  # these stay in the client's receive buffer
        _flushed(peer)
        peer.reset()
        gate.set()

    handled: list[str] = []
    server, client = scripted(script, connect=False, client={"max_queued_events": 10})
    client.on_message(lambda m: (gate.wait(10), time.sleep(0.005), handled.append(m.text)))
    client.connect()
    client.call("x", {})
    assert gate.wait(10)
    time.sleep(0.05)  # the RST has arrived
    try:
        client.call("y", {}, timeout=1)  # sent into the reset stream
    except (ConnectionLostError, TrueConfError):
        pass
    assert _wait(lambda: len(handled) >= count, 20), f"{count - len(handled)} of {count} events lost"
    assert handled == [f"e{i}" for i in range(count)]
    assert json.loads(server.peer.received[0][1])["method"] == "auth"
