"""Behaviour switches of the fake server; defaults follow the "Emulator:" advice of PROTOCOL.md."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ServerConfig:
    """All tunable behaviour of a :class:`FakeTrueConfServer` (attribute of ``server.config``).

    Options marked ⚠ correspond to points PROTOCOL.md lists as uncertain; the defaults are its
    recommendations. The object may be changed while the server runs (tests do that).
    """

    server_name: str = "video.example.com"
    version: str = "5.5.6.0"
    #: 5.5.4 behaviour: flat envelopes without ``chat``/``replyMessage``, §12 methods answer 307.
    legacy_envelopes: bool = False
    ping_interval: float = 5.0
    pong_timeout: float = 10.0
    #: add ``"errorCode": 0`` to every object success payload (§1.2).
    error_code_zero: bool = False
    #: ⚠ §1.6: deliver the bot's own message also to the connection that sent it.
    self_echo: bool = False
    #: ⚠ §4: send events caused by a request also to the connection that made it.
    events_for_own_actions: bool = False
    #: ⚠ §3.6: `getChatHistory` includes the `fromMessageId` message itself.
    history_includes_from: bool = True
    #: ⚠ §1.6: which of an account's connections get its events: ``"all"`` (every connection, each
    #: with its own server ids and acks, as several sessions of one bot see it) or ``"oldest"``
    #: (only the account's longest-connected authorised connection, a single-session server).
    session_delivery: str = "all"
    #: ⚠ §1.6: connections above this are refused with HTTP 503.
    max_connections: int = 128
    #: §12.7: `retryAfter` (ms) answered to `sendChatActivity`; must be positive.
    retry_after_ms: int = 5000
    #: §2.1: seconds a token issued by the OAuth endpoint stays valid.
    token_lifetime: int = 31536000
    #: ⚠ §2.2: requests on an authorised connection whose token expired answer 203.
    reject_requests_after_expiry: bool = True
    #: ⚠ §2.2: close the socket after a failed `auth` (default: keep it open).
    close_on_auth_failure: bool = False
    #: ⚠ §4.13: push `getFileUploadLimits` right after a successful `auth`.
    push_limits_on_auth: bool = False
    #: ⚠ §3.7/§3.29: error code for an unknown user id.
    unknown_user_code: int = 305
    #: §12.10: code for payloads with missing or wrongly typed fields.
    malformed_payload_code: int = 399
    #: ⚠ §8: reject texts longer than this many visible characters (None = accept anything).
    max_text_length: int | None = None
    #: ⚠ §8: error code for an over-long text.
    text_too_long_code: int = 300
    #: ⚠ §3.12: `getChats` order: "activity" (most recent first) or "created" (oldest first).
    chats_order: str = "activity"
    #: ⚠ §12.5: include a `commandId` in `command` events (5.5.6 leaves it out).
    command_ids: bool = False
    #: ⚠ §3.13: also accept the docs spelling `getChatById`.
    accept_get_chat_by_id_alias: bool = True
    #: §12.11: `False` makes the token endpoint answer 403 `auth_method_disabled`.
    password_auth_enabled: bool = True
    #: §6.4: seconds a newly sent file stays UPLOADING (readyState 1) before it becomes READY.
    file_ready_delay: float = 0.0
    #: §6.4: seconds between `uploadFileProgress` events while a file is UPLOADING.
    progress_interval: float = 0.2
    #: ⚠ §6.1: answer HTTP 400 when the uploaded byte count differs from `uploadFile.fileSize`.
    check_upload_size: bool = True
    #: ⚠ §6.2: `scheme://host:port` put in download URLs instead of the connection's own address,
    #: like a server behind a proxy that hands out its internal host name (None = the connection's).
    download_base_url: str | None = None
    #: fault (§6.2): answer every download with this redirect status and ``Location`` (None = serve the file).
    download_redirect: tuple[int, str] | None = None
    #: fault (§6.2): append this many bytes to every download body (a server that lies about the size).
    download_extra_bytes: int = 0
    #: fault (§6.2): send download bodies chunked, without ``Content-Length``.
    download_chunked: bool = False
    #: fault (§2.1, §6.1): answer the token endpoints and uploads with this redirect status and ``Location``.
    http_redirect: tuple[int, str] | None = None
    #: fault: answer every HTTP upload with 400 and this error code (None = upload normally).
    upload_error: int | None = None
    #: ⚠ §1.2: add an ``errorDescription`` text next to ``errorCode`` (real servers do not).
    error_descriptions: bool = False
    #: §12.11: ``False`` makes the OAuth2 step 1 answer 400 ``invalidScope``.
    oauth2_scopes_ok: bool = True
    #: fault: do not answer the client's WebSocket pings (the server's own pings go on).
    ignore_pings: bool = False
    #: fault: send every server request twice (the copy with the next server id), as a redelivery would.
    duplicate_events: bool = False
    #: fault: answer requests out of order -- hold responses in groups of this size (>= 2) and send
    #: each group reversed; a group not filled within 50 ms is flushed as it is.
    reorder_responses: int = 0

    def __post_init__(self) -> None:
        if self.session_delivery not in ("all", "oldest"):
            raise ValueError(f"session_delivery must be 'all' or 'oldest', got {self.session_delivery!r}")
