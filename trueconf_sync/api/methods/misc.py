"""Rows of the method table: users, chat activity, surveys and command answers (PROTOCOL §3.29-§3.31, §12).

The survey rows fill the survey app's URL and the card's fallback text once connected (their
``finish`` hook reads the server's host from the :class:`~trueconf_sync.core.protocols.FinishContext`).
"""

from __future__ import annotations

from typing import Any

from ...core.protocols import FinishContext
from ...enums import ActivityType
from ...limits import MAX_TEXT_LENGTH, check_bool, check_choice, check_id, check_optional_id, check_title
from ..method import Payload, api
from .common import Timeout, as_, complete_user_id, key, models, nothing

__all__ = [
    "answer_command",
    "edit_survey",
    "get_user_display_name",
    "send_chat_activity",
    "send_survey",
]


# ---- users, activity (§3.29, §12.7) ----------------------------------------------------------


@api("getUserDisplayName", key("displayName", str), finish=complete_user_id)
def get_user_display_name(user_id: str, *, timeout: Timeout = None) -> Payload:
    """Return a user's display name."""
    return {"userId": check_id("user_id", user_id)}


@api("sendChatActivity", as_(lambda: models.ChatActivity))
def send_chat_activity(
    chat_id: str, activity_type: ActivityType | str = ActivityType.TYPING, *, timeout: Timeout = None
) -> Payload:
    """Show "typing..." (or another activity) in a chat; repeat after ``retry_after`` ms."""
    return {
        "chatId": check_id("chat_id", chat_id),
        "activityType": check_choice("activity_type", activity_type, ActivityType).value,
    }


# ---- surveys (§3.30, §3.31) --------------------------------------------------------------------

_SURVEY_LITERALS = {False: "{{Survey}}", True: "{{Anonymous survey}}"}


def _survey_url(context: FinishContext, payload: Payload) -> None:
    """Finish hook: fill the survey app's URL (``https://<server>/webtools/survey``) and ``alt``."""
    import html  # survey rows only: not loaded with the client
    import urllib.parse

    content = payload["content"]
    url = content.pop("url", None) or f"https://{context.host}/webtools/survey"
    if payload.get("chatId") is not None:  # sendSurvey carries the url, editSurvey does not
        content["url"] = url
    title = html.escape(content["title"], quote=True)
    path = urllib.parse.quote(content["path"], safe="")
    content["alt"] = f"\U0001f4ca <a href='{url}?id={path}&error=autologin_not_supported'>{title}</a>"


def _survey_content(path: Any, title: Any, anonymous: Any, url: Any) -> dict[str, Any]:
    content: dict[str, Any] = {
        "path": check_id("path", path),
        "title": check_title("title", title, limit=MAX_TEXT_LENGTH),
        "description": _SURVEY_LITERALS[check_bool("anonymous", anonymous)],
        "buttonText": "{{Go to survey}}",
    }
    if url is not None:
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ValueError(f"url must be an http(s) URL of the survey app, got {url!r}")
        content["url"] = url
    return content


@api("sendSurvey", as_(lambda: models.SentMessage), finish=_survey_url)
def send_survey(
    chat_id: str,
    path: str,
    title: str,
    *,
    anonymous: bool = False,
    reply_message_id: str | None = None,
    url: str | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Post a survey card: ``path`` is the survey campaign id on the server, ``title`` the card title.

    ``anonymous`` marks it as an anonymous survey; ``url`` overrides the survey app's address
    (default ``https://<server>/webtools/survey``). Returns :class:`~trueconf_sync.models.SentMessage`.
    """
    import hashlib  # survey rows only: not loaded with the client
    import secrets

    content = _survey_content(path, title, anonymous, url)
    content["appVersion"] = 1
    content["secret"] = hashlib.sha1((title + secrets.token_hex(8)).encode()).hexdigest()
    return {
        "chatId": check_id("chat_id", chat_id),
        "replyMessageId": check_optional_id("reply_message_id", reply_message_id),
        "content": content,
    }


@api("editSurvey", as_(lambda: models.EditedMessage), finish=_survey_url)
def edit_survey(
    message_id: str,
    path: str,
    title: str,
    *,
    anonymous: bool = False,
    url: str | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Change a survey card the bot posted. Returns :class:`~trueconf_sync.models.EditedMessage`."""
    return {"messageId": check_id("message_id", message_id), "content": _survey_content(path, title, anonymous, url)}


# ---- buttons (§12.6) ----------------------------------------------------------------------------


@api("answerCommand", nothing)
def answer_command(
    command_id: str,
    answer_type: str,
    text: str,
    *,
    status: str | None = None,
    visibility: str | None = None,
    level: str | None = None,
    timeout: Timeout = None,
) -> Payload:
    """Answer a command from a ``wait_reply`` button (server 5.5.6; apps may not show it yet).

    ``answer_type`` is ``complete``, ``timeout``, ``cancel`` or ``message``; ``text`` 1-255 ASCII
    characters; ``status``, ``visibility``, ``level`` as in PROTOCOL §12.6. Returns None.
    """
    from ...text.keyboard import command_answer_payload

    payload: Payload = command_answer_payload(
        check_id("command_id", command_id), answer_type, text, status=status, visibility=visibility, level=level
    )
    return payload
