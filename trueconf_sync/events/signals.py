"""blinker signals for server events, and the table mapping each wire event to model + signal.

Both are made from the one list of event kinds (:data:`~trueconf_sync.events.kinds.KINDS`).

Every signal is sent with ``sender=<the Client>`` and the keywords ``event`` (the typed model),
``method`` (the wire method name) and ``frame`` (the decoded wire frame, as received; do not
change it), on a dispatcher thread, never on the reader thread. Receivers take ``**kwargs``.
Connect with ``sender=client`` so two clients in one process do not see each other's events::

    from trueconf_sync import signals

    @signals.message_received.connect_via(client)
    def on_message(client, event, **kwargs): ...

``event_received`` fires for every server request, after the specific signal, with the typed
event (or :class:`~trueconf_sync.models.RawEvent` for methods this library does not know).
``connection_state_changed`` fires with ``state`` and ``reason`` when the client connects,
disconnects or reconnects; ``reconnected`` fires with ``attempts`` and ``downtime`` (seconds)
once a dropped connection is authorised again (on the thread that reconnected).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from blinker import NamedSignal, Namespace

from .kinds import KINDS, EventKind

__all__ = [
    "EVENTS",
    "EventSpec",
    "button_clicked",
    "chat_avatar_changed",
    "chat_created",
    "chat_removed",
    "chat_title_changed",
    "connection_state_changed",
    "event_received",
    "file_progress",
    "history_cleared",
    "message_edited",
    "message_received",
    "message_removed",
    "participant_added",
    "participant_removed",
    "reconnected",
    "role_changed",
    "upload_limits_changed",
]

_ns = Namespace()

# One signal per event kind, made from the one list (events/kinds.py) at the end of this module.
# These annotations only tell type checkers and IDEs they exist; tests/test_event_kinds.py checks
# that they (and ``__all__``) name exactly the kinds' signals.
message_received: NamedSignal
message_edited: NamedSignal
message_removed: NamedSignal
chat_created: NamedSignal
chat_removed: NamedSignal
participant_added: NamedSignal
participant_removed: NamedSignal
role_changed: NamedSignal
chat_title_changed: NamedSignal
chat_avatar_changed: NamedSignal
history_cleared: NamedSignal
file_progress: NamedSignal
upload_limits_changed: NamedSignal
button_clicked: NamedSignal

# Signals that are not an event kind of their own.
event_received: NamedSignal = _ns.signal("event-received", doc="Every server request, typed or raw.")
connection_state_changed: NamedSignal = _ns.signal(
    "connection-state-changed", doc="The client's connection state changed (state, reason)."
)
reconnected: NamedSignal = _ns.signal(
    "reconnected", doc="Connected and authorised again after a drop (attempts, downtime in seconds)."
)


class EventSpec(NamedTuple):
    """How one wire event is read: its model class and the signal it fires."""

    model: type[Any]
    signal: NamedSignal
    name: str


def _make_signal(kind: EventKind) -> NamedSignal:
    """The blinker signal of one kind: named like its attribute, documented from the list."""
    doc = f"{kind.doc} Sent with ``event`` (:class:`~trueconf_sync.models.{kind.model_name}`) and ``method``."
    return _ns.signal(kind.signal_attr.replace("_", "-"), doc=doc)


#: ``client.on(name)`` accepts these names (and wire method names, and signals themselves).
SIGNALS_BY_NAME: dict[str, NamedSignal] = {kind.name: _make_signal(kind) for kind in KINDS}
SIGNALS_BY_NAME["event"] = event_received

#: Wire method of a server request -> (model, signal, name used by ``client.on(name)``). Made on
#: first use (module ``__getattr__``), as it holds the model classes: they load with it.
EVENTS: dict[str, EventSpec]


def __getattr__(name: str) -> Any:
    if name != "EVENTS":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    events = {method: EventSpec(kind.model, SIGNALS_BY_NAME[kind.name], kind.name)
              for kind in KINDS for method in kind.methods}
    globals()["EVENTS"] = events  # two threads may both build it: equal tables, either one is kept
    return events

globals().update({kind.signal_attr: SIGNALS_BY_NAME[kind.name] for kind in KINDS})
# ``trueconf_sync.signals`` re-exports ``__all__``: a kind not yet listed above still gets there.
__all__ += [kind.signal_attr for kind in KINDS if kind.signal_attr not in __all__]
