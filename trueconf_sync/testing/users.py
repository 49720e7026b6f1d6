"""``SimulatedUser``: a human acting through "the TrueConf app", driven from test code.

Every method blocks until the server loop has done the work; protocol errors surface as
:class:`~trueconf_sync.testing.errors.ApiError` (e.g. 303 without rights).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from . import actions, files, permissions as perm
from .buttons import find_button
from .core import Core
from .state import Chat, Message, User

if TYPE_CHECKING:
    from .server import FakeTrueConfServer

Envelope = dict[str, Any]


class SimulatedUser:
    """One account acting without a bot connection; obtain it with ``server.user(login)``."""

    def __init__(self, server: FakeTrueConfServer, user_id: str) -> None:
        self._server = server
        self.user_id = user_id
        self.login = user_id.split("@", 1)[0]
        self._returned: set[str] = set()

    def __repr__(self) -> str:
        return f"SimulatedUser({self.user_id!r})"

    # --- helpers ------------------------------------------------------------------------------

    @property
    def _core(self) -> Core:
        return self._server.core

    def _user(self, login: str) -> User:
        return self._core.state.require_user(login, self._core.config.unknown_user_code)

    def _chat(self, chat_id: str) -> Chat:
        return self._core.state.require_chat(chat_id)

    def _message(self, message_id: str) -> Message:
        return self._core.state.require_message(message_id, self.user_id)

    def _post(self, chat_id: str, msg_type: int, content: dict[str, Any],
              reply_message_id: str | None = None) -> str:
        def work() -> str:
            msg = actions.post_message(self._core, self.user_id, self._chat(chat_id), msg_type, content,
                                       reply_message_id=reply_message_id)
            return msg.message_id
        return self._server.call(work)

    # --- chats --------------------------------------------------------------------------------

    def p2p_chat_with(self, login: str) -> str:
        """Get or create the P2P chat with ``login`` (the peer hears of it with the first message)."""
        return self._server.call(lambda: actions.create_p2p(self._core, self.user_id, self._user(login),
                                                            None)[0].chat_id)

    def create_group_chat(self, title: str, members: list[str] | tuple[str, ...] = ()) -> str:
        """New group chat owned by this user; ``members`` (logins) get role ``user``."""
        return self._create(perm.GROUP, title, members)

    def create_channel(self, title: str, members: list[str] | tuple[str, ...] = ()) -> str:
        """New channel owned by this user; ``members`` get role ``user`` (read-only)."""
        return self._create(perm.CHANNEL, title, members)

    def _create(self, chat_type: int, title: str, members: list[str] | tuple[str, ...]) -> str:
        def work() -> str:
            ids = [self._user(m).user_id for m in members]
            return actions.create_chat(self._core, self.user_id, chat_type, title, ids, None).chat_id
        return self._server.call(work)

    def add_participant(self, chat_id: str, login: str, role: str = "user", display_history: bool = True) -> None:
        """Add a member to a group chat or channel."""
        self._server.call(lambda: actions.add_participant(self._core, self.user_id, self._chat(chat_id),
                                                          self._user(login), role, display_history, None))

    def remove_participant(self, chat_id: str, login: str) -> None:
        """Remove a member."""
        self._server.call(lambda: actions.remove_participant(self._core, self.user_id, self._chat(chat_id),
                                                             self._user(login), False, None))

    def change_role(self, chat_id: str, login: str, role: str) -> None:
        """Change a member's role (``admin``, ``user``, ``writer``, ``owner``)."""
        self._server.call(lambda: actions.change_role(self._core, self.user_id, self._chat(chat_id),
                                                      self._user(login), role, None))

    def rename_chat(self, chat_id: str, title: str) -> None:
        """Rename a group chat or channel."""
        self._server.call(lambda: actions.edit_title(self._core, self.user_id, self._chat(chat_id), title, None))

    def set_chat_avatar(self, chat_id: str, avatar_url: str | None) -> None:
        """Set (or remove with ``None``) the chat picture."""
        self._server.call(lambda: actions.edit_avatar(self._core, self.user_id, self._chat(chat_id),
                                                      avatar_url, None))

    def clear_history(self, chat_id: str, for_all: bool = True) -> None:
        """Clear a chat's history for everybody or only for this user."""
        self._server.call(lambda: actions.clear_history(self._core, self.user_id, self._chat(chat_id),
                                                        for_all, None))

    def remove_chat(self, chat_id: str) -> None:
        """Delete a chat for everybody (owner rights needed)."""
        self._server.call(lambda: actions.remove_chat(self._core, self.user_id, self._chat(chat_id), None))

    # --- messages -----------------------------------------------------------------------------

    def send_message(self, chat_id: str, text: str, parse_mode: str = "text",
                     reply_message_id: str | None = None) -> str:
        """Post a text message; bots in the chat get a ``sendMessage`` event. Returns its id."""
        return self._post(chat_id, 200, {"text": text, "parseMode": parse_mode}, reply_message_id)

    def edit_message(self, message_id: str, text: str, parse_mode: str = "text") -> None:
        """Edit one's own text message (``editMessage`` event)."""
        self._server.call(lambda: actions.edit_message(self._core, self.user_id, self._message(message_id),
                                                       {"text": text, "parseMode": parse_mode}, None))

    def remove_message(self, message_id: str, for_all: bool = True) -> None:
        """Delete a message (``removeMessage`` event)."""
        self._server.call(lambda: actions.remove_message(self._core, self.user_id, self._message(message_id),
                                                         for_all, None))

    def forward_message(self, message_id: str, chat_id: str) -> str:
        """Forward a message into ``chat_id``; returns the new (type 201) message id."""
        return self._server.call(lambda: actions.forward_message(
            self._core, self.user_id, self._message(message_id), self._chat(chat_id), None).message_id)

    def send_location(self, chat_id: str, latitude: float, longitude: float, title: str = "") -> str:
        """Post a type-203 location."""
        return self._post(chat_id, 203, {"latitude": latitude, "longitude": longitude, "title": title})

    def send_survey(self, chat_id: str, title: str, path: str = "survey", anonymous: bool = False) -> str:
        """Post a type-204 survey card shaped like the SDK's (§3.30)."""
        url = f"https://{self._core.config.server_name}/webtools/survey"
        content = {"url": url, "appVersion": 1, "path": path, "title": title,
                   "description": "{{Anonymous survey}}" if anonymous else "{{Survey}}",
                   "buttonText": "{{Go to survey}}",
                   "secret": hashlib.sha1((title + secrets.token_hex(8)).encode()).hexdigest(),
                   "alt": f"📊 <a href='{url}?id={path}&error=autologin_not_supported'>{title}</a>"}
        return self._post(chat_id, 204, content)

    def send_file(self, chat_id: str, name: str, data: bytes, mime_type: str = "application/octet-stream",
                  uploading_seconds: float | None = None) -> str:
        """Post a type-202 attachment; it stays UPLOADING for ``uploading_seconds`` (config default)."""
        def work() -> str:
            temp = files.new_temp_file(self._core, self.user_id, name, data, mime_type)
            stored = files.publish(self._core, temp, uploading_seconds)
            msg = actions.post_message(self._core, self.user_id, self._chat(chat_id), 202,
                                       files.attachment_content(stored))
            return msg.message_id
        return self._server.call(work)

    def send_voice(self, chat_id: str, data: bytes, mime_type: str = "audio/ogg", duration: int = 1) -> str:
        """Post a type-205 voice message (§12.8)."""
        def work() -> str:
            temp = files.new_temp_file(self._core, self.user_id, "voice", data, mime_type)
            stored = files.publish(self._core, temp, 0)
            content = {"fileId": stored.file_id, "size": stored.size, "mimeType": mime_type, "duration": duration}
            return actions.post_message(self._core, self.user_id, self._chat(chat_id), 205, content).message_id
        return self._server.call(work)

    # --- reading ------------------------------------------------------------------------------

    def _visible_from_others(self, chat_id: str | None, include_system: bool) -> list[Message]:
        state = self._core.state
        chats = [state.chats[chat_id]] if chat_id is not None and chat_id in state.chats else (
            [] if chat_id is not None else state.chats_of(self.user_id))
        found = [m for c in chats for m in state.visible_messages(c, self.user_id)
                 if m.author_id != self.user_id and (include_system or not m.is_system)]
        found.sort(key=lambda m: (m.timestamp, m.box_id))
        return found

    def inbox(self, chat_id: str | None = None, include_system: bool = False) -> list[Envelope]:
        """Envelopes others wrote that this user can see (oldest first); marks them read.

        System envelopes (type < 200) are left out unless ``include_system``.
        """
        def work() -> list[Envelope]:
            render = self._core.render
            messages = self._visible_from_others(chat_id, include_system)
            for msg in messages:
                msg.unread_by.discard(self.user_id)
            return [render.envelope(m, self.user_id) for m in messages]
        return self._server.call(work)

    def wait_for_message(self, chat_id: str | None = None, predicate: Callable[[Envelope], bool] | None = None,
                         timeout: float = 5.0, include_system: bool = False) -> Envelope:
        """The first envelope by someone else not yet returned by this method, matching ``predicate``.

        System envelopes are skipped unless ``include_system``. Raises :class:`TimeoutError` when
        none arrives within ``timeout`` seconds.
        """
        def work() -> Envelope | None:
            render = self._core.render
            for msg in self._visible_from_others(chat_id, include_system):
                if msg.message_id in self._returned:
                    continue
                envelope = render.envelope(msg, self.user_id)
                if predicate is None or predicate(envelope):
                    self._returned.add(msg.message_id)
                    msg.unread_by.discard(self.user_id)
                    return envelope
            return None

        found: list[Envelope] = []

        def check(server: FakeTrueConfServer) -> bool:
            result = server.call(work)
            if result is not None:
                found.append(result)
            return bool(found)
        try:
            self._server.wait_for(check, timeout)
        except TimeoutError:
            raise TimeoutError(f"{self.user_id}: no matching message within {timeout}s") from None
        return found[0]

    # --- buttons ------------------------------------------------------------------------------

    def click_button(self, message_id: str, button: str) -> list[int]:
        """Click a ``command`` button (by ``id`` or ``command``): a ``command`` event goes to the bot
        that sent the message (or the button's ``to``), §12.5. Returns the server ids used."""
        def work() -> list[int]:
            core = self._core
            msg = self._message(message_id)
            found = find_button(msg.content.get("buttons"), button)
            if found is None:
                raise ValueError(f"message {message_id} has no command button {button!r}")
            target = self._user(found["to"]).user_id if found.get("to") else msg.author_id
            envelope = core.render.envelope(msg, target)
            envelope["content"].pop("buttons", None)
            source: dict[str, Any] = {"type": "button", "message": envelope}
            if "id" in found:
                source["buttonId"] = found["id"]
            if found.get("waitReply"):
                source["waitReply"] = True
            command: dict[str, Any] = {"type": "command", "command": found["command"]}
            if "customData" in found:
                command["customData"] = found["customData"]
            payload: dict[str, Any] = {"commandSource": source, "commandPayload": command}
            if core.config.command_ids:
                payload = {"commandId": f"{int(time.time() * 1000)}-{secrets.token_hex(8)}", **payload}
            return core.emit([target], "command", payload, include_acting=True)
        return self._server.call(work)

