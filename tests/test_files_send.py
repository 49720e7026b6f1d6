"""Sending files through the public API against the fake server: documents, photos, stickers, avatars,
limits, HTTP errors, progress, futures, network failures (PROTOCOL §3.21, §3.23-§3.28, §6.1, §6.3)."""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from trueconf_sync import ApiError, Client, ClientClosedError, ConnectionLostError
from trueconf_sync.files import FileExtensionError, FileTooLargeError, UploadLimitError
from trueconf_sync.testing import FakeTrueConfServer


def image_bytes(fmt: str, size: tuple[int, int] = (64, 48), mode: str = "RGB") -> bytes:
    """An image made with Pillow (the test is skipped without it; ``pip install '.[test]'`` has it)."""
    image = pytest.importorskip("PIL.Image")
    out = io.BytesIO()
    image.new(mode, size, "red").save(out, fmt)
    return out.getvalue()


def preview_bytes(client: Client, file_id: str) -> tuple[str, bytes]:
    """MIME type and bytes of the preview the server stored for a file (what it got as the part)."""
    info = client.get_file_info(file_id)
    assert info.previews, "the server stored no preview part"
    preview = info.previews[0]
    assert preview.download_url is not None
    return preview.mime_type, requests.get(preview.download_url, timeout=5).content


def uploads(server: FakeTrueConfServer) -> int:
    return int(server.stats["requests"].get("uploadFile", 0))


def hide_pillow(monkeypatch: pytest.MonkeyPatch) -> None:
    """From now on ``import PIL.Image`` fails, as on a machine without Pillow."""
    for name in ("PIL", "PIL.Image", "PIL.ImageOps"):
        monkeypatch.setitem(sys.modules, name, None)


def test_document_sends_only_the_file_part(trueconf_client: Client, alice: Any, alice_chat: str) -> None:
    data = b"%PDF-1.4 " + bytes(range(256)) * 10
    sent = trueconf_client.send_file(alice_chat, data, file_name="report.pdf", caption="Q3 **report**",
                                     parse_mode="markdown")
    assert sent.chat_id == alice_chat and sent.message_id and sent.file_id and sent.caption_message_id
    info = trueconf_client.get_file_info(sent.file_id)
    assert (info.name, info.mime_type, info.size, info.previews) == ("report.pdf", "application/pdf", len(data), None)
    envelope = alice.wait_for_message(alice_chat, lambda e: e["type"] == 202)
    assert envelope["content"]["fileId"] == sent.file_id and envelope["content"]["name"] == "report.pdf"
    caption = trueconf_client.get_message_by_id(sent.caption_message_id)
    assert caption.text == "Q3 **report**" and caption.parse_mode == "markdown"


def test_reply_and_no_caption(trueconf_client: Client, alice: Any, alice_chat: str) -> None:
    question = alice.send_message(alice_chat, "send me the log")
    sent = trueconf_client.send_file(alice_chat, b"log line\n", file_name="app.log", reply_message_id=question)
    assert sent.caption_message_id is None
    assert trueconf_client.get_message_by_id(sent.message_id).reply_message_id == question


def test_photo_gets_a_small_webp_preview_with_pillow(trueconf_client: Client, alice_chat: str) -> None:
    data = image_bytes("PNG", (1200, 800))
    sent = trueconf_client.send_photo(alice_chat, data)
    info = trueconf_client.get_file_info(sent.file_id)
    assert info.name == "photo.png" and info.mime_type == "image/png"
    mime, preview = preview_bytes(trueconf_client, sent.file_id)
    assert mime == "image/webp"
    with pytest.importorskip("PIL.Image").open(io.BytesIO(preview)) as thumbnail:
        assert thumbnail.format == "WEBP" and max(thumbnail.size) == 512 and thumbnail.size[1] == 341


