"""trueconf_sync.jsoncodec: the wire JSON, with and without orjson, gives the standard library's results."""

from __future__ import annotations

import importlib
import json
import math
import sys

import pytest

from trueconf_sync.transport import jsoncodec


@pytest.fixture(params=["installed", "stdlib"])
def codec(request, monkeypatch):
    """The codec as installed (orjson when present), and one forced onto the standard library."""
    if request.param == "installed":
        yield jsoncodec
        return
    monkeypatch.setitem(sys.modules, "orjson", None)  # import orjson -> ImportError
    module = importlib.reload(jsoncodec)
    assert module.BACKEND == "json"
    yield module
    monkeypatch.delitem(sys.modules, "orjson")
    importlib.reload(jsoncodec)


DOCUMENTS = [
    {"type": 1, "id": 7, "method": "sendMessage", "payload": {"chatId": "c", "text": "Привет, 👋 \"quoted\""}},
    {"big": 2**70, "neg": -(2**65), "float": 1.5, "none": None, "list": [1, "a", True]},
    [],
    "just a string",
]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_round_trip_matches_the_standard_library(codec, document):
    encoded = codec.dumps(document)
    assert isinstance(encoded, bytes)
    assert json.loads(encoded) == document
    assert encoded == json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    assert codec.loads(encoded) == document
    assert codec.loads(encoded.decode()) == document


def test_keys_and_containers_the_standard_library_converts(codec):
    assert json.loads(codec.dumps({1: "a", "t": (1, 2)})) == {"1": "a", "t": [1, 2]}


def test_values_only_the_standard_library_reads(codec):
    assert math.isnan(codec.loads(b"NaN"))
    assert codec.loads(b"[1e400]") == [math.inf]
    big = codec.loads(b'{"id": 123456789012345678901234567890}')["id"]
    if codec.BACKEND == "json":
        assert big == 123456789012345678901234567890
    else:  # the one documented difference: orjson reads integers beyond 64 bits as floats
        assert big == pytest.approx(1.2345678901234568e29)
    assert codec.loads(b"9223372036854775807") == 2**63 - 1


@pytest.mark.parametrize("text", [b"", b"{", b"[1,]", b'{"a": 1} x', b"\xff\xfe", b"nul"])
def test_not_json_raises_value_error(codec, text):
    with pytest.raises(ValueError):
        codec.loads(text)


def test_unserializable_raises_type_error(codec):
    with pytest.raises(TypeError):
        codec.dumps({"x": object()})


@pytest.mark.parametrize("text", [b' {"a": 1} ', b'\xef\xbb\xbf{"a": 1}', '{"a": 1}'.encode("utf-16"), '{"a": 1}\n'])
def test_what_json_loads_accepts_around_the_document(codec, text):
    assert codec.loads(text) == json.loads(text) == {"a": 1}


def test_a_lone_surrogate_reads_as_json_loads_reads_it(codec):
    text = '{"a": "\ud800"}'.encode("utf-8", "surrogatepass")  # not valid UTF-8: json.loads lets it pass
    assert codec.loads(text) == json.loads(text) == {"a": "\ud800"}


def test_a_structure_containing_itself_raises_like_the_standard_library(codec):
    loop: list[object] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        codec.dumps(loop)
