"""Run the fake TrueConf server standalone: ``python -m trueconf_sync.testing --port 8080``.

Serves the protocol plus the JSON control API under ``/_fake/`` (see :mod:`.control`) until Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence

from ..extras import MissingExtraError, require
from .server import FakeTrueConfServer, loopback_only


def _account(value: str) -> tuple[str, str]:
    login, sep, password = value.partition(":")
    if not login:
        raise argparse.ArgumentTypeError("expected LOGIN:PASSWORD")
    return login, password if sep else "password"


def build_parser() -> argparse.ArgumentParser:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m trueconf_sync.testing",
                                     description="Fake TrueConf Server (Chatbot Connector API) for tests.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=4309, help="port (default 4309, 0 = any free port)")
    parser.add_argument("--server-name", default="video.example.com", help="TrueConf server name")
    parser.add_argument("--version", dest="server_version", default="5.5.6.0", help="reported server version")
    parser.add_argument("--legacy", action="store_true", help="5.5.4 envelopes (no chat object, no §12)")
    parser.add_argument("--bot", action="append", type=_account, default=[], metavar="LOGIN:PASSWORD",
                        help="create a bot account (repeatable)")
    parser.add_argument("--user", action="append", type=_account, default=[], metavar="LOGIN:PASSWORD",
                        help="create a user account (repeatable)")
    parser.add_argument("--ping-interval", type=float, default=5.0, help="seconds between WS pings")
    parser.add_argument("--pong-timeout", type=float, default=10.0, help="drop peers silent this long")
    parser.add_argument("--file-ready-delay", type=float, default=0.0, help="seconds new files stay UPLOADING")
    parser.add_argument("--control-token", metavar="TOKEN", default=os.environ.get("TRUECONF_FAKE_CONTROL_TOKEN"),
                        help="require 'Authorization: Bearer TOKEN' on the /_fake/ control API "
                             "(default: $TRUECONF_FAKE_CONTROL_TOKEN; none)")
    parser.add_argument("--control-host", action="append", default=[], metavar="NAME",
                        help="a host name accepted in the control API's Host header (repeatable)")
    parser.add_argument("--verbose", "-v", action="store_true", help="log requests and server internals")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        require("aiohttp", "testing", "the fake TrueConf server")
    except MissingExtraError as exc:
        print(f"python -m trueconf_sync.testing: {exc}", file=sys.stderr)
        return 1
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    server = FakeTrueConfServer(args.host, args.port, server_name=args.server_name, version=args.server_version,
                                legacy_envelopes=args.legacy, ping_interval=args.ping_interval,
                                pong_timeout=args.pong_timeout, file_ready_delay=args.file_ready_delay,
                                control_api=True, control_token=args.control_token,
                                control_hosts=tuple(args.control_host))
    for login, password in [*args.bot, *args.user]:
        server.add_user(login, password)
    try:
        server.start()
    except OSError as exc:
        print(f"cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    print(f"Fake TrueConf server listening on {server.url} (control API: {server.url}/_fake/)", flush=True)
    if not loopback_only(args.host):
        print(f"warning: listening on {args.host}, beyond this machine: whoever reaches the port can use the "
              "control API to act as any user" + ("" if args.control_token else "; pass --control-token"),
              file=sys.stderr, flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
