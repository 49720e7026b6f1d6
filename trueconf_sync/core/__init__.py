"""Core layer: the client's lifecycle (connect, reconnect, fork, close), tokens (OAuth, refresh) and
the one request path every call goes through (blocking, Future and bulk).

Built on :mod:`trueconf_sync.transport`; knows the protocol's envelope and auth codes but not the
individual API methods (those are rows of :mod:`trueconf_sync.api.methods`).
"""
