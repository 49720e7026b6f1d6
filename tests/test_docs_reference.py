"""The API reference renders everything public: the built docs' objects.inv is compared with ``__all__``.

The docs are built once per test session (Sphinx, as CI builds them) and every name in the
``__all__`` of the public modules must be in the inventory: the very object (a class documented under
another path counts), or for a plain constant an entry of that name with an equal value. A public
name the reference forgets fails here, not in a user's browser.
"""

from __future__ import annotations

import html
import importlib
import posixpath
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("sphinx", reason="sphinx is in the 'test' and 'docs' extras: pip install -e '.[test]'")
from sphinx.util.inventory import InventoryFile

pytestmark = pytest.mark.slow  # one Sphinx build for the module: ~20-60 s

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: The modules users import from; their ``__all__`` is the public API.
PUBLIC_MODULES = (
    "trueconf_sync",
    "trueconf_sync.errors",
    "trueconf_sync.enums",
    "trueconf_sync.models",
    "trueconf_sync.formatting",
    "trueconf_sync.keyboard",
    "trueconf_sync.signals",
    "trueconf_sync.display",
    "trueconf_sync.limits",
    "trueconf_sync.files",
    "trueconf_sync.bot",
    "trueconf_sync.testing",
    "trueconf_sync.cli",
    "trueconf_sync.contrib.jupyter",
    "trueconf_sync.contrib.flask",
    "trueconf_sync.contrib.django",
)
#: Plain values: matched by name and value, since equal constants need not be one object.
CONSTANTS = (int, float, str, bytes, tuple, frozenset, type(None))


@pytest.fixture(scope="session")
def built_docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("docs") / "html"
    done = subprocess.run([sys.executable, "-m", "sphinx", "-q", "-b", "html", str(DOCS), str(out)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return out


@pytest.fixture(scope="session")
def inventory(built_docs: Path) -> dict[str, str]:
    """Documented Python objects: name -> role (``py:class``...)."""
    with (built_docs / "objects.inv").open("rb") as stream:
        loaded = InventoryFile.load(stream, "", posixpath.join)
    return {name: role for role, entries in loaded.items() if role.startswith("py:") for name in entries}


def _resolve(name: str) -> tuple[bool, Any]:
    """The object a dotted inventory name stands for: the longest importable module, then attributes."""
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for part in parts[split:]:
                obj = getattr(obj, part)
        except AttributeError:
            return False, None
        return True, obj
    return False, None


def test_every_public_name_is_in_the_api_reference(inventory: dict[str, str]) -> None:
    documented: list[Any] = []  # held, so no id() below is reused by another object
    by_last_part: dict[str, list[Any]] = {}
    for name in inventory:
        found, obj = _resolve(name)
        if found:
            documented.append(obj)
            by_last_part.setdefault(name.rsplit(".", 1)[-1], []).append(obj)
    ids = {id(obj) for obj in documented}
    missing = []
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name.startswith("__"):
                continue
            value = getattr(module, name)
            if id(value) in ids:
                continue
            if isinstance(value, CONSTANTS) and any(type(other) is type(value) and other == value
                                                    for other in by_last_part.get(name, [])):
                continue
            missing.append(f"{module_name}.{name}")
    assert not missing, f"public names missing from docs/api.rst (add them there): {missing}"


def test_the_names_the_issue_lists_are_there(inventory: dict[str, str]) -> None:
    for name, role in [("trueconf_sync.testing.FakeTrueConfServer", "py:class"),
                       ("trueconf_sync.testing.SimulatedUser", "py:class"),
                       ("trueconf_sync.testing.ServerConfig", "py:class"),
                       ("trueconf_sync.api.display.table", "py:function"),
                       ("trueconf_sync.ServerInfo", "py:class"),
                       ("trueconf_sync.SendResult", "py:class"),
                       ("trueconf_sync.signals.message_received", "py:data"),
                       ("trueconf_sync.errors.EventLoopBlockingWarning", "py:exception"),
                       ("trueconf_sync.Client.send_message", "py:method")]:
        assert inventory.get(name) == role, (name, inventory.get(name))


def test_api_methods_render_with_their_parameters(built_docs: Path) -> None:
    text = html.unescape(re.sub(r"<[^>]+>", "", (built_docs / "api.html").read_text(encoding="utf-8")))
    assert re.search(r"send_message\(chat_id: str, text: str \| FormattedText, \*, parse_mode: .*timeout", text)
    assert re.search(r"get_chats\(\*, count: int = 10, page: int = 1, timeout: Timeout = None\) → ChatList", text)
    assert re.search(r"send_file\(chat_id: str, file: FileInput, \*, caption", text)
