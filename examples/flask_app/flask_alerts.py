"""A small Flask app that talks to TrueConf: a form that sends an alert, and a webhook-to-chat relay.

Try it against the built-in fake server (three terminals)::

    python -m trueconf_sync.testing --port 8080 --bot alert_bot:secret --user alice:secret

    cd examples/flask_app
    export TRUECONF_SERVER=http://127.0.0.1:8080 TRUECONF_USERNAME=alert_bot TRUECONF_PASSWORD=secret
    export ALERT_TO=alice WEBHOOK_SECRET=change-me FORM_PASSWORD=change-me-too SECRET_KEY=$(openssl rand -hex 32)
    flask --app flask_alerts run              # or: gunicorn -w 2 --threads 8 wsgi:app

    curl -H "X-Webhook-Secret: change-me" -H "Content-Type: application/json" \\
         -d '{"text": "db-1: disk 95% full"}' http://127.0.0.1:5000/webhook

and open http://127.0.0.1:5000/ for the form (user ``FORM_USER``, default ``admin``, password
``FORM_PASSWORD``). Settings come from the environment: the ``TRUECONF_*`` ones go to the
:class:`~trueconf_sync.contrib.flask.TrueConf` extension; ``ALERT_TO`` is the default recipient (a
TrueConf ID or login) and ``WEBHOOK_SECRET`` the shared secret the webhook's callers send in
``X-Webhook-Secret``.

The form can message anyone as the bot, so it is locked: HTTP Basic authentication
(``FORM_USER`` / ``FORM_PASSWORD``), a CSRF token in a signed session cookie (``SECRET_KEY``, the
same in every worker; SameSite=Lax), and without those settings the form is switched off. The
per-process cache of P2P chats is bounded (``CHAT_CACHE_SIZE``, least recently used out).
"""

from __future__ import annotations

import hmac
import os
import secrets
import threading
from collections import OrderedDict
from typing import Any

from flask import Flask, abort, jsonify, request, session
from markupsafe import escape

from trueconf_sync import SentMessage, TrueConfError
from trueconf_sync.contrib.flask import TrueConf

trueconf = TrueConf()

#: Environment variables copied into ``app.config``.
ENVIRONMENT = ("TRUECONF_SERVER", "TRUECONF_TOKEN", "TRUECONF_USERNAME", "TRUECONF_PASSWORD",
               "ALERT_TO", "WEBHOOK_SECRET", "FORM_USER", "FORM_PASSWORD", "SECRET_KEY", "CHAT_CACHE_SIZE")

PAGE = """<!doctype html>
<title>Send an alert</title>
<h1>Send an alert</h1>
<p class="notice">{notice}</p>
<form method="post">
  <input type="hidden" name="csrf_token" value="{csrf}">
  <p><label>To (TrueConf ID or login) <input name="to" value="{to}" required></label></p>
  <p><label>Text <textarea name="text" rows="4" cols="60" required></textarea></label></p>
  <p><label><input type="checkbox" name="markdown" value="1"> Markdown</label></p>
  <p><button>Send</button></p>
</form>
"""


def webhook_text(payload: Any) -> str | None:
    """The message for a webhook body: ``{"text": ...}``, or Alertmanager's ``{"alerts": [...]}``."""
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("text"), str) and payload["text"].strip():
        return str(payload["text"])
    alerts = payload.get("alerts")
    if isinstance(alerts, list) and alerts:
        lines = []
        for alert in alerts:
            if not isinstance(alert, dict):
                return None
            labels = alert.get("labels") or {}
            notes = alert.get("annotations") or {}
            name = labels.get("alertname", "alert")
            lines.append(f"[{str(alert.get('status', 'firing')).upper()}] {name}: {notes.get('summary', '')}".rstrip())
        return "\n".join(lines)
    return None


