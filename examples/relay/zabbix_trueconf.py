#!/usr/bin/env python3
"""Zabbix media type "Script" for TrueConf, through the trueconf_sync relay (standard library only).

Zabbix runs it as ``zabbix_trueconf.py {ALERT.SENDTO} {ALERT.SUBJECT} {ALERT.MESSAGE} {EVENT.ID}``
(put it into the server's ``AlertScriptsPath``; the media type's script parameters in that order).
``{ALERT.SENDTO}`` is a TrueConf login (``john_doe`` or ``john_doe@video.example.com``) or
``chat:<chat id>`` for a group chat or channel.

The relay stores the message durably before it answers, so once this script exits 0 the alert is
delivered even if TrueConf is down right now. The event id and subject make the idempotency key:
when Zabbix retries after a timeout, the relay does not queue the same alert twice.

Settings come from the environment, or from ``/etc/trueconf-relay/zabbix.env`` (``VAR=value``
lines; set ``TRUECONF_RELAY_ENV`` to use another file):

* ``TRUECONF_RELAY_URL``   -- default ``http://127.0.0.1:8765``
* ``TRUECONF_RELAY_TOKEN`` -- the relay's API token (required)

Exit codes: 0 queued, 1 refused by the relay (the message says why), 2 usage, 3 relay unreachable.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import urllib.error
import urllib.request

DEFAULT_ENV_FILE = "/etc/trueconf-relay/zabbix.env"
TEXT_LIMIT = 4096


def settings() -> dict[str, str]:
    """Settings from the env file, overridden by the environment."""
    found: dict[str, str] = {}
    path = os.environ.get("TRUECONF_RELAY_ENV", DEFAULT_ENV_FILE)
    try:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                name, sep, value = line.strip().partition("=")
                if sep and not name.startswith("#"):
                    found[name.strip()] = value.strip().strip('"')
    except FileNotFoundError:
        pass
    for name in ("TRUECONF_RELAY_URL", "TRUECONF_RELAY_TOKEN"):
        if os.environ.get(name):
            found[name] = os.environ[name]
    return found


def build(send_to: str, subject: str, message: str, event_id: str | None) -> dict[str, str]:
    """The ``POST /send`` body for one alert."""
    text = f"{subject}\n{message}".strip() if message.strip() else subject.strip()
    if len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 3] + "..."
    body = {"text": text or "(empty Zabbix alert)"}
    if send_to.startswith("chat:"):
        body["chat_id"] = send_to[len("chat:"):]
    else:
        body["to"] = send_to
    if event_id:
        digest = hashlib.sha256(f"{send_to}\n{subject}".encode()).hexdigest()[:16]
        body["key"] = f"zabbix:{event_id}:{digest}"
    return body


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4) or not argv[0].strip():
        print("usage: zabbix_trueconf.py SENDTO SUBJECT MESSAGE [EVENT_ID]", file=sys.stderr)
        return 2
    config = settings()
    token = config.get("TRUECONF_RELAY_TOKEN")
    if not token:
        print("zabbix_trueconf.py: TRUECONF_RELAY_TOKEN is not set", file=sys.stderr)
        return 2
    url = config.get("TRUECONF_RELAY_URL", "http://127.0.0.1:8765").rstrip("/") + "/send"
    data = json.dumps(build(argv[0].strip(), argv[1], argv[2], argv[3] if len(argv) == 4 else None)).encode()
    request = urllib.request.Request(url, data=data, method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            answer = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            reason = json.loads(exc.read()).get("error", exc.reason)
        except ValueError:
            reason = exc.reason
        print(f"zabbix_trueconf.py: the relay refused the alert: HTTP {exc.code}: {reason}", file=sys.stderr)
        return 1
    except (urllib.error.URLError, OSError) as exc:
        print(f"zabbix_trueconf.py: relay unreachable at {url}: {exc}", file=sys.stderr)
        return 3
    print(f"queued as outbox entry {answer.get('id')}" + (" (already queued)" if answer.get("duplicate") else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
