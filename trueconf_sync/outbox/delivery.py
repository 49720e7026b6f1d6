"""Sending one outbox entry through a client: recipients, parts, the crash check and error classes.

:class:`Courier` turns a stored :class:`~.store.Entry` into server calls and records each answer in
the :class:`~.store.Store` as it arrives. It decides what a failure means:

* the TrueConf server cannot be reached (connection lost, no answer in time, client closed):
  :class:`Outage` -- the entry stays as it is and the caller waits and tries again; no attempt is
  counted, so an outage of any length loses nothing and dead-letters nothing;
* a permanent refusal (unknown user, no right to write, unknown chat, a URL the relay may not
  fetch, an argument the server calls malformed): a dead letter at once;
* anything else (server-side internal error, a URL's server failing): one attempt used, retried
  later with exponential backoff, a dead letter after ``max_attempts``.

The crash check: a part marked in flight when the process died may or may not have reached the
chat. Entries without a key are sent again (at least once). For an entry with a ``key`` the chat's
recent history is read first; see :meth:`Courier.find_delivered` for what counts as found.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

import attrs

from ..errors import ApiError, AuthError, ConnectionLostError, RequestTimeoutError
from ..files.errors import FileDownloadError
from ..files.remote import RemoteAddressError, RemoteFile, fetch
from ..ids import same_user
from .store import Entry, Store

if TYPE_CHECKING:
    from ..client import Client

__all__ = ["PERMANENT_CODES", "Courier", "DeliveryOptions", "Outage"]

log = logging.getLogger("trueconf_sync.outbox")

#: ``errorCode`` values that will not change by trying again (PROTOCOL §7, §12.10): no right to
#: write, not a member, unknown chat/message/file, malformed request, file refused.
PERMANENT_CODES = frozenset({302, 303, 304, 305, 306, 307, 308, 312, 399, 402, 403, 404, 406, 407, 408})
#: ``createP2PChat`` errors that may pass (any other means the user cannot be written to).
TRANSIENT_P2P_CODES = frozenset({300, 301})
#: Allowed clock difference between this host and the server when reading history after a crash.
CLOCK_SKEW = 300.0


class Outage(Exception):
    """The TrueConf server cannot be reached now; try the same entry again after a pause."""


class _Failed(Exception):
    """An entry's try failed; ``permanent`` makes it a dead letter."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


@attrs.frozen
class DeliveryOptions:
    """How hard to try: attempts before a dead letter, backoff, the crash check's history depth."""

    max_attempts: int = 10
    backoff_base: float = 1.0
    backoff_max: float = 300.0
    history_depth: int = 50
    allowed_networks: tuple[str, ...] = ()
    max_file_size: int = 64 * 1024 * 1024
    fetch_timeout: float = 30.0

    def retry_delay(self, attempts: int) -> float:
        """Seconds before try number ``attempts + 1`` of an entry (exponential, capped)."""
        return float(min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1)))


