"""Events layer: the one list of server events (wire name -> model -> blinker signal), handler
registration (``client.on...``) and the worker threads that run handlers (per-chat order).
"""
