"""Bulk sending: many messages pipelined over the one connection, a bounded number in flight.

``client.send_messages(items)`` (:func:`send_many`) validates every item first (nothing is sent when
one is bad), then sends them through the request path's :class:`~.pipeline.Pipeline`, keeping at
most ``max_in_flight`` calls waiting for their answers, and returns one :class:`SendResult` per item,
in input order: the :class:`~trueconf_sync.models.SentMessage` or the exception that call ended with.
Every call ends (answer, API error, timeout or connection loss), so the method always returns.
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


def _item_arguments(index: int, item: Any, parse_mode: Any) -> dict[str, Any]:
    """One input item as ``send_message`` keyword arguments."""
    if isinstance(item, Mapping):
        unknown = set(item) - _ITEM_KEYS
        if unknown:
            raise TypeError(f"messages[{index}]: unknown keys {sorted(unknown)}; allowed: {sorted(_ITEM_KEYS)}")
        if "chat_id" not in item or "text" not in item:
            raise TypeError(f"messages[{index}]: a mapping needs 'chat_id' and 'text'")
        arguments = dict(item)
    elif isinstance(item, tuple) and len(item) == 2:
        arguments = {"chat_id": item[0], "text": item[1]}
    else:
        raise TypeError(f"messages[{index}] must be a (chat_id, text) tuple or a mapping of send_message "
                        f"arguments, not {type(item).__name__}")
    if parse_mode is not None:
        arguments.setdefault("parse_mode", parse_mode)
    return arguments


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

    Raises:
        ValueError, TypeError: a bad item or argument (the message names the item); nothing has
            been sent then.
    """
    if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or not (
            1 <= max_in_flight <= MAX_IN_FLIGHT):
        raise ValueError(f"max_in_flight must be an int between 1 and {MAX_IN_FLIGHT}, got {max_in_flight!r}")
    payloads: list[Payload] = []
    for index, item in enumerate(messages):
        arguments = _item_arguments(index, item, parse_mode)
        try:
            payloads.append(prepare((), arguments))
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"messages[{index}]: {exc}") from exc
    outcomes = Pipeline(path, spec, payloads, max_in_flight, seconds).run()
    return [SendResult(index, payload["chatId"], message, error)
            for index, (payload, (message, error)) in enumerate(zip(payloads, outcomes))]
