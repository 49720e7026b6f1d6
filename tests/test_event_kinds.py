"""The one list of event kinds (``trueconf_sync.events.kinds.KINDS``) drives every surface.

Nothing here names an event kind by hand: each test iterates the list and checks that the kind has
its signal, its ``client.on_<name>`` helper, its router observer, a line in the docs, a protocol
example, and that the example pushed by the fake server reaches a handler registered each way.
The typed declarations (annotations kept for mypy and IDEs) are compared with the list both ways,
so a kind added to the list without them, or a declaration left behind, fails here. Finally a
kind added to the list only (in a fresh interpreter) gets every surface and its events delivered.
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import pathlib
import shutil
import subprocess
import sys
import textwrap
import threading
from typing import Any

import pytest

from trueconf_sync import Client, signals
from trueconf_sync.api.converter import converter
from trueconf_sync.bot import EVENT_KINDS, Dispatcher, Router, event_kind, router as router_module
from trueconf_sync.events import registry, signals as event_signals
from trueconf_sync.events.kinds import KINDS, KINDS_BY_NAME, EventKind

ROOT = pathlib.Path(__file__).parent.parent
EXAMPLES = json.loads((ROOT / "tests" / "data" / "protocol_examples.json").read_text("utf-8"))["events"]
DOCS = {path.name: path.read_text("utf-8") for path in sorted((ROOT / "docs").glob("*.rst"))}


def declared_without_value(node: ast.Module | ast.ClassDef, annotation: str) -> set[str]:
    """Names annotated with ``annotation`` but not assigned in a module or class body."""
    return {stmt.target.id for stmt in node.body
            if isinstance(stmt, ast.AnnAssign) and stmt.value is None and isinstance(stmt.target, ast.Name)
            and ast.unparse(stmt.annotation) == annotation}


def class_node(obj: type) -> ast.ClassDef:
    tree = ast.parse(inspect.getsource(sys.modules[obj.__module__]))
    [node] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == obj.__name__]
    return node


# ---- the typed declarations agree with the list ------------------------------------------------------


def test_signal_declarations_match_the_list() -> None:
    declared = declared_without_value(ast.parse(inspect.getsource(event_signals)), "NamedSignal")
    wanted = {kind.signal_attr for kind in KINDS}
    assert declared == wanted, (
        f"events/signals.py: declare {sorted(wanted - declared)} as '<name>: NamedSignal', "
        f"remove {sorted(declared - wanted)}")
    missing = wanted - set(event_signals.__all__)
    assert not missing, f"events/signals.py: add {sorted(missing)} to __all__"
    assert set(signals.__all__) == set(event_signals.__all__)


def test_client_helper_declarations_match_the_list() -> None:
    declared = declared_without_value(class_node(registry.HandlerRegistry), "OnEvent")
    wanted = {f"on_{kind.name}" for kind in KINDS}
    assert declared == wanted, (
        f"HandlerRegistry: declare {sorted(wanted - declared)} as 'on_<name>: OnEvent', "
        f"remove {sorted(declared - wanted)}")


def test_router_observer_declarations_match_the_list() -> None:
    declared = declared_without_value(class_node(Router), "Registrar")
    wanted = ({kind.name for kind in KINDS} | {alias for kind in KINDS for alias in kind.aliases}
              | {view.name for kind in KINDS for view in kind.views})
    assert declared == wanted, (
        f"Router: declare {sorted(wanted - declared)} as '<name>: Registrar', "
        f"remove {sorted(declared - wanted)}")
    assert set(router_module._ALIASES.values()) <= set(KINDS_BY_NAME)


# ---- every kind has every surface -------------------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_kind_has_every_surface(kind: EventKind) -> None:
    signal = getattr(signals, kind.signal_attr)
    assert event_signals.SIGNALS_BY_NAME[kind.name] is signal
    assert signal.name == kind.signal_attr.replace("_", "-") and kind.doc in (signal.__doc__ or "")
    for method in kind.methods:
        assert event_signals.EVENTS[method] == (kind.model, signal, kind.name)
    assert registry.resolve_event(kind.name) == (signal, None)
    helper = vars(registry.HandlerRegistry)[f"on_{kind.name}"]
    assert helper.event == kind.name and kind.doc in (helper.__doc__ or "")
    observer = vars(Router)[kind.name]
    assert observer.kind == kind.name and kind.doc in (observer.__doc__ or "")
    assert kind.name in EVENT_KINDS and router_module._OBSERVERS[kind.name] is observer
    assert event_kind(kind.model()) in (kind.name, "system_message")  # a default Message may be a system one


def test_wire_methods_map_to_exactly_the_kinds() -> None:
    assert set(event_signals.EVENTS) == {method for kind in KINDS for method in kind.methods}
    assert set(event_signals.SIGNALS_BY_NAME) == {kind.name for kind in KINDS} | {"event"}


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_kind_is_in_the_docs(kind: EventKind) -> None:
    # one line of the docs lists the kind with all its wire methods (docs/concepts.rst)
    lines = [line for text in DOCS.values() for line in text.splitlines()
             if f"``{kind.name}``" in line and all(f"``{method}``" in line for method in kind.methods)]
    assert lines, f"docs/*.rst: no line lists ``{kind.name}`` with its wire methods {kind.methods}"


# ---- every kind, pushed by the fake server, reaches a handler registered each way --------------------


def examples_of(kind: EventKind) -> list[tuple[str, dict[str, Any]]]:
    """(wire method, payload) for each of the kind's methods, from the protocol examples.

    A method without an example of its own borrows one of another method of the kind (same model).
    Only examples the router files under this kind count (a system envelope is ``system_message``).
    """
    mine = [e["frame"] for e in EXAMPLES if e["frame"]["method"] in kind.methods
            and event_kind(converter.structure(e["frame"]["payload"], kind.model)) == kind.name]
    assert mine, f"tests/data/protocol_examples.json has no example of {kind.name} ({kind.methods})"
    by_method = {frame["method"]: frame["payload"] for frame in reversed(mine)}  # the first of each
    return [(method, by_method.get(method, mine[0]["payload"])) for method in kind.methods]


class Collector:
    """Records (way, event) pairs from every registration; wait for a count."""

    def __init__(self) -> None:
        self.got: list[tuple[str, Any]] = []
        self._cond = threading.Condition()

    def way(self, name: str) -> Any:
        def record(event: Any, *_: Any, **__: Any) -> None:
            with self._cond:
                self.got.append((name, event))
                self._cond.notify_all()
        return record

    def wait_for(self, predicate: Any, timeout: float = 5.0) -> None:
        with self._cond:
            assert self._cond.wait_for(lambda: predicate(self.got), timeout), self.got


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.name)
def test_pushed_event_reaches_a_handler_registered_each_way(trueconf_server: Any, trueconf_client_factory: Any,
                                                            kind: EventKind) -> None:
    client: Client = trueconf_client_factory(connect=False, skip_own_messages=False, workers=1)
    seen = Collector()
    getattr(client, f"on_{kind.name}")(seen.way("client.on_<name>"))
    client.on(kind.name, seen.way("client.on(name)"))
    for method in kind.methods:
        client.on(method, seen.way(f"client.on({method})"))
    client.on("sentinelNewMethod", seen.way("sentinel"))
    signal = getattr(signals, kind.signal_attr)
    by_signal = seen.way("signal")

    def receiver(sender: Any, event: Any = None, **_: Any) -> None:
        by_signal(event)

    signal.connect(receiver, sender=client, weak=False)
    dp = Dispatcher()
    getattr(dp, kind.name)()(seen.way("dispatcher.<name>"))
    child = dp.include_router(Router(name="child"))  # routing stops at the dispatcher's own handler
    getattr(child, kind.name)()(seen.way("never: the dispatcher's handler took it"))
    dp.attach(client)
    client.connect()
    pushed = examples_of(kind)
    try:
        for method, payload in pushed:
            trueconf_server.push_event(method, payload, login="echo_bot")
        # the sentinel: with one worker, once it is handled every event before it was handled too
        trueconf_server.push_event("sentinelNewMethod", {}, login="echo_bot")
        seen.wait_for(lambda got: any(way == "sentinel" for way, _ in got))
    finally:
        signal.disconnect(receiver, sender=client)
    for way in ("client.on_<name>", "client.on(name)", "signal", "dispatcher.<name>"):
        events = [event for name, event in seen.got if name == way]
        assert len(events) == len(pushed), (way, events)
        assert all(isinstance(event, kind.model) for event in events), (way, events)
    for method, payload in pushed:
        [event] = [event for name, event in seen.got if name == f"client.on({method})"]
        assert isinstance(event, kind.model) and event.raw == payload
    assert not [name for name, _ in seen.got if name.startswith("never")]


# ---- a kind added to the list only gets every surface --------------------------------------------------

NEW_KIND_LINE = (
    '    EventKind("poll_closed", ("closePoll",), HistoryCleared, "A poll was closed."),\n')

NEW_KIND_SCRIPT = """
import threading
import trueconf_sync
from trueconf_sync import Client, signals
from trueconf_sync.bot import EVENT_KINDS, Dispatcher
from trueconf_sync.testing import FakeTrueConfServer

