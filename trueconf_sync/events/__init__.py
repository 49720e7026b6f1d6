"""Events layer: the one list of event kinds (:mod:`.kinds`: name, wire methods, model, doc), the
blinker signals and the wire method table made from it (:mod:`.signals`), handler registration
(``client.on...``, :mod:`.registry`) and the worker threads that run handlers (per-chat order).
"""
