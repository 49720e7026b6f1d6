"""The one list of server event kinds: name, wire methods, model, signal, docstring.

Everything that names an event kind is generated from :data:`KINDS`:

* the blinker signals of :mod:`trueconf_sync.signals` and their docs,
* :data:`~trueconf_sync.events.signals.EVENTS` (wire method -> model, signal, name) and
  :data:`~trueconf_sync.events.signals.SIGNALS_BY_NAME` (what ``client.on(name)`` accepts),
* the ``client.on_<name>`` helpers (:class:`~trueconf_sync.events.registry.HandlerRegistry`),
* the bot router's observers ``@router.<name>(...)`` and :data:`trueconf_sync.bot.EVENT_KINDS`,
  with each kind's other names (:attr:`EventKind.aliases`: the official SDK's decorator name
  first) and its views (:attr:`EventKind.views`: SDK decorators that take only part of a kind,
  such as ``created_group_chat``, the ``chat_created`` events that came by ``createGroupChat``),
* the dispatcher's map from wire method to kind and views.

Adding a kind is one line here. Static type checkers and IDEs cannot see attributes made in a
loop, so each surface also declares its attributes with a type annotation (no value); the test
``tests/test_event_kinds.py`` fails when those declarations and this list disagree, and names
what to add. The surfaces themselves work from the list alone, declared or not.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

__all__ = ["ALIASES", "KINDS", "KINDS_BY_NAME", "VIEWS", "EventKind", "View"]


class ModelRef:
    """A model of :mod:`trueconf_sync.api.models` named here and imported on first use.

    The list below names its models without importing them: the models (some 30 attrs classes)
    load when an event is first parsed (the client loads them when it connects), not with
    ``from trueconf_sync import Client``.
    """

    __slots__ = ("__name__", "_cls")

    def __init__(self, name: str) -> None:
        self.__name__ = name
        self._cls: type[Any] | None = None

    def resolve(self) -> type[Any]:
        """The model class (imports the models the first time)."""
        cls = self._cls
        if cls is None:
            from ..api import models

            cls = self._cls = getattr(models, self.__name__)
        return cls

    def __repr__(self) -> str:
        return f"<model {self.__name__}>"


_MODELS = ("ButtonClicked", "Chat", "ChatAvatarChanged", "ChatRemoved", "ChatTitleChanged", "FileProgress",
           "HistoryCleared", "Message", "MessageEdited", "MessageRemoved", "ParticipantAdded",
           "ParticipantRemoved", "RoleChanged", "UploadLimits")

if TYPE_CHECKING:
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
else:  # the same names, as references the kinds resolve on first use
    globals().update({name: ModelRef(name) for name in _MODELS})


class View(NamedTuple):
    """A narrower name for part of one kind: the events of that kind for which ``when`` holds.

    Attributes:
        name: the router decorator (``@router.<name>()``); the official SDK's names.
        doc: one sentence saying what happened.
        when: ``when(method, event)``: does this event (typed, came by wire ``method``) belong here?
    """

    name: str
    doc: str
    when: Callable[[str, Any], bool]


def by_method(*methods: str) -> Callable[[str, Any], bool]:
    """A :attr:`View.when` predicate: the event came by one of these wire methods."""
    def when(method: str, event: Any) -> bool:
        return method in methods
    when.__qualname__ = f"by_method{methods!r}"
    return when


class EventKind(NamedTuple):
    """One kind of server event and how every surface names it.

    Attributes:
        name: the kind's name: ``client.on_<name>``, ``client.on("<name>")``, ``@router.<name>()``.
        methods: the wire methods (server requests, PROTOCOL §4) that carry this kind.
        model_ref: the typed model the payload is read into (handlers get an instance of it), as
            its class or a :class:`ModelRef`; :attr:`model` is the class.
        doc: one sentence saying what happened; the signal's and the helpers' docs start with it.
        signal: the attribute of :mod:`trueconf_sync.signals` (default: ``name``).
        aliases: other router decorator names for the whole kind; the official SDK's name first.
        views: router decorators for part of the kind (:class:`View`), e.g. one per chat type.
    """

    name: str
    methods: tuple[str, ...]
    model_ref: type[Any] | ModelRef
    doc: str
    signal: str = ""
    aliases: tuple[str, ...] = ()
    views: tuple[View, ...] = ()

    @property
    def model(self) -> type[Any]:
        """The model class (importing the models on first use)."""
        ref = self.model_ref
        return ref.resolve() if isinstance(ref, ModelRef) else ref

    @property
    def model_name(self) -> str:
        """The model's class name, without importing the models."""
        return self.model_ref.__name__

    @property
    def signal_attr(self) -> str:
        """The name of this kind's signal in :mod:`trueconf_sync.signals`."""
        return self.signal or self.name


