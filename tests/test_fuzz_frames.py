"""Property: whatever frames the server sends (valid, malformed, mixed), the reader neither crashes
nor hangs, the connection stays up and the client keeps answering. Text that is not UTF-8 breaks
RFC 6455 and fails the connection (1007); the client reconnects and hands none of it on."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from trueconf_sync import Client
from trueconf_sync.testing import FakeTrueConfServer
from trueconf_sync.testing.faults import BINARY, TEXT

EXAMPLES = [e["frame"] for e in json.loads(
    (Path(__file__).parent / "data" / "protocol_examples.json").read_text())["events"]]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=15,
)


def _mutated(value):
    """The value, or with any field (at any depth) replaced by a random JSON value."""
    if isinstance(value, dict):
        return st.fixed_dictionaries({k: st.one_of(_mutated(v), json_values) for k, v in value.items()})
    if isinstance(value, list):
        return st.tuples(*[_mutated(v) for v in value]).map(list)
    return st.one_of(st.just(value), json_values)


#: What the module's client handed to its handlers.
HANDLED: list[object] = []

valid_events = st.sampled_from(EXAMPLES)
mutated_events = st.sampled_from(EXAMPLES).flatmap(lambda frame: st.fixed_dictionaries({
    "type": st.just(1), "id": st.integers(0, 2**63) | json_values, "method": st.just(frame["method"]) | json_values,
    "payload": _mutated(frame["payload"]),
}))
responses = st.fixed_dictionaries({"type": st.just(2), "id": st.integers(0, 2**63) | json_values,
                                   "payload": json_values})
odd_frames = st.dictionaries(st.sampled_from(["type", "id", "method", "payload"]), json_values)
as_text = st.one_of(valid_events, mutated_events, responses, odd_frames, json_values).map(
    lambda frame: json.dumps(frame).encode())
malformed = st.one_of(
    st.binary(max_size=64),
    as_text.flatmap(lambda data: st.integers(0, max(0, len(data) - 1)).map(lambda n: data[:n])),  # cut short
    st.binary(min_size=1, max_size=16).map(
        lambda b: b'{"type": 1, "method": "sendMessage", "x": "' + b"\xff" + b + b'"}'),
    st.integers(1, 50_000).map(lambda n: b"[" * n + b"]" * n),  # deeply nested
).map(lambda data: data.decode("utf-8", "replace").encode())  # text frames carry UTF-8 (RFC 6455 §8.1)
frames = st.one_of(as_text.map(lambda d: (d, TEXT)), malformed.map(lambda d: (d, TEXT)),
                   st.binary(max_size=32).map(lambda d: (d, BINARY)))


@pytest.fixture(scope="module")
def fuzz_setup():
    crashes = []
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: crashes.append(args)
    server = FakeTrueConfServer().start()
    server.add_user("echo_bot")
    client = Client(server.host, token=server.issue_token("echo_bot"), port=server.port, https=False,
                    timeout=5, ack="after_handling")
    handled = HANDLED
    client.on_message(lambda m: handled.append((m.text, m.author.id, m.chat_id)))
    client.on("event", lambda e: handled.append(repr(e)[:50]))
    client.connect()
    yield server, client, crashes
    client.close()
    server.stop()
    threading.excepthook = previous_hook


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@pytest.mark.slow
@given(batch=st.lists(frames, min_size=1, max_size=6))
def test_random_frames_never_crash_or_hang_the_reader(fuzz_setup, batch):
    server, client, crashes = fuzz_setup
    reconnects = client.reconnects
    for data, opcode in batch:
        assert server.push_frame(data, opcode=opcode) == 1
    # frames arrive in order: once this answer is back, the reader has been through the batch
    assert client.get_chats(timeout=5) == []
    assert client.state == "connected" and client.reconnects == reconnects  # the connection stayed up
    assert not crashes, crashes


def test_oversized_and_pathological_frames(fuzz_setup, caplog):
    server, client, crashes = fuzz_setup
    big_text = json.dumps({**EXAMPLES[0], "payload": {**EXAMPLES[0]["payload"],
                                                      "content": {"text": "x" * 16_000_000}}}).encode()
    long_method = b'{"type": 1, "id": 1, "method": "' + b"m" * 100_000 + b'"}'
    for data in (big_text, b"[" * 1_000_000, long_method):
        server.push_frame(data)
    reconnects = client.reconnects
    assert client.get_chats(timeout=20) == []
    assert client.state == "connected" and client.reconnects == reconnects
    assert not crashes


def test_frame_header_announcing_an_absurd_length_ends_only_that_connection(fuzz_setup):
    server, client, crashes = fuzz_setup
    before = client.reconnects
    server.write_raw(b"\x81\x7f" + (2**62).to_bytes(8, "big"))  # a text frame of 4 EiB, says the header
    deadline = time.monotonic() + 5
    while client.reconnects == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.reconnects == before + 1  # the connection was given up, not the process
    assert client.get_chats(timeout=5) == []
    assert not crashes


@pytest.mark.parametrize("bad", [b"\xff" * 1000, b'{"type": 1, "id": 9, "method": "sendMessage", "x": "\xed\xa0\x80"}'])
def test_text_that_is_not_utf8_fails_the_connection_and_is_not_handed_on(fuzz_setup, bad):
    server, client, crashes = fuzz_setup
    before = client.reconnects
    handled = len(HANDLED)
    server.push_frame(bad)
    deadline = time.monotonic() + 5
    while client.reconnects == before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.reconnects == before + 1
    assert client.get_chats(timeout=5) == []
    assert len(HANDLED) == handled
    assert not crashes
