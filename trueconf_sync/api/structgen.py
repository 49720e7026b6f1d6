"""Generated structure functions for the attrs models: a wire dict in, a model out, fast.

For each model class :func:`make_structure_fn` writes (once) a plain Python function that reads
every field's camelCase key with ``dict.get`` and handles the common value types inline: a ``str``
that is a ``str``, an ``int`` that is an ``int``, an enum value found in the enum's value map, a
nested model through that model's own hook. Anything else (a ``null`` string, a numeric string, an
unknown enum value, lists, unions) goes through the shared lenient hooks of
:mod:`trueconf_sync.converter`, so the result is the same as cattrs' generated code gives, at a
third of the cost. Any exception makes the caller fall back to its field-by-field lenient path.
"""

from __future__ import annotations

import enum
import linecache
from collections.abc import Callable
from typing import Any, NamedTuple, Union, get_args, get_origin

import attrs

__all__ = ["Resolvers", "ScalarHooks", "make_structure_fn"]

_MISSING = object()
#: scalar type -> its lenient hook ``(value, type) -> value``
ScalarHooks = dict[Any, Callable[[Any, Any], Any]]


class Resolvers(NamedTuple):
    """How field types are read: the converter's hooks the generated code calls.

    Attributes:
        scalars: inline-able scalar types (``str``, ``int``...) and their lenient hooks.
        enum_hook: lenient hook for values not in an enum's value map; ``enum_base`` the enum
            bases it applies to.
        is_model: whether a type is a model with its own hook; ``hook_for(type)`` returns that
            hook, or None while it is still being built (recursive types: the generic
            ``structure(value, type)`` is used then).
        structure: the converter's generic ``structure(value, type)`` for every other type.
        direct_for: a nested model's own generated function, when a dict value may go straight
            to it (no fallback keys, no post-processing); an error in it then fails this object,
            whose field-by-field fallback goes through the nested hook again.
    """

    scalars: ScalarHooks
    enum_hook: Callable[[Any, Any], Any]
    enum_base: tuple[type[enum.Enum], ...]
    is_model: Callable[[Any], bool]
    hook_for: Callable[[Any], Callable[[Any, Any], Any] | None]
    structure: Callable[[Any, Any], Any]
    direct_for: Callable[[Any], Callable[[dict[str, Any], Any], Any] | None]


def _optional_of(tp: Any) -> Any:
    """``X`` for ``X | None`` (``None`` when ``tp`` is not such a union)."""
    origin = get_origin(tp)
    if origin is Union or (origin is not None and getattr(origin, "__name__", "") == "UnionType"):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0]
    return None


def make_structure_fn(
    cls: type[Any], *, key_of: Callable[[str], str], omit: frozenset[str], resolvers: Resolvers
) -> Callable[[dict[str, Any], Any], Any]:
    """Write the structure function of attrs class ``cls``: ``fn(data, raw) -> cls(..., raw=raw)``.

    Args:
        key_of: field name -> wire key.
        omit: fields not read from the wire (they keep their defaults; ``raw`` is passed in).
        resolvers: the hooks field values go through (see :class:`Resolvers`).
    """
    attrs.resolve_types(cls)
    names: dict[str, Any] = {"__cl": cls, "_M": _MISSING}
    lines = [f"def structure_{cls.__name__}(o, raw):", "    g = o.get"]
    args: list[str] = []
    for index, field in enumerate(attrs.fields(cls)):
        if not field.init or field.name in omit:
            if field.name in omit and field.name not in ("raw", "client") and field.default is not attrs.NOTHING:
                args.append(f"{field.alias or field.name}=None")  # filled in afterwards
            continue
        var = f"f{index}"
        default = field.default
        if isinstance(default, attrs.Factory):  # type: ignore[arg-type]
            names[f"F{index}"] = default.factory
            default_expr = f"F{index}()"
        elif default is attrs.NOTHING:
            default_expr = None
        else:
            names[f"D{index}"] = default
            default_expr = f"D{index}"
        lines.append(f"    v = g({key_of(field.name)!r}, _M)")
        if default_expr is None:
            lines.append("    if v is _M: raise KeyError(" + repr(key_of(field.name)) + ")")
        else:
            lines.append(f"    if v is _M: {var} = {default_expr}")
        lines.extend(_value_code(index, var, field.type, names, resolvers))
        args.append(f"{field.alias or field.name}={var}")
    args.append("raw=raw")
    lines.append(f"    return __cl({', '.join(args)})")
    source = "\n".join(lines) + "\n"
    filename = f"<trueconf_sync generated structure {cls.__module__}.{cls.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = dict(names)
    exec(compile(source, filename, "exec"), namespace)  # our own generated code
    fn: Callable[[dict[str, Any], Any], Any] = namespace[f"structure_{cls.__name__}"]
    return fn


def _value_code(index: int, var: str, tp: Any, names: dict[str, Any], resolvers: Resolvers) -> list[str]:
    """The ``else`` branch that turns a present value ``v`` into ``var``."""
    scalars, enum_hook, enum_base, is_model, hook_for, structure, direct_for = resolvers
    names[f"T{index}"] = tp
    inner = _optional_of(tp)
    prefix = ""
    if inner is not None:
        prefix = f"    elif v is None: {var} = None\n"
        tp = inner
        names[f"T{index}"] = tp
    if tp in scalars:
        names[f"S{index}"] = scalars[tp]
        if tp in (str, int, float):
            body = [f"    elif v.__class__ is {tp.__name__}: {var} = v", f"    else: {var} = S{index}(v, T{index})"]
        else:
            body = [f"    else: {var} = S{index}(v, T{index})"]
    elif isinstance(tp, type) and issubclass(tp, enum_base):
        names[f"E{index}"] = tp._value2member_map_
        names["_enum"] = enum_hook
        body = ["    else:", f"        {var} = E{index}.get(v)",
                f"        if {var} is None: {var} = _enum(v, T{index})"]
    elif is_model(tp) and hook_for(tp) is not None:
        names[f"H{index}"] = hook_for(tp)
        direct = direct_for(tp)
        body = [f"    else: {var} = H{index}(v, T{index})"]
        if direct is not None:
            names[f"G{index}"] = direct
            body.insert(0, f"    elif v.__class__ is dict: {var} = G{index}(v, v)")
    else:
        names["_structure"] = structure
        body = [f"    else: {var} = _structure(v, T{index})"]
    return ([prefix.rstrip("\n")] if prefix else []) + body
