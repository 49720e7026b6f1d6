"""The method table stays ONE table in small modules (tracker issue 12).

Each wire method has exactly one row; every row a topic module of ``api/methods/`` defines is
listed in :class:`ApiMethods`; no module of the API layer grows past 500 lines; the finish hooks
and the models reach the client only through small Protocols (never ``Client``, not even for
typing).
"""

from __future__ import annotations

import ast
import re
import types
from pathlib import Path

import pytest

import trueconf_sync
from trueconf_sync import Client
from trueconf_sync.api import methods
from trueconf_sync.api.method import ApiMethod, api
from trueconf_sync.api.methods import ApiMethods, check_table, rows

PACKAGE = Path(trueconf_sync.__file__).parent
API = PACKAGE / "api"
TABLE_MODULES = sorted((API / "methods").glob("*.py"))


def _api_decorations(path: Path) -> list[tuple[str, str]]:
    """(wire name, function name) of every ``@api("wire", ...)`` row in the source of ``path``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.FunctionDef):
            for deco in node.decorator_list:
                if (isinstance(deco, ast.Call) and isinstance(deco.func, ast.Name) and deco.func.id == "api"
                        and deco.args and isinstance(deco.args[0], ast.Constant)):
                    found.append((str(deco.args[0].value), node.name))
    return found


def test_the_table_is_split_into_several_modules():
    names = {path.name for path in TABLE_MODULES}
    assert {"__init__.py", "messages.py", "chats.py", "participants.py", "files.py", "misc.py"} <= names


@pytest.mark.parametrize("path", sorted(API.rglob("*.py")), ids=lambda p: str(p.relative_to(API)))
def test_no_module_of_the_api_layer_is_over_500_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 500, f"{path.relative_to(PACKAGE)}: {lines} lines"


def test_every_wire_method_is_defined_once_in_the_source():
    seen: dict[str, str] = {}
    for path in TABLE_MODULES:
        for wire, function in _api_decorations(path):
            where = f"{path.name}:{function}"
            assert wire not in seen, f"{wire} is defined twice: {seen[wire]} and {where}"
            seen[wire] = where
    # every row the source defines is a row of the table, and nothing else is
    assert sorted(seen) == sorted(row.wire for row in rows().values())
    assert len(seen) >= 33


def test_the_table_lists_every_row_of_its_modules_once():
    listed = rows()
    assert len({row.wire for row in listed.values()}) == len(listed)
    assert len({id(row) for row in listed.values()}) == len(listed)
    for module in methods.MODULES:
        for name, value in vars(module).items():
            if isinstance(value, ApiMethod):
                assert listed[name] is value, f"{module.__name__}.{name}"


def test_check_table_refuses_a_wire_method_listed_twice():
    @api("sendMessage", lambda payload: payload)
    def send_again(chat_id: str) -> dict[str, object]:
        return {"chatId": chat_id}

    twice = type("Twice", (ApiMethods,), {"send_again": send_again})
    with pytest.raises(ImportError, match="'sendMessage' is in the method table twice"):
        check_table(twice)
    check_table(ApiMethods)  # the real table passes


def test_check_table_refuses_a_row_left_out_of_the_table():
    @api("brandNewMethod", lambda payload: payload)
    def brand_new() -> None:
        return None

    module = types.ModuleType("trueconf_sync.api.methods.extra")
    module.brand_new = brand_new  # type: ignore[attr-defined]
    with pytest.raises(ImportError, match=re.escape("methods.extra.brand_new (brandNewMethod) is not listed")):
        check_table(ApiMethods, (*methods.MODULES, module))


def test_the_client_has_every_row_as_a_method():
    for name, row in rows().items():
        assert getattr(Client, name) is row
        assert name in dir(Client)
