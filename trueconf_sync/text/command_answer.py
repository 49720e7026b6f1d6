"""``answerCommand`` payloads (PROTOCOL §12.6): the reply to a ``waitReply`` button click."""

from __future__ import annotations

from typing import Any

import attrs

from ..limits import COMMAND_ANSWER_TEXT_LENGTH, check_choice, check_str
from .buttons import WireEnum

__all__ = ["AnswerLevel", "AnswerStatus", "AnswerType", "AnswerVisibility", "CommandAnswer", "command_answer_payload"]


class AnswerType(WireEnum):
    """``answerType`` of ``answerCommand``."""

    COMPLETE = "complete"
    TIMEOUT = "timeout"
    CANCEL = "cancel"
    MESSAGE = "message"


class AnswerStatus(WireEnum):
    """``message.status`` of ``answerCommand``."""

    UNKNOWN = "unknown"
    PENDING = "pending"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    CANCELED = "canceled"
    TIMEOUT = "timeout"


class AnswerVisibility(WireEnum):
    """``message.visibility`` of ``answerCommand``."""

    DEFAULT = "default"
    TOAST = "toast"
    STICKY = "sticky"
    ALERT = "alert"


class AnswerLevel(WireEnum):
    """``message.level`` of ``answerCommand``."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"


def _to_answer_type(value: AnswerType | str) -> AnswerType:
    return check_choice("answer_type", value, AnswerType)


def _to_status(value: AnswerStatus | str | None) -> AnswerStatus | None:
    return None if value is None else check_choice("status", value, AnswerStatus)


def _to_visibility(value: AnswerVisibility | str | None) -> AnswerVisibility | None:
    return None if value is None else check_choice("visibility", value, AnswerVisibility)


def _to_level(value: AnswerLevel | str | None) -> AnswerLevel | None:
    return None if value is None else check_choice("level", value, AnswerLevel)


def _validate_command_id(instance: Any, attribute: Any, value: Any) -> None:
    check_str("command_id", value)


def _validate_answer_text(instance: Any, attribute: Any, value: Any) -> None:
    check_str("text", value, *COMMAND_ANSWER_TEXT_LENGTH, ascii_only=True)


@attrs.frozen
class CommandAnswer:
    """An ``answerCommand`` request (§12.6): the reply to a ``waitReply`` click.

    The SDK keeps this method disabled because client apps do not support it
    yet; the shape is what the SDK would send.

    Args:
        command_id: ``commandId`` from the ``command`` event.
        answer_type: :class:`AnswerType` or its value.
        text: 1-255 ASCII characters.
        status: :class:`AnswerStatus` or its value, optional.
        visibility: :class:`AnswerVisibility` or its value, optional.
        level: :class:`AnswerLevel` or its value, optional.

    Raises:
        ValueError: a value is out of range (the message names it).
        TypeError: ``command_id`` or ``text`` is not a str.
    """

    command_id: str = attrs.field(validator=_validate_command_id)
    answer_type: AnswerType = attrs.field(converter=_to_answer_type)
    text: str = attrs.field(validator=_validate_answer_text)
    status: AnswerStatus | None = attrs.field(default=None, converter=_to_status)
    visibility: AnswerVisibility | None = attrs.field(default=None, converter=_to_visibility)
    level: AnswerLevel | None = attrs.field(default=None, converter=_to_level)

    def to_payload(self) -> dict[str, Any]:
        """Return the request payload; unset optional fields are left out."""
        message: dict[str, Any] = {"text": self.text}
        for key in ("status", "visibility", "level"):
            value = getattr(self, key)
            if value is not None:
                message[key] = value.value
        return {
            "commandId": self.command_id,
            "answerType": self.answer_type.value,
            "message": message,
        }


def command_answer_payload(
    command_id: str,
    answer_type: AnswerType | str,
    text: str,
    *,
    status: AnswerStatus | str | None = None,
    visibility: AnswerVisibility | str | None = None,
    level: AnswerLevel | str | None = None,
) -> dict[str, Any]:
    """Validate and build the ``answerCommand`` payload (§12.6).

    Args and Raises: as :class:`CommandAnswer`.

    Returns:
        ``{"commandId", "answerType", "message": {"text", "status"?,
        "visibility"?, "level"?}}``.
    """
    return CommandAnswer(
        command_id, answer_type, text, status=status, visibility=visibility, level=level
    ).to_payload()
