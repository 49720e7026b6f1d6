"""docs/migration.rst cannot lie: every name in its trueconf_sync column exists, keyword arguments
included, and every public name of the official SDK 1.5.4 (tests/data/sdk_public_names.json,
dumped from the installed SDK) appears in its python-trueconf-bot column.

How a ``code`` span of the trueconf_sync column is read: a leading ``@`` is dropped; the dotted
name at its start is resolved (its first part is a variable of the examples below, a module, or a
public name of the package); ``name=`` inside the call's parentheses must be a parameter of what
was resolved. Literals (``"text"``, ``True``) are skipped. A row with no span there must say
``not needed``, ``nothing`` or ``not exposed`` (and why, in the notes).
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import json
import pathlib
import re
from typing import Any

import pytest

import trueconf_sync
from trueconf_sync import Client, bot, files, formatting, keyboard, models
from trueconf_sync.bot import CallbackQuery, CommandObject, Dispatcher, FSMContext, Router, StorageKey
from trueconf_sync.models import Message

ROOT = pathlib.Path(__file__).parent.parent
DOC = (ROOT / "docs" / "migration.rst").read_text("utf-8")
SDK = json.loads((ROOT / "tests" / "data" / "sdk_public_names.json").read_text("utf-8"))["names"]

#: The variables the table's examples use, and what they stand for.
VARIABLES: dict[str, Any] = {"client": Client, "router": Router, "dp": Dispatcher, "message": Message,
                             "state": FSMContext, "command": CommandObject, "query": CallbackQuery,
                             "key": StorageKey}
#: Where a bare name is looked up, in order.
NAMESPACES = (trueconf_sync, bot, models, keyboard, formatting, files, builtins)
#: What a row says when nothing is needed or offered on purpose.
NOTHING = re.compile(r"^(not needed|nothing|not exposed)\b")
SPAN = re.compile(r"``(.+?)``")
NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


def rows() -> list[tuple[str, str, str]]:
    """(sdk, ours, notes) of every list-table row (the header rows excluded)."""
    found = re.findall(r"^   \* - (.*)\n     - (.*)\n     - ?(.*)$", DOC, re.M)
    return [row for row in found if row[0] != "python-trueconf-bot"]


def resolve(dotted: str) -> Any:
    """The object a dotted name stands for. Raises LookupError naming the part that is missing."""
    head, *rest = dotted.split(".")
    if head in VARIABLES:
        obj: Any = VARIABLES[head]
    elif head == "trueconf_sync" or head in ("logging",):
        obj = importlib.import_module(head)
    else:
        obj = next((getattr(ns, head) for ns in NAMESPACES if hasattr(ns, head)), None)
        if obj is None:
            raise LookupError(f"{head!r} is not a public name of trueconf_sync")
    path = head
    for part in rest:
        path += "." + part
        if inspect.ismodule(obj) and not hasattr(obj, part):
            try:
                obj = importlib.import_module(f"{obj.__name__}.{part}")
                continue
            except ImportError:
                pass
        if not hasattr(obj, part):
            declared = {name for cls in getattr(obj, "__mro__", ()) for name in vars(cls).get("__annotations__", {})}
            if part not in declared:  # an instance attribute declared on the class counts
                raise LookupError(f"{path!r} does not exist")
            obj = None
            continue
        obj = getattr(obj, part)
    return obj


def parameters(obj: Any) -> set[str] | None:
    """Parameter names of a callable (a class: its constructor); None when it takes ``**kwargs``."""
    target = obj
    if hasattr(obj, "__wrapped__"):
        target = obj.__wrapped__
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        return None
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values()):
        return None
    return set(signature.parameters)


def check_span(span: str) -> None:
    text = span.lstrip("@")
    try:
        ast.literal_eval(text)
        return  # a literal value, nothing to look up
    except (ValueError, SyntaxError):
        pass
    match = NAME.match(text)
    assert match is not None, f"cannot read ``{span}``"
    obj = resolve(match.group(0))
    keywords = re.findall(r"(?:\(|,\s*)(\w+)=", text[match.end():])
    if keywords:
        accepted = parameters(obj)
        if accepted is not None:
            unknown = [k for k in keywords if k not in accepted]
            assert not unknown, f"``{span}``: {match.group(0)} has no parameter {', '.join(unknown)}"


@pytest.mark.parametrize("sdk, ours, notes", rows(), ids=lambda value: value[:40])
def test_every_row_names_what_exists(sdk: str, ours: str, notes: str) -> None:
    assert "no equivalent" not in ours + notes, f"{sdk}: an open gap"
    spans = SPAN.findall(ours)
    if not spans:
        assert NOTHING.match(ours) and notes, f"{sdk}: name the equivalent, or say why none is needed"
    for span in spans:
        check_span(span)


def test_the_table_covers_every_public_sdk_name() -> None:
    listed = {word for sdk, _, _ in rows() for span in SPAN.findall(sdk) for word in re.findall(r"\w+", span)}
    missing = {f"{group}.{name}" for group, names in SDK.items() for name in names if name not in listed}
    assert not missing, f"docs/migration.rst: add rows for {sorted(missing)}"


def test_the_checker_catches_lies() -> None:
    with pytest.raises(LookupError, match="no_such_method"):
        check_span("client.no_such_method(x)")
    with pytest.raises(AssertionError, match="no parameter quoted"):
        check_span("client.send_message(chat_id, text, quoted=)")
    with pytest.raises(LookupError):
        check_span("NoSuchThing")
    check_span("client.send_message(chat_id, text, quote=)")  # the guide once said this did not exist
    check_span("Client(server, oauth_client_id=)")
    assert len(rows()) > 100
