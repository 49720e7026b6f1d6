"""asyncio code awaits ``client.<method>.aio(...)``; a blocking call inside a running loop warns once.

The awaitable forms run real event loops (``asyncio.run``) against the fake server. The warning is
once per *process*, so it is checked in a fresh interpreter that makes blocking calls from a plain
thread, from the main thread without a loop, then twice inside a loop.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any

import pytest

from trueconf_sync import ApiError, SentFile, SentMessage
from trueconf_sync.errors import EventLoopBlockingWarning


def test_awaiting_sends_in_a_running_loop(trueconf_client: Any, alice: Any, alice_chat: str) -> None:
    async def main() -> list[Any]:
        first = await trueconf_client.send_message.aio(alice_chat, "first")
        rest = await asyncio.gather(*(trueconf_client.send_message.aio(alice_chat, f"line {i}", timeout=5)
                                      for i in range(20)))
        return [first, *rest]

    with warnings.catch_warnings():
        warnings.simplefilter("error", EventLoopBlockingWarning)  # nothing here blocks the loop
        results = asyncio.run(main())
    assert all(isinstance(sent, SentMessage) for sent in results)
    assert len({sent.message_id for sent in results}) == 21
    texts = {alice.wait_for_message(alice_chat, timeout=5)["content"]["text"] for _ in range(21)}
    assert texts == {"first", *(f"line {i}" for i in range(20))}


def test_the_raw_call_has_an_awaitable_form_too(trueconf_client: Any, alice_chat: str) -> None:
    async def main() -> Any:
        chats = await trueconf_client.call_aio("getChats", {"count": 10, "page": 1})
        with pytest.raises(ApiError):
            await trueconf_client.call_aio("noSuchMethod", {})
        return chats

    with warnings.catch_warnings():
        warnings.simplefilter("error", EventLoopBlockingWarning)
        chats = asyncio.run(main())
    raw = chats if isinstance(chats, list) else chats.get("chats")
    assert any(chat.get("chatId") == alice_chat for chat in raw)


def test_the_loop_keeps_running_while_an_answer_is_awaited(trueconf_server: Any, trueconf_client: Any,
                                                           alice_chat: str) -> None:
    trueconf_server.withhold_responses("sendMessage")
    ticks: list[int] = []

    async def main() -> Any:
        call = asyncio.ensure_future(trueconf_client.send_message.aio(alice_chat, "held", timeout=10))
        while len(ticks) < 5:  # the loop runs other tasks while the answer is withheld
            ticks.append(len(ticks))
            await asyncio.sleep(0.01)
        assert not call.done()
        await asyncio.get_running_loop().run_in_executor(None, trueconf_server.release_responses)
        return await call

    assert isinstance(asyncio.run(main()), SentMessage)
    assert ticks == [0, 1, 2, 3, 4]


def test_errors_come_out_of_the_await(trueconf_client: Any, alice_chat: str) -> None:
    async def main() -> None:
        with pytest.raises(ApiError) as server_error:
            await trueconf_client.send_message.aio("no-such-chat", "hi")
        assert server_error.value.code == 304
        with pytest.raises(ValueError, match="text"):
            await trueconf_client.send_message.aio(alice_chat, "")  # checked before anything is sent
        with pytest.raises(TypeError):
            await trueconf_client.get_chats.aio(count="ten")

    asyncio.run(main())


def test_file_methods_and_queries_have_the_awaitable_form_too(trueconf_client: Any, alice: Any,
                                                              alice_chat: str) -> None:
    async def main() -> tuple[Any, Any]:
        sent = await trueconf_client.send_file.aio(alice_chat, b"id;name\n1;Anna\n", file_name="export.csv")
        chats = await trueconf_client.get_chats.aio(count=5)
        return sent, chats

    sent, chats = asyncio.run(main())
    assert isinstance(sent, SentFile)
    assert alice_chat in {chat.chat_id for chat in chats}
    assert alice.wait_for_message(alice_chat, timeout=5)["content"]["name"] == "export.csv"


def test_blocking_calls_from_plain_threads_do_not_warn(trueconf_client: Any, alice_chat: str) -> None:
    def work() -> None:
        trueconf_client.send_message(alice_chat, "from a worker thread")

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        trueconf_client.send_message(alice_chat, "from the main thread")
        worker = threading.Thread(target=work)
        worker.start()
        worker.join(10)
    # (the fresh-process test below checks this where the once-per-process flag is surely unspent)
    assert not [w for w in caught if issubclass(w.category, EventLoopBlockingWarning)]


SCRIPT = r'''
import asyncio, json, sys, threading, warnings
from trueconf_sync import Client
from trueconf_sync.errors import EventLoopBlockingWarning
from trueconf_sync.testing import FakeTrueConfServer

warnings.simplefilter("always")
caught = []
warnings.showwarning = lambda message, category, filename, lineno, *rest: caught.append(
    {"category": category.__name__, "message": str(message), "line": lineno, "phase": phase})

with FakeTrueConfServer() as server:
    server.add_user("bot", password="pw")
    server.add_user("alice", password="pw")
    client = Client(server.host, server.issue_token("bot"), port=server.port, https=False)
    with client:
        chat = client.create_p2p_chat("alice")
        phase = "thread"
        worker = threading.Thread(target=client.send_message, args=(chat, "from a thread"))
        worker.start(); worker.join(10)
        phase = "no loop"
        client.send_message(chat, "main thread, no loop")

        async def handler():
            client.send_message(chat, "blocks the loop")  # LINE-BLOCKING
            client.send_file(chat, b"data", file_name="a.txt")
            client.get_chats()
            return await client.send_message.aio(chat, "awaited")

        phase = "loop"
        asyncio.run(handler())
        phase = "loop again"
        asyncio.run(handler())
print(json.dumps(caught))
'''


def test_a_blocking_call_inside_a_running_loop_warns_once_per_process(tmp_path: Path) -> None:
    script = tmp_path / "blocking_in_loop.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    caught = [w for w in json.loads(done.stdout.strip().splitlines()[-1])
              if w["category"] == EventLoopBlockingWarning.__name__]
    assert len(caught) == 1, caught
    (warning,) = caught
    assert warning["phase"] == "loop"
    assert "client.send_message(...)" in warning["message"]
    assert "await client.send_message.aio(...)" in warning["message"]
    line = next(n for n, text in enumerate(SCRIPT.splitlines(), start=1) if "LINE-BLOCKING" in text)
    assert warning["line"] == line  # points at the line of the blocking call


def test_a_raw_call_inside_a_running_loop_warns_naming_call_aio(tmp_path: Path) -> None:
    script = tmp_path / "raw_call_in_loop.py"
    script.write_text(SCRIPT.replace("client.send_message(chat, \"blocks the loop\")",
                                     "client.call(\"getChats\", {})"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    caught = [w for w in json.loads(done.stdout.strip().splitlines()[-1])
              if w["category"] == EventLoopBlockingWarning.__name__]
    assert len(caught) == 1 and caught[0]["phase"] == "loop", caught
    assert "client.call(...)" in caught[0]["message"] and "await client.call_aio(...)" in caught[0]["message"]


def test_the_warning_is_a_runtime_warning_exported_from_errors() -> None:
    import trueconf_sync.errors as errors

    assert issubclass(EventLoopBlockingWarning, RuntimeWarning)
    assert "EventLoopBlockingWarning" in errors.__all__


@pytest.mark.slow
def test_a_notebook_cell_is_not_warned_about(trueconf_server: Any) -> None:
    """IPython runs cells inside its own event loop; a notebook's blocking call is expected, not a bug."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    token = trueconf_server.issue_token("echo_bot")
    source = (
        "import asyncio, warnings\n"
        "warnings.simplefilter('always')\n"
        "asyncio.get_running_loop()  # the kernel's loop runs this cell\n"
        "from trueconf_sync import Client\n"
        f"client = Client({trueconf_server.host!r}, {token!r}, port={trueconf_server.port}, https=False)\n"
        "chat = client.create_p2p_chat('alice')\n"
        "print(type(client.send_message(chat, 'from a notebook')).__name__)\n"
        "client.close()\n"
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    nbclient.NotebookClient(notebook, timeout=60, kernel_name="python3").execute()
    outputs = notebook.cells[0].outputs
    text = "".join(output.get("text", "") for output in outputs)
    assert "SentMessage" in text, outputs
    assert "EventLoopBlockingWarning" not in text and "blocks the asyncio event loop" not in text, outputs
