"""TrueConf IDs (``login@server``): comparing them the way servers write them (PROTOCOL §1.7).

Servers sometimes write ids of their own users without the domain (``"ivanov.ivan"``), so a bare
login means "that login on the bot's own server", never "that login on any server": with servers
federated, ``alice@evil.example`` is somebody else than ``alice@video.example.com``. Comparison is
case-insensitive, login and domain alike.
"""

from __future__ import annotations

import functools

__all__ = ["home_server", "normalize_user_id", "same_as_me", "same_user"]


def home_server(user_id: str | None) -> str | None:
    """The server part of a full TrueConf ID (``"bot@video.example.com"`` -> ``"video.example.com"``),
    lower-cased; a string without ``@`` is taken as the domain itself; None for None or ``""``."""
    if not user_id:
        return None
    return user_id.rsplit("@", 1)[-1].strip().lower() or None


@functools.lru_cache(maxsize=4096)  # every incoming message compares its author with the bot: few distinct ids
def normalize_user_id(user_id: str, home: str | None = None) -> str:
    """``user_id`` stripped and lower-cased, a bare login completed with ``@`` and the home server.

    ``home`` is the bot's own server: its domain or any full id on it (typically ``client.user_id``).
    Without it a bare login stays bare.
    """
    text = user_id.strip().lower()
    if "@" in text or not home:
        return text
    server = home_server(home)
    return f"{text}@{server}" if server else text


@functools.lru_cache(maxsize=4096)  # every incoming message asks it about its author
def same_as_me(user_id: str, me: str) -> bool:
    """``same_user(user_id, me, home=me)``: is ``user_id`` the bot itself (``me``, a full id)?"""
    return same_user(user_id, me, me)


def same_user(a: str, b: str, home: str | None = None) -> bool:
    """True when two TrueConf IDs name the same user.

    Case-insensitive. A bare login is completed with ``home`` (the bot's own server, as a domain or
    a full id on it) before comparing; full ids compare in full. Without ``home`` a bare login only
    matches the same bare login, never a full id: the server it means is not known.
    """
    # Equal strings name the same user whatever the home server (the common case for own messages).
    return a == b or normalize_user_id(a, home) == normalize_user_id(b, home)
