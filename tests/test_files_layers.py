"""The file methods need nothing of the client but its core (``client.core``, the ClientCore Protocol).

A bare object that only hands out a real client's core gets the whole file surface (send, download,
limits, ``.future``) over real sockets against the fake server, and shares the client's file state
(limits cache, worker pool, closing) because that state lives in the core.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from trueconf_sync import Client, ClientClosedError
from trueconf_sync.core.protocols import ClientCore
from trueconf_sync.files import FileMethods
from trueconf_sync.testing import FakeTrueConfServer


class CoreOnly(FileMethods):
    """The file methods on top of nothing but a core."""

    def __init__(self, core: ClientCore) -> None:
        self._given = core

    @property
    def core(self) -> ClientCore:
        return self._given


def requests_of(server: FakeTrueConfServer, method: str) -> int:
    return int(server.stats["requests"].get(method, 0))


def test_send_and_download_through_the_core_alone(trueconf_client: Client, alice_chat: str) -> None:
    files = CoreOnly(trueconf_client.core)
    sent = files.send_file(alice_chat, b"only the core", file_name="core.txt")
    assert sent.chat_id == alice_chat and sent.file_id
    out = io.BytesIO()
    assert files.download_file(sent.file_id, out) is out
    assert out.getvalue() == b"only the core"
    with files.open_file.future(sent.file_id).result(timeout=10) as stream:
        assert stream.read() == b"only the core"


def test_the_file_state_lives_in_the_core(trueconf_client_factory: Any, trueconf_server: FakeTrueConfServer) -> None:
    client = trueconf_client_factory()
    limits = client.get_upload_limits()
    asked = requests_of(trueconf_server, "getFileUploadLimits")
    assert CoreOnly(client.core).get_upload_limits() == limits  # the client's cache, not asked again
    assert requests_of(trueconf_server, "getFileUploadLimits") == asked
    assert CoreOnly(client.core).get_upload_limits(refresh=True) == limits
    assert requests_of(trueconf_server, "getFileUploadLimits") == asked + 1

    client.close()  # stops the file state kept in the core, whoever started transfers with it
    with pytest.raises(ClientClosedError):
        CoreOnly(client.core).send_file.future("chat", b"late", file_name="late.txt").result(timeout=10)
