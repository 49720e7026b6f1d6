"""trueconf_sync.contrib.django and examples/django_project, against the fake server over real sockets.

Django is configured once for this module with the example project's settings (a fresh SQLite
file); each test points ``TRUECONF`` at its own fake server with ``override_settings``. The bot
runs as a real ``python manage.py trueconf_bot`` process.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

django = pytest.importorskip("django")

from trueconf_sync.testing import FakeTrueConfServer  # noqa: E402

PROJECT = Path(__file__).resolve().parent.parent / "examples" / "django_project"
SECRET = "hook-secret-8"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Django set up with the example project's settings and a migrated SQLite file."""
    from django.core.management import call_command

    db = tmp_path_factory.mktemp("django") / "db.sqlite3"
    saved = {key: os.environ.get(key) for key in ("DJANGO_SETTINGS_MODULE", "DJANGO_DB")}
    os.environ["DJANGO_SETTINGS_MODULE"] = "alerts_site.settings"
    os.environ["DJANGO_DB"] = str(db)
    sys.path.insert(0, str(PROJECT))
    try:
        django.setup()
        call_command("migrate", verbosity=0)
        yield db
    finally:
        from trueconf_sync.contrib.django import close_client

        close_client()
        sys.path.remove(str(PROJECT))
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _trueconf(server: FakeTrueConfServer, login: str = "echo_bot", **extra: Any) -> dict[str, Any]:
    return {"SERVER": server.url, "TOKEN": server.issue_token(login), "HANDLERS": ["alerts.bot.setup"], **extra}


@pytest.fixture
def settings(project: Path, trueconf_server: FakeTrueConfServer) -> Iterator[Any]:
    """``TRUECONF`` pointing at this test's fake server (and the example's own settings)."""
    from alerts.models import Alert
    from django.test import override_settings

    Alert.objects.all().delete()
    with override_settings(TRUECONF=_trueconf(trueconf_server), ALERT_TO="alice", WEBHOOK_SECRET=SECRET) as s:
        yield s


# ---- the per-process client and the settings -----------------------------------------------------


