"""Timeouts read as the caller wrote them (issue 14 item 9): 'no answer within 1 s', not '0.999989 s'."""

from __future__ import annotations

import pytest

from trueconf_sync import Client, RequestTimeoutError
from trueconf_sync.errors import seconds
from trueconf_sync.testing import FakeTrueConfServer


def test_a_timed_out_call_names_its_timeout(trueconf_server: FakeTrueConfServer, trueconf_client: Client) -> None:
    trueconf_server.delay_responses(2.0, "getChats")
    with pytest.raises(RequestTimeoutError) as info:
        trueconf_client.get_chats(timeout=1)
    assert str(info.value).endswith("no answer within 1 s"), str(info.value)
    trueconf_server.delay_responses(0)


def test_a_timed_out_future_names_its_timeout(trueconf_server: FakeTrueConfServer, trueconf_client: Client) -> None:
    trueconf_server.delay_responses(3.0, "getChats")
    future = trueconf_client.get_chats.future(timeout=0.5)
    with pytest.raises(RequestTimeoutError) as info:
        future.result(10)
    assert str(info.value).endswith("no answer within 0.5 s"), str(info.value)
    trueconf_server.delay_responses(0)


@pytest.mark.parametrize(("value", "text"), [(0.999989, "1 s"), (1, "1 s"), (2.5, "2.5 s"), (0.25, "0.25 s"),
                                             (120.0, "120 s"), (1e7, "1e+07 s")])
def test_seconds(value: float, text: str) -> None:
    assert seconds(value) == text
