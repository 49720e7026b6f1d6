"""Error codes of the Chatbot Connector API (PROTOCOL §7, §12.10) and the exception that carries one."""

from __future__ import annotations

NOT_AUTHORIZED = 200
INVALID_CREDENTIALS = 201
USER_DISABLED = 202
CREDENTIALS_EXPIRED = 203
UNSUPPORTED_CREDENTIALS = 204
INTERNAL_ERROR = 300
TIMEOUT = 301
ACCESS_DENIED = 302
NOT_ENOUGH_RIGHTS = 303
CHAT_NOT_FOUND = 304
USER_IS_NOT_CHAT_PARTICIPANT = 305
MESSAGE_NOT_FOUND = 306
UNKNOWN_MESSAGE = 307
FILE_NOT_FOUND = 308
USER_IS_ALREADY_CHAT_PARTICIPANT = 309
FILE_UPLOAD_FAILED = 310
FILE_NOT_READY = 311
ROLE_NOT_FOUND = 312
MALFORMED_PAYLOAD = 399

DESCRIPTIONS: dict[int, str] = {
    NOT_AUTHORIZED: "Not authorized",
    INVALID_CREDENTIALS: "Invalid credentials",
    USER_DISABLED: "User is disabled",
    CREDENTIALS_EXPIRED: "Credentials expired",
    UNSUPPORTED_CREDENTIALS: "Unsupported credentials",
    INTERNAL_ERROR: "Internal error",
    TIMEOUT: "Timeout",
    ACCESS_DENIED: "Access denied",
    NOT_ENOUGH_RIGHTS: "Not enough rights",
    CHAT_NOT_FOUND: "Chat not found",
    USER_IS_NOT_CHAT_PARTICIPANT: "User is not a chat participant",
    MESSAGE_NOT_FOUND: "Message not found",
    UNKNOWN_MESSAGE: "Unknown message",
    FILE_NOT_FOUND: "File not found",
    USER_IS_ALREADY_CHAT_PARTICIPANT: "User is already a chat participant",
    FILE_UPLOAD_FAILED: "File upload failed",
    FILE_NOT_READY: "File not ready",
    ROLE_NOT_FOUND: "Role not found",
    MALFORMED_PAYLOAD: "Malformed payload",
}


class ApiError(Exception):
    """A protocol error: becomes ``{"errorCode": code}`` in a type-2 response."""

    def __init__(self, code: int, description: str | None = None) -> None:
        self.code = code
        self.description = description or DESCRIPTIONS.get(code, "Error")
        super().__init__(f"{code}: {self.description}")
