"""JSON for the wire: orjson when it is installed (``pip install trueconf_sync[fast]``), else stdlib.

Both give the same documents for what the protocol carries. orjson is only a faster path: a value
it refuses (``NaN``, an integer beyond 64 bits to write, a key it cannot convert...) is handed to
the standard library, so the result or the error is the standard library's. One difference stays:
orjson reads an integer beyond 64 bits as a float (the protocol's ids and times are far below).
"""

from __future__ import annotations

import importlib
import json
from typing import Any

__all__ = ["BACKEND", "dumps", "loads"]

_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_std_encode = _encoder.encode
_std_loads = json.loads
_scan_once: Any = getattr(json.JSONDecoder(), "scan_once")  # noqa: B009 - the C scanner behind json.loads
_make_c_encoder: Any = getattr(json.encoder, "c_make_encoder", None)
_c_encode: Any = None
if _make_c_encoder is not None:
    try:  # what JSONEncoder.encode builds on every call; built once (no circular check: see below)
        _c_encode = _make_c_encoder(None, _encoder.default, json.encoder.encode_basestring, None, ":", ",",
                                    False, False, True)
    except Exception:  # noqa: BLE001 - another signature: keep the public path
        _c_encode = None


def _fast_std_encode(obj: Any) -> bytes:
    """``JSONEncoder.encode`` without rebuilding the C encoder per call.

    A structure that contains itself recurses here instead of being caught by a marker table;
    the RecursionError sends it to the public path, which raises the usual ValueError.
    """
    if _c_encode is not None:
        try:
            return "".join(_c_encode(obj, 0)).encode()
        except RecursionError:
            pass
    return _std_encode(obj).encode()


def _fast_std_loads(data: bytes | str) -> Any:
    """``json.loads`` for a UTF-8 frame without its wrappers (encoding detection, the regex).

    Anything unusual (leading or trailing whitespace, a BOM, other encodings, an error) is handed
    to ``json.loads`` itself, so its result or exception is what the caller gets.
    """
    try:
        text = data.decode("utf-8", "surrogatepass") if type(data) is bytes else data
        value, end = _scan_once(text, 0)
        if end == len(text):
            return value
    except (ValueError, StopIteration, TypeError, AttributeError):
        pass
    return _std_loads(data)

orjson: Any
try:
    orjson = importlib.import_module("orjson")
except ImportError:  # pragma: no cover - depends on the environment
    orjson = None

if orjson is not None:
    _or_dumps = orjson.dumps
    _or_loads = orjson.loads
    _OPTIONS = orjson.OPT_NON_STR_KEYS
    _EncodeError = orjson.JSONEncodeError
    _DecodeError = orjson.JSONDecodeError

    def dumps(obj: Any) -> bytes:
        """Compact UTF-8 JSON of ``obj``."""
        try:
            data: bytes = _or_dumps(obj, option=_OPTIONS)
            return data
        except _EncodeError:
            return _fast_std_encode(obj)

    def loads(data: bytes | str) -> Any:
        """Parse a JSON document (raises ``ValueError`` when it is not one)."""
        try:
            return _or_loads(data)
        except _DecodeError:
            return _std_loads(data)

    BACKEND = "orjson"
else:

    def dumps(obj: Any) -> bytes:
        """Compact UTF-8 JSON of ``obj``."""
        return _fast_std_encode(obj)

    def loads(data: bytes | str) -> Any:
        """Parse a JSON document (raises ``ValueError`` when it is not one)."""
        return _fast_std_loads(data)

    BACKEND = "json"
