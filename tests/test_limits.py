"""trueconf_sync.limits: one set of limits and checks, each error naming the argument and the limit;
and the layering it serves (limits is a leaf, text/ imports only leaves)."""

from __future__ import annotations

import ast
import enum
from pathlib import Path

import pytest

from trueconf_sync import limits
from trueconf_sync.enums import ParseMode
from trueconf_sync.keyboard import Button, InlineKeyboard

PACKAGE = Path(limits.__file__).parent
LEAVES = {"errors", "enums", "ids", "limits"}


def package_imports(path: Path) -> set[str]:
    """First component (below trueconf_sync) of every relative import in ``path``."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            depth = len(path.relative_to(PACKAGE).parts) - 1  # package depth of the module
            if node.level > depth:  # reaches the top package: from ..x import / from .. import x
                names = [node.module.split(".")[0]] if node.module else [alias.name for alias in node.names]
                found.update(names)
    return found


def test_limits_is_a_leaf():
    assert package_imports(PACKAGE / "limits.py") == set()


@pytest.mark.parametrize("module", sorted((PACKAGE / "text").glob("*.py")), ids=lambda p: p.name)
def test_text_layer_imports_only_leaves(module):
    assert package_imports(module) <= LEAVES


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@pytest.mark.parametrize(
    ("call", "exc", "message"),
    [
        (lambda: limits.check_str("label", 5, 1, 32), TypeError, "label must be a str, not int"),
        (lambda: limits.check_str("label", "", 1, 32), ValueError, "label must be 1-32 characters long, got 0"),
        (lambda: limits.check_str("label", "x" * 33, 1, 32), ValueError, "label must be 1-32 characters long, got 33"),
        (lambda: limits.check_str("to", ""), ValueError, "to must not be empty"),
        (lambda: limits.check_str("command", "é", 1, 9, ascii_only=True), ValueError,
         "command must contain only ASCII characters"),
        (lambda: limits.check_str("data", "a\ud800"), ValueError,
         "data holds a lone surrogate '\\ud800' at index 1 (not encodable as UTF-8)"),
        (lambda: limits.check_count("count", 0), ValueError, "count must be between 1 and 4294967295, got 0"),
        (lambda: limits.check_count("count", 2**32), ValueError, "count must be between 1 and 4294967295, got"),
        (lambda: limits.check_count("count", True), TypeError, "count must be an int, not bool"),
        (lambda: limits.check_count("limit", 0, maximum=None), ValueError, "limit must be >= 1, got 0"),
        (lambda: limits.check_bool("for_all", 1), TypeError, "for_all must be a bool, not int"),
        (lambda: limits.check_choice("colour", "green", Colour), ValueError,
         "colour must be one of red, blue; got 'green'"),
        (lambda: limits.check_choice("parse_mode", ParseMode("rtf"), ParseMode), ValueError,
         "parse_mode must be one of text, markdown, html; got"),
        (lambda: limits.check_id("chat_id", " c"), ValueError, "chat_id must be a non-empty id"),
        (lambda: limits.check_id("chat_id", "c" * 1025), ValueError,
         "chat_id is 1025 characters long; the limit is 1024"),
        (lambda: limits.check_title("title", "t" * 257), ValueError, "title is 257 characters long; the limit is 256"),
        (lambda: limits.check_title("title", " "), ValueError, "title must not be empty or only whitespace"),
        (lambda: limits.check_url("url", "ftp://example.com"), ValueError,
         "url must use one of the schemes http, https, mailto, trueconf"),
    ],
)
def test_checks_name_the_argument_and_the_limit(call, exc, message):
    with pytest.raises(exc) as info:
        call()
    assert str(info.value).startswith(message)


def test_checks_return_what_they_accept():
    assert limits.check_str("label", "x" * 32, 1, 32) == "x" * 32
    assert limits.check_count("count", limits.MAX_UINT32) == limits.MAX_UINT32
    assert limits.check_choice("colour", "RED", Colour) is Colour.RED
    assert limits.check_choice("parse_mode", ParseMode.HTML, ParseMode) is ParseMode.HTML
    assert limits.check_title("title", "t" * limits.MAX_TITLE_LENGTH) == "t" * 256
    assert limits.check_optional_id("reply_message_id", None) is None
    assert limits.check_url("url", "trueconf:bob@example.com") == "trueconf:bob@example.com"


def test_keyboards_use_the_same_limits():
    low, high = limits.BUTTON_LABEL_LENGTH
    assert Button.command("x" * high, "c").label == "x" * high
    with pytest.raises(ValueError, match=f"label must be {low}-{high} characters long"):
        Button.command("x" * (high + 1), "c")
    row = [Button.command("b", "c")] * limits.MAX_ROW_BUTTONS
    keyboard = InlineKeyboard([row] * limits.MAX_ROWS)
    assert len(keyboard) == limits.MAX_BUTTONS
    with pytest.raises(ValueError, match=f"at most {limits.MAX_ROWS} rows"):
        keyboard.row(Button.command("b", "c"))
