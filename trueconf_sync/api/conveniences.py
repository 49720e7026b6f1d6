"""``ConvenienceMethods``: one-call helpers built on rows of the method table (a mixin of the Client).

* :meth:`~ConvenienceMethods.send_to_user` -- send to a person: the personal chat is created or
  reused (``createP2PChat``, cached per client), like posting to a user in slack_sdk;
* :meth:`~ConvenienceMethods.personal_chat_id` -- that cached chat id, e.g. for ``send_file``;
* :meth:`~ConvenienceMethods.iter_chats` and :meth:`~ConvenienceMethods.iter_history` -- lazy
  iterators that fetch ``getChats`` / ``getChatHistory`` page by page as they are consumed;
* :meth:`~ConvenienceMethods.typing` -- "typing..." shown while a block runs;
* :meth:`~ConvenienceMethods.server_info` -- the server's version (HTTP, no connection needed).

These are not rows of the table because each is more than one request (a row is exactly one) or
not a WebSocket request at all;
they send through the same rows, so validation, the request path and the results are the rows'.
The mixin reaches the client only through its ``core`` (:class:`~trueconf_sync.core.protocols.ClientCore`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from ..core.protocols import ClientCore
from ..enums import ActivityType, ParseMode
from ..errors import ApiError
from ..limits import check_count, check_id, check_optional_id
from .methods.chats import create_p2p_chat, get_chats
from .methods.messages import get_chat_history, send_message

if TYPE_CHECKING:
    from ..text.formatting import FormattedText
    from ..text.keyboard import InlineKeyboard
    from .activity import ChatActivityKeeper
    from .models import Chat, Message, SentMessage
    from .serverinfo import ServerInfo

__all__ = ["MAX_CACHED_CHATS", "MAX_PAGE_SIZE", "ConvenienceMethods"]

#: Personal chats remembered per client (the oldest is forgotten first beyond this).
MAX_CACHED_CHATS = 10_000
#: Largest page the iterators ask for (page sizes are not documented, PROTOCOL §8).
MAX_PAGE_SIZE = 1000
_CACHE_KEY = "trueconf_sync.personal_chats"
_CHAT_NOT_FOUND = 304


class _ChatCache:
    """user id (as given) -> chat id, bounded, safe from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._chats: dict[str, str] = {}

    def get(self, user_id: str) -> str | None:
        with self._lock:
            return self._chats.get(user_id)

    def put(self, user_id: str, chat_id: str) -> None:
        with self._lock:
            self._chats.pop(user_id, None)
            self._chats[user_id] = chat_id
            while len(self._chats) > MAX_CACHED_CHATS:
                del self._chats[next(iter(self._chats))]

    def forget(self, user_id: str, chat_id: str) -> None:
        with self._lock:
            if self._chats.get(user_id) == chat_id:
                del self._chats[user_id]


