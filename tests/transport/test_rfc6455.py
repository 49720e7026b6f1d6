"""RFC 6455 rules at the client's edge, against a scripted raw-socket server: the close handshake,
close codes, strict UTF-8 text, protocol errors decided from the frame header, the subprotocol."""

from __future__ import annotations

import threading
import time

import pytest

from trueconf_sync import Client, ConnectionLostError

from .scripted_server import (
    OP_BINARY,
    OP_CLOSE,
    OP_CONT,
    OP_PING,
    OP_PONG,
    OP_TEXT,
    Peer,
    close_frame,
    event,
    frame,
    text,
)


def _wait(predicate, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def _call_error(client: Client) -> ConnectionLostError:
    """The error of a call that is pending while the server does what the script says."""
    with pytest.raises(ConnectionLostError) as info:
        client.call("x", {}, timeout=5)
    return info.value


def _after_request(*chunks: bytes, then_wait: bool = True):
    """A script: wait for the client's request ``x``, write ``chunks``, then read until its Close."""
    def script(peer: Peer) -> None:
        peer.next_request("x")
        for chunk in chunks:
            peer.send(chunk)
        if then_wait:
            peer.wait_close()
    return script


# ---- the close handshake ---------------------------------------------------------------------------


def test_a_server_close_is_answered_with_the_same_code_and_named_in_the_error(scripted):
    server, client = scripted(_after_request(close_frame(1001, b"maintenance")))
    error = _call_error(client)
    assert "1001" in str(error) and "going away" in str(error) and "maintenance" in str(error)
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1001]


def test_a_server_close_without_a_code_is_answered_with_1000(scripted):
    server, client = scripted(_after_request(close_frame()))
    assert "closed" in str(_call_error(client))
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1000]


@pytest.mark.parametrize("code", [1000, 1003, 1007, 1008, 1011, 1012, 1013, 1014, 3000, 4999])
def test_valid_close_codes_are_echoed(scripted, code):
    server, client = scripted(_after_request(close_frame(code, b"bye")))
    assert str(code) in str(_call_error(client))
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [code]


@pytest.mark.parametrize("code", [0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535])
def test_invalid_close_codes_fail_with_1002(scripted, code):
    server, client = scripted(_after_request(close_frame(code)))
    assert "1002" in str(_call_error(client))
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1002]


@pytest.mark.parametrize("payload", [b"\x03", b"\x03\xe8\xff\xfe", b"\x03\xe8\xed\xa0\x80"])
def test_bad_close_payloads_fail_with_1002(scripted, payload):
    server, client = scripted(_after_request(frame(OP_CLOSE, payload)))
    _call_error(client)
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1002]


def test_close_sends_1000_and_waits_for_the_servers_close(scripted):
    answered = threading.Event()

    def script(peer: Peer) -> None:
        code = peer.wait_close()
        assert code == 1000
        time.sleep(0.2)
        answered.set()
        peer.send(close_frame(1000))

    server, client = scripted(script)
    started = time.monotonic()
    client.close()
    assert answered.is_set()  # close() waited for the server's Close before shutting TCP
    assert time.monotonic() - started < 3
    assert server.peer.close_codes[:1] == [1000]


def test_close_is_bounded_when_the_server_never_answers_the_close(scripted):
    def script(peer: Peer) -> None:
        peer.wait_close()
        time.sleep(3)

    server, client = scripted(script)
    started = time.monotonic()
    client.close()
    assert time.monotonic() - started < 2.5
    assert server.peer.close_codes == [1000]


# ---- UTF-8 -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad", [b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe2\x82"])
def test_invalid_utf8_text_fails_with_1007_and_is_never_handled(scripted, bad):
    body = b'{"type":1,"id":5,"method":"sendMessage","payload":{"chatId":"c","content":{"text":"' + bad + b'"}}}'
    handled: list[object] = []
    server, client = scripted(_after_request(frame(OP_TEXT, body)), connect=False)
    client.on("event", lambda e: handled.append(e))
    client.connect()
    assert "1007" in str(_call_error(client))
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1007]
    assert not handled
    assert 5 not in server.peer.acks()


def test_invalid_utf8_split_across_fragments_fails_with_1007(scripted):
    server, client = scripted(_after_request(
        frame(OP_TEXT, b'{"type":1,"id":5,"method":"m","payload":{"t":"\xed', fin=False),
        frame(OP_CONT, b'\xa0\x80"}}')))
    assert "1007" in str(_call_error(client))
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1007]