class Courier:
    """Delivers entries of one :class:`Store` through one connected (or reconnecting) client."""

    def __init__(self, store: Store, client: Client, options: DeliveryOptions,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.client = client
        self.options = options
        self.clock = clock
        #: when this courier started: entries older than that may have been sent by a previous process
        self.started = clock()
        self._seen: set[str] = set()
        self._uncertain: set[int] = set()

    # ---- one entry ---------------------------------------------------------------------------

    def deliver(self, entry: Entry) -> bool:
        """Send what is left of ``entry``; True when it is now sent, False when it failed (recorded).

        Raises:
            Outage: the server is unreachable; nothing about the entry changed.
        """
        try:
            self._ensure_connected()
            chat_id = self._chat_of(entry)
            done = entry.done
            if self._maybe_sent(entry):
                found = self.find_delivered(entry, chat_id)
                if found is not None:
                    log.info("outbox: entry %d (key given) had reached the chat already; not sent again", entry.id)
                    self.store.finish_part(entry.id, chat_id, [found], last=done + 1 >= entry.parts)
                    done += 1
            for part in range(done, entry.parts):
                self._uncertain.add(entry.id)  # from here until its answer is recorded
                try:
                    ids = self._send_part(entry, part, chat_id)
                except ApiError as exc:
                    if exc.code == 304 and entry.recipient.startswith("user:"):
                        # A cached personal chat that no longer exists: forget it and open it again.
                        self.store.remember_p2p(entry.recipient[5:], None)
                        chat_id = self._chat_of(entry)
                        ids = self._send_part(entry, part, chat_id)
                    else:
                        raise
                self.store.finish_part(entry.id, chat_id, ids, last=part + 1 >= entry.parts)
                self._uncertain.discard(entry.id)
            return True
        except (ConnectionLostError, RequestTimeoutError, AuthError) as exc:
            # AuthError too: refused credentials are the relay's problem, not the entry's.
            raise Outage(str(exc)) from exc
        except _Failed as exc:
            self._uncertain.discard(entry.id)
            self._record(entry, str(exc), exc.permanent)
        except ApiError as exc:
            self._uncertain.discard(entry.id)
            self._record(entry, str(exc), exc.code in PERMANENT_CODES)
        except (ValueError, TypeError, LookupError, OSError) as exc:
            # The stored arguments themselves are refused (checked at put, so only for files
            # changed since or limits changed): trying again cannot help.
            self._uncertain.discard(entry.id)
            self._record(entry, f"{type(exc).__name__}: {exc}", True)
        return False

    def _maybe_sent(self, entry: Entry) -> bool:
        """Whether the next part of ``entry`` may be in the chat although no answer was recorded.

        Only entries with a key are checked (the others are sent again: at least once). Two cases:
        this courier lost the connection (or the answer) while sending it; or the entry heads its
        recipient's queue as this courier starts, i.e. a previous process may have died between the
        send and the record (one part is sent at a time, and only a queue's head is ever sent).
        """
        needed = self._needs_check(entry)
        self._seen.add(entry.recipient)
        return needed

    def _needs_check(self, entry: Entry) -> bool:
        if entry.key is None:
            return False
        return (entry.recipient not in self._seen and entry.created < self.started) or entry.id in self._uncertain

    # ---- many entries at once ----------------------------------------------------------------

    def deliver_batch(self, entries: list[Entry]) -> int:
        """Deliver queue heads of different recipients together; return how many are now sent.

        Plain text entries whose chat is known go out pipelined (one request each, all in flight
        at once: at most one per recipient and per chat, so order per recipient holds) and their
        answers are recorded in one commit. The others go through :meth:`deliver` one by one.

        Raises:
            Outage: the server is unreachable (entries answered before are recorded).
        """
        fast: list[tuple[Entry, str]] = []
        chats: set[str] = set()
        sent = 0
        for entry in entries:
            chat_id = self._known_chat(entry)
            if entry.files or entry.done or chat_id is None or chat_id in chats or self._needs_check(entry):
                sent += self.deliver(entry)
                continue
            chats.add(chat_id)
            fast.append((entry, chat_id))
        if not fast:
            return sent
        try:
            self._ensure_connected()
        except (ConnectionLostError, RequestTimeoutError, AuthError) as exc:
            raise Outage(str(exc)) from exc
        calls = []
        for entry, chat_id in fast:
            self._seen.add(entry.recipient)
            self._uncertain.add(entry.id)
            calls.append((entry, chat_id, self.client.send_message.future(chat_id, entry.text or "",
                                                                           parse_mode=entry.parse_mode)))
        answered: list[tuple[int, str, list[str]]] = []
        refused: list[tuple[Entry, ApiError]] = []
        outage: BaseException | None = None
        for entry, chat_id, future in calls:
            try:
                answered.append((entry.id, chat_id, [future.result().message_id]))
            except (ConnectionLostError, RequestTimeoutError, AuthError) as exc:
                outage = exc  # the entry stays uncertain: the crash check runs before it is resent
            except ApiError as exc:
                refused.append((entry, exc))
        self.store.finish_many(answered)
        for entry_id, _chat, _ids in answered:
            self._uncertain.discard(entry_id)
        for entry, error in refused:
            self._uncertain.discard(entry.id)
            if error.code == 304 and entry.recipient.startswith("user:"):
                self.store.remember_p2p(entry.recipient[5:], None)  # stale cached chat: reopen next time
                self.store.fail(entry.id, str(error), dead=False, count=False)
            else:
                self._record(entry, str(error), error.code in PERMANENT_CODES)
        if outage is not None:
            raise Outage(str(outage)) from outage
        return sent + len(answered)

    def _known_chat(self, entry: Entry) -> str | None:
        kind, _, target = entry.recipient.partition(":")
        return target if kind == "chat" else self.store.p2p_chat(target)

    def _record(self, entry: Entry, error: str, permanent: bool) -> None:
        attempts = entry.attempts + 1
        dead = permanent or attempts >= self.options.max_attempts
        retry_at = self.clock() + self.options.retry_delay(attempts)
        self.store.fail(entry.id, error, dead=dead, next_try=retry_at)
        if dead:
            log.warning("outbox: entry %d is a dead letter after %d attempt(s): %s", entry.id, attempts, error)
        else:
            log.info("outbox: entry %d failed (attempt %d of %d), retrying: %s", entry.id, attempts,
                     self.options.max_attempts, error)

    def _ensure_connected(self) -> None:
        if self.client.connected:
            return
        if self.client.state in ("connecting", "reconnecting"):
            # Calls would wait for the reconnect up to their timeout; a short wait here lets
            # the outage be noticed (and reported by /healthz) within about a second.
            if not self.client.wait_connected(1.0):
                raise Outage(f"the client is {self.client.state}")
            return
        self.client.connect()  # ConnectionLostError, AuthError -> Outage

    def _chat_of(self, entry: Entry) -> str:
        kind, _, target = entry.recipient.partition(":")
        if kind == "chat":
            return target
        cached = self.store.p2p_chat(target)
        if cached is not None:
            return cached
        try:
            chat_id = self.client.create_p2p_chat(target)
        except AuthError:
            raise
        except ApiError as exc:
            raise _Failed(f"cannot open a personal chat with {target!r}: {exc}",
                          permanent=exc.code not in TRANSIENT_P2P_CODES) from exc
        self.store.remember_p2p(target, chat_id)
        return str(chat_id)

    # ---- parts -------------------------------------------------------------------------------

    def _send_part(self, entry: Entry, part: int, chat_id: str) -> list[str]:
        if not entry.files:
            sent = self.client.send_message(chat_id, entry.text or "", parse_mode=entry.parse_mode)
            return [sent.message_id]
        item = entry.files[part]
        data, name = self._file_data(item, part)
        caption = entry.text if part == 0 and entry.text else None
        result = self.client.send_file(chat_id, data, caption=caption, file_name=name,
                                       parse_mode=entry.parse_mode if caption is not None else None)
        return [result.message_id] + ([result.caption_message_id] if result.caption_message_id else [])

    def _file_data(self, item: dict[str, Any], part: int) -> tuple[bytes, str]:
        if "blob" in item:
            return self.store.blob(int(item["blob"])), str(item.get("name") or "file")
        argument = f"files[{part}]"
        remote = RemoteFile(item["url"], timeout=self.options.fetch_timeout, max_size=self.options.max_file_size,
                            allowed_networks=self.options.allowed_networks)

        def too_large(size: int) -> Exception:
            return _Failed(f"{argument}: larger than the outbox's max_file_size {self.options.max_file_size:,} "
                           f"bytes ({size:,})", permanent=True)

        try:
            name, _type, body, _size = fetch(remote, argument, self.options.max_file_size, too_large, _spool)
        except RemoteAddressError as exc:
            raise _Failed(str(exc), permanent=True) from exc
        except FileDownloadError as exc:
            raise _Failed(str(exc), permanent=400 <= exc.status < 500 and exc.status not in (408, 429)) from exc
        except (ConnectionLostError, RequestTimeoutError) as exc:
            # The URL's server failed, not TrueConf: an attempt, not an outage.
            raise _Failed(str(exc), permanent=False) from exc
        with body:
            return body.read(), name or "file"

    # ---- the crash check ---------------------------------------------------------------------

    def find_delivered(self, entry: Entry, chat_id: str) -> str | None:
        """The id of the in-flight part of ``entry`` if the chat shows it arrived, else None.

        The key is not put into the message (TrueConf messages carry no metadata, and alert text
        should stay as written); it marks the entry as one the caller wants deduplicated. A message
        counts as this part when, among the chat's ``history_depth`` newest messages, it

        * is newer than the last message this outbox recorded as delivered into the chat (the
          entry's own earlier parts included) and not older than the entry (minus clock skew),
        * was written by the bot's own account, and
        * has the part's content: the same text (a text part), or a file of the same name.

        Only one part is ever in flight, and the outbox records every message it delivered, so
        a match is this part and no other entry's (unless the same bot account wrote the same text
        into the chat by other means within that window).
        """
        history = self.client.get_chat_history(chat_id, count=self.options.history_depth)
        anchor = self.store.anchor(chat_id)
        me = self.client.user_id or ""
        since_ms = (entry.created - CLOCK_SKEW) * 1000
        part = entry.done
        for message in history:  # newest first
            if message.message_id == anchor or message.timestamp < since_ms:
                break
            if not same_user(message.author.id, me, me):
                continue
            content: Any = message.content
            if not entry.files:
                if int(message.type) == 200 and getattr(content, "text", None) == entry.text:
                    return message.message_id
            elif int(message.type) == 202:
                name = entry.files[part].get("name")
                if name is None or getattr(content, "name", None) == name:
                    return message.message_id
        return None


def _spool(read: Callable[[int], bytes], limit: int, too_large: Callable[[int], Exception]) -> tuple[IO[bytes], int]:
    buffer = io.BytesIO()
    size = 0
    while chunk := read(65536):
        size += len(chunk)
        if size > limit:
            raise too_large(size)
        buffer.write(chunk)
    buffer.seek(0)
    return buffer, size


def classify_recipient(to: str | None, chat_id: str | None) -> str:
    """The stored recipient: ``"user:<login>"`` for ``to``, ``"chat:<id>"`` for ``chat_id``."""
    from ..limits import check_id

    if (to is None) == (chat_id is None):
        raise ValueError("give exactly one of to (a TrueConf user id or login) and chat_id")
    if to is not None:
        return "user:" + check_id("to", to)
    return "chat:" + check_id("chat_id", chat_id)

