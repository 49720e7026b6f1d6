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

_std_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_std_loads = json.loads

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
            return _std_encode(obj).encode()

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
        return _std_encode(obj).encode()

    def loads(data: bytes | str) -> Any:
        """Parse a JSON document (raises ``ValueError`` when it is not one)."""
        return _std_loads(data)

    BACKEND = "json"
