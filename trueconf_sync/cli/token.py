"""``trueconf-sync token``: exchange the bot's username and password for an access token.

Prints only the token (one line), so it can be captured: ``export TRUECONF_TOKEN=$(trueconf-sync
token)``. ``--json`` adds the expiry time.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from ..core.tokens import fetch_token
from ..transport.http import make_session
from .settings import Settings

__all__ = ["add_parser", "run"]

_DESCRIPTION = """\
Get an access token for the bot from its username and password (OAuth password grant on the
TrueConf Server) and print it on standard output. The username comes from --username or
TRUECONF_USERNAME, the password from TRUECONF_PASSWORD, --password-file or the config file.
"""


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    """Register the ``token`` sub-command."""
    parser = sub.add_parser(
        "token", parents=[common], help="get an access token from username and password and print it",
        description=_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  export TRUECONF_TOKEN=$(TRUECONF_PASSWORD=... trueconf-sync token --username bot)",
    )
    parser.add_argument("--json", action="store_true",
                        help='print {"access_token": ..., "expires_at": UNIX_SECONDS_OR_NULL}')
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch the token and print it; return 0."""
    credentials = settings.credentials(password_only=True)
    client = settings.make_client(token=None, **credentials)  # only to resolve the URL and TLS setting
    session = make_session(client.config.verify, client.user_agent)  # checked (and warned about) once
    try:
        token = fetch_token(session, client.base_url, credentials["username"], credentials["password"],
                            settings.timeout)
    finally:
        session.close()
    if args.json:
        print(json.dumps({"access_token": token.access_token, "expires_at": token.expires_at}), flush=True)
    else:
        print(token.access_token, flush=True)
    return 0
