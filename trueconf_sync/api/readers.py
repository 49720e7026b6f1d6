"""Generated readers: the structure function of one frozen attrs model, the hot path of parsing.

cattrs' own generated function (``make_dict_structure_fn``) gathers the values in a dict, calls
the field type's hook for every field, and builds the object through attrs' frozen ``__init__``
(one ``object.__setattr__`` per field). Every event pays that for a message and the four or five
models inside it. A reader does the same work in one generated function: it looks each wire key
up once, skips the hook where a *shortcut* shows the hook would return the value unchanged (a
``str`` for a ``str`` field), and fills the slots with plain assignments on a *twin* class of
the same layout before the object becomes the frozen model (see :func:`_twin`): about
22 -> 8 us per message, the four models inside it included.

The result is cattrs' by contract (tests compare the two on random input): for a key present, the
field type's hook from the converter; for a key missing, the field's default; then
``__attrs_post_init__``. A class a reader cannot fill that way (attrs validators or converters, a
default that takes ``self``, no slots, a pre-init hook) gets ``None``; its caller keeps cattrs'
function for it. Hooks are looked up on a reader's first use, so a model may hold itself
(``Message.reply_message``).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Mapping
from typing import Any

import attrs

__all__ = ["Shortcut", "make_reader", "optional_inner"]

#: A shortcut: (the condition, over the value ``v``, under which the hook returns ``v`` unchanged,
#: or a members table ``{wire value: member}`` for an enum).
Shortcut = str | Mapping[Any, Any]

_MISSING = object()


def optional_inner(tp: Any) -> Any:
    """``X`` for ``X | None`` / ``Optional[X]`` (one other member), else None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    others = [arg for arg in typing.get_args(tp) if arg is not type(None)]
    return others[0] if len(others) == 1 and len(others) < len(typing.get_args(tp)) else None


def _slot(cls: type[Any], name: str) -> Any:
    for klass in cls.__mro__:
        if name in vars(klass):
            found = vars(klass)[name]
            found = getattr(found, "slot", found)  # a descriptor over a slot names it (models.base._RawField)
            return found if isinstance(found, types.MemberDescriptorType) else None
    return None


def _fillable(cls: type[Any]) -> bool:
    """True when setting every slot (defaults included) builds what ``__init__`` builds: every
    field has a slot and a default, and nothing but the values goes into the object."""
    if "__attrs_pre_init__" in dir(cls):
        return False
    for field in attrs.fields(cls):
        if field.validator is not None or field.converter is not None or _slot(cls, field.name) is None:
            return False
        default: Any = field.default
        if default is attrs.NOTHING or (isinstance(default, attrs.Factory) and default.takes_self):  # type: ignore[arg-type]
            return False
    return True


def make_reader(
    cls: type[Any],
    get_hook: Callable[[Any], Callable[[Any, Any], Any]],
    keys: Mapping[str, tuple[str, ...]],
    shortcuts: Callable[[Any], Shortcut | None],
    fallback: Callable[[Any, Any], Any],
    *,
    post: Callable[[Any, dict[str, Any]], None] | None = None,
    raw: str | None = "raw",
    as_is: frozenset[str] = frozenset(),
    note: Callable[[tuple[tuple[str, str], ...]], Any] | None = None,
) -> Callable[[Any, Any], Any] | None:
    """The reader of attrs class ``cls``, or None when ``cls`` cannot be filled slot by slot.

    ``keys`` maps each field read from the wire to its keys: the first present is read (so older
    names may follow the current one); other fields take their defaults. ``get_hook(type)`` is
    the converter's hook lookup; ``shortcuts(type)`` gives a type's shortcut or None. Anything but
    a plain ``dict``, and a dict holding a value some hook refused (it raised), goes to
    ``fallback(data, cls)`` instead. ``post(obj, data)`` runs on every object the reader built;
    ``raw`` names the field that keeps the input dict; fields in ``as_is`` take the wire value
    unconverted (``post`` replaces it).

    With ``note`` (a model marked ``compact_raw``), a dict holding exactly the keyed fields' first
    keys, each with the very object its field took, is kept in the ``raw`` slot as the one
    ``note(((key, field), ...))`` of the class instead (see :class:`~.models.base.RawNote`).
    """
    attrs.resolve_types(cls)
    if not _fillable(cls):
        return None
    if post is not None or raw is None or hasattr(cls, "__attrs_post_init__"):
        note = None  # (the fields may change after they were read)
    twin = _twin(cls)
    namespace: dict[str, Any] = {"__new": object.__new__, "__cls": cls, "__twin": twin, "__MISSING": _MISSING,
                                 "__fallback": fallback, "__post": post}
    lines = ["def read(o, _):", "    if type(o) is not dict:", "        return __fallback(o, _)",
             f"    obj = __new({'__cls' if twin is None else '__twin'})", "    try:"]
    body = "        "
    keep_raw = ""  # (with a note: set once the fields are read)
    if note is not None:
        lines.append(f"{body}c = 0  # fields that took the wire value itself")
    for index, field in enumerate(attrs.fields(cls)):
        if twin is None:
            namespace[f"__s{index}"] = _slot(cls, field.name).__set__
            assign = f"__s{index}(obj, {{}})"
        else:
            assign = f"obj.{field.name} = {{}}"
        if field.name == raw:
            if note is None:
                lines.append(body + assign.format("o"))
            else:
                keep_raw = body + assign.format(_noting(cls, keys, note, namespace))
            continue
        default = _default(field, index, namespace)
        names = keys.get(field.name)
        if not names:
            lines.append(body + assign.format(default))
            continue
        lines.append(f"{body}v = o.get({names[0]!r}, __MISSING)")
        for older in names[1:]:
            lines += [f"{body}if v is __MISSING:", f"{body}    v = o.get({older!r}, __MISSING)"]
        lines += [f"{body}if v is __MISSING:", f"{body}    v = {default}"]
        if field.name not in as_is:
            lines.append(f"{body}else:")
            lines += _convert(field.type, index, namespace, get_hook, shortcuts, body + "    ", note is not None)
        lines.append(body + assign.format("v"))
    if keep_raw:
        lines.append(keep_raw)
    if twin is not None:
        lines.append(f"{body}obj.__class__ = __cls")
    if hasattr(cls, "__attrs_post_init__"):
        lines.append(f"{body}obj.__attrs_post_init__()")
    lines += ["    except Exception:", "        return __fallback(o, _)"]
    if post is not None:
        lines.append("    __post(obj, o)")
    lines.append("    return obj")
    source = "\n".join(lines)
    exec(compile(source, f"<trueconf_sync reader {cls.__module__}.{cls.__qualname__}>", "exec"), namespace)
    read: Callable[[Any, Any], Any] = namespace["read"]
    return read


