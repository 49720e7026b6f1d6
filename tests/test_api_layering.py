"""The API layer knows nothing of the client above it (DESIGN.md "Layers", tracker issue 12).

Models reach the client only through the :class:`BoundClient` Protocol and finish hooks only
through :class:`FinishContext`; ``Client`` satisfies both, which mypy (strict) checks here on a
small typed snippet, next to a snippet that must be refused (so the check can fail).
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

import trueconf_sync
from trueconf_sync import Client
from trueconf_sync.api.models import Message
from trueconf_sync.api.models.binding import BoundClient, bind_client

PACKAGE = Path(trueconf_sync.__file__).parent
API_FILES = sorted((PACKAGE / "api").rglob("*.py"))


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def _imports_client(source: str, module: str) -> bool:
    """True when ``source`` (of module ``module``) imports ``trueconf_sync.client``, also under TYPE_CHECKING."""
    parts = module.split(".")
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(parts[: len(parts) - node.level])
                targets = [[*base, *node.module.split(".")]] if node.module else [
                    [*base, alias.name] for alias in node.names]
            else:
                targets = [(node.module or "").split(".")]
        elif isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        else:
            continue
        if any(target[:2] == ["trueconf_sync", "client"] for target in targets):
            return True
    return False


@pytest.mark.parametrize("path", API_FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_api_layer_never_imports_the_client(path):
    source = path.read_text(encoding="utf-8")
    assert not _imports_client(source, _module_name(path))
    assert "client: Any" not in source and "client._" not in source


def test_the_import_scan_would_see_a_type_checking_import():
    module = "trueconf_sync.api.models.probe"
    guarded = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ...client import Client\n"
    assert _imports_client(guarded, module)
    assert _imports_client("from ... import client\n", module)
    assert _imports_client("import trueconf_sync.client\n", module)
    assert not _imports_client("from ...core.protocols import FinishContext\n", module)


def test_a_bound_message_calls_the_protocol_members():
    calls: list[tuple[str, tuple[object, ...], dict[str, object]]] = []

    class Recorder:
        """A BoundClient that records the calls (no server needed to see which member is used)."""

        def __getattr__(self, name: str):
            return lambda *args, **kwargs: calls.append((name, args, kwargs))

    message = bind_client(Message(message_id="m1", chat_id="c1"), Recorder())  # type: ignore[arg-type]
    message.reply("hi", timeout=3)
    message.answer("yo")
    message.forward("c2")
    message.edit("new")
    message.delete(for_all=True)
    assert calls == [
        ("send_message", ("c1", "hi"), {"reply_message_id": "m1", "timeout": 3}),
        ("send_message", ("c1", "yo"), {}),
        ("forward_message", ("c2", "m1"), {}),
        ("edit_message", ("m1", "new"), {}),
        ("remove_message", ("m1",), {"for_all": True}),
    ]
    assert set(name for name, _, _ in calls) <= set(BoundClient.__dict__)
    for name in ("send_message", "forward_message", "edit_message", "remove_message", "download_file"):
        assert name in BoundClient.__dict__ and hasattr(Client, name)


def _mypy(tmp_path: Path, body: str) -> tuple[str, int]:
    api = pytest.importorskip("mypy.api")
    snippet = tmp_path / "snippet.py"
    snippet.write_text(textwrap.dedent(body), encoding="utf-8")
    stdout, stderr, status = api.run(
        ["--config-file", str(PACKAGE.parent / "setup.cfg"), "--no-incremental", "--follow-imports=silent",
         str(snippet)])
    return stdout + stderr, status


@pytest.mark.slow
def test_mypy_strict_accepts_the_client_as_a_bound_client_and_refuses_a_stranger(tmp_path):
    output, status = _mypy(tmp_path, """
        from trueconf_sync import Client
        from trueconf_sync.api.models.binding import BoundClient
        from trueconf_sync.core.protocols import FinishContext


        def as_bound(client: Client) -> BoundClient:
            return client


        def as_context(client: Client) -> FinishContext:
            return client


        class Stranger:
            def send_message(self, chat_id: str, text: str) -> None: ...


        def stranger(obj: Stranger) -> BoundClient:
            return obj
        """)
    errors = [line for line in output.splitlines() if ": error:" in line]
    assert len(errors) == 1 and 'got "Stranger", expected "BoundClient"' in errors[0], output
    assert status == 1
