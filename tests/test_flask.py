"""The Flask extension and examples/flask_app, against the fake server over real sockets.

The example app runs in Flask's test client, and under gunicorn (real processes, threads and a fork
after the client connected) with many concurrent requests.
"""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

flask = pytest.importorskip("flask")

from trueconf_sync.contrib.flask import TrueConf  # noqa: E402
from trueconf_sync.testing import FakeTrueConfServer  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
APP_DIR = ROOT / "examples" / "flask_app"
SECRET = "hook-secret-7"


def _config(server: FakeTrueConfServer, **extra: Any) -> dict[str, Any]:
    return {"TRUECONF_SERVER": server.url, "TRUECONF_TOKEN": server.issue_token("echo_bot"), **extra}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("TRUECONF_SERVER", "TRUECONF_TOKEN", "TRUECONF_USERNAME", "TRUECONF_PASSWORD", "ALERT_TO",
                "WEBHOOK_SECRET"):
        monkeypatch.delenv(key, raising=False)


# ---- the extension ----------------------------------------------------------------------------


def test_one_client_per_app_shared_by_threads_and_closed(trueconf_server: FakeTrueConfServer,
                                                         trueconf_threads: Any) -> None:
    app = flask.Flask("ext")
    app.config.update(_config(trueconf_server, TRUECONF_TIMEOUT=5))
    ext = TrueConf(app)
    seen: list[Any] = []
    chat_id = ext.client.create_p2p_chat("alice")

    def work(i: int) -> None:
        with app.app_context():
            seen.append(ext.client)
            ext.client.send_message(chat_id, f"thread {i}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 20 and all(client is ext.client for client in seen)
    assert ext.client.timeout == 5.0
    assert trueconf_server.stats["total_connections"] == 1
    texts = {m["content"]["text"] for m in trueconf_server.chat_messages(chat_id)}
    assert texts == {f"thread {i}" for i in range(20)}
    first = ext.client
    ext.close()
    assert first.state == "closed" and not trueconf_threads()
    assert ext.client is not first  # rebuilt on next use
    ext.close()


def test_init_app_for_several_apps_and_outside_a_context(trueconf_server: FakeTrueConfServer) -> None:
    ext = TrueConf(timeout=3)
    with pytest.raises(RuntimeError, match="no application"):
        ext.client  # noqa: B018
    one, two = flask.Flask("one"), flask.Flask("two")
    one.config.update(_config(trueconf_server))
    two.config.update(_config(trueconf_server, TRUECONF_TIMEOUT=7))
    ext.init_app(one)
    ext.init_app(two)
    try:
        with one.app_context():
            client_one = ext.client
        with two.app_context():
            client_two = ext.client
        assert client_one is not client_two
        assert (client_one.timeout, client_two.timeout) == (3.0, 7.0)  # constructor default, then config
        assert ext.client is client_two  # no context: the last app (e.g. a background thread)
        three = flask.Flask("three")
        with three.app_context(), pytest.raises(RuntimeError, match=r"init_app\(\) was not called for the app 'three'"):
            ext.client  # noqa: B018
        assert repr(ext) == "<TrueConf extension, 2 app(s)>"
    finally:
        ext.close()


@pytest.mark.parametrize(("config", "message"), [
    ({}, 'app.config\\["TRUECONF_SERVER"\\] is not set'),
    ({"TRUECONF_SERVER": "h", "TRUECONF_TOKNE": "x"},
     'app.config\\["TRUECONF_TOKNE"\\] is not a TrueConf setting; known: SERVER, TOKEN'),
    ({"TRUECONF_SERVER": "h"}, "TRUECONF_\\*.*give token, or both username and password"),
    ({"TRUECONF_SERVER": "h", "TRUECONF_TOKEN": "t", "TRUECONF_TIMEOUT": -1},
     "timeout must be a number >= 0, got -1"),
    ({"TRUECONF_SERVER": "h", "TRUECONF_TOKEN": "t", "TRUECONF_PORT": 70000}, "port must be an int between 1 and"),
])
def test_bad_settings_fail_at_init_app_naming_the_setting(config: dict[str, Any], message: str) -> None:
    app = flask.Flask("bad")
    app.config.update(config)
    with pytest.raises(ValueError, match=message):
        TrueConf(app)
    assert "trueconf" not in app.extensions


def test_no_secret_in_reprs_or_errors(trueconf_server: FakeTrueConfServer) -> None:
    app = flask.Flask("secret")
    token = trueconf_server.issue_token("echo_bot")
    app.config.update(TRUECONF_SERVER=trueconf_server.url, TRUECONF_TOKEN=token)
    ext = TrueConf(app)
    try:
        ext.client.connect()
        shown = repr(ext) + repr(app.extensions["trueconf"]) + repr(ext.client)
        assert "echo_bot@" in shown and token not in shown
        bad = flask.Flask("bad")
        bad.config.update(TRUECONF_SERVER="h", TRUECONF_USERNAME="u", TRUECONF_PASSWORD="pw-secret-9",
                          TRUECONF_PORT="443")
        with pytest.raises(ValueError) as error:
            TrueConf(bad)
        assert "pw-secret-9" not in str(error.value) and "port" in str(error.value)
    finally:
        ext.close()


def test_importing_the_package_imports_no_framework() -> None:
    code = ("import sys, trueconf_sync\n"
            "from trueconf_sync import Client, Message, TrueConfError\n"
            "import trueconf_sync.contrib, trueconf_sync.contrib.jupyter\n"
            "bad = [m for m in ('flask', 'django', 'IPython', 'trueconf_sync.display') if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_client_is_closed_when_the_interpreter_exits(trueconf_server: FakeTrueConfServer) -> None:
    code = ("import logging, sys, flask\n"
            "from trueconf_sync.contrib.flask import TrueConf\n"
            "logging.basicConfig(level=logging.INFO, format='%(name)s %(message)s')\n"
            "app = flask.Flask('exit')\n"
            "app.config.update(TRUECONF_SERVER=sys.argv[1], TRUECONF_TOKEN=sys.argv[2])\n"
            "ext = TrueConf(app)\n"
            "ext.client.connect()\n"
            "print('connected', flush=True)\n")
    done = subprocess.run([sys.executable, "-c", code, trueconf_server.url, trueconf_server.issue_token("echo_bot")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout == "connected\n", done.stderr
    assert re.search(r"trueconf_sync\.client trueconf-\d+: closed$", done.stderr, re.M), done.stderr


# ---- examples/flask_app in Flask's test client --------------------------------------------------


@pytest.fixture
def example(trueconf_server: FakeTrueConfServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(APP_DIR))
    import flask_alerts

    app = flask_alerts.create_app(_config(trueconf_server, ALERT_TO="alice", WEBHOOK_SECRET=SECRET, TESTING=True,
                                          FORM_PASSWORD=FORM_PASSWORD, SECRET_KEY="k" * 32, CHAT_CACHE_SIZE=2))
    try:
        yield app
    finally:
        flask_alerts.trueconf.close()


FORM_PASSWORD = "form-pass"
LOGIN = {"Authorization": "Basic " + base64.b64encode(f"admin:{FORM_PASSWORD}".encode()).decode()}


def csrf_of(page: Any) -> str:
    found = re.search(rb'name="csrf_token" value="([^"]+)"', page.data)
    assert found is not None, page.data
    return found.group(1).decode()


def test_form_sends_an_alert(example: Any, trueconf_server: FakeTrueConfServer) -> None:
    web = example.test_client()
    page = web.get("/", headers=LOGIN)
    assert page.status_code == 200 and b'value="alice"' in page.data
    token = csrf_of(page)

    def post(**form: str) -> Any:
        return web.post("/", data={"csrf_token": token, **form}, headers=LOGIN)

    sent = post(to="alice", text="db-1: disk <95%> full")
    assert sent.status_code == 200 and b"Sent to alice (message " in sent.data
    got = trueconf_server.user("alice").wait_for_message(timeout=5)
    assert got["content"]["text"] == "db-1: disk <95%> full" and got["content"]["parseMode"] == "text"
    post(to="bob", text="**bold**", markdown="1")
    got = trueconf_server.user("bob").wait_for_message(timeout=5)
    assert got["content"] == {"text": "**bold**", "parseMode": "markdown"}

    missing = post(to="alice", text=" ")
    assert missing.status_code == 400 and b"Both fields are required." in missing.data
    too_long = post(to="alice", text="x" * 5000)
    assert too_long.status_code == 400 and b"4096" in too_long.data
    unknown = post(to="nobody", text="hello")
    assert unknown.status_code == 502 and b"Not sent:" in unknown.data
    assert [e["content"]["text"] for e in trueconf_server.user("alice").inbox()] == ["db-1: disk <95%> full"]


def test_form_needs_a_login_and_its_own_csrf_token(example: Any, trueconf_server: FakeTrueConfServer) -> None:
    web = example.test_client()
    anonymous = web.get("/")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Basic")
    wrong = {"Authorization": "Basic " + base64.b64encode(b"admin:guess").decode()}
    assert web.post("/", data={"to": "alice", "text": "x"}, headers=wrong).status_code == 401
    first = web.get("/", headers=LOGIN)
    token = csrf_of(first)
    assert "SameSite=Lax" in first.headers["Set-Cookie"] and "HttpOnly" in first.headers["Set-Cookie"]
    forged = web.post("/", data={"to": "alice", "text": "from another site"}, headers=LOGIN)  # no token
    assert forged.status_code == 400 and b"nothing was sent" in forged.data
    other = example.test_client()  # another browser: another session, so another token
    stolen = other.post("/", data={"to": "alice", "text": "replayed", "csrf_token": token}, headers=LOGIN)
    assert stolen.status_code == 400
    sentinel = web.post("/", data={"to": "alice", "text": "sentinel", "csrf_token": token}, headers=LOGIN)
    assert sentinel.status_code == 200  # the user's own token works: the refusals above sent nothing
    assert [e["content"]["text"] for e in trueconf_server.user("alice").inbox()] == ["sentinel"]


def test_form_is_off_without_password_and_secret_key(trueconf_server: FakeTrueConfServer,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(APP_DIR))
    import flask_alerts

    app = flask_alerts.create_app(_config(trueconf_server, ALERT_TO="alice", TESTING=True))
    try:
        web = app.test_client()
        assert web.get("/", headers=LOGIN).status_code == 403
        refused = web.post("/", data={"to": "alice", "text": "x"}, headers=LOGIN)
        assert refused.status_code == 403 and b"FORM_PASSWORD and SECRET_KEY" in refused.data
    finally:
        flask_alerts.trueconf.close()


def test_the_chat_cache_is_bounded(example: Any, trueconf_server: FakeTrueConfServer) -> None:
    web = example.test_client()
    for name in ("carol", "dave", "erin"):
        trueconf_server.add_user(name)
        sent = web.post(f"/webhook?to={name}", json={"text": f"hi {name}"}, headers={"X-Webhook-Secret": SECRET})
        assert sent.status_code == 200, sent.data
    cache = example.extensions["alert_chats"]
    assert len(cache) == 2 and cache.get("carol") is None and cache.get("erin") is not None


def test_webhook_relays_to_the_chat(example: Any, trueconf_server: FakeTrueConfServer) -> None:
    web = example.test_client()
    headers = {"X-Webhook-Secret": SECRET}
    assert web.post("/webhook", json={"text": "x"}).status_code == 403
    assert web.post("/webhook", json={"text": "x"}, headers={"X-Webhook-Secret": "wrong"}).status_code == 403
    assert web.post("/webhook", data="not json", headers=headers).status_code == 400
    assert web.post("/webhook", json={"text": "x" * 5000}, headers=headers).get_json()["error"].startswith("text")

    relayed = web.post("/webhook", json={"text": "deploy finished"}, headers=headers)
    assert relayed.status_code == 200, relayed.data
    body = relayed.get_json()
    got = trueconf_server.user("alice").wait_for_message(timeout=5)
    assert got["content"]["text"] == "deploy finished" and got["messageId"] == body["message_id"]

    alerts = {"alerts": [{"status": "firing", "labels": {"alertname": "DiskFull"},
                          "annotations": {"summary": "db-1 at 95%"}},
                         {"status": "resolved", "labels": {"alertname": "Load"}}]}
    assert web.post("/webhook?to=bob", json=alerts, headers=headers).status_code == 200
    got = trueconf_server.user("bob").wait_for_message(timeout=5)
    assert got["content"]["text"] == "[FIRING] DiskFull: db-1 at 95%\n[RESOLVED] Load:"
    assert web.get("/health").get_json() == {"state": "connected", "connected": True, "reconnects": 0}


# ---- examples/flask_app under gunicorn: processes, threads, a fork after connecting --------------


PRELOADED = '''
from flask_alerts import create_app, trueconf

app = create_app()
with app.app_context():
    trueconf.client.connect()  # the master connects before forking (as an app that reports its start)
'''


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="gunicorn runs on Unix")
def test_gunicorn_threads_and_forked_workers(trueconf_server: FakeTrueConfServer, tmp_path: Path) -> None:
    pytest.importorskip("gunicorn")
    import requests

    (tmp_path / "preloaded.py").write_text(PRELOADED)
    env = {**os.environ, "TRUECONF_SERVER": trueconf_server.url, "TRUECONF_TOKEN": trueconf_server.issue_token(
        "echo_bot"), "ALERT_TO": "alice", "WEBHOOK_SECRET": SECRET, "PYTHONPATH": f"{APP_DIR}{os.pathsep}{tmp_path}"}
    workers, requests_total = 2, 240
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--preload", "--workers", str(workers), "--threads", "8",
         "--bind", "127.0.0.1:0", "--graceful-timeout", "5", "preloaded:app"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    log: list[str] = []
    reader = threading.Thread(target=lambda: log.extend(iter(proc.stderr.readline, "")), daemon=True)  # type: ignore[union-attr]
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while sum("Booting worker" in line for line in log) < workers or not any("Listening at" in x for x in log):
            assert proc.poll() is None and time.monotonic() < deadline, "".join(log)
            time.sleep(0.05)
        url = re.search(r"Listening at: (http://\S+)", "".join(log)).group(1)  # type: ignore[union-attr]
        assert trueconf_server.stats["connections"] == 1  # the master's

        def post(i: int) -> tuple[int, dict[str, Any]]:
            response = requests.post(f"{url}/webhook", json={"text": f"alert {i}"},
                                     headers={"X-Webhook-Secret": SECRET}, timeout=30)
            return response.status_code, response.json()

        with ThreadPoolExecutor(32) as pool:
            answers = list(pool.map(post, range(requests_total)))
        assert [status for status, _ in answers] == [200] * requests_total, answers[:3]
        chat_id = answers[0][1]["chat_id"]
        assert len({body["message_id"] for _, body in answers}) == requests_total
        texts = [m["content"]["text"] for m in trueconf_server.chat_messages(chat_id)]
        assert sorted(texts) == sorted(f"alert {i}" for i in range(requests_total))
        # master + one connection per worker: no child reused the parent's socket
        assert trueconf_server.stats["total_connections"] == 1 + workers
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert code == 0, "".join(log)
    # every process closed its client at exit
    assert trueconf_server.wait_for(lambda s: s.stats["connections"] == 0, timeout=5)
