"""The one cattrs converter: camelCase wire JSON <-> snake_case frozen attrs models.

Parsing is lenient by contract (DESIGN.md): extra keys are ignored, missing keys take defaults,
``null`` where a string is expected becomes ``""``, unknown enum values become ``UNKNOWN_<n>``
members, and a field whose value cannot be read falls back to its default instead of failing the
whole object. Every model keeps the JSON it was built from in ``raw``.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

import attrs
import cattrs

from ..enums import EnvelopeType, _OpenIntEnum, _OpenStrEnum
from .models.base import Millis, Model
from .models.content import CONTENT_TYPES, AttachmentContent, TextContent, UnknownContent
from .models.message import Message
from .models.results import FileInfo
from .structgen import Resolvers, make_structure_fn

__all__ = ["camel", "converter", "structure", "structure_content", "unstructure"]

T = TypeVar("T")
log = logging.getLogger("trueconf_sync.converter")

converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)

_setattr = object.__setattr__
#: Model fields that are not wire data.
_LOCAL_FIELDS = frozenset({"raw", "client"})


def camel(name: str) -> str:
    """``chat_id`` -> ``chatId``: the wire spelling of a model field."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


# ---- lenient scalars ------------------------------------------------------------------------


def _str(value: Any, _: Any) -> str:
    if type(value) is str:
        return value
    return "" if value is None else str(value)


def _int(value: Any, _: Any) -> int:
    if type(value) is int:
        return value
    if value is None:
        return 0
    return int(value)


def _float(value: Any, _: Any) -> float:
    if type(value) is float:
        return value
    return 0.0 if value is None else float(value)


def _bool(value: Any, _: Any) -> bool:
    if value is True or value is False:
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _millis(value: Any, _: Any) -> int:
    number = _int(value, None)
    # 10-digit values are seconds (PROTOCOL §1.7, §11 item 9): scale them to ms.
    return number * 1000 if 0 < number < 100_000_000_000 else number


def _enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    try:
        return cls(value)
    except ValueError:
        if issubclass(cls, int):
            return cls(int(value))
        return cls(str(value))


converter.register_structure_hook(str, _str)
converter.register_structure_hook(int, _int)
converter.register_structure_hook(float, _float)
converter.register_structure_hook(bool, _bool)
converter.register_structure_hook(Millis, _millis)
# Registered on our enum bases so they win over the ``int``/``str`` hooks in the MRO.
converter.register_structure_hook(_OpenIntEnum, _enum)
converter.register_structure_hook(_OpenStrEnum, _enum)

# ---- models -----------------------------------------------------------------------------------

#: Older wire keys read when the current one is missing (PROTOCOL §11 items 16, 17).
_FALLBACK_KEYS: dict[type[Any], tuple[tuple[str, str], ...]] = {
    FileInfo: (("fileId", "infoHash"),),
    AttachmentContent: (("fileId", "id"),),
}


def _lenient_fields(cls: type[Model], data: dict[str, Any]) -> Model:
    """Build ``cls`` field by field, keeping the default for any value that cannot be read."""
    values: dict[str, Any] = {}
    for field in attrs.fields(cls):
        if field.name in _LOCAL_FIELDS or not field.init:
            continue
        key = camel(field.name)
        if key not in data or field.type is None:
            continue
        try:
            values[field.name] = converter.structure(data[key], field.type)
        except Exception:  # noqa: BLE001 - a bad field must not cost the whole object
            log.debug("could not read %s.%s; using its default", cls.__name__, field.name)
    return cls(**values)


_SCALARS: dict[Any, Callable[[Any, Any], Any]] = {str: _str, int: _int, float: _float, bool: _bool, Millis: _millis}
#: type -> its structure hook (``get_structure_hook`` is cattrs 24+; older ones have the dispatcher)
_dispatch = cast("Callable[[Any], Any]",
                 getattr(converter, "get_structure_hook", None) or converter._structure_func.dispatch)
_building: set[type[Any]] = set()
#: generated functions of the models a dict can go to directly (no fallback keys, no post step)
_DIRECT: dict[type[Any], Callable[[dict[str, Any], Any], Any]] = {}


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Model)


