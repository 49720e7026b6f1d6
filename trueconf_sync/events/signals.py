"""blinker signals for server events, and the table mapping each wire event to model + signal.

Every signal is sent with ``sender=<the Client>`` and two keywords, ``event`` (the typed model)
and ``method`` (the wire method name), on a dispatcher thread, never on the reader thread.
Connect with ``sender=client`` so two clients in one process do not see each other's events::

    from . import signals

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

message_received: NamedSignal = _ns.signal("message-received", doc="A new message (Message).")
message_edited: NamedSignal = _ns.signal("message-edited", doc="A message was edited (MessageEdited).")
message_removed: NamedSignal = _ns.signal("message-removed", doc="A message was deleted (MessageRemoved).")
chat_created: NamedSignal = _ns.signal("chat-created", doc="A chat with the bot appeared (Chat).")
chat_removed: NamedSignal = _ns.signal("chat-removed", doc="A chat was deleted (ChatRemoved).")
participant_added: NamedSignal = _ns.signal("participant-added", doc="A member was added.")
participant_removed: NamedSignal = _ns.signal("participant-removed", doc="A member was removed.")
role_changed: NamedSignal = _ns.signal("role-changed", doc="A member's role changed.")
chat_title_changed: NamedSignal = _ns.signal("chat-title-changed", doc="A chat was renamed.")
chat_avatar_changed: NamedSignal = _ns.signal("chat-avatar-changed", doc="A chat picture changed.")
history_cleared: NamedSignal = _ns.signal("history-cleared", doc="A chat's history was cleared.")
file_progress: NamedSignal = _ns.signal("file-progress", doc="Upload progress of a subscribed file.")
upload_limits_changed: NamedSignal = _ns.signal("upload-limits-changed", doc="New upload limits.")
button_clicked: NamedSignal = _ns.signal("button-clicked", doc="A command button was clicked.")
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


#: Wire method of a server request -> (model, signal, name used by ``client.on(name)``).
EVENTS: dict[str, EventSpec] = {
    "sendMessage": EventSpec(Message, message_received, "message"),
    "editMessage": EventSpec(MessageEdited, message_edited, "message_edited"),
    "removeMessage": EventSpec(MessageRemoved, message_removed, "message_removed"),
    "createP2PChat": EventSpec(Chat, chat_created, "chat_created"),
    "createGroupChat": EventSpec(Chat, chat_created, "chat_created"),
    "createChannel": EventSpec(Chat, chat_created, "chat_created"),
    "createFavoritesChat": EventSpec(Chat, chat_created, "chat_created"),
    "removeChat": EventSpec(ChatRemoved, chat_removed, "chat_removed"),
    "addChatParticipant": EventSpec(ParticipantAdded, participant_added, "participant_added"),
    "removeChatParticipant": EventSpec(ParticipantRemoved, participant_removed, "participant_removed"),
    "changeParticipantRole": EventSpec(RoleChanged, role_changed, "role_changed"),
    "editChatTitle": EventSpec(ChatTitleChanged, chat_title_changed, "chat_title_changed"),
    "editChatAvatar": EventSpec(ChatAvatarChanged, chat_avatar_changed, "chat_avatar_changed"),
    "clearHistory": EventSpec(HistoryCleared, history_cleared, "history_cleared"),
    "uploadFileProgress": EventSpec(FileProgress, file_progress, "file_progress"),
    "getFileUploadLimits": EventSpec(UploadLimits, upload_limits_changed, "upload_limits_changed"),
    "command": EventSpec(ButtonClicked, button_clicked, "button_clicked"),
}

#: ``client.on(name)`` accepts these names (and wire method names, and signals themselves).
SIGNALS_BY_NAME: dict[str, NamedSignal] = {spec.name: spec.signal for spec in EVENTS.values()}
SIGNALS_BY_NAME["event"] = event_received
