"""Inline buttons (PROTOCOL §12.4) and ``answerCommand`` payloads (§12.6).

Server 5.5.6+ shows rows of buttons under a bot's plain-text message
(``content.buttons`` of ``sendMessage`` / ``editMessage``)::

    from .keyboard import Button, ButtonStyle, InlineKeyboard

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
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, ParamSpec, TypeVar, overload

import attrs

from ..limits import (
    BUTTON_COMMAND_LENGTH,
    BUTTON_COPY_DATA_LENGTH,
    BUTTON_CUSTOM_DATA_LENGTH,
    BUTTON_LABEL_LENGTH,
    COMMAND_ANSWER_TEXT_LENGTH,
    MAX_BUTTONS,
    MAX_ROW_BUTTONS,
    MAX_ROWS,
    check_bool,
    check_choice,
    check_str,
    check_url,
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


class _StrEnum(str, enum.Enum):
    def __str__(self) -> str:
        return str(self.value)


_E = TypeVar("_E", bound=_StrEnum)


class ButtonKind(_StrEnum):
    """The action of a button: the wire ``type`` (§12.4).

    ``SHARE`` is listed by the SDK's enum but cannot be built; ``UNKNOWN`` is
    what :meth:`Button.from_wire` reports for a button without any action
    key and without a ``type`` it knows.
    """

    COMMAND = "command"
    URL = "url"
    MESSAGE = "message"
    COPY = "copy"
    SHARE = "share"
    UNKNOWN = "unknown"


class ButtonStyle(_StrEnum):
    """Colour of a button (§12.4). ``DEFAULT`` is never written to the wire."""

    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"
    SUCCESS = "success"


def _check_style(name: str, value: object) -> ButtonStyle | None:
    return None if value is None else check_choice(name, value, ButtonStyle)


# ---------------------------------------------------------------------------
# Button

_P = ParamSpec("_P")


class _Action(Generic[_P]):
    """``Button.command(...)`` builds a button; ``button.command`` reads the field.

    On the class this descriptor returns the validating constructor; on an
    instance it returns the stored value of the action key.
    """

    def __init__(self, factory: Callable[_P, Button], attr: str) -> None:
        self._factory = factory
        self._attr = attr
        self.__doc__ = factory.__doc__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._factory.__name__ = name
        self._factory.__qualname__ = f"{owner.__name__}.{name}"

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Callable[_P, Button]: ...

    @overload
    def __get__(self, obj: Button, owner: type[Any] | None = None) -> str | None: ...

    def __get__(
        self, obj: Button | None, owner: type[Any] | None = None
    ) -> Callable[_P, Button] | str | None:
        if obj is None:
            return self._factory
        value: str | None = getattr(obj, self._attr)
        return value


def _new_command(
    label: str,
    command: str,
    *,
    custom_data: str | None = None,
    id: str | None = None,
    style: ButtonStyle | str | None = None,
    wait_reply: bool = False,
    to: str | None = None,
) -> Button:
    """A button that sends a ``command`` event (§12.5) to the bot when clicked.

    Args:
        label: 1-32 characters, shown as is (no markup; line breaks shown as
            spaces).
        command: 1-255 ASCII characters, delivered as ``commandPayload.command``.
        custom_data: 1-4096 ASCII characters returned in the click event.
        id: button id, echoed as ``commandSource.buttonId``.
        style: :class:`ButtonStyle` or its value.
        wait_reply: the click expects an ``answerCommand`` (§12.6). Client
            apps did not support this yet when the protocol was described.
        to: send the command to another bot (a full TrueConf ID).

    Returns:
        The validated :class:`Button`.

    Raises:
        ValueError: an argument breaks its limit (the message names it).
        TypeError: an argument has the wrong type.
    """
    return Button(
        ButtonKind.COMMAND,
        label=check_str("label", label, *BUTTON_LABEL_LENGTH),
        command=check_str("command", command, *BUTTON_COMMAND_LENGTH, ascii_only=True),
        custom_data=None
        if custom_data is None
        else check_str("custom_data", custom_data, *BUTTON_CUSTOM_DATA_LENGTH, ascii_only=True),
        wait_reply=check_bool("wait_reply", wait_reply),
        to=None if to is None else check_str("to", to),
        id=None if id is None else check_str("id", id),
        style=_check_style("style", style),
    )


def _new_url(
    url: str,
    label: str | None = None,
    *,
    id: str | None = None,
    style: ButtonStyle | str | None = None,
) -> Button:
    """A button that opens ``url`` in the app (no event reaches the bot).

    Args:
        url: 8-8095 ASCII characters with scheme http, https, mailto or
            trueconf.
        label: 1-32 characters; without it the app shows the URL.
        id: button id.
        style: :class:`ButtonStyle` or its value.

    Returns:
        The validated :class:`Button`.

    Raises:
        ValueError: an argument breaks its limit (the message names it).
        TypeError: an argument has the wrong type.
    """
    return Button(
        ButtonKind.URL,
        label=None if label is None else check_str("label", label, *BUTTON_LABEL_LENGTH),
        url=check_url("url", url),
        id=None if id is None else check_str("id", id),
        style=_check_style("style", style),
    )


def _new_message(
    label: str,
    message: str,
    *,
    draft: bool = False,
    id: str | None = None,
    style: ButtonStyle | str | None = None,
) -> Button:
    """A button that makes the app post ``message`` as the user.

    Args:
        label: 1-32 characters.
        message: non-empty text the user sends.
        draft: put the text into the input field instead of sending it.
        id: button id.
        style: :class:`ButtonStyle` or its value.

    Returns:
        The validated :class:`Button`.

    Raises:
        ValueError: an argument breaks its limit (the message names it).
        TypeError: an argument has the wrong type.
    """
    return Button(
        ButtonKind.MESSAGE,
        label=check_str("label", label, *BUTTON_LABEL_LENGTH),
        message=check_str("message", message),
        draft=check_bool("draft", draft),
        id=None if id is None else check_str("id", id),
        style=_check_style("style", style),
    )


def _new_copy(
    label: str,
    data: str,
    *,
    id: str | None = None,
    style: ButtonStyle | str | None = None,
) -> Button:
    """A button that copies ``data`` to the user's clipboard.

    Args:
        label: 1-32 characters.
        data: 1-4095 characters.
        id: button id.
        style: :class:`ButtonStyle` or its value.

    Returns:
        The validated :class:`Button`.

    Raises:
        ValueError: an argument breaks its limit (the message names it).
        TypeError: an argument has the wrong type.
    """
    return Button(
        ButtonKind.COPY,
        label=check_str("label", label, *BUTTON_LABEL_LENGTH),
        data=check_str("data", data, *BUTTON_COPY_DATA_LENGTH),
        id=None if id is None else check_str("id", id),
        style=_check_style("style", style),
    )


@attrs.frozen(repr=False)
class Button:
    """One inline button (§12.4).

    Build buttons with the validating constructors :meth:`command`,
    :meth:`url`, :meth:`message` and :meth:`copy` (``Button.command(...)``);
    on an instance the same names read the action fields
    (``button.command``). The plain initializer does **not** validate: it is
    what :meth:`from_wire` uses for incoming data; call :meth:`validate` to
    check such a button.

    Attributes:
        kind: the action (:class:`ButtonKind`, or the raw ``type`` string of
            an incoming button of unknown kind).
        label: shown text, or ``None``.
        command: ``command`` action string (command buttons).
        url: ``url`` action (url buttons).
        message: ``message`` action text (message buttons).
        data: ``data`` to copy (copy buttons).
        custom_data: ``customData`` of a command button.
        wait_reply: ``waitReply`` of a command button.
        to: ``to`` of a command button.
        draft: ``draft`` of a message button.
        id: button id, or ``None``.
        style: :class:`ButtonStyle`, a raw unknown string from the wire, or
            ``None`` (default style).
    """

    kind: ButtonKind | str
    label: str | None = None
    _command: str | None = None
    _url: str | None = None
    _message: str | None = None
    data: str | None = None
    custom_data: str | None = None
    wait_reply: bool = False
    to: str | None = None
    draft: bool = False
    id: str | None = None
    style: ButtonStyle | str | None = None

    command = _Action(_new_command, "_command")
    url = _Action(_new_url, "_url")
    message = _Action(_new_message, "_message")

    copy = staticmethod(_new_copy)

    def __repr__(self) -> str:
        fields = [f"kind={str(self.kind)!r}"]
        for name, value in self._items():
            shown = str(value) if name == "style" else value
            fields.append(f"{name}={shown!r}")
        return f"Button({', '.join(fields)})"

    def _items(self) -> Iterator[tuple[str, Any]]:
        """(python name, value) of every field that is set, in wire order."""
        pairs: list[tuple[str, Any]] = [
            ("label", self.label),
            ("command", self._command),
            ("url", self._url),
            ("message", self._message),
            ("data", self.data),
            ("custom_data", self.custom_data),
            ("wait_reply", self.wait_reply or None),
            ("to", self.to),
            ("draft", self.draft or None),
            ("id", self.id),
            ("style", None if self.style in (None, ButtonStyle.DEFAULT) else self.style),
        ]
        return ((name, value) for name, value in pairs if value is not None)

    def to_wire(self) -> dict[str, Any]:
        """Return the §12.4 JSON object of this button.

        Keys are camelCase; ``None``, ``False`` and the default style are left
        out; ``type`` is always written, last. No validation is done here.

        Returns:
            A new dict.
        """
        wire: dict[str, Any] = {}
        for name, value in self._items():
            wire[_WIRE_NAMES.get(name, name)] = str(value) if name == "style" else value
        wire["type"] = str(self.kind)
        return wire

    @classmethod
    def from_wire(cls, data: Any) -> Button:
        """Read an incoming button object; never raises.

        The kind comes from the action key that is present (command, url,
        message, data - in that order), else from a known ``type``, else
        :attr:`ButtonKind.UNKNOWN`. Unknown keys are ignored; out-of-range
        values are kept; non-string values of string keys are kept in their
        JSON text form; a non-dict gives an UNKNOWN button.

        Args:
            data: one element of a ``buttons`` row.

        Returns:
            The :class:`Button` (not validated).
        """
        if not isinstance(data, Mapping):
            return cls(ButtonKind.UNKNOWN)
        kind: ButtonKind | str = ButtonKind.UNKNOWN
        for key, candidate in _ACTION_KEYS:
            if data.get(key) is not None:
                kind = candidate
                break
        else:
            raw_type = data.get("type")
            if isinstance(raw_type, str) and raw_type:
                kind = _enum_or_raw(ButtonKind, raw_type)
        style = _lenient_str(data.get("style"))
        return cls(
            kind,
            label=_lenient_str(data.get("label")),
            command=_lenient_str(data.get("command")),
            url=_lenient_str(data.get("url")),
            message=_lenient_str(data.get("message")),
            data=_lenient_str(data.get("data")),
            custom_data=_lenient_str(data.get("customData")),
            wait_reply=_lenient_bool(data.get("waitReply")),
            to=_lenient_str(data.get("to")),
            draft=_lenient_bool(data.get("draft")),
            id=_lenient_str(data.get("id")),
            style=None if style is None else _enum_or_raw(ButtonStyle, style),
        )

    def validate(self, where: str = "") -> Button:
        """Check this button against every §12.4 rule.

        Args:
            where: prefix for error messages, e.g. ``"buttons[0][1]."``.

        Returns:
            ``self``, for chaining.

        Raises:
            ValueError: a rule is broken; the message names the field and the
                limit.
            TypeError: a field has the wrong type.
        """
        if self.kind not in _KIND_FIELDS:
            allowed = ", ".join(k.value for k in _KIND_FIELDS)
            raise ValueError(f"{where}type must be one of {allowed}, got {str(self.kind)!r}")
        kind = ButtonKind(self.kind)
        values = dict(self._items())
        for name in values:
            if name not in _KIND_FIELDS[kind]:
                raise ValueError(f"{where}{name} is not allowed on a {kind.value} button")
        for name in _REQUIRED_FIELDS[kind]:
            if name not in values:
                raise ValueError(f"{where}{name} is required on a {kind.value} button")
        try:
            if kind is ButtonKind.COMMAND:
                _new_command(
                    self.label or "",
                    self._command or "",
                    custom_data=self.custom_data,
                    id=self.id,
                    style=self.style,
                    wait_reply=self.wait_reply,
                    to=self.to,
                )
            elif kind is ButtonKind.URL:
                _new_url(self._url or "", self.label, id=self.id, style=self.style)
            elif kind is ButtonKind.MESSAGE:
                _new_message(
                    self.label or "",
                    self._message or "",
                    draft=self.draft,
                    id=self.id,
                    style=self.style,
                )
            else:
                _new_copy(self.label or "", self.data or "", id=self.id, style=self.style)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{where}{exc}") from None
        return self


_WIRE_NAMES = {"custom_data": "customData", "wait_reply": "waitReply"}
_ACTION_KEYS = (
    ("command", ButtonKind.COMMAND),
    ("url", ButtonKind.URL),
    ("message", ButtonKind.MESSAGE),
    ("data", ButtonKind.COPY),
)
_COMMON_FIELDS = {"label", "id", "style"}
_KIND_FIELDS: dict[ButtonKind, set[str]] = {
    ButtonKind.COMMAND: _COMMON_FIELDS | {"command", "custom_data", "wait_reply", "to"},
    ButtonKind.URL: _COMMON_FIELDS | {"url"},
    ButtonKind.MESSAGE: _COMMON_FIELDS | {"message", "draft"},
    ButtonKind.COPY: _COMMON_FIELDS | {"data"},
}
_REQUIRED_FIELDS: dict[ButtonKind, tuple[str, ...]] = {
    ButtonKind.COMMAND: ("label", "command"),
    ButtonKind.URL: ("url",),
    ButtonKind.MESSAGE: ("label", "message"),
    ButtonKind.COPY: ("label", "data"),
}
_WIRE_KEYS = {
    "type",
    "label",
    "command",
    "url",
    "message",
    "data",
    "customData",
    "waitReply",
    "to",
    "draft",
    "id",
    "style",
}


def _lenient_str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _lenient_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value) if isinstance(value, (bool, int, float)) else False


def _enum_or_raw(enum_type: type[_E], value: str) -> _E | str:
    try:
        return enum_type(value)
    except ValueError:
        return value


# ---------------------------------------------------------------------------
# keyboards


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
    unknown = sorted(str(key) for key in data if key not in _WIRE_KEYS)
    if unknown:
        raise ValueError(f"{where}{unknown[0]} is not a button key")
    actions = [key for key, _ in _ACTION_KEYS if data.get(key) is not None]
    if len(actions) != 1:
        raise ValueError(
            f"{where[:-1] or 'button'}: needs exactly one of command, url, message, data; "
            f"got {', '.join(actions) or 'none'}"
        )
    for key in ("waitReply", "draft"):
        if key in data:
            check_bool(f"{where}{key}", data[key])
    for key in _WIRE_KEYS - {"waitReply", "draft"}:
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


# ---------------------------------------------------------------------------
# answerCommand (§12.6)


class AnswerType(_StrEnum):
    """``answerType`` of ``answerCommand``."""

    COMPLETE = "complete"
    TIMEOUT = "timeout"
    CANCEL = "cancel"
    MESSAGE = "message"


class AnswerStatus(_StrEnum):
    """``message.status`` of ``answerCommand``."""

    UNKNOWN = "unknown"
    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    CANCELED = "canceled"
    TIMEOUT = "timeout"


class AnswerVisibility(_StrEnum):
    """``message.visibility`` of ``answerCommand``."""

    DEFAULT = "default"
    TOAST = "toast"
    STICKY = "sticky"
    ALERT = "alert"


class AnswerLevel(_StrEnum):
    """``message.level`` of ``answerCommand``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