def _hook_for(tp: Any) -> Callable[[Any, Any], Any] | None:
    """The hook of model ``tp``; None while it is being built (a recursive field)."""
    if tp in _building:
        return None
    hook: Callable[[Any, Any], Any] = _dispatch(tp)
    return hook


def _direct_for(tp: Any) -> Callable[[dict[str, Any], Any], Any] | None:
    return _DIRECT.get(tp)


_RESOLVERS = Resolvers(
    scalars=_SCALARS,
    enum_hook=_enum,
    enum_base=(_OpenIntEnum, _OpenStrEnum),
    is_model=_is_model,
    hook_for=_hook_for,
    structure=converter.structure,
    direct_for=_direct_for,
)


def _model_hook(cls: type[Model]) -> Callable[[Any, Any], Model]:
    _building.add(cls)
    try:
        generated = make_structure_fn(
            cls,
            key_of=camel,
            omit=_LOCAL_FIELDS | ({"content"} if cls is Message else frozenset()),
            resolvers=_RESOLVERS,
        )
    finally:
        _building.discard(cls)
    fallbacks = _FALLBACK_KEYS.get(cls, ())
    post = _POST.get(cls)
    if not fallbacks and post is None:
        _DIRECT[cls] = generated

    def hook(data: Any, _: Any) -> Model:
        if data.__class__ is not dict and not isinstance(data, dict):
            obj = cls()
            _setattr(obj, "raw", {"value": data})
            return obj
        source = data
        for key, old in fallbacks:
            if key not in source and old in source:
                source = {**source, key: source[old]}
        try:
            obj = generated(source, data)
        except Exception:  # noqa: BLE001
            obj = _lenient_fields(cls, source)
            _setattr(obj, "raw", data)
        if post is not None:
            post(obj, data)
        return obj

    return hook


def structure_content(envelope_type: Any, content: Any) -> Any:
    """Parse an envelope's ``content`` by its ``type``; unknown or unreadable -> UnknownContent."""
    try:
        kind = int(envelope_type)
    except (TypeError, ValueError):
        kind = -1
    if not isinstance(content, dict):
        obj = UnknownContent()
        _setattr(obj, "raw", {"value": content})
        return obj
    if kind == EnvelopeType.FORWARDED_MESSAGE:
        # A forward holds the original envelope; a forward of a forward arrives flattened with
        # plain text inside (PROTOCOL §11 item 40).
        if "messageId" in content or "author" in content or "content" in content:
            return converter.structure(content, Message)
        return converter.structure(content, TextContent)
    cls = CONTENT_TYPES.get(kind)
    if cls is None:
        return converter.structure(content, UnknownContent)
    return converter.structure(content, cls)


def _post_message(obj: Message, data: dict[str, Any]) -> None:
    _setattr(obj, "content", structure_content(data.get("type"), data.get("content")))
    if not obj.chat_id and obj.chat is not None:
        _setattr(obj, "chat_id", obj.chat.chat_id)


_POST: dict[type[Any], Callable[[Any, dict[str, Any]], None]] = {Message: _post_message}

converter.register_structure_hook_factory(
    lambda t: isinstance(t, type) and issubclass(t, Model), _model_hook
)


def structure(data: Any, cls: type[T]) -> T:
    """Parse wire JSON ``data`` into ``cls`` with the shared converter."""
    return converter.structure(data, cls)


def _unstructure_model(obj: Model) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for field in attrs.fields(type(obj)):
        if field.name in _LOCAL_FIELDS:
            continue
        out[camel(field.name)] = converter.unstructure(getattr(obj, field.name))
    return out


converter.register_unstructure_hook_func(
    lambda t: isinstance(t, type) and issubclass(t, Model), _unstructure_model
)


converter.register_unstructure_hook(_OpenIntEnum, int)
converter.register_unstructure_hook(_OpenStrEnum, lambda member: str(member.value))


def unstructure(obj: Any) -> Any:
    """Turn a model (or list of models) back into camelCase JSON-ready data."""
    return converter.unstructure(obj)
