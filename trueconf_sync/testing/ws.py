"""The WebSocket endpoint (§1): handshake, frame routing, keepalive, one writer task per connection."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from aiohttp import WSMsgType, web

from . import errors
from .app import core_of
from .core import Core, Session, log
from .errors import ApiError
from .handlers import ALIASES, METHODS, Context

WS_PATHS = ("/websocket/chat_bot", "/websocket/chat_bot/")
SUBPROTOCOL = "json.v1"


async def websocket_handler(request: web.Request) -> web.StreamResponse:
    """Serve one bot connection until it closes or is dropped."""
    core = core_of(request)
    if core.refuse_next_connections > 0 or len(core.sessions) >= core.config.max_connections:
        core.refuse_next_connections = max(0, core.refuse_next_connections - 1)
        core.stats_refused_connections += 1
        core.changed()
        return web.Response(status=503, text="Too many connections")
    ws = web.WebSocketResponse(protocols=(SUBPROTOCOL,), autoping=False, timeout=2.0, max_msg_size=64 * 1024 * 1024)
    await ws.prepare(request)
    session = Session(core, request.transport, request.remote)
    session.base_url = f"{request.scheme}://{request.host}"
    core.sessions.append(session)
    core.stats_total_connections += 1
    core.changed()
    loop = asyncio.get_running_loop()
    writer = loop.create_task(_writer(ws, session))
    pinger = loop.create_task(_pinger(ws, session))
    try:
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                handle_text(core, session, msg.data)
            elif msg.type == WSMsgType.PING:
                if not core.config.ignore_pings and not session.frozen:
                    await ws.pong(msg.data)
            elif msg.type == WSMsgType.PONG:
                session.ping_sent_at = None
            elif msg.type == WSMsgType.BINARY:
                core.stats_bad_frames += 1
            elif msg.type == WSMsgType.ERROR:
                break
            core.changed()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        session.closed = True
        session.queue.put_nowait(None)
        pinger.cancel()
        if session in core.sessions:
            core.sessions.remove(session)
        for subscribers in core.progress_subscribers.values():
            subscribers.discard(session)
        core.changed()
        try:
            await asyncio.wait_for(writer, 1.0)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            writer.cancel()
        if not ws.closed:
            await ws.close()
    return ws


async def _writer(ws: web.WebSocketResponse, session: Session) -> None:
    """Send queued frames in order; a ``None`` in the queue ends the task."""
    while True:
        text = await session.queue.get()
        while session.frozen and not session.closed:  # fault: hold everything while frozen
            await asyncio.sleep(0.05)
        if text is None or ws.closed:
            if text is None and session.kill_requested:  # fault: die mid-stream, no close handshake
                session.closed = True
                if session.transport is not None:
                    session.transport.close()  # after the frames already written (abort would drop them)
            elif text is None and session.close_requested and not session.closed and not ws.closed:
                await ws.close()
            return
        try:
            if isinstance(text, tuple):
                await ws.send_frame(text[0], WSMsgType(text[1]))
            else:
                await ws.send_str(text)
        except (ConnectionError, RuntimeError):
            session.abort()
            return


async def _pinger(ws: web.WebSocketResponse, session: Session) -> None:
    """WS Ping every ``ping_interval`` s; drop the peer when no Pong came in ``pong_timeout`` s (§1.5)."""
    config = session.core.config
    next_ping = time.monotonic() + config.ping_interval
    while not ws.closed and not session.closed:
        await asyncio.sleep(max(0.01, min(0.5, config.ping_interval / 4, config.pong_timeout / 4)))
        now = time.monotonic()
        if session.frozen:
            continue
        sent_at = session.ping_sent_at
        if sent_at is not None and now - sent_at > config.pong_timeout:
            log.info("no pong from %s for %.1fs, dropping the connection", session.remote, now - sent_at)
            session.abort()
            return
        if now >= next_ping:
            next_ping = now + config.ping_interval
            try:
                await ws.ping()
            except (ConnectionError, RuntimeError):
                return
            if session.ping_sent_at is None:
                session.ping_sent_at = now


def handle_text(core: Core, session: Session, text: str) -> None:
    """Route one text frame: type 2 = ack of a server request, type 1 = client request (§1.3)."""
    try:
        frame = json.loads(text)
    except ValueError:
        core.stats_bad_frames += 1
        return
    if not isinstance(frame, dict):
        core.stats_bad_frames += 1
        return
    frame_type, frame_id = frame.get("type"), frame.get("id")
    if frame_type == 2:
        core.ack(session, frame_id)
        return
    if frame_type != 1 or not isinstance(frame_id, int) or isinstance(frame_id, bool):
        core.stats_bad_frames += 1
        return
    dispatch(core, session, frame_id, frame.get("method"), frame.get("payload"))


def dispatch(core: Core, session: Session, request_id: int, method: Any, payload: Any) -> None:
    """Run the handler of ``method`` and answer; never raises."""
    name = method if isinstance(method, str) else None
    core.stats_requests[name if name is not None else "<invalid>"] += 1
    if name is not None and core.should_drop(name):  # fault: the link dies before the answer
        session.abort()
        return
    if name in ALIASES and core.config.accept_get_chat_by_id_alias:
        name = ALIASES[name]
    entry = METHODS.get(name) if name is not None else None
    ctx = Context(core, session)
    result: Any
    try:
        if payload is None:
            payload = {}
        if entry is None or entry.needs_auth:
            if not session.authorized:
                raise ApiError(errors.NOT_AUTHORIZED)
            _check_token(core, session)
        if entry is None or (entry.since_556 and core.config.legacy_envelopes):
            raise ApiError(errors.UNKNOWN_MESSAGE, f"Unknown method: {method!r}")
        forced = core.forced_error(name)
        if forced is not None:
            raise ApiError(forced, "Injected failure")
        if not isinstance(payload, dict):
            raise ApiError(core.config.malformed_payload_code, "payload must be an object")
        result = entry.handler(ctx, payload)
    except ApiError as exc:
        result = {"errorCode": exc.code}
        if core.config.error_descriptions:
            result["errorDescription"] = exc.description
        if name == "auth" and core.config.close_on_auth_failure:
            ctx.after.append(session.close_after_flush)
    except Exception:  # noqa: BLE001 -- a handler bug must not kill the connection
        log.exception("fake server: handler of %r failed", name)
        result = {"errorCode": errors.INTERNAL_ERROR}
    core.respond(session, request_id, name, result)
    for callback in ctx.after:
        callback()


def _check_token(core: Core, session: Session) -> None:
    """After token expiry requests answer 203 (§2.2, configurable); disabled accounts 202."""
    info = core.state.tokens.get(session.token or "")
    user = core.state.users.get((session.user_id or "").lower())
    if user is not None and user.disabled:
        raise ApiError(errors.USER_DISABLED)
    if core.config.reject_requests_after_expiry and (info is None or info.expired or info.exp <= time.time()):
        raise ApiError(errors.CREDENTIALS_EXPIRED)
