"""``FakeTrueConfServer``: the aiohttp app on its own thread and event loop, and its public API.

Every public method is blocking and thread-safe: it runs its work on the server's loop and waits.
Before :meth:`FakeTrueConfServer.start` (and on the loop thread itself) the work runs directly.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from ..extras import require
from .config import ServerConfig
from .core import Core, log
from .faults import FaultHooks

if TYPE_CHECKING:
    import ssl

    from aiohttp import web

    from .users import SimulatedUser

T = TypeVar("T")


def loopback_only(host: str) -> bool:
    """Whether ``host`` (a bind address) is reachable from this machine only."""
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class FakeTrueConfServer(FaultHooks):
    """A fake TrueConf Server speaking the Chatbot Connector protocol on a real socket.

    Keyword options not listed map to :class:`ServerConfig` fields (e.g. ``file_ready_delay``).
    ``ssl_context`` (a server-side :class:`ssl.SSLContext` with its certificate loaded) serves
    HTTPS and WSS instead of plain HTTP and WS on the same port. With ``control_api=True`` the
    ``/_fake/`` JSON API is mounted (:mod:`.control`); ``control_token`` then requires
    ``Authorization: Bearer <token>`` on it and ``control_hosts`` adds accepted ``Host`` names.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, server_name: str = "video.example.com",
                 version: str = "5.5.6.0", legacy_envelopes: bool = False, ping_interval: float = 5.0,
                 pong_timeout: float = 10.0, error_code_zero: bool = False, self_echo: bool = False,
                 events_for_own_actions: bool = False, history_includes_from: bool = True,
                 max_connections: int = 128, retry_after_ms: int = 5000, token_lifetime: int = 31536000,
                 control_api: bool = False, ssl_context: ssl.SSLContext | None = None,
                 control_token: str | None = None, control_hosts: tuple[str, ...] = (),
                 **options: Any) -> None:
        require("aiohttp", "testing", "the fake TrueConf server")
        self.config = ServerConfig(
            server_name=server_name, version=version, legacy_envelopes=legacy_envelopes,
            ping_interval=ping_interval, pong_timeout=pong_timeout, error_code_zero=error_code_zero,
            self_echo=self_echo, events_for_own_actions=events_for_own_actions,
            history_includes_from=history_includes_from, max_connections=max_connections,
            retry_after_ms=retry_after_ms, token_lifetime=token_lifetime, **options)
        self._host = host
        self._port = port
        self._control_api = control_api
        #: with the control API: the bearer token every control request must carry (None: no token)
        self.control_token = control_token
        #: with the control API: host names accepted in the Host header besides IPs, localhost, server_name
        self.control_hosts = tuple(control_hosts)
        self._ssl_context = ssl_context
        self._files_dir = Path(tempfile.mkdtemp(prefix="fake-trueconf-"))
        self._cond = threading.Condition()
        self._generation = 0
        self.core = Core(self.config, self._files_dir, self._notify)
        self._lock = threading.RLock()  # guards direct access before start / after stop
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._users: dict[str, SimulatedUser] = {}
        self._stopped = False

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> FakeTrueConfServer:
        """Start listening; returns once the socket is bound (``port`` then holds the real port)."""
        if self._thread is not None:
            return self
        self._files_dir.mkdir(parents=True, exist_ok=True)  # again after a stop(): restarts keep state
        self._stopped = False
        started: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._run, args=(started,), name="FakeTrueConfServer", daemon=True)
        self._thread.start()
        try:
            started.result(timeout=10)
        except BaseException:
            self._thread.join(timeout=5)
            self._thread = None
            raise
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Close every connection and the listener; idempotent, bounded by ``timeout``.

        The state (users, chats, messages, tokens) survives: ``start()`` again listens on the same
        port, which lets tests simulate a server restart. Stored files are deleted.
        """
        thread, loop = self._thread, self._loop
        if thread is not None and loop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(loop.stop)
            except RuntimeError:
                pass
            if thread is not threading.current_thread():
                thread.join(timeout)
        self._thread = None
        if not self._stopped:
            self._stopped = True
            shutil.rmtree(self._files_dir, ignore_errors=True)

    def __enter__(self) -> FakeTrueConfServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self, started: concurrent.futures.Future[None]) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:  # noqa: BLE001 -- handed to start()
            started.set_exception(exc)
            loop.close()
            return
        self._loop = loop
        started.set_result(None)
        try:
            loop.run_forever()
        finally:
            try:
                loop.run_until_complete(asyncio.wait_for(self._shutdown(), 3.0))
            except Exception:  # noqa: BLE001 -- shutdown must finish the thread anyway
                log.exception("fake server: shutdown did not finish cleanly")
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()
            self.core.sessions.clear()
            self.core.progress_subscribers.clear()
            self.core.withheld.clear()
            self._loop = None
            self._notify()

    async def _startup(self) -> None:
        from aiohttp import web

        from .app import build_app

        app = build_app(self.core, self if self._control_api else None)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, ssl_context=self._ssl_context)
        await site.start()
        if self._control_api and not loopback_only(self._host):
            log.warning("the control API of the fake server listens on %s, beyond loopback: anybody who reaches it "
                        "can act as any user%s", self._host,
                        "" if self.control_token else " (set a control token to require one)")
        server = getattr(site, "_server", None)
        sockets = getattr(server, "sockets", None) or []
        if sockets:
            self._port = sockets[0].getsockname()[1]
        self.core.base_url = self.url

    async def _shutdown(self) -> None:
        for session in list(self.core.sessions):
            session.abort()
        if self._runner is not None:
            await self._runner.cleanup()

    # --- addresses ----------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """The address the server listens on."""
        return self._host

    @property
    def port(self) -> int:
        """The real port (valid after :meth:`start`)."""
        return self._port

    @property
    def url(self) -> str:
        """``http://host:port`` or ``https://`` (a wildcard host is reported as 127.0.0.1)."""
        host = "127.0.0.1" if self._host in ("0.0.0.0", "", "::") else self._host
        if ":" in host:
            host = f"[{host}]"
        return f"{'https' if self._ssl_context is not None else 'http'}://{host}:{self._port}"

    @property
    def ws_url(self) -> str:
        """``ws://host:port/websocket/chat_bot/`` (``wss://`` with TLS)."""
        return "ws" + self.url[len("http"):] + "/websocket/chat_bot/"

    # --- running work on the loop -------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The server's event loop while running."""
        return self._loop

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn()`` on the server loop and return its result (re-raising its exception)."""
        loop = self._loop
        running = self._thread is not None and loop is not None and not loop.is_closed()
        if not running or threading.current_thread() is self._thread:
            with self._lock:
                result = fn()
            self._notify()
            return result
        assert loop is not None
        future: concurrent.futures.Future[T] = concurrent.futures.Future()

        def work() -> None:
            try:
                future.set_result(fn())
            except BaseException as exc:  # noqa: BLE001 -- re-raised in the calling thread
                future.set_exception(exc)
            finally:
                self._notify()

        loop.call_soon_threadsafe(work)
        return future.result(timeout)

    def _notify(self) -> None:
        with self._cond:
            self._generation += 1
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[FakeTrueConfServer], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate(server)`` is truthy (re-checked on every state change); return it.

        Raises :class:`TimeoutError` after ``timeout`` seconds. Must not be called on the loop thread.
        """
        if self._thread is not None and threading.current_thread() is self._thread:
            raise RuntimeError("wait_for() would block the server loop")
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                generation = self._generation
            result = predicate(self)
            if result:
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout}s")
            with self._cond:
                if self._generation == generation:
                    self._cond.wait(min(remaining, 0.1))

    # --- users and tokens ---------------------------------------------------------------------

    def add_user(self, login: str, password: str = "password", display_name: str | None = None) -> str:
        """Create an account (bots are users too); return its TrueConf ID ``login@server_name``."""
        return self.call(lambda: self.core.state.add_user(login, password, display_name).user_id)

    def disable_user(self, login: str, disabled: bool = True) -> None:
        """Disable (or re-enable) an account: OAuth then answers 401, ``auth`` 202."""
        def work() -> None:
            self.core.state.require_user(login, 305).disabled = disabled
        self.call(work)

    def issue_token(self, login: str, expires_in: int | None = None) -> str:
        """A 3-segment JWT for ``login`` (``sub``, ``exp``) accepted by ``auth``."""
        lifetime = self.config.token_lifetime if expires_in is None else expires_in

        def work() -> str:
            user = self.core.state.require_user(login, 305)
            return self.core.issue_token(user.user_id, lifetime)[0]
        return self.call(work)

    def expire_tokens(self) -> None:
        """Every token issued so far counts as expired (``auth`` -> 203; requests -> 203, §2.2)."""
        def work() -> None:
            for info in self.core.state.tokens.values():
                info.expired = True
        self.call(work)

    def user(self, login: str) -> SimulatedUser:
        """A human using "the TrueConf app", driven from Python (the account must exist)."""
        from .users import SimulatedUser

        user_id = self.call(lambda: self.core.state.require_user(login, 305).user_id)
        with self._lock:
            if user_id not in self._users:
                self._users[user_id] = SimulatedUser(self, user_id)
            return self._users[user_id]

    # --- inspection ---------------------------------------------------------------------------

    def chat_messages(self, chat_id: str) -> list[dict[str, Any]]:
        """Stored (not deleted) envelopes of a chat in wire format, oldest first."""
        def work() -> list[dict[str, Any]]:
            chat = self.core.state.chats.get(chat_id)
            if chat is None:
                return []
            render = self.core.render
            return [render.envelope(m, None) for m in chat.messages if not m.deleted]
        return self.call(work)

    def get_chat(self, chat_id: str) -> dict[str, Any] | None:
        """A chat's data: ``chatId``, ``title``, ``chatType``, ``avatarUrl``, ``members`` (id -> role)."""
        def work() -> dict[str, Any] | None:
            chat = self.core.state.chats.get(chat_id)
            if chat is None:
                return None
            return {"chatId": chat.chat_id, "title": chat.title, "chatType": chat.chat_type,
                    "avatarUrl": chat.avatar_url, "members": dict(chat.members),
                    "messageCount": sum(1 for m in chat.messages if not m.deleted)}
        return self.call(work)

    @property
    def stats(self) -> dict[str, Any]:
        """Counters: connections, authorized, requests (by method), acks, events_sent, unacked, ..."""
        return self.call(self.core.stats)

    @property
    def activities(self) -> list[dict[str, Any]]:
        """``sendChatActivity`` calls received (§12.7)."""
        return self.call(lambda: list(self.core.activities))

    @property
    def command_answers(self) -> list[dict[str, Any]]:
        """``answerCommand`` calls received (§12.6)."""
        return self.call(lambda: list(self.core.command_answers))

    # --- fault injection ----------------------------------------------------------------------

    def drop_connections(self) -> int:
        """Abort every WebSocket without a close handshake; return how many were dropped."""
        def work() -> int:
            sessions = list(self.core.sessions)
            for session in sessions:
                session.abort()
            return len(sessions)
        return self.call(work)

    def delay_responses(self, seconds: float, method: str | None = None) -> None:
        """Delay responses (to all requests or one method); ``seconds=0`` resets (all, or that method)."""
        def work() -> None:
            if seconds > 0:
                self.core.delays[method] = seconds
            elif method is None:
                self.core.delays.clear()
            else:
                self.core.delays.pop(method, None)
        self.call(work)

    def withhold_responses(self, method: str | None = None) -> None:
        """Stop answering (all requests or one method) until :meth:`release_responses`."""
        self.call(lambda: self.core.withhold.add(method))

    def release_responses(self) -> None:
        """Send every withheld response and stop withholding."""
        self.call(self.core.release)

    def fail_requests(self, code: int, method: str | None = None, count: int = 1) -> None:
        """Answer the next ``count`` requests (of ``method``; ``None`` = any method except ``auth``)
        with ``{"errorCode": code}`` without running them."""
        self.call(lambda: self.core.forced_errors.setdefault(method, []).extend([code] * count))

    def refuse_connections(self, count: int = 1) -> None:
        """Refuse the next ``count`` WebSocket handshakes with HTTP 503."""
        def work() -> None:
            self.core.refuse_next_connections = count
        self.call(work)

    def push_raw(self, text: str, login: str | None = None) -> int:
        """Send a text frame (anything, even invalid JSON) to authorised connections; return the count."""
        def work() -> int:
            targets = self._targets(login)
            for session in targets:
                session.send_text(text)
            return len(targets)
        return self.call(work)

    def push_event(self, method: str, payload: Any, login: str | None = None) -> list[int]:
        """Send a type-1 server request with fresh server ids; return the ids used."""
        text = json.dumps(payload)
        return self.call(lambda: [s.push(method, json.loads(text)) for s in self._targets(login)])

    def _targets(self, login: str | None) -> list[Any]:
        sessions = [s for s in self.core.sessions if s.authorized]
        if login is None:
            return sessions
        user_id = self.core.state.require_user(login, 305).user_id
        return [s for s in sessions if s.user_id == user_id]

    def set_upload_limits(self, max_size: int | None = None, mode: str | None = None,
                          extensions: list[str] | None = None) -> list[int]:
        """Change the upload limits (§3.28) and push ``getFileUploadLimits`` to every connection (§4.13)."""
        from .files import limits_payload

        if mode is not None and mode not in ("allow", "block"):
            raise ValueError("mode must be 'allow' or 'block'")

        def work() -> list[int]:
            self.core.max_upload_size = max_size
            self.core.upload_extensions = ({"mode": mode, "list": list(extensions or [])}
                                           if mode is not None else None)
            payload = limits_payload(self.core)
            return [s.push("getFileUploadLimits", payload) for s in self.core.sessions if s.authorized]
        return self.call(work)
