"""examples/notebook.ipynb, executed headless with nbclient in a real kernel against the fake server.

The test plays the person the bot talks to (alice): when the notebook asks for three messages,
alice sends them while the kernel keeps running cells. Then cells are re-run in the same kernel
to show that re-running leaks no connection, no thread and no handler.
"""

from __future__ import annotations

import ast
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from trueconf_sync.testing import FakeTrueConfServer  # noqa: E402

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "notebook.ipynb"
TEXTS = ("first", "second", "third")


def _cell(nb: Any, tag: str) -> tuple[int, Any]:
    for index, cell in enumerate(nb.cells):
        if tag in cell.get("metadata", {}).get("tags", []):
            return index, cell
    raise AssertionError(f"no cell tagged {tag!r} in {NOTEBOOK.name}")


def _data(cell: Any, mime: str) -> str:
    """The ``mime`` output of an executed cell (its result), failing on errors."""
    for output in cell.outputs:
        assert output.output_type != "error", "\n".join(output.get("traceback", []))
    found = [o.data[mime] for o in cell.outputs if o.output_type in ("execute_result", "display_data")
             and mime in o.data]
    assert found, f"cell {cell.source[:40]!r} has no {mime} output: {cell.outputs}"
    return str(found[-1])


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeTrueConfServer]:
    with FakeTrueConfServer() as fake:
        fake.add_user("notebook_bot", password="pw")
        fake.add_user("alice", password="pw")
        monkeypatch.setenv("TRUECONF_SERVER", f"http://{fake.host}:{fake.port}")
        monkeypatch.setenv("TRUECONF_TOKEN", fake.issue_token("notebook_bot"))
        monkeypatch.setenv("TRUECONF_PEER", "alice")
        monkeypatch.delenv("TRUECONF_USERNAME", raising=False)
        yield fake


def _play_alice(server: FakeTrueConfServer, errors: list[BaseException]) -> None:
    """Wait for the bot's request, then send three messages (as a person in the TrueConf app would)."""
    try:
        alice = server.user("alice")
        prompt = alice.wait_for_message(predicate=lambda e: "three messages" in e["content"].get("text", ""),
                                        timeout=60)
        for text in TEXTS:
            alice.send_message(prompt["chatId"], text)
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


