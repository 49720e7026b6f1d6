"""JSON for the wire: strict on the way out, orjson when installed (``pip install trueconf_sync[fast]``).

What :func:`dumps` writes is always valid JSON a server can read, or it raises *before* anything
is sent, naming where inside the document the bad value sits (``payload['items'][2]['n']``):

* floats must be finite (``NaN``/``Infinity`` are not JSON) -> ``ValueError``;
* integers must fit in a signed 64-bit integer (what servers parse without loss) -> ``ValueError``;
* strings (values and keys) must not hold lone surrogates (not encodable as UTF-8) -> ``ValueError``;
* values must be JSON types (dict, list, tuple, str, int, float, bool, None) -> ``TypeError``.
  Keys that are ``int``, ``float``, ``bool`` or ``None`` are written as strings, as
  :func:`json.dumps` does (still valid JSON); other key types raise ``TypeError``.

Both backends give the same documents for what the protocol carries and the same errors. The
fast path does not walk the document in Python: the encoders themselves refuse non-finite floats
(stdlib ``allow_nan=False``), lone surrogates (strict UTF-8 encoding) and unknown types; integers
are only looked at when the output holds a number token of 19 digits or more (digits starting the
document or following ``:``, ``[`` or ``,``; digits inside strings, such as the zeros of a hex id,
do not count). The walk that names the path runs only once something failed.

:func:`loads` accepts ``bytes`` or ``str`` and reads what :func:`json.loads` reads (orjson is
only a faster path; one difference stays: orjson reads an integer beyond 64 bits as a float).
"""

from __future__ import annotations

import importlib
import json
import math
from typing import Any

__all__ = ["BACKEND", "INT64_MAX", "INT64_MIN", "dumps", "loads"]

#: The integer range a JSON document may carry (signed 64-bit).
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# No circular check while encoding (it costs a dict per call): a container holding itself ends in a
# RecursionError, and then the walk of :func:`_explain` names where it holds itself.
_std_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False, check_circular=False).encode
_raw_decode = json.JSONDecoder().raw_decode
#: A number token of 19 or more digits (maybe an integer outside the 64-bit range: 2**63 has 19
#: digits) follows ``:``, ``[`` or ``,`` in compact JSON. Mapping every digit to ``0`` and those three
#: to ``:`` turns the search for one into two plain substring searches, far cheaper than a regex
#: (ids like ``c0ffee0000...`` hold long digit runs after a letter: those never match). Inside a
#: string the same bytes can occur too (``"a,1234..."``): then the walk finds nothing, which is
#: only slower, never wrong. A document that is a bare number is checked whenever it is long.
_MARK_NUMBERS = bytes.maketrans(b"123456789[,", b"000000000::")
_LONG_RUN = b":" + b"0" * 19
_LONG_NEGATIVE_RUN = b":-" + b"0" * 19
_NUMBER_START = b"-0123456789"


class _Problem(Exception):
    """Found by :func:`_find_problem`: what is wrong and where."""

    def __init__(self, path: list[Any], message: str, kind: type[Exception]) -> None:
        super().__init__(message)
        self.path = path
        self.message = message
        self.kind = kind


def _render_path(path: list[Any]) -> str:
    """``['payload', 'items', 2]`` -> ``payload['items'][2]``; the root is ``value``."""
    head = "value"
    rest = path
    if path and isinstance(path[0], str) and path[0].isidentifier():
        head, rest = path[0], path[1:]
    return head + "".join(f"[{part!r}]" for part in rest)


def _describe_int(value: int) -> str:
    # str() of a huge int is slow (and refused beyond 4300 digits): give its size instead.
    return f"integer {value}" if value.bit_length() <= 128 else f"integer of {value.bit_length()} bits"


