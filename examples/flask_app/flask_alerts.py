"""A small Flask app that talks to TrueConf: a form that sends an alert, and a webhook-to-chat relay.

Try it against the built-in fake server (three terminals)::

    python -m trueconf_sync.testing --port 8080 --bot alert_bot:secret --user alice:secret

    cd examples/flask_app
    export TRUECONF_SERVER=http://127.0.0.1:8080 TRUECONF_USERNAME=alert_bot TRUECONF_PASSWORD=secret
    export ALERT_TO=alice WEBHOOK_SECRET=change-me
    flask --app flask_alerts run              # or: gunicorn -w 2 --threads 8 wsgi:app

    curl -H "X-Webhook-Secret: change-me" -H "Content-Type: application/json" \\
         -d '{"text": "db-1: disk 95% full"}' http://127.0.0.1:5000/webhook

and open http://127.0.0.1:5000/ for the form. Settings come from the environment: the
``TRUECONF_*`` ones go to the :class:`~trueconf_sync.contrib.flask.TrueConf` extension;
``ALERT_TO`` is the default recipient (a TrueConf ID or login) and ``WEBHOOK_SECRET`` the shared
secret the webhook's callers send in ``X-Webhook-Secret``.
"""

from __future__ import annotations

import hmac
import os
from typing import Any

from flask import Flask, abort, jsonify, request
from markupsafe import escape

from trueconf_sync import SentMessage, TrueConfError
from trueconf_sync.contrib.flask import TrueConf

trueconf = TrueConf()

#: Environment variables copied into ``app.config``.
ENVIRONMENT = ("TRUECONF_SERVER", "TRUECONF_TOKEN", "TRUECONF_USERNAME", "TRUECONF_PASSWORD",
               "ALERT_TO", "WEBHOOK_SECRET")

PAGE = """<!doctype html>
<title>Send an alert</title>
<h1>Send an alert</h1>
<p class="notice">{notice}</p>
<form method="post">
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


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, then ``config`` on top."""
    app = Flask(__name__)
    app.config.update({key: os.environ[key] for key in ENVIRONMENT if os.environ.get(key)})
    app.config.update(config or {})
    trueconf.init_app(app)
    chats: dict[str, str] = {}  # recipient -> P2P chat id, per process

    def send(to: str, text: str, parse_mode: str = "text") -> SentMessage:
        client = trueconf.client  # this process's client, shared by all request threads
        chat_id = chats.get(to)
        if chat_id is None:
            chat_id = chats[to] = client.create_p2p_chat(to)
        return client.send_message(chat_id, text, parse_mode=parse_mode)

    def page(notice: str, status: int) -> tuple[str, int]:
        return PAGE.format(notice=escape(notice), to=escape(app.config.get("ALERT_TO", ""))), status

    @app.get("/")
    def form() -> tuple[str, int]:
        return page("", 200)

    @app.post("/")
    def send_alert() -> tuple[str, int]:
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
