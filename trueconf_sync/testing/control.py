"""JSON control API of the standalone fake server, mounted under ``/_fake/``.

It lets a client written in any language drive the fake server over plain HTTP. Every request
and response body is JSON. Errors answer HTTP 400 ``{"error": "...", "errorCode": N?}`` (404 for
unknown chats/users where noted).

=========================================  ====================================================
``GET  /_fake/``                            this list, as ``{"endpoints": [...]}``
``POST /_fake/users``                       ``{login, password?, displayName?}`` -> ``{userId, token}``
                                            (creates or updates the account; a fresh JWT)
``POST /_fake/users/{login}/token``         ``{expiresIn?}`` -> ``{token}``
``POST /_fake/users/{login}/messages``      ``{chatId? | to, text, parseMode?, replyMessageId?}``
                                            -> ``{chatId, messageId}``; ``to`` = a login or user
                                            id: the P2P chat with that user is used (created)
``POST /_fake/users/{login}/chats``         ``{title, members?: [login], type?: "group"|"channel"}``
                                            or ``{type: "p2p", with: login}`` -> ``{chatId}``
``POST /_fake/users/{login}/files``         ``{chatId? | to, name, dataBase64, mimeType?,
                                            uploadingSeconds?}`` -> ``{chatId, messageId}``
``POST /_fake/users/{login}/locations``     ``{chatId? | to, latitude, longitude, title?}``
                                            -> ``{chatId, messageId}``
``POST /_fake/users/{login}/voice``         ``{chatId? | to, dataBase64, mimeType?, duration?}``
                                            -> ``{chatId, messageId}``
``POST /_fake/users/{login}/surveys``       ``{chatId? | to, title, path?, anonymous?}``
                                            -> ``{chatId, messageId}``
``POST /_fake/users/{login}/messages/{id}/forward``  ``{chatId? | to}`` -> ``{chatId, messageId}``
``POST /_fake/users/{login}/messages/{id}/edit``     ``{text, parseMode?}`` -> ``{}``
``POST /_fake/users/{login}/messages/{id}/remove``   ``{forAll?}`` -> ``{}``
``POST /_fake/users/{login}/chats/{chatId}/participants``  ``{login, role?, displayHistory?}``
                                            -> ``{}``; ``.../participants/{member}/remove``,
                                            ``.../participants/{member}/role`` ``{role}``
``POST /_fake/users/{login}/chats/{chatId}/title``   ``{title}`` -> ``{}``; ``.../avatar``
                                            ``{avatarUrl}`` (null removes), ``.../clear``
                                            ``{forAll?}``, ``.../remove`` ``{}``
``POST /_fake/users/{login}/click``         ``{messageId, button}`` -> ``{ids}`` (a ``command``
                                            event; ``button`` = button id or command)
``GET  /_fake/users/{login}/inbox``         ``?chatId=`` -> ``[envelope]`` others wrote to the user
``GET  /_fake/chats/{chatId}``              -> chat data (members with roles) or 404
``GET  /_fake/chats/{chatId}/messages``     -> ``[envelope]`` oldest first
``GET  /_fake/stats``                       -> counters (connections, requests, acks, ...)
``POST /_fake/drop``                        -> ``{dropped}``: abort every WebSocket
``POST /_fake/expire-tokens``               -> ``{}``: every issued token is now expired
``POST /_fake/push``                        ``{method, payload, login?}`` -> ``{ids}``: raw event
``POST /_fake/limits``                      ``{maxSize?, mode?, extensions?}`` -> ``{ids}``
``POST /_fake/delay``                       ``{seconds, method?}`` -> ``{}`` (0 resets)
``GET  /_fake/config`` / ``POST``            read / update :class:`ServerConfig` fields
=========================================  ====================================================

Guarded against being driven from a web page (the API can post as any user): a POST must carry
``Content-Type: application/json`` (a cross-site "simple" request cannot), the ``Host`` header must
be an IP address, ``localhost``, the server name or an allowed host (a DNS-rebound name is not), and
with a control token every request must carry ``Authorization: Bearer <token>``. Refusals answer
403 or 415 with ``{"error": ...}``.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from .errors import ApiError

if TYPE_CHECKING:
    from .server import FakeTrueConfServer

PREFIX = "/_fake"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class BadRequest(Exception):
    """A control request with a missing or wrong field."""


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    try:
        body = json.loads(await request.text())
    except ValueError as exc:
        raise BadRequest("body is not valid JSON") from exc
    if not isinstance(body, dict):
        raise BadRequest("body must be a JSON object")
    return body


def _field(body: dict[str, Any], key: str, kind: type = str, required: bool = True) -> Any:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, kind):
        raise BadRequest(f"{key} must be a {kind.__name__}")
    return value


def _number(body: dict[str, Any], key: str, required: bool = True) -> float | None:
    """A JSON number (not a bool) field, as float."""
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise BadRequest(f"{key} must be a number")
    return float(value)


def _base64(body: dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(_field(body, "dataBase64"), validate=True)
    except binascii.Error as exc:
        raise BadRequest("dataBase64 is not valid base64") from exc


def _guard(handler: Handler) -> Handler:
    """Turn expected failures into JSON error answers."""
    async def wrapped(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return web.json_response({"error": exc.description, "errorCode": exc.code}, status=400)
        except (BadRequest, ValueError, KeyError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
    return wrapped


def _host_allowed(host_header: str, allowed: frozenset[str]) -> bool:
    """An IP literal, ``localhost`` or a name in ``allowed`` (the port is ignored)."""
    host = host_header.strip().lower()
    if host.startswith("["):  # [::1]:8080
        host = host[1:].split("]", 1)[0]
    elif host.count(":") == 1:
        host = host.split(":", 1)[0]
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost" or host in allowed
    return True


def _refusal(request: web.Request, server: FakeTrueConfServer) -> web.Response | None:
    """Why a control request is refused (403/415), or None when it may go on."""
    allowed = frozenset({server.config.server_name.lower(), *(h.lower() for h in server.control_hosts)})
    if not _host_allowed(request.headers.get("Host", ""), allowed):
        return web.json_response({"error": "Host header not allowed for the control API (DNS rebinding?); "
                                           "pass control_hosts= to allow a name"}, status=403)
    token = server.control_token
    if token is not None:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return web.json_response({"error": "control API token missing or wrong (Authorization: Bearer ...)"},
                                     status=403)
    if request.method == "POST" and request.content_type != "application/json":
        return web.json_response({"error": "the control API takes JSON bodies (Content-Type: application/json)"},
                                 status=415)
    return None


def add_routes(app: web.Application, server: FakeTrueConfServer) -> None:
    """Mount the control API for ``server`` on ``app``."""
    routes: list[tuple[str, str, Handler]] = []

    def route(method: str, path: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            routes.append((method, PREFIX + path, handler))
            return handler
        return register

    def chat_for(login: str, body: dict[str, Any]) -> str:
        chat_id = _field(body, "chatId", required=False)
        if chat_id is not None:
            return str(chat_id)
        return server.user(login).p2p_chat_with(_field(body, "to"))

    @route("GET", "/")
    async def index(request: web.Request) -> web.StreamResponse:
        return web.json_response({"endpoints": [f"{m} {p}" for m, p, _ in routes]})

    @route("POST", "/users")
    async def add_user(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        login = _field(body, "login")
        user_id = server.add_user(login, _field(body, "password", required=False) or "password",
                                  _field(body, "displayName", required=False))
        return web.json_response({"userId": user_id, "token": server.issue_token(login)})

    @route("POST", "/users/{login}/token")
    async def token(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        expires_in = _field(body, "expiresIn", int, required=False)
        return web.json_response({"token": server.issue_token(request.match_info["login"], expires_in)})

    @route("POST", "/users/{login}/messages")
    async def send_message(request: web.Request) -> web.StreamResponse:
        body, login = await _body(request), request.match_info["login"]
        chat_id = chat_for(login, body)
        message_id = server.user(login).send_message(
            chat_id, _field(body, "text"), _field(body, "parseMode", required=False) or "text",
            _field(body, "replyMessageId", required=False))
        return web.json_response({"chatId": chat_id, "messageId": message_id})

    @route("POST", "/users/{login}/chats")
    async def create_chat(request: web.Request) -> web.StreamResponse:
        body, user = await _body(request), server.user(request.match_info["login"])
        members = _field(body, "members", list, required=False) or []
        kind = _field(body, "type", required=False) or "group"
        if kind not in ("group", "channel", "p2p"):
            raise BadRequest("type must be group, channel or p2p")
        if kind == "p2p":
            return web.json_response({"chatId": user.p2p_chat_with(_field(body, "with"))})
        create = user.create_channel if kind == "channel" else user.create_group_chat
        return web.json_response({"chatId": create(_field(body, "title"), [str(m) for m in members])})

    @route("POST", "/users/{login}/files")
    async def send_file(request: web.Request) -> web.StreamResponse:
        body, login = await _body(request), request.match_info["login"]
        data = _base64(body)
        chat_id = chat_for(login, body)
        message_id = server.user(login).send_file(chat_id, _field(body, "name"), data,
                                                  _field(body, "mimeType", required=False)
                                                  or "application/octet-stream",
                                                  _number(body, "uploadingSeconds", required=False))
        return web.json_response({"chatId": chat_id, "messageId": message_id})

    @route("POST", "/users/{login}/locations")
    async def send_location(request: web.Request) -> web.StreamResponse:
        body, login = await _body(request), request.match_info["login"]
        latitude, longitude = _number(body, "latitude"), _number(body, "longitude")
        chat_id = chat_for(login, body)
        message_id = server.user(login).send_location(chat_id, latitude or 0.0, longitude or 0.0,
                                                      _field(body, "title", required=False) or "")
        return web.json_response({"chatId": chat_id, "messageId": message_id})

    @route("POST", "/users/{login}/voice")
    async def send_voice(request: web.Request) -> web.StreamResponse:
        body, login = await _body(request), request.match_info["login"]
        data = _base64(body)
        duration = _field(body, "duration", int, required=False)
        chat_id = chat_for(login, body)
        message_id = server.user(login).send_voice(chat_id, data, _field(body, "mimeType", required=False)
                                                   or "audio/ogg", 1 if duration is None else duration)
        return web.json_response({"chatId": chat_id, "messageId": message_id})

    @route("POST", "/users/{login}/surveys")
    async def send_survey(request: web.Request) -> web.StreamResponse:
        body, login = await _body(request), request.match_info["login"]
        title = _field(body, "title")
        anonymous = _field(body, "anonymous", bool, required=False) or False
        chat_id = chat_for(login, body)
        message_id = server.user(login).send_survey(chat_id, title, _field(body, "path", required=False)
                                                    or "survey", anonymous)
        return web.json_response({"chatId": chat_id, "messageId": message_id})

    @route("POST", "/users/{login}/messages/{message_id}/forward")
    async def forward(request: web.Request) -> web.StreamResponse:
        body, login = await _body(request), request.match_info["login"]
        chat_id = chat_for(login, body)
        message_id = server.user(login).forward_message(request.match_info["message_id"], chat_id)
        return web.json_response({"chatId": chat_id, "messageId": message_id})

    @route("POST", "/users/{login}/messages/{message_id}/edit")
    async def edit(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        server.user(request.match_info["login"]).edit_message(
            request.match_info["message_id"], _field(body, "text"), _field(body, "parseMode", required=False) or "text")
        return web.json_response({})

    @route("POST", "/users/{login}/messages/{message_id}/remove")
    async def remove(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        for_all = _field(body, "forAll", bool, required=False)
        server.user(request.match_info["login"]).remove_message(request.match_info["message_id"],
                                                                 True if for_all is None else for_all)
        return web.json_response({})

    @route("POST", "/users/{login}/chats/{chat_id}/participants")
    async def add_participant(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        history = _field(body, "displayHistory", bool, required=False)
        server.user(request.match_info["login"]).add_participant(
            request.match_info["chat_id"], _field(body, "login"), _field(body, "role", required=False) or "user",
            True if history is None else history)
        return web.json_response({})

    @route("POST", "/users/{login}/chats/{chat_id}/participants/{member}/remove")
    async def remove_participant(request: web.Request) -> web.StreamResponse:
        await _body(request)
        server.user(request.match_info["login"]).remove_participant(request.match_info["chat_id"],
                                                                     request.match_info["member"])
        return web.json_response({})

    @route("POST", "/users/{login}/chats/{chat_id}/participants/{member}/role")
    async def change_role(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        server.user(request.match_info["login"]).change_role(request.match_info["chat_id"],
                                                              request.match_info["member"], _field(body, "role"))
        return web.json_response({})

    @route("POST", "/users/{login}/chats/{chat_id}/title")
    async def rename(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        server.user(request.match_info["login"]).rename_chat(request.match_info["chat_id"], _field(body, "title"))
        return web.json_response({})

    @route("POST", "/users/{login}/chats/{chat_id}/avatar")
    async def avatar(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        if "avatarUrl" not in body:
            raise BadRequest("avatarUrl must be a str (or null to remove the picture)")
        server.user(request.match_info["login"]).set_chat_avatar(
            request.match_info["chat_id"], _field(body, "avatarUrl", required=False))
        return web.json_response({})

    @route("POST", "/users/{login}/chats/{chat_id}/clear")
    async def clear(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        for_all = _field(body, "forAll", bool, required=False)
        server.user(request.match_info["login"]).clear_history(request.match_info["chat_id"],
                                                                True if for_all is None else for_all)
        return web.json_response({})

    @route("POST", "/users/{login}/chats/{chat_id}/remove")
    async def remove_chat(request: web.Request) -> web.StreamResponse:
        await _body(request)
        server.user(request.match_info["login"]).remove_chat(request.match_info["chat_id"])
        return web.json_response({})

    @route("POST", "/users/{login}/click")
    async def click(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        ids = server.user(request.match_info["login"]).click_button(_field(body, "messageId"),
                                                                    _field(body, "button"))
        return web.json_response({"ids": ids})

    @route("GET", "/users/{login}/inbox")
    async def inbox(request: web.Request) -> web.StreamResponse:
        user = server.user(request.match_info["login"])
        return web.json_response(user.inbox(request.query.get("chatId")))

    @route("GET", "/chats/{chat_id}")
    async def get_chat(request: web.Request) -> web.StreamResponse:
        chat = server.get_chat(request.match_info["chat_id"])
        if chat is None:
            return web.json_response({"error": "chat not found"}, status=404)
        return web.json_response(chat)

    @route("GET", "/chats/{chat_id}/messages")
    async def chat_messages(request: web.Request) -> web.StreamResponse:
        return web.json_response(server.chat_messages(request.match_info["chat_id"]))

    @route("GET", "/stats")
    async def stats(request: web.Request) -> web.StreamResponse:
        return web.json_response(server.stats)

    @route("POST", "/drop")
    async def drop(request: web.Request) -> web.StreamResponse:
        return web.json_response({"dropped": server.drop_connections()})

    @route("POST", "/expire-tokens")
    async def expire(request: web.Request) -> web.StreamResponse:
        server.expire_tokens()
        return web.json_response({})

    @route("POST", "/push")
    async def push(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        ids = server.push_event(_field(body, "method"), body.get("payload", {}),
                                _field(body, "login", required=False))
        return web.json_response({"ids": ids})

    @route("POST", "/limits")
    async def limits(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        ids = server.set_upload_limits(_field(body, "maxSize", int, required=False),
                                       _field(body, "mode", required=False),
                                       _field(body, "extensions", list, required=False))
        return web.json_response({"ids": ids})

    @route("POST", "/delay")
    async def delay(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        seconds = body.get("seconds")
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            raise BadRequest("seconds must be a number")
        server.delay_responses(float(seconds), _field(body, "method", required=False))
        return web.json_response({})

    @route("GET", "/config")
    async def get_config(request: web.Request) -> web.StreamResponse:
        return web.json_response(dataclasses.asdict(server.config))

    @route("POST", "/config")
    async def set_config(request: web.Request) -> web.StreamResponse:
        body = await _body(request)
        fields = {f.name for f in dataclasses.fields(server.config)}
        unknown = set(body) - fields
        if unknown:
            raise BadRequest(f"unknown config fields: {sorted(unknown)}")
        for key, value in body.items():
            current = getattr(server.config, key)
            numeric = isinstance(current, (int, float)) and isinstance(value, (int, float))
            if current is not None and value is not None and type(current) is not type(value) and not (
                    numeric and not isinstance(value, bool) and not isinstance(current, bool)):
                raise BadRequest(f"{key} must be a {type(current).__name__}")
        for key, value in body.items():
            setattr(server.config, key, value)
        return web.json_response(dataclasses.asdict(server.config))

    def checked(handler: Handler) -> Handler:
        async def run(request: web.Request) -> web.StreamResponse:
            refused = _refusal(request, server)
            return refused if refused is not None else await handler(request)
        return run

    for method, path, handler in routes:
        app.router.add_route(method, path, checked(_guard(handler)))
