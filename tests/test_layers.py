"""Every module imports only its own layer and the layers below (DESIGN.md "Layers"), not even for typing.

The order, bottom up, is the README's layout; a module's layer is its first-level name in the package.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import trueconf_sync

PACKAGE = Path(trueconf_sync.__file__).parent
ORDER = [
    {"errors", "enums", "ids", "limits", "extras", "frozen", "logs"},
    {"transport"},
    {"config", "settings"},  # settings.py: config's loader, loaded on first use
    {"core"},
    {"text"},
    {"api"},
    {"events"},
    {"files"},
    {"client"},
    {"models", "formatting", "keyboard", "signals", "display"},  # public import paths (re-exports)
    {"bot", "cli", "contrib", "testing", "outbox", "relay", "__init__", "__main__"},
]
RANK = {name: rank for rank, names in enumerate(ORDER) for name in names}


def layer_of(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


def imported(path: Path) -> set[str]:
    """First-level names of trueconf_sync that ``path`` imports, relative or absolute, anywhere in it."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[list[str]] = []
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = list(parts[: len(parts) - node.level])
                module = node.module.split(".") if node.module else []
                targets = [[*base, *module, alias.name] for alias in node.names] if not module else [base + module]
            else:
                targets = [(node.module or "").split(".")]
        elif isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        for target in targets:
            if target[0] == "trueconf_sync" and len(target) > 1:
                found.add(target[1])
    return found


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_first_level_name_has_a_layer() -> None:
    assert {layer_of(path) for path in MODULES} <= set(RANK)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_flow_down(path: Path) -> None:
    own = RANK[layer_of(path)]
    above = sorted(name for name in imported(path) if RANK.get(name, -1) > own)
    assert not above, f"{path.relative_to(PACKAGE)} (layer {own}) imports {above} from above"
