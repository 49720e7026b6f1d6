"""trueconf_sync.ids: a bare login means a user of the bot's own server; full ids compare in full (issue 18 item 5)."""

from __future__ import annotations

import pytest

from trueconf_sync.ids import home_server, normalize_user_id, same_as_me, same_user


@pytest.mark.parametrize(("a", "b", "home", "same"), [
    ("alice@video.example.com", "ALICE@Video.Example.Com", None, True),  # case-insensitive, both parts
    ("alice", "alice@video.example.com", "bot@video.example.com", True),  # bare = on the bot's server
    ("alice", "alice@video.example.com", "video.example.com", True),  # home as a domain
    ("alice", "alice@evil.example", "bot@video.example.com", False),  # never the same login elsewhere
    ("alice@evil.example", "alice@video.example.com", "bot@video.example.com", False),
    ("alice", "alice@video.example.com", None, False),  # the server a bare login means is unknown
    ("alice", "Alice", None, True),
    (" alice@video.example.com ", "alice@video.example.com", None, True),
])
def test_same_user(a: str, b: str, home: str | None, same: bool) -> None:
    assert same_user(a, b, home) is same
    assert same_user(b, a, home) is same


def test_normalize_and_home() -> None:
    assert normalize_user_id(" Alice ", "bot@Video.Example.com") == "alice@video.example.com"
    assert normalize_user_id("alice@Evil.Example", "bot@video.example.com") == "alice@evil.example"
    assert normalize_user_id("alice") == "alice"
    assert home_server("bot@Video.Example.com") == "video.example.com"
    assert home_server("video.example.com") == "video.example.com" and home_server(None) is None


@pytest.mark.parametrize(("author", "me", "mine"), [
    ("bot@srv.example", "bot@srv.example", True),
    (" BOT@Srv.Example ", "bot@srv.example", True),
    ("bot", "bot@srv.example", True),  # a bare login is the bot's own server
    ("bot@evil.example", "bot@srv.example", False),  # another server's user of the same login
    ("alice@srv.example", "bot@srv.example", False),
])
def test_same_as_me_is_same_user_with_the_bots_home(author: str, me: str, mine: bool) -> None:
    assert same_as_me(author, me) is mine is same_user(author, me, home=me)
    assert same_as_me(author, me) is mine  # asked again: the cached answer
