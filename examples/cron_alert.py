#!/usr/bin/env python3
"""Cron alert sender: message the on-call person when a disk is fuller than a threshold.

A crontab line (the password is read from a file only root can read)::

    */10 * * * *  TRUECONF_SERVER=video.example.com TRUECONF_USERNAME=alert_bot \\
                  TRUECONF_PASSWORD_FILE=/etc/trueconf/alert_bot.password \\
                  /usr/bin/python3 /opt/cron_alert.py --to oncall --threshold 90 / /var

Try it against the fake server (no TrueConf installation needed)::

    python -m trueconf_sync.testing --port 8080 --bot alert_bot:secret --user oncall:secret &
    TRUECONF_SERVER=http://127.0.0.1:8080 TRUECONF_USERNAME=alert_bot TRUECONF_PASSWORD=secret \\
        python examples/cron_alert.py --to oncall --threshold 1 /

Silent when nothing is wrong or the alert went out (cron mails nothing). When the alert cannot be
sent it prints one line on stderr and exits with the ``trueconf-sync`` exit codes (3 credentials
refused, 4 server unreachable, 5 server error, 6 timeout), so cron's mail says what went wrong.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys

from trueconf_sync import TrueConfError
from trueconf_sync.cli import UsageError, classify, client_from_env
from trueconf_sync.formatting import FormattedText, markdown


def full_disks(paths: list[str], threshold: float) -> list[tuple[str, float]]:
    """``(path, percent used)`` of every path whose file system is at least ``threshold`` % full."""
    found = []
    for path in paths:
        usage = shutil.disk_usage(path)
        percent = 100.0 * usage.used / usage.total if usage.total else 0.0
        if percent >= threshold:
            found.append((path, percent))
    return found


def alert_text(host: str, disks: list[tuple[str, float]]) -> FormattedText:
    """The alert as Markdown, built safely: host names and paths are escaped, never interpreted."""
    lines = [markdown.bold(f"{host}: disk almost full")]
    lines += [markdown.text(f"{path}: {percent:.0f}% used") for path, percent in disks]
    return markdown.text("\n").join(lines)


def main(argv: list[str] | None = None) -> int:
    """Check the disks and send the alert; return the process exit code."""
    parser = argparse.ArgumentParser(description="Alert over TrueConf when a disk is too full.")
    parser.add_argument("--to", default=os.environ.get("ALERT_TO"), help="TrueConf ID to alert (or ALERT_TO)")
    parser.add_argument("--threshold", type=float, default=90.0, help="percent used that triggers the alert")
    parser.add_argument("paths", nargs="*", default=["/"], help="mount points to check (default /)")
    args = parser.parse_args(argv)
    if not args.to:
        parser.error("give --to USER or set ALERT_TO")
    if not 0 <= args.threshold <= 100:
        parser.error(f"--threshold must be between 0 and 100, got {args.threshold}")

    disks = full_disks(args.paths, args.threshold)
    if not disks:
        return 0
    try:
        # One short connection: no reconnects, a bounded wait for every answer.
        with client_from_env(timeout=15, auto_reconnect=False) as client:
            chat_id = client.create_p2p_chat(args.to)
            client.send_message(chat_id, alert_text(socket.gethostname(), disks))
    except (TrueConfError, UsageError, ValueError) as exc:
        code, what = classify(exc)
        print(f"cron_alert: alert not sent: {what}: {exc}", file=sys.stderr)
        return int(code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
