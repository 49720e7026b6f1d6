"""``trueconf-sync``: the argument parser, logging set-up and the error -> exit code boundary.

argparse (standard library) is enough here: five sub-commands, a shared set of connection flags
and ``--help`` everywhere, with no new runtime dependency for a library whose dependencies are
fixed. Every failure ends as one line on stderr and a documented exit code (:class:`ExitCode`).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, TextIO

from .. import __version__
from . import chats, listen, relay, send, token
from .exitcodes import MEANINGS, ExitCode, UsageError, classify
from .safeargs import commands_of, scan
from .settings import ENV_VARS, Redactor, Settings, load_settings
from .terminal import safe_text

__all__ = ["PROG", "build_parser", "main"]

PROG = "trueconf-sync"
#: What a sub-command module provides: ``add_parser(subparsers, common)`` sets ``run``.
Command = Callable[[argparse.Namespace, Settings], int]
#: Environment variables holding secrets, masked in every line the command prints.
_SECRET_VARS = ("TRUECONF_TOKEN", "TRUECONF_PASSWORD")

def _exit_codes_text() -> str:
    lines = ["exit codes:"]
    lines += [f"  {int(code):<4} {MEANINGS[code]}" for code in ExitCode]
    return "\n".join(lines)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that never abbreviates and never echoes argument values in its errors.

    Errors are one line on stderr and exit code 2. ``allow_abbrev`` is forced off for every parser
    (sub-command parsers too: ``add_parser`` does not pass it on), so ``--token eyJ...`` can no
    longer turn into ``--token-file eyJ...``. Every error message passes :meth:`.safeargs.Scan.scrub`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)
        self._argv: list[str] = []

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        # Remembered for error(): a sub-command's parser only sees the words after its name.
        self._argv = list(sys.argv[1:] if args is None else args)
        return super().parse_known_args(self._argv, namespace)

    def parse_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> argparse.Namespace:
        argv = list(sys.argv[1:] if args is None else args)
        found = scan(argv, self)
        # Unknown options are reported before argparse can misread their values (as the command
        # name, as TEXT...) and quote them.
        problem = found.unknown_options_error() or found.bad_command_error(commands_of(self))
        if problem is not None:
            target = found.parser if isinstance(found.parser, _Parser) else self
            target.fail(problem)
        parsed, extras = self.parse_known_args(argv, namespace)
        if extras:
            where, problem = found.describe_extras(extras)
            (where if isinstance(where, _Parser) else self).fail(problem)
        return parsed

    def error(self, message: str) -> NoReturn:
        self.fail(scan(self._argv, self).scrub(message))

    def fail(self, message: str) -> NoReturn:
        """Exit 2 with ``message`` (already free of argument values) as one line on stderr."""
        self.exit(int(ExitCode.USAGE), f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _common_options() -> argparse.ArgumentParser:
    """Connection and output flags, accepted before and after the sub-command name."""
    common = _Parser(add_help=False, argument_default=argparse.SUPPRESS)
    group = common.add_argument_group("connection (also from environment variables and the config file)")
    group.add_argument("--server", metavar="HOST", help="TrueConf Server: host, host:port or https://host:port")
    group.add_argument("--port", metavar="N", help="port (default 443 with HTTPS, 4309 without)")
    group.add_argument("--https", action=argparse.BooleanOptionalAction,
                       help="use wss/https (default) or, with --no-https, plain ws/http")
    tls = group.add_mutually_exclusive_group()
    tls.add_argument("--ca-bundle", dest="verify", metavar="PATH", help="CA bundle to verify the server with")
    tls.add_argument("--insecure", dest="verify", action="store_const", const=False,
                     help="do not verify the server's TLS certificate")
    group.add_argument("--username", metavar="LOGIN", help="bot login (the password comes from "
                       "TRUECONF_PASSWORD, --password-file or the config file)")
    group.add_argument("--token-file", metavar="PATH", help="file holding the access token")
    group.add_argument("--password-file", metavar="PATH", help="file holding the bot's password")
    group.add_argument("--request-timeout", dest="timeout", metavar="SECONDS",
                       help="seconds each request waits for its answer (default 10)")
    group.add_argument("--config", metavar="PATH", help="INI config file (default "
                       "$XDG_CONFIG_HOME/trueconf-sync/config.ini when it exists)")
    group.add_argument("--profile", metavar="NAME", help="section of the config file (default: trueconf)")
    output = common.add_argument_group("output")
    output.add_argument("-v", "--verbose", action="count",
                        help="log more: -v connection events, -vv also every frame sent and received "
                        "(secrets masked)")
    output.add_argument("-q", "--quiet", action="store_true", help="log errors only")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The full command-line parser (sub-commands: send, listen, token, chats, demo)."""
    common = _common_options()
    parser = _Parser(
        prog=PROG,
        parents=[common],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Command line of trueconf_sync, a client for the TrueConf Server Chatbot Connector.\n"
        "Secrets (token, password) are read from the environment, files or the config file, never\n"
        "from the command line, and are never printed.",
        epilog="\n".join(
            [
                "environment variables (flags win over them; they win over the config file):",
                *(f"  {name:<18} {meaning}" for name, meaning in ENV_VARS.items()),
                "",
                _exit_codes_text(),
                "",
                f"Run '{PROG} COMMAND --help' for the options of a command.",
            ]
        ),
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in (send, listen, token, chats):
        module.add_parser(sub, common)
    relay.add_relay_parser(sub, common)
    relay.add_outbox_parser(sub, common)
    demo = sub.add_parser(
        "demo",
        help="run an echo bot against the built-in fake server and print the chat",
        description="Start the built-in fake TrueConf server, an echo bot and a simulated person, "
        "and print their conversation. Needs no server and no network.",
    )
    demo.set_defaults(run=None)
    return parser


def _setup_logging(args: argparse.Namespace, redactor: Redactor, stream: TextIO) -> tuple[logging.Handler, int]:
    """Log to ``stream`` at the level the flags ask for; return the handler and the level it replaced."""
    verbose = getattr(args, "verbose", 0) or 0
    level = logging.ERROR if getattr(args, "quiet", False) else (
        logging.WARNING if not verbose else logging.INFO if verbose == 1 else logging.DEBUG)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(f"{PROG}: %(levelname)s: %(message)s"))
    handler.addFilter(redactor)
    logger = logging.getLogger("trueconf_sync")
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(level)
    return handler, previous


