"""The HTTP relay (trueconf_sync.relay) in-process, over real sockets, against the fake server."""

from __future__ import annotations

import http.client
import http.server
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from trueconf_sync.outbox import Outbox
from trueconf_sync.relay import Relay

TOKEN = "relay-token-0123456789"
HOOK = "hook-secret-abcdefghijkl"
FAST = {"backoff_base": 0.02, "backoff_max": 0.1, "outage_max_delay": 0.1, "poll_interval": 0.05}


@pytest.fixture
def make_relay(tmp_path: Path, trueconf_client: Any) -> Iterator[Callable[..., Relay]]:
    """``make(client=trueconf_client, outbox_options={}, **relay_options)``: a started relay."""
    made: list[Relay] = []

    def make(**kwargs: Any) -> Relay:
        box_options = {**FAST, **kwargs.pop("outbox_options", {})}
        outbox = Outbox(tmp_path / f"outbox{len(made)}.db", **box_options)
        kwargs.setdefault("token", TOKEN)
        kwargs.setdefault("hooks", {HOOK: "user:alice"})
        client = kwargs.pop("client", trueconf_client)
        relay = Relay(outbox, client, port=0, **kwargs).start()
        made.append(relay)
        return relay

    yield make
    for relay in made:
        relay.stop()
        relay.outbox.close()


@pytest.fixture
def relay(make_relay: Callable[..., Relay]) -> Relay:
    return make_relay()


def request(relay: Relay, method: str, path: str, body: Any = None, *, token: str | None = TOKEN,
            headers: dict[str, str] | None = None, raw: bytes | None = None) -> tuple[int, Any, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=10)
    sent = dict(headers or {})
    if token is not None:
        sent.setdefault("Authorization", f"Bearer {token}")
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    if data is not None:
        sent.setdefault("Content-Type", "application/json")
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    text = response.read().decode()
    conn.close()
    kind = response.getheader("Content-Type") or ""
    return response.status, json.loads(text) if kind.startswith("application/json") else text, dict(
        response.getheaders())


def texts_to(server: Any, relay: Relay, login: str) -> list[str]:
    chat = relay.outbox.store.p2p_chat(login)
    if chat is None:
        return []
    return [m["content"].get("text") for m in server.chat_messages(chat) if m["type"] == 200]


def test_send_is_stored_then_delivered(relay: Relay, trueconf_server: Any) -> None:
    status, body, _ = request(relay, "POST", "/send", {"to": "alice", "text": "disk full", "key": "a-1"})
    assert status == 202 and body["ok"] and not body["duplicate"]
    status, again, _ = request(relay, "POST", "/send", {"to": "alice", "text": "disk full", "key": "a-1"})
    assert status == 202 and again == {"ok": True, "id": body["id"], "duplicate": True}
    trueconf_server.wait_for(lambda s: texts_to(s, relay, "alice") == ["disk full"], timeout=10)


