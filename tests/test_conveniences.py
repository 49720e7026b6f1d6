"""Everyday conveniences (issue 14, items 6-9): ``Client.from_env``, ``send_to_user``, the paging
iterators and ``SentMessage.datetime``, against the fake server over real sockets."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from trueconf_sync import ApiError, Client
from trueconf_sync.testing import FakeTrueConfServer


def _requests(server, method):
    return server.stats["requests"].get(method, 0)


# ---- Client.from_env (item 6) ------------------------------------------------------------------


def _env(server, **more):
    return {"TRUECONF_SERVER": f"http://{server.host}:{server.port}", **more}


def test_from_env_with_a_token(trueconf_server, tmp_path):
    env = _env(trueconf_server, TRUECONF_TOKEN=trueconf_server.issue_token("echo_bot"), TRUECONF_TIMEOUT="7",
               XDG_CONFIG_HOME=str(tmp_path))
    client = Client.from_env(env)
    assert not client.connected  # built, not connected
    assert (client.host, client.port, client.https, client.timeout) == (trueconf_server.host, trueconf_server.port,
                                                                         False, 7.0)
    with client:
        assert client.user_id == "echo_bot@video.example.com"


def test_from_env_with_username_and_password_files(trueconf_server, tmp_path):
    secret = tmp_path / "password"
    secret.write_text("password\n")
    env = _env(trueconf_server, TRUECONF_USERNAME="alice", TRUECONF_PASSWORD_FILE=str(secret),
               XDG_CONFIG_HOME=str(tmp_path))
    with Client.from_env(env, workers=3) as client:  # overrides are further Client arguments
        assert client.user_id == "alice@video.example.com" and client.workers == 3


def test_from_env_reads_the_config_file_profile(trueconf_server, tmp_path):
    ini = tmp_path / "bots.ini"
    ini.write_text(f"[night]\nserver = {trueconf_server.host}\nport = {trueconf_server.port}\nhttps = false\n"
                   f"token = {trueconf_server.issue_token('bob')}\n")
    ini.chmod(0o600)
    with Client.from_env({}, config=ini, profile="night") as client:
        assert client.user_id == "bob@video.example.com"


def test_from_env_overrides_replace_the_credentials(trueconf_server, tmp_path):
    env = _env(trueconf_server, XDG_CONFIG_HOME=str(tmp_path))  # no credentials at all in the environment
    with Client.from_env(env, token=trueconf_server.issue_token("alice")) as client:
        assert client.user_id == "alice@video.example.com"


@pytest.mark.parametrize(("env", "match"), [
    ({}, "TRUECONF_SERVER"),
    ({"TRUECONF_SERVER": "h"}, "no credentials"),
    ({"TRUECONF_SERVER": "h", "TRUECONF_TOKEN": "t", "TRUECONF_PORT": "99999"}, "TRUECONF_PORT"),
    ({"TRUECONF_SERVER": "h", "TRUECONF_USERNAME": "bot"}, "TRUECONF_PASSWORD"),
])
def test_from_env_errors_name_the_variable(env, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        Client.from_env({**env, "XDG_CONFIG_HOME": str(tmp_path)})


def test_from_env_never_shows_a_secret(tmp_path):
    env = {"TRUECONF_SERVER": "h", "TRUECONF_TOKEN": "s3cr3t-token", "TRUECONF_TIMEOUT": "soon",
           "XDG_CONFIG_HOME": str(tmp_path)}
    with pytest.raises(ValueError, match="TRUECONF_TIMEOUT") as info:
        Client.from_env(env)
    assert "s3cr3t-token" not in str(info.value)
    client = Client.from_env({**env, "TRUECONF_TIMEOUT": "3"})
    assert "s3cr3t-token" not in repr(client) and "s3cr3t-token" not in repr(client.config)
    client.close()


# ---- send_to_user (item 7) ---------------------------------------------------------------------


def test_send_to_user_creates_the_chat_once_and_reuses_it(trueconf_server, trueconf_client, alice):
    first = trueconf_client.send_to_user("alice@video.example.com", "Your report is ready")
    second = trueconf_client.send_to_user("alice@video.example.com", "**Second**", parse_mode="markdown")
    assert first.chat_id == second.chat_id == alice.p2p_chat_with("echo_bot")
    assert _requests(trueconf_server, "createP2PChat") == 1  # cached
    texts = [e["content"]["text"] for e in trueconf_server.chat_messages(first.chat_id)]
    assert texts == ["Your report is ready", "**Second**"]
    assert trueconf_client.personal_chat_id("alice@video.example.com") == first.chat_id
    assert _requests(trueconf_server, "createP2PChat") == 1


def test_send_to_user_takes_a_bare_login(trueconf_server, trueconf_client, bob):
    sent = trueconf_client.send_to_user("bob", "hi")  # the server's domain is added
    assert sent.chat_id == bob.p2p_chat_with("echo_bot")


def test_send_to_user_remakes_a_deleted_chat(trueconf_server, trueconf_client, alice):
    old = trueconf_client.send_to_user("alice", "one").chat_id
    trueconf_client.remove_chat(old)
    new = trueconf_client.send_to_user("alice", "two")
    assert new.chat_id != old and new.chat_id == alice.p2p_chat_with("echo_bot")
    assert [e["content"]["text"] for e in trueconf_server.chat_messages(new.chat_id)] == ["two"]


@pytest.mark.parametrize(("args", "kwargs", "exc", "match"), [
    (("", "hi"), {}, ValueError, "user_id"),
    ((None, "hi"), {}, TypeError, "user_id"),
    (("alice", ""), {}, ValueError, "text"),
    (("alice", "x" * 5000), {}, ValueError, "4096"),
    (("alice", "hi"), {"parse_mode": "rtf"}, ValueError, "parse_mode"),
    (("alice", "hi"), {"quote": "q"}, ValueError, "reply_message_id"),
    (("alice", "hi"), {"timeout": -1}, ValueError, "timeout"),
])
def test_send_to_user_checks_everything_before_sending(trueconf_server, trueconf_client, args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        trueconf_client.send_to_user(*args, **kwargs)
    assert _requests(trueconf_server, "createP2PChat") == 0 and _requests(trueconf_server, "sendMessage") == 0


def test_send_to_an_unknown_user_is_an_api_error(trueconf_client):
    with pytest.raises(ApiError):
        trueconf_client.send_to_user("nobody@video.example.com", "hi")


# ---- paging iterators (item 8) -----------------------------------------------------------------


def test_iter_chats_is_lazy_and_pages(trueconf_server, trueconf_client, alice):
    for index in range(25):
        alice.create_group_chat(f"group {index:02d}", members=["echo_bot"])
    chats = trueconf_client.iter_chats(page_size=10)
    assert _requests(trueconf_server, "getChats") == 0  # nothing asked before the first chat is taken
    first_ten = list(itertools.islice(chats, 10))
    assert len(first_ten) == 10 and _requests(trueconf_server, "getChats") == 1
    next(chats)  # the 11th chat needs the second page
    assert _requests(trueconf_server, "getChats") == 2
    rest = list(chats)
    assert _requests(trueconf_server, "getChats") == 3  # 10 + 10 + 5: the short page ends it
    assert len(first_ten) + 1 + len(rest) == 25
    everything = list(trueconf_client.iter_chats(page_size=5))  # 5 full pages, then an empty one
    assert sorted(chat.title for chat in everything) == [f"group {i:02d}" for i in range(25)]
    assert len({chat.chat_id for chat in everything}) == 25


def test_iter_chats_of_a_bot_without_chats(trueconf_server, trueconf_client):
    assert list(trueconf_client.iter_chats()) == []
    assert _requests(trueconf_server, "getChats") == 1


@pytest.mark.parametrize("includes_from", [True, False], ids=["server-repeats-boundary", "server-skips-it"])
@pytest.mark.parametrize("page_size", [1, 7, 10, 50])
def test_iter_history_walks_back_without_gaps_or_repeats(includes_from, page_size):
    with FakeTrueConfServer(history_includes_from=includes_from) as server:
        server.add_user("echo_bot")
        server.add_user("alice")
        alice = server.user("alice")
        chat_id = alice.p2p_chat_with("echo_bot")
        ids = [alice.send_message(chat_id, f"m{index}") for index in range(30)]
        with Client(server.host, token=server.issue_token("echo_bot"), port=server.port, https=False) as client:
            history = client.iter_history(chat_id, page_size=page_size)
            assert _requests(server, "getChatHistory") == 0
            messages = list(history)
            assert [m.message_id for m in messages] == ids[::-1]  # newest first, each once
            assert [m.text for m in messages[:2]] == ["m29", "m28"]
            assert messages[0].reply  # bound to the client like get_chat_history's messages
            pages = _requests(server, "getChatHistory")
            assert pages <= 30 // page_size + 2
            start = list(client.iter_history(chat_id, page_size=page_size, from_message_id=ids[9]))
            expected = ids[:10][::-1] if includes_from else ids[:9][::-1]
            assert [m.message_id for m in start] == expected


def test_iter_history_fetches_only_what_is_used(trueconf_server, trueconf_client, alice):
    chat_id = alice.p2p_chat_with("echo_bot")
    for index in range(12):
        alice.send_message(chat_id, f"m{index}")
    newest = list(itertools.islice(trueconf_client.iter_history(chat_id, page_size=5), 5))
    assert [m.text for m in newest] == ["m11", "m10", "m9", "m8", "m7"]
    assert _requests(trueconf_server, "getChatHistory") == 1


@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    ({"page_size": 0}, ValueError, "page_size"),
    ({"page_size": 1001}, ValueError, "page_size"),
    ({"page_size": "5"}, TypeError, "page_size"),
    ({"from_message_id": ""}, ValueError, "from_message_id"),
    ({"timeout": 0}, ValueError, "timeout"),
])
def test_iterators_check_arguments_at_once(trueconf_server, trueconf_client, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        trueconf_client.iter_history("some-chat", **kwargs)
    if "from_message_id" not in kwargs:
        with pytest.raises(exc, match=match):
            trueconf_client.iter_chats(**kwargs)
    with pytest.raises(ValueError, match="chat_id"):
        trueconf_client.iter_history("")
    assert _requests(trueconf_server, "getChatHistory") == 0 and _requests(trueconf_server, "getChats") == 0


def test_iter_history_of_an_unknown_chat_raises_on_first_use(trueconf_client):
    history = trueconf_client.iter_history("no-such-chat")
    with pytest.raises(ApiError) as info:
        next(history)
    assert info.value.code == 304


# ---- SentMessage.datetime (item 9) -------------------------------------------------------------


def test_sent_message_datetime_matches_the_message(trueconf_server, trueconf_client, alice):
    chat_id = alice.p2p_chat_with("echo_bot")
    sent = trueconf_client.send_message(chat_id, "when?")
    assert isinstance(sent.datetime, dt.datetime) and sent.datetime.tzinfo is not None
    assert sent.datetime == dt.datetime.fromtimestamp(sent.timestamp / 1000, dt.timezone.utc)
    stored = trueconf_client.get_message_by_id(sent.message_id)
    assert stored.datetime == sent.datetime
    assert abs((sent.datetime - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 3600