def _noting(cls: type[Any], keys: Mapping[str, tuple[str, ...]], note: Callable[[Any], Any],
            namespace: dict[str, Any]) -> str:
    """The value for the ``raw`` slot: the class's note when the dict ``o`` is exactly the fields
    (as many keys as keyed fields, and every keyed field took its wire value itself: ``c``), else
    ``o``. (The order of the keys is not looked at: a JSON object has none; the dict made again
    lists them in field order.)"""
    pairs = tuple((names[0], name) for name, names in keys.items() if names and name in attrs.fields_dict(cls))
    namespace["__note"] = note(pairs)
    return f"__note if c == {len(pairs)} and len(o) == {len(pairs)} else o"


def _twin(cls: type[Any]) -> type[Any] | None:
    """A class of the same layout as ``cls`` whose slots take plain assignment, or None.

    Setting a slot of a frozen class means calling its descriptor (a call with an argument tuple,
    ~0.15 us); a plain ``obj.x = v`` on the same slot is a few bytecodes. So a reader fills an
    instance of the twin and then makes it a ``cls`` (``obj.__class__ = cls``: the same memory
    layout, so nothing moves): ~2 -> ~0.75 us for a message's thirteen fields. Possible when
    ``cls`` adds its slots directly on a base that does not refuse assignment (a model on
    :class:`~.models.base.Model`); a twin never leaves the reader.
    """
    base: Any = cls.__base__
    own = vars(cls).get("__slots__")
    if base is None or own is None or base.__setattr__ is not object.__setattr__:
        return None
    try:
        twin = type(cls.__name__, (base,), {"__slots__": tuple(own), "__module__": cls.__module__,
                                            "__qualname__": f"{cls.__qualname__} (being read)"})
        probe: Any = object.__new__(twin)
        probe.__class__ = cls
    except TypeError:  # a layout CPython will not switch
        return None
    return twin


def _default(field: attrs.Attribute[Any], index: int, namespace: dict[str, Any]) -> str:
    """The expression for ``field``'s default (a constant, or a call of its factory)."""
    default: Any = field.default
    if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
        namespace[f"__f{index}"] = default.factory
        return f"__f{index}()"
    namespace[f"__d{index}"] = default
    return f"__d{index}"


def _convert(
    tp: Any,
    index: int,
    namespace: dict[str, Any],
    get_hook: Callable[[Any], Callable[[Any, Any], Any]],
    shortcuts: Callable[[Any], Shortcut | None],
    indent: str,
    counted: bool = False,
) -> list[str]:
    """Lines turning the wire value ``v`` into the value of a field of type ``tp`` (``counted``:
    and adding one to ``c`` where a shortcut keeps the wire value itself)."""
    same = [f"{indent}else:", f"{indent}    c += 1"] if counted else []
    inner = optional_inner(tp)
    if inner is not None:  # None stays None (as the converter's optional hook does)
        return [f"{indent}if v is not None:",
                *_convert(inner, index, namespace, get_hook, shortcuts, indent + "    ", counted), *same]
    hook, kind = f"__h{index}", f"__t{index}"
    namespace[kind] = tp
    # The hook is looked up on first use, then called directly (the name is a global of the reader).
    namespace[hook] = _resolver(namespace, hook, tp, get_hook)
    shortcut = shortcuts(tp)
    call = f"{hook}(v, {kind})"
    if shortcut is None:
        return [f"{indent}v = {call}"]
    if isinstance(shortcut, str):
        return [f"{indent}if not ({shortcut}):", f"{indent}    v = {call}", *same]
    namespace[f"__m{index}"] = shortcut.get
    return [f"{indent}m = __m{index}(v) if type(v) is int or type(v) is str else None",
            f"{indent}v = {call} if m is None else m"]


def _resolver(namespace: dict[str, Any], name: str, tp: Any,
              get_hook: Callable[[Any], Callable[[Any, Any], Any]]) -> Callable[[Any, Any], Any]:
    def resolve(value: Any, kind: Any) -> Any:
        hook = namespace[name] = get_hook(tp)
        return hook(value, kind)

    return resolve
