"""Imports flow one way, down (DESIGN.md "Layers"): the core, the transport and the settings never
import a layer above them, not even for typing; the API method descriptors reach the client only
through the ClientCore Protocol."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import trueconf_sync

PACKAGE = Path(trueconf_sync.__file__).parent
LEAVES = {"errors", "enums", "ids", "limits", "frozen", "logs"}
ALLOWED = {
    "core": {"core", "transport", "config"} | LEAVES,
    "transport": {"transport"} | LEAVES,
    "config": {"transport", "config", "settings"} | LEAVES,  # settings.py: config's loader, loaded on first use
    "settings": {"transport", "config", "settings"} | LEAVES,
}


def _imported_packages(path: Path) -> set[str]:
    """First-level subpackages/modules of trueconf_sync that ``path`` imports (relative or absolute)."""
    module_parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(module_parts[: len(module_parts) - node.level])
                target = base + (node.module.split(".") if node.module else [])
                names = [[*target, alias.name] for alias in node.names] if not node.module else [target]
            else:
                names = [(node.module or "").split(".")]
            for parts in names:
                if parts[0] == "trueconf_sync" and len(parts) > 1:
                    found.add(parts[1])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "trueconf_sync" and len(parts) > 1:
                    found.add(parts[1])
    return found


def _files(layer: str) -> list[Path]:
    return [PACKAGE / f"{layer}.py"] if (PACKAGE / f"{layer}.py").exists() else sorted((PACKAGE / layer).glob("*.py"))


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_lower_layers_import_nothing_above_them(layer):
    for path in _files(layer):
        above = _imported_packages(path) - ALLOWED[layer]
        assert not above, f"{path.relative_to(PACKAGE)} imports {sorted(above)}"


@pytest.mark.parametrize("module", ["api/method.py", "api/activity.py", "transport/http.py", "core/bulk.py"])
def test_no_reach_into_the_client(module):
    path = PACKAGE / module
    assert "client" not in _imported_packages(path)
    source = path.read_text(encoding="utf-8")
    assert "client: Any" not in source and "client._" not in source


def test_no_module_of_the_rebuild_is_over_500_lines():
    for path in [PACKAGE / "client.py", PACKAGE / "config.py", PACKAGE / "settings.py", *_files("core")]:
        lines = len(path.read_text(encoding="utf-8").splitlines())
        assert lines <= 500, f"{path.relative_to(PACKAGE)}: {lines} lines"


FILES_MODULES = sorted((PACKAGE / "files").glob("*.py"))


@pytest.mark.parametrize("path", FILES_MODULES, ids=[path.name for path in FILES_MODULES])
def test_files_reach_the_client_only_through_its_core(path):
    """files/ gets a ClientCore (``client.core``): no untyped client, no private field, no Client import."""
    assert "client" not in _imported_packages(path), f"files/{path.name} imports trueconf_sync.client"
    source = path.read_text(encoding="utf-8")
    for forbidden in ("client: Any", "client._", "client.__dict__", "session_of("):
        assert forbidden not in source, f"files/{path.name} contains {forbidden!r}"
