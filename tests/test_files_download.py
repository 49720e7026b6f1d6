"""Downloading through the public API against the fake server: destinations, name sanitising, files still
uploading or gone, URL rewriting, atomic writes, streams, message shortcuts, no secrets in logs (§6.2, §6.4)."""

from __future__ import annotations

import io
import logging
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from trueconf_sync import ApiError, Client, ConnectionLostError, RequestTimeoutError, TrueConfError
from trueconf_sync.files import FileNotAvailableError
from trueconf_sync.testing import FakeTrueConfServer

DATA = bytes(range(256)) * 64 + b"tail"


def attachment(client: Client, alice: Any, chat_id: str, name: str = "data.bin", data: bytes = DATA,
               **kwargs: Any) -> str:
    """alice sends a file; return its file id as the bot sees it."""
    message = client.get_message_by_id(alice.send_file(chat_id, name, data, **kwargs))
    assert message.attachment is not None
    return message.attachment.file_id


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def requests_of(server: FakeTrueConfServer, method: str) -> int:
    return int(server.stats["requests"].get(method, 0))


def test_to_a_path_a_directory_and_a_file_object(trueconf_client: Client, alice: Any, alice_chat: str,
                                                 tmp_path: Path) -> None:
    file_id = attachment(trueconf_client, alice, alice_chat, "отчёт за май.bin")
    target = tmp_path / "copy.bin"
    assert trueconf_client.download_file(file_id, target) == target and target.read_bytes() == DATA
    kept = trueconf_client.download_file(file_id, str(tmp_path))
    assert kept == tmp_path / "отчёт за май.bin" and kept.read_bytes() == DATA
    sink = io.BytesIO(b"head:")
    sink.seek(0, io.SEEK_END)
    assert trueconf_client.download_file(file_id, sink) is sink and sink.getvalue() == b"head:" + DATA
    assert leftovers(tmp_path) == ["copy.bin", "отчёт за май.bin"]  # no temporary files left


@pytest.mark.parametrize(("server_name", "expected"), [
    ("../../escape.txt", "escape.txt"),
    ("..", None),
    ("C:\\Windows\\system32\\evil.dll", "evil.dll"),
    ("CON.txt", "_CON.txt"),
    ("invoice\u202egpj.exe", "invoice_gpj.exe"),
    (".hidden", "hidden"),
    ("tab\tand\nnewline?.txt", "tab_and_newline_.txt"),
    ("", None),
    ("я" * 200 + ".txt", "я" * 125 + ".txt"),
])
def test_server_names_are_made_safe(trueconf_client: Client, alice: Any, alice_chat: str, tmp_path: Path,
                                    server_name: str, expected: str | None) -> None:
    file_id = attachment(trueconf_client, alice, alice_chat, server_name, mime_type="text/plain")
    inside = tmp_path / "inside"
    inside.mkdir()
    path = trueconf_client.download_file(file_id, inside)
    assert path.parent == inside and path.read_bytes() == DATA
    assert path.name == (expected or f"file-{file_id[:16]}.txt")
    assert len(path.name.encode()) <= 255 and leftovers(tmp_path) == ["inside"]


def test_still_uploading_file_is_waited_for(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                            alice: Any, alice_chat: str, tmp_path: Path) -> None:
    trueconf_server.config.progress_interval = 0.05
    file_id = attachment(trueconf_client, alice, alice_chat, uploading_seconds=0.5)
    assert trueconf_client.get_file_info(file_id).ready_state == 1
    assert trueconf_client.download_file(file_id, tmp_path / "f.bin", timeout=5).read_bytes() == DATA
    assert requests_of(trueconf_server, "subscribeFileProgress") == 1
    assert requests_of(trueconf_server, "unsubscribeFileProgress") == 1


def test_waiting_is_bounded_by_the_timeout(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                           alice: Any, alice_chat: str, tmp_path: Path) -> None:
    file_id = attachment(trueconf_client, alice, alice_chat, uploading_seconds=30)
    with pytest.raises(RequestTimeoutError, match=r"still uploading after 0\.6 s"):
        trueconf_client.download_file(file_id, tmp_path / "f.bin", timeout=0.6)
    assert requests_of(trueconf_server, "unsubscribeFileProgress") == 1 and leftovers(tmp_path) == []


