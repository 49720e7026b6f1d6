"""``from trueconf_sync import Client`` loads only what a client needs to exist (issue 15, goal 1).

Each check runs in a fresh interpreter (``sys.modules`` of the test process already holds
everything). No timings: the test names the modules that must stay unloaded (the models, cattrs,
the file transfer, the text layer, the bot, requests, TLS) and checks that each feature is still
one import or one call away, and that a client loads the models when it connects, on the
connecting thread, before its reader thread could parse anything.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

#: Prefixes of modules that ``from trueconf_sync import Client`` must not import.
NOT_WITH_THE_CLIENT = (
    "cattrs",
    "attrs",
    "attr",
    "trueconf_sync.settings",
    "blinker",
    "inspect",
    "trueconf_sync.events.signals",
    "trueconf_sync.events.workers",
    "trueconf_sync.transport.connection",
    "socket",
    "concurrent.futures",
    "random",
    "base64",
    "logging",
    "traceback",
    "importlib.util",
    "trueconf_sync.api.models",
    "trueconf_sync.api.converter",
    "trueconf_sync.api.structgen",
    "trueconf_sync.text",
    "trueconf_sync.bot",
    "trueconf_sync.testing",
    "trueconf_sync.contrib",
    "trueconf_sync.cli",
    "requests",
    "urllib3",
    "certifi",
    "ssl",
    "websocket",
    "email",
    "http.client",
    "tempfile",
    "mimetypes",
    "pathlib",
    "configparser",
)

#: The file package: only the mixin the client inherits (and what it stands on) may load with it.
FILES_ALLOWED = {"trueconf_sync.files", "trueconf_sync.files.mixin", "trueconf_sync.files.method",
                 "trueconf_sync.files.progress"}


def run(code: str) -> object:
    """Run ``code`` in a fresh interpreter; return what it prints as JSON on its last line."""
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def loaded_by(statement: str) -> list[str]:
    found = run(f"""
        import json, sys
        {statement}
        print(json.dumps(sorted(sys.modules)))
    """)
    assert isinstance(found, list)
    return found


def forbidden(modules: list[str]) -> list[str]:
    bad = [m for m in modules if any(m == p or m.startswith(p + ".") for p in NOT_WITH_THE_CLIENT)]
    bad += [m for m in modules if m.startswith("trueconf_sync.files") and m not in FILES_ALLOWED]
    return bad


def test_importing_the_client_loads_none_of_the_features() -> None:
    modules = loaded_by("from trueconf_sync import Client")
    assert "trueconf_sync.client" in modules  # (the check can see what was imported)
    assert forbidden(modules) == []


def test_import_trueconf_sync_alone_loads_nothing_of_the_client() -> None:
    modules = loaded_by("import trueconf_sync")
    assert [m for m in modules if m.startswith("trueconf_sync.")] == []


def test_the_check_would_see_a_feature_loaded() -> None:
    modules = loaded_by("from trueconf_sync import Client, Message")
    assert "trueconf_sync.api.models" in forbidden(modules)


@pytest.mark.parametrize("statement", [
    "from trueconf_sync import Message, SentMessage, Chat",
    "from trueconf_sync.models import Message",
    "from trueconf_sync.formatting import html",
    "from trueconf_sync.keyboard import InlineKeyboard",
    "from trueconf_sync.files import FileStream, FileInput, RemoteFile, FileTooLargeError",
    "from trueconf_sync.bot import Dispatcher",
    "from trueconf_sync.signals import message_received",
    "from trueconf_sync.events.signals import EVENTS; assert EVENTS['sendMessage'].model.__name__ == 'Message'",
    "from trueconf_sync.transport.tls import default_context; default_context()",
    "from trueconf_sync.config import load_settings, Settings, ENV_VARS; assert Settings().https",
    "from trueconf_sync.transport.connection import Connection",
    "from trueconf_sync.events.workers import HandlerWorkers",
    "import inspect; from trueconf_sync import Client; assert 'chat_id' in str(inspect.signature(Client.send_file))",
    "import inspect; from trueconf_sync import Client; c = Client('h', token='t');"
    " assert 'chat_id' in str(inspect.signature(c.send_message)) and c.send_message.future.__doc__",
    "import inspect; from trueconf_sync.api.method import BoundApiMethod;"
    " assert 'client' in str(inspect.signature(BoundApiMethod))",
    "from trueconf_sync import Client; h = Client('h', token='t').health(); assert h.state == 'disconnected'",
])
def test_every_feature_is_one_import_away(statement: str) -> None:
    assert run(f"""
        {statement}
        print(1)
    """) == 1


def test_signals_load_on_first_use_and_receivers_connected_before_connect_fire() -> None:
    # blinker (and inspect) are not loaded with the client: importing the signals, or registering
    # a handler, loads them; receivers connected then, before connect, see the first connection.
    result = run("""
        import json, sys, threading
        from trueconf_sync import Client
        from trueconf_sync.testing import FakeTrueConfServer

        with FakeTrueConfServer() as server:
            server.add_user("bot", password="pw")
            server.add_user("alice", password="pw")
            client = Client(server.host, port=server.port, https=False, token=server.issue_token("bot"))
            loaded = {"blinker": "blinker" in sys.modules}
            got, states, via_signal = threading.Event(), [], []
            client.on_message(lambda message: got.set())
            loaded["after_on"] = "blinker" in sys.modules
            from trueconf_sync import signals

            signals.connection_state_changed.connect(lambda sender, **kw: states.append(kw["state"]),
                                                     sender=client, weak=False)
            signals.message_received.connect(lambda sender, event, **kw: via_signal.append(event.text),
                                             sender=client, weak=False)
            with client:
                server.user("alice").send_message(client.create_p2p_chat("alice"), "hi")
                assert got.wait(10)
            print(json.dumps({"loaded": loaded, "states": states, "via_signal": via_signal}))
    """)
    assert isinstance(result, dict)
    assert result["loaded"] == {"blinker": False, "after_on": True}
    assert result["via_signal"] == ["hi"]
    assert "connected" in result["states"] and result["states"][-1] == "closed"


def test_logging_loads_on_first_use_and_configuration_still_applies() -> None:
    # logging is not loaded with the client; the library's loggers are the real ones once used: the
    # application's level and handlers apply, and without any configuration the package's
    # NullHandler keeps a handler's exception (logged by the library) off stderr.
    code = """
        import json, sys, threading
        from trueconf_sync import Client

        loaded = "logging" in sys.modules  # (the fake server's aiohttp imports it)
        from trueconf_sync.testing import FakeTrueConfServer

        with FakeTrueConfServer() as server:
            server.add_user("bot", password="pw")
            server.add_user("alice", password="pw")
            client = Client(server.host, port=server.port, https=False, token=server.issue_token("bot"))
            handled = threading.Event()

            @client.on_message
            def fails(message):
                handled.set()
                raise RuntimeError("handler failed on purpose")

            records = []
            if CONFIGURE:
                import logging

                class Keep(logging.Handler):
                    def emit(self, record):
                        records.append((record.name, record.levelname, record.getMessage()))

                logging.getLogger("trueconf_sync").setLevel(logging.INFO)
                logging.getLogger("trueconf_sync").addHandler(Keep())
            with client:
                server.user("alice").send_message(client.create_p2p_chat("alice"), "hi")
                assert handled.wait(10)
            import logging

            handlers = [type(h).__name__ for h in logging.getLogger("trueconf_sync").handlers]
            print(json.dumps({"loaded": loaded, "records": records, "handlers": handlers}))
    """
    quiet = subprocess.run([sys.executable, "-c", textwrap.dedent(code).replace("CONFIGURE", "False")],
                           capture_output=True, text=True, timeout=120, check=False)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""  # the handler's exception was logged, to the NullHandler only
    result = json.loads(quiet.stdout.strip().splitlines()[-1])
    assert result == {"loaded": False, "records": [], "handlers": ["NullHandler"]}
    configured = run(textwrap.dedent(code).replace("CONFIGURE", "True"))
    assert isinstance(configured, dict)
    records = [tuple(record) for record in configured["records"]]
    assert ("trueconf_sync.client", "INFO") in {(name, level) for name, level, _ in records}
    assert any(level == "ERROR" and "raised" in text for _, level, text in records), records


def test_a_client_loads_the_models_when_it_connects_on_the_connecting_thread() -> None:
    # The reader thread must never be the one that imports the models or the converter: record
    # the thread of the first import of each through an import hook.
    result = run("""
        import json, sys, threading
        from trueconf_sync import Client
        from trueconf_sync.testing import FakeTrueConfServer

        seen = {}

        class Spy:
            def find_spec(self, name, path=None, target=None):
                if name in ("trueconf_sync.api.models", "trueconf_sync.api.converter", "cattrs"):
                    seen.setdefault(name, threading.current_thread().name)
                return None

        with FakeTrueConfServer() as server:
            server.add_user("bot", password="pw")
            server.add_user("alice", password="pw")
            sys.meta_path.insert(0, Spy())
            before = "trueconf_sync.api.models" in sys.modules
            client = Client(server.host, port=server.port, https=False, token=server.issue_token("bot"))
            with client:
                sent = client.send_message(client.create_p2p_chat("alice"), "hello")
            print(json.dumps({"before": before, "seen": seen, "sent": type(sent).__name__}))
    """)
    assert result == {"before": False, "sent": "SentMessage",
                      "seen": {name: "MainThread" for name in
                               ("trueconf_sync.api.models", "trueconf_sync.api.converter", "cattrs")}}


def test_a_connected_client_reading_and_sending_messages_loads_no_datetime_or_html() -> None:
    # ``datetime`` and ``html`` (html.entities: a big table) cost ~0.8 MiB of every client's memory
    # and serve only Message.datetime, quotes, contacts and mentions: they load on first use. The
    # fake server runs in its own process (aiohttp imports both), the client in a fresh one.
    import requests

    server = subprocess.Popen([sys.executable, "-m", "trueconf_sync.testing", "--port", "0", "--bot", "bot:pw",
                               "--user", "alice:pw"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()  # "Fake TrueConf server listening on http://127.0.0.1:PORT (...)"
        assert "listening on http://" in line, line
        url = line.split("listening on ", 1)[1].split()[0]
        token = requests.post(url + "/bridge/api/client/v1/oauth/token", json={
            "client_id": "chat_bot", "grant_type": "password", "username": "bot", "password": "pw"},
            timeout=10).json()["access_token"]
        requests.post(url + "/_fake/users/alice/messages", json={"to": "bot", "text": "hi"},
                      timeout=10).raise_for_status()
        host, port = url.removeprefix("http://").rsplit(":", 1)
        result = run(f"""
            import json, sys, threading
            from trueconf_sync import Client

            got, texts = threading.Event(), []
            client = Client({host!r}, {token!r}, port={port}, https=False, receive_unread=True)

            @client.on_message
            def keep(message):
                texts.append((message.text, message.quote, message.mention))
                got.set()

            with client:
                assert got.wait(10)
                sent = client.send_message(client.create_p2p_chat("alice"), "hello")
                edited = client.edit_message(sent.message_id, "hello again")
            loaded = [name for name in ("datetime", "html", "html.entities") if name in sys.modules]
            stamp = sent.datetime.year
            print(json.dumps({{"texts": texts, "loaded": loaded, "then": "datetime" in sys.modules,
                               "year": stamp > 2000}}))
        """)
    finally:
        server.terminate()
        server.communicate(timeout=10)
    assert result == {"texts": [["hi", None, None]], "loaded": [], "then": True, "year": True}
