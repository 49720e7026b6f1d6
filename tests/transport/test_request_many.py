"""Connection.request_many (the bulk path): a payload that cannot be encoded fails the whole batch before
anything is registered or sent, naming its index; no request is left waiting for an answer that never comes."""

from __future__ import annotations

from typing import Any

import pytest

from trueconf_sync.testing import FakeTrueConfServer
from trueconf_sync.transport.connection import Connection


def test_an_unencodable_payload_leaves_nothing_registered_or_sent() -> None:
    with FakeTrueConfServer() as server:
        server.add_user("bot")
        conn = Connection(server.ws_url, on_request=lambda c, f: None, on_lost=lambda c, e: None)
        try:
            conn.call("auth", {"token": server.issue_token("bot"), "tokenType": "JWT"}, lambda p: p, 5)
            before = server.stats["requests"].get("getChats", 0)
            outcomes: list[tuple[int, Any, BaseException | None]] = []
            with pytest.raises(ValueError, match=r"^payloads\[11\]: .*finite|^payloads\[11\]: .*NaN"):
                conn.request_many("getChats", [{"count": 1}, {"count": float("nan")}, {}], lambda p: p, 5,
                                  lambda i, r, e: outcomes.append((i, r, e)), first_index=10)
            assert conn.pending_count == 0 and outcomes == []
            conn.call("getChats", {}, lambda p: p, 5)  # sentinel: answered after anything sent before it
            assert server.stats["requests"].get("getChats", 0) == before + 1
        finally:
            conn.close()
