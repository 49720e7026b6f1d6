"""HTTP endpoints: OAuth token (§2.1), the OAuth2 exchange (§12.11), server info (§10.1), file
upload (§6.1) and download (§6.2). The OAuth2 steps answer 200 (their status codes are not known)."""

from __future__ import annotations

import hmac
import json
import mimetypes
import secrets
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from . import errors
from .app import core_of
from .state import READY, Preview, TempFile, new_hex_id

TOKEN_PATH = "/bridge/api/client/v1/oauth/token"
SERVER_INFO_PATH = "/api/v4/server"
UPLOAD_PATH = "/bridge/api/client/v1/files"
DOWNLOAD_PATH = "/bridge/api/client/v1/files/download/{file_id}"
CHUNK = 64 * 1024


def _oauth_error(status: int, error: str, description: str) -> web.Response:
    return web.json_response({"error": error, "error_description": description}, status=status,
                             headers={"Access-Control-Allow-Origin": "*"})


def _redirected(core: Any) -> web.Response | None:
    """The configured redirect fault (``http_redirect``), if any."""
    if core.config.http_redirect is None:
        return None
    status, location = core.config.http_redirect
    return web.Response(status=status, headers={"Location": location})


async def oauth_token(request: web.Request) -> web.Response:
    """Password grant: 201 with a JWT; 400/401/403 with an OAuth error body."""
    core = core_of(request)
    redirect = _redirected(core)
    if redirect is not None:
        return redirect
    if core.oauth_failures:  # fault: e.g. 503 while the server restarts
        return _oauth_error(core.oauth_failures.pop(0), "temporarily_unavailable", "Injected failure")
    if core.should_drop("oauth") and request.transport is not None:
        request.transport.abort()
        raise web.HTTPServiceUnavailable()
    if not core.config.password_auth_enabled:
        return web.json_response({"error": "auth_method_disabled"}, status=403)
    if request.content_type != "application/json":
        return _oauth_error(400, "invalid_request", "Content-Type must be application/json")
    try:
        body = json.loads(await request.text())
    except ValueError:
        return _oauth_error(400, "invalid_request", "Body is not valid JSON")
    if not isinstance(body, dict):
        return _oauth_error(400, "invalid_request", "Body must be a JSON object")
    for key in ("client_id", "grant_type", "username", "password"):
        if not isinstance(body.get(key), str):
            return _oauth_error(400, "invalid_request", f"{key} is missing or not a string")
    if body["client_id"] != "chat_bot":
        return _oauth_error(400, "invalid_client", "Unknown client_id")
    if body["grant_type"] != "password":
        return _oauth_error(400, "unsupported_grant_type", "Only the password grant is supported")
    user = core.state.find_user(body["username"])
    if user is None or user.disabled or not hmac.compare_digest(user.password, body["password"]):
        return _oauth_error(401, "invalid_grant", "Invalid username or password")
    token, exp = core.issue_token(user.user_id, core.config.token_lifetime)
    core.changed()
    return web.json_response(
        {"access_token": token, "token_type": "JWT", "expires_in": core.config.token_lifetime, "expires_at": exp},
        status=201, headers={"Access-Control-Allow-Origin": "*"})


async def _json_object(request: web.Request) -> dict[str, Any] | None:
    """The request body as a JSON object, or None."""
    try:
        body = json.loads(await request.text())
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


async def oauth2_web_token(request: web.Request) -> web.Response:
    """§12.11 step 1: ``/api/v4/oauth2/token`` (any application ``client_id``) -> web API token."""
    core = core_of(request)
    body = await _json_object(request)
    if body is None or not all(isinstance(body.get(k), str) for k in ("client_id", "username", "password")):
        return _oauth_error(400, "invalid_request", "client_id, username and password are required")
    if not core.config.oauth2_scopes_ok:
        return web.json_response({"error": {"errors": [{"reason": "invalidScope"}]}}, status=400)
    user = core.state.find_user(body["username"])
    if user is None or user.disabled or not hmac.compare_digest(user.password, body["password"]):
        return _oauth_error(401, "invalid_grant", "Invalid username or password")
    token = secrets.token_urlsafe(24)
    core.web_tokens[token] = user.user_id
    return web.json_response({"access_token": token, "token_type": "bearer", "expires_in": 3600})


async def oauth2_authorization_code(request: web.Request) -> web.Response:
    """§12.11 step 2: web API token + username -> one-time authorization code."""
    core = core_of(request)
    body = await _json_object(request) or {}
    user_id = core.web_tokens.get(str(body.get("token")))
    user = core.state.find_user(str(body.get("client_id", "")))
    if user_id is None or user is None or user.user_id != user_id:
        return _oauth_error(401, "invalid_grant", "Invalid token")
    code = secrets.token_urlsafe(24)
    core.auth_codes[code] = user_id
    return web.json_response({"authorization_code": code})


async def oauth2_bridge_token(request: web.Request) -> web.Response:
    """§12.11 step 3: authorization code -> the JWT used in ``auth``."""
    core = core_of(request)
    body = await _json_object(request) or {}
    if body.get("grant_type") != "authorization_code":
        return _oauth_error(400, "unsupported_grant_type", "grant_type must be authorization_code")
    user_id = core.auth_codes.pop(str(body.get("code")), None)
    if user_id is None:
        return _oauth_error(401, "invalid_grant", "Invalid or used authorization code")
    token, exp = core.issue_token(user_id, core.config.token_lifetime)
    core.changed()
    return web.json_response({"access_token": token, "token_type": "JWT",
                              "expires_in": core.config.token_lifetime, "expires_at": exp})


