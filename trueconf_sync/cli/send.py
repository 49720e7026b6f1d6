"""``trueconf-sync send``: send a message (text from the argument or stdin) and files to a person or chat.

Silent on success (so cron mails nothing), one line on stderr and a distinct exit code on failure.
Everything is checked before connecting: the text's length and parse mode, that the files exist.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import os
import sys
from typing import Any

from ..api.validation import MAX_TEXT_LENGTH, check_text
from ..text.formatting import split_text, visible_length
from .exitcodes import UsageError
from .settings import Settings

__all__ = ["add_parser", "read_text", "run"]

log = logging.getLogger("trueconf_sync.cli")

_DESCRIPTION = """\
Send TEXT to a person (--to, their personal chat is created when needed) or to a chat (--chat).
Without TEXT (or with '-') the text is read from standard input, so any command's output can be
sent: 'df -h | trueconf-sync send --to admin'. Prints nothing on success unless --json is given.
"""

_EXAMPLES = """\
examples:
  trueconf-sync send --to john_doe "Backup finished"
  trueconf-sync send --chat 51ffe1b1-... --markdown "**db-1**: disk 95% full"
  journalctl -u nginx -n 50 | trueconf-sync send --to oncall@video.example.com --split
  trueconf-sync send --to john_doe --file report.pdf "Monthly report"   (a progress bar on a terminal)
  trueconf-sync send --to john_doe -- "-5 degrees outside"   (text starting with '-')
"""


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register the ``send`` sub-command."""
    parser = sub.add_parser(
        "send", parents=[common], help="send a message (and files) to a person or a chat",
        description=_DESCRIPTION, epilog=_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="USER", help="TrueConf ID of a person (login or login@server)")
    target.add_argument("--chat", metavar="CHAT_ID", help="id of an existing chat, group or channel")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--markdown", dest="parse_mode", action="store_const", const="markdown",
                      help="the text is Markdown")
    mode.add_argument("--html", dest="parse_mode", action="store_const", const="html", help="the text is HTML")
    parser.add_argument("--file", dest="files", action="append", default=[], metavar="PATH",
                        help="attach a file (repeatable); TEXT becomes the first file's caption")
    parser.add_argument("--progress", action=argparse.BooleanOptionalAction, default=None,
                        help="show a progress bar for --file uploads (default: when stderr is a terminal "
                        "and the 'progress' extra, tqdm, is installed)")
    parser.add_argument("--reply-to", metavar="MESSAGE_ID", help="send as a reply to this message")
    parser.add_argument("--split", action="store_true",
                        help=f"send text longer than {MAX_TEXT_LENGTH} characters as several messages")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON line per message sent (chat_id, message_id, timestamp)")
    parser.add_argument("text", nargs="?", metavar="TEXT", help="the message; '-' or nothing: read standard input")
    parser.set_defaults(run=run)


def read_text(argument: str | None, *, have_files: bool) -> str | None:
    """The message text: the argument, or standard input for ``-`` / no argument.

    With files and no argument, stdin is not read (the files are sent without a caption), so a
    cron job with an open stdin never hangs. A terminal on stdin without text is a usage error.
    """
    if argument is not None and argument != "-":
        return argument
    stdin = sys.stdin
    if argument is None and (have_files or stdin is None or stdin.isatty()):
        if have_files:
            return None
        raise UsageError("no text: give TEXT, or pipe the text into standard input")
    if stdin is None:
        return ""
    data = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read().encode()
    return data.decode("utf-8", errors="replace").rstrip("\r\n")


def _parts(text: str | None, parse_mode: str | None, split: bool, have_files: bool) -> list[str]:
    """The text as the messages to send, each checked against the limits (before connecting)."""
    if text is None or (have_files and not text.strip()):
        return []
    if not text.strip():
        raise UsageError("the message text is empty")
    mode = parse_mode or "text"
    length = visible_length(text, mode)
    if length > MAX_TEXT_LENGTH and not split:
        raise UsageError(
            f"TEXT is {length} visible characters long; the limit is {MAX_TEXT_LENGTH} "
            "(use --split to send it as several messages)"
        )
    parts = split_text(text, parse_mode=mode) if length > MAX_TEXT_LENGTH else [text]
    for part in parts:
        check_text("TEXT", part, mode)
    return [part for part in parts if part.strip()]


def _check_files(paths: list[str]) -> list[str]:
    for path in paths:
        if not os.path.isfile(path):
            raise UsageError(f"--file {path!r}: no such file")
        if not os.access(path, os.R_OK):
            raise UsageError(f"--file {path!r}: not readable")
    return paths


def _progress_bar(args: argparse.Namespace) -> bool:
    """Whether uploads show a tqdm bar: ``--progress``/``--no-progress``, else only on a terminal
    (never in cron mails or pipes) with tqdm installed and without ``--quiet``."""
    have_tqdm = importlib.util.find_spec("tqdm") is not None
    if args.progress:
        if not have_tqdm:  # said before connecting, not after the text went out
            raise UsageError("--progress needs tqdm: pip install 'trueconf_sync[progress]'")
        return True
    if args.progress is not None or getattr(args, "quiet", False) or not args.files:
        return False
    stderr = sys.stderr
    if stderr is None or not stderr.isatty():
        return False
    if not have_tqdm:
        log.info("pip install 'trueconf_sync[progress]' for a progress bar of uploads")
        return False
    return True


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Send the message; return 0 (failures raise and become exit codes in :func:`main`)."""
    files = _check_files(args.files)
    text = read_text(args.text, have_files=bool(files))
    parts = _parts(text, args.parse_mode, args.split, bool(files))
    if not parts and not files:
        raise UsageError("nothing to send")
    if args.to is not None and not args.to.strip():
        raise UsageError("--to must not be empty")
    client = settings.make_client(auto_reconnect=False)
    send_file: Any = getattr(client, "send_file", None)
    if files and send_file is None:
        raise UsageError("--file needs a trueconf_sync with file support (client.send_file)")
    caption = parts.pop(0) if files and len(parts) == 1 else None
    bar = _progress_bar(args)
    sent: list[Any] = []
    with client:
        chat_id = args.chat if args.chat is not None else client.create_p2p_chat(args.to.strip())
        reply_to = args.reply_to
        for part in parts:
            sent.append(client.send_message(chat_id, part, parse_mode=args.parse_mode, reply_message_id=reply_to))
        for index, path in enumerate(files):
            options: dict[str, Any] = {"reply_message_id": reply_to, "progress": bar}
            if index == 0 and caption is not None:
                options.update(caption=caption, parse_mode=args.parse_mode)
            sent.append(send_file(chat_id, path, **options))
    if args.json:
        for result in sent:
            record = {"chat_id": getattr(result, "chat_id", chat_id) or chat_id,
                      "message_id": getattr(result, "message_id", None),
                      "timestamp": getattr(result, "timestamp", None)}
            print(json.dumps(record), flush=True)
    return 0
