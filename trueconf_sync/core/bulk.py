"""Bulk sending: many messages pipelined over the one connection, a bounded number in flight.

``client.send_messages(items)`` (:func:`send_many`) validates every item first (nothing is sent when
one is bad), then sends them through the request path's :class:`~.pipeline.Pipeline`, keeping at
most ``max_in_flight`` calls waiting for their answers, and returns one :class:`SendResult` per item,
in input order: the :class:`~trueconf_sync.models.SentMessage` or the exception that call ended with.
Every call ends (answer, API error, timeout or connection loss), so the method always returns.

Memory (issue 15): what a send of many messages holds is mostly its results. The payloads wait
encoded (~150 bytes each) and go as their requests end; each result is made when its request ends;
the answers share their equal keys and values (:class:`_SharedValues`), and a
:class:`~trueconf_sync.models.SentMessage` keeps its answer as a note when it can
(:func:`~trueconf_sync.api.models.base.compact_raw`). 20000 short messages: a peak of ~270 bytes
per message (it was ~1150, then ~460), the results ~240 of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

from ..frozen import Frozen
from .pipeline import Pipeline
from .protocols import Payload, RequestSpec
from .requests import RequestPath

__all__ = ["MAX_IN_FLIGHT", "SendResult", "send_many"]

T = TypeVar("T")

#: Keyword arguments of ``send_message`` an item given as a mapping may use.
_ITEM_KEYS = frozenset({"chat_id", "text", "parse_mode", "reply_message_id", "buttons"})
#: Keys of an answer :class:`_SharedValues` remembers (an answer with more is kept as it is).
_MAX_KEYS = 32
MAX_IN_FLIGHT = 10_000
_set = object.__setattr__


class SendResult(Frozen, Generic[T]):
    """The outcome of one message of :meth:`Client.send_messages <trueconf_sync.Client.send_messages>`.

    Attributes:
        index: position of the item in the input.
        chat_id: the chat it was sent to.
        message: the server's answer (``None`` when the call failed).
        error: the exception the call ended with (``None`` on success).
    """

    __slots__ = ("index", "chat_id", "message", "error")  # noqa: RUF023 - the fields' order, not sorted

    index: int
    chat_id: str
    message: T | None
    error: BaseException | None

    def __init__(self, index: int, chat_id: str, message: T | None = None, error: BaseException | None = None) -> None:
        # One per message sent in bulk: set directly (``_assign``'s loop costs twice as much).
        _set(self, "index", index)
        _set(self, "chat_id", chat_id)
        _set(self, "message", message)
        _set(self, "error", error)

    @property
    def ok(self) -> bool:
        """True when the message was sent."""
        return self.error is None


def _item_call(index: int, item: Any, options: dict[str, Any]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """One input item as ``send_message`` arguments: ``(args, kwargs)``; ``options`` holds the
    call's default ``parse_mode`` (shared by the tuple items: nothing changes it)."""
    if isinstance(item, tuple) and len(item) == 2:
        return item, options  # (chat_id, text): the builder's first two parameters
    if isinstance(item, Mapping):
        unknown = set(item) - _ITEM_KEYS
        if unknown:
            raise TypeError(f"messages[{index}]: unknown keys {sorted(unknown)}; allowed: {sorted(_ITEM_KEYS)}")
        if "chat_id" not in item or "text" not in item:
            raise TypeError(f"messages[{index}]: a mapping needs 'chat_id' and 'text'")
        return (), {**options, **item}
    raise TypeError(f"messages[{index}] must be a (chat_id, text) tuple or a mapping of send_message "
                    f"arguments, not {type(item).__name__}")


class _SharedValues:
    """The answers' parser, given each answer with the keys and values it shares with earlier
    answers as the very same objects.

    Every answer kept by a bulk send holds the values of its JSON object (and the object itself
    where ``SentMessage`` cannot keep it as a note: a key it does not read), and the standard
    ``json`` module makes new strings for every object it reads: three keys and a 40-character
    chat id cost ~280 bytes per answer. Here each answer is copied (same keys, same order, equal
    values) onto the key objects first seen, and a ``str`` or ``int`` value equal to the previous
    answer's value of that key (the chat id, a timestamp of the same millisecond) becomes that
    same object. At most :data:`_MAX_KEYS` keys are remembered.
    """

    __slots__ = ("_last", "_parse")

    def __init__(self, parse: Callable[[Any], Any]) -> None:
        self._parse = parse
        self._last: dict[str, list[Any]] = {}  # wire key -> [the key object kept, the last value]

    def __call__(self, payload: Any) -> Any:
        if type(payload) is dict and len(payload) <= _MAX_KEYS:
            payload = self._share(payload)
        return self._parse(payload)

    def _share(self, payload: dict[str, Any]) -> dict[str, Any]:
        last = self._last
        shared: dict[str, Any] = {}
        for key, value in payload.items():
            seen = last.get(key)
            if seen is None:
                if len(last) < _MAX_KEYS:
                    last[key] = [key, value]
                shared[key] = value
                continue
            before = seen[1]  # (read once: another connection's reader may replace it meanwhile)
            kind = type(value)
            if (kind is str or kind is int) and kind is type(before) and value == before:
                value = before  # (not for floats: -0.0 == 0.0; not for bool: True == 1)
            else:
                seen[1] = value
            shared[seen[0]] = value
        return shared


def send_many(
    path: RequestPath,
    prepare: Callable[[tuple[Any, ...], dict[str, Any]], Payload],
    spec: RequestSpec,
    messages: Iterable[tuple[str, Any] | Mapping[str, Any]],
    *,
    parse_mode: Any,
    max_in_flight: int,
    seconds: float,
) -> list[SendResult[Any]]:
    """Validate every item with ``prepare`` (``send_message``'s payload builder), then pipeline them.

    The payloads are built and encoded while validating (the builder is the validation; a
    payload the encoder refuses is a bad item too), kept encoded, and each one is let go when its
    request ends: the payloads shrink while the results grow (see :class:`~.pipeline.Pipeline`).

    Raises:
        ValueError, TypeError: a bad item or argument (the message names the item); nothing has
            been sent then.
    """
    if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or not (
            1 <= max_in_flight <= MAX_IN_FLIGHT):
        raise ValueError(f"max_in_flight must be an int between 1 and {MAX_IN_FLIGHT}, got {max_in_flight!r}")
    from ..transport.jsoncodec import dumps  # (the transport loads on connect, not with the client)

    options: dict[str, Any] = {} if parse_mode is None else {"parse_mode": parse_mode}
    bodies: list[bytes] = []
    chats: list[str] = []
    for index, item in enumerate(messages):
        args, kwargs = _item_call(index, item, options)
        try:
            payload = prepare(args, kwargs)
            bodies.append(dumps(payload))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"messages[{index}]: {exc}") from exc
        chats.append(payload["chatId"])

    def result(index: int, message: Any, error: BaseException | None) -> SendResult[Any]:
        return SendResult(index, chats[index], message, error)

    shared = spec._replace(parse=_SharedValues(spec.parse))
    return Pipeline(path, shared, bodies, max_in_flight, seconds, result).run()
