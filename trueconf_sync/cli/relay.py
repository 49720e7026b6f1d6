"""``trueconf-sync relay``, ``trueconf-sync outbox list|retry|purge`` and ``send --queue``.

The relay is one long-lived process: one TrueConf connection, the durable outbox, the HTTP
endpoints of :mod:`trueconf_sync.relay`. ``outbox`` inspects and manages the same SQLite file
(safe while the relay runs). ``send --queue`` stores the message in that file and returns, for cron
jobs that fire often; without a configured outbox it sends directly like a plain ``send``.

The outbox file comes from ``--outbox PATH`` or ``TRUECONF_OUTBOX``. Secrets (the relay's API
token, the hook secrets) come from files or the environment, never from the command line.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from typing import Any

from .exitcodes import UsageError
from .settings import Settings
from .terminal import safe_text

__all__ = ["OUTBOX_VAR", "TOKEN_VAR", "add_outbox_parser", "add_queue_options", "add_relay_parser",
           "queue_message", "read_hooks"]

log = logging.getLogger("trueconf_sync.cli")

#: Environment variable naming the outbox file.
OUTBOX_VAR = "TRUECONF_OUTBOX"
#: Environment variable holding the relay's bearer token.
TOKEN_VAR = "TRUECONF_RELAY_TOKEN"

_RELAY_DESCRIPTION = f"""\
Run the notification relay: one TrueConf connection, a durable outbox (SQLite) and HTTP endpoints:
  POST /send              JSON {{to | chat_id, text, parse_mode, files: [url], key}}   (bearer token)
  POST /alertmanager?to=  Prometheus Alertmanager webhook                             (bearer token)
  POST /grafana?to=       Grafana webhook contact point                               (bearer token)
  POST /hook/SECRET       incoming webhook of one chat (secrets from --hooks-file)
  GET  /healthz, /metrics
Every accepted message is on disk before the answer (202) leaves; it is delivered in order per
recipient, retried while the server is unreachable, and never lost on a crash. The API token comes
from ${TOKEN_VAR} or --api-token-file; the outbox file from --outbox or ${OUTBOX_VAR}.
"""


def _outbox_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--outbox", metavar="PATH", help=f"the outbox file (default: ${OUTBOX_VAR})")


def _outbox_path(args: argparse.Namespace) -> str | None:
    path = getattr(args, "outbox", None) or os.environ.get(OUTBOX_VAR) or None
    return path


def _open_outbox(args: argparse.Namespace, **options: Any) -> Any:
    from ..outbox import Outbox

    path = _outbox_path(args)
    if path is None:
        raise UsageError(f"no outbox: give --outbox PATH or set {OUTBOX_VAR}")
    return Outbox(path, **options)


# ---- trueconf-sync relay ------------------------------------------------------------------------

def add_relay_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register the ``relay`` sub-command."""
    parser = sub.add_parser("relay", parents=[common], help="run the HTTP notification relay with a durable outbox",
                            description=_RELAY_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    _outbox_option(parser)
    parser.add_argument("--listen", metavar="HOST:PORT", default="127.0.0.1:8765",
                        help="address to serve HTTP on (default 127.0.0.1:8765; port 0: any free port)")
    parser.add_argument("--api-token-file", metavar="PATH", help=f"file holding the bearer token (or ${TOKEN_VAR})")
    parser.add_argument("--hooks-file", metavar="PATH",
                        help="incoming webhooks: one 'SECRET user:LOGIN' or 'SECRET chat:CHAT_ID' per line")
    parser.add_argument("--max-body", type=int, default=1024 * 1024, metavar="BYTES",
                        help="largest request body (default 1 MiB)")
    parser.add_argument("--rate", type=float, default=50.0, metavar="N",
                        help="requests per second per client address (default 50; 0: no limit)")
    parser.add_argument("--burst", type=int, default=200, metavar="N", help="burst above the rate (default 200)")
    parser.add_argument("--allow-network", action="append", default=[], metavar="CIDR",
                        help="let file URLs reach this non-public network (repeatable; default: public only)")
    parser.add_argument("--max-attempts", type=int, default=10, metavar="N",
                        help="failed tries before a dead letter (outages do not count; default 10)")
    parser.add_argument("--backoff-base", type=float, default=1.0, metavar="SECONDS",
                        help="first retry delay, doubled each time (default 1)")
    parser.add_argument("--backoff-max", type=float, default=300.0, metavar="SECONDS",
                        help="longest retry delay (default 300)")
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL",
                        help="SQLite durability: FULL survives power loss (default), NORMAL only crashes")
    parser.set_defaults(run=run_relay)


