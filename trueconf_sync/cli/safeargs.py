"""Usage errors that name the offending flag but never echo an argument's value.

People paste secrets onto command lines (``--token eyJ...``, ``--password hunter2``) although the
command line takes them only from ``TRUECONF_TOKEN`` / ``--token-file`` / the config file. The
error line then lands in a terminal's scroll-back, a CI log or a cron mail, so it must not repeat
the value. argparse's own messages quote values freely (``invalid choice: 'eyJ...'``,
``unrecognized arguments: --token eyJ...``, ``ignored explicit argument 'eyJ...'``), so every
usage error goes through this module:

* :func:`scan` walks ``argv`` the way the parser will (context switches at the command name) and
  sorts each element into *shown* (a known flag name, a command name, the value of a flag that
  names a place or a person such as ``--server`` or ``--to``) and *hidden* (everything else: values
  of unknown options, stray positionals, the message text, ``--token-file`` paths...).
* :meth:`Scan.unknown_options_error` reports unknown options before argparse sees them, as
  ``unrecognized arguments: --token (value hidden)`` plus a hint where secrets are read from.
* :meth:`Scan.scrub` is the one filter every usage error line passes through: hidden elements
  (raw or quoted) and any quoted literal that is not a known-safe word become ``(value hidden)``.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Sequence

import attrs

__all__ = ["HIDDEN", "NUMERIC_FLAGS", "SAFE_VALUE_FLAGS", "Scan", "commands_of", "scan"]

HIDDEN = "(value hidden)"

#: Flags whose values name a place, a person or a number, never a secret: shown in errors, since
#: "--file '/tmp/x': no such file" is only useful with the path. The values of every other flag
#: (``--token-file``/``--password-file`` paths included: the path may be the pasted token) are hidden.
SAFE_VALUE_FLAGS = frozenset({
    "--server", "--port", "--ca-bundle", "--username", "--request-timeout", "--config", "--profile",
    "--to", "--chat", "--file", "--reply-to", "--limit", "--count", "--timeout",
})

#: Of those, the flags that take a number: a value that is no number is hidden (it may be a
#: secret typed into the wrong place), so "--port: must be a port number" names the flag only.
NUMERIC_FLAGS = frozenset({"--port", "--request-timeout", "--limit", "--count", "--timeout"})

_TOKEN_HINT = "the token is read from TRUECONF_TOKEN, --token-file PATH or the config file"
_PASSWORD_HINT = "the password is read from TRUECONF_PASSWORD, --password-file PATH or the config file"
_BOTH_HINT = ("secrets are read from TRUECONF_TOKEN / TRUECONF_PASSWORD, --token-file / --password-file "
              "or the config file")
# Looks like a flag someone typed, not like a value (a password such as "-Xy7..." is neither).
_FLAG_SHAPE = re.compile(r"--[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)*|-[A-Za-z]")
# An unknown option is shown by name only when it is plainly a word: lower case, no digits, short
# (``--access-token``, ``-x``). ``--eyJhbGci...`` or ``--Xy7pw`` may be a secret with dashes in front.
_SHOWN_NAME = re.compile(r"--[a-z]+(?:[-_][a-z]+)*|-[A-Za-z]")
_MAX_SHOWN_NAME = 24
# argparse treats these as positionals when no option looks like a negative number (none here).
_NEGATIVE_NUMBER = re.compile(r"-\.?\d.*")
# A quoted literal in an argparse message: repr() of a string, either quote style.
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
# Hidden strings shorter than this are replaced only where quoted: a raw "hi" would mangle words.
_MIN_RAW = 4


def commands_of(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The sub-command parsers of ``parser`` by name (empty when it has none)."""
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            found.update(action.choices)
    return found


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return dict(parser._option_string_actions)


def _option_like(arg: str) -> bool:
    """Whether argparse would take ``arg`` for an option (known or not) rather than a positional."""
    if len(arg) < 2 or not arg.startswith("-") or arg == "--":
        return False
    return not _NEGATIVE_NUMBER.fullmatch(arg)


def _value_count(action: argparse.Action) -> int:
    """How many following elements an option consumes (at most; ``*``/``+`` count as many)."""
    nargs = action.nargs
    if nargs == 0:
        return 0
    if isinstance(nargs, int):
        return nargs
    return 1 << 30 if nargs in ("*", "+", argparse.REMAINDER) else 1


