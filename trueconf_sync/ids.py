"""TrueConf IDs (``login@server``): comparing them the way servers write them (PROTOCOL §1.7)."""

from __future__ import annotations

__all__ = ["same_user"]


def same_user(a: str, b: str) -> bool:
    """True when two TrueConf IDs name the same user.

    Case-insensitive; an id without ``@server`` (``"ivanov.ivan"``, as some server output has it)
    matches the same login with any server part. Two full ids must match completely.
    """
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    if "@" in a and "@" in b:
        return False
    return a.split("@", 1)[0] == b.split("@", 1)[0]