class ChatCache:
    """Recipient -> P2P chat id, at most ``size`` entries (least recently used dropped), thread-safe."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError(f"CHAT_CACHE_SIZE must be >= 1, got {size}")
        self.size = size
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, recipient: str) -> str | None:
        with self._lock:
            chat_id = self._items.get(recipient)
            if chat_id is not None:
                self._items.move_to_end(recipient)
            return chat_id

    def put(self, recipient: str, chat_id: str) -> None:
        with self._lock:
            self._items[recipient] = chat_id
            self._items.move_to_end(recipient)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config`` on top."""
    app = Flask(__name__)
    app.config.update({key: os.environ[key] for key in ENVIRONMENT if os.environ.get(key)})
    app.config.update(config or {})
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:  # Flask's default is None: cross-site sends it
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    trueconf.init_app(app)
    chats = ChatCache(int(app.config.get("CHAT_CACHE_SIZE", 1000)))
    app.extensions["alert_chats"] = chats

    def send(to: str, text: str, parse_mode: str = "text") -> SentMessage:
        client = trueconf.client  # this process's client, shared by all request threads
        chat_id = chats.get(to)
        if chat_id is None:
            chat_id = client.create_p2p_chat(to)
            chats.put(to, chat_id)
        return client.send_message(chat_id, text, parse_mode=parse_mode)

    def page(notice: str, status: int) -> tuple[str, int]:
        csrf = session.setdefault("csrf", secrets.token_urlsafe(32))
        return PAGE.format(notice=escape(notice), to=escape(app.config.get("ALERT_TO", "")), csrf=csrf), status

    def locked() -> tuple[str, int, dict[str, str]] | None:
        """Why the form may not be used now (a response), or None for an authenticated user."""
        password = app.config.get("FORM_PASSWORD") or ""
        if not password or not app.config.get("SECRET_KEY"):
            return "The form is off: set FORM_PASSWORD and SECRET_KEY.", 403, {}
        auth = request.authorization
        user_ok = auth is not None and hmac.compare_digest((auth.username or "").encode(),
                                                           app.config.get("FORM_USER", "admin").encode())
        if not (user_ok and auth is not None and hmac.compare_digest((auth.password or "").encode(),
                                                                     password.encode())):
            return "Log in to send alerts.", 401, {"WWW-Authenticate": 'Basic realm="alerts", charset="UTF-8"'}
        return None

    @app.get("/")
    def form() -> Any:
        return locked() or page("", 200)

    @app.post("/")
    def send_alert() -> Any:
        refused = locked()
        if refused is not None:
            return refused
        expected = session.get("csrf") or ""
        if not expected or not hmac.compare_digest(request.form.get("csrf_token", "").encode(), expected.encode()):
            return page("The form expired or came from another site; nothing was sent. Try again.", 400)
        to = request.form.get("to", "").strip()
        text = request.form.get("text", "").strip()
        if not to or not text:
            return page("Both fields are required.", 400)
        try:
            sent = send(to, text, "markdown" if request.form.get("markdown") else "text")
        except (TypeError, ValueError) as exc:  # bad input: nothing was sent
            return page(f"Not sent: {exc}", 400)
        except TrueConfError as exc:
            return page(f"Not sent: {exc}", 502)
        return page(f"Sent to {to} (message {sent.message_id}).", 200)

    @app.post("/webhook")
    def relay() -> Any:
        secret = app.config.get("WEBHOOK_SECRET") or ""
        given = request.headers.get("X-Webhook-Secret", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            abort(403)
        text = webhook_text(request.get_json(silent=True))
        to = request.args.get("to") or app.config.get("ALERT_TO")
        if text is None or not to:
            return jsonify(error='send JSON {"text": ...} or Alertmanager alerts; set ALERT_TO or ?to='), 400
        try:
            sent = send(to, text)
        except (TypeError, ValueError) as exc:
            return jsonify(error=str(exc)), 400
        except TrueConfError as exc:
            return jsonify(error=f"{type(exc).__name__}: {exc}"), 502
        return jsonify(chat_id=sent.chat_id, message_id=sent.message_id)

    @app.get("/health")
    def health() -> Any:
        state = trueconf.client.health()
        return jsonify(state=state.state, connected=state.connected, reconnects=state.reconnects)

    return app


if __name__ == "__main__":
    create_app().run()