def _hint_for(name: str) -> str | None:
    """Where the secret comes from, when an unknown flag's name says it carries one."""
    word = name.lstrip("-").lower()
    token = any(part in word for part in ("tok", "bearer", "jwt", "access"))
    password = any(part in word for part in ("pass", "pw"))
    if token and not password:
        return _TOKEN_HINT
    if password and not token:
        return _PASSWORD_HINT
    if token or password or any(part in word for part in ("secret", "key", "auth", "cred")):
        return _BOTH_HINT
    return None


def _safe_value(flag: str, value: str) -> bool:
    if flag not in SAFE_VALUE_FLAGS:
        return False
    if flag in NUMERIC_FLAGS:
        try:
            float(value)
        except ValueError:
            return False
    return True


def _is_cluster(arg: str, options: dict[str, argparse.Action]) -> bool:
    """``-vv``, ``-qv``: single-letter flags without values written together."""
    if arg.startswith("--") or len(arg) < 3:
        return False
    actions = [options.get("-" + letter) for letter in arg[1:]]
    return all(action is not None and action.nargs == 0 for action in actions)


@attrs.define
class Scan:
    """What :func:`scan` learnt about one command line."""

    #: The parser in whose part of the command line the first unknown option stands.
    parser: argparse.ArgumentParser
    #: Words that may appear in an error line: known flags, command names, safe flag values.
    shown: set[str] = attrs.Factory(set)
    #: argv elements (and parts of them) that must not appear in any output.
    hidden: list[str] = attrs.Factory(list)
    #: Unknown options as they are reported (``--token (value hidden)``).
    unknown: list[str] = attrs.Factory(list)
    #: Hints for the unknown options (where secrets are read from, which command has the flag).
    hints: list[str] = attrs.Factory(list)
    #: Hidden positionals: the value, the shown word before it (or None) and the parser it went to.
    strays: list[tuple[str, str | None, argparse.ArgumentParser]] = attrs.Factory(list)
    #: A positional where the command name belongs that is no command (hidden), with what preceded it.
    bad_command: tuple[str, str | None] | None = None

    def hide(self, value: str) -> None:
        """Never print ``value`` (nor, for ``--name=value`` or ``-xVALUE``, its value part)."""
        if value and value not in self.hidden:
            self.hidden.append(value)

    def unknown_options_error(self) -> str | None:
        """The error line for unknown options (before argparse parses anything), or None."""
        if not self.unknown:
            return None
        text = f"unrecognized arguments: {', '.join(self.unknown)}"
        hints = list(dict.fromkeys(self.hints))
        return "; ".join([text, *hints])

    def bad_command_error(self, commands: Iterable[str]) -> str | None:
        """The error line for a positional that stands where the command name belongs, or None."""
        if self.bad_command is None:
            return None
        where = f" after {self.bad_command[1]}" if self.bad_command[1] else ""
        return f"unknown command {HIDDEN}{where}; choose from {', '.join(commands)}"

    def describe_extras(self, extras: Sequence[str]) -> tuple[argparse.ArgumentParser, str]:
        """``unrecognized arguments: ...`` for what argparse left over (values hidden), and the
        parser whose part of the command line the first of them stands in."""
        strays = list(self.strays)
        words = []
        where: argparse.ArgumentParser | None = None
        for extra in extras:
            if extra in self.shown and extra not in self.hidden:
                words.append(extra)
                continue
            match = next((stray for stray in strays if stray[0] == extra), None)
            after = None
            if match is not None:
                strays.remove(match)
                after = match[1]
                where = where or match[2]
            words.append(f"{HIDDEN} after {after}" if after else HIDDEN)
        return where or self.parser, f"unrecognized arguments: {', '.join(words)}"

    def scrub(self, text: str, *, quoted: bool = True) -> str:
        """``text`` without any hidden argument value.

        Hidden elements are replaced wherever they occur quoted (``repr``) and, when at least
        four characters long, also raw. With ``quoted`` (for argparse's messages, which quote
        values they derive, e.g. a part of ``-vSECRET``), every other quoted literal that is not
        a known-safe word is replaced as well. Messages written by this package (``quoted=False``)
        keep their own quotes: they only quote values that are safe to show.
        """
        for value in sorted(self.hidden, key=len, reverse=True):
            for form in (repr(value), f'"{value}"', f"'{value}'"):
                text = text.replace(form, HIDDEN)
            if len(value) >= _MIN_RAW and value not in self.shown:
                text = text.replace(value, HIDDEN)
        if quoted:
            text = _QUOTED.sub(lambda m: m.group(0) if m.group(0)[1:-1] in self.shown else HIDDEN, text)
        return text


