"""The durable outbox (trueconf_sync.outbox) against the fake server: checks, order, failures, crashes."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from trueconf_sync.files.remote import RemoteAddressError
from trueconf_sync.outbox import Outbox

FAST = {"backoff_base": 0.02, "backoff_max": 0.1, "outage_max_delay": 0.1, "poll_interval": 0.05}


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    with Outbox(tmp_path / "outbox.db", **FAST) as box:  # type: ignore[arg-type]
        yield box


def texts(server: Any, chat_id: str) -> list[str]:
    return [m["content"].get("text") for m in server.chat_messages(chat_id) if m["type"] == 200]


def wait_delivered(outbox: Outbox, wait_until: Callable[..., Any], count: int, timeout: float = 10.0) -> None:
    wait_until(lambda: outbox.stats().pending == 0 and outbox.stats().sent + outbox.stats().dead >= count,
               timeout=timeout, message="outbox drained")


# ---- put: arguments are checked before anything is stored ------------------------------------

@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"text": "hi"}, ValueError, "exactly one of to"),
    ({"to": "alice", "chat_id": "c1", "text": "hi"}, ValueError, "exactly one of to"),
    ({"to": " alice", "text": "hi"}, ValueError, "to must be a non-empty id"),
    ({"to": "alice"}, ValueError, "give text, files or both"),
    ({"to": "alice", "text": "x" * 4097}, ValueError, "text is 4097 visible characters long; the limit is 4096"),
    ({"to": "alice", "text": "hi", "parse_mode": "rtf"}, ValueError, "parse_mode must be one of"),
    ({"to": "alice", "text": "hi", "key": ""}, ValueError, "key must be 1-256 characters long, got 0"),
    ({"to": "alice", "text": "hi", "key": "k" * 257}, ValueError, "key must be 1-256 characters long"),
    ({"to": "alice", "text": "hi", "files": "a.txt"}, TypeError, "files must be a list"),
    ({"to": "alice", "text": "hi", "files": [1]}, TypeError, "files[0] must be a path or an http(s) URL"),
    ({"to": "alice", "text": "hi", "files": ["http://127.0.0.1/x"]}, RemoteAddressError, "files[0]"),
    ({"to": "alice", "text": "hi", "files": ["http://169.254.169.254/latest"]}, RemoteAddressError, "files[0]"),
    ({"to": "alice", "text": "hi", "files": ["/no/such/file"]}, FileNotFoundError, "/no/such/file"),
])
def test_put_rejects_bad_arguments_and_stores_nothing(outbox: Outbox, kwargs: dict[str, Any],
                                                       error: type[Exception], words: str) -> None:
    with pytest.raises(error) as info:
        outbox.put(**kwargs)
    assert words in str(info.value)
    assert outbox.entries() == []


def test_put_with_a_known_key_adds_nothing(outbox: Outbox) -> None:
    first = outbox.put("alice", "disk full", key="db-1/disk")
    again = outbox.put("alice", "disk full (retry of the webhook)", key="db-1/disk")
    other = outbox.put("alice", "disk full", key="db-2/disk")
    assert (first.duplicate, again.duplicate, other.duplicate) == (False, True, False)
    assert again.id == first.id
    assert [e.text for e in outbox.entries()] == ["disk full", "disk full"]


def test_entries_survive_reopening(tmp_path: Path) -> None:
    with Outbox(tmp_path / "o.db") as box:
        box.put("alice", "one")
        box.put(chat_id="chat-1", text="two", parse_mode="markdown")
    with Outbox(tmp_path / "o.db") as box:
        assert [(e.recipient, e.text, e.parse_mode, e.state) for e in box.entries()] == [
            ("user:alice", "one", "text", "pending"), ("chat:chat-1", "two", "markdown", "pending")]
    assert sqlite3.connect(tmp_path / "o.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# ---- delivery ----------------------------------------------------------------------------------

def test_delivers_in_order_to_people_and_chats(outbox: Outbox, trueconf_server: Any, trueconf_client: Any,
                                               wait_until: Callable[..., Any]) -> None:
    group = trueconf_client.create_group_chat("ops")
    for i in range(20):
        outbox.put("alice", f"a{i}")
        outbox.put("bob@video.example.com", f"b{i}", key=f"b{i}")
        outbox.put(chat_id=group, text=f"**g{i}**", parse_mode="markdown")
    outbox.start(trueconf_client)
    wait_delivered(outbox, wait_until, 60)
    entries = outbox.entries()
    assert {e.state for e in entries} == {"sent"}
    alice_chat = entries[0].chat_id
    bob_chat = entries[1].chat_id
    assert texts(trueconf_server, alice_chat) == [f"a{i}" for i in range(20)]
    assert texts(trueconf_server, bob_chat) == [f"b{i}" for i in range(20)]
    assert texts(trueconf_server, group) == [f"**g{i}**" for i in range(20)]
    assert trueconf_server.stats["requests"].get("createP2PChat") == 2  # cached after the first
    assert all(len(e.message_ids) == 1 for e in entries)
    assert outbox.stats().delivered_total == 60


def test_files_are_stored_and_sent_with_the_text_as_caption(outbox: Outbox, trueconf_server: Any,
                                                            trueconf_client: Any, tmp_path: Path,
                                                            wait_until: Callable[..., Any]) -> None:
    report = tmp_path / "report.txt"
    report.write_bytes(b"all good\n")
    outbox.put("alice", "nightly report", files=[report])
    report.unlink()  # the outbox holds its own copy
    outbox.start(trueconf_client)
    wait_delivered(outbox, wait_until, 1)
    entry = outbox.entries()[0]
    assert entry.state == "sent", entry.error
    messages = trueconf_server.chat_messages(entry.chat_id)
    assert [m["type"] for m in messages] == [202, 200]
    assert messages[0]["content"]["name"] == "report.txt"
    assert messages[1]["content"]["text"] == "nightly report"


def test_unknown_user_is_a_dead_letter_that_can_be_retried(outbox: Outbox, trueconf_server: Any,
                                                          trueconf_client: Any,
                                                          wait_until: Callable[..., Any]) -> None:
    outbox.put("carol", "hello carol")
    outbox.put("alice", "hello alice")  # another recipient is not held up
    outbox.start(trueconf_client)
    wait_delivered(outbox, wait_until, 2)
    dead = outbox.entries("dead")
    assert [e.text for e in dead] == ["hello carol"]
    assert "carol" in (dead[0].error or "") and dead[0].attempts == 1
    trueconf_server.add_user("carol")
    assert outbox.retry() == 1
    wait_until(lambda: outbox.entries("dead") == [] and outbox.stats().pending == 0, timeout=10)
    assert [e.state for e in outbox.entries()] == ["sent", "sent"]


def test_transient_errors_retry_and_permanent_ones_dead_letter(outbox: Outbox, trueconf_server: Any,
                                                               trueconf_client: Any,
                                                               wait_until: Callable[..., Any]) -> None:
    chat = trueconf_client.create_group_chat("ops")
    trueconf_server.fail_requests(300, "sendMessage", count=2)
    outbox.put(chat_id=chat, text="survives two internal errors")
    outbox.start(trueconf_client)
    wait_delivered(outbox, wait_until, 1)
    entry = outbox.entries()[0]
    assert (entry.state, entry.attempts) == ("sent", 2)
    trueconf_server.fail_requests(303, "sendMessage", count=1)
    outbox.put(chat_id=chat, text="forbidden")
    outbox.put(chat_id=chat, text="after the dead letter")
    wait_delivered(outbox, wait_until, 3)
    assert [(e.text, e.state) for e in outbox.entries()] == [
        ("survives two internal errors", "sent"), ("forbidden", "dead"), ("after the dead letter", "sent")]
    assert "303" in (outbox.entries("dead")[0].error or "")


def test_max_attempts_makes_a_dead_letter(tmp_path: Path, trueconf_server: Any, trueconf_client: Any,
                                          wait_until: Callable[..., Any]) -> None:
    chat = trueconf_client.create_group_chat("ops")
    trueconf_server.fail_requests(300, "sendMessage", count=3)
    with Outbox(tmp_path / "o.db", max_attempts=3, **FAST) as box:  # type: ignore[arg-type]
        box.put(chat_id=chat, text="never")
        box.start(trueconf_client)
        wait_delivered(box, wait_until, 1)
        entry = box.entries()[0]
        assert (entry.state, entry.attempts) == ("dead", 3)
    assert texts(trueconf_server, chat) == []


def test_server_outage_loses_nothing_and_keeps_order(outbox: Outbox, trueconf_server: Any,
                                                     trueconf_client_factory: Callable[..., Any],
                                                     wait_until: Callable[..., Any]) -> None:
    client = trueconf_client_factory(reconnect_max_delay=0.1, timeout=2.0)
    outbox.put("alice", "before")
    outbox.start(client)
    wait_delivered(outbox, wait_until, 1)
    trueconf_server.stop()
    for i in range(30):
        outbox.put("alice", f"a{i}")
        outbox.put("bob", f"b{i}")
    wait_until(lambda: outbox.outage_since is not None, timeout=10, message="outage noticed")
    assert outbox.stats().pending == 60 and outbox.stats().dead == 0
    trueconf_server.start()
    wait_delivered(outbox, wait_until, 61, timeout=20)
    entries = outbox.entries()
    assert {e.state for e in entries} == {"sent"}
    assert all(e.attempts == 0 for e in entries)  # an outage uses no attempts
    assert texts(trueconf_server, entries[0].chat_id) == ["before"] + [f"a{i}" for i in range(30)]
    assert texts(trueconf_server, entries[2].chat_id) == [f"b{i}" for i in range(30)]
    assert outbox.outage_since is None


def _crash_after_send(path: Path, entry_id: int) -> None:
    """Put a delivered entry back as it is after a crash between the send and the mark."""
    db = sqlite3.connect(path)
    db.execute("UPDATE entries SET state = 'pending', done = 0, message_ids = '[]' WHERE id = ?",
               (entry_id,))
    db.execute("DELETE FROM anchors")
    db.commit()
    db.close()


@pytest.mark.parametrize("key", ["alert-42", None])
def test_crash_between_send_and_mark(tmp_path: Path, key: str | None, trueconf_server: Any,
                                     trueconf_client: Any, wait_until: Callable[..., Any]) -> None:
    path = tmp_path / "o.db"
    chat = trueconf_client.create_group_chat("ops")
    with Outbox(path, **FAST) as box:  # type: ignore[arg-type]
        box.put(chat_id=chat, text="earlier")
        receipt = box.put(chat_id=chat, text="disk full", key=key)
        box.deliver_pending(trueconf_client)
    _crash_after_send(path, receipt.id)
    with Outbox(path, **FAST) as box:  # type: ignore[arg-type]
        assert box.deliver_pending(trueconf_client) == 1
        assert box.entries()[1].state == "sent"
    expected = ["earlier", "disk full"] if key else ["earlier", "disk full", "disk full"]
    assert texts(trueconf_server, chat) == expected


def test_crash_check_resends_when_the_message_is_not_in_the_chat(tmp_path: Path, trueconf_server: Any,
                                                                trueconf_client: Any) -> None:
    path = tmp_path / "o.db"
    chat = trueconf_client.create_group_chat("ops")
    with Outbox(path) as box:
        box.put(chat_id=chat, text="never arrived", key="k1")
    # the process died before the frame left; the bot wrote similar text by other means meanwhile
    trueconf_client.send_message(chat, "never arrived!")  # similar text by the bot: not a match
    with Outbox(path) as box:
        assert box.deliver_pending(trueconf_client) == 1
    assert texts(trueconf_server, chat) == ["never arrived!", "never arrived"]


def test_purge_and_second_deliverer(outbox: Outbox, trueconf_client: Any, tmp_path: Path) -> None:
    outbox.put(chat_id="nope", text="x")
    outbox.put("alice", "y")
    outbox.deliver_pending(trueconf_client)
    assert [e.state for e in outbox.entries()] == ["dead", "sent"]
    with pytest.raises(ValueError, match="pending entries are never purged"):
        outbox.purge("pending")
    assert outbox.purge("sent") == 1
    assert outbox.purge("dead") == 1
    assert outbox.entries() == []
    outbox.start(trueconf_client)
    with Outbox(tmp_path / "outbox.db") as other, pytest.raises(RuntimeError, match="another process"):
        other.start(trueconf_client)


@pytest.mark.parametrize("key", ["k-7", None])
def test_lost_answer_is_checked_in_the_history_when_a_key_is_given(
        tmp_path: Path, key: str | None, trueconf_server: Any, trueconf_client_factory: Callable[..., Any],
        wait_until: Callable[..., Any]) -> None:
    client = trueconf_client_factory(timeout=0.5)
    chat = client.create_group_chat("ops")
    trueconf_server.withhold_responses("sendMessage")  # the message is stored, its answer never comes
    with Outbox(tmp_path / "o.db", **FAST) as box:  # type: ignore[arg-type]
        box.put(chat_id=chat, text="disk full", key=key)
        box.start(client)
        if key is None:  # the resend would wait forever too: answer again once the loss was noticed
            wait_until(lambda: box.outage_since is not None, timeout=10, message="lost answer noticed")
            trueconf_server.release_responses()
        wait_delivered(box, wait_until, 1)
        assert box.entries()[0].state == "sent"
    trueconf_server.release_responses()
    requests = trueconf_server.stats["requests"]
    if key:  # found in the history, never sent twice
        assert texts(trueconf_server, chat) == ["disk full"]
        assert requests["sendMessage"] == 1 and requests["getChatHistory"] >= 1
    else:
        assert texts(trueconf_server, chat) == ["disk full", "disk full"]


def test_a_removed_personal_chat_is_opened_again(outbox: Outbox, trueconf_server: Any, trueconf_client: Any,
                                                 wait_until: Callable[..., Any]) -> None:
    outbox.put("alice", "first")
    outbox.deliver_pending(trueconf_client)
    old_chat = outbox.entries()[0].chat_id
    trueconf_client.remove_chat(old_chat)
    outbox.put("alice", "second")
    outbox.deliver_pending(trueconf_client)
    second = outbox.entries()[1]
    assert second.state == "sent" and second.attempts == 0 and second.chat_id != old_chat
    assert texts(trueconf_server, second.chat_id) == ["second"]
