"""Text layer: message formatting (HTML / Markdown builders, escaping, visible length), splitting long
texts, and inline keyboards. Pure functions and values: no I/O, no client.
"""
