"""Downloads against a hostile peer or server (issue 18 items 1, 3, 9): a peer's file never replaces an existing
one, the file's key never leaves the configured server (absolute or ``//host`` URLs, redirects), and a body may not
outrun the size the server reported. Real sockets: the fake server and a plain HTTP server standing for "elsewhere"."""

from __future__ import annotations

import http.server
import io
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from trueconf_sync import Client
from trueconf_sync.files import FileDownloadError
from trueconf_sync.testing import FakeTrueConfServer


def attachment(client: Client, user: Any, chat_id: str, name: str, data: bytes) -> str:
    message = client.get_message_by_id(user.send_file(chat_id, name, data))
    assert message.attachment is not None
    return message.attachment.file_id


def file_info_requests(server: FakeTrueConfServer) -> int:
    return int(server.stats["requests"].get("getFileInfo", 0))


class Elsewhere:
    """A plain HTTP server on another port: records every request it gets and answers 200 'stolen'."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                hits.append(self.path)
                body = b"stolen"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[Elsewhere]:
    other = Elsewhere()
    yield other
    other.close()


# ---- item 1: nothing is replaced unless the caller asks ---------------------------------------------------


def test_a_peer_file_never_replaces_an_existing_file(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                                     alice: Any, alice_chat: str, tmp_path: Path) -> None:
    mallory = trueconf_server.user(trueconf_server.add_user("mallory").split("@")[0])
    mallory_chat = trueconf_client.create_p2p_chat(mallory.user_id)
    (tmp_path / "bot.db").write_bytes(b"the bot's own state")
    first = trueconf_client.download_file(attachment(trueconf_client, alice, alice_chat, "report.pdf", b"alice's"),
                                          tmp_path)
    second = trueconf_client.download_file(
        attachment(trueconf_client, mallory, mallory_chat, "report.pdf", b"mallory's"), tmp_path)
    state = trueconf_client.download_file(attachment(trueconf_client, mallory, mallory_chat, "bot.db", b"evil"),
                                          tmp_path)
    assert first == tmp_path / "report.pdf" and first.read_bytes() == b"alice's"
    assert second == tmp_path / "report (1).pdf" and second.read_bytes() == b"mallory's"
    assert state == tmp_path / "bot (1).db" and (tmp_path / "bot.db").read_bytes() == b"the bot's own state"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot (1).db", "bot.db", "report (1).pdf", "report.pdf"]

    replaced = trueconf_client.download_file(attachment(trueconf_client, alice, alice_chat, "report.pdf", b"v2"),
                                             tmp_path, overwrite=True)
    assert replaced == tmp_path / "report.pdf" and replaced.read_bytes() == b"v2"


def test_an_existing_path_is_refused_before_anything_is_sent(trueconf_client: Client,
                                                             trueconf_server: FakeTrueConfServer, alice: Any,
                                                             alice_chat: str, tmp_path: Path) -> None:
    file_id = attachment(trueconf_client, alice, alice_chat, "a.bin", b"new")
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    asked = file_info_requests(trueconf_server)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        trueconf_client.download_file(file_id, target)
    assert file_info_requests(trueconf_server) == asked and target.read_bytes() == b"old"
    with pytest.raises(TypeError, match="overwrite must be a bool"):
        trueconf_client.download_file(file_id, target, overwrite="yes")  # type: ignore[arg-type]
    assert trueconf_client.download_file(file_id, target, overwrite=True) == target
    assert target.read_bytes() == b"new"


def test_concurrent_downloads_of_one_name_each_get_their_own_file(trueconf_client: Client, alice: Any,
                                                                  alice_chat: str, tmp_path: Path) -> None:
    ids = [attachment(trueconf_client, alice, alice_chat, "same.txt", f"copy {i}".encode()) for i in range(6)]
    futures = [trueconf_client.download_file.future(file_id, tmp_path) for file_id in ids]
    paths = [future.result(10) for future in futures]
    assert len(set(paths)) == 6
    assert sorted(p.read_bytes() for p in paths) == sorted(f"copy {i}".encode() for i in range(6))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["same.txt"] + [f"same ({n}).txt" for n in range(1, 6)])  # no temporary files left


# ---- item 3: only the configured server, ever ---------------------------------------------------------------


@pytest.mark.parametrize("base", ["//127.0.0.1:{port}", "http://127.0.0.1:{port}", "https://127.0.0.1:{port}"])
def test_download_urls_naming_another_host_go_to_the_configured_server(
        trueconf_client: Client, trueconf_server: FakeTrueConfServer, alice: Any, alice_chat: str,
        elsewhere: Elsewhere, base: str) -> None:
    trueconf_server.config.download_base_url = base.format(port=elsewhere.port)
    file_id = attachment(trueconf_client, alice, alice_chat, "a.bin", b"the real file")
    url = trueconf_client.get_file_info(file_id).download_url
    assert url is not None and f":{elsewhere.port}/" in url  # the server did name another host
    assert trueconf_client.download_file(file_id, io.BytesIO()).getvalue() == b"the real file"
    with trueconf_client.open_file(file_id) as stream:
        assert stream.read() == b"the real file"
    assert elsewhere.hits == []


def test_a_redirect_to_another_host_is_refused_and_names_it(trueconf_client: Client,
                                                            trueconf_server: FakeTrueConfServer, alice: Any,
                                                            alice_chat: str, elsewhere: Elsewhere,
                                                            tmp_path: Path) -> None:
    file_id = attachment(trueconf_client, alice, alice_chat, "a.bin", b"the real file")
    for status in (301, 302, 303, 307, 308):
        trueconf_server.config.download_redirect = (status, f"http://127.0.0.1:{elsewhere.port}/steal?x=1")
        with pytest.raises(FileDownloadError, match=rf"redirected to http://127\.0\.0\.1:{elsewhere.port};") as info:
            trueconf_client.download_file(file_id, tmp_path)
        assert info.value.status == status and "steal" not in str(info.value)
    with pytest.raises(FileDownloadError, match="redirected to"):
        trueconf_client.open_file(file_id)
    assert elsewhere.hits == [] and list(tmp_path.iterdir()) == []


def test_same_origin_redirects_are_followed_but_not_to_another_scheme(trueconf_client: Client,
                                                                      trueconf_server: FakeTrueConfServer,
                                                                      alice: Any, alice_chat: str) -> None:
    file_id = attachment(trueconf_client, alice, alice_chat, "a.bin", b"the real file")
    url = trueconf_client.get_file_info(file_id).download_url
    assert url is not None
    parts = urlsplit(url)
    here = f"{parts.path}?{parts.query}&redirected=1"
    trueconf_server.config.download_redirect = (302, here)  # relative: the same origin
    assert trueconf_client.download_file(file_id, io.BytesIO()).getvalue() == b"the real file"
    trueconf_server.config.download_redirect = (307, f"http://{trueconf_server.host}:{trueconf_server.port}{here}")
    assert trueconf_client.download_file(file_id, io.BytesIO()).getvalue() == b"the real file"
    trueconf_server.config.download_redirect = (302, f"https://{trueconf_server.host}:{trueconf_server.port}{here}")
    with pytest.raises(FileDownloadError, match="redirected to https://"):
        trueconf_client.download_file(file_id, io.BytesIO())


# ---- item 9: no more than the reported size ------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_larger_than_the_reported_size_is_refused(trueconf_client: Client,
                                                         trueconf_server: FakeTrueConfServer, alice: Any,
                                                         alice_chat: str, tmp_path: Path, chunked: bool) -> None:
    file_id = attachment(trueconf_client, alice, alice_chat, "small.txt", b"13 bytes only")
    trueconf_server.config.download_extra_bytes = 8 * 1024 * 1024
    trueconf_server.config.download_chunked = chunked
    sink = io.BytesIO()
    with pytest.raises(FileDownloadError, match="13 bytes"):
        trueconf_client.download_file(file_id, sink)
    assert len(sink.getvalue()) <= 13 + 4096  # stopped at the cap, not after 8 MiB
    with pytest.raises(FileDownloadError, match="13 bytes"):
        trueconf_client.download_file(file_id, tmp_path)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileDownloadError, match="13 bytes"), trueconf_client.open_file(file_id) as stream:
        stream.read()
    trueconf_server.config.download_extra_bytes = 100  # within the allowance
    if chunked:  # a chunked body has to match the reported size exactly
        with pytest.raises(FileDownloadError, match="13 bytes"):
            trueconf_client.download_file(file_id, io.BytesIO())
    else:  # an announced length a little off the reported size is accepted
        assert trueconf_client.download_file(file_id, io.BytesIO()).getvalue().startswith(b"13 bytes only")


def test_a_redirect_target_stays_out_of_the_logs(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                                 alice: Any, alice_chat: str,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    file_id = attachment(trueconf_client, alice, alice_chat, "a.bin", b"the real file")
    url = trueconf_client.get_file_info(file_id).download_url
    assert url is not None
    parts = urlsplit(url)
    trueconf_server.config.download_redirect = (302, f"{parts.path}?{parts.query}&redirected=1&sig=R3D1R3CT")
    assert trueconf_client.download_file(file_id, io.BytesIO()).getvalue() == b"the real file"
    assert "urllib3.connectionpool" in caplog.text and "redirected=1" not in caplog.text  # logged, scrubbed
    assert "R3D1R3CT" not in caplog.text