@pytest.mark.parametrize(("kwargs", "status", "words"), [
    ({"body": {"to": "alice", "text": "x"}, "token": None}, 401, "missing or wrong bearer token"),
    ({"body": {"to": "alice", "text": "x"}, "token": "wrong-token-0123456789"}, 401, "bearer token"),
    ({"raw": b'{"to": "alice", "text": '}, 400, "malformed JSON"),
    ({"raw": b"\xff\xfe"}, 400, "not valid UTF-8"),
    ({"body": ["to", "alice"]}, 400, "must be a JSON object"),
    ({"body": {"to": "alice", "text": "x", "urgent": True}}, 400, "unknown field(s): urgent"),
    ({"body": {"text": "x"}}, 400, "exactly one of to"),
    ({"body": {"to": "alice", "text": "x" * 5000}}, 400, "text is 5000 visible characters long; the limit is 4096"),
    ({"body": {"to": "alice", "text": "x", "parse_mode": "rtf"}}, 400, "parse_mode must be one of"),
    ({"body": {"to": "alice", "text": 5}}, 400, "text must be a string"),
    ({"body": {"to": "alice", "text": "x", "files": ["file:///etc/passwd"]}}, 400, "files[0] must be an http(s)"),
    ({"body": {"to": "alice", "text": "x", "files": ["http://127.0.0.1:22/"]}}, 400, "non-public address"),
    ({"body": {"to": "alice", "text": "x", "files": ["http://[::ffff:10.0.0.1]/a"]}}, 400, "non-public address"),
    ({"body": {"to": "carol", "text": "x"}}, 422, "unknown recipient"),
    ({"body": {"chat_id": "no-such-chat", "text": "x"}}, 422, "unknown recipient"),
    ({"body": {"to": "alice", "text": "x"}, "headers": {"Content-Type": "text/xml"}}, 415, "Content-Type"),
])
def test_bad_requests_get_clear_errors_and_store_nothing(relay: Relay, trueconf_server: Any, kwargs: dict[str, Any],
                                                         status: int, words: str) -> None:
    got, body, headers = request(relay, "POST", "/send", **kwargs)
    assert (got, body["ok"]) == (status, False)
    assert words in body["error"]
    if status == 401:
        assert headers["WWW-Authenticate"].startswith("Bearer")
    assert relay.outbox.entries() == []
    # the relay still works: a good request after the bad one is delivered
    assert request(relay, "POST", "/send", {"to": "bob", "text": "sentinel"})[0] == 202
    trueconf_server.wait_for(lambda s: texts_to(s, relay, "bob") == ["sentinel"], timeout=10)
    assert [e.text for e in relay.outbox.entries()] == ["sentinel"]


def test_body_limits(make_relay: Callable[..., Relay]) -> None:
    relay = make_relay(max_body=1000)
    status, body, _ = request(relay, "POST", "/send", {"to": "alice", "text": "x" * 2000})
    assert status == 413 and "the limit is 1000" in body["error"]
    conn = http.client.HTTPConnection("127.0.0.1", relay.port, timeout=10)
    conn.putrequest("POST", "/send")
    conn.putheader("Authorization", f"Bearer {TOKEN}")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"5\r\nhello\r\n0\r\n\r\n")
    response = conn.getresponse()
    assert response.status == 411 and b"Content-Length" in response.read()
    conn.close()
    with socket.create_connection(("127.0.0.1", relay.port), timeout=10) as sock:
        sock.sendall(b"POST /send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN.encode()
                     + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"to\": ")
        sock.shutdown(socket.SHUT_WR)
        answer = sock.makefile("rb").read()
    assert answer.startswith(b"HTTP/1.1 400 ") and b"the body ended after 7 of 100 bytes" in answer
    assert relay.outbox.entries() == []


def test_unknown_paths_and_methods(relay: Relay) -> None:
    assert request(relay, "POST", "/nope", {})[0] == 404
    assert request(relay, "GET", "/send")[0] == 404
    status, _, headers = request(relay, "PUT", "/send", {})
    assert status == 405 and headers["Allow"] == "GET, POST"


def test_rate_limit(make_relay: Callable[..., Relay]) -> None:
    relay = make_relay(rate=0.01, burst=3)  # no token comes back during the test, however slow
    statuses = [request(relay, "POST", "/send", {"to": "alice", "text": f"m{i}"})[0] for i in range(5)]
    assert statuses[:3] == [202, 202, 202] and statuses[3:] == [429, 429]
    status, _, headers = request(relay, "POST", "/send", {"to": "alice", "text": "again"})
    assert status == 429 and int(headers["Retry-After"]) >= 1
    assert len(relay.outbox.entries()) == 3


def test_incoming_webhook(relay: Relay, trueconf_server: Any) -> None:
    assert request(relay, "POST", "/hook/" + HOOK[:-1] + "X", {"text": "x"}, token=None)[0] == 404
    assert request(relay, "POST", "/hook/", {"text": "x"}, token=None)[0] == 404
    assert request(relay, "POST", "/hook/" + HOOK, {"text": "from json"}, token=None)[0] == 202
    assert request(relay, "POST", "/hook/" + HOOK, raw=b"from text", token=None,
                   headers={"Content-Type": "text/plain; charset=utf-8"})[0] == 202
    trueconf_server.wait_for(lambda s: texts_to(s, relay, "alice") == ["from json", "from text"], timeout=10)


