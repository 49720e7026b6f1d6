"""client.send_messages holds little memory per message: the payloads are kept encoded and let go as
their requests end, and the answers kept in the results share their equal keys and values.

Measured with tracemalloc (bytes, not time) against a raw-socket server that keeps nothing per
message, as the growth per message between two bulk sends of different sizes (what does not grow
with the count cancels out). Before this design a 20000-message send peaked at ~1150 bytes and kept
~720 bytes per message (every payload's dicts built up front, a tuple per outcome, the answers'
keys and chat id as new strings every time); now it is ~460 and ~425.
"""

from __future__ import annotations

import gc
import json
import math
import tracemalloc
from typing import Any

from .scripted_server import OP_TEXT, Peer, text

CHAT = "c0ffee0000000000000000000000000000000001"  # 40 characters, like a real chat id


def _answer_every_send(peer: Peer, payload_of: Any = None) -> None:
    """Answer each sendMessage with the real server's answer shape; keep nothing (the client ends it)."""
    number = 0
    try:
        while True:
            opcode, data = peer.read_frame(30)
            peer.received.clear()  # (the record would grow with the count: this server keeps nothing)
            if opcode != OP_TEXT:
                continue
            request = json.loads(data)
            if request.get("type") != 1:
                continue
            number += 1
            payload = (payload_of(number) if payload_of else
                       {"chatId": request["payload"]["chatId"], "messageId": f"m-{number}",
                        "timestamp": 1_700_000_000_000})
            peer.send(text({"type": 2, "id": request["id"], "payload": payload}))
    except (EOFError, TimeoutError, OSError):
        return


def _traced(client: Any, count: int) -> tuple[int, int]:
    """(peak, kept) bytes traced while ``count`` messages are sent in bulk, above what was there before."""
    items = [(CHAT, f"bulk {i}") for i in range(count)]
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        results = client.send_messages(items, max_in_flight=64)
        gc.collect()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(results) == count and all(r.ok for r in results)
    return peak - before, kept - before


def test_bulk_send_memory_per_message_is_bounded(scripted) -> None:
    _, client = scripted(_answer_every_send, client={"timeout": 30})
    client.send_messages([(CHAT, "warm up")] * 100)  # the first use loads the parsers and the models
    small, large = 500, 2500
    peak_small, kept_small = _traced(client, small)
    peak_large, kept_large = _traced(client, large)
    peak = (peak_large - peak_small) / (large - small)
    kept = (kept_large - kept_small) / (large - small)
    # A kept result is a SendResult, its index, a SentMessage, its raw dict and the message id
    # (~420 bytes); the peak adds the encoded payloads still waiting (let go as requests end).
    assert kept < 520, f"{kept:.0f} bytes kept per message"
    assert peak < 600, f"{peak:.0f} bytes at the peak per message"


def test_answers_share_equal_keys_and_values_but_keep_what_the_server_sent(scripted) -> None:
    def answer(number: int) -> dict[str, Any]:
        # equal values of different types must stay apart (True == 1, 0.0 == -0.0 in Python)
        return {"chatId": CHAT, "messageId": f"m-{number}", "timestamp": 1_700_000_000_000 + number // 2,
                "flag": [True, 1][number % 2], "zero": [0.0, -0.0][number % 2],
                "nested": {"chatId": CHAT}}

    _, client = scripted(lambda peer: _answer_every_send(peer, answer))
    results = client.send_messages([(CHAT, f"s {i}") for i in range(6)])
    assert [r.message.raw for r in results] == [answer(n) for n in range(1, 7)]  # equal, in order
    for result, number in zip(results, range(1, 7)):
        raw = result.message.raw
        assert list(raw) == ["chatId", "messageId", "timestamp", "flag", "zero", "nested"]
        assert type(raw["flag"]) is (int if number % 2 else bool)
        assert math.copysign(1, raw["zero"]) == (-1 if number % 2 else 1)
    first, second, third = (r.message for r in results[:3])
    assert second.chat_id is first.chat_id and second.raw["chatId"] is first.raw["chatId"]
    assert all(a is b for a, b in zip(first.raw, second.raw))  # the key strings
    assert third.timestamp is second.timestamp  # answers 2 and 3: the same millisecond
    assert [r.message.message_id for r in results] == [f"m-{n}" for n in range(1, 7)]