def _to_answer_type(value: AnswerType | str) -> AnswerType:
    return check_choice("answer_type", value, AnswerType)


def _to_status(value: AnswerStatus | str | None) -> AnswerStatus | None:
    return None if value is None else check_choice("status", value, AnswerStatus)


def _to_visibility(value: AnswerVisibility | str | None) -> AnswerVisibility | None:
    return None if value is None else check_choice("visibility", value, AnswerVisibility)


def _to_level(value: AnswerLevel | str | None) -> AnswerLevel | None:
    return None if value is None else check_choice("level", value, AnswerLevel)


def _validate_command_id(instance: Any, attribute: Any, value: Any) -> None:
    check_str("command_id", value)


def _validate_answer_text(instance: Any, attribute: Any, value: Any) -> None:
    check_str("text", value, *COMMAND_ANSWER_TEXT_LENGTH, ascii_only=True)


@attrs.frozen
class CommandAnswer:
    """An ``answerCommand`` request (§12.6): the reply to a ``waitReply`` click.

    The SDK keeps this method disabled because client apps do not support it
    yet; the shape is what the SDK would send.

    Args:
        command_id: ``commandId`` from the ``command`` event.
        answer_type: :class:`AnswerType` or its value.
        text: 1-255 ASCII characters.
        status: :class:`AnswerStatus` or its value, optional.
        visibility: :class:`AnswerVisibility` or its value, optional.
        level: :class:`AnswerLevel` or its value, optional.

    Raises:
        ValueError: a value is out of range (the message names it).
        TypeError: ``command_id`` or ``text`` is not a str.
    """

    command_id: str = attrs.field(validator=_validate_command_id)
    answer_type: AnswerType = attrs.field(converter=_to_answer_type)
    text: str = attrs.field(validator=_validate_answer_text)
    status: AnswerStatus | None = attrs.field(default=None, converter=_to_status)
    visibility: AnswerVisibility | None = attrs.field(default=None, converter=_to_visibility)
    level: AnswerLevel | None = attrs.field(default=None, converter=_to_level)

    def to_payload(self) -> dict[str, Any]:
        """Return the request payload; unset optional fields are left out."""
        message: dict[str, Any] = {"text": self.text}
        for key in ("status", "visibility", "level"):
            value = getattr(self, key)
            if value is not None:
                message[key] = value.value
        return {
            "commandId": self.command_id,
            "answerType": self.answer_type.value,
            "message": message,
        }


def command_answer_payload(
    command_id: str,
    answer_type: AnswerType | str,
    text: str,
    *,
    status: AnswerStatus | str | None = None,
    visibility: AnswerVisibility | str | None = None,
    level: AnswerLevel | str | None = None,
) -> dict[str, Any]:
    """Validate and build the ``answerCommand`` payload (§12.6).

    Args and Raises: as :class:`CommandAnswer`.

    Returns:
        ``{"commandId", "answerType", "message": {"text", "status"?,
        "visibility"?, "level"?}}``.
    """
    return CommandAnswer(
        command_id, answer_type, text, status=status, visibility=visibility, level=level
    ).to_payload()
