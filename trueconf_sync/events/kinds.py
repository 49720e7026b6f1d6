"""The one list of server event kinds: name, wire methods, model, signal, docstring.

Everything that names an event kind is generated from :data:`KINDS`:

* the blinker signals of :mod:`trueconf_sync.signals` and their docs,
* :data:`~trueconf_sync.events.signals.EVENTS` (wire method -> model, signal, name) and
  :data:`~trueconf_sync.events.signals.SIGNALS_BY_NAME` (what ``client.on(name)`` accepts),
* the ``client.on_<name>`` helpers (:class:`~trueconf_sync.events.registry.HandlerRegistry`),
* the bot router's observers ``@router.<name>(...)`` and :data:`trueconf_sync.bot.EVENT_KINDS`.

Adding a kind is one line here. Static type checkers and IDEs cannot see attributes made in a
loop, so each surface also declares its attributes with a type annotation (no value); the test
``tests/test_event_kinds.py`` fails when those declarations and this list disagree, and names
what to add. The surfaces themselves work from the list alone, declared or not.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from ..api.models import (
    ButtonClicked,
    Chat,
    ChatAvatarChanged,
    ChatRemoved,
    ChatTitleChanged,
    FileProgress,
    HistoryCleared,
    Message,
    MessageEdited,
    MessageRemoved,
    ParticipantAdded,
    ParticipantRemoved,
    RoleChanged,
    UploadLimits,
)

__all__ = ["KINDS", "KINDS_BY_NAME", "EventKind"]


class EventKind(NamedTuple):
    """One kind of server event and how every surface names it.

    Attributes:
        name: the kind's name: ``client.on_<name>``, ``client.on("<name>")``, ``@router.<name>()``.
        methods: the wire methods (server requests, PROTOCOL §4) that carry this kind.
        model: the typed model the payload is read into (handlers get an instance of it).
        doc: one sentence saying what happened; the signal's and the helpers' docs start with it.
        signal: the attribute of :mod:`trueconf_sync.signals` (default: ``name``).
    """

    name: str
    methods: tuple[str, ...]
    model: type[Any]
    doc: str
    signal: str = ""

    @property
    def signal_attr(self) -> str:
        """The name of this kind's signal in :mod:`trueconf_sync.signals`."""
        return self.signal or self.name


#: Every server event kind this library types. Order: the order of the docs and of ``__all__``.
KINDS: tuple[EventKind, ...] = (
    EventKind("message", ("sendMessage",), Message, "A new message.", signal="message_received"),
    EventKind("message_edited", ("editMessage",), MessageEdited, "A message was edited."),
    EventKind("message_removed", ("removeMessage",), MessageRemoved, "A message was deleted."),
    EventKind("chat_created", ("createP2PChat", "createGroupChat", "createChannel", "createFavoritesChat"),
              Chat, "A chat with the bot appeared (``chat.chat_type`` tells which)."),
    EventKind("chat_removed", ("removeChat",), ChatRemoved, "A chat was deleted."),
    EventKind("participant_added", ("addChatParticipant",), ParticipantAdded, "A member was added."),
    EventKind("participant_removed", ("removeChatParticipant",), ParticipantRemoved, "A member was removed."),
    EventKind("role_changed", ("changeParticipantRole",), RoleChanged, "A member's role changed."),
    EventKind("chat_title_changed", ("editChatTitle",), ChatTitleChanged, "A chat was renamed."),
    EventKind("chat_avatar_changed", ("editChatAvatar",), ChatAvatarChanged, "A chat picture changed."),
    EventKind("history_cleared", ("clearHistory",), HistoryCleared, "A chat's history was cleared."),
    EventKind("file_progress", ("uploadFileProgress",), FileProgress, "Upload progress of a subscribed file."),
    EventKind("upload_limits_changed", ("getFileUploadLimits",), UploadLimits, "New upload limits."),
    EventKind("button_clicked", ("command",), ButtonClicked, "A command button was clicked."),
)

#: ``KINDS`` by name.
KINDS_BY_NAME: dict[str, EventKind] = {kind.name: kind for kind in KINDS}


def _check(kinds: tuple[EventKind, ...]) -> None:
    """Fail at import on a list that could not work (duplicate names or wire methods)."""
    names = [kind.name for kind in kinds]
    methods = [method for kind in kinds for method in kind.methods]
    for label, values in (("name", names), ("wire method", methods)):
        dupes = sorted({value for value in values if values.count(value) > 1})
        if dupes:
            raise RuntimeError(f"event kinds: duplicate {label} {', '.join(dupes)}")
    for kind in kinds:
        if not kind.name.isidentifier() or kind.name in ("event", "raw") or not kind.methods:
            raise RuntimeError(f"event kinds: bad entry {kind!r}")


_check(KINDS)
