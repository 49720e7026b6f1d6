"""``trueconf-sync listen``: print incoming events, one line each (or JSON lines), for piping.

Every line is flushed as soon as the event arrives. Stops on Ctrl-C or SIGTERM (exit 0), after
``--count N`` events, or after ``--timeout S`` seconds (exit 6 when ``--count`` was not reached).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import signal
import sys
import threading
import time
from typing import Any, TextIO

from ..api.models import Message, RawEvent
from ..errors import RequestTimeoutError, seconds
from ..events.signals import EVENTS, connection_state_changed, event_received
from .settings import Settings
from .terminal import safe_text

__all__ = ["EventPrinter", "add_parser", "run"]

_DESCRIPTION = """\
Connect as the bot and print every event the server pushes: new messages as
'TIME CHAT_ID AUTHOR: TEXT' lines, other events as 'TIME EVENT PAYLOAD'. With --json, one JSON
object per line. Each line is flushed at once, so the output can be piped into another program.
Incoming messages are acknowledged (marked read) as they arrive.
"""

_EXAMPLES = """\
examples:
  trueconf-sync listen
  trueconf-sync listen --json --messages-only | jq -r .text
  trueconf-sync listen --count 1 --timeout 60     (wait up to a minute for one event)
"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an integer >= 1, got {text!r}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a number of seconds > 0, got {text!r}")
    return value


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register the ``listen`` sub-command."""
    parser = sub.add_parser(
        "listen", parents=[common], help="print incoming events as lines or JSON lines",
        description=_DESCRIPTION, epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--count", type=_positive_int, metavar="N", help="stop after N events")
    parser.add_argument("--timeout", type=_positive_float, metavar="SECONDS", help="stop after SECONDS")
    parser.add_argument("--chat", metavar="CHAT_ID", help="only events of this chat")
    parser.add_argument("--messages-only", action="store_true", help="only new messages")
    parser.add_argument("--unread", action="store_true", help="first replay messages not yet read")
    parser.add_argument("--system", action="store_true",
                        help="also receive system messages (participant added, chat renamed...)")
    parser.set_defaults(run=run)


def _utc(millis: int | None = None) -> str:
    utc = dt.timezone.utc
    moment = dt.datetime.fromtimestamp(millis / 1000, utc) if millis else dt.datetime.now(utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _payload(event: Any) -> Any:
    return event.payload if isinstance(event, RawEvent) else getattr(event, "raw", None)


def _chat_of(event: Any) -> str | None:
    chat_id = getattr(event, "chat_id", None)
    if chat_id is None and isinstance(event, RawEvent) and isinstance(event.payload, dict):
        chat_id = event.payload.get("chatId")
    return chat_id if isinstance(chat_id, str) else None


def _message_text(message: Message) -> str:
    if message.text is not None:
        return message.text
    attachment = message.attachment
    if attachment is not None:
        return f"[file {attachment.name} {attachment.size} bytes]"
    return f"[{getattr(message.type, 'name', message.type)!s}]".lower()


class EventPrinter:
    """Turns events into output lines, applies the filters and counts what it printed (thread-safe)."""

    def __init__(self, out: TextIO, *, as_json: bool = False, chat: str | None = None,
                 messages_only: bool = False, count: int | None = None) -> None:
        self.out = out
        self.as_json = as_json
        self.chat = chat
        self.messages_only = messages_only
        self.count = count
        self.printed = 0
        self.broken = False
        self._lock = threading.Lock()

    @property
    def done(self) -> bool:
        """True when ``count`` events were printed or the output went away."""
        return self.broken or (self.count is not None and self.printed >= self.count)

    def format(self, event: Any, method: str) -> str:
        """One output line (without the newline) for ``event``."""
        spec = EVENTS.get(method)
        name = spec.name if spec is not None else method
        if isinstance(event, Message):
            if self.as_json:
                record: dict[str, Any] = {
                    "event": name, "method": method, "chat_id": event.chat_id, "message_id": event.message_id,
                    "author": event.author.id, "text": event.text, "timestamp": event.timestamp,
                    "time": _utc(event.timestamp), "payload": _payload(event),
                }
                return json.dumps(record, ensure_ascii=False, default=str)
            return safe_text(f"{_utc(event.timestamp)} {event.chat_id} {event.author.id}: {_message_text(event)}")
        if self.as_json:
            record = {"event": name, "method": method, "chat_id": _chat_of(event), "time": _utc(),
                      "payload": _payload(event)}
            return json.dumps(record, ensure_ascii=False, default=str)
        payload = json.dumps(_payload(event), ensure_ascii=False, default=str, separators=(",", ":"))
        return safe_text(f"{_utc()} {name} {payload}")

    def handle(self, event: Any, method: str) -> bool:
        """Print ``event`` if it passes the filters; return True when the printer is done."""
        if self.messages_only and not (method == "sendMessage" and isinstance(event, Message)):
            return self.done
        if self.chat is not None and _chat_of(event) != self.chat:
            return self.done
        line = self.format(event, method)
        with self._lock:
            if self.done:
                return True
            try:
                self.out.write(line + "\n")
                self.out.flush()
            except (BrokenPipeError, ValueError):  # reader gone, or stdout closed
                self.broken = True
                return True
            self.printed += 1
            return self.done


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Listen until Ctrl-C / SIGTERM, ``--count`` or ``--timeout``; return the exit code."""
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        out.reconfigure(errors="backslashreplace")
    printer = EventPrinter(out, as_json=args.json, chat=args.chat, messages_only=args.messages_only,
                           count=args.count)
    stop = threading.Event()
    failure: list[BaseException] = []
    client = settings.make_client(receive_unread=args.unread, receive_system_messages=args.system)

    def on_event(sender: Any, event: Any = None, method: str | None = None, **_: Any) -> None:
        if printer.handle(event, method or ""):
            stop.set()

    def on_state(sender: Any, state: str = "", reason: Any = None, **_: Any) -> None:
        if state == "disconnected" and isinstance(reason, BaseException):
            failure.append(reason)  # a terminal failure (e.g. credentials refused on reconnect)
            stop.set()

    event_received.connect(on_event, sender=client, weak=False)
    connection_state_changed.connect(on_state, sender=client, weak=False)
    previous = _on_sigterm(stop)
    timed_out = False
    try:
        client.connect()
        failure.clear()  # failed attempts inside connect() raised already
        if sys.stderr.isatty():
            print(f"listening as {client.user_id} (Ctrl-C to stop)", file=sys.stderr)
        timed_out = _wait(stop, args.timeout)
    except KeyboardInterrupt:  # Ctrl-C is how a listener is stopped: not a failure
        return 0
    finally:
        _restore_sigterm(previous)
        client.close()
        event_received.disconnect(on_event, sender=client)
        connection_state_changed.disconnect(on_state, sender=client)
    if printer.broken:
        raise BrokenPipeError
    if failure:
        raise failure[0]
    if timed_out and args.count is not None and printer.printed < args.count:
        raise RequestTimeoutError(f"{printer.printed} of {args.count} events within {seconds(args.timeout)}")
    return 0


def _wait(stop: threading.Event, timeout: float | None) -> bool:
    """Block until ``stop`` is set (return False) or ``timeout`` seconds pass (return True)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while not stop.is_set():
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            return True
        stop.wait(0.2 if left is None else min(0.2, left))
    return False


def _on_sigterm(stop: threading.Event) -> Any:
    try:
        return signal.signal(signal.SIGTERM, lambda *_: stop.set())
    except ValueError:  # not the main thread: leave signals alone
        return None


def _restore_sigterm(previous: Any) -> None:
    if previous is not None:
        try:
            signal.signal(signal.SIGTERM, previous)
        except ValueError:
            pass