def test_photo_without_pillow_is_its_own_preview(trueconf_client: Client, alice_chat: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    data = image_bytes("JPEG")
    hide_pillow(monkeypatch)
    sent = trueconf_client.send_photo(alice_chat, data, file_name="cat.jpg")
    assert preview_bytes(trueconf_client, sent.file_id) == ("image/jpeg", data)


def test_photo_without_pillow_refuses_what_cannot_be_previewed(trueconf_client: Client, trueconf_server:
                                                               FakeTrueConfServer, alice_chat: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    bitmap = image_bytes("BMP")
    hide_pillow(monkeypatch)
    before = uploads(trueconf_server)
    with pytest.raises(ValueError, match=r"Pillow is not installed.*preview="):
        trueconf_client.send_photo(alice_chat, bitmap, file_name="scan.bmp")
    assert uploads(trueconf_server) == before


def test_photo_with_given_preview_and_not_an_image(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                                   alice_chat: str, tmp_path: Path) -> None:
    thumb = image_bytes("WEBP", (16, 16))
    photo = tmp_path / "big.png"
    photo.write_bytes(image_bytes("PNG", (300, 200)))
    sent = trueconf_client.send_photo(alice_chat, photo, preview=thumb)
    assert preview_bytes(trueconf_client, sent.file_id) == ("image/webp", thumb)
    before = uploads(trueconf_server)
    with pytest.raises(ValueError, match="not an image; use send_file"):
        trueconf_client.send_photo(alice_chat, b"%PDF-1.4 text", file_name="doc.pdf")
    assert uploads(trueconf_server) == before


def test_sticker_parts_follow_the_sticker_mime_rules(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                                     alice: Any, alice_chat: str) -> None:
    data = image_bytes("WEBP", (128, 128), "RGBA")
    sent = trueconf_client.send_sticker(alice_chat, data)
    info = trueconf_client.get_file_info(sent.file_id)
    assert (info.name, info.mime_type) == ("sticker.webp", "sticker/webp")
    assert preview_bytes(trueconf_client, sent.file_id) == ("image/webp", data)
    message = trueconf_client.get_message_by_id(sent.message_id)
    assert message.attachment is not None and message.attachment.is_sticker
    before = uploads(trueconf_server)
    with pytest.raises(ValueError, match="sticker must be a WebP image"):
        trueconf_client.send_sticker(alice_chat, image_bytes("PNG"))
    assert uploads(trueconf_server) == before


def test_edit_chat_avatar(trueconf_client: Client, trueconf_server: FakeTrueConfServer) -> None:
    chat_id = trueconf_client.create_group_chat("pictures")
    data = image_bytes("PNG")
    assert trueconf_client.edit_chat_avatar(chat_id, io.BytesIO(data)) is None
    avatar = (trueconf_server.get_chat(chat_id) or {})["avatarUrl"]
    assert avatar and requests.get(avatar, timeout=5).content == data
    with pytest.raises(ValueError, match="an avatar must be an image"):
        trueconf_client.edit_chat_avatar(chat_id, b"plain text")
    with pytest.raises(ApiError) as failed:
        trueconf_client.edit_chat_avatar("0" * 40, data)
    assert failed.value.code == 304


def test_limits_refuse_before_uploading(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                        alice_chat: str, wait_until: Any) -> None:
    assert trueconf_client.get_upload_limits().max_size is None
    trueconf_server.set_upload_limits(max_size=1000, mode="block", extensions=["EXE", ".bat"])
    wait_until(lambda: trueconf_client.get_upload_limits().max_size == 1000)  # the pushed event updates the cache
    before = uploads(trueconf_server)
    with pytest.raises(FileTooLargeError) as too_large:
        trueconf_client.send_file(alice_chat, b"x" * 1001, file_name="big.txt")
    error = too_large.value
    assert isinstance(error, ApiError) and error.code == 310 and error.limit == "max_size"
    assert (error.size, error.max_size) == (1001, 1000) and "max_size is 1.0 kB (1,000 bytes)" in str(error)
    with pytest.raises(FileExtensionError, match=r"extension 'exe'.*extensions \(block\)") as blocked:
        trueconf_client.send_file(alice_chat, b"MZ", file_name="setup.Exe")
    assert blocked.value.extensions == ["exe", "bat"]
    trueconf_server.set_upload_limits(mode="allow", extensions=["pdf"])
    wait_until(lambda: trueconf_client.get_upload_limits().extensions.mode == "allow")
    with pytest.raises(UploadLimitError, match="only pdf may be sent"):
        trueconf_client.send_file(alice_chat, b"hello", file_name="notes")
    assert uploads(trueconf_server) == before
    assert trueconf_client.send_file(alice_chat, b"%PDF-", file_name="ok.pdf").file_id


def test_limit_errors_survive_pickling() -> None:
    import pickle

    error = pickle.loads(pickle.dumps(FileTooLargeError("a.iso", 2000, 1000)))
    assert (type(error), error.code, error.size, error.max_size, str(error)) == (
        FileTooLargeError, 310, 2000, 1000, "'a.iso' is 2.0 kB (2,000 bytes); the server's upload limit max_size is "
        "1.0 kB (1,000 bytes)")
    blocked = pickle.loads(pickle.dumps(FileExtensionError("x.exe", "exe", "block", ["exe"])))
    assert blocked.extensions == ["exe"] and "may not be sent" in str(blocked)


def test_limits_are_cached(trueconf_client: Client, trueconf_server: FakeTrueConfServer, alice_chat: str) -> None:
    def asked() -> int:
        return int(trueconf_server.stats["requests"].get("getFileUploadLimits", 0))

    for _ in range(3):
        trueconf_client.send_file(alice_chat, b"abc", file_name="a.txt")
        trueconf_client.get_upload_limits()
    assert asked() == 1
    assert trueconf_client.get_upload_limits(refresh=True).extensions is None and asked() == 2


def test_http_400_becomes_api_error_without_the_task_id(trueconf_client: Client, trueconf_server:
                                                        FakeTrueConfServer, alice_chat: str) -> None:
    trueconf_server.config.upload_error = 407
    with pytest.raises(ApiError) as failed:
        trueconf_client.send_file(alice_chat, b"data", file_name="a.txt")
    error = failed.value
    assert error.code == 407 and error.name == "UPLOAD_TASK_NOT_FOUND" and error.method == "file upload"
    tasks = trueconf_server.call(lambda: list(trueconf_server.core.state.upload_tasks))
    assert tasks and not any(task in str(error) or task in repr(error.payload) for task in tasks)
    assert "HTTP 400" in str(error) and "<redacted>" in str(error)
    trueconf_server.config.upload_error = None
    assert trueconf_client.send_file(alice_chat, b"data", file_name="a.txt").file_id


def test_progress_callback_and_future(trueconf_client: Client, alice_chat: str, tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    path.write_bytes(b"\x00" * (3 * 1024 * 1024 + 5))
    seen: list[tuple[int, int]] = []
    future = trueconf_client.send_file.future(alice_chat, path, progress=lambda done, total: seen.append((done, total)))
    sent = future.result(timeout=20)
    assert trueconf_client.get_file_info(sent.file_id).size == path.stat().st_size
    assert seen[0] == (0, path.stat().st_size) and seen[-1] == (path.stat().st_size,) * 2
    assert [done for done, _ in seen] == sorted(done for done, _ in seen) and len(seen) > 3


def test_progress_true_uses_tqdm_or_says_what_is_missing(trueconf_client: Client, alice_chat: str,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    assert trueconf_client.send_file(alice_chat, b"x" * 5000, file_name="a.bin", progress=True).file_id
    assert "a.bin" not in capsys.readouterr().out  # the bar goes to stderr, never stdout
    monkeypatch.setitem(sys.modules, "tqdm", None)
    with pytest.raises(ImportError, match=r"pip install 'trueconf_sync\[progress\]'"):
        trueconf_client.send_file(alice_chat, b"x", progress=True)


def test_a_failing_progress_callback_aborts_the_upload(trueconf_client: Client, trueconf_server:
                                                       FakeTrueConfServer, alice_chat: str) -> None:
    def stop(done: int, total: int) -> None:
        if done > 0:
            raise RuntimeError("user abort")

    with pytest.raises(RuntimeError, match="user abort"):
        trueconf_client.send_file(alice_chat, b"y" * (2 * 1024 * 1024), progress=stop)
    assert trueconf_server.stats["requests"].get("sendFile", 0) == 0


def test_bad_arguments_are_refused_before_sending(trueconf_client: Client, trueconf_server:
                                                  FakeTrueConfServer, alice_chat: str) -> None:
    before = dict(trueconf_server.stats["requests"])
    with pytest.raises(ValueError, match="chat_id"):
        trueconf_client.send_file("", b"x")
    with pytest.raises(ValueError, match="caption is 4097 visible characters long; the limit is 4096"):
        trueconf_client.send_file(alice_chat, b"x", caption="a" * 4097)
    with pytest.raises(ValueError, match="parse_mode applies to the caption"):
        trueconf_client.send_file.future(alice_chat, b"x", parse_mode="html")
    with pytest.raises(TypeError, match="progress must be a callable"):
        trueconf_client.send_photo(alice_chat, b"x", progress="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timeout"):
        trueconf_client.send_sticker(alice_chat, b"x", timeout=-1)
    assert trueconf_server.stats["requests"] == before


def test_websocket_drop_mid_upload_still_sends(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                               alice_chat: str) -> None:
    dropped = threading.Event()

    class DropsTheSocket(io.BytesIO):
        def read(self, size: int | None = -1) -> bytes:
            if self.tell() > 0 and not dropped.is_set():
                dropped.set()
                trueconf_server.drop_connections()
            return super().read(size)

    sent = trueconf_client.send_file(alice_chat, DropsTheSocket(b"z" * (3 * 1024 * 1024)), file_name="z.bin")
    assert dropped.is_set() and trueconf_client.reconnects >= 1
    assert trueconf_client.get_file_info(sent.file_id).size == 3 * 1024 * 1024


@pytest.fixture
def own_server() -> Iterator[FakeTrueConfServer]:
    server = FakeTrueConfServer().start()
    server.add_user("bot")
    server.add_user("alice")
    yield server
    server.stop()


def test_server_gone_mid_upload_raises_connection_lost(own_server: FakeTrueConfServer) -> None:
    client = Client(own_server.host, own_server.issue_token("bot"), port=own_server.port, https=False,
                    auto_reconnect=False, timeout=5)
    try:
        chat = client.create_p2p_chat("alice")

        class StopsTheServer(io.BytesIO):
            def read(self, size: int | None = -1) -> bytes:
                if self.tell() > 0:
                    own_server.stop()
                return super().read(size)

        with pytest.raises(ConnectionLostError) as lost:
            client.send_file(chat, StopsTheServer(b"q" * (8 * 1024 * 1024)))
        assert str(lost.value).startswith("file upload failed: ConnectionError")
    finally:
        client.close()


def test_close_stops_the_file_workers(trueconf_client_factory: Any, trueconf_threads: Any, wait_until: Any) -> None:
    client = trueconf_client_factory()
    chat = client.create_group_chat("files")
    futures = [client.send_file.future(chat, b"%d" % i, file_name=f"{i}.txt") for i in range(6)]
    assert all(f.result(timeout=10).file_id for f in futures)
    assert any(t.name.startswith(f"{client.core.name}-files") for t in trueconf_threads())
    client.close()
    wait_until(lambda: not any("-files" in t.name for t in trueconf_threads()), message="file workers gone")
    closed = client.send_file.future(chat, b"late")
    with pytest.raises(ClientClosedError):
        closed.result(timeout=1)
