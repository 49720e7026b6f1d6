"""Wire frames at DEBUG on the ``trueconf_sync.wire`` logger, secrets masked (``trueconf-sync -vv``).

A connection opened while that logger is enabled for DEBUG writes with a :class:`LoggingMasker`
and reads with a :class:`LoggingFrameReader`: every text frame sent or received is logged as
``-> {...}`` / ``<- {...}``. Other connections use the plain classes, so the hot path pays nothing
when the logger is off (the choice is made once, when connecting).

The frames carry secrets: the ``auth`` request's token, download URLs whose query is a key
(PROTOCOL §6.2), the survey and avatar URLs. The values of every key named like ``token``,
``password``, ``...taskId`` or ``...url`` are replaced with ``***`` before the line is formatted; long frames
are cut (a log line, not a dump).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from .frames import OP_TEXT, FrameReader, Masker

__all__ = ["LoggingFrameReader", "LoggingMasker", "enabled", "masked", "wire_log"]

wire_log = logging.getLogger("trueconf_sync.wire")

#: Longest frame text shown in one log line.
MAX_SHOWN = 2000
# "key": "value" where the key names a secret; JSON strings may hold escaped quotes.
# An upload task id is a capability too: whoever holds it can upload into the bot's task (§6.1).
_SECRET_VALUE = re.compile(r'("(?:[A-Za-z_]*(?:token|Token|password|Password|taskId|TaskId)|[A-Za-z_]*(?:url|Url|URL))"'
                           r'\s*:\s*)"(?:[^"\\]|\\.)*"')


def enabled() -> bool:
    """True when wire frames are logged (the logger is enabled for DEBUG)."""
    return wire_log.isEnabledFor(logging.DEBUG)


def masked(text: str) -> str:
    """``text`` (a JSON frame) with secret values replaced by ``"***"`` and cut to :data:`MAX_SHOWN`."""
    shown = _SECRET_VALUE.sub(r'\1"***"', text)
    return shown if len(shown) <= MAX_SHOWN else f"{shown[:MAX_SHOWN]}... ({len(shown)} chars)"


class LoggingMasker(Masker):
    """A :class:`Masker` that logs each text frame it builds (``->``)."""

    __slots__ = ()

    def frame(self, payload: bytes, opcode: int = OP_TEXT) -> bytes:
        """Log ``payload`` (text frames), then build the frame as :class:`Masker` does."""
        if opcode == OP_TEXT:
            wire_log.debug("-> %s", masked(payload.decode("utf-8", errors="replace")))
        return super().frame(payload, opcode)

    def frames(self, payloads: list[bytes], opcode: int = OP_TEXT) -> bytes:
        """Log each of ``payloads`` (text frames), then build the frames as :class:`Masker` does."""
        if opcode == OP_TEXT:
            for payload in payloads:
                wire_log.debug("-> %s", masked(payload.decode("utf-8", errors="replace")))
        return super().frames(payloads, opcode)


class LoggingFrameReader(FrameReader):
    """A :class:`FrameReader` that logs each text message it completes (``<-``)."""

    __slots__ = ()

    def read(self) -> list[tuple[int, Any]]:
        """Read as :class:`FrameReader` does, then log the text messages."""
        out = super().read()
        for opcode, data in out:
            if opcode == OP_TEXT:
                text = data if isinstance(data, str) else bytes(data).decode("utf-8", errors="replace")
                wire_log.debug("<- %s", masked(text))
        return out
