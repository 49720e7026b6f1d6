"""The method table: every client request of PROTOCOL §3 and §12, one row each.

A row is a payload builder decorated with ``@api(wire_name, result_parser)``. Its signature and
docstring are the public API (``client.send_message(...)``); the body only validates and builds
the payload. The rows live in topic modules (:mod:`.messages`, :mod:`.chats`,
:mod:`.participants`, :mod:`.files`, :mod:`.misc`); :class:`ApiMethods` below is the one table
that lists them, and :class:`~trueconf_sync.Client` inherits it, so each row is available as
``client.<name>(...)`` (blocking) and ``client.<name>.future(...)``.

Importing this module checks the table (:func:`check_table`): a wire method listed twice, or a
row a topic module defines but the table leaves out, is an ImportError, not a silent overwrite.
"""

from __future__ import annotations

from types import ModuleType

from ..method import ApiMethod
from . import chats, files, messages, misc, participants
from .chats import (
    clear_history,
    create_channel,
    create_favorites_chat,
    create_group_chat,
    create_p2p_chat,
    edit_chat_avatar_by_temporal_id,
    edit_chat_title,
    get_chat_by_id,
    get_chats,
    remove_chat,
)
from .common import complete_user_id
from .files import (
    create_upload_task,
    get_file_info,
    get_file_upload_limits,
    send_file_by_temporal_id,
    subscribe_file_progress,
    unsubscribe_file_progress,
)
from .messages import (
    edit_message,
    forward_message,
    get_chat_history,
    get_message_by_id,
    remove_message,
    send_message,
)
from .misc import answer_command, edit_survey, get_user_display_name, send_chat_activity, send_survey
from .participants import (
    add_chat_participant,
    change_participant_role,
    get_chat_participant,
    get_chat_participants,
    has_chat_participant,
    remove_chat_participant,
)

__all__ = ["ApiMethods", "check_table", "complete_user_id", "rows", "send_chat_activity"]

#: The topic modules whose rows make up the table.
MODULES: tuple[ModuleType, ...] = (messages, chats, participants, files, misc)


class ApiMethods:
    """The table of request methods; :class:`~trueconf_sync.Client` inherits every row."""

    send_message = send_message
    edit_message = edit_message
    remove_message = remove_message
    forward_message = forward_message
    get_message_by_id = get_message_by_id
    get_chat_history = get_chat_history
    create_p2p_chat = create_p2p_chat
    create_group_chat = create_group_chat
    create_channel = create_channel
    create_favorites_chat = create_favorites_chat
    remove_chat = remove_chat
    get_chats = get_chats
    get_chat_by_id = get_chat_by_id
    add_chat_participant = add_chat_participant
    remove_chat_participant = remove_chat_participant
    has_chat_participant = has_chat_participant
    get_chat_participant = get_chat_participant
    get_chat_participants = get_chat_participants
    change_participant_role = change_participant_role
    edit_chat_title = edit_chat_title
    edit_chat_avatar_by_temporal_id = edit_chat_avatar_by_temporal_id
    clear_history = clear_history
    create_upload_task = create_upload_task
    send_file_by_temporal_id = send_file_by_temporal_id
    get_file_info = get_file_info
    subscribe_file_progress = subscribe_file_progress
    unsubscribe_file_progress = unsubscribe_file_progress
    get_file_upload_limits = get_file_upload_limits
    get_user_display_name = get_user_display_name
    send_chat_activity = send_chat_activity
    send_survey = send_survey
    edit_survey = edit_survey
    answer_command = answer_command


def rows(table: type = ApiMethods) -> dict[str, ApiMethod[..., object]]:
    """The rows of ``table`` by attribute name (its own and inherited ones, in definition order)."""
    found: dict[str, ApiMethod[..., object]] = {}
    for cls in reversed(table.__mro__):
        found.update({name: row for name, row in vars(cls).items() if isinstance(row, ApiMethod)})
    return found


def check_table(table: type = ApiMethods, modules: tuple[ModuleType, ...] = MODULES) -> None:
    """Raise ImportError if two rows of ``table`` share a wire method or a row of ``modules`` is left out."""
    listed = rows(table)
    seen: dict[str, str] = {}
    for name, row in listed.items():
        if row.wire in seen:
            raise ImportError(f"wire method {row.wire!r} is in the method table twice: {seen[row.wire]} and {name}")
        seen[row.wire] = name
    in_table = {id(row) for row in listed.values()}
    for module in modules:
        for name, row in vars(module).items():
            if isinstance(row, ApiMethod) and id(row) not in in_table:
                raise ImportError(f"{module.__name__}.{name} ({row.wire}) is not listed in the method table")


check_table()
