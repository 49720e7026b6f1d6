"""The request bodies the relay understands, turned into :meth:`Outbox.put` arguments.

* ``POST /send``: ``{"to" | "chat_id", "text", "parse_mode", "files": [url...], "key"}``;
* Prometheus Alertmanager's webhook (``version`` 4): one message per notification (a group of
  alerts), status and count first, then one line per alert;
* Grafana's webhook contact point: unified alerting (``title``/``message`` plus ``alerts``, the
  Alertmanager shape) and the legacy format (``title``, ``ruleName``, ``message``, ``evalMatches``);
* the generic incoming webhook: ``{"text", "parse_mode", "files" | "attachments", "key"}`` (Slack
  and Mattermost hooks send ``text``; attachments may be URLs or ``{"url": ...}`` objects), or a
  plain-text body.

A :class:`BadRequest` names what is wrong; the relay answers it with HTTP 400.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..limits import MAX_TEXT_LENGTH

__all__ = ["BadRequest", "alertmanager", "generic_hook", "grafana", "send_request"]

#: Characters left free at the end of a long alert text for the "... and N more" line.
_TAIL = 64


class BadRequest(ValueError):
    """The request body cannot be used; the message says why (HTTP 400)."""


def _obj(body: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(body, Mapping):
        raise BadRequest(f"the body must be a JSON object ({what})")
    return body


def _opt_str(body: Mapping[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    return value


def _urls(value: Any, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise BadRequest(f"{name} must be a list of URLs")
    urls = []
    for index, item in enumerate(value):
        url = item.get("url") if isinstance(item, Mapping) else item
        if not isinstance(url, str) or not url.lower().startswith(("http://", "https://")):
            raise BadRequest(f"{name}[{index}] must be an http(s) URL (local paths are not accepted over HTTP)")
        urls.append(url)
    return urls


def send_request(body: Any) -> dict[str, Any]:
    """``put`` arguments from a ``POST /send`` body."""
    data = _obj(body, "to or chat_id, text, parse_mode, files, key")
    unknown = sorted(set(data) - {"to", "chat_id", "text", "parse_mode", "files", "key"})
    if unknown:
        raise BadRequest(f"unknown field(s): {', '.join(unknown)}")
    return {"to": _opt_str(data, "to"), "chat_id": _opt_str(data, "chat_id"), "text": _opt_str(data, "text"),
            "parse_mode": _opt_str(data, "parse_mode"), "files": _urls(data.get("files"), "files"),
            "key": _opt_str(data, "key")}


def generic_hook(body: Any) -> dict[str, Any]:
    """``put`` arguments (without the recipient) from an incoming-webhook body (JSON or text)."""
    if isinstance(body, str):
        return {"text": body}
    data = _obj(body, "text, parse_mode, files, key")
    files = _urls(data.get("files"), "files") + _urls(data.get("attachments"), "attachments")
    return {"text": _opt_str(data, "text"), "parse_mode": _opt_str(data, "parse_mode"), "files": files,
            "key": _opt_str(data, "key")}


def _fit(header: str, lines: list[str]) -> str:
    """``header`` and as many ``lines`` as fit in one message, then how many were left out."""
    text = header
    for index, line in enumerate(lines):
        if len(text) + 1 + len(line) > MAX_TEXT_LENGTH - _TAIL:
            return f"{text}\n... and {len(lines) - index} more"
        text += "\n" + line
    return text


def _alert_line(alert: Mapping[str, Any]) -> str:
    labels = alert.get("labels") if isinstance(alert.get("labels"), Mapping) else {}
    notes = alert.get("annotations") if isinstance(alert.get("annotations"), Mapping) else {}
    assert isinstance(labels, Mapping) and isinstance(notes, Mapping)
    what = notes.get("summary") or notes.get("description") or labels.get("alertname") or "alert"
    where = ", ".join(f"{k}={v}" for k, v in sorted(labels.items()) if k not in ("alertname", "severity"))
    status = str(alert.get("status") or "").upper()
    severity = f" [{labels['severity']}]" if labels.get("severity") else ""
    return f"- {status}{severity} {what}" + (f" ({where})" if where else "")


def _alerts_text(data: Mapping[str, Any], fallback_title: str | None = None) -> str:
    alerts = data.get("alerts")
    if not isinstance(alerts, list) or not all(isinstance(a, Mapping) for a in alerts):
        raise BadRequest("alerts must be a list of objects")
    status = str(data.get("status") or "firing")
    common = data.get("commonLabels") if isinstance(data.get("commonLabels"), Mapping) else {}
    assert isinstance(common, Mapping)
    name = fallback_title or common.get("alertname") or data.get("receiver") or "alerts"
    firing = sum(1 for a in alerts if a.get("status") == "firing")
    count = firing if status == "firing" else len(alerts)
    header = f"[{status.upper()}:{count}] {name}"
    url = data.get("externalURL")
    lines = [_alert_line(alert) for alert in alerts]
    if isinstance(url, str) and url:
        lines.append(url)
    return _fit(header, lines)


def alertmanager(body: Any) -> dict[str, Any]:
    """``put`` arguments (text only) from an Alertmanager webhook notification."""
    data = _obj(body, "an Alertmanager webhook notification")
    if "alerts" not in data:
        raise BadRequest("not an Alertmanager notification: no alerts field")
    return {"text": _alerts_text(data)}


def grafana(body: Any) -> dict[str, Any]:
    """``put`` arguments (text only) from a Grafana webhook notification (unified or legacy)."""
    data = _obj(body, "a Grafana webhook notification")
    title = data.get("title") if isinstance(data.get("title"), str) else None
    message = data.get("message") if isinstance(data.get("message"), str) else None
    if "alerts" in data and not message:
        return {"text": _alerts_text(data, title)}
    if not title and not message:
        raise BadRequest("not a Grafana notification: no title, message or alerts")
    lines = [message] if message else []
    matches = data.get("evalMatches")
    if isinstance(matches, list):
        lines += [f"- {m.get('metric')}: {m.get('value')}" for m in matches if isinstance(m, Mapping)]
    url = data.get("ruleUrl")
    if isinstance(url, str) and url:
        lines.append(url)
    return {"text": _fit(title or str(data.get("ruleName") or "Grafana"), lines)}
