"""Built-in filters: content type, chat type, text, regex, author, mentions, button clicks, errors.

Text filters look at the *plain* text of a message: for ``parseMode`` html (what the TrueConf apps
send) tags are dropped, ``<br>`` becomes a line break and entities are unescaped, so
``Text("yes")`` matches what the user sees. Mentions are read from the markup itself
(``<a href="trueconf:user@server">``, PROTOCOL §4.1, §5.9).
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from ..api.models import ButtonClicked, Chat, Message
from ..enums import ChatType, EnvelopeType, ParseMode
from ..ids import same_user
from .filters import Filter, FilterResult

__all__ = [
    "ChatTypeFilter",
    "Clicked",
    "ContentType",
    "ExceptionType",
    "FromUser",
    "Mentions",
    "MentionsBot",
    "Method",
    "Regex",
    "Text",
    "mentions",
    "plain_text",
    "strip_markup",
]

_BR_TAG_RE = re.compile(r"<br\s*/?>", re.IGNORECASE)
_MD_ESCAPE_RE = re.compile(r"\\([\\*_~\[\]()>`])")
# matched against one tag at a time (see _tags), never searched through a whole text
_HTML_MENTION_RE = re.compile(r"""<a\s[^>]*?href\s*=\s*["']trueconf:([^"'&\s>]+)""", re.IGNORECASE)
_MD_MENTION_RE = re.compile(r"\]\(trueconf:([^)&\s]+)")


def _text_and_mode(event: Any) -> tuple[str | None, ParseMode | None]:
    if isinstance(event, Message):
        return event.text, event.parse_mode
    content = getattr(event, "content", None)
    text = getattr(content, "text", None)
    return (text, getattr(content, "parse_mode", None)) if isinstance(text, str) else (None, None)


def plain_text(event: Any) -> str | None:
    """The text of a message (or edit) as the user sees it, without markup; None when it has none."""
    text, mode = _text_and_mode(event)
    return None if text is None else strip_markup(text, mode)


def _tags(text: str) -> Iterator[tuple[int, int]]:
    """``(start, end)`` of every HTML tag of ``text``, left to right, in linear time.

    A tag is the last ``<`` before a ``>`` up to that ``>`` (earlier ``<`` are text, as browsers
    read them). A regular expression like ``<[^>]*>`` would restart at every ``<`` of a text with
    no ``>`` after it, which is quadratic: a 49k-character message stalled a bot for seconds.
    """
    find, rfind = text.find, text.rfind
    pos = 0
    while True:
        close = find(">", pos)
        if close < 0:
            return
        start = rfind("<", pos, close)
        if start >= 0:
            yield start, close + 1
        pos = close + 1


def strip_markup(text: str, mode: ParseMode | str | None) -> str:
    """``text`` in parse mode ``mode`` without its markup (html tags and entities, Markdown escapes)."""
    if mode == ParseMode.HTML:
        parts, pos = [], 0
        for start, end in _tags(text):
            parts.append(text[pos:start])
            if _BR_TAG_RE.fullmatch(text, start, end):
                parts.append("\n")
            pos = end
        parts.append(text[pos:])
        return html.unescape("".join(parts))
    if mode == ParseMode.MARKDOWN:
        return _MD_ESCAPE_RE.sub(r"\1", text)
    return text


def mentions(event: Any) -> list[str]:
    """TrueConf IDs mentioned in a message's markup, in order (``&do=profile`` suffixes removed)."""
    text, mode = _text_and_mode(event)
    if text is None:
        return []
    if mode == ParseMode.HTML:
        found = (_HTML_MENTION_RE.match(text, start, end) for start, end in _tags(text))
        return [html.unescape(m.group(1)) for m in found if m is not None]
    if mode == ParseMode.MARKDOWN:
        return _MD_MENTION_RE.findall(text)
    return []


def _choices(name: str, values: Iterable[Any], convert: Callable[[Any], Any]) -> frozenset[Any]:
    out = frozenset(convert(value) for value in values)
    if not out:
        raise ValueError(f"{name}: give at least one value")
    return out


def _strings(name: str, value: str | Iterable[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = (value,) if isinstance(value, str) else tuple(value)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"{name} must be a str or an iterable of str, got {type(item).__name__}")
    return items


# ---- content and chat type --------------------------------------------------------------

_CONTENT_NAMES: dict[str, Callable[[Message], bool]] = {
    "text": lambda m: m.type == EnvelopeType.PLAIN_MESSAGE,
    "forward": lambda m: m.type == EnvelopeType.FORWARDED_MESSAGE,
    "attachment": lambda m: m.type == EnvelopeType.ATTACHMENT,
    "photo": lambda m: m.attachment is not None and m.attachment.mime_type.startswith("image/"),
    "sticker": lambda m: m.attachment is not None and m.attachment.is_sticker,
    "location": lambda m: m.type == EnvelopeType.LOCATION,
    "survey": lambda m: m.type == EnvelopeType.SURVEY,
    "voice": lambda m: m.type == EnvelopeType.VOICE_MESSAGE,
    "system": lambda m: m.is_system,
}


class ContentType(Filter):
    """Messages of the given kinds: :class:`~trueconf_sync.EnvelopeType` values, or the names
    ``text``, ``forward``, ``attachment``, ``photo``, ``sticker``, ``location``, ``survey``,
    ``voice``, ``system``.

    Raises:
        ValueError: no kind, or an unknown name.
    """

    def __init__(self, *types: EnvelopeType | int | str) -> None:
        self.types = types
        self._checks: list[Callable[[Message], bool]] = []
        if not types:
            raise ValueError("ContentType: give at least one content type")
        for value in types:
            if isinstance(value, str):
                check = _CONTENT_NAMES.get(value.lower())
                if check is None:
                    raise ValueError(f"ContentType: unknown content type {value!r}; "
                                     f"use one of {', '.join(_CONTENT_NAMES)} or an EnvelopeType")
                self._checks.append(check)
            else:
                number = int(value)
                self._checks.append(lambda m, number=number: int(m.type) == number)  # type: ignore[misc]

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        return isinstance(event, Message) and any(check(event) for check in self._checks)

    def __repr__(self) -> str:
        return f"ContentType{self.types!r}"


def _chat_type(name: Any) -> ChatType:
    if isinstance(name, str):
        try:
            return ChatType[name.upper()]
        except KeyError:
            raise ValueError(f"ChatTypeFilter: unknown chat type {name!r}; use p2p, group, channel, "
                             "favorites or a ChatType") from None
    return ChatType(int(name))


class ChatTypeFilter(Filter):
    """Events in chats of the given types (``ChatType.P2P`` or ``"p2p"``, ``"group"``, ``"channel"``...).

    The type comes from the event (servers 5.5.6+ send it with every message); when the event does
    not carry it and ``lookup`` is True, it is fetched once per chat with ``get_chat_by_id``.
    """

    def __init__(self, *types: ChatType | int | str, lookup: bool = True) -> None:
        self.types = _choices("ChatTypeFilter", types, _chat_type)
        self.lookup = lookup
        self._known: dict[str, ChatType] = {}
        self._lock = threading.Lock()

    def _of(self, event: Any, data: Mapping[str, Any]) -> ChatType | None:
        if isinstance(event, Message) and event.chat_type is not None:
            return event.chat_type
        if isinstance(event, Chat):
            return event.chat_type
        if isinstance(event, ButtonClicked) and event.command_source.message is not None:
            kind = event.command_source.message.chat_type
            if kind is not None:
                return kind
        chat_id = data.get("event_chat_id")
        if not chat_id or not self.lookup or data.get("client") is None:
            return None
        with self._lock:
            known = self._known.get(chat_id)
        if known is None:
            known = data["client"].get_chat_by_id(chat_id).chat_type
            with self._lock:
                if len(self._known) > 10_000:
                    self._known.clear()
                self._known[chat_id] = known
        return known

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        return self._of(event, data) in self.types

    def __repr__(self) -> str:
        return f"ChatTypeFilter({', '.join(sorted(t.name.lower() for t in self.types))})"


# ---- text --------------------------------------------------------------------------------


class Text(Filter):
    """Text of a message or edit: equal to one of ``values``, or starting / ending with / containing.

    Every given criterion must hold. ``ignore_case`` compares case-insensitively.

    Raises:
        ValueError: no criterion given. TypeError: a value is not a str.
    """

    def __init__(
        self,
        *values: str,
        startswith: str | Iterable[str] | None = None,
        endswith: str | Iterable[str] | None = None,
        contains: str | Iterable[str] | None = None,
        ignore_case: bool = False,
    ) -> None:
        fold: Callable[[str], str] = str.casefold if ignore_case else str
        self._fold = fold
        self.equals = tuple(fold(v) for v in _strings("values", values))
        self.startswith = tuple(fold(v) for v in _strings("startswith", startswith))
        self.endswith = tuple(fold(v) for v in _strings("endswith", endswith))
        self.contains = tuple(fold(v) for v in _strings("contains", contains))
        if not (self.equals or self.startswith or self.endswith or self.contains):
            raise ValueError("Text: give values to compare with, or startswith/endswith/contains")

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        text = plain_text(event)
        if text is None:
            return False
        text = self._fold(text)
        return ((not self.equals or text in self.equals)
                and (not self.startswith or text.startswith(self.startswith))
                and (not self.endswith or text.endswith(self.endswith))
                and (not self.contains or any(part in text for part in self.contains)))

    def __repr__(self) -> str:
        parts = [repr(v) for v in self.equals] + [
            f"{k}={v!r}" for k, v in (("startswith", self.startswith), ("endswith", self.endswith),
                                      ("contains", self.contains)) if v]
        return f"Text({', '.join(parts)})"


class Regex(Filter):
    """Plain text matching a regular expression (``re.search``); adds ``match`` (the match object)."""

    def __init__(self, pattern: str | re.Pattern[str], flags: int = 0) -> None:
        self.pattern = re.compile(pattern, flags) if isinstance(pattern, str) else pattern

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        text = plain_text(event)
        match = self.pattern.search(text) if text is not None else None
        return {"match": match} if match is not None else None

    def __repr__(self) -> str:
        return f"Regex({self.pattern.pattern!r})"


# ---- people --------------------------------------------------------------------------------


def _home(data: Mapping[str, Any]) -> str | None:
    """The bot's own TrueConf ID (its server completes bare logins), from the receiving client."""
    me = getattr(data.get("client"), "user_id", None)
    return me if isinstance(me, str) else None


class FromUser(Filter):
    """Events by one of the given users: TrueConf IDs, or bare logins meaning users of the bot's own
    server (``"alice"`` is ``alice@<the bot's server>``, never ``alice@another.server``)."""

    def __init__(self, *user_ids: str) -> None:
        self.user_ids = _strings("user_ids", user_ids)
        if not self.user_ids:
            raise ValueError("FromUser: give at least one user id")

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        user: str = data.get("event_user_id") or ""
        home = _home(data)
        return bool(user) and any(same_user(user, wanted, home) for wanted in self.user_ids)

    def __repr__(self) -> str:
        return f"FromUser{self.user_ids!r}"


class Mentions(Filter):
    """Messages whose markup mentions one of the given users (``<a href="trueconf:...">``)."""

    def __init__(self, *user_ids: str) -> None:
        self.user_ids = _strings("user_ids", user_ids)

    def _wanted(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        return self.user_ids

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        wanted = self._wanted(data)
        home = _home(data)
        return any(same_user(found, user, home) for found in mentions(event) for user in wanted)

    def __repr__(self) -> str:
        return f"Mentions{self.user_ids!r}"


class MentionsBot(Mentions):
    """Messages that mention the bot itself (the receiving client's ``user_id``)."""

    def __init__(self) -> None:
        super().__init__()

    def _wanted(self, data: Mapping[str, Any]) -> tuple[str, ...]:
        me = _home(data)
        return (me,) if me else ()

    def __repr__(self) -> str:
        return "MentionsBot()"


# ---- buttons, raw events, errors --------------------------------------------------------------


def _matcher(name: str, value: str | re.Pattern[str] | Iterable[str]) -> Callable[[str | None], bool]:
    if isinstance(value, re.Pattern):
        pattern = value
        return lambda text: text is not None and pattern.fullmatch(text) is not None
    options = frozenset(_strings(name, value))
    if not options:
        raise ValueError(f"{name}: give at least one value")
    return lambda text: text in options


class Clicked(Filter):
    """Button clicks by the button's ``command``, ``custom_data`` and/or id.

    Each criterion is a str, an iterable of str (any of them) or a compiled regex (full match).
    """

    def __init__(
        self,
        command: str | re.Pattern[str] | Iterable[str] | None = None,
        custom_data: str | re.Pattern[str] | Iterable[str] | None = None,
        button_id: str | re.Pattern[str] | Iterable[str] | None = None,
    ) -> None:
        self._tests: list[tuple[str, Callable[[str | None], bool]]] = [
            (name, _matcher(name, value))
            for name, value in (("command", command), ("custom_data", custom_data), ("button_id", button_id))
            if value is not None
        ]
        self._repr = ", ".join(f"{k}={v!r}" for k, v in (("command", command), ("custom_data", custom_data),
                                                          ("button_id", button_id)) if v is not None)

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        if not isinstance(event, ButtonClicked):
            return False
        values = {"command": event.command, "custom_data": event.custom_data,
                  "button_id": event.command_source.button_id}
        return all(test(values[name]) for name, test in self._tests)

    def __repr__(self) -> str:
        return f"Clicked({self._repr})"


class Method(Filter):
    """Events whose wire method is one of ``methods`` (``"sendMessage"``, or an unknown one)."""

    def __init__(self, *methods: str) -> None:
        self.methods = frozenset(_strings("methods", methods))

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        return data.get("method") in self.methods

    def __repr__(self) -> str:
        return f"Method({', '.join(sorted(self.methods))})"


class ExceptionType(Filter):
    """For error handlers: the exception is an instance of one of ``types``."""

    def __init__(self, *types: type[BaseException]) -> None:
        for value in types:
            if not (isinstance(value, type) and issubclass(value, BaseException)):
                raise TypeError(f"ExceptionType: expected exception classes, got {value!r}")
        if not types:
            raise ValueError("ExceptionType: give at least one exception class")
        self.types = types

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        return isinstance(data.get("exception"), self.types)

    def __repr__(self) -> str:
        return f"ExceptionType({', '.join(t.__name__ for t in self.types)})"