def test_a_handler_can_download_a_file_still_uploading(trueconf_client: Client, trueconf_server:
                                                       FakeTrueConfServer, alice: Any, alice_chat: str,
                                                       tmp_path: Path, wait_until: Any) -> None:
    # The handler blocks the only dispatcher worker, so the progress events queue behind it: the
    # download must still finish (by polling getFileInfo).
    results: list[Any] = []

    @trueconf_client.on_message
    def save(message: Any) -> None:
        try:
            results.append(message.download(tmp_path, timeout=5))
        except TrueConfError as exc:
            results.append(exc)

    alice.send_file(alice_chat, "late.bin", DATA, uploading_seconds=0.4)
    wait_until(lambda: results, timeout=8)
    assert results == [tmp_path / "late.bin"] and (tmp_path / "late.bin").read_bytes() == DATA


def test_unavailable_and_unknown_files(trueconf_client: Client, trueconf_server: FakeTrueConfServer, alice: Any,
                                       alice_chat: str, tmp_path: Path) -> None:
    file_id = attachment(trueconf_client, alice, alice_chat)
    trueconf_server.call(lambda: trueconf_server.core.state.files[file_id].path.unlink())  # retention removed it
    assert trueconf_client.get_file_info(file_id).ready_state == 0
    with pytest.raises(FileNotAvailableError, match="readyState 0") as gone:
        trueconf_client.download_file(file_id, tmp_path)
    assert gone.value.file_id == file_id
    with pytest.raises(ApiError) as unknown:
        trueconf_client.open_file("f" * 40)
    assert unknown.value.code == 308 and leftovers(tmp_path) == []


def test_download_url_is_rewritten_to_the_configured_server(trueconf_client: Client, trueconf_server:
                                                            FakeTrueConfServer, alice: Any, alice_chat: str) -> None:
    trueconf_server.config.download_base_url = "https://bridge.internal.invalid:8443"
    file_id = attachment(trueconf_client, alice, alice_chat)
    url = trueconf_client.get_file_info(file_id).download_url
    assert url is not None and url.startswith("https://bridge.internal.invalid:8443/")
    assert trueconf_client.download_file(file_id, io.BytesIO()).getvalue() == DATA


def test_a_failed_download_leaves_the_old_file_alone(trueconf_client: Client, alice: Any, alice_chat: str,
                                                     tmp_path: Path) -> None:
    big = os.urandom(2 * 1024 * 1024)
    file_id = attachment(trueconf_client, alice, alice_chat, data=big)
    target = tmp_path / "report.bin"
    target.write_bytes(b"previous version")

    def fail_midway(done: int, total: int) -> None:
        if done > 0:
            raise RuntimeError("disk quota")

    with pytest.raises(RuntimeError, match="disk quota"):
        trueconf_client.download_file(file_id, target, overwrite=True, progress=fail_midway)
    assert target.read_bytes() == b"previous version" and leftovers(tmp_path) == ["report.bin"]
    seen: list[tuple[int, int]] = []
    trueconf_client.download_file.future(file_id, target, overwrite=True,
                                         progress=lambda d, t: seen.append((d, t))).result(10)
    assert target.read_bytes() == big and seen[0] == (0, len(big)) and seen[-1] == (len(big), len(big))


@pytest.mark.slow
def test_server_gone_mid_download(tmp_path: Path) -> None:
    with FakeTrueConfServer() as server:
        server.add_user("bot")
        alice = server.user(server.add_user("alice").split("@")[0])
        client = Client(server.host, server.issue_token("bot"), port=server.port, https=False,
                        auto_reconnect=False, timeout=3)
        try:
            chat_id = client.create_p2p_chat(alice.user_id)
            file_id = attachment(client, alice, chat_id, data=os.urandom(32 * 1024 * 1024))
            stopped = threading.Event()

            def stop_server(done: int, total: int) -> None:
                if done > 0 and not stopped.is_set():
                    stopped.set()
                    server.stop()

            # The stopped server leaves the socket open but silent, or closes it: either way a typed error.
            with pytest.raises((ConnectionLostError, RequestTimeoutError), match="download of file"):
                client.download_file(file_id, tmp_path / "x.bin", progress=stop_server, timeout=1)
            assert leftovers(tmp_path) == []
        finally:
            client.close()