def test_one_lazy_client_per_process_rebuilt_when_settings_change(settings: Any,
                                                                  trueconf_server: FakeTrueConfServer) -> None:
    from django.test import override_settings

    from trueconf_sync.contrib.django import close_client, get_client

    clients: list[Any] = []
    threads = [threading.Thread(target=lambda: clients.append(get_client())) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    first = clients[0]
    assert all(client is first for client in clients) and first.state == "disconnected"  # lazy: not connected
    assert first.get_chats() == [] and first.state == "connected"
    with override_settings(TRUECONF=_trueconf(trueconf_server, TIMEOUT=4)):
        assert first.state == "closed"  # the settings changed: the old client is closed
        second = get_client()
        assert second is not first and second.timeout == 4.0
    assert second.state == "closed" and get_client().timeout == 10.0
    close_client()


@pytest.mark.parametrize(("value", "message"), [
    (None, "settings.TRUECONF is not set"),
    (["SERVER"], "settings.TRUECONF must be a dict, not list"),
    ({"TOKEN": "t"}, 'settings.TRUECONF\\["SERVER"\\] is not set'),
    ({"SERVER": "h", "TOKEN": "t", "WORKER": 2}, 'settings.TRUECONF\\["WORKER"\\] is not a TrueConf setting'),
    ({"SERVER": "h", "TOKEN": "t", "WORKERS": 0}, "settings.TRUECONF: workers must be an int between 1 and 256"),
])
def test_bad_settings_raise_improperly_configured(project: Path, value: Any, message: str) -> None:
    from django.core import checks
    from django.core.exceptions import ImproperlyConfigured
    from django.test import override_settings

    from trueconf_sync.contrib.django import get_client

    with override_settings(TRUECONF=value):
        with pytest.raises(ImproperlyConfigured, match=message):
            get_client()
        warnings = [m for m in checks.run_checks() if m.id == "trueconf_sync.W001"]
        assert len(warnings) == 1 and "settings.TRUECONF" in warnings[0].msg


def test_send_on_commit_sends_after_commit_and_never_on_rollback(settings: Any,
                                                                 trueconf_server: FakeTrueConfServer,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    from django.db import transaction

    from trueconf_sync import ApiError
    from trueconf_sync.contrib.django import get_client, send_on_commit

    chat_id = get_client().create_p2p_chat("alice")

    def sent() -> list[Any]:
        return [m["content"] for m in trueconf_server.chat_messages(chat_id)]

    with transaction.atomic():
        send_on_commit(chat_id, "committed", parse_mode="markdown")
        get_client().send_message(chat_id, "sentinel")  # answered after anything sent before it
        assert [content["text"] for content in sent()] == ["sentinel"]  # not before the commit
    assert sent()[1:] == [{"text": "committed", "parseMode": "markdown"}]  # sent when it committed

    with pytest.raises(RuntimeError, match="rolled back"), transaction.atomic():
        send_on_commit(chat_id, "rolled back")
        raise RuntimeError("rolled back")
    send_on_commit(chat_id, "no transaction: at once")
    assert [content["text"] for content in sent()] == ["sentinel", "committed", "no transaction: at once"]

    with pytest.raises(ValueError, match=r"text.*4096"):  # checked now, in the caller
        send_on_commit(chat_id, "x" * 5000)
    with pytest.raises(TypeError, match="chat_id"):
        send_on_commit(None, "hi")  # type: ignore[arg-type]
    with pytest.raises(ApiError), transaction.atomic():  # unknown chat: the error surfaces from the commit
        send_on_commit("no-such-chat", "lost")
    with caplog.at_level(logging.ERROR, "trueconf_sync.contrib.django"), transaction.atomic():
        send_on_commit("no-such-chat", "lost", fail_silently=True)
    assert "was not sent after the commit" in caplog.text


# ---- examples/django_project in Django's test client -----------------------------------------------


def test_form_records_the_alert_and_sends_it(settings: Any, trueconf_server: FakeTrueConfServer) -> None:
    from alerts.models import Alert
    from django.test import Client as WebClient

    web = WebClient()
    page = web.get("/")
    assert page.status_code == 200 and b'value="alice"' in page.content and b"csrfmiddlewaretoken" in page.content
    sent = web.post("/", {"to": "alice", "text": "db-1: disk <95%> full"})
    alert = Alert.objects.get()
    assert sent.status_code == 200 and f"Alert #{alert.pk} sent to alice.".encode() in sent.content
    got = trueconf_server.user("alice").wait_for_message(timeout=5)
    assert got["content"]["text"] == f"Alert #{alert.pk}: db-1: disk <95%> full"
    assert (alert.source, alert.recipient) == ("form", "alice")

    assert web.post("/", {"to": "alice", "text": ""}).status_code == 400
    too_long = web.post("/", {"to": "alice", "text": "x" * 5000})
    assert too_long.status_code == 400 and b"4096" in too_long.content
    unknown = web.post("/", {"to": "nobody", "text": "hi"})
    assert unknown.status_code == 502 and b"Not sent:" in unknown.content
    assert Alert.objects.count() == 1  # nothing stored for refused alerts


def test_webhook_relays_to_the_chat(settings: Any, trueconf_server: FakeTrueConfServer) -> None:
    from alerts.models import Alert
    from django.test import Client as WebClient

    web = WebClient(enforce_csrf_checks=True)  # a webhook has no CSRF token: the view is exempt
    hook = {"content_type": "application/json", "headers": {"X-Webhook-Secret": SECRET}}
    assert web.post("/webhook", {"text": "x"}, content_type="application/json").status_code == 403
    assert web.post("/webhook", "not json", **hook).status_code == 400
    relayed = web.post("/webhook?to=bob", {"text": "deploy finished"}, **hook)
    assert relayed.status_code == 200, relayed.content
    alert = Alert.objects.get(pk=relayed.json()["alert"])
    got = trueconf_server.user("bob").wait_for_message(timeout=5)
    assert got["content"]["text"] == f"Alert #{alert.pk}: deploy finished" and alert.source == "webhook"


# ---- python manage.py trueconf_bot ----------------------------------------------------------------


def test_trueconf_bot_command_runs_the_handlers_until_sigterm(project: Path,
                                                              trueconf_server: FakeTrueConfServer) -> None:
    from alerts.models import Alert

    Alert.objects.all().delete()
    env = {**os.environ, "TRUECONF_SERVER": trueconf_server.url,
           "TRUECONF_TOKEN": trueconf_server.issue_token("echo_bot"), "DJANGO_DB": str(project)}
    proc = subprocess.Popen([sys.executable, "manage.py", "trueconf_bot"], cwd=PROJECT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()  # type: ignore[union-attr]
        assert first.startswith("trueconf_bot: connected to 127.0.0.1:") and "as echo_bot@" in first, (
            first + proc.stderr.read())  # type: ignore[union-attr]
        alice = trueconf_server.user("alice")
        chat_id = alice.p2p_chat_with("echo_bot")
        alice.send_message(chat_id, "printer on fire")
        reply = alice.wait_for_message(chat_id, timeout=10)
        alert = Alert.objects.get()
        assert reply["content"]["text"] == f"Recorded as alert #{alert.pk}."
        assert (alert.text, alert.source, alert.recipient) == ("printer on fire", "chat", "alice@video.example.com")
        alice.send_message(chat_id, "/status")
        assert alice.wait_for_message(chat_id, timeout=10)["content"]["text"] == "1 alert(s) recorded."
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert out.strip().endswith("trueconf_bot: stopped")
    assert trueconf_server.wait_for(lambda s: s.stats["connections"] == 0, timeout=5)


def test_trueconf_bot_command_errors(settings: Any, trueconf_server: FakeTrueConfServer) -> None:
    from django.core.management import CommandError, call_command
    from django.test import override_settings

    with pytest.raises(CommandError, match=r"--handlers: cannot import 'alerts\.nope'"):
        call_command("trueconf_bot", handlers=["alerts.nope"])
    with pytest.raises(CommandError, match=r"'alerts\.views\.PAGE' is not callable"):
        call_command("trueconf_bot", handlers=["alerts.views.PAGE"])
    with override_settings(TRUECONF={**_trueconf(trueconf_server), "HANDLERS": []}), \
            pytest.raises(CommandError, match="no handlers"):
        call_command("trueconf_bot")
    with override_settings(TRUECONF={**_trueconf(trueconf_server), "HANDLERS": "alerts.bot"}), \
            pytest.raises(CommandError, match=r'settings.TRUECONF\["HANDLERS"\]: cannot import .alerts.bot.'):
        call_command("trueconf_bot")
    with override_settings(TRUECONF={**_trueconf(trueconf_server), "TOKEN": "not-a-token"}), \
            pytest.raises(CommandError, match="trueconf_bot: AuthError") as error:
        call_command("trueconf_bot")
    assert "not-a-token" not in str(error.value)