assert trueconf_sync.__file__.startswith(COPY), trueconf_sync.__file__  # the edited copy, not the package
assert "poll_closed" in EVENT_KINDS
got, done = [], threading.Event()
with FakeTrueConfServer() as server:
    server.add_user("echo_bot", password="password")
    client = Client(server.host, port=server.port, https=False, token=server.issue_token("echo_bot"), workers=1)
    client.on_poll_closed(lambda e: got.append(("helper", type(e).__name__)))
    client.on("poll_closed", lambda e: got.append(("by name", e.chat_id)))
    signals.poll_closed.connect(lambda s, event, **_: got.append(("signal", event.chat_id)), sender=client, weak=False)
    dp = Dispatcher()
    dp.poll_closed()(lambda event, event_kind: got.append(("router", event_kind)))
    dp.attach(client)
    client.on("sentinelNewMethod", lambda e: done.set())
    client.connect()
    server.push_event("closePoll", {"chatId": "c1", "forAll": True}, login="echo_bot")
    server.push_event("sentinelNewMethod", {}, login="echo_bot")
    assert done.wait(5)
    client.close()
print(sorted(got))
"""


def test_a_kind_added_to_the_list_only_gets_every_surface(tmp_path: pathlib.Path) -> None:
    # a copy of the package with one line added to KINDS, run in a fresh interpreter
    import trueconf_sync
    package = pathlib.Path(trueconf_sync.__file__).parent
    shutil.copytree(package, tmp_path / "trueconf_sync", ignore=shutil.ignore_patterns("__pycache__"))
    kinds_py = tmp_path / "trueconf_sync" / "events" / "kinds.py"
    source = kinds_py.read_text("utf-8")
    anchor = "KINDS: tuple[EventKind, ...] = (\n"
    assert source.count(anchor) == 1
    kinds_py.write_text(source.replace(anchor, anchor + NEW_KIND_LINE), "utf-8")
    script = f"COPY = {str(tmp_path)!r}\n" + textwrap.dedent(NEW_KIND_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                            cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "[('by name', 'c1'), ('helper', 'HistoryCleared'), ('router', 'poll_closed'), ('signal', 'c1')]")
