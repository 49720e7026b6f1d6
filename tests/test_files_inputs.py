"""Every kind of ``file`` input, name and MIME detection, and bad inputs refused before anything is sent."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from trueconf_sync import Client
from trueconf_sync.files import FileDownloadError, RemoteFile
from trueconf_sync.testing import FakeTrueConfServer

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
CSV = "name;city\nАня;Пермь\n".encode()


def sent_file(client: Client, chat_id: str, file: Any, **kwargs: Any) -> tuple[str, str, bytes]:
    """Send ``file``; return the name and MIME type the server stored and the bytes it serves."""
    sent = client.send_file(chat_id, file, **kwargs)
    info = client.get_file_info(sent.file_id)
    out = io.BytesIO()
    client.download_file(sent.file_id, out)
    return info.name, info.mime_type, out.getvalue()


def test_paths(trueconf_client: Client, alice_chat: str, tmp_path: Path) -> None:
    path = tmp_path / "отчёт 2025 ✓.pdf"
    path.write_bytes(b"%PDF-1.7 body")
    assert sent_file(trueconf_client, alice_chat, str(path)) == ("отчёт 2025 ✓.pdf", "application/pdf",
                                                                 b"%PDF-1.7 body")
    bare = tmp_path / "snapshot"
    bare.write_bytes(PNG)
    assert sent_file(trueconf_client, alice_chat, bare) == ("snapshot", "image/png", PNG)  # sniffed


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview])
def test_bytes_like(trueconf_client: Client, alice_chat: str, kind: Any) -> None:
    assert sent_file(trueconf_client, alice_chat, kind(PNG)) == ("file.png", "image/png", PNG)


def test_explicit_name_and_mime_win(trueconf_client: Client, alice_chat: str) -> None:
    name, mime, data = sent_file(trueconf_client, alice_chat, PNG, file_name="чек.bin",
                                 mime_type="application/x-custom; charset=binary")
    assert (name, mime, data) == ("чек.bin", "application/x-custom", PNG)
    assert sent_file(trueconf_client, alice_chat, b"\x00\x01")[:2] == ("file.bin", "application/octet-stream")


def test_file_objects(trueconf_client: Client, alice_chat: str, tmp_path: Path) -> None:
    buffer = io.BytesIO(b"HEADERpayload")
    buffer.read(6)  # uploads from the current position
    assert sent_file(trueconf_client, alice_chat, buffer, file_name="p.txt")[2] == b"payload"
    path = tmp_path / "data.csv"
    path.write_bytes(CSV)
    with path.open("rb") as opened:
        assert sent_file(trueconf_client, alice_chat, opened) == ("data.csv", "text/csv", CSV)


def test_web_framework_uploads(trueconf_client: Client, alice_chat: str) -> None:
    class DjangoUpload(io.BytesIO):  # django.core.files.uploadedfile.UploadedFile: name, content_type
        name = "scan.png"
        content_type = "image/png"

    class FlaskUpload:  # werkzeug FileStorage: filename, content_type; ``name`` is the form field
        def __init__(self, data: bytes) -> None:
            self.stream = io.BytesIO(data)
            self.filename = "Смета.xlsx"
            self.name = "attachment"
            self.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

        def __getattr__(self, attribute: str) -> Any:
            return getattr(self.stream, attribute)

        def read(self, size: int = -1) -> bytes:
            return self.stream.read(size)

    assert sent_file(trueconf_client, alice_chat, DjangoUpload(PNG)) == ("scan.png", "image/png", PNG)
    name, mime, data = sent_file(trueconf_client, alice_chat, FlaskUpload(b"PK\x03\x04xlsx"))
    assert (name, data) == ("Смета.xlsx", b"PK\x03\x04xlsx") and mime.endswith(".sheet")


def test_unseekable_stream_is_copied_first(trueconf_client: Client, alice_chat: str) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)
    read_end, write_end = os.pipe()

    def produce() -> None:
        with os.fdopen(write_end, "wb") as pipe:
            pipe.write(data)

    writer = threading.Thread(target=produce)
    writer.start()
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        assert not pipe.seekable()
        name, _, received = sent_file(trueconf_client, alice_chat, pipe, file_name="pipe.bin")
    writer.join()
    assert name == "pipe.bin" and received == data


class _Site(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, dict[str, str], bytes]]] = {
        "/export": (200, {"Content-Type": "text/csv; charset=utf-8",
                          "Content-Disposition": "attachment; filename*=UTF-8''%D0%BE%D1%82%D1%87%D1%91%D1%82.csv"},
                    CSV),
        "/img/cat.png": (200, {"Content-Type": "image/png"}, PNG),
        "/big": (200, {"Content-Type": "application/octet-stream"}, b"b" * 300_000),
        "/unsized": (200, {}, b"u" * 300_000),
    }

    def do_GET(self) -> None:
        status, headers, body = self.routes.get(self.path.split("?", 1)[0], (404, {}, b"no"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        if self.path.split("?", 1)[0] != "/unsized":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


LOCAL = ("127.0.0.0/8",)  # the test site is on loopback, which a fetch refuses unless allowed


def test_urls(trueconf_client: Client, alice_chat: str, site: str) -> None:
    assert sent_file(trueconf_client, alice_chat, RemoteFile(site + "/export", allowed_networks=LOCAL)) == (
        "отчёт.csv", "text/csv", CSV)
    assert sent_file(trueconf_client, alice_chat, RemoteFile(site + "/img/cat.png?sig=s3cr3t", timeout=5,
                                                             headers={"X-Token": "t"}, allowed_networks=LOCAL)) == (
        "cat.png", "image/png", PNG)
    assert sent_file(trueconf_client, alice_chat, RemoteFile(site + "/unsized", allowed_networks=LOCAL))[2] == (
        b"u" * 300_000)


def test_url_size_cap_and_errors(trueconf_client: Client, trueconf_server: FakeTrueConfServer, alice_chat: str,
                                 site: str) -> None:
    before = trueconf_server.stats["requests"].get("uploadFile", 0)
    for path in ("/big", "/unsized"):
        with pytest.raises(ValueError, match=r"larger than RemoteFile\.max_size=100,000 bytes"):
            trueconf_client.send_file(alice_chat, RemoteFile(site + path + "?token=s3cr3t", max_size=100_000,
                                                             allowed_networks=LOCAL))
    with pytest.raises(FileDownloadError, match="HTTP 404") as missing:
        trueconf_client.send_file(alice_chat, RemoteFile(site + "/nothing?token=s3cr3t", allowed_networks=LOCAL))
    assert missing.value.status == 404 and "s3cr3t" not in str(missing.value)
    assert "s3cr3t" not in repr(RemoteFile(site + "/x?token=s3cr3t", allowed_networks=LOCAL))
    assert trueconf_server.stats["requests"].get("uploadFile", 0) == before


def test_bad_inputs_are_refused_before_sending(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                               alice_chat: str, tmp_path: Path) -> None:
    before = dict(trueconf_server.stats["requests"])
    with pytest.raises(FileNotFoundError, match="file: no such file"):
        trueconf_client.send_file(alice_chat, tmp_path / "missing.txt")
    with pytest.raises(IsADirectoryError, match="a directory, not a file"):
        trueconf_client.send_file.future(alice_chat, str(tmp_path))
    text = tmp_path / "t.txt"
    text.write_text("hi")
    with text.open() as opened, pytest.raises(TypeError, match="binary mode"):
        trueconf_client.send_file(alice_chat, opened)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="binary mode"):
        trueconf_client.send_file(alice_chat, io.StringIO("hi"))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="must be a path, bytes, a binary file object or an http"):
        trueconf_client.send_file(alice_chat, 42)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unsupported URL scheme 'ftp'"):
        trueconf_client.send_file(alice_chat, "ftp://example.com/a.txt")
    with pytest.raises(ValueError, match="file_name must be a plain file name"):
        trueconf_client.send_file(alice_chat, b"x", file_name="../etc/passwd")
    with pytest.raises(ValueError, match="mime_type must look like 'type/subtype'"):
        trueconf_client.send_file(alice_chat, b"x", mime_type="pdf")
    with pytest.raises(ValueError, match=r"RemoteFile\.max_size"):
        RemoteFile("https://example.com/a", max_size=0)
    assert trueconf_server.stats["requests"] == before


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_path(trueconf_client: Client, alice_chat: str, tmp_path: Path) -> None:
    locked = tmp_path / "locked.txt"
    locked.write_text("secret")
    locked.chmod(0)
    with pytest.raises(PermissionError, match="cannot be read"):
        trueconf_client.send_file(alice_chat, locked)
