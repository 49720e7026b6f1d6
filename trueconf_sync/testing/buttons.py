"""Validation of inline buttons, ``content.buttons`` (PROTOCOL §12.4)."""

from __future__ import annotations

from typing import Any

ACTION_KEYS = ("command", "url", "message", "data")
TYPES = ("command", "url", "message", "copy", "share")
STYLES = ("default", "primary", "danger", "success")
URL_SCHEMES = ("http:", "https:", "mailto:", "trueconf:")
MAX_ROWS, MAX_PER_ROW, MAX_TOTAL = 8, 8, 64


class ButtonError(ValueError):
    """The ``buttons`` value breaks a rule of §12.4."""


def _ascii(value: str) -> bool:
    return value.isascii()


def _check_str(button: dict[str, Any], key: str, low: int, high: int, ascii_only: bool = False) -> None:
    value = button[key]
    if not isinstance(value, str) or not low <= len(value) <= high or (ascii_only and not _ascii(value)):
        raise ButtonError(f"button {key!r} must be a string of {low}..{high}"
                          f"{' ASCII' if ascii_only else ''} characters")


def validate_button(button: Any) -> None:
    """Raise :class:`ButtonError` unless ``button`` is a valid button object."""
    if not isinstance(button, dict):
        raise ButtonError("a button must be an object")
    actions = [k for k in ACTION_KEYS if k in button]
    if len(actions) != 1:
        raise ButtonError("a button needs exactly one of command, url, message, data")
    action = actions[0]
    if "type" in button and button["type"] not in TYPES:
        raise ButtonError(f"unknown button type {button['type']!r}")
    if "label" in button:
        _check_str(button, "label", 1, 32)
    elif action != "url":
        raise ButtonError("button label is required")
    if action == "command":
        _check_str(button, "command", 1, 255, ascii_only=True)
    elif action == "url":
        _check_str(button, "url", 8, 8095, ascii_only=True)
        if not button["url"].lower().startswith(URL_SCHEMES):
            raise ButtonError("button url scheme must be http, https, mailto or trueconf")
    elif action == "message":
        _check_str(button, "message", 1, 4096)
    else:
        _check_str(button, "data", 1, 4095)
    command_only = ("customData", "waitReply", "to")
    if action != "command" and any(k in button for k in command_only):
        raise ButtonError("customData, waitReply and to are only allowed on command buttons")
    if "customData" in button:
        _check_str(button, "customData", 1, 4096, ascii_only=True)
    if "waitReply" in button and not isinstance(button["waitReply"], bool):
        raise ButtonError("waitReply must be a boolean")
    if "to" in button and (not isinstance(button["to"], str) or not button["to"]):
        raise ButtonError("to must be a non-empty string")
    if "draft" in button and (action != "message" or not isinstance(button["draft"], bool)):
        raise ButtonError("draft must be a boolean on a message button")
    if "id" in button and not isinstance(button["id"], str):
        raise ButtonError("id must be a string")
    if "style" in button and button["style"] not in STYLES:
        raise ButtonError(f"unknown button style {button['style']!r}")


def validate_buttons(rows: Any) -> None:
    """Raise :class:`ButtonError` unless ``rows`` is a valid array of button rows."""
    if not isinstance(rows, list) or len(rows) > MAX_ROWS:
        raise ButtonError(f"buttons must be an array of at most {MAX_ROWS} rows")
    total = 0
    for row in rows:
        if not isinstance(row, list) or len(row) > MAX_PER_ROW:
            raise ButtonError(f"a button row must be an array of at most {MAX_PER_ROW} buttons")
        total += len(row)
        for button in row:
            validate_button(button)
    if total > MAX_TOTAL:
        raise ButtonError(f"at most {MAX_TOTAL} buttons")


def find_button(rows: Any, key: str) -> dict[str, Any] | None:
    """The command button whose ``id`` or ``command`` equals ``key``."""
    if not isinstance(rows, list):
        return None
    for row in rows:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and "command" in button and key in (button.get("id"), button["command"]):
                return button
    return None
