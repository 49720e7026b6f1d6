"""The alert form and the webhook relay: record an alert, send it to TrueConf after the commit."""

from __future__ import annotations

import hmac
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.middleware.csrf import get_token
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from trueconf_sync import TrueConfError
from trueconf_sync.contrib.django import get_client, send_on_commit

from .models import Alert

PAGE = """<!doctype html>
<title>Send an alert</title>
<h1>Send an alert</h1>
<p class="notice">{notice}</p>
<form method="post">
  <input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">
  <p><label>To (TrueConf ID or login) <input name="to" value="{to}" required></label></p>
  <p><label>Text <textarea name="text" rows="4" cols="60" required></textarea></label></p>
  <p><button>Send</button></p>
</form>
"""


def _page(request: HttpRequest, notice: str = "", status: int = 200) -> HttpResponse:
    html = PAGE.format(notice=escape(notice), csrf=get_token(request), to=escape(settings.ALERT_TO))
    return HttpResponse(html, status=status)


def record_and_send(to: str, text: str, source: str) -> Alert:
    """Store the alert and send it to ``to`` once the transaction commits (nothing on rollback).

    Raises TrueConfError when the recipient's chat cannot be opened, ValueError/TypeError for a
    message the server would refuse (too long...): nothing is stored then.
    """
    chat_id = get_client().create_p2p_chat(to)  # before the transaction: no network inside it
    with transaction.atomic():
        alert = Alert.objects.create(text=text, recipient=to, source=source)
        send_on_commit(chat_id, f"Alert #{alert.pk}: {text}")
    return alert


@require_http_methods(["GET", "POST"])
def alert_form(request: HttpRequest) -> HttpResponse:
    """GET: the form. POST: record the alert and send it."""
    if request.method == "GET":
        return _page(request)
    to = request.POST.get("to", "").strip()
    text = request.POST.get("text", "").strip()
    if not to or not text:
        return _page(request, "Both fields are required.", 400)
    try:
        alert = record_and_send(to, text, "form")
    except (TypeError, ValueError) as exc:
        return _page(request, f"Not sent: {exc}", 400)
    except TrueConfError as exc:
        return _page(request, f"Not sent: {exc}", 502)
    return _page(request, f"Alert #{alert.pk} sent to {to}.")


@csrf_exempt
@require_POST
def webhook(request: HttpRequest) -> HttpResponse:
    """Relay ``{"text": ...}`` to ``ALERT_TO`` (or ``?to=``); callers send ``X-Webhook-Secret``."""
    secret = settings.WEBHOOK_SECRET
    given = request.headers.get("X-Webhook-Secret", "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return HttpResponseForbidden("bad or missing X-Webhook-Secret")
    try:
        payload: Any = json.loads(request.body or b"null")
    except ValueError:
        payload = None
    text = payload.get("text") if isinstance(payload, dict) else None
    to = request.GET.get("to") or settings.ALERT_TO
    if not isinstance(text, str) or not text.strip() or not to:
        return JsonResponse({"error": 'send JSON {"text": ...}; set ALERT_TO or ?to='}, status=400)
    try:
        alert = record_and_send(to, text, "webhook")
    except (TypeError, ValueError) as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    except TrueConfError as exc:
        return JsonResponse({"error": f"{type(exc).__name__}: {exc}"}, status=502)
    return JsonResponse({"alert": alert.pk})