def _vocabulary(parser: argparse.ArgumentParser) -> set[str]:
    words = set(_options(parser))
    for name, sub in commands_of(parser).items():
        words.add(name)
        words |= _vocabulary(sub)
    return words


def _owners(name: str, commands: dict[str, argparse.ArgumentParser]) -> list[str]:
    return [command for command, sub in commands.items() if name in _options(sub)]


def _value_like(arg: str, options: dict[str, argparse.Action], commands: dict[str, argparse.ArgumentParser]) -> bool:
    """Whether ``arg``, after an unknown option, is most likely that option's value."""
    if arg == "--" or arg in commands or arg in options:
        return False
    if not _option_like(arg):
        return True
    # "-Xy7..." is no flag anyone types: a password starting with '-'.
    return not _FLAG_SHAPE.fullmatch(arg.partition("=")[0]) and not _is_cluster(arg, options)


def _unknown_option(result: Scan, argv: Sequence[str], index: int, top: bool,
                    options: dict[str, argparse.Action], commands: dict[str, argparse.ArgumentParser],
                    all_commands: dict[str, argparse.ArgumentParser]) -> int:
    """Record the unknown option at ``argv[index - 1]`` (and the value after it); return the new index."""
    arg = argv[index - 1]
    name, eq, value = arg.partition("=")
    result.hide(arg)
    if eq:
        result.hide(value)
    if not arg.startswith("--"):
        for start in range(2, len(arg) - 1):  # -vSECRET: argparse may quote any tail of it
            result.hide(arg[start:])
    named = bool(_SHOWN_NAME.fullmatch(name)) and len(name) <= _MAX_SHOWN_NAME
    takes_value = bool(eq)
    if not eq and index < len(argv) and _value_like(argv[index], options, commands):
        result.hide(argv[index])  # most likely its value: `--token eyJ...`
        index += 1
        takes_value = True
    if result.bad_command is not None:
        return index  # the misplaced command word comes first and is what argparse would report
    result.unknown.append((name if named else "(option hidden)") + (f" {HIDDEN}" if takes_value else ""))
    # The hint only says which kind of secret, so it is given for hidden names too (--Token=...).
    hint = _hint_for(name) if _FLAG_SHAPE.fullmatch(name) and len(name) <= 32 else None
    owners = _owners(name, all_commands) if top and named else []
    if hint:
        result.hints.append(hint)
    elif owners:
            result.hints.append(f"{name} is an option of: {', '.join(owners)} (put it after the command name)")
    return index


def scan(argv: Sequence[str], parser: argparse.ArgumentParser) -> Scan:
    """Sort ``argv`` (as given to ``parser``) into shown and hidden words; find unknown options."""
    result = Scan(parser, shown=_vocabulary(parser))
    all_commands = commands_of(parser)
    context, commands = parser, all_commands
    options = _options(context)
    previous: str | None = None  # the shown word just before, to say where a hidden value stands
    only_positionals = False
    index = 0
    while index < len(argv):
        arg = argv[index]
        index += 1
        if not only_positionals and arg == "--":
            only_positionals = True
            continue
        # argparse takes an unknown "option" with a space in it for a positional.
        if not only_positionals and _option_like(arg) and (arg in options or " " not in arg):
            name, eq, value = arg.partition("=")
            flag = arg if arg in options else name if eq and name in options else None
            if flag is not None:
                taken = [value] if flag != arg else []
                wanted = _value_count(options[flag]) if flag == arg else 0
                while len(taken) < wanted and index < len(argv) and not _option_like(argv[index]) \
                        and argv[index] != "--":
                    taken.append(argv[index])
                    index += 1
                safe = all(_safe_value(flag, item) for item in taken)
                for item in taken:
                    (result.shown.add if safe else result.hide)(item)
                previous = flag if not taken else f"the value of {flag}"
            elif _is_cluster(arg, options):
                previous = arg
            else:
                if not result.unknown and result.bad_command is None:
                    result.parser = context
                index = _unknown_option(result, argv, index, context is parser, options, commands, all_commands)
                previous = None
            continue
        # A positional: the command name, or a value nobody asked to see.
        if commands:
            if arg in commands:
                context, commands = commands[arg], {}
                options = _options(context)
                only_positionals = False  # argparse hands the sub-command its words unparsed
                previous = arg
                continue
            if result.bad_command is None:
                result.bad_command = (arg, previous)
            commands = {}
        result.hide(arg)
        result.strays.append((arg, previous, context))
        previous = None
    return result