#: Every server event kind this library types. Order: the order of the docs and of ``__all__``.
KINDS: tuple[EventKind, ...] = (
    EventKind("message", ("sendMessage",), Message, "A new message.", signal="message_received"),
    EventKind("message_edited", ("editMessage",), MessageEdited, "A message was edited.",
              aliases=("edited_message",)),
    EventKind("message_removed", ("removeMessage",), MessageRemoved, "A message was deleted.",
              aliases=("removed_message",)),
    EventKind("chat_created", ("createP2PChat", "createGroupChat", "createChannel", "createFavoritesChat"),
              Chat, "A chat with the bot appeared (``chat.chat_type`` tells which).", views=(
                  View("created_personal_chat", "A personal (P2P) chat appeared.", by_method("createP2PChat")),
                  View("created_group_chat", "A group chat with the bot appeared.", by_method("createGroupChat")),
                  View("created_channel", "A channel with the bot appeared.", by_method("createChannel")),
                  View("created_favorites_chat", "The bot's Favorites chat appeared.",
                       by_method("createFavoritesChat")))),
    EventKind("chat_removed", ("removeChat",), ChatRemoved, "A chat was deleted.", aliases=("removed_chat",)),
    EventKind("participant_added", ("addChatParticipant",), ParticipantAdded, "A member was added.",
              aliases=("added_chat_participant",)),
    EventKind("participant_removed", ("removeChatParticipant",), ParticipantRemoved, "A member was removed.",
              aliases=("removed_chat_participant",)),
    EventKind("role_changed", ("changeParticipantRole",), RoleChanged, "A member's role changed.",
              aliases=("changed_participant_role",)),
    EventKind("chat_title_changed", ("editChatTitle",), ChatTitleChanged, "A chat was renamed.",
              aliases=("edited_chat_title",)),
    EventKind("chat_avatar_changed", ("editChatAvatar",), ChatAvatarChanged, "A chat picture changed.",
              aliases=("edited_chat_avatar",)),
    EventKind("history_cleared", ("clearHistory",), HistoryCleared, "A chat's history was cleared.",
              aliases=("cleared_chat_history",)),
    EventKind("file_progress", ("uploadFileProgress",), FileProgress, "Upload progress of a subscribed file.",
              aliases=("uploading_progress",)),
    EventKind("upload_limits_changed", ("getFileUploadLimits",), UploadLimits, "New upload limits.",
              aliases=("changed_file_upload_limits",)),
    EventKind("button_clicked", ("command",), ButtonClicked, "A command button was clicked.",
              aliases=("callback_query", "button")),
)

#: ``KINDS`` by name.
KINDS_BY_NAME: dict[str, EventKind] = {kind.name: kind for kind in KINDS}

#: Every alias -> the name of its kind.
ALIASES: dict[str, str] = {alias: kind.name for kind in KINDS for alias in kind.aliases}

#: Every view by name -> (its kind's name, the view).
VIEWS: dict[str, tuple[str, View]] = {view.name: (kind.name, view) for kind in KINDS for view in kind.views}


def _check(kinds: tuple[EventKind, ...]) -> None:
    """Fail at import on a list that could not work (duplicate names or wire methods)."""
    names = [name for kind in kinds for name in (kind.name, *kind.aliases, *(view.name for view in kind.views))]
    methods = [method for kind in kinds for method in kind.methods]
    for label, values in (("name", names), ("wire method", methods)):
        dupes = sorted({value for value in values if values.count(value) > 1})
        if dupes:
            raise RuntimeError(f"event kinds: duplicate {label} {', '.join(dupes)}")
    for kind in kinds:
        own = (kind.name, *kind.aliases, *(view.name for view in kind.views))
        if not all(name.isidentifier() and name not in _RESERVED for name in own) or not kind.methods:
            raise RuntimeError(f"event kinds: bad entry {kind!r}")


#: Router names that are not event kinds (router-only observers and methods).
_RESERVED = frozenset({"event", "raw", "error", "system_message", "filter", "register", "middleware"})


_check(KINDS)
