"""Answers kept by the thousand keep ``raw`` as a note (trueconf_sync.api.models.base.compact_raw).

A bulk send keeps one SentMessage per message. Where the answer's JSON object is exactly the
model's fields under their wire keys, the reader keeps a shared note instead of the dict, and
``raw`` makes an equal dict (the same keys with the very same values) when first read. Here:
the note is taken exactly then and never else, what ``raw`` gives is the answer received, pickling
and copying keep it, and the memory a kept answer holds drops.
"""

from __future__ import annotations

import copy
import gc
import pickle
import threading
import tracemalloc
from typing import Any

import attrs
import pytest
from hypothesis import given, strategies as st

from trueconf_sync import Message
from trueconf_sync.api import converter as conv
from trueconf_sync.api.models.base import _RAW_SLOT, Author, Model, RawNote, compact_raw, raw_is_compact
from trueconf_sync.api.models.results import EditedMessage, SentFile, SentMessage


def _noted(obj: Model) -> bool:
    """True when the object's raw slot holds a note (nothing has read ``raw`` yet)."""
    return type(_RAW_SLOT.__get__(obj)) is RawNote


def _answer(order: list[str] | None = None, **values: Any) -> dict[str, Any]:
    wire = {"chatId": "c" * 40, "messageId": "m-1", "timestamp": 1_700_000_000_123, **values}
    return {key: wire[key] for key in (order or list(wire))}


def test_the_answers_of_sends_and_edits_are_marked() -> None:
    assert raw_is_compact(SentMessage) and raw_is_compact(SentFile) and raw_is_compact(EditedMessage)
    assert not raw_is_compact(Model)
    assert not raw_is_compact(Message) and not raw_is_compact(Author)


def test_an_answer_of_exactly_the_fields_is_kept_as_a_note_and_read_back_equal() -> None:
    wire = _answer()
    sent = conv.structure(wire, SentMessage)
    assert _noted(sent)
    raw = sent.raw
    assert raw == wire and list(raw) == list(wire) and raw is not wire
    assert all(raw[key] is wire[key] for key in wire)
    assert not _noted(sent) and sent.raw is raw  # made once, then kept


@given(order=st.permutations(["chatId", "messageId", "timestamp"]))
def test_any_key_order_is_noted_and_read_back_in_field_order(order: list[str]) -> None:
    # A JSON object has no order: the dict made again lists its keys in field order.
    wire = _answer(order)
    sent = conv.structure(wire, SentMessage)
    assert _noted(sent)
    assert sent.raw == wire and list(sent.raw) == ["chatId", "messageId", "timestamp"]


@pytest.mark.parametrize("wire", [
    _answer(extra="kept"),  # a key the model does not read
    {"chatId": "c", "messageId": "m"},  # a key missing: the field took its default
    _answer(timestamp=1_700_000_000),  # seconds: the field took the value scaled to ms
    _answer(timestamp="1700000000123"),  # a string: the field took the int
    _answer(chatId=None),  # None where a str is expected: the field took ""
    _answer(messageId=5),  # an int where a str is expected: the field took "5"
], ids=["extra", "missing", "seconds", "text-number", "null", "int-id"])
def test_an_answer_the_fields_do_not_hold_exactly_is_kept_itself(wire: dict[str, Any]) -> None:
    sent = conv.structure(wire, SentMessage)
    assert not _noted(sent) and sent.raw is wire


def test_a_subclass_notes_its_own_fields() -> None:
    wire = _answer(fileId="f1", captionMessageId=None)
    sent = conv.structure(wire, SentFile)
    assert _noted(sent) and sent.raw == wire and sent.file_id == "f1"
    assert not _noted(conv.structure(_answer(), SentFile))  # fewer keys than SentFile's fields


def test_pickle_copy_evolve_and_equality_see_the_answer() -> None:
    wire = _answer()
    for make in (lambda s: pickle.loads(pickle.dumps(s)), copy.copy, copy.deepcopy,
                 lambda s: attrs.evolve(s, message_id=s.message_id)):
        sent = conv.structure(dict(wire), SentMessage)
        other = make(sent)
        assert other == sent and type(other) is SentMessage and other.raw == wire
    assert hash(conv.structure(_answer(), SentMessage)) == hash(conv.structure(_answer(), SentMessage))
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        conv.structure(_answer(), SentMessage).raw = {}


def test_a_model_built_by_hand_keeps_the_raw_it_was_given() -> None:
    given_raw = {"anything": 1}
    assert SentMessage(chat_id="c", raw=given_raw).raw is given_raw
    assert SentMessage().raw == {}


def test_threads_reading_one_note_all_get_the_answer() -> None:
    wire = _answer()
    sent = conv.structure(wire, SentMessage)
    seen: list[dict[str, Any]] = []
    start = threading.Barrier(4)

    def read() -> None:
        start.wait()
        seen.append(sent.raw)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4 and all(raw == wire and list(raw) == list(wire) for raw in seen)


def test_a_marked_class_outside_the_library_is_noted_too() -> None:
    @compact_raw
    @attrs.frozen
    class Receipt(Model):
        receipt_id: str = ""
        count: int = 0

    got = conv.structure({"receiptId": "r", "count": 3}, Receipt)
    assert _noted(got) and got.raw == {"receiptId": "r", "count": 3}
    assert not _noted(conv.structure({"receiptId": "r", "count": True}, Receipt))  # the field took 1


def test_a_kept_answer_holds_far_less_than_its_dict() -> None:
    count = 2000
    ids = [f"m-{i}" for i in range(count)]
    stamps = [1_700_000_000_000 + i for i in range(count)]
    chat = "c" * 40

    def kept_bytes(cls: type[Model]) -> float:
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            wires = [{"chatId": chat, "messageId": ids[i], "timestamp": stamps[i]} for i in range(count)]
            kept = [conv.structure(wire, cls) for wire in wires]
            del wires
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - before
        finally:
            tracemalloc.stop()
        assert len(kept) == count
        return held / count

    @attrs.frozen
    class PlainSent(Model):  # the same fields, not marked: keeps each dict
        chat_id: str = ""
        message_id: str = ""
        timestamp: int = 0

    noted, plain = kept_bytes(SentMessage), kept_bytes(PlainSent)
    assert noted < 100 and plain - noted > 150, (noted, plain)  # (~80 and ~270 bytes)
