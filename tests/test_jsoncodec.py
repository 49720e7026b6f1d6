"""trueconf_sync.jsoncodec: the wire JSON, with and without orjson: the standard library's documents,
strict JSON only (errors name the path of the bad value), the same errors on both backends."""

from __future__ import annotations

import ast
import datetime
import importlib
import inspect
import json
import math
import sys

import pytest
from hypothesis import given, settings, strategies as st

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
    {"big": 2**63 - 1, "neg": -(2**63), "float": 1.5, "none": None, "list": [1, "a", True]},
    {"digits": "12345678901234567890123", "n": 1234567890123456789, "m": 2**53 + 1, "t": None},
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
    document = {1: "a", "t": (1, 2), None: 0, False: 1, 2.5: 2}
    assert codec.dumps(document) == json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    assert json.loads(codec.dumps(document)) == {"1": "a", "t": [1, 2], "null": 0, "false": 1, "2.5": 2}


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
    with pytest.raises(TypeError, match=r"^x: Object of type object is not JSON serializable$"):
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
    with pytest.raises(ValueError, match=r"^value\[0\]: Circular reference"):
        codec.dumps(loop)


REFUSED = [
    # (document, exception, the whole message)
    ({"type": 1, "payload": {"items": [0, 1, {"n": 10**400}]}}, ValueError,
     "payload['items'][2]['n']: integer of 1329 bits is outside the signed 64-bit range (-2**63 .. 2**63-1)"),
    ({"payload": {"n": 2**63}}, ValueError,
     "payload['n']: integer 9223372036854775808 is outside the signed 64-bit range (-2**63 .. 2**63-1)"),
    ({"payload": {"n": 2**64}}, ValueError,
     "payload['n']: integer 18446744073709551616 is outside the signed 64-bit range (-2**63 .. 2**63-1)"),
    ({"payload": {"n": -(2**63) - 1}}, ValueError,
     "payload['n']: integer -9223372036854775809 is outside the signed 64-bit range (-2**63 .. 2**63-1)"),
    ({"payload": {"x": float("nan")}}, ValueError, "payload['x']: float nan is not valid JSON (floats must be finite)"),
    ({"payload": {"x": [1.5, float("inf")]}}, ValueError,
     "payload['x'][1]: float inf is not valid JSON (floats must be finite)"),
    ([float("-inf")], ValueError, "value[0]: float -inf is not valid JSON (floats must be finite)"),
    ({"payload": {"text": "ab\ud800c"}}, ValueError,
     "payload['text']: string holds a lone surrogate '\\ud800' at index 2 (not encodable as UTF-8)"),
    ({"payload": {"t\udc00": 1}}, ValueError,
     "payload: key 't\\udc00' holds a lone surrogate '\\udc00' at index 1 (not encodable as UTF-8)"),
    ({"payload": {float("nan"): 1}}, ValueError, "payload: key nan is not valid JSON (floats must be finite)"),
    ({"a b": {(1, 2): 1}}, TypeError, "value['a b']: keys must be str, int, float, bool or None, not tuple"),
    ({"payload": {"when": datetime.datetime(2024, 1, 1)}}, TypeError,
     "payload['when']: Object of type datetime is not JSON serializable"),
    ("\udfff", ValueError, "value: string holds a lone surrogate '\\udfff' at index 0 (not encodable as UTF-8)"),
]


@pytest.mark.parametrize(("document", "exc", "message"), REFUSED)
def test_what_is_not_strict_json_is_refused_naming_its_path(codec, document, exc, message):
    with pytest.raises(exc) as info:
        codec.dumps(document)
    assert str(info.value) == message  # the same text from both backends


def test_integers_at_the_64_bit_limits_pass(codec):
    for value in (2**63 - 1, -(2**63), 2**53, 0):
        assert codec.loads(codec.dumps({"n": value})) == {"n": value}


