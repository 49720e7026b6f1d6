"""Benchmarks of trueconf_sync against a raw websocket-client loop (run: ``python -m benchmarks.run``)."""
