#!/usr/bin/env python3
"""File sender: send files (reports, logs, screenshots) to a person or a chat, in parallel.

::

    python examples/file_sender.py --to john_doe report.pdf screenshot.png --caption "Nightly report"

Try it against the fake server (no TrueConf installation needed)::

    python -m trueconf_sync.testing --port 8080 --bot files_bot:secret --user john_doe:secret &
    TRUECONF_SERVER=http://127.0.0.1:8080 TRUECONF_USERNAME=files_bot TRUECONF_PASSWORD=secret \\
        python examples/file_sender.py --to john_doe README.rst setup.cfg

Every upload streams from disk (a large file is never read into memory) and runs concurrently
with the others: ``client.send_file.future(...)`` returns at once with a Future. Prints one line
per file sent; files that fail are reported on stderr and make the exit status non-zero.
"""

from __future__ import annotations

import argparse
import os
import sys
from concurrent.futures import Future

from trueconf_sync import TrueConfError
from trueconf_sync.cli import UsageError, classify, client_from_env
from trueconf_sync.models import SentFile


def main(argv: list[str] | None = None) -> int:
    """Send the files named on the command line; return the process exit code."""
    parser = argparse.ArgumentParser(description="Send files over TrueConf.")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--to", metavar="USER", help="TrueConf ID of a person")
    target.add_argument("--chat", metavar="CHAT_ID", help="id of a chat, group or channel")
    parser.add_argument("--caption", help="text shown with the first file")
    parser.add_argument("files", nargs="+", metavar="FILE")
    args = parser.parse_args(argv)
    for path in args.files:  # check everything before anything is sent
        if not os.path.isfile(path):
            parser.error(f"{path}: no such file")

    failed = 0
    try:
        with client_from_env(auto_reconnect=False, timeout=60) as client:
            chat_id = args.chat or client.create_p2p_chat(args.to)
            uploads: list[tuple[str, Future[SentFile]]] = [
                (path, client.send_file.future(chat_id, path, caption=args.caption if i == 0 else None))
                for i, path in enumerate(args.files)
            ]
            for path, future in uploads:  # all uploads are running; collect them in order
                try:
                    sent = future.result()
                except TrueConfError as exc:
                    failed += 1
                    print(f"{path}: not sent: {exc}", file=sys.stderr)
                    continue
                print(f"sent {path} ({os.path.getsize(path)} bytes) as message {sent.message_id}", flush=True)
    except (TrueConfError, UsageError, ValueError) as exc:
        code, what = classify(exc)
        print(f"file_sender: {what}: {exc}", file=sys.stderr)
        return int(code)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
