"""Fake server: upload tasks, HTTP upload/download, file info, limits, progress (§3.23–§3.28, §6)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from trueconf_sync.testing import FakeTrueConfServer

UPLOAD = "/bridge/api/client/v1/files"
ALICE = "alice@video.example.com"


def upload(server: FakeTrueConfServer, task_id: str, data: bytes, name: str = "report.pdf",
           mime: str = "application/pdf", preview: bytes | None = None) -> requests.Response:
    files: dict[str, Any] = {"file": (name, data, mime)}
    if preview is not None:
        files["preview"] = ("preview.webp", preview, "image/webp")
    return requests.post(server.url + UPLOAD, headers={"Upload-Task-Id": task_id}, files=files, timeout=5)


def raw_utf8_upload(server: FakeTrueConfServer, task_id: str, data: bytes, name: str) -> requests.Response:
    """Multipart body with an unquoted raw UTF-8 filename, as the SDK builds it."""
    boundary = "XyZ"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/plain\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return requests.post(server.url + UPLOAD, data=body, timeout=5, headers={
        "Upload-Task-Id": task_id, "Content-Type": f"multipart/form-data; boundary={boundary}"})


def new_task(client: Any, size: int, name: str = "report.pdf") -> str:
    reply = client.request("uploadFile", {"fileSize": size, "fileName": name})
    task_id: str = reply["uploadTaskId"]
    return task_id


def send_file(fake: FakeTrueConfServer, client: Any, chat_id: str, data: bytes, **content: Any) -> Any:
    temporal = upload(fake, new_task(client, len(data)), data).json()["temporalFileId"]
    return client.request("sendFile", {"chatId": chat_id, "content": {"temporalFileId": temporal, **content}})


def test_full_send_and_download_flow(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = client.request("createP2PChat", {"userId": ALICE})["chatId"]
    data = b"%PDF-1.4 " + bytes(range(256)) * 40
    task_id = new_task(client, len(data))
    reply = upload(fake, task_id, data, preview=b"RIFFwebp")
    assert reply.status_code == 200
    temporal = reply.json()["temporalFileId"]
    sent = client.request("sendFile", {"chatId": chat_id, "content": {"temporalFileId": temporal}})
    assert set(sent) == {"chatId", "messageId", "timestamp", "fileId"}
    info = client.request("getFileInfo", {"fileId": sent["fileId"]})
    assert info["name"] == "report.pdf" and info["size"] == len(data) and info["mimeType"] == "application/pdf"
    assert info["readyState"] == 2 and info["fileId"] == info["infoHash"] == sent["fileId"]
    assert info["previews"][0]["mimeType"] == "image/webp" and info["previews"][0]["size"] == 8
    download = requests.get(info["downloadUrl"], timeout=5)
    assert download.status_code == 200 and download.content == data
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Length"] == str(len(data))
    assert requests.get(info["previews"][0]["downloadUrl"], timeout=5).content == b"RIFFwebp"
    assert requests.get(info["downloadUrl"].split("?")[0] + "?key=guess", timeout=5).status_code == 404
    envelope = fake.user("alice").wait_for_message(chat_id)
    assert envelope["type"] == 202
    assert envelope["content"] == {"name": "report.pdf", "mimeType": "application/pdf", "size": len(data),
                                   "fileId": sent["fileId"], "readyState": 2}


def test_upload_errors(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    unknown = upload(fake, "052b0c6a-da5d-4f72-a408-6d1cb7dcad72", b"x")
    assert unknown.status_code == 400
    assert unknown.json() == {"error": 310, "error_description":
                              "No task found for request_id: 052b0c6a-da5d-4f72-a408-6d1cb7dcad72"}
    task_id = new_task(client, 5)
    mismatch = upload(fake, task_id, b"123")
    assert mismatch.status_code == 400 and mismatch.json()["error"] == 310
    assert upload(fake, task_id, b"12345").status_code == 200  # a failed attempt leaves the task usable
    assert upload(fake, task_id, b"12345").status_code == 400  # used once
    no_file = requests.post(fake.url + UPLOAD, headers={"Upload-Task-Id": new_task(client, 1)},
                            files={"other": ("a", b"1")}, timeout=5)
    assert no_file.status_code == 400


def test_upload_size_check_can_be_disabled(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.check_upload_size = False
    client = connect()
    assert upload(fake, new_task(client, 100), b"short").status_code == 200


@pytest.mark.parametrize("raw", [True, False])
def test_non_ascii_filenames(fake: FakeTrueConfServer, connect: Any, raw: bool) -> None:
    client = connect()
    name = "отчёт 2025 ✓.txt"
    task_id = client.request("uploadFile", {"fileSize": 4, "fileName": name})["uploadTaskId"]
    reply = raw_utf8_upload(fake, task_id, b"data", name) if raw else upload(fake, task_id, b"data", name,
                                                                                   "text/plain")
    assert reply.status_code == 200, reply.text
    chat_id = client.request("createGroupChat", {"title": "files"})["chatId"]
    sent = client.request("sendFile", {"chatId": chat_id, "content": {
        "temporalFileId": reply.json()["temporalFileId"]}})
    assert client.request("getFileInfo", {"fileId": sent["fileId"]})["name"] == name


def test_send_file_with_caption_and_errors(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = client.request("createGroupChat", {"title": "files"})["chatId"]
    sent = send_file(fake, client, chat_id, b"abc", caption={"text": "Annual **report**", "parseMode": "markdown"})
    caption = client.request("getMessageById", {"messageId": sent["captionMessageId"]})
    assert caption["content"] == {"text": "Annual **report**", "parseMode": "markdown"}
    assert client.request("editMessage", {"messageId": sent["captionMessageId"],
                                          "content": {"text": "new", "parseMode": "text"}})["messageId"]
    assert client.request("sendFile", {"chatId": chat_id, "content": {"temporalFileId": "nope"}}) == {
        "errorCode": 308}
    assert client.request("getFileInfo", {"fileId": "nope"}) == {"errorCode": 308}
    assert client.request("uploadFile", {"fileName": "x"}) == {"errorCode": 399}


def test_upload_limits(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    assert client.request("getFileUploadLimits", {}) == {"maxSize": None, "extensions": None}
    [server_id] = fake.set_upload_limits(100, "block", ["exe", "bat"])
    event = client.event("getFileUploadLimits")
    assert event["id"] == server_id
    assert event["payload"] == {"maxSize": 100, "extensions": {"mode": "block", "list": ["exe", "bat"]}}
    assert client.request("uploadFile", {"fileSize": 101, "fileName": "a.txt"}) == {"errorCode": 310}
    assert client.request("uploadFile", {"fileSize": 10, "fileName": "setup.EXE"}) == {"errorCode": 310}
    assert "uploadTaskId" in client.request("uploadFile", {"fileSize": 10, "fileName": "a.txt"})
    fake.set_upload_limits(None, "allow", ["pdf"])
    assert client.request("uploadFile", {"fileSize": 10, "fileName": "a.txt"}) == {"errorCode": 310}
    assert "uploadTaskId" in client.request("uploadFile", {"fileSize": 10, "fileName": "a.pdf"})


def test_limits_pushed_on_auth_when_configured(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.push_limits_on_auth = True
    assert connect().event("getFileUploadLimits")["payload"] == {"maxSize": None, "extensions": None}


def test_uploading_file_progress_only_to_subscribers(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.progress_interval = 0.05
    client, bystander = connect(), connect()
    alice = fake.user("alice")
    chat_id = alice.p2p_chat_with("echo_bot")
    message_id = alice.send_file(chat_id, "big.bin", b"x" * 1000, uploading_seconds=0.4)
    bystander.event("createP2PChat")
    file_id = client.event("sendMessage")["payload"]["content"]["fileId"]
    bystander.event("sendMessage")
    info = client.request("getFileInfo", {"fileId": file_id})
    assert info["readyState"] == 1 and info["downloadUrl"] is None
    assert client.request("subscribeFileProgress", {"fileId": file_id}) == {"result": True}
    progress = []
    while not progress or progress[-1] < 1000:
        progress.append(client.event("uploadFileProgress", timeout=3)["payload"]["progress"])
    assert progress == sorted(progress) and progress[-1] == 1000
    fake.wait_for(lambda s: s.call(lambda: s.core.state.files[file_id].ready_state) == 2)
    assert client.request("getFileInfo", {"fileId": file_id})["readyState"] == 2
    assert client.request("getMessageById", {"messageId": message_id})["content"]["readyState"] == 2
    bystander.no_event()
    assert client.request("unsubscribeFileProgress", {"fileId": file_id}) == {"result": True}


def test_unsubscribe_stops_progress(fake: FakeTrueConfServer, connect: Any) -> None:
    fake.config.progress_interval = 0.05
    client = connect()
    alice = fake.user("alice")
    chat_id = alice.p2p_chat_with("echo_bot")
    alice.send_file(chat_id, "big.bin", b"x" * 10, uploading_seconds=0.5)
    file_id = client.event("sendMessage")["payload"]["content"]["fileId"]
    client.request("subscribeFileProgress", {"fileId": file_id})
    client.event("uploadFileProgress")
    assert client.request("unsubscribeFileProgress", {"fileId": file_id}) == {"result": True}
    client.events.clear()
    while client.request("getFileInfo", {"fileId": file_id})["readyState"] != 2:  # wait until the upload ends
        time.sleep(0.02)
    alice.send_message(chat_id, "sentinel")  # pushed after any progress of the finished upload
    assert client.event("sendMessage")["payload"]["content"]["text"] == "sentinel"
    assert [frame["method"] for frame in client.events] == []  # no progress after unsubscribing


def test_subscribe_to_ready_file_sends_final_progress_first(fake: FakeTrueConfServer, connect: Any) -> None:
    client = connect()
    chat_id = client.request("createGroupChat", {"title": "f"})["chatId"]
    file_id = send_file(fake, client, chat_id, b"12345")["fileId"]
    request_id = client.send_request("subscribeFileProgress", {"fileId": file_id})
    first = client.recv()
    assert first["method"] == "uploadFileProgress" and first["payload"] == {"fileId": file_id, "progress": 5}
    assert client.response(request_id) == {"result": True}


def test_edit_chat_avatar(fake: FakeTrueConfServer, connect: Any) -> None:
    client, other = connect(), connect()
    chat_id = client.request("createGroupChat", {"title": "pics"})["chatId"]
    other.event("createGroupChat")
    temporal = upload(fake, new_task(client, 4, "a.png"), b"\x89PNG", "a.png", "image/png").json()["temporalFileId"]
    assert client.request("editChatAvatar", {"chatId": chat_id, "temporalFileId": temporal}) == {}
    event = other.event("editChatAvatar")["payload"]
    assert event["chatId"] == chat_id and requests.get(event["avatarUrl"], timeout=5).content == b"\x89PNG"
    assert client.request("getChatByID", {"chatId": chat_id})["avatarUrl"] == event["avatarUrl"]
    assert client.request("editChatAvatar", {"chatId": chat_id, "temporalFileId": temporal}) == {
        "errorCode": 308}