def test_open_file_streams(trueconf_client: Client, alice: Any, alice_chat: str) -> None:
    file_id = attachment(trueconf_client, alice, alice_chat, "table.csv", mime_type="text/csv")
    with trueconf_client.open_file(file_id) as stream:
        assert (stream.name, stream.size, stream.mime_type) == ("table.csv", len(DATA), "text/csv")
        assert stream.read(10) == DATA[:10] and stream.read() == DATA[10:]
        assert "key=" not in repr(stream)
    assert stream.closed
    with trueconf_client.open_file.future(file_id).result(timeout=5) as again:
        assert b"".join(iter(lambda: again.read(1000), b"")) == DATA


def test_message_download_shortcut(trueconf_client: Client, alice: Any, alice_chat: str, tmp_path: Path) -> None:
    voice = trueconf_client.get_message_by_id(alice.send_voice(alice_chat, b"OggS voice"))
    assert voice.download(tmp_path).read_bytes() == b"OggS voice"
    photo_id = alice.send_file(alice_chat, "cat.png", b"\x89PNG...", "image/png")
    forward = trueconf_client.get_message_by_id(alice.forward_message(photo_id, alice_chat))
    assert forward.download(io.BytesIO()).getvalue() == b"\x89PNG..."
    text = trueconf_client.get_message_by_id(alice.send_message(alice_chat, "no file here"))
    with pytest.raises(ValueError, match="has no file to download"):
        text.download(tmp_path)


def test_bad_destinations_are_refused_before_sending(trueconf_client: Client, trueconf_server: FakeTrueConfServer,
                                                     tmp_path: Path) -> None:
    before = dict(trueconf_server.stats["requests"])
    with pytest.raises(FileNotFoundError, match="destination: the directory does not exist"):
        trueconf_client.download_file("a" * 40, tmp_path / "no" / "such.bin")
    with pytest.raises(FileNotFoundError, match="no such directory"):
        trueconf_client.download_file("a" * 40, str(tmp_path / "missing") + os.sep)
    with (tmp_path / "t.txt").open("w") as text, pytest.raises(TypeError, match="binary mode"):
        trueconf_client.download_file("a" * 40, text)
    with pytest.raises(TypeError, match="writable binary file object"):
        trueconf_client.download_file.future("a" * 40, 3)
    with pytest.raises(ValueError, match="file_id"):
        trueconf_client.open_file(" ")
    assert trueconf_server.stats["requests"] == before


def test_urls_and_task_ids_never_reach_logs_or_errors(trueconf_client: Client, trueconf_server:
                                                      FakeTrueConfServer, alice: Any, alice_chat: str,
                                                      tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    trueconf_server.config.progress_interval = 0.05
    sent = trueconf_client.send_file(alice_chat, b"secret stuff", file_name="s.txt")
    trueconf_client.download_file(sent.file_id, tmp_path)
    uploading = attachment(trueconf_client, alice, alice_chat, uploading_seconds=0.3)
    trueconf_client.download_file(uploading, io.BytesIO(), timeout=5)
    info = trueconf_client.get_file_info(sent.file_id)
    trueconf_server.config.download_base_url = trueconf_server.url + "/moved"  # links now answer 404
    with pytest.raises(FileNotAvailableError, match="refused its download link") as refused:
        trueconf_client.download_file(sent.file_id, io.BytesIO())
    trueconf_server.config.upload_error = 310
    with pytest.raises(ApiError) as failed:
        trueconf_client.send_file(alice_chat, b"x")
    state = trueconf_server.core.state
    keys = trueconf_server.call(lambda: [f.key for f in state.files.values()] + list(state.upload_tasks))
    assert "urllib3.connectionpool" in caplog.text  # urllib3 did log its requests
    shown = caplog.text + repr(info) + str(info.previews) + str(refused.value) + str(failed.value)
    assert keys and not [k for k in keys if k in shown]
