"""Every JSON example of PROTOCOL.md reads into the right model.

``tests/data/protocol_examples.json`` holds the examples extracted from PROTOCOL.md: the server
requests (events) and the request/response pairs. Events are pushed through the fake server to a
real client and must reach the handler as the typed model of the EVENTS table, with the fields of
the example; responses are read by the parser of their method's row in the method table.
"""

from __future__ import annotations

import json
import pathlib
import threading
from typing import Any

import pytest

from trueconf_sync.api import methods
from trueconf_sync.api.converter import camel
from trueconf_sync.api.method import ApiMethod
from trueconf_sync.api.models import Message, Model, RawEvent
from trueconf_sync.events.signals import EVENTS

DATA = json.loads((pathlib.Path(__file__).parent / "data" / "protocol_examples.json").read_text("utf-8"))
ROWS = {row.wire: row for row in vars(methods.ApiMethods).values() if isinstance(row, ApiMethod)}


def _check_fields(model: Any, payload: dict[str, Any]) -> None:
    """Every scalar field of the model that the payload carries under its camelCase key agrees."""
    for name in getattr(type(model), "__attrs_attrs__", ()):
        key = camel(name.name)
        if name.name in ("raw", "client") or key not in payload:
            continue
        wire, value = payload[key], getattr(model, name.name)
        if isinstance(wire, (str, bool)) or (isinstance(wire, int) and key != "timestamp"):
            assert value == wire, f"{type(model).__name__}.{name.name}: {value!r} != {wire!r}"
        elif isinstance(wire, dict) and isinstance(value, Model):
            _check_fields(value, wire)


@pytest.mark.parametrize("example", DATA["events"], ids=lambda e: f"{e['section']}-{e['frame']['method']}")
def test_event_example_reaches_the_handler_typed(trueconf_server, trueconf_client_factory, example):
    client = trueconf_client_factory(skip_own_messages=False)
    got: list[Any] = []
    arrived = threading.Event()

    @client.on_event
    def collect(event: Any) -> None:
        got.append(event)
        arrived.set()

    frame = example["frame"]
    trueconf_server.push_event(frame["method"], frame["payload"], login="echo_bot")
    assert arrived.wait(5), f"{frame['method']} example never reached the handler"
    event = got[0]
    spec = EVENTS[frame["method"]]
    assert isinstance(event, spec.model), f"{frame['method']} arrived as {type(event).__name__}"
    assert not isinstance(event, RawEvent)
    assert event.raw == frame["payload"]
    _check_fields(event, frame["payload"])
    if isinstance(event, Message):
        assert event.chat_id, "the chat id must be known for either envelope shape"
        assert not event.is_unknown, f"envelope type {frame['payload'].get('type')} not modelled"


@pytest.mark.parametrize("example", DATA["responses"], ids=lambda e: f"{e['section']}-{e['method']}")
def test_response_example_parses(example):
    method = example["method"]
    payload = example["response"]["payload"]
    if isinstance(payload, dict) and payload.get("errorCode"):
        from trueconf_sync.errors import AuthError
        from trueconf_sync.transport.connection import _api_error

        error = _api_error(payload["errorCode"], payload, method)
        assert error.code == payload["errorCode"] and error.name != "UNKNOWN_ERROR"
        assert isinstance(error, AuthError) == (method == "auth" or error.code == 203)
        return
    if method == "auth":
        from trueconf_sync.client import _parse_auth

        result = _parse_auth(payload)
        assert result.user_id == payload["userId"]
        return
    row = ROWS[method]
    result = row.parse(payload)
    if isinstance(payload, list):
        assert isinstance(result, list) and len(result) == len(payload)
        for item, wire in zip(result, payload):
            _check_fields(item, wire)
    elif isinstance(result, Model):
        _check_fields(result, payload)
        assert result.raw == payload
    elif isinstance(result, list):  # participants
        assert len(result) == len(payload["participants"])
    elif result is not None:  # a single key: chatId, result, displayName
        assert result in payload.values()
    else:
        assert payload == {} or method == "answerCommand"


def test_every_wire_method_of_the_examples_has_a_row():
    requested = {e["method"] for e in DATA["responses"]} - {"auth"}
    missing = requested - set(ROWS)
    assert not missing, f"methods with no row in the method table: {sorted(missing)}"