def test_text_that_merely_looks_like_a_big_number_or_null_passes(codec):
    document = {"text": "order 123456789012345678901234567890 is null, NaN and Infinity"}
    assert codec.loads(codec.dumps(document)) == document


def test_digit_runs_inside_strings_are_not_walked(codec, monkeypatch):
    # Hex ids can hold 19 zeros in a row ("c0ffee000...01"): the integer check must not walk the
    # document for them (it did on every frame of such a chat: a third of a call's CPU).
    def walked(obj, original):  # pragma: no cover - reached only when the bug is back
        raise AssertionError("the document was walked for digits inside a string")

    monkeypatch.setattr(codec, "_explain", walked)
    frame = {"type": 1, "id": 9, "method": "sendMessage",
             "payload": {"chatId": "c0ffee0000000000000000000000000000000001", "text": "x 12345678901234567890"}}
    assert codec.loads(codec.dumps(frame)) == frame


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, [2**64], {"a": "z", "b": [0, 2**70]}])
def test_big_integers_are_found_wherever_the_number_token_starts(codec, value):
    with pytest.raises(ValueError, match="outside the signed 64-bit range"):
        codec.dumps(value)


def test_loads_reads_str_as_well_as_bytes(codec):
    assert codec.loads('{"a": "Привет \\ud83d\\udc4b"}') == {"a": "Привет 👋"}
    assert codec.loads(b'{"a":[1,2]}') == codec.loads('{"a":[1,2]}') == {"a": [1, 2]}


def test_no_private_json_internals_are_used():
    source = inspect.getsource(jsoncodec)
    for private in ("c_make_encoder", "json.scanner", "scan_once", "json.encoder", "py_"):
        assert private not in source


# ---- property: strict JSON or an error naming the path, the same with both backends ------------------

wire_values = st.recursive(
    st.none() | st.booleans() | st.floats() | st.text(st.characters(), max_size=8)
    | st.integers(min_value=-(2**70), max_value=2**70) | st.sampled_from(["\ud800", "a\udfff", 2**63, -(2**63) - 1]),
    lambda inner: st.lists(inner, max_size=3) | st.tuples(inner, inner)
    | st.dictionaries(st.text(st.characters(), max_size=4) | st.integers(-3, 3) | st.none(), inner, max_size=3),
    max_leaves=10,
)


def resolve(document, path_text):
    """The value at ``payload['a'][0]`` inside ``{"payload": document}``: the path is a Python expression."""
    keys = []
    node = ast.parse(path_text, mode="eval").body
    while isinstance(node, ast.Subscript):
        keys.append(ast.literal_eval(node.slice))
        node = node.value
    assert isinstance(node, ast.Name) and node.id == "payload"
    value = document
    for key in reversed(keys):
        value = value[key]
    return value


@settings(max_examples=300, deadline=None)
@given(document=wire_values)
def test_strict_json_or_an_error_naming_the_path(document):
    frame = {"payload": document}
    try:
        expected = json.dumps(frame, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        valid = not _has_big_int(document)
    except (ValueError, TypeError):
        valid = False
    outcomes = []
    for dumps in (jsoncodec.dumps, jsoncodec._std_dumps):  # the installed backend and the stdlib path
        try:
            outcomes.append(("ok", json.loads(dumps(frame))))
        except (ValueError, TypeError) as exc:
            outcomes.append((type(exc).__name__, str(exc)))
    assert outcomes[0] == outcomes[1]  # the same result, or the same error, from both
    kind, result = outcomes[0]
    if valid:
        assert kind == "ok" and result == json.loads(expected)
    else:
        assert kind != "ok"
        path = result.split(": ", 1)[0]
        assert path == "payload" or path.startswith("payload[")
        if " key " not in result:  # a bad value: the path leads to it
            bad = resolve(document, path)
            assert not isinstance(bad, (dict, list, tuple)) or "Circular" in result


def _has_big_int(value):
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return not -(2**63) <= value < 2**63
    if isinstance(value, dict):
        return any(_has_big_int(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_big_int(v) for v in value)
    return False
