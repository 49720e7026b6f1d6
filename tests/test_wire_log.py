"""Wire frames on the ``trueconf_sync.wire`` logger at DEBUG (what ``trueconf-sync -vv`` shows), secrets masked."""

from __future__ import annotations

import logging

from trueconf_sync.transport.frames import FrameReader, Masker
from trueconf_sync.transport.wirelog import masked


def _wire_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.name == "trueconf_sync.wire"]


def test_frames_both_ways_with_token_and_download_url_masked(trueconf_server, trueconf_client_factory, alice,
                                                             caplog):
    caplog.set_level(logging.DEBUG, logger="trueconf_sync.wire")
    token = trueconf_server.issue_token("echo_bot")
    client = trueconf_client_factory(token=token)
    chat_id = client.create_p2p_chat(alice.user_id)
    sent = client.send_file(chat_id, b"secret-free bytes", file_name="a.txt")
    info = client.get_file_info(sent.file_id)
    assert info.download_url
    lines = _wire_lines(caplog)
    assert any(line.startswith("-> ") and '"method":"auth"' in line for line in lines)
    assert any(line.startswith("<- ") and '"method"' not in line and '"userId"' in line for line in lines)
    assert any('"method":"getFileInfo"' in line for line in lines)
    assert any('"downloadUrl": "***"' in line for line in lines)  # the answer's capability URL
    text = "\n".join(lines)
    assert token not in text and info.download_url not in text
    assert info.download_url.split("?")[0] not in text


def test_nothing_logged_and_plain_classes_when_debug_is_off(trueconf_client_factory, alice, caplog):
    caplog.set_level(logging.INFO, logger="trueconf_sync")
    client = trueconf_client_factory()
    client.send_to_user(alice.user_id, "hello")
    assert _wire_lines(caplog) == []
    conn = client._conn
    assert type(conn._masker) is Masker and type(conn._frames) is FrameReader  # no cost on the hot path


def test_masked_covers_secret_keys_and_cuts_long_frames():
    frame = ('{"payload":{"token":"eyJ.a.b","access_token":"x\\"y","password":"p","avatarUrl":"https://h/a?k=1",'
             '"url":"https://s","text":"token: visible"}}')
    shown = masked(frame)
    for secret in ("eyJ.a.b", 'x\\"y', '"p"', "https://h/a?k=1", "https://s"):
        assert secret not in shown
    assert '"text":"token: visible"' in shown  # ordinary values stay readable
    long = masked('{"text":"' + "a" * 5000 + '"}')
    assert len(long) < 2100 and long.endswith("chars)")


def test_masked_hides_upload_task_ids():
    # uploadFile's answer: the task id lets anyone upload into the bot's task (found leaking at -vv).
    line = masked('{"type":2,"id":5,"payload":{"uploadTaskId":"af0eb628-612f","fileId":"f1"}}')
    assert "af0eb628" not in line and '"uploadTaskId":"***"' in line and '"fileId":"f1"' in line
