"""What the rows of the method table share: result parsers, the ``timeout`` type and a finish hook.

The parsers turn a success payload into a method's typed result; they run on the reader thread
and raise :class:`~trueconf_sync.ProtocolError` for an answer of the wrong shape, never anything
else. ``complete_user_id`` is the ``finish`` hook of every row that takes a ``user_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from ...core.protocols import FinishContext
from ...errors import ProtocolError
from ..converter import converter
from ..method import Payload

__all__ = ["Timeout", "as_", "complete_user_id", "key", "list_of", "nothing"]

T = TypeVar("T")
#: A call's ``timeout`` argument: seconds, or ``None`` for the client's default.
Timeout = float | None


def _object(payload: Any) -> Any:
    """The payload as a JSON object (missing = empty); anything else is not an answer we can read."""
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise ProtocolError(f"expected a JSON object as the answer, got {type(payload).__name__}")
    return payload


def as_(cls: type[T]) -> Callable[[Any], T]:
    """Parser: structure the whole payload (a JSON object) as ``cls``."""

    def parse(payload: Any) -> T:
        return converter.structure(_object(payload), cls)

    parse.__name__ = f"parse_{cls.__name__}"
    parse.__annotations__["return"] = cls  # the method's result type, shown in its signature
    return parse


def nothing(payload: Any) -> None:
    """Parser for methods whose success payload is empty."""
    return None


def key(name: str, cls: type[T]) -> Callable[[Any], T]:
    """Parser: one key of the payload, as ``cls``."""

    def parse(payload: Any) -> T:
        return converter.structure(_object(payload).get(name), cls)

    parse.__annotations__["return"] = cls  # the method's result type, shown in its signature
    return parse


def list_of(name: str, cls: type[T], make: Callable[[Iterable[T]], list[T]] = list) -> Callable[[Any], list[T]]:
    """Parser: a list of ``cls``, sent as a bare JSON array or as the list under key ``name``.

    ``make`` builds the result from the structured items (``list``, or a list subclass such as
    :class:`~trueconf_sync.models.ChatList`).
    """

    def parse(payload: Any) -> list[T]:
        items = payload if isinstance(payload, list) else _object(payload).get(name, [])
        if not isinstance(items, list):
            raise ProtocolError(f"expected a list of {name}, got {type(items).__name__}")
        return make(converter.structure(item, cls) for item in items)

    parse.__name__ = f"parse_{name}"
    parse.__annotations__["return"] = make if isinstance(make, type) and make is not list else list[cls]  # type: ignore[valid-type]
    return parse


def complete_user_id(context: FinishContext, payload: Payload) -> None:
    """Finish hook: a bare login gets the server's domain, taken from the bot's own id (§10.1)."""
    user = payload.get("userId")
    me = context.user_id
    if isinstance(user, str) and "@" not in user and me and "@" in me:
        payload["userId"] = f"{user}@{me.split('@', 1)[1]}"
