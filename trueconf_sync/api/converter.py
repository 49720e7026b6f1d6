"""The one cattrs converter: camelCase wire JSON <-> snake_case frozen attrs models.

Parsing is lenient by contract (DESIGN.md): extra keys are ignored, missing keys take defaults,
``null`` where a string is expected becomes ``""``, unknown enum values become ``UNKNOWN_<n>``
members, and a field whose value cannot be read falls back to its default instead of failing the
whole object. Every model keeps the JSON it was built from in ``raw``.

One converter, public cattrs API only: every hook is registered on it, and a model's hook comes
from the hook factory :func:`_model_hook`. That hook is the model's *reader* (:mod:`.readers`):
one generated function, the hot path of every event, which builds exactly what cattrs' own
:func:`cattrs.gen.make_dict_structure_fn` builds (the tests compare the two on random input) at
half its cost. Around it: non-dict input, older key names, keeping ``raw``, the field-by-field
fallback, and a message's content chosen by envelope type. A model a reader cannot fill keeps
cattrs' function.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from ..enums import EnvelopeType, _OpenIntEnum, _OpenStrEnum
from ..logs import get_logger
from .models.base import Millis, Model, RawNote, raw_is_compact
from .models.content import CONTENT_TYPES, AttachmentContent, TextContent, UnknownContent
from .models.message import Message
from .models.results import FileInfo
from .readers import Shortcut, make_reader, optional_inner

__all__ = ["camel", "converter", "structure", "structure_content", "unstructure"]

T = TypeVar("T")
log = get_logger("trueconf_sync.converter")

converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)

#: Frozen models get ``raw`` (and a message its content) after construction.
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


def _enum_fallback(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    """An open enum's member for a value that is not one of its members' values."""
    try:
        return cls(value)
    except ValueError:
        if issubclass(cls, int):
            return cls(int(value))
        return cls(str(value))


def _enum(value: Any, cls: type[enum.Enum]) -> enum.Enum:
    """Open enums: a known value is its member, an unknown one an ``UNKNOWN_<n>`` pseudo-member."""
    hook = _ENUM_HOOKS.get(cls)
    if hook is None:
        hook = _ENUM_HOOKS[cls] = _enum_hook(cls)
    return hook(value, cls)


def _members(cls: type[enum.Enum]) -> dict[Any, enum.Enum]:
    """``{value: member}`` of an enum (kept: readers look members up in it too)."""
    table = _MEMBERS.get(cls)
    if table is None:
        table = _MEMBERS[cls] = {member.value: member for member in cls}
    return table


_MEMBERS: dict[type[enum.Enum], dict[Any, enum.Enum]] = {}


def _enum_hook(cls: type[enum.Enum]) -> Callable[[Any, Any], enum.Enum]:
    """:func:`_enum` for one class, its members looked up in a dict of its own (a hot path: every
    message has a few enum fields; each enum of this library is registered with its own)."""
    get = _members(cls).get

    def hook(value: Any, _: Any) -> enum.Enum:
        if type(value) is int or type(value) is str:
            member = get(value)
            if member is not None:
                return member
        return _enum_fallback(value, cls)

    return hook


#: open enum -> its hook (for enums defined outside this library)
_ENUM_HOOKS: dict[type[enum.Enum], Callable[[Any, Any], enum.Enum]] = {}

converter.register_structure_hook(str, _str)
converter.register_structure_hook(int, _int)
converter.register_structure_hook(float, _float)
converter.register_structure_hook(bool, _bool)
converter.register_structure_hook(Millis, _millis)
# Registered on our enum bases so they win over the ``int``/``str`` hooks in the MRO.
converter.register_structure_hook(_OpenIntEnum, _enum)
converter.register_structure_hook(_OpenStrEnum, _enum)


def _open_enums(base: type[enum.Enum]) -> list[type[enum.Enum]]:
    found = []
    for sub in base.__subclasses__():
        found += [sub, *_open_enums(sub)]
    return found


# ... and each enum the library defines gets a hook of its own (a later subclass takes _enum).
for _cls in _open_enums(_OpenIntEnum) + _open_enums(_OpenStrEnum):
    converter.register_structure_hook(_cls, _enum_hook(_cls))


def _optional_hook(tp: Any) -> Callable[[Any, Any], Any]:
    """``X | None``: None stays None, anything else takes X's hook. The hook is looked up once, on
    first use (cattrs' own optional handling dispatches on every value; and a model may hold an
    optional of itself, ``Message.reply_message``, whose hook is being built at this point)."""
    inner = optional_inner(tp)
    found: list[Callable[[Any, Any], Any]] = []

    def hook(value: Any, _: Any) -> Any:
        if value is None:
            return None
        if not found:
            found.append(converter.get_structure_hook(inner))
        return found[0](value, inner)

    return hook


converter.register_structure_hook_factory(lambda tp: optional_inner(tp) is not None, _optional_hook)

# ---- models -----------------------------------------------------------------------------------

#: Older wire keys read when the current one is missing (PROTOCOL §11 items 16, 17).
_FALLBACK_KEYS: dict[type[Any], tuple[tuple[str, str], ...]] = {
    FileInfo: (("fileId", "infoHash"),),
    AttachmentContent: (("fileId", "id"),),
}


def _wire_fields(cls: type[Model]) -> list[attrs.Attribute[Any]]:
    """The fields of ``cls`` read from the wire (``raw``, ``client`` and non-init fields are not)."""
    return [f for f in attrs.fields(cls) if f.init and f.name not in _LOCAL_FIELDS]


def _lenient_fields(cls: type[Model], data: dict[str, Any]) -> Model:
    """Build ``cls`` field by field, keeping the default for any value that cannot be read."""
    values: dict[str, Any] = {}
    for field in _wire_fields(cls):
        key = camel(field.name)
        if key not in data or field.type is None or (cls is Message and field.name == "content"):
            continue
        try:
            values[field.name] = converter.structure(data[key], field.type)
        except Exception:  # noqa: BLE001 - a bad field must not cost the whole object
            log.debug("could not read %s.%s; using its default", cls.__name__, field.name)
    return cls(**values)


#: The conditions under which a scalar hook above returns the wire value unchanged: a reader
#: (:mod:`.readers`) skips the call then. Enums have their members table instead.
_SHORTCUTS: dict[Any, str] = {
    str: "type(v) is str",
    int: "type(v) is int",
    float: "type(v) is float",
    bool: "v is True or v is False",
    Millis: "type(v) is int and not 0 < v < 100_000_000_000",
}


def _shortcut(tp: Any) -> Shortcut | None:
    if isinstance(tp, type) and issubclass(tp, (_OpenIntEnum, _OpenStrEnum)):
        return _members(tp)
    try:
        return _SHORTCUTS.get(tp)
    except TypeError:  # an unhashable type annotation
        return None


def _keys(cls: type[Model]) -> dict[str, tuple[str, ...]]:
    """Field -> its wire keys: the camelCase name, then any older name (read when it is missing)."""
    older = dict(_FALLBACK_KEYS.get(cls, ()))
    return {field.name: (key, older[key]) if key in older else (key,)
            for field in _wire_fields(cls) for key in (camel(field.name),)}


def _cattrs_generated(cls: type[Model]) -> Callable[[dict[str, Any], Any], Model]:
    """cattrs' generated structure function of ``cls``: camelCase keys, local fields left out,
    ``raw`` kept. Used for a model a reader cannot fill (see :mod:`.readers`), and by the tests
    as the reference readers must agree with."""
    overrides: dict[str, Any] = {f.name: override(omit=True) for f in attrs.fields(cls) if f.name in _LOCAL_FIELDS}
    for field in _wire_fields(cls):
        if cls is Message and field.name == "content":
            overrides[field.name] = override(rename="content", struct_hook=_as_is)
        else:
            overrides[field.name] = override(rename=camel(field.name))
    fn = make_dict_structure_fn(
        cls, converter, _cattrs_forbid_extra_keys=False, _cattrs_detailed_validation=False, **overrides
    )

    def generated(data: dict[str, Any], _: Any) -> Model:
        obj: Model = fn(data, cls)
        _setattr(obj, "raw", data)
        return obj

    return generated


def _as_is(value: Any, _: Any) -> Any:
    return value


def _not_a_dict(cls: type[Model], data: Any) -> Model:
    """A model where the wire has something else than an object: defaults, the value kept in ``raw``."""
    obj = cls()
    _setattr(obj, "raw", {"value": data})
    return obj


def _model_hook(cls: type[Model]) -> Callable[[Any, Any], Model]:
    """The structure hook of model ``cls``: its reader (or cattrs' function) + the lenient steps."""
    fallbacks = _FALLBACK_KEYS.get(cls, ())
    post = _POST.get(cls)

    def lenient(data: Any, _: Any) -> Model:
        # Anything but a plain dict, or a value the fast way could not read: field by field.
        if not isinstance(data, dict):
            return _not_a_dict(cls, data)
        source = dict(data)
        for key, old in fallbacks:
            if key not in source and old in source:
                source[key] = source[old]
        obj = _lenient_fields(cls, source)
        _setattr(obj, "raw", data)  # what the server sent, not the copy with older keys filled in
        if post is not None:
            post(obj, data)
        return obj

    # A message's content is chosen by the envelope type (see _post_message): the raw value is
    # kept until then, so no default content object is built only to be replaced.
    as_is = frozenset({"content"}) if cls is Message else frozenset()
    reader = make_reader(cls, converter.get_structure_hook, _keys(cls), _shortcut, lenient, post=post, as_is=as_is,
                         note=RawNote if raw_is_compact(cls) else None)
    if reader is not None:
        hook = reader
    else:
        generated = _cattrs_generated(cls)

        def hook(data: Any, _: Any) -> Model:
            if type(data) is not dict or fallbacks:
                return lenient(data, _)
            try:
                obj = generated(data, cls)
            except Exception:  # noqa: BLE001 - one unreadable value: read the others
                return lenient(data, _)
            if post is not None:
                post(obj, data)
            return obj

    return hook


def structure_content(envelope_type: Any, content: Any) -> Any:
    """Parse an envelope's ``content`` by its ``type``; unknown or unreadable -> UnknownContent."""
    kind = envelope_type if type(envelope_type) is int else _envelope_kind(envelope_type)
    if not isinstance(content, dict):
        obj = UnknownContent()
        _setattr(obj, "raw", {"value": content})
        return obj
    if kind == _FORWARDED:
        # A forward holds the original envelope; a forward of a forward arrives flattened with
        # plain text inside (PROTOCOL §11 item 40).
        if "messageId" in content or "author" in content or "content" in content:
            return _hook_of(Message)(content, Message)
        return _hook_of(TextContent)(content, TextContent)
    cls = CONTENT_TYPES.get(kind, UnknownContent)
    return _hook_of(cls)(content, cls)


_FORWARDED = int(EnvelopeType.FORWARDED_MESSAGE)


def _envelope_kind(envelope_type: Any) -> int:
    try:
        return int(envelope_type)
    except (TypeError, ValueError):
        return -1


#: class -> its structure hook, looked up once (``converter.structure`` dispatches on every call)
_HOOKS: dict[type[Any], Callable[[Any, Any], Any]] = {}


def _hook_of(cls: type[Any]) -> Callable[[Any, Any], Any]:
    hook = _HOOKS.get(cls)
    if hook is None:
        hook = _HOOKS[cls] = converter.get_structure_hook(cls)
    return hook


def _post_message(obj: Message, data: dict[str, Any]) -> None:
    _set_content(obj, structure_content(data.get("type"), data.get("content")))
    if not obj.chat_id and obj.chat is not None:
        _setattr(obj, "chat_id", obj.chat.chat_id)


_set_content = vars(Message)["content"].__set__  # the slot itself: the frozen __setattr__ refuses
_POST: dict[type[Any], Callable[[Any, dict[str, Any]], None]] = {Message: _post_message}


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, Model)


converter.register_structure_hook_factory(_is_model, _model_hook)


def structure(data: Any, cls: type[T]) -> T:
    """Parse wire JSON ``data`` into ``cls`` with the shared converter."""
    result: T = _hook_of(cls)(data, cls)
    return result


def _unstructure_model(obj: Model) -> dict[str, Any]:
    return {camel(field.name): converter.unstructure(getattr(obj, field.name))
            for field in attrs.fields(type(obj)) if field.name not in _LOCAL_FIELDS}


converter.register_unstructure_hook_func(_is_model, _unstructure_model)
converter.register_unstructure_hook(_OpenIntEnum, int)
converter.register_unstructure_hook(_OpenStrEnum, lambda member: str(member.value))


def unstructure(obj: Any) -> Any:
    """Turn a model (or list of models) back into camelCase JSON-ready data."""
    return converter.unstructure(obj)
