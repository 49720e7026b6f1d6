"""Secrets (password, tokens, download URL keys, Upload-Task-Id) never reach logs, errors or reprs.

One full session runs with every logger at DEBUG (the library's, urllib3's, websocket-client's):
password login, token renewal, sends, events, a file upload, file info with its download URL, a
download, failures of several kinds. Then the captured text is searched for every secret.
"""

from __future__ import annotations

import logging
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from trueconf_sync import AuthError, Client, TrueConfError

PASSWORD = "Pa55-w0rd-very-secret"


def _secrets(server, client, download_urls):
    tokens = server.call(lambda: list(server.core.state.tokens))
    task_ids = server.call(lambda: list(server.core.state.upload_tasks))
    keys = [value for url in download_urls for values in parse_qs(urlsplit(url).query).values() for value in values]
    found = {"password": [PASSWORD], "token": tokens, "upload task id": task_ids,
             "download url": list(download_urls), "download key": keys}
    assert tokens and task_ids and download_urls and keys, found  # the session really used them
    return found


def test_no_secret_in_debug_logs_errors_or_reprs(trueconf_server, caplog, tmp_path):
    trueconf_server.add_user("secret_bot", PASSWORD)
    trueconf_server.add_user("carol")
    carol = trueconf_server.user("carol")
    caplog.set_level(logging.DEBUG)  # the root logger: every library's debug lines
    texts = []  # exception messages and reprs collected along the way

    def expect_error(call, *args, **kwargs):
        with pytest.raises(TrueConfError) as info:
            call(*args, **kwargs)
        texts.extend([str(info.value), repr(info.value), repr(info.value.__cause__)])

    client = Client(trueconf_server.host, username="secret_bot", password=PASSWORD, port=trueconf_server.port,
                    https=False, timeout=3, ack="after_handling")
    texts.append(repr(client))
    got = threading.Event()

    @client.on_message
    def on_message(message):
        texts.append(repr(message))
        got.set()

    with client:
        chat = client.create_p2p_chat(carol.user_id)
        client.send_message(chat, "hello carol")
        carol.send_message(chat, "hello bot")
        assert got.wait(3)
        sent = client.send_file(chat, b"secret payload" * 100, file_name="report.txt")
        texts.append(repr(sent))
        info = client.get_file_info(sent.file_id)
        texts.extend([repr(info), str(info)])
        assert info.download_url
        target = client.download_file(sent.file_id, tmp_path / "copy.txt")
        assert target.read_bytes() == b"secret payload" * 100
        # failures of several kinds
        expect_error(client.get_file_info, "0" * 40)
        trueconf_server.delay_responses(1.0, "getChats")
        expect_error(client.get_chats, timeout=0.2)
        trueconf_server.delay_responses(0)
        trueconf_server.fail_requests(203, "getChats")  # token renewal on 203
        client.get_chats()
        trueconf_server.drop_on("upload")
        expect_error(client.send_file, chat, b"x" * 200_000, file_name="cut.bin")
        trueconf_server.drop_connections()
        assert client.wait_connected(5)
        texts.append(repr(client.health()))
    wrong = Client(trueconf_server.host, username="secret_bot", password=PASSWORD + "x", port=trueconf_server.port,
                   https=False, timeout=3)
    with pytest.raises(AuthError) as refused:
        wrong.connect()
    texts.extend([str(refused.value), repr(refused.value), repr(wrong)])
    wrong.close()
    time.sleep(0.1)

    logged = "\n".join(caplog.messages + [r.getMessage() for r in caplog.records]
                       + [caplog.text] + texts)
    assert "oauth/token" in caplog.text or "POST" in caplog.text  # urllib3 debug lines were captured
    leaks = {kind: [v for v in values if v and v in logged]
             for kind, values in _secrets(trueconf_server, client, [info.download_url]).items()}
    assert leaks == {kind: [] for kind in leaks}
