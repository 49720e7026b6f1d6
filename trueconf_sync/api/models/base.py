"""Small value objects shared by messages, chats and events (PROTOCOL §5.2, §5.3, §12.2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NewType, TypeVar

import attrs

from ...enums import AuthorType, ChatType

if TYPE_CHECKING:
    import datetime as _dt

__all__ = ["Author", "Box", "ChatRef", "Millis", "Model", "RawNote", "compact_raw", "millis_to_datetime",
           "raw_is_compact"]

M = TypeVar("M", bound=type)

#: A Unix time in milliseconds. Values that look like seconds (10 digits) are scaled on input.
Millis = NewType("Millis", int)


def millis_to_datetime(value: int) -> _dt.datetime:
    """Convert a protocol timestamp (Unix ms) to an aware UTC :class:`datetime.datetime`."""
    import datetime as _dt  # (on first use: ~0.4 MiB the client does not need to connect)

    return _dt.datetime.fromtimestamp(value / 1000.0, tz=_dt.timezone.utc)


@attrs.define(eq=False, on_setattr=attrs.setters.NO_OP)
class Model:
    """Base of every parsed model: keeps the raw wire payload it was built from.

    ``raw`` is the JSON object exactly as received (not part of equality or repr), so nothing the
    server sent is lost even when this library does not model a field yet. (A model marked
    :func:`compact_raw` may hold an equal copy instead, made when ``raw`` is first read.)

    Every model is a frozen subclass; this base itself does not refuse assignment, so that the
    readers (:mod:`~trueconf_sync.api.readers`) can fill a model's slots with plain assignments
    before the object becomes the frozen model.
    """

    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)


#: The slot ``raw`` lives in (every model's, as all derive from Model).
_RAW_SLOT: Any = vars(Model)["raw"]


class RawNote:
    """What the ``raw`` slot of a :func:`compact_raw` model holds instead of the wire object when
    that object is exactly the model's own fields under their wire keys: the ``(key, field)``
    pairs, in field order. One note serves every object of the class."""

    __slots__ = ("pairs",)

    def __init__(self, pairs: tuple[tuple[str, str], ...]) -> None:
        self.pairs = pairs


class _RawField:
    """``raw`` of a :func:`compact_raw` model: the slot's value, or, where the slot holds a
    :class:`RawNote`, the wire object made again from the fields (and kept from then on): the
    same keys with the very same values, listed in field order (a JSON object has no order).

    Two threads reading a note at once may each make a copy; both are equal to what was received
    and one of them stays."""

    __slots__ = ()
    __doc__ = "The JSON object received, or an equal one made from the fields when first read."

    @property
    def slot(self) -> Any:
        """The slot underneath (the readers fill it directly: :func:`~trueconf_sync.api.readers.make_reader`)."""
        return _RAW_SLOT

    def __get__(self, obj: Any, owner: Any = None) -> Any:
        if obj is None:
            return self
        value = _RAW_SLOT.__get__(obj)
        if type(value) is RawNote:
            value = {key: getattr(obj, name) for key, name in value.pairs}
            _RAW_SLOT.__set__(obj, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        _RAW_SLOT.__set__(obj, value)


def compact_raw(cls: M) -> M:
    """Mark model ``cls`` as one a caller may keep by the thousand (the answers of sends and edits):
    where the wire object holds exactly the model's fields, with the very values the fields took,
    its reader keeps the class's :class:`RawNote` instead of the dict (~200 bytes less per object)
    and ``raw`` makes an equal dict again when first read. Subclasses are marked too."""
    cls.raw = _RawField()  # type: ignore[attr-defined]
    return cls


def raw_is_compact(cls: type[Any]) -> bool:
    """True when ``cls`` (or a base) is marked :func:`compact_raw`."""
    return isinstance(getattr(cls, "raw", None), _RawField)


@attrs.frozen
class Author(Model):
    """Who wrote or did something: ``id`` is a TrueConf ID (or the server name for system)."""

    id: str = ""
    type: AuthorType = AuthorType.USER

    @property
    def is_system(self) -> bool:
        """True when the server itself is the author."""
        return self.type == AuthorType.SYSTEM


@attrs.frozen
class Box(Model):
    """Ordering information of a stored message (PROTOCOL §5.3): sort by ``id`` then ``position``."""

    id: int = 0
    position: str = ""


@attrs.frozen
class ChatRef(Model):
    """The ``chat`` object servers 5.5.6+ put into every envelope (PROTOCOL §12.2)."""

    chat_id: str = ""
    chat_title: str | None = None
    chat_type: ChatType = ChatType.UNDEF
