"""``with client.typing(chat_id):`` -- keep a chat activity ("typing...") shown while a block runs."""

from __future__ import annotations

import threading
from types import TracebackType

from ..core.protocols import ClientCore
from ..enums import ActivityType
from ..logs import get_logger

__all__ = ["ChatActivityKeeper"]

log = get_logger("trueconf_sync.activity")

#: Never resend faster than this, whatever ``retryAfter`` says (a 0 would spin, PROTOCOL §12.7).
MIN_INTERVAL = 0.5
#: Used when the server's answer carries no usable ``retryAfter``.
DEFAULT_INTERVAL = 4.0


class ChatActivityKeeper:
    """Sends ``sendChatActivity`` now and again every ``retryAfter`` ms until the block ends.

    Failures of the indicator are logged, never raised: it is cosmetic and must not break the
    work it decorates. Use through :meth:`Client.typing <trueconf_sync.Client.typing>`.
    """

    def __init__(self, core: ClientCore, chat_id: str, activity: ActivityType | str = ActivityType.TYPING) -> None:
        self._core = core
        self._chat_id = chat_id
        self._activity = activity
        # Validate now, in the caller's thread, so bad arguments raise at once.
        from .methods import send_chat_activity

        send_chat_activity.build(chat_id, activity)
        self._send = send_chat_activity
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.sent = 0

    def _run(self) -> None:
        while not self._stop.is_set():
            interval = DEFAULT_INTERVAL
            try:
                method = self._send
                answer = self._core.request(method.spec, method.prepare((self._chat_id, self._activity), {}), None)
                self.sent += 1
                if answer.retry_after > 0:
                    interval = answer.retry_after / 1000.0
            except Exception as exc:  # noqa: BLE001 - cosmetic: log and keep trying
                log.debug("chat activity for %s failed: %s", self._chat_id, exc)
            self._stop.wait(max(MIN_INTERVAL, interval))

    def __enter__(self) -> ChatActivityKeeper:
        self._thread = threading.Thread(target=self._run, name="trueconf-activity", daemon=True)
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(self._core.default_timeout + 1.0)
