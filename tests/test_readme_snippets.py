"""Every Python block of README.rst runs as written against the fake server, so the README cannot rot.

The only change made to a block is the server: the literal ``"video.example.com"`` becomes the fake
server's ``http://127.0.0.1:<port>`` (``TRUECONF_SERVER`` too). Names a fragment takes from the
reader's own program (``client``, ``chat_id``, ``TOKEN``, the files it sends...) are given to it.
Blocks that never return (``run_forever``) run on a thread and are driven like a real user: a
message in, the bot's answer out, then ``client.close()``. The Django block runs in a fresh
interpreter (Django's settings are per process). The scale-out blocks get a real ``redis-server``
(``redis://redis:6379/0`` becomes its URL; skipped when the binary is missing, except in CI). A new
README block is run by default.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from trueconf_sync.testing import FakeTrueConfServer

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.rst"
PASSWORD = "password"

#: Blocks that are not this library's code, by a line they contain: the reason they are not run.
NOT_OURS = {"from trueconf import Bot": "the official async SDK, shown side by side for comparison"}
#: Lines needing the internet (the sandbox has none); each is replaced by ``pass``.
NEEDS_INTERNET = ("https://grafana.example.com/render/cpu.png", "RemoteFile(url, timeout=10")


def python_blocks() -> list[tuple[int, str]]:
    """``(line, code)`` of every ``.. code-block:: python`` of the README, also inside tables."""
    lines = README.read_text(encoding="utf-8").splitlines()
    blocks = []
    for number, line in enumerate(lines):
        column = line.find(".. code-block:: python")
        if column < 0:
            continue
        body = []
        for following in lines[number + 1:]:
            if following.strip() and len(following) - len(following.lstrip()) <= column:
                break
            body.append(following)
        blocks.append((number + 1, textwrap.dedent("\n".join(body)).strip() + "\n"))
    return blocks


BLOCKS = python_blocks()


def _key(code: str, *markers: str) -> str | None:
    return next((marker for marker in markers if marker in code), None)


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    with FakeTrueConfServer() as fake:
        for login in ("echo_bot", "alert_bot", "john_doe", "oncall", "alice", "bob"):
            fake.add_user(login, password=PASSWORD)
        monkeypatch.setenv("TRUECONF_SERVER", fake.url)
        monkeypatch.setenv("TRUECONF_PASSWORD", PASSWORD)
        monkeypatch.chdir(tmp_path)  # files a block writes (bot.db, downloads) stay in the test's folder
        yield fake


REDIS_URL = "redis://redis:6379/0"


@pytest.fixture
def redis_url(redis_server: Any) -> str:
    """An empty database of the session's redis-server (the scale-out blocks' broker and stream)."""
    import redis

    url = redis_server.url(1)  # the scale-out tests use database 0
    client: Any = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


def _files(folder: Path) -> None:
    """The reader's own files the Files block sends."""
    from PIL import Image

    (folder / "reports").mkdir()
    (folder / "reports" / "Q3.pdf").write_bytes(b"%PDF-1.4\n% a report\n%%EOF\n")
    (folder / "out").mkdir()
    Image.new("RGB", (64, 48), "orange").save(folder / "cat.jpg")
    Image.new("RGB", (64, 64), "blue").save(folder / "wave.webp")
    Image.new("RGB", (64, 64), "green").save(folder / "logo.png")
    (folder / "backup.tar.gz").write_bytes(os.urandom(200_000))
    (folder / "big.iso").write_bytes(os.urandom(300_000))


def _namespace(server: FakeTrueConfServer, code: str) -> dict[str, Any]:
    """What a fragment takes from the reader's program; each name only if the block uses it."""
    from trueconf_sync import Client

    names: dict[str, Any] = {"__name__": "__main__", "TOKEN": server.issue_token("echo_bot"), "PASSWORD": PASSWORD}
    uses_client = re.search(r"\bclient\.", code) and "client = " not in code and " as client" not in code
    if uses_client or re.search(r"\b(chat_id|group_id)\b(?! =)", code):
        client = Client(server.url, names["TOKEN"])
        names["reader's client" if not uses_client else "client"] = client
        names["chat_id"] = client.create_p2p_chat("alice")
        names["group_id"] = client.create_group_chat("ops")
    if "user_input" in code:
        names["user_input"] = "<b>not markup</b> & more"
    if "long_report" in code:
        names["long_report"] = "line of a long report\n" * 400
    if "request.files" in code:
        from werkzeug.datastructures import FileStorage

        names["request"] = type("Request", (), {"files": {"upload": FileStorage(
            io.BytesIO(b"uploaded bytes"), filename="upload.txt", content_type="text/plain")}})()
    if "@dp." in code and "dp = " not in code:
        from trueconf_sync.bot import Dispatcher

        names["dp"] = Dispatcher()
    return names


def _offline(code: str) -> str:
    return "\n".join(re.sub(r"\S.*", "pass", line) if any(url in line for url in NEEDS_INTERNET) else line
                     for line in code.splitlines())


def _run(code: str, line: int, names: dict[str, Any]) -> dict[str, Any]:
    exec(compile(code, f"README.rst:{line}", "exec"), names)  # the README's own code
    return names


def _close_all(names: dict[str, Any]) -> None:
    from trueconf_sync import Client

    for value in list(names.values()):
        if isinstance(value, Client):
            value.close(timeout=2)


