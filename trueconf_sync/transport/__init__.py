"""Transport layer: WebSocket frames (RFC 6455), the wire JSON codec, the pending-request table, TLS
settings, the HTTP session and the connection (socket, reader thread, heartbeat, send lock).

It knows nothing of the Chatbot Connector's methods or events: it moves JSON frames and completes
the waiter of each request id. Imports only the leaf modules (``errors``).
"""
