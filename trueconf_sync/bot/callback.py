"""``CallbackQuery``: a button click as the official SDK's handlers see it, with blocking shortcuts.

It *is* a :class:`~trueconf_sync.models.ButtonClicked` (every filter and attribute of that works),
bound to the client that received it, plus:

* ``message`` / ``chat``: the message holding the button and its chat reference (or None);
* ``edit_message(text=..., parse_mode=..., buttons=...)``: edit that message. ``editMessage``
  replaces the whole content, so what is not given is kept: the text and parse mode come from the
  click event, and the buttons (which the click event leaves out) are read back with
  ``get_message_by_id`` unless given; ``buttons=None`` removes them;
* ``answer(text, answer_type=...)``: ``answerCommand`` for a ``waitReply`` button (§12.6).

The dispatcher hands these to ``@router.button_clicked()`` / ``@router.callback_query()`` handlers
(the event, and the ``callback_query`` / ``click`` values).
"""

from __future__ import annotations

from typing import Any

import attrs

from ..api.models import ButtonClicked, ChatRef, EditedMessage, Message, TextContent

__all__ = ["UNSET", "CallbackQuery"]


class _Unset:
    """Type of :data:`UNSET`."""

    def __repr__(self) -> str:
        return "UNSET"


#: "Keep what the message has" for :meth:`CallbackQuery.edit_message` (None means "remove").
UNSET: Any = _Unset()


@attrs.frozen
class CallbackQuery(ButtonClicked):
    """A :class:`ButtonClicked` bound to ``client``; see the module docs."""

    client: Any = attrs.field(default=None, repr=False, eq=False, kw_only=True)

    @classmethod
    def of(cls, click: ButtonClicked, client: Any) -> CallbackQuery:
        """The click ``click`` bound to ``client`` (returned as is when already one)."""
        if isinstance(click, CallbackQuery):
            return click
        made = cls(command_id=click.command_id, command_source=click.command_source,
                   command_payload=click.command_payload, raw=click.raw, client=client)
        return made

    def _bound(self) -> Any:
        if self.client is None:
            raise RuntimeError("this click is not bound to a client; call the client's methods instead")
        return self.client

    @property
    def message(self) -> Message | None:
        """The message holding the clicked button (without its buttons), when the server sent it."""
        return self.command_source.message

    @property
    def chat(self) -> ChatRef | None:
        """The chat reference of that message (servers 5.5.6+), else None."""
        message = self.message
        return message.chat if message is not None else None

    def edit_message(self, text: Any = UNSET, parse_mode: Any = UNSET, *, buttons: Any = UNSET,
                     timeout: float | None = None) -> EditedMessage:
        """Edit the message holding the button; what is not given stays as it is (see module docs).

        Raises:
            ValueError: the click carries no message, or the message has no text to keep.
        """
        message = self.message
        if message is None:
            raise ValueError("edit_message: this click carries no message (the server did not send it)")
        client = self._bound()
        if text is UNSET or parse_mode is UNSET:
            content = message.content
            if not isinstance(content, TextContent):
                raise ValueError("edit_message: the clicked message has no text to keep; pass text= and parse_mode=")
            text = content.text if text is UNSET else text
            parse_mode = content.parse_mode if parse_mode is UNSET else parse_mode
        if buttons is UNSET:
            current = client.get_message_by_id(message.message_id, timeout=timeout).content
            buttons = current.buttons if isinstance(current, TextContent) else None
        result: EditedMessage = client.edit_message(message.message_id, text, parse_mode=parse_mode,
                                                    buttons=buttons, timeout=timeout)
        return result

    def answer(self, text: str, *, answer_type: Any, status: Any = None, visibility: Any = None,
               level: Any = None, timeout: float | None = None) -> Any:
        """``answerCommand`` for this click (buttons sent with ``wait_reply=True``).

        Raises:
            ValueError: the server sent no ``commandId`` (the button did not wait for a reply).
        """
        if self.command_id is None:
            raise ValueError("answer: this click has no command_id (the button was not sent with wait_reply=True)")
        return self._bound().answer_command(self.command_id, answer_type, text, status=status,
                                            visibility=visibility, level=level, timeout=timeout)
