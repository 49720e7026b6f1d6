"""Inline buttons (PROTOCOL §12.4): :class:`Button`, its kinds and styles.

The ``Button.*`` constructors (``Button.command(...)``, ``.url``, ``.message``, ``.copy``) check
every documented limit (:mod:`trueconf_sync.limits`) and raise naming the argument and the
limit; :meth:`Button.from_wire` reads incoming buttons leniently and never raises. Rows of
buttons are built with :class:`~trueconf_sync.text.keyboard.InlineKeyboard`.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, ParamSpec, TypeVar, overload

import attrs

from ..limits import (
    BUTTON_COMMAND_LENGTH,
    BUTTON_COPY_DATA_LENGTH,
    BUTTON_CUSTOM_DATA_LENGTH,
    BUTTON_LABEL_LENGTH,
    check_bool,
    check_choice,
    check_str,
    check_url,
)

__all__ = ["ACTION_KEYS", "WIRE_KEYS", "Button", "ButtonKind", "ButtonStyle", "WireEnum"]


class WireEnum(str, enum.Enum):
    """A closed str enum written to the wire as its value (``str(member)`` is the value)."""

    def __str__(self) -> str:
        return str(self.value)


_E = TypeVar("_E", bound=WireEnum)


class ButtonKind(WireEnum):
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


class ButtonStyle(WireEnum):
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


def _button(kind: ButtonKind, id: str | None, style: ButtonStyle | str | None, **fields: Any) -> Button:
    """A button of ``kind`` with the checked fields, its ``id`` and ``style`` checked here."""
    return Button(kind, id=None if id is None else check_str("id", id), style=_check_style("style", style), **fields)


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
    return _button(
        ButtonKind.COMMAND,
        id,
        style,
        label=check_str("label", label, *BUTTON_LABEL_LENGTH),
        command=check_str("command", command, *BUTTON_COMMAND_LENGTH, ascii_only=True),
        custom_data=None
        if custom_data is None
        else check_str("custom_data", custom_data, *BUTTON_CUSTOM_DATA_LENGTH, ascii_only=True),
        wait_reply=check_bool("wait_reply", wait_reply),
        to=None if to is None else check_str("to", to),
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

    Returns the validated :class:`Button`; raises as :meth:`Button.command` does.
    """
    return _button(
        ButtonKind.URL,
        id,
        style,
        label=None if label is None else check_str("label", label, *BUTTON_LABEL_LENGTH),
        url=check_url("url", url),
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

    Returns the validated :class:`Button`; raises as :meth:`Button.command` does.
    """
    return _button(
        ButtonKind.MESSAGE,
        id,
        style,
        label=check_str("label", label, *BUTTON_LABEL_LENGTH),
        message=check_str("message", message),
        draft=check_bool("draft", draft),
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

    Returns the validated :class:`Button`; raises as :meth:`Button.command` does.
    """
    return _button(
        ButtonKind.COPY,
        id,
        style,
        label=check_str("label", label, *BUTTON_LABEL_LENGTH),
        data=check_str("data", data, *BUTTON_COPY_DATA_LENGTH),
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
        for key, candidate in ACTION_KEYS:
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
ACTION_KEYS = (
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
WIRE_KEYS = {
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
