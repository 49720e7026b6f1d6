"""Generated readers (trueconf_sync.api.readers) build exactly what cattrs' own function builds.

Every model of the library is parsed by a reader: one generated function that fills the frozen
object's slots directly and skips a hook where a shortcut shows the hook would return the value
unchanged. cattrs' generated function (``make_dict_structure_fn``, kept in the converter for
classes a reader cannot fill) is the reference: on random input, for every model, both give equal
objects, the same types and the same ``raw``.
"""

from __future__ import annotations

import copy
import enum
import pickle
import sys
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from trueconf_sync import Message
from trueconf_sync.api import converter as conv
from trueconf_sync.api.models.base import Author, Model, raw_is_compact
from trueconf_sync.api.readers import make_reader
from trueconf_sync.enums import _OpenIntEnum, _OpenStrEnum


def _models() -> list[type[Model]]:
    # Only the classes their modules name: ``__subclasses__`` also lists classes no module holds
    # until the garbage collector has run (the class attrs replaces by its slotted copy) and the
    # readers' twins.
    found: list[type[Model]] = []
    pending = [Model]
    while pending:
        for sub in pending.pop().__subclasses__():
            named = getattr(sys.modules.get(sub.__module__), sub.__qualname__, None) is sub
            if sub.__module__.startswith("trueconf_sync.") and named and sub not in found:
                found.append(sub)
            pending.append(sub)
    return sorted(found, key=lambda cls: cls.__qualname__)


MODELS = _models()


def _expected(cls: type[Model], data: Any) -> Model:
    """What the converter built before readers: cattrs' function, or field by field when it raised."""
    if not isinstance(data, dict):
        return conv._not_a_dict(cls, data)
    source = dict(data)
    for key, old in conv._FALLBACK_KEYS.get(cls, ()):
        if key not in source and old in source:
            source[key] = source[old]
    try:
        obj = conv._cattrs_generated(cls)(source, cls)
    except Exception:  # noqa: BLE001 - the reference does what the converter did
        obj = conv._lenient_fields(cls, source)
    object.__setattr__(obj, "raw", data)
    post = conv._POST.get(cls)
    if post is not None:
        post(obj, data)
    return obj


def _fields_of(obj: Any) -> dict[str, Any]:
    return {f.name: getattr(obj, f.name) for f in attrs.fields(type(obj)) if f.name != "raw"}


def _same(got: Any, want: Any) -> None:
    assert type(got) is type(want)
    if not attrs.has(type(want)):
        assert got == want and type(got) is type(want)
        return
    assert got.raw == want.raw
    for (name, a), b in zip(_fields_of(got).items(), _fields_of(want).values()):
        if attrs.has(type(b)):
            _same(a, b)
        else:
            assert a == b and type(a) is type(b), name


def test_every_model_of_the_library_has_a_reader() -> None:
    assert len(MODELS) > 30
    for cls in MODELS:
        hook = conv.converter.get_structure_hook(cls)
        assert hook.__code__.co_filename.startswith("<trueconf_sync reader"), cls


_KEYS = sorted({key for cls in MODELS for names in conv._keys(cls).values() for key in names} | {"extra"})
_SCALARS = (st.none() | st.booleans() | st.integers(-3, 210) | st.integers(-2**63, 2**63 - 1)
            | st.sampled_from([1_700_000_000, 1_700_000_000_000]) | st.floats(allow_nan=False, allow_infinity=False)
            | st.sampled_from(["", "text", "markdown", "html", "0", "200", "u@srv", "  TRUE "]) | st.text(max_size=5))
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(_KEYS), inner, max_size=5), max_leaves=12)


@st.composite
def _wire(draw: st.DrawFn, cls: type[Model]) -> Any:
    if draw(st.integers(0, 20)) == 0:
        return draw(_SCALARS)  # not an object at all
    keys = [key for names in conv._keys(cls).values() for key in names] + ["extra"]
    chosen = draw(st.lists(st.sampled_from(keys), unique=True, max_size=len(keys)))
    return {key: draw(_JSON) for key in chosen}


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_reader_builds_what_cattrs_builds(cls: type[Model], data: st.DataObject) -> None:
    wire = data.draw(_wire(cls))
    got = conv.structure(wire, cls)
    _same(got, _expected(cls, wire))
    if type(wire) is dict:  # the dict itself, or (a model marked compact_raw) an equal one
        assert got.raw is wire or (raw_is_compact(cls) and got.raw == wire)


