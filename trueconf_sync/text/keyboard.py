"""Inline keyboards (PROTOCOL §12.4), and the public face of buttons and ``answerCommand`` (§12.6).

Server 5.5.6+ shows rows of buttons under a bot's plain-text message
(``content.buttons`` of ``sendMessage`` / ``editMessage``)::

    from trueconf_sync.keyboard import Button, ButtonStyle, InlineKeyboard

    kb = (
        InlineKeyboard()
        .row(Button.command("Add to cart", "cart:add", custom_data="product-42",
                            style=ButtonStyle.PRIMARY),
             Button.url("https://example.com/shop", "Website"))
        .row(Button.message("Ask", "Tell me more", draft=True),
             Button.copy("Copy code", "code-42"))
    )
    client.send_message(chat_id, "Choose an action:", buttons=kb)

The ``Button.*`` constructors and :class:`InlineKeyboard` check every
documented limit and raise ``ValueError`` naming the argument and the limit
before anything is sent. :meth:`InlineKeyboard.from_wire` /
:meth:`Button.from_wire` read incoming buttons leniently: they never raise,
unknown keys are ignored and out-of-range values are kept.

:class:`Button` lives in :mod:`.buttons`, :class:`CommandAnswer` in :mod:`.command_answer`; both
are re-exported here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from ..limits import MAX_BUTTONS, MAX_ROW_BUTTONS, MAX_ROWS, check_bool
from .buttons import ACTION_KEYS, WIRE_KEYS, Button, ButtonKind, ButtonStyle
from .command_answer import (
    AnswerLevel,
    AnswerStatus,
    AnswerType,
    AnswerVisibility,
    CommandAnswer,
    command_answer_payload,
)

__all__ = [
    "AnswerLevel",
    "AnswerStatus",
    "AnswerType",
    "AnswerVisibility",
    "Button",
    "ButtonKind",
    "ButtonStyle",
    "CommandAnswer",
    "InlineKeyboard",
    "command_answer_payload",
    "keyboard_to_wire",
]


def _check_layout(rows: Sequence[Sequence[object]]) -> None:
    if len(rows) > MAX_ROWS:
        raise ValueError(f"too many rows: {len(rows)} (a keyboard has at most {MAX_ROWS} rows)")
    total = 0
    for index, row in enumerate(rows):
        if len(row) > MAX_ROW_BUTTONS:
            raise ValueError(
                f"too many buttons in row {index}: {len(row)} "
                f"(a row has at most {MAX_ROW_BUTTONS} buttons)"
            )
        total += len(row)
    if total > MAX_BUTTONS:
        raise ValueError(
            f"too many buttons: {total} (a keyboard has at most {MAX_BUTTONS} buttons)"
        )


def _check_button(value: object) -> Button:
    if not isinstance(value, Button):
        raise TypeError(f"expected a Button, got {type(value).__name__}")
    return value


class InlineKeyboard:
    """Builder for ``content.buttons``: up to 8 rows of up to 8 buttons, 64 in all.

    ``InlineKeyboard().row(a, b).row(c)`` gives two rows; ``.add(d)`` appends
    to the last row (starting one if there is none), so
    ``InlineKeyboard().row().add(a).add(b)`` works as well. Every change is
    checked against the limits and raises ``ValueError`` naming the limit.

    Args:
        rows: initial rows of :class:`Button` (checked the same way).

    Raises:
        ValueError: a limit is exceeded.
        TypeError: an element is not a :class:`Button`.
    """

    def __init__(self, rows: Iterable[Iterable[Button]] | None = None) -> None:
        self._rows: list[list[Button]] = []
        for row in rows or ():
            self.row(*row)

    @property
    def rows(self) -> tuple[tuple[Button, ...], ...]:
        """The rows, as an immutable snapshot."""
        return tuple(tuple(row) for row in self._rows)

    @property
    def buttons(self) -> list[Button]:
        """All buttons, row by row."""
        return [button for row in self._rows for button in row]

    def row(self, *buttons: Button) -> InlineKeyboard:
        """Append a row (possibly empty, to be filled with :meth:`add`).

        Args:
            *buttons: the row's buttons, left to right.

        Returns:
            ``self``, for chaining.

        Raises:
            ValueError: more than 8 rows, 8 buttons in the row or 64 buttons.
            TypeError: an element is not a :class:`Button`.
        """
        new_row = [_check_button(b) for b in buttons]
        _check_layout([*self._rows, new_row])
        self._rows.append(new_row)
        return self

    def add(self, button: Button) -> InlineKeyboard:
        """Append ``button`` to the last row (a first row is started if needed).

        Returns:
            ``self``, for chaining.

        Raises:
            ValueError: the row would hold more than 8 buttons, or the
                keyboard more than 64.
            TypeError: ``button`` is not a :class:`Button`.
        """
        _check_button(button)
        if not self._rows:
            self.row()
        _check_layout([*self._rows[:-1], [*self._rows[-1], button]])
        self._rows[-1].append(button)
        return self

    def to_wire(self) -> list[list[dict[str, Any]]]:
        """Return the ``content.buttons`` value (§12.4); empty rows are left out.

        Buttons are not re-validated here; use :func:`keyboard_to_wire` for
        keyboards that came from :meth:`from_wire`.
        """
        return [[button.to_wire() for button in row] for row in self._rows if row]

    @classmethod
    def from_wire(cls, rows: Any) -> InlineKeyboard:
        """Read incoming ``content.buttons``; never raises, never drops valid buttons.

        Limits are not enforced; a value that is not a list gives an empty
        keyboard, rows that are not lists are skipped, and each button is
        read with :meth:`Button.from_wire`.

        Args:
            rows: the raw ``buttons`` value.

        Returns:
            A new :class:`InlineKeyboard`.
        """
        keyboard = cls()
        if isinstance(rows, list):
            keyboard._rows = [
                [Button.from_wire(item) for item in row] for row in rows if isinstance(row, list)
            ]
        return keyboard

    def __iter__(self) -> Iterator[tuple[Button, ...]]:
        return iter(self.rows)

    def __len__(self) -> int:
        """Number of buttons."""
        return sum(len(row) for row in self._rows)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, InlineKeyboard):
            return NotImplemented
        return self._rows == other._rows

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"InlineKeyboard({self._rows!r})"


def _button_from_dict(data: Mapping[Any, Any], where: str) -> Button:
    unknown = sorted(str(key) for key in data if key not in WIRE_KEYS)
    if unknown:
        raise ValueError(f"{where}{unknown[0]} is not a button key")
    actions = [key for key, _ in ACTION_KEYS if data.get(key) is not None]
    if len(actions) != 1:
        raise ValueError(
            f"{where[:-1] or 'button'}: needs exactly one of command, url, message, data; "
            f"got {', '.join(actions) or 'none'}"
        )
    for key in ("waitReply", "draft"):
        if key in data:
            check_bool(f"{where}{key}", data[key])
    for key in WIRE_KEYS - {"waitReply", "draft"}:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise TypeError(f"{where}{key} must be a str, got {type(data[key]).__name__}")
    button = Button.from_wire(data)
    declared = data.get("type")
    if declared is not None and declared != str(button.kind):
        raise ValueError(
            f"{where}type is {declared!r} but the action key makes it {str(button.kind)!r}"
        )
    return button


def keyboard_to_wire(value: Any) -> list[list[dict[str, Any]]]:
    """Validate any accepted keyboard form and return the ``content.buttons`` value.

    Accepted forms: an :class:`InlineKeyboard`; a sequence of rows, each a
    sequence of :class:`Button` objects and/or wire dicts (camelCase keys as
    in §12.4). Every button and every limit is checked, so a keyboard read
    with :meth:`InlineKeyboard.from_wire` can be re-sent safely. Empty rows
    are left out.

    Args:
        value: the keyboard.

    Returns:
        A new ``list[list[dict]]``.

    Raises:
        ValueError: a limit or rule is broken; the message gives the position
            (``buttons[row][column]``) and the field.
        TypeError: ``value`` or an element has an unsupported type.
    """
    if isinstance(value, InlineKeyboard):
        rows: Sequence[Sequence[Any]] = value.rows
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        rows = value
    else:
        raise TypeError(
            f"buttons must be an InlineKeyboard or a list of rows, got {type(value).__name__}"
        )
    buttons: list[list[Button]] = []
    for r, row in enumerate(rows):
        if not isinstance(row, Sequence) or isinstance(row, (str, bytes)):
            raise TypeError(f"buttons[{r}] must be a list of buttons, got {type(row).__name__}")
        parsed = []
        for c, item in enumerate(row):
            where = f"buttons[{r}][{c}]."
            if isinstance(item, Button):
                parsed.append(item.validate(where))
            elif isinstance(item, Mapping):
                parsed.append(_button_from_dict(item, where).validate(where))
            else:
                raise TypeError(
                    f"buttons[{r}][{c}] must be a Button or a dict, got {type(item).__name__}"
                )
        buttons.append(parsed)
    _check_layout(buttons)
    return [[button.to_wire() for button in row] for row in buttons if row]