ALERTMANAGER = {
    "version": "4", "groupKey": "{}:{alertname=\"DiskFull\"}", "status": "firing", "receiver": "trueconf",
    "groupLabels": {"alertname": "DiskFull"}, "commonLabels": {"alertname": "DiskFull", "severity": "critical"},
    "commonAnnotations": {}, "externalURL": "http://alertmanager:9093", "truncatedAlerts": 0,
    "alerts": [
        {"status": "firing", "labels": {"alertname": "DiskFull", "instance": "db-1", "severity": "critical"},
         "annotations": {"summary": "disk 95% full"}, "startsAt": "2024-05-01T10:00:00Z",
         "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/graph", "fingerprint": "a1"},
        {"status": "firing", "labels": {"alertname": "DiskFull", "instance": "db-2", "severity": "critical"},
         "annotations": {"summary": "disk 97% full"}, "startsAt": "2024-05-01T10:01:00Z",
         "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus/graph", "fingerprint": "a2"},
    ],
}

GRAFANA_UNIFIED = {
    "receiver": "trueconf", "status": "firing", "orgId": 1, "alerts": ALERTMANAGER["alerts"],
    "groupLabels": {}, "commonLabels": {"alertname": "DiskFull"}, "externalURL": "http://grafana:3000/",
    "version": "1", "groupKey": "x", "truncatedAlerts": 0, "title": "[FIRING:2] DiskFull",
    "state": "alerting", "message": "**Firing**\n\nValue: disk 95% full on db-1",
}

GRAFANA_LEGACY = {
    "title": "[Alerting] CPU high", "ruleId": 1, "ruleName": "CPU high", "ruleUrl": "http://grafana:3000/d/x",
    "state": "alerting", "message": "CPU above 90%", "evalMatches": [{"metric": "web-1", "value": 97, "tags": {}}],
}


def test_alertmanager_and_grafana(relay: Relay, trueconf_server: Any) -> None:
    assert request(relay, "POST", "/alertmanager?to=alice", ALERTMANAGER)[0] == 202
    assert request(relay, "POST", "/grafana?to=alice", GRAFANA_UNIFIED)[0] == 202
    assert request(relay, "POST", "/grafana?to=alice", GRAFANA_LEGACY)[0] == 202
    status, body, _ = request(relay, "POST", "/alertmanager", ALERTMANAGER)
    assert status == 400 and "?to=" in body["error"]
    status, body, _ = request(relay, "POST", "/alertmanager?to=alice", {"status": "firing"})
    assert status == 400 and "no alerts" in body["error"]
    assert request(relay, "POST", "/grafana?to=alice", ALERTMANAGER, token=None)[0] == 401
    got = trueconf_server.wait_for(lambda s: len(t := texts_to(s, relay, "alice")) == 3 and t, timeout=10)
    assert got[0] == ("[FIRING:2] DiskFull\n- FIRING [critical] disk 95% full (instance=db-1)\n"
                      "- FIRING [critical] disk 97% full (instance=db-2)\nhttp://alertmanager:9093")
    assert got[1] == "[FIRING:2] DiskFull\n**Firing**\n\nValue: disk 95% full on db-1"
    assert got[2] == "[Alerting] CPU high\nCPU above 90%\n- web-1: 97\nhttp://grafana:3000/d/x"


def test_many_alerts_fit_one_message(relay: Relay, trueconf_server: Any) -> None:
    alert = ALERTMANAGER["alerts"][0]  # type: ignore[index]
    many = {**ALERTMANAGER, "alerts": [{**alert, "annotations": {"summary": f"disk {i} " + "x" * 80}}
                                       for i in range(200)]}
    assert request(relay, "POST", "/alertmanager?to=alice", many)[0] == 202
    text = trueconf_server.wait_for(lambda s: texts_to(s, relay, "alice"), timeout=10)[0]
    assert text.startswith("[FIRING:200] DiskFull") and text.endswith("more") and len(text) <= 4096