def test_a_typical_message_and_its_reply_read_alike() -> None:
    envelope = {"messageId": "m2", "chatId": "c1", "timestamp": 1_700_000_000, "author": {"id": "a@s", "type": 1},
                "type": 200, "content": {"text": "hi", "parseMode": "markdown"}, "isEdited": 1,
                "box": {"id": "7", "position": 3}, "chat": {"chatId": "c1", "chatTitle": None, "chatType": 9},
                "replyMessage": {"messageId": "m1", "type": 202, "content": {"id": "f1", "name": "a.txt"}}}
    got = conv.structure(envelope, Message)
    _same(got, _expected(Message, envelope))
    assert got.timestamp == 1_700_000_000_000 and got.is_edited is True and got.box is not None
    assert (got.box.id, got.box.position) == (7, "3")
    assert got.reply_message is not None and got.reply_message.content.file_id == "f1"  # type: ignore[union-attr]
    assert got.chat is not None and got.chat.chat_type.name == "UNKNOWN_9"


def test_values_that_compare_equal_across_types_stay_apart() -> None:
    # 1 == 1.0 == True: each reads as its own text.
    ids = [conv.structure({"id": value, "type": 1}, Author).id for value in (1, 1.0, True, None)]
    assert ids == ["1", "1.0", "True", ""]


_SHORTCUT_VALUES = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=4)


@pytest.mark.parametrize("tp", list(conv._SHORTCUTS), ids=str)
@given(value=_SHORTCUT_VALUES)
def test_a_shortcut_holds_only_where_the_hook_returns_the_value_unchanged(tp: Any, value: Any) -> None:
    if eval(conv._SHORTCUTS[tp], {}, {"v": value}):
        assert conv.converter.get_structure_hook(tp)(value, tp) is value


@pytest.mark.parametrize("enum_cls", conv._open_enums(_OpenIntEnum) + conv._open_enums(_OpenStrEnum),
                         ids=lambda tp: tp.__name__)
def test_an_enum_table_gives_the_member_the_hook_gives(enum_cls: type[enum.Enum]) -> None:
    table = conv._shortcut(enum_cls)
    assert isinstance(table, dict) and table
    hook = conv.converter.get_structure_hook(enum_cls)
    for value, member in table.items():
        assert hook(value, enum_cls) is member


def test_a_class_a_reader_cannot_fill_keeps_cattrs_function() -> None:
    @attrs.frozen
    class Checked(Model):
        size: int = attrs.field(default=0, validator=attrs.validators.ge(0))

    assert make_reader(Checked, conv.converter.get_structure_hook, {"size": ("size",)}, conv._shortcut,
                       lambda data, _: None) is None
    good = conv.structure({"size": "5"}, Checked)
    assert good.size == 5 and good.raw == {"size": "5"}
    bad = conv.structure({"size": "many"}, Checked)  # unreadable: the field keeps its default
    assert bad.size == 0 and bad.raw == {"size": "many"}


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_a_model_read_is_its_own_class_and_frozen(cls: type[Model]) -> None:
    # A reader may fill a twin class's slots and then switch the class: nothing of that shows.
    wire = {key: "1" for names in conv._keys(cls).values() for key in names}
    obj = conv.structure(wire, cls)
    assert type(obj) is cls and "being read" not in repr(type(obj))
    name = attrs.fields(cls)[-1].name
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        setattr(obj, name, None)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        obj.raw = {}
    again = pickle.loads(pickle.dumps(obj))
    assert again == obj and type(again) is cls and again.raw == wire
    assert copy.copy(obj) == obj
    try:
        expected = hash(obj)
    except TypeError:  # a model holding a list (ChatHistory.messages...) is not hashable
        return
    assert hash(again) == expected