class ConvenienceMethods:
    """Sending to a person and paging iterators. Inherited by the Client (which provides ``core``)."""

    if TYPE_CHECKING:
        @property
        def core(self) -> ClientCore:
            """The client's services for the lower layers (provided by the Client)."""

    def _personal_chats(self) -> _ChatCache:
        cache: _ChatCache = self.core.extensions.setdefault(_CACHE_KEY, _ChatCache())
        return cache

    def personal_chat_id(self, user_id: str, *, refresh: bool = False, timeout: float | None = None) -> str:
        """The id of the bot's personal chat with ``user_id``, created when needed (``createP2PChat``).

        Remembered per client, so only the first call per person asks the server (``refresh=True``
        asks again). ``user_id`` is a TrueConf ID (``alice@video.example.com``) or a bare login, to
        which the server's domain is added.

        Raises:
            ValueError, TypeError: a bad ``user_id`` (nothing is sent). ApiError: e.g. unknown user.
        """
        check_id("user_id", user_id)
        cache = self._personal_chats()
        chat_id = None if refresh else cache.get(user_id)
        if chat_id is None:
            chat_id = create_p2p_chat.__get__(self)(user_id, timeout=timeout)
            cache.put(user_id, chat_id)
        return chat_id

    def send_to_user(
        self,
        user_id: str,
        text: str | FormattedText,
        *,
        parse_mode: ParseMode | str | None = None,
        reply_message_id: str | None = None,
        buttons: InlineKeyboard | list[list[Any]] | None = None,
        quote: str | None = None,
        timeout: float | None = None,
    ) -> SentMessage:
        """Send a text message to a person, in their personal chat with the bot (made when needed).

        ::

            client.send_to_user("alice@video.example.com", "Your report is ready")

        The arguments after ``user_id`` are those of :meth:`send_message <trueconf_sync.Client.send_message>`,
        and are checked before anything is sent. The chat id is remembered (see
        :meth:`personal_chat_id`); if the server no longer knows the remembered chat (error 304,
        e.g. it was deleted), the chat is made again and the message sent once more.

        Args:
            user_id: TrueConf ID of the person (``login@server``), or a bare login.
            timeout: seconds each of the (at most three) requests waits for its answer.

        Returns:
            :class:`~trueconf_sync.models.SentMessage` (its ``chat_id`` is the personal chat).

        Raises:
            ValueError, TypeError: bad arguments (nothing is sent). ApiError: e.g. unknown user.
        """
        check_id("user_id", user_id)
        check_optional_id("reply_message_id", reply_message_id)
        core = self.core
        seconds = core.check_timeout(timeout)
        options: dict[str, Any] = {"parse_mode": parse_mode, "reply_message_id": reply_message_id,
                                   "buttons": buttons, "quote": quote}
        payload = send_message.prepare(("-", text), options)  # checks text & co. now: nothing sent yet
        chat_id = self.personal_chat_id(user_id, timeout=seconds)
        try:
            return self._send_in(chat_id, payload, seconds)
        except ApiError as exc:
            if exc.code != _CHAT_NOT_FOUND:
                raise
            self._personal_chats().forget(user_id, chat_id)  # a stale chat: make it again, once
            return self._send_in(self.personal_chat_id(user_id, refresh=True, timeout=seconds), payload, seconds)

    def _send_in(self, chat_id: str, payload: dict[str, Any], seconds: float) -> SentMessage:
        result: SentMessage = self.core.request(send_message.spec, {**payload, "chatId": chat_id}, seconds)
        return result

    def iter_chats(self, *, page_size: int = 100, timeout: float | None = None) -> Iterator[Chat]:
        """Every chat the bot sees, fetched lazily page by page (``getChats``, 1-based pages).

        Nothing is requested until the first chat is taken; the next page is asked for only when
        the chats of the previous one are used up, and iteration stops after a short page::

            for chat in client.iter_chats():
                print(chat.title)

        Args:
            page_size: chats per request (1-1000).
            timeout: seconds each page request waits for its answer.

        Raises:
            ValueError, TypeError: bad arguments, at once (before iterating).
        """
        check_count("page_size", page_size, maximum=MAX_PAGE_SIZE)
        seconds = self.core.check_timeout(timeout)
        fetch = get_chats.__get__(self)

        def pages() -> Iterator[Chat]:
            page = 1
            while True:
                chats = fetch(count=page_size, page=page, timeout=seconds)
                yield from chats
                if len(chats) < page_size:
                    return
                page += 1

        return pages()

    def iter_history(
        self,
        chat_id: str,
        *,
        page_size: int = 100,
        from_message_id: str | None = None,
        timeout: float | None = None,
    ) -> Iterator[Message]:
        """The messages of a chat, newest first, fetched lazily page by page (``getChatHistory``).

        Each page starts at the oldest message of the previous one; that message is not yielded
        twice, whether or not the server repeats it (PROTOCOL §3.6 leaves that open). Use
        :func:`itertools.islice` to take only the newest ``n``::

            for message in itertools.islice(client.iter_history(chat_id), 500):
                ...

        Args:
            chat_id: the chat.
            page_size: messages per request (1-1000).
            from_message_id: start here instead of at the newest message.
            timeout: seconds each page request waits for its answer.

        Raises:
            ValueError, TypeError: bad arguments, at once (before iterating). ApiError 304 (unknown
            chat) when the first page is fetched.
        """
        check_id("chat_id", chat_id)
        check_optional_id("from_message_id", from_message_id)
        check_count("page_size", page_size, maximum=MAX_PAGE_SIZE)
        seconds = self.core.check_timeout(timeout)
        fetch = get_chat_history.__get__(self)

        def pages() -> Iterator[Message]:
            start, seen, count = from_message_id, None, page_size
            while True:
                page = fetch(chat_id, count=count, from_message_id=start, timeout=seconds).messages
                fresh = [message for message in page if message.message_id != seen]
                yield from fresh
                if len(page) < count or not fresh:
                    return
                # The next page starts at the oldest message so far; one more is asked for, as
                # a server that repeats that message would otherwise give one message less.
                start = seen = fresh[-1].message_id
                count = page_size + 1

        return pages()

    def server_info(self, *, timeout: float | None = None) -> ServerInfo:
        """Ask the server for its version and name (``GET /api/v4/server``, PROTOCOL §10.1).

        Needs no connection or credentials. Raises ConnectionLostError (unreachable or an HTTP
        error), RequestTimeoutError, TLSError, ProtocolError (not the expected JSON).
        """
        from .serverinfo import fetch_server_info

        core = self.core
        return fetch_server_info(core.http_session(), core.base_url, core.check_timeout(timeout))

    def typing(self, chat_id: str, activity: ActivityType | str = ActivityType.TYPING) -> ChatActivityKeeper:
        """Context manager: show "typing..." (or ``activity``) in a chat until the block ends.

        Re-sends the activity every ``retryAfter`` the server asks for (PROTOCOL §12.7) from a
        background thread; failures of the indicator are logged, not raised.
        """
        from .activity import ChatActivityKeeper

        return ChatActivityKeeper(self.core, chat_id, activity)
