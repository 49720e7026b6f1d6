"""``Update``: a server request frame exactly as received, for ``@router.event("wireMethod")``.

Typed handlers get parsed models; a handler registered with wire method names (or ``"*"``) gets
this instead: the frame's ``method``, ``type``, ``id`` and untouched ``payload`` (the official
SDK's ``Update`` has the same four fields). It works for methods this library does not model too.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = ["Update"]


@attrs.frozen
class Update:
    """One server request frame (PROTOCOL §1.3): ``{"type": 1, "id": N, "method": ..., "payload": ...}``."""

    method: str
    payload: Any = None
    id: int | None = None
    type: int = 1

    @classmethod
    def from_frame(cls, frame: dict[str, Any]) -> Update:
        """Read a decoded frame (lenient: odd field types are kept as they came, ids must be int)."""
        frame_id = frame.get("id")
        frame_type = frame.get("type")
        return cls(method=str(frame.get("method", "")), payload=frame.get("payload"),
                   id=frame_id if type(frame_id) is int else None,
                   type=frame_type if type(frame_type) is int else 1)

    @property
    def frame(self) -> dict[str, Any]:
        """The frame as a dict (the payload object itself, not a copy)."""
        return {"type": self.type, "id": self.id, "method": self.method, "payload": self.payload}
