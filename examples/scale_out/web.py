"""A Flask app that sends through Celery: no TrueConf connection in the web process at all.

    REDIS_URL=... flask --app web run
    curl -X POST localhost:5000/notify -H 'Content-Type: application/json' -d '{"chat_id": "...", "text": "hi"}'
"""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, request
from tasks import tasks

app = Flask(__name__)


@app.post("/notify")
def notify() -> Any:
    body = request.get_json(force=True)
    result = tasks.send_message.delay(body["chat_id"], body["text"])
    if body.get("wait", True):
        return jsonify(result.get(timeout=30))  # {"ok": true, "result": {...}} or {"ok": false, "error": ...}
    return jsonify({"task_id": result.id}), 202
