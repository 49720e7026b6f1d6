"""Bulk sending: many messages pipelined over the one connection, a bounded number in flight.

``client.send_messages(items)`` validates every item first (nothing is sent when one is bad), then
sends them with the non-blocking form of ``send_message``, keeping at most ``max_in_flight`` calls
waiting for their answers, and returns one :class:`SendResult` per item, in input order: the
:class:`~trueconf_sync.models.SentMessage` or the exception that call ended with. Every call ends
(answer, API error, timeout or connection loss), so the method always returns.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, cast

import attrs

from ..api.models import SentMessage
from ..errors import AuthError

if TYPE_CHECKING:
    from ..client import Client
    from ..transport.connection import Connection
    from ..transport.pending import Notify

__all__ = ["BulkMethods", "SendResult"]

#: Keyword arguments of ``send_message`` an item given as a mapping may use.
_ITEM_KEYS = frozenset({"chat_id", "text", "parse_mode", "reply_message_id", "buttons"})
MAX_IN_FLIGHT = 10_000


@attrs.frozen
class SendResult:
    """The outcome of one message of :meth:`BulkMethods.send_messages`.

    Attributes:
        index: position of the item in the input.
        chat_id: the chat it was sent to.
        message: the server's answer (``None`` when the call failed).
        error: the exception the call ended with (``None`` on success).
    """

    index: int
    chat_id: str
    message: SentMessage | None = None
    error: BaseException | None = None

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


class BulkMethods:
    """Mixin of :class:`~trueconf_sync.Client`: sending many messages at once."""

    def send_messages(
        self,
        messages: Iterable[tuple[str, Any] | Mapping[str, Any]],
        *,
        parse_mode: Any = None,
        max_in_flight: int = 256,
        timeout: float | None = None,
    ) -> list[SendResult]:
        """Send many messages pipelined; return one :class:`SendResult` per item, in input order.

        Args:
            messages: ``(chat_id, text)`` tuples, or mappings of ``send_message`` arguments
                (``chat_id``, ``text``, ``parse_mode``, ``reply_message_id``, ``buttons``).
            parse_mode: default parse mode of items that do not set their own.
            max_in_flight: calls waiting for their answer at once (1-10000); ``1`` is sequential.
            timeout: seconds each call waits for its answer (default: the client's ``timeout``).

        Returns:
            ``SendResult`` per item: ``.ok``, ``.message`` (a ``SentMessage``) or ``.error``
            (``ApiError``, ``RequestTimeoutError``, ``ConnectionLostError``...). A message whose call
            failed may or may not have reached the server (a lost connection hides the answer).
            When the client cannot get a connection at all (closed, or not reconnected within
            ``timeout``), the items not yet sent get that error without being tried.

        Raises:
            ValueError, TypeError: a bad item or argument (the message names the item); nothing
                has been sent then.
        """
        from ..api.methods import ApiMethods

        if isinstance(max_in_flight, bool) or not isinstance(max_in_flight, int) or not (
                1 <= max_in_flight <= MAX_IN_FLIGHT):
            raise ValueError(f"max_in_flight must be an int between 1 and {MAX_IN_FLIGHT}, got {max_in_flight!r}")
        client = cast("Client", self)
        row = ApiMethods.send_message
        seconds = client._timeout(timeout)
        payloads: list[dict[str, Any]] = []
        for index, item in enumerate(messages):
            arguments = _item_arguments(index, item, parse_mode)
            try:
                payloads.append(row.prepare((), arguments))
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"messages[{index}]: {exc}") from exc
        return _Pipeline(client, row.spec, payloads, max_in_flight, seconds).run()


class _Pipeline:
    """Sends prepared payloads with at most ``window`` calls in flight and collects the outcomes.

    Requests leave in batches (one write each) through :meth:`Connection.request_many`; the
    reader thread records each outcome and wakes the sender only when the calls in flight have
    dropped to the low-water mark, so a batch refills the window.
    """

    def __init__(self, client: Client, spec: Any, payloads: list[dict[str, Any]], window: int, timeout: float) -> None:
        self._client = client
        self._spec = spec
        self._payloads = payloads
        self._timeout = timeout
        self._window = window
        self._low = window // 2  # refill when this many or fewer are still in flight
        self._in_flight = 0
        self._cond = threading.Condition(threading.Lock())
        self._outcomes: list[tuple[Any, BaseException | None] | None] = [None] * len(payloads)

    def run(self) -> list[SendResult]:
        payloads, cond, total = self._payloads, self._cond, len(self._payloads)
        spec, timeout = self._spec, self._timeout
        sent = 0
        while sent < total:
            with cond:
                while self._in_flight > self._low:
                    cond.wait()  # every call ends (answer, error, timeout, loss): this returns
                count = min(self._window - self._in_flight, total - sent)
                self._in_flight += count
            try:  # (re)connects, and waits while the client's max_pending_calls are in flight
                conn, _ = self._client._ready_connection(timeout)
            except Exception as exc:  # noqa: BLE001 - no connection: the rest cannot be sent either
                for index in range(sent, total):
                    self._outcomes[index] = (None, exc)
                with cond:
                    self._in_flight -= count
                break
            room = max(1, self._client.max_pending_calls - conn.pending_count)
            if room < count:
                with cond:
                    self._in_flight -= count - room
                count = room
            conn.request_many(spec.wire, payloads[sent : sent + count], spec.parse, timeout,
                              self._notify_for(conn), sent)
            sent += count
        with cond:
            while self._in_flight:
                cond.wait()
        results = []
        for index, (payload, outcome) in enumerate(zip(payloads, self._outcomes)):
            message, error = outcome if outcome is not None else (None, None)
            results.append(SendResult(index, payload["chatId"], message, error))
        return results

    def _notify_for(self, conn: Connection) -> Notify:
        def done(index: int, result: Any, error: BaseException | None) -> None:
            self._done(conn, index, result, error)

        return done

    def _done(self, conn: Connection, index: int, result: Any, error: BaseException | None) -> None:
        """Completion of one request (reader thread, heartbeat or whoever saw the connection end)."""
        self._outcomes[index] = (result, error)
        if isinstance(error, AuthError) and error.code == 203:
            client = self._client
            if client._can_refresh and client.auto_reconnect:
                client._renew(conn)  # the token expired on that connection: reconnect with a new one
        with self._cond:
            self._in_flight -= 1
            if self._in_flight <= self._low:
                self._cond.notify()