@pytest.mark.slow
def test_notebook_runs_and_rerunning_cells_leaks_nothing(server: FakeTrueConfServer) -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    runner = nbclient.NotebookClient(nb, timeout=90, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    errors: list[BaseException] = []
    alice = threading.Thread(target=_play_alice, args=(server, errors), daemon=True)
    alice.start()

    def run(tag: str) -> Any:
        index, cell = _cell(nb, tag)
        runner.execute_cell(cell, index)
        return cell

    def probe(source: str) -> Any:
        cell = nbformat.v4.new_code_cell(source)
        nb.cells.append(cell)  # nbclient stores the executed cell back into the notebook
        try:
            runner.execute_cell(cell, len(nb.cells) - 1)
        finally:
            nb.cells.pop()
        return json.loads(ast.literal_eval(_data(cell, "text/plain")))

    with runner.setup_kernel():
        # 1. The whole notebook, in order.
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                runner.execute_cell(cell, index)
        alice.join(5)
        assert not errors, errors

        connect = _cell(nb, "connect")[1]
        assert "connected" in _data(connect, "text/plain")
        assert "notebook_bot@" in _data(connect, "text/plain")
        assert "SentMessage(" in _data(_cell(nb, "send")[1], "text/plain")
        history = _data(_cell(nb, "history")[1], "text/html")
        assert history.startswith("<table") and "Hello from a Jupyter notebook" in history
        assert "alice@" in _data(_cell(nb, "chats")[1], "text/html")
        inbox = _data(_cell(nb, "inbox")[1], "text/html")
        assert all(f"<td>{text}</td>" in inbox for text in TEXTS), inbox
        assert "3 messages" not in inbox and "Handled in the background" in inbox
        threads = _data(_cell(nb, "threads")[1], "text/plain")
        assert "reader" in threads and "trueconf-worker-" in threads
        assert _data(_cell(nb, "close")[1], "text/plain").startswith("('closed', [])")
        # The handler replied to each message, from its background thread.
        replies = [e["content"]["text"] for e in server.user("alice").inbox()]
        assert sorted(r for r in replies if r.startswith("Got it")) == sorted(f"Got it: {t}" for t in TEXTS)

        # 2. Re-run "connect" three times, then "handler" three times: one client, one handler.
        for _ in range(3):
            run("connect")
        assert server.wait_for(lambda s: s.stats["connections"] == 1, timeout=5)
        names = probe('import json, threading\n'
                      'json.dumps(sorted(t.name for t in threading.enumerate() if t.name.startswith("trueconf")))')
        # one client's reader; the heartbeat and the handler thread are shared by the process
        assert len([name for name in names if name.endswith("-reader")]) == 1, names
        assert "trueconf-heartbeat" in names and len(names) <= 3, names  # (+ a pool thread once events came)
        for _ in range(3):
            run("handler")
        chat_id = probe("json.dumps(chat_id)")
        server.user("alice").send_message(chat_id, "fourth")
        server.user("alice").wait_for_message(predicate=lambda e: e["content"].get("text") == "Got it: fourth",
                                              timeout=10)
        # a second handler would have run by now (same dispatcher thread, right after the first)
        assert probe("import time; time.sleep(0.3); json.dumps([m.text for m in inbox])") == ["fourth"]
        replies = [e["content"]["text"] for e in server.user("alice").inbox()]
        assert replies.count("Got it: fourth") == 1, replies

        # 3. Closing from the notebook ends the connection and every thread.
        closed = run("close")
        assert _data(closed, "text/plain").startswith("('closed', [])")
        assert server.wait_for(lambda s: s.stats["connections"] == 0, timeout=5)

    # No secret in anything the notebook showed.
    shown = json.dumps([cell.get("outputs", []) for cell in nb.cells])
    assert os.environ["TRUECONF_TOKEN"] not in shown


# ---- rich display (what the notebook shows) --------------------------------------------------


def test_history_table_shows_every_kind_escaped_and_without_secrets(trueconf_client: Any,
                                                                    trueconf_server: FakeTrueConfServer) -> None:
    from trueconf_sync.api.display import summary

    alice = trueconf_server.user("alice")
    chat_id = trueconf_client.create_p2p_chat("alice")
    alice.send_message(chat_id, "<script>alert(1)</script> & more")
    alice.send_file(chat_id, "report.pdf", b"%PDF-1.4 data", "application/pdf", uploading_seconds=0)
    alice.send_location(chat_id, 55.75, 37.61, "Office")
    alice.send_survey(chat_id, "Lunch?")
    alice.send_voice(chat_id, b"OggS", duration=3)
    first = alice.send_message(chat_id, "to forward")
    alice.forward_message(first, chat_id)
    history = trueconf_client.get_chat_history(chat_id, count=20)
    html = history._repr_html_()

    assert html.startswith('<table class="trueconf-sync"') and html.endswith("</table>")
    assert f"History of chat {chat_id}: 7 messages, newest first" in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "[file] report.pdf (13 bytes)" in html
    assert "[location] 55.75000, 37.61000 Office" in html
    assert "[survey] Lunch?" in html and "[voice] 3 s" in html
    assert "[forward] to forward" in html
    assert html.count("alice@video.example.com") == 7
    survey = next(m for m in history if m.type.name == "SURVEY")
    assert survey.content.secret and survey.content.secret not in html and survey.content.secret not in repr(survey)
    # One message displays as a one-row table; summary() is the plain-text cell.
    newest = history[0]
    one = newest._repr_html_()
    assert one.count("<tr>") == 2 and f"<td>{summary(newest)}</td>" in one and newest.message_id in one
    assert summary(newest) == "[forward] to forward"


def test_chat_list_and_single_chat_tables(trueconf_client: Any, trueconf_server: FakeTrueConfServer) -> None:
    chat_id = trueconf_client.create_p2p_chat("alice")
    group = trueconf_client.create_group_chat("Ops <team>")
    trueconf_server.user("alice").send_message(chat_id, "hello")
    chats = trueconf_client.get_chats(count=10)
    assert isinstance(chats, list) and len(chats) == 2
    html = chats._repr_html_()
    assert "2 chats" in html and "Ops &lt;team&gt;" in html and "<td>group</td>" in html and "<td>p2p</td>" in html
    assert "<td>hello</td>" in html
    single = trueconf_client.get_chat_by_id(group)._repr_html_()
    assert single.count("<tr>") == 2 and group in single


def test_table_rows_are_capped_and_inputs_checked(trueconf_client: Any, trueconf_server: FakeTrueConfServer) -> None:
    from trueconf_sync.api import display

    chat_id = trueconf_client.create_p2p_chat("alice")
    for i in range(5):
        trueconf_client.send_message(chat_id, f"line {i} " + "x" * 400)
    history = trueconf_client.get_chat_history(chat_id)
    html = display.Table(history.messages, "mine")._repr_html_()
    assert html.count("x" * (display.MAX_TEXT - 10)) == 5 and "x" * display.MAX_TEXT not in html
    old = display.MAX_ROWS
    display.MAX_ROWS = 3
    try:
        capped = display.table(history)._repr_html_()
    finally:
        display.MAX_ROWS = old
    assert capped.count("<td>line") == 3 and "… and 2 more" in capped
    assert repr(display.table([])) == "<Table of 0 messages>"
    with pytest.raises(TypeError, match="Message or Chat objects, got str"):
        display.table(["text"])
    with pytest.raises(TypeError, match="not a mix"):
        display.table([history[0], *trueconf_client.get_chats()])


def test_no_secret_in_any_repr(trueconf_server: FakeTrueConfServer) -> None:
    from trueconf_sync import AuthError, Client
    from trueconf_sync.contrib.jupyter import notebook_client

    trueconf_server.add_user("secret_bot", password="password-secret-42")
    token = trueconf_server.issue_token("echo_bot")
    with_token = notebook_client(trueconf_server.url, token=token, name="secret-check")
    with_password = Client(trueconf_server.url, username="secret_bot", password="password-secret-42")
    try:
        with_password.connect()
        chat_id = with_token.create_p2p_chat("alice")
        trueconf_server.user("alice").send_file(chat_id, "a.txt", b"abc", uploading_seconds=0)
        message = with_token.get_chat_history(chat_id)[0]
        info = with_token.get_file_info(message.attachment.file_id)
        assert info.download_url  # a capability URL: a secret
        wrong = Client(trueconf_server.url, username="secret_bot", password="wrong-secret-43")
        with pytest.raises(AuthError) as refused:
            wrong.connect()
        shown = " ".join([repr(with_token), str(with_token), repr(with_password), repr(with_token.health()),
                          repr(with_token.send_message), repr(with_password.get_chats()), repr(info),
                          repr(message), message._repr_html_(), repr(wrong), str(refused.value)])
        assert "echo_bot" in shown and "secret_bot" in shown and "a.txt" in shown
        for secret in (token, "password-secret-42", "wrong-secret-43", info.download_url):
            assert secret not in shown
    finally:
        with_token.close()
        with_password.close()


# ---- the notebook helpers --------------------------------------------------------------------


def test_notebook_client_replaces_by_settings_or_name(trueconf_server: FakeTrueConfServer,
                                                      trueconf_threads: Any) -> None:
    from trueconf_sync.contrib.jupyter import close_all, notebook_client

    url = trueconf_server.url
    first = notebook_client(url, token=trueconf_server.issue_token("echo_bot"))
    second = notebook_client(url, token=trueconf_server.issue_token("echo_bot"))  # another token: kept
    again = notebook_client(url, token=trueconf_server.issue_token("echo_bot"), name="mine")
    replaced = notebook_client(url, username="alice", password="password", name="mine")
    try:
        assert first.state == "connected" and second.state == "connected"
        assert again.state == "closed" and replaced.state == "connected"
        same = notebook_client(url, username="alice", password="password", name="mine", connect=False)
        assert replaced.state == "closed" and same.state == "disconnected"
        with pytest.raises(TypeError, match="name must be a non-empty str"):
            notebook_client(url, token="t", name="")
        with pytest.raises(ValueError, match="give token, or both username and password"):
            notebook_client(url)
    finally:
        assert close_all() == 2  # first and second; "same" never connected
    assert first.state == second.state == "closed"
    assert trueconf_server.wait_for(lambda s: s.stats["connections"] == 0, timeout=5)
    assert not trueconf_threads()


def test_on_replaces_a_handler_of_the_same_name(trueconf_client: Any, trueconf_server: FakeTrueConfServer) -> None:
    from trueconf_sync.contrib.jupyter import on

    seen: list[str] = []
    for tag in ("old", "new"):
        @on(trueconf_client, "message")
        def collect(message: Any, tag: str = tag) -> None:
            seen.append(f"{tag}:{message.text}")

    @on(trueconf_client, "message")
    def other(message: Any) -> None:
        seen.append(f"other:{message.text}")

    chat_id = trueconf_client.create_p2p_chat("alice")
    trueconf_server.user("alice").send_message(chat_id, "ping")
    trueconf_server.wait_for(lambda s: len(seen) >= 2, timeout=5)
    trueconf_client.get_chats()  # a round trip: a third handler would have run by now
    assert sorted(seen) == ["new:ping", "other:ping"]
    with pytest.raises(ValueError, match="unknown event"):
        on(trueconf_client, "no_such_event")
    with pytest.raises(TypeError, match="handler must be callable"):
        on(trueconf_client, "message")("not callable")  # type: ignore[arg-type]