def test_valid_utf8_split_inside_a_character_and_pings_between_fragments(scripted):
    euro = "€".encode()  # three bytes, split across fragments

    def script(peer: Peer) -> None:
        request = peer.next_request("x")
        body = f'{{"type":2,"id":{request["id"]},"payload":{{"v":"'.encode() + euro + b'"}}'
        cut = len(body) - 4
        peer.send(frame(OP_TEXT, body[:cut - 1], fin=False) + frame(OP_PING, b"1")
                  + frame(OP_CONT, body[cut - 1:cut], fin=False) + frame(OP_PING, b"2")
                  + frame(OP_CONT, body[cut:]))

    server, client = scripted(script)
    assert client.call("x", {}) == {"v": "€"}
    client.close()
    assert [p for op, p in server.peer.received if op == OP_PONG] == [b"1", b"2"]


# ---- protocol errors (decided from the header) --------------------------------------------------------


@pytest.mark.parametrize("bad", [
    pytest.param(frame(OP_TEXT, b'{"type":2,"id":2}', key=b"abcd"), id="masked"),
    pytest.param(frame(OP_TEXT, b"{}", rsv=0x40), id="rsv1"),
    pytest.param(frame(OP_TEXT, b"{}", rsv=0x10), id="rsv3"),
    pytest.param(frame(0x3, b""), id="opcode-3"),
    pytest.param(frame(0xB, b""), id="opcode-B"),
    pytest.param(frame(OP_PING, b"x" * 126), id="long-ping"),
    pytest.param(frame(OP_PING, b"x", fin=False), id="fragmented-ping"),
    pytest.param(frame(OP_CONT, b"{}"), id="continuation-without-start"),
    pytest.param(frame(OP_TEXT, b"{", fin=False) + frame(OP_TEXT, b"}"), id="new-message-inside-fragments"),
])
def test_protocol_errors_fail_with_1002_and_fail_pending_calls(scripted, bad):
    server, client = scripted(_after_request(bad))
    error = _call_error(client)
    assert "1002" in str(error) or "protocol" in str(error).lower()
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1002]


def test_a_protocol_error_is_decided_from_the_header_before_the_payload(scripted):
    # a masked 1 MB frame of which only the header arrives: refused at once, without waiting for it
    head = frame(OP_TEXT, b"", key=b"abcd", length=1_000_000)
    server, client = scripted(_after_request(head[:14]))
    started = time.monotonic()
    _call_error(client)
    assert time.monotonic() - started < 4
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1002]


def test_a_header_announcing_more_than_the_limit_fails_with_1009(scripted):
    server, client = scripted(_after_request(frame(OP_TEXT, b"", length=2**40)[:10]))
    assert "1009" in str(_call_error(client))
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1009]


def test_binary_frames_are_ignored_and_the_connection_stays(scripted):
    def script(peer: Peer) -> None:
        request = peer.next_request("x")
        peer.send(frame(OP_BINARY, b"\xff\x00") + text({"type": 2, "id": request["id"], "payload": {"ok": 1}}))

    _server, client = scripted(script)
    assert client.call("x", {}) == {"ok": 1}


# ---- handshake -----------------------------------------------------------------------------------------


def test_json_v1_is_offered_and_a_server_selecting_no_subprotocol_is_accepted(scripted):
    def script(peer: Peer) -> None:
        peer.answer(peer.next_request("x"), {"ok": True})

    server, client = scripted(script, subprotocol=None)
    assert client.call("x", {}) == {"ok": True}
    assert any(h.lower().replace(" ", "") == "sec-websocket-protocol:json.v1" for h in server.handshake_headers)


def test_a_server_selecting_another_subprotocol_is_refused_clearly(scripted):
    _server, client = scripted(lambda peer: None, subprotocol="xml.v9", connect=False)
    with pytest.raises(ConnectionLostError, match="subprotocol"):
        client.connect()


def test_events_before_a_server_close_are_handled(scripted):
    handled: list[str] = []

    def script(peer: Peer) -> None:
        peer.send(text(event(1, "a")) + text(event(2, "b")) + close_frame(1001))
        peer.wait_close()

    server, client = scripted(script, connect=False)
    client.on_message(lambda m: handled.append(m.text))
    client.connect()
    assert _wait(lambda: len(handled) == 2)
    assert handled == ["a", "b"]
    assert _wait(lambda: server.peer.eof)
    assert server.peer.close_codes == [1001]
