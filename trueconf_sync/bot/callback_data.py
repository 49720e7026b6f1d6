"""Typed button data: a ``prefix:field:field`` schema packed into a button's ``customData``.

::

    class Vote(CallbackData, prefix="vote"):
        poll: int
        choice: str
        anonymous: bool = False

    Vote(poll=3, choice="yes").pack()            # "vote:3:yes:0"
    kb = InlineKeyboard().row(Vote(poll=3, choice="yes").as_button("Yes"))

    @router.button_clicked(Vote.filter(choice="yes"))
    def voted_yes(click, callback_data: Vote): ...

Field types: ``str``, ``int``, ``float``, ``bool``, :class:`enum.Enum` subclasses, :class:`uuid.UUID`
and ``X | None`` of those. Strings are percent-encoded where needed, so any text (also the
separator and non-ASCII) survives; ``None`` and ``""`` both pack as an empty field (an optional
field reads it back as ``None``). The packed text must fit ``customData``: 1-4096 ASCII characters
(PROTOCOL §12.4); :meth:`CallbackData.pack` raises ``ValueError`` naming the limit otherwise.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar, Union
from urllib.parse import quote, unquote

from ..api.models import ButtonClicked
from ..limits import BUTTON_CUSTOM_DATA_LENGTH
from .filters import Filter, FilterLike, FilterResult, as_filter, resolve_all

if TYPE_CHECKING:
    from typing_extensions import dataclass_transform

    from ..text.keyboard import Button
else:
    def dataclass_transform(**_: Any) -> Any:
        return lambda cls: cls

__all__ = ["MAX_CUSTOM_DATA", "CallbackData", "CallbackDataFilter"]

MAX_CUSTOM_DATA = BUTTON_CUSTOM_DATA_LENGTH[1]
T = TypeVar("T", bound="CallbackData")
_SCALARS = (str, int, float, bool, uuid.UUID)


def _field_type(cls_name: str, name: str, hint: Any) -> tuple[type[Any], bool]:
    """(base type, optional) of a field annotation; TypeError for unsupported types."""
    optional = False
    origin = typing.get_origin(hint)
    if origin is Union or isinstance(hint, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        optional = len(args) < len(typing.get_args(hint))
        hint = args[0] if len(args) == 1 else None
    if isinstance(hint, type) and (hint in _SCALARS or issubclass(hint, enum.Enum)):
        return hint, optional
    raise TypeError(f"{cls_name}.{name}: unsupported field type {hint!r}; use str, int, float, bool, "
                    "an Enum, UUID, or one of them | None")


@dataclass_transform(frozen_default=True)
class CallbackData:
    """Base class of button-data schemas; subclass with ``prefix="..."`` (and ``sep=":"``).

    Raises (at class creation):
        ValueError: empty or non-ASCII prefix, or a prefix containing the separator.
        TypeError: a field of an unsupported type.
    """

    __prefix__: ClassVar[str]
    __sep__: ClassVar[str]
    __fields__: ClassVar[tuple[tuple[str, type[Any], bool], ...]]

    def __init_subclass__(cls, *, prefix: str | None = None, sep: str = ":", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        prefix = prefix if prefix is not None else getattr(cls, "__prefix__", None)
        if not isinstance(prefix, str) or not prefix or not prefix.isascii():
            raise ValueError(f"{cls.__name__}: prefix must be a non-empty ASCII str, got {prefix!r}")
        if not isinstance(sep, str) or len(sep) != 1 or not sep.isascii() or sep == "%":
            raise ValueError(f"{cls.__name__}: sep must be one ASCII character other than '%', got {sep!r}")
        if sep in prefix:
            raise ValueError(f"{cls.__name__}: prefix {prefix!r} must not contain the separator {sep!r}")
        cls.__prefix__, cls.__sep__ = prefix, sep
        dataclasses.dataclass(frozen=True)(cls)
        cls.__fields__ = ()
        try:
            cls._resolve_fields()
        except NameError:
            pass  # annotations naming local classes: resolved on first use

    @classmethod
    def _resolve_fields(cls) -> tuple[tuple[str, type[Any], bool], ...]:
        if not cls.__fields__ and dataclasses.fields(cls):  # type: ignore[arg-type]
            hints = typing.get_type_hints(cls)
            cls.__fields__ = tuple((f.name, *_field_type(cls.__name__, f.name, hints[f.name]))
                                   for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        return cls.__fields__

    # ---- packing ---------------------------------------------------------------------------

    def _encode(self, name: str, kind: type[Any], value: Any) -> str:
        if value is None:
            return ""
        if not isinstance(value, kind) and not (kind is float and type(value) is int):
            raise TypeError(f"{type(self).__name__}.{name} must be {kind.__name__}, got {type(value).__name__}")
        if isinstance(value, enum.Enum):
            value = value.value
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, str):
            return quote(value, safe=_safe_chars(self.__sep__))
        return str(value)

    def pack(self) -> str:
        """This object as ``customData`` text.

        Raises:
            ValueError: the packed text is longer than 4096 characters.
            TypeError: a field holds a value of another type.
        """
        parts = [self.__prefix__]
        for name, kind, optional in self._resolve_fields():
            value = getattr(self, name)
            if value is None and not optional:
                raise TypeError(f"{type(self).__name__}.{name} must not be None")
            parts.append(self._encode(name, kind, value))
        packed = self.__sep__.join(parts)
        if len(packed) > MAX_CUSTOM_DATA:
            raise ValueError(f"custom_data: packed {type(self).__name__} is {len(packed)} characters long, "
                             f"the limit is {MAX_CUSTOM_DATA}")
        return packed

    @classmethod
    def unpack(cls: type[T], value: str) -> T:
        """Parse ``customData`` text made by :meth:`pack`.

        Raises:
            ValueError: another prefix, a wrong number of fields, or a field that does not parse
                (the message names it).
        """
        if not isinstance(value, str):
            raise TypeError(f"custom data must be a str, got {type(value).__name__}")
        prefix, *parts = value.split(cls.__sep__)
        if prefix != cls.__prefix__:
            raise ValueError(f"custom data {value[:40]!r} is not a {cls.__name__} (prefix {cls.__prefix__!r})")
        fields = cls._resolve_fields()
        if len(parts) != len(fields):
            raise ValueError(f"{cls.__name__}: expected {len(fields)} fields, got {len(parts)} in {value[:80]!r}")
        values: dict[str, Any] = {}
        for (name, kind, optional), text in zip(fields, parts):
            if text == "" and optional:
                values[name] = None
                continue
            try:
                values[name] = _decode(kind, text)
            except ValueError as exc:
                raise ValueError(f"{cls.__name__}.{name}: cannot read {text[:40]!r} "
                                 f"as {kind.__name__}: {exc}") from None
        return cls(**values)

    @classmethod
    def filter(cls, *filters: FilterLike, **equals: Any) -> CallbackDataFilter:
        """A filter for clicks whose custom data is of this class; adds ``callback_data``.

        Keyword arguments require field values (a set/list/tuple means any of them); positional
        filters (callables, magic filters) get the parsed object.
        """
        names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = set(equals) - names
        if unknown:
            raise ValueError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
        return CallbackDataFilter(cls, [as_filter(f) for f in filters], equals)

    def as_button(self, label: str, command: str | None = None, **kwargs: Any) -> Button:
        """A command button carrying this data (command defaults to the prefix); keywords as
        :meth:`Button.command <trueconf_sync.keyboard.Button.command>`."""
        from ..text.keyboard import Button

        return Button.command(label, command or self.__prefix__, custom_data=self.pack(), **kwargs)


@functools.cache
def _safe_chars(sep: str) -> str:
    """Printable ASCII left as is when packing a str: all but the separator and ``%``."""
    return "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in (sep, "%"))


def _decode(kind: type[Any], text: str) -> Any:
    if kind is bool:
        if text not in ("0", "1"):
            raise ValueError("expected 0 or 1")
        return text == "1"
    if issubclass(kind, enum.Enum):
        for member in kind:
            if str(member.value) == unquote(text):
                return member
        raise ValueError(f"not a value of {kind.__name__}")
    if kind is str:
        return unquote(text)
    return kind(text)


class CallbackDataFilter(Filter):
    """Clicks whose custom data parses as ``cls`` and matches the given values."""

    def __init__(self, cls: type[CallbackData], filters: list[Filter], equals: Mapping[str, Any]) -> None:
        self.cls = cls
        self.filters = filters
        self.equals = dict(equals)

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        if not isinstance(event, ButtonClicked) or event.custom_data is None:
            return None
        if not event.custom_data.startswith(self.cls.__prefix__ + self.cls.__sep__):
            return None
        try:
            parsed = self.cls.unpack(event.custom_data)
        except (ValueError, TypeError):
            return None
        for name, wanted in self.equals.items():
            value = getattr(parsed, name)
            if value not in wanted if isinstance(wanted, (set, frozenset, list, tuple)) else value != wanted:
                return None
        if resolve_all(self.filters, parsed, data) is None:
            return None
        return {"callback_data": parsed}

    def __repr__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.equals.items())
        return f"{self.cls.__name__}.filter({shown})"
