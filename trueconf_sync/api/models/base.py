"""Small value objects shared by messages, chats and events (PROTOCOL §5.2, §5.3, §12.2)."""

from __future__ import annotations

import datetime as _dt
from typing import Any, NewType

import attrs

from ...enums import AuthorType, ChatType

__all__ = ["Author", "Box", "ChatRef", "Millis", "Model", "millis_to_datetime"]

#: A Unix time in milliseconds. Values that look like seconds (10 digits) are scaled on input.
Millis = NewType("Millis", int)


def millis_to_datetime(value: int) -> _dt.datetime:
    """Convert a protocol timestamp (Unix ms) to an aware UTC :class:`datetime.datetime`."""
    return _dt.datetime.fromtimestamp(value / 1000.0, tz=_dt.timezone.utc)


@attrs.define(eq=False, on_setattr=attrs.setters.NO_OP)
class Model:
    """Base of every parsed model: keeps the raw wire payload it was built from.

    ``raw`` is the JSON object exactly as received (not part of equality or repr), so nothing the
    server sent is lost even when this library does not model a field yet.

    Every model is a frozen subclass; this base itself does not refuse assignment, so that the
    readers (:mod:`~trueconf_sync.api.readers`) can fill a model's slots with plain assignments
    before the object becomes the frozen model.
    """

    raw: dict[str, Any] = attrs.field(factory=dict, repr=False, eq=False, kw_only=True)


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