def _read_secret_file(path: str, flag: str) -> str:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError as exc:
        raise UsageError(f"{flag} {path!r}: cannot read it ({exc.strerror or exc})") from None


def read_hooks(path: str) -> dict[str, str]:
    """The hooks file: ``SECRET RECIPIENT`` per line; blank lines and ``#`` comments are skipped."""
    hooks: dict[str, str] = {}
    for number, line in enumerate(_read_secret_file(path, "--hooks-file").splitlines(), 1):
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if len(words) != 2 or not words[1].startswith(("user:", "chat:")):
            raise UsageError(f"--hooks-file line {number}: expected 'SECRET user:LOGIN' or 'SECRET chat:CHAT_ID'")
        hooks[words[0]] = words[1]
    return hooks


def _listen(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    if not host or not port.isdigit() or int(port) > 65535:
        raise UsageError(f"--listen must be HOST:PORT, got {value!r}")
    return host.strip("[]"), int(port)


def run_relay(args: argparse.Namespace, settings: Settings) -> int:
    """Serve until SIGTERM / Ctrl-C; return 0."""
    from ..relay import Relay

    host, port = _listen(args.listen)
    token = (_read_secret_file(args.api_token_file, "--api-token-file") if args.api_token_file
             else os.environ.get(TOKEN_VAR) or None)
    hooks = read_hooks(args.hooks_file) if args.hooks_file else {}
    if token is None and not hooks:
        raise UsageError(f"no way in: give the API token ({TOKEN_VAR} or --api-token-file) or --hooks-file")
    client = settings.make_client(auto_reconnect=True)
    outbox = _open_outbox(args, max_attempts=args.max_attempts, backoff_base=args.backoff_base,
                          backoff_max=args.backoff_max, outage_max_delay=min(30.0, args.backoff_max),
                          allowed_networks=args.allow_network, synchronous=args.synchronous)
    stop = threading.Event()
    try:
        relay = Relay(outbox, client, token=token, hooks=hooks, host=host, port=port, max_body=args.max_body,
                      rate=args.rate, burst=args.burst)
    except OSError as exc:
        outbox.close()
        raise UsageError(f"--listen {args.listen}: cannot listen there ({exc.strerror or exc})") from None
    except ValueError as exc:
        outbox.close()
        raise UsageError(str(exc)) from None
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        relay.start()
    except RuntimeError as exc:  # another relay delivers this outbox
        relay.stop()
        outbox.close()
        raise UsageError(str(exc)) from None
    print(f"trueconf-sync relay: listening on {relay.url}", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        relay.stop()
        client.close()
        outbox.close()
    return 0


# ---- trueconf-sync outbox ------------------------------------------------------------------------

def add_outbox_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register the ``outbox`` sub-command (list, retry, purge)."""
    parser = sub.add_parser(
        "outbox", parents=[common], help="list, retry or purge outbox entries",
        description="Inspect and manage the relay's outbox (safe while the relay runs).\n"
        "  list          pending and dead entries (--state for others)\n"
        "  retry [ID..]  queue dead letters again (all, or these)\n"
        "  purge [ID..]  delete sent entries (--dead: dead letters); pending ones are never purged",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=("list", "retry", "purge"), help="what to do")
    parser.add_argument("ids", nargs="*", metavar="ID", help="entry ids (retry, purge)")
    _outbox_option(parser)
    parser.add_argument("--state", choices=("pending", "sent", "dead", "all"), help="list: entries in this state")
    parser.add_argument("--dead", action="store_true", help="purge: dead letters instead of sent entries")
    parser.add_argument("--older-than", type=float, default=0.0, metavar="SECONDS",
                        help="purge: only entries finished at least this long ago")
    parser.add_argument("--limit", type=int, metavar="N", help="list: at most N entries")
    parser.add_argument("--json", action="store_true", help="list: one JSON object per line")
    parser.set_defaults(run=run_outbox)


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def split_ids(values: list[str]) -> list[int]:
    """Entry ids from command-line words (``12``, ``12,13``)."""
    ids = []
    for value in values:
        for word in value.split(","):
            if word.strip():
                if not word.strip().isdigit():
                    raise ValueError(f"entry id must be a number, got {word!r}")
                ids.append(int(word))
    return ids


def run_outbox(args: argparse.Namespace, settings: Settings) -> int:
    """Run ``outbox list|retry|purge``; return 0."""
    try:
        ids = split_ids(args.ids) or None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.action == "list" and ids:
        raise UsageError("listing takes no entry ids (use --state and --limit)")
    with _open_outbox(args) as outbox:
        if args.action == "retry":
            print(f"{outbox.retry(ids)} dead letter(s) queued again", flush=True)
        elif args.action == "purge":
            count = outbox.purge("dead" if args.dead else "sent", older_than=args.older_than, ids=ids)
            print(f"{count} entr{'y' if count == 1 else 'ies'} purged", flush=True)
        else:
            _list(outbox, args)
    return 0


def _list(outbox: Any, args: argparse.Namespace) -> None:
    state = None if args.state == "all" else args.state
    entries = outbox.entries(state, limit=args.limit) if state or args.state == "all" else [
        e for e in outbox.entries(limit=None) if e.state != "sent"][: args.limit]
    if args.json:
        for entry in entries:
            print(json.dumps(entry.as_dict(), ensure_ascii=False), flush=True)
        return
    now = time.time()
    print("ID      STATE    TRIES  AGE   TO                        TEXT / ERROR")
    for e in entries:
        shown = (e.text or f"[{len(e.files)} file(s)]")[:50]
        if e.error:
            shown += f"  <- {e.error[:80]}"
        print(safe_text(f"{e.id:<7} {e.state:<8} {e.attempts:<6} {_age(now - e.created):<5} "
                        f"{e.recipient[:25]:<25} {shown}"))
    sys.stdout.flush()


# ---- send --queue ----------------------------------------------------------------------------------

def add_queue_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--queue``, ``--outbox`` and ``--key`` to the ``send`` sub-command."""
    group = parser.add_argument_group("queueing (through the relay's outbox)")
    group.add_argument("--queue", action="store_true",
                       help=f"store the message in the relay's outbox (--outbox or ${OUTBOX_VAR}) and return "
                       "without connecting; sends directly when no outbox is configured")
    group.add_argument("--outbox", metavar="PATH", help=f"the outbox file (default: ${OUTBOX_VAR})")
    group.add_argument("--key", metavar="KEY", help="idempotency key: the same key is never queued twice")


def queue_message(args: argparse.Namespace, parts: list[str], files: list[str]) -> int | None:
    """``send --queue``: store ``parts`` and ``files`` in the outbox; None when no outbox is configured."""
    if not getattr(args, "queue", False):
        return None
    if _outbox_path(args) is None:
        log.info("send --queue: no outbox configured (--outbox, %s); sending directly", OUTBOX_VAR)
        return None
    if args.reply_to is not None:
        raise UsageError("--reply-to cannot be queued (the message may be delivered much later)")
    target = {"to": args.to.strip()} if args.to is not None else {"chat_id": args.chat}
    key = getattr(args, "key", None)
    batches: list[dict[str, Any]] = [{"text": part} for part in parts]
    if files:
        caption = batches.pop()["text"] if len(batches) == 1 else None
        batches.append({"text": caption, "files": files})
    receipts = []
    with _open_outbox(args) as outbox:
        for index, batch in enumerate(batches):
            part_key = key if key is None or index == 0 else f"{key}#{index}"
            receipts.append(outbox.put(**target, parse_mode=args.parse_mode, key=part_key, **batch))
    if args.json:
        for receipt in receipts:
            print(json.dumps({"queued": receipt.id, "duplicate": receipt.duplicate}), flush=True)
    return 0