def _check_str(path: list[Any], text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _Problem(path, f"{what} holds a lone surrogate {text[exc.start]!r} at index {exc.start} "
                             "(not encodable as UTF-8)", ValueError) from None


def _find_problem(value: Any, path: list[Any], active: set[int]) -> None:
    """Raise :class:`_Problem` for the first value :func:`dumps` refuses (depth first, in order)."""
    if isinstance(value, str):
        _check_str(path, value, "string")
    elif value is None or isinstance(value, bool):
        pass
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise _Problem(path, f"{_describe_int(value)} is outside the signed 64-bit range "
                                 "(-2**63 .. 2**63-1)", ValueError)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Problem(path, f"float {value!r} is not valid JSON (floats must be finite)", ValueError)
    elif isinstance(value, (dict, list, tuple)):
        marker = id(value)
        if marker in active:
            raise _Problem(path, "Circular reference detected (a container holds itself)", ValueError)
        active.add(marker)
        if isinstance(value, dict):
            for key, item in value.items():
                _check_key(path, key)
                _find_problem(item, [*path, key], active)
        else:
            for index, item in enumerate(value):
                _find_problem(item, [*path, index], active)
        active.discard(marker)
    else:
        raise _Problem(path, f"Object of type {type(value).__name__} is not JSON serializable", TypeError)


def _check_key(path: list[Any], key: Any) -> None:
    if isinstance(key, str):
        _check_str(path, key, f"key {key!r}")
    elif isinstance(key, float) and not math.isfinite(key):
        raise _Problem(path, f"key {key!r} is not valid JSON (floats must be finite)", ValueError)
    elif not (key is None or isinstance(key, (int, float))):  # bool is an int
        raise _Problem(path, f"keys must be str, int, float, bool or None, not {type(key).__name__}", TypeError)


def _explain(obj: Any, original: BaseException | None) -> Exception | None:
    """The error naming the path of what ``obj`` holds that :func:`dumps` refuses (None: nothing)."""
    try:
        _find_problem(obj, [], set())
    except _Problem as problem:
        error = problem.kind(f"{_render_path(problem.path)}: {problem.message}")
        error.__cause__ = original
        return error
    except RecursionError:  # nested too deep to walk: the encoder's own error says enough
        return None
    return None


def _std_dumps(obj: Any) -> bytes:
    """The standard library encoder, strict: compact UTF-8 JSON of ``obj`` or an error naming the path."""
    try:
        data = _std_encode(obj).encode("utf-8")  # strict: a lone surrogate raises here
    except (ValueError, TypeError, RecursionError) as exc:  # UnicodeEncodeError is a ValueError
        error = _explain(obj, exc)
        if error is None:
            raise
        raise error from exc
    marked = data.translate(_MARK_NUMBERS)
    if _LONG_RUN in marked or _LONG_NEGATIVE_RUN in marked or (data[0] in _NUMBER_START and len(data) >= 19):
        error = _explain(obj, None)  # rare: only then are integers checked
        if error is not None:
            raise error
    return data


def _std_loads(data: bytes | str) -> Any:
    """``json.loads``; a ``str`` holding just one document skips its whitespace regexes."""
    if type(data) is str:
        try:
            value, end = _raw_decode(data)
        except ValueError:
            pass
        else:
            if end == len(data):
                return value
    return json.loads(data)  # bytes, surrounding whitespace, or an error: its result or exception


orjson: Any
try:
    orjson = importlib.import_module("orjson")
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None

if orjson is not None:
    _or_dumps = orjson.dumps
    _or_loads = orjson.loads
    # What orjson refuses takes the stdlib path, which gives the result or the error: integers
    # beyond 53 bits (STRICT_INTEGER; the stdlib checks the signed 64-bit range, orjson alone
    # would accept up to 2**64-1), non-str keys (converted there; OPT_NON_STR_KEYS would slow
    # every call), dataclasses and datetimes (not JSON types for the stdlib either).
    _OPTIONS = orjson.OPT_STRICT_INTEGER | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME
    _EncodeError = orjson.JSONEncodeError
    _DecodeError = orjson.JSONDecodeError

    def dumps(obj: Any) -> bytes:
        """Compact UTF-8 JSON of ``obj``; ``ValueError``/``TypeError`` naming the path when it is not JSON."""
        try:
            data: bytes = _or_dumps(obj, option=_OPTIONS)
        except _EncodeError:  # refused: the standard library gives the result or the error
            return _std_dumps(obj)
        if data.find(b"null") >= 0:  # orjson writes NaN and Infinity as null: let the stdlib decide
            return _std_dumps(obj)
        return data

    def loads(data: bytes | str) -> Any:
        """Parse a JSON document (raises ``ValueError`` when it is not one)."""
        try:
            return _or_loads(data)
        except _DecodeError:
            return _std_loads(data)

    BACKEND = "orjson"
else:

    def dumps(obj: Any) -> bytes:
        """Compact UTF-8 JSON of ``obj``; ``ValueError``/``TypeError`` naming the path when it is not JSON."""
        return _std_dumps(obj)

    loads = _std_loads  # the reader thread calls it for every frame: no wrapper around it

    BACKEND = "json"
