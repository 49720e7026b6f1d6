"""``Command("start", "help")``: match ``/start args`` and inject a :class:`CommandObject`.

Accepted forms (on the plain text of the message, see :func:`.event_filters.plain_text`)::

    /start                      command="start", args=None
    /start some args            args="some args"
    /start@echo_bot args        mention="echo_bot"  (only when it names this bot)
    @Echo Bot /start args       a leading mention of the bot (``<a href="trueconf:bot@srv">``) is skipped

A ``/cmd@other_bot`` addressed to another bot does not match (unless ``ignore_mention=True``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, NamedTuple

import attrs

from ..api.models import Message
from ..enums import ParseMode
from ..ids import same_user
from .event_filters import strip_markup
from .filters import Filter, FilterResult

__all__ = ["Command", "CommandObject"]

# Linear on any input: after the id, the rest of the tag or link must start with a character the
# id cannot contain, so a text without the closing ">" or ")" fails without backtracking through
# the id character by character (a 49k-character message took seconds with "([^)&\s]+)[^)]*\)").
_LEADING_HTML_MENTION_RE = re.compile(
    r"""\s*<a\s[^>]*?href\s*=\s*["']trueconf:([^"'&\s>]+)(?:["'&\s][^>]*)?>.*?</a>[\s,:]*""",
    re.IGNORECASE | re.DOTALL)
_LEADING_MD_MENTION_RE = re.compile(r"\s*\[[^\]]*\]\(trueconf:([^)&\s]+)(?:[&\s][^)]*)?\)[\s,:]*")
_HEAD_RE = re.compile(r"(\S+)(?:\s+(.*))?", re.DOTALL)


@attrs.frozen
class CommandObject:
    """A parsed command: ``prefix`` + ``command`` [``@mention``] [``args``].

    Attributes:
        prefix: the prefix character used (``"/"``).
        command: the command name as typed (without prefix and mention).
        args: the rest of the text, stripped; None when empty.
        mention: the bot name after ``@`` (or the bot's id when the message began with a mention).
        match: the regex match when the command was given as a compiled pattern
            (``regexp_match``, the official SDK's name, is the same).
        magic_result: what ``Command(..., magic=F...)`` resolved to (None without ``magic``).
    """

    prefix: str
    command: str
    args: str | None = None
    mention: str | None = None
    match: re.Match[str] | None = attrs.field(default=None, eq=False, repr=False)
    magic_result: Any = attrs.field(default=None, eq=False, repr=False)

    @property
    def regexp_match(self) -> re.Match[str] | None:
        """The official SDK's name for :attr:`match`."""
        return self.match

    @property
    def arg_list(self) -> list[str]:
        """``args`` split on whitespace (empty list when there are none)."""
        return self.args.split() if self.args else []

    @property
    def text(self) -> str:
        """The command as it would be typed: ``/start args``."""
        mention = f"@{self.mention}" if self.mention and "@" not in self.mention else ""
        return f"{self.prefix}{self.command}{mention}" + (f" {self.args}" if self.args else "")


class _Parsed(NamedTuple):
    prefix: str
    name: str
    mention: str
    rest: str
    leading: str | None


@functools.lru_cache(maxsize=512)
def _parse(raw: str, mode: ParseMode | None, bot_id: str | None) -> _Parsed | None:
    """Split a message text into prefix, name, @mention and the rest (cached: every Command filter
    of a router tree looks at the same text)."""
    text, leading = None, None
    if bot_id and mode in (ParseMode.HTML, ParseMode.MARKDOWN):
        pattern = _LEADING_HTML_MENTION_RE if mode == ParseMode.HTML else _LEADING_MD_MENTION_RE
        found = pattern.match(raw)
        if found is not None and same_user(found.group(1), bot_id, home=bot_id):
            text, leading = strip_markup(raw[found.end():], mode), found.group(1)
    if text is None:
        text = strip_markup(raw, mode)
    text = text.lstrip()
    parts = _HEAD_RE.match(text, 1) if text else None
    if parts is None:
        return None
    name, _, mention = parts.group(1).partition("@")
    return _Parsed(text[0], name, mention, parts.group(2) or "", leading)


class Command(Filter):
    """Messages that are one of the given commands; adds ``command`` (:class:`CommandObject`).

    Args:
        commands: names (``"start"``; a leading prefix character is ignored: ``"/start"`` works
            too) or compiled regular expressions matched in full against the name.
        prefix: characters that may start a command (``"/"``; ``"/!"`` accepts both).
        ignore_case: compare names case-insensitively.
        ignore_mention: also accept ``/cmd@other_bot``.
        allow_forwarded: also take the text of a forwarded message as a command. Off by default:
            a command is what its author typed, so an admin forwarding someone's ``/promote
            mallory`` does not run it.
        magic: a magic filter (``F.args``, ``F.args.regexp(r"[0-9]+")``...) the :class:`CommandObject`
            must also pass; its result is kept as ``command.magic_result``.

    Raises:
        ValueError: no command or an empty name/prefix. TypeError: a command of another type.
    """

    def __init__(
        self,
        *commands: str | re.Pattern[str],
        prefix: str = "/",
        ignore_case: bool = False,
        ignore_mention: bool = False,
        allow_forwarded: bool = False,
        magic: Any = None,
    ) -> None:
        if magic is not None and not hasattr(magic, "resolve"):
            raise TypeError(f"Command: magic must be a magic filter (F...), got {type(magic).__name__}")
        self.magic = magic
        if not commands:
            raise ValueError("Command: give at least one command name")
        if not isinstance(prefix, str) or not prefix or any(c.isspace() for c in prefix):
            raise ValueError(f"Command: prefix must be a non-empty str of non-space characters, got {prefix!r}")
        self.prefix = prefix
        self.ignore_case = ignore_case
        self.ignore_mention = ignore_mention
        self.allow_forwarded = allow_forwarded
        self.names: set[str] = set()
        self.patterns: list[re.Pattern[str]] = []
        for command in commands:
            if isinstance(command, re.Pattern):
                self.patterns.append(command)
            elif isinstance(command, str):
                name = command[1:] if command[:1] in prefix else command
                if not name or any(c.isspace() for c in name):
                    raise ValueError(f"Command: bad command name {command!r}")
                self.names.add(name.casefold() if ignore_case else name)
            else:
                raise TypeError(f"Command: commands must be str or re.Pattern, got {type(command).__name__}")

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        if not isinstance(event, Message) or not event.text or (event.is_forward and not self.allow_forwarded):
            return None
        bot_id: str | None = getattr(data.get("client"), "user_id", None)
        parsed = _parse(event.text, event.parse_mode, bot_id)
        if parsed is None or parsed.prefix not in self.prefix:
            return None
        mention = parsed.mention
        if mention and not self.ignore_mention and not (bot_id and same_user(mention, bot_id, home=bot_id)):
            return None
        match = self._match(parsed.name)
        if match is None:
            return None
        found = CommandObject(prefix=parsed.prefix, command=parsed.name, args=parsed.rest.strip() or None,
                              mention=mention or parsed.leading, match=match if isinstance(match, re.Match) else None)
        if self.magic is not None:
            result = self.magic.resolve(found)
            if not result:
                return None
            found = attrs.evolve(found, magic_result=result)
        return {"command": found}

    def _match(self, name: str) -> re.Match[str] | bool | None:
        if (name.casefold() if self.ignore_case else name) in self.names:
            return True
        for pattern in self.patterns:
            found = pattern.fullmatch(name)
            if found is not None:
                return found
        return None

    def __repr__(self) -> str:
        names = sorted(self.names) + [p.pattern for p in self.patterns]
        return f"Command({', '.join(names)}, prefix={self.prefix!r})"