async def server_info(request: web.Request) -> web.Response:
    """§10.1: version and display name."""
    config = core_of(request).config
    return web.json_response({"product": {"version": config.version, "display_name": config.server_name}})


def _upload_error(description: str, code: int = errors.FILE_UPLOAD_FAILED) -> web.Response:
    return web.json_response({"error": code, "error_description": description}, status=400)


async def _save_part(part: BodyPartReader, path: Path) -> int:
    """Stream one multipart part to ``path``; return its byte count."""
    size = 0
    with path.open("wb") as out:
        while chunk := await part.read_chunk(CHUNK):
            out.write(chunk)
            size += len(chunk)
    return size


async def upload(request: web.Request) -> web.Response:
    """§6.1: ``Upload-Task-Id`` + multipart ``file`` (+ ``preview``) -> ``{temporalFileId}``."""
    core = core_of(request)
    redirect = _redirected(core)
    if redirect is not None:
        return redirect
    task_id = request.headers.get("Upload-Task-Id", "")
    task = core.state.upload_tasks.get(task_id)
    if task is None or task.used:
        return _upload_error(f"No task found for request_id: {task_id}")
    if core.config.upload_error is not None:
        return _upload_error(f"Upload failed for request_id: {task_id}", core.config.upload_error)
    if not request.content_type.startswith("multipart/"):
        return _upload_error("Body must be multipart/form-data")
    if core.should_drop("upload") and request.transport is not None:  # fault: dies mid-upload
        await request.content.read(CHUNK)
        request.transport.abort()
        raise web.HTTPServiceUnavailable()
    task.used = True
    temporal_id = new_hex_id()
    file_path, preview_path = core.files_dir / temporal_id, core.files_dir / f"{temporal_id}.preview"
    size: int | None = None
    name, mime, preview = task.file_name, task.mime_type, None
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "file" and size is None:
                size = await _save_part(part, file_path)
                name = name or part.filename
                mime = part.headers.get("Content-Type") or mime
            elif part.name == "preview" and preview is None:
                preview_size = await _save_part(part, preview_path)
                preview = Preview(name=part.filename or "preview", size=preview_size, path=preview_path,
                                  mime_type=part.headers.get("Content-Type") or "application/octet-stream")
            else:
                await part.release()
    except (ValueError, AssertionError, OSError) as exc:
        task.used = False
        return _upload_error(f"Malformed multipart body: {exc}")
    if size is None:
        task.used = False
        return _upload_error("The multipart part 'file' is missing")
    if core.config.check_upload_size and size != task.file_size:
        task.used = False
        file_path.unlink(missing_ok=True)
        return _upload_error(f"Received {size} bytes but uploadFile declared {task.file_size}")
    name = name or "file"
    mime = mime or mimetypes.guess_type(name)[0] or "application/octet-stream"
    core.state.temp_files[temporal_id] = TempFile(temporal_id=temporal_id, owner_id=task.owner_id, name=name,
                                                  size=size, mime_type=mime, path=file_path, preview=preview)
    core.changed()
    return web.json_response({"temporalFileId": temporal_id})


async def download(request: web.Request) -> web.StreamResponse:
    """§6.2: capability URL; the ``key`` query parameter must match."""
    core = core_of(request)
    stored = core.state.files.get(request.match_info["file_id"])
    key = request.query.get("key", "")
    if stored is None or not hmac.compare_digest(key.encode(), stored.key.encode()):
        raise web.HTTPNotFound()
    want_preview = request.path.endswith("/preview")
    if stored.ready_state != READY or (want_preview and stored.preview is None):
        raise web.HTTPNotFound()
    path, mime = stored.path, stored.mime_type
    if want_preview and stored.preview is not None:
        path, mime = stored.preview.path, stored.preview.mime_type
    if not path.exists():
        raise web.HTTPNotFound()
    redirect = core.config.download_redirect
    if redirect is not None and not request.query.get("redirected"):
        status, location = redirect
        return web.Response(status=status, headers={"Location": location})
    extra = core.config.download_extra_bytes
    headers = {"Content-Type": mime or "application/octet-stream"}
    if not core.config.download_chunked:
        headers["Content-Length"] = str(path.stat().st_size + extra)
    response = web.StreamResponse(headers=headers)
    if core.config.download_chunked:
        response.enable_chunked_encoding()
    await response.prepare(request)
    with path.open("rb") as source:
        while chunk := source.read(CHUNK):
            await response.write(chunk)
    while extra > 0:
        await response.write(b"\0" * min(extra, CHUNK))
        extra -= CHUNK
    await response.write_eof()
    return response


def add_routes(app: web.Application) -> None:
    """Register all HTTP endpoints on ``app``."""
    app.router.add_post(TOKEN_PATH, oauth_token)
    app.router.add_get(SERVER_INFO_PATH, server_info)
    app.router.add_post("/api/v4/oauth2/token", oauth2_web_token)
    app.router.add_post("/bridge/api/client/v1/auth/web_rest_api_token", oauth2_authorization_code)
    app.router.add_post("/bridge/api/client/v1/auth/token", oauth2_bridge_token)
    app.router.add_post(UPLOAD_PATH, upload)
    app.router.add_get(DOWNLOAD_PATH, download)
    app.router.add_get(DOWNLOAD_PATH + "/preview", download)