def _flags(args: argparse.Namespace) -> dict[str, Any]:
    names = ("server", "port", "https", "verify", "username", "token_file", "password_file", "timeout")
    return {name: getattr(args, name) for name in names if hasattr(args, name)}


def _one_line(text: str) -> str:
    return " ".join(text.split()) or "(no details)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``trueconf-sync`` with ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(words)
    if args.command is None:
        print(f"{PROG}: error: give a command: send, listen, token, chats, demo, relay or outbox (see {PROG} --help)",
              file=sys.stderr)
        return int(ExitCode.USAGE)
    run: Command | None = args.run
    # Secrets from the environment are masked from the start (a bad setting may fail before they
    # are loaded); argument values that are no flag names and no safe values never reach stderr.
    redactor = Redactor([os.environ.get(name, "") for name in _SECRET_VARS])
    hidden = scan(words, parser)
    handler, previous_level = _setup_logging(args, redactor, sys.stderr)
    try:
        if run is None:  # the demo needs no settings: it makes its own server and accounts
            from .demo import run_demo

            return run_demo()
        settings = load_settings(_flags(args), config=getattr(args, "config", None),
                                 profile=getattr(args, "profile", None))
        for secret in settings.secrets:
            redactor.add(secret)
        return run(args, settings)
    except BrokenPipeError:
        # The reader went away (``| head``): not an error. Keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(ExitCode.OK)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the process boundary: every failure -> exit code
        code, label = classify(exc)
        if isinstance(exc, UsageError):
            label = "error"
        line = hidden.scrub(_one_line(str(exc) or type(exc).__name__), quoted=False)
        print(f"{PROG}: {label}: {safe_text(redactor(line))}", file=sys.stderr)  # server texts too
        if (getattr(args, "verbose", 0) or 0) >= 2 and not isinstance(exc, (UsageError, KeyboardInterrupt)):
            trace = "".join(traceback.format_exception(exc))
            print(redactor(hidden.scrub(trace, quoted=False)), file=sys.stderr, end="")
        return int(code)
    finally:  # main() may run inside a bigger program (and tests): leave its logging as it was
        logging.getLogger("trueconf_sync").removeHandler(handler)
        logging.getLogger("trueconf_sync").setLevel(previous_level)