class _Files(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        data = b"%PDF-1.4 report"
        self.send_response(200)
        self.send_header("Content-Type", "application/pdf")
        self.send_header("Content-Disposition", 'attachment; filename="report.pdf"')
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def test_files_by_url_only_from_allowed_networks(make_relay: Callable[..., Relay], trueconf_server: Any) -> None:
    files = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    threading.Thread(target=files.serve_forever, daemon=True).start()
    try:
        url = f"http://localhost:{files.server_address[1]}/r"
        closed = make_relay()  # default: public addresses only; localhost resolves to loopback
        assert request(closed, "POST", "/send", {"to": "alice", "text": "report", "files": [url]})[0] == 202
        trueconf_server.wait_for(lambda s: closed.outbox.entries("dead"), timeout=10)
        assert "non-public address" in (closed.outbox.entries("dead")[0].error or "")
        opened = make_relay(outbox_options={"allowed_networks": ["127.0.0.0/8", "::1/128"]})
        assert request(opened, "POST", "/send", {"to": "bob", "text": "report", "files": [url]})[0] == 202
        trueconf_server.wait_for(lambda s: opened.outbox.entries("sent"), timeout=10)
        messages = trueconf_server.chat_messages(opened.outbox.entries()[0].chat_id)
        assert [(m["type"], m["content"].get("name") or m["content"].get("text")) for m in messages] == [
            (202, "report.pdf"), (200, "report")]
    finally:
        files.shutdown()
        files.server_close()


def test_healthz_and_metrics(relay: Relay, trueconf_server: Any) -> None:
    request(relay, "POST", "/send", {"to": "alice", "text": "one"})
    trueconf_server.wait_for(lambda s: texts_to(s, relay, "alice") == ["one"], timeout=10)
    request(relay, "POST", "/send", {"to": "alice", "text": "x"}, token=None)
    status, health, _ = request(relay, "GET", "/healthz", token=None)
    assert status == 200
    assert health["status"] == "ok" and health["trueconf"]["connected"] is True
    assert health["outbox"]["pending"] == 0 and health["outbox"]["oldest_pending_age"] is None
    status, text, headers = request(relay, "GET", "/metrics", token=None)
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    lines = text.splitlines()
    assert 'trueconf_relay_http_requests_total{endpoint="send",code="202"} 1' in lines
    assert 'trueconf_relay_http_requests_total{endpoint="send",code="401"} 1' in lines
    assert 'trueconf_relay_accepted_total{endpoint="send"} 1' in lines
    assert "trueconf_outbox_delivered_total 1" in lines and "trueconf_relay_connected 1" in lines
    assert "# TYPE trueconf_outbox_pending gauge" in lines


def test_health_while_the_server_is_down(make_relay: Callable[..., Relay], trueconf_server: Any,
                                         trueconf_client_factory: Callable[..., Any],
                                         wait_until: Callable[..., Any]) -> None:
    trueconf_client = trueconf_client_factory(reconnect_max_delay=0.2, timeout=2.0)
    relay = make_relay(client=trueconf_client)
    trueconf_server.stop()
    wait_until(lambda: not trueconf_client.connected, timeout=10)
    assert request(relay, "POST", "/send", {"to": "alice", "text": "while down"})[0] == 202
    wait_until(lambda: relay.outbox.outage_since is not None, timeout=10)
    status, health, _ = request(relay, "GET", "/healthz", token=None)
    assert status == 200 and health["status"] == "degraded" and health["outbox"]["pending"] == 1
    assert health["trueconf"]["connected"] is False and health["outbox"]["oldest_pending_age"] >= 0
    trueconf_server.start()
    trueconf_server.wait_for(lambda s: texts_to(s, relay, "alice") == ["while down"], timeout=20)