def _run_until_answered(code: str, line: int, names: dict[str, Any], server: FakeTrueConfServer,
                        text: str, answer: str) -> None:
    """A block that blocks in run_forever(): alice writes ``text``, the bot must answer ``answer``."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            _run(code, line, names)
        except BaseException as exc:  # noqa: BLE001  # reported by the test below
            failure.append(exc)

    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    alice = server.user("alice")
    chat = alice.p2p_chat_with("echo_bot")
    server.wait_for(lambda fake: "client" in names and names["client"].connected, timeout=10)
    alice.send_message(chat, text)
    reply = alice.wait_for_message(chat, timeout=10)
    assert reply["content"]["text"] == answer
    names["client"].close()
    runner.join(10)
    assert not runner.is_alive(), "run_forever() did not return after client.close()"
    assert not failure, failure


DJANGO = r'''
import json, sys, types
import django
from django.conf import settings

code = sys.stdin.read()
settings_part, views_part = code.split("# views.py")
alerts = types.ModuleType("alerts"); alerts.bot = types.ModuleType("alerts.bot")
alerts.bot.setup = lambda client: None                     # the reader's own handler set-up
sys.modules.update({"alerts": alerts, "alerts.bot": alerts.bot})
config = {}
exec(compile(settings_part, "README.rst (settings.py)", "exec"), config)
settings.configure(INSTALLED_APPS=["trueconf_sync.contrib.django"], TRUECONF=config["TRUECONF"],
                   DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}})
django.setup()
from trueconf_sync.contrib.django import get_client
chat_id = get_client().create_p2p_chat("alice")
order = types.SimpleNamespace(pk=42, save=lambda: None)   # the reader's model instance
exec(compile(views_part, "README.rst (views.py)", "exec"), {"chat_id": chat_id, "order": order})
get_client().close()
print(json.dumps({"chat_id": chat_id}))
'''


def _run_django(code: str, server: FakeTrueConfServer) -> None:
    pytest.importorskip("django")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", DJANGO], input=code, capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    chat_id = json.loads(done.stdout.strip().splitlines()[-1])["chat_id"]
    sent = server.user("alice").wait_for_message(chat_id, timeout=10)
    assert sent["content"]["text"] == "Order 42 paid"


def test_the_readme_has_python_blocks() -> None:
    assert len(BLOCKS) >= 10
    for marker in NOT_OURS:  # a stale entry would skip nothing and hide a renamed block
        assert any(marker in code for _, code in BLOCKS), marker
    for url in NEEDS_INTERNET:
        assert any(url in code for _, code in BLOCKS), url


@pytest.mark.parametrize(("line", "code"), BLOCKS, ids=[f"README.rst:{line}" for line, _ in BLOCKS])
def test_readme_block_runs(line: int, code: str, server: FakeTrueConfServer, request: pytest.FixtureRequest) -> None:
    not_ours = _key(code, *NOT_OURS)
    if not_ours:
        pytest.skip(NOT_OURS[not_ours])
    code = _offline(code.replace('"video.example.com"', json.dumps(server.url)))
    if REDIS_URL in code:
        code = code.replace(REDIS_URL, request.getfixturevalue("redis_url"))
    if "TRUECONF = {" in code:
        _run_django(code, server)
        return
    if "from PIL" not in code and "send_photo(" in code:
        _files(Path.cwd())
    names = _namespace(server, code)
    try:
        if "client.run_forever()" in code:
            _run_until_answered(code, line, names, server, "ping", "ping")
        elif "dp.run(client)" in code:
            _run_until_answered(code, line, names, server, "/start", "Hi!")
        else:
            _run(code, line, names)
            if "app = Flask(" in code:  # the route, called as a browser would
                names["flask_client"] = names["trueconf"].client
                chat_id = names["flask_client"].create_p2p_chat("alice")
                answer = names["app"].test_client().post("/alert", data={"chat_id": chat_id, "text": "hi"})
                assert answer.status_code == 200 and "message_id" in answer.get_json()
    finally:
        _close_all(names)


def shell_blocks() -> list[tuple[int, list[str]]]:
    """``(line, commands)`` of every shell block (``sh``, ``bash``, ``console``) of the README."""
    lines = README.read_text(encoding="utf-8").splitlines()
    blocks = []
    for number, line in enumerate(lines):
        match = re.search(r"\.\. code-block:: (sh|bash|shell|console)\s*$", line)
        if not match:
            continue
        column = line.find("..")
        body = []
        for following in lines[number + 1:]:
            if following.strip() and len(following) - len(following.lstrip()) <= column:
                break
            if following.strip():
                body.append(following.strip())
        blocks.append((number + 1, body))
    return blocks


def test_readme_shell_commands_use_the_venv() -> None:
    """A fresh machine has no ``python``, ``pip`` or ``trueconf-sync`` on the PATH, only the venv's."""
    blocks = shell_blocks()
    assert len(blocks) >= 5
    bare = re.compile(r"(^|[;&|]\s*|\\\s*|=\S+\s+)(python3?|pip3?|pytest|mypy|sphinx-build)\s")
    for line, commands in blocks:
        activated = any(re.match(r"(\.|source) \.venv/bin/activate\b", command) for command in commands)
        for command in commands:
            if command.startswith("python3 -m venv .venv"):  # the set-up lines: make the venv first
                continue
            assert activated or not bare.search(command), f"README.rst:{line}: {command!r} needs .venv/bin/"
            if command.startswith("trueconf-sync"):
                assert activated, f"README.rst:{line}: {command!r}: say to activate the venv"
