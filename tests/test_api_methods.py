"""One test per method of the table beyond the core ones: typed result, visible effect, an error code.

The core methods (send/edit/remove/get message, history, P2P chat, get chat(s)) are covered in
``test_client_methods.py``. Errors follow PROTOCOL §7/§9 as the fake server enforces them.
"""

from __future__ import annotations

import queue
from concurrent.futures import Future

import pytest
import requests

from trueconf_sync import ActivityType, ApiError, ChatType, EnvelopeType, FileReadyState, Role, SentMessage
from trueconf_sync.api.models import (
    ChatActivity,
    EditedMessage,
    ExtensionLimits,
    FileInfo,
    FileProgress,
    Participant,
    SentFile,
    SurveyContent,
    TitleEdited,
    UploadLimits,
)

BOT_ID = "echo_bot@video.example.com"
UPLOAD_PATH = "/bridge/api/client/v1/files"


def api_error(code: int, call, *args, **kwargs) -> ApiError:
    """Run ``call`` and return the ApiError it raised, checking its code."""
    with pytest.raises(ApiError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


def future_error(code: int, future: Future) -> ApiError:
    """The ApiError a future failed with, checking its code."""
    error = future.exception(timeout=5)
    assert isinstance(error, ApiError), error
    assert error.code == code
    return error


def upload(server, client, name: str, data: bytes, mime: str = "application/octet-stream") -> str:
    """Stages 1 and 2 of a file send: ``uploadFile`` (raw call), then the HTTP POST (§6.1)."""
    task = client.call("uploadFile", {"fileSize": len(data), "fileName": name})["uploadTaskId"]
    answer = requests.post(server.url + UPLOAD_PATH, headers={"Upload-Task-Id": task},
                           files={"file": (name, data, mime)}, timeout=5)
    assert answer.status_code == 200, answer.text
    temporal_id: str = answer.json()["temporalFileId"]
    return temporal_id


@pytest.fixture
def group(trueconf_client, alice):
    """A group chat the bot owns, with alice as a plain member."""
    chat_id: str = trueconf_client.create_group_chat("Bot's group")
    trueconf_client.add_chat_participant(chat_id, alice.user_id)
    return chat_id


@pytest.fixture
def alices_group(alice):
    """A group chat alice owns; the bot and bob are plain members (role ``user``)."""
    chat_id: str = alice.create_group_chat("Alice's group", members=["echo_bot", "bob"])
    return chat_id


# ---- messages ----------------------------------------------------------------------------------


def test_forward_message(trueconf_client, alice, alice_chat, group):
    original = alice.send_message(alice_chat, "worth sharing")
    sent = trueconf_client.forward_message(group, original)
    assert isinstance(sent, SentMessage)
    assert sent.chat_id == group and sent.message_id not in ("", original) and sent.timestamp > 0
    message = trueconf_client.get_message_by_id(sent.message_id)
    assert message.type == EnvelopeType.FORWARDED_MESSAGE and message.is_forward
    assert message.content.message_id == original
    assert message.text == "worth sharing"
    seen = alice.wait_for_message(group, timeout=2)
    assert seen["type"] == 201 and seen["content"]["messageId"] == original


def test_forward_message_errors_blocking_and_future(trueconf_client, alice, alice_chat, group):
    original = alice.send_message(alice_chat, "x")
    api_error(306, trueconf_client.forward_message, group, "no-such-message")
    api_error(304, trueconf_client.forward_message, "no-such-chat", original)
    future_error(306, trueconf_client.forward_message.future(group, "no-such-message"))
    sent = trueconf_client.forward_message.future(group, original).result(timeout=5)
    assert isinstance(sent, SentMessage) and sent.chat_id == group


# ---- chats -------------------------------------------------------------------------------------


def test_create_group_chat(trueconf_server, trueconf_client):
    chat_id = trueconf_client.create_group_chat("Release war room")
    assert isinstance(chat_id, str) and chat_id
    again = trueconf_client.create_group_chat("Release war room")
    assert again != chat_id  # always a new chat (§3.8)
    stored = trueconf_server.get_chat(chat_id)
    assert stored["chatType"] == 2 and stored["title"] == "Release war room"
    assert stored["members"] == {BOT_ID: "owner"}
    chat = trueconf_client.get_chat_by_id(chat_id)
    assert chat.chat_type == ChatType.GROUP and chat.title == "Release war room"


def test_create_group_chat_error_and_future(trueconf_server, trueconf_client):
    trueconf_server.fail_requests(300, "createGroupChat")
    error = api_error(300, trueconf_client.create_group_chat, "Doomed")
    assert error.method == "createGroupChat" and error.name == "INTERNAL_ERROR"
    future = trueconf_client.create_group_chat.future("Fine")
    chat_id = future.result(timeout=5)
    assert trueconf_server.get_chat(chat_id)["title"] == "Fine"


def test_create_channel_and_who_may_post(trueconf_server, trueconf_client, alice):
    channel = trueconf_client.create_channel("Announcements")
    stored = trueconf_server.get_chat(channel)
    assert stored["chatType"] == 6 and stored["members"] == {BOT_ID: "owner"}
    assert trueconf_client.get_chat_by_id(channel).chat_type == ChatType.CHANNEL
    # a channel of someone else: the bot is a reader, posting is refused (§9 channel: user is read-only)
    theirs = alice.create_channel("Alice's news", members=["echo_bot"])
    error = api_error(303, trueconf_client.send_message, theirs, "may I?")
    assert error.name == "NOT_ENOUGH_RIGHTS"
    alice.change_role(theirs, "echo_bot", "writer")
    assert trueconf_client.send_message(theirs, "now I may").chat_id == theirs


def test_create_channel_error(trueconf_server, trueconf_client):
    trueconf_server.fail_requests(302, "createChannel")
    future_error(302, trueconf_client.create_channel.future("Nope"))


def test_create_favorites_chat(trueconf_server, trueconf_client):
    chat_id = trueconf_client.create_favorites_chat()
    assert isinstance(chat_id, str) and chat_id
    assert trueconf_client.create_favorites_chat() == chat_id  # returns the existing one
    chat = trueconf_client.get_chat_by_id(chat_id)
    assert chat.chat_type == ChatType.FAVORITES
    me = trueconf_client.get_chat_participant(chat_id, BOT_ID)
    assert me.role == Role.FAVORITES_OWNER
    assert trueconf_client.send_message(chat_id, "note to self").chat_id == chat_id
    trueconf_server.fail_requests(300, "createFavoritesChat")
    api_error(300, trueconf_client.create_favorites_chat)


def test_remove_chat(trueconf_server, trueconf_client):
    chat_id = trueconf_client.create_group_chat("Short-lived")
    assert trueconf_client.remove_chat(chat_id) is None
    assert trueconf_server.get_chat(chat_id) is None
    api_error(304, trueconf_client.get_chat_by_id, chat_id)
    api_error(304, trueconf_client.remove_chat, chat_id)


def test_remove_chat_needs_the_owner(trueconf_server, trueconf_client, alices_group):
    api_error(303, trueconf_client.remove_chat, alices_group)  # only the owner deletes for everyone (§9)
    future_error(303, trueconf_client.remove_chat.future(alices_group))
    assert trueconf_server.get_chat(alices_group) is not None


# ---- participants ------------------------------------------------------------------------------


def test_add_chat_participant(trueconf_server, trueconf_client, alice, bob):
    chat_id = trueconf_client.create_group_chat("Team")
    trueconf_client.send_message(chat_id, "before alice")
    assert trueconf_client.add_chat_participant(chat_id, alice.user_id, display_history=True) is None
    assert trueconf_server.get_chat(chat_id)["members"][alice.user_id] == "user"
    assert [m["content"]["text"] for m in alice.inbox(chat_id)] == ["before alice"]  # history shown
    trueconf_client.add_chat_participant(chat_id, "bob")  # bare login: completed with the bot's domain
    assert trueconf_server.get_chat(chat_id)["members"][bob.user_id] == "user"
    error = api_error(309, trueconf_client.add_chat_participant, chat_id, alice.user_id)
    assert error.name == "USER_IS_ALREADY_CHAT_PARTICIPANT"


def test_add_chat_participant_without_history(trueconf_server, trueconf_client, bob):
    chat_id = trueconf_client.create_group_chat("Team")
    trueconf_client.send_message(chat_id, "old news")
    trueconf_client.add_chat_participant(chat_id, bob.user_id)  # display_history defaults to False
    assert bob.inbox(chat_id) == []


def test_add_chat_participant_needs_rights(trueconf_server, trueconf_client, alices_group):
    trueconf_server.add_user("carol")
    api_error(303, trueconf_client.add_chat_participant, alices_group, "carol")  # a plain user may not add
    future_error(304, trueconf_client.add_chat_participant.future("no-such-chat", "carol"))
    assert "carol@video.example.com" not in trueconf_server.get_chat(alices_group)["members"]


def test_remove_chat_participant(trueconf_server, trueconf_client, alice, group):
    assert trueconf_client.remove_chat_participant(group, "alice") is None  # bare login completed
    assert alice.user_id not in trueconf_server.get_chat(group)["members"]
    error = api_error(305, trueconf_client.remove_chat_participant, group, alice.user_id)
    assert error.name == "USER_IS_NOT_CHAT_PARTICIPANT"


def test_remove_chat_participant_clear_history_and_rights(trueconf_server, trueconf_client, alice, group,
                                                          alices_group):
    trueconf_client.send_message(group, "for alice's eyes")
    assert [m["content"]["text"] for m in alice.inbox(group)] == ["for alice's eyes"]
    trueconf_client.remove_chat_participant(group, alice.user_id, clear_history=True)
    assert alice.inbox(group) == []
    api_error(303, trueconf_client.remove_chat_participant, alices_group, "bob")


def test_has_chat_participant(trueconf_client, alice, bob, group):
    assert trueconf_client.has_chat_participant(group, alice.user_id) is True
    assert trueconf_client.has_chat_participant(group, "alice") is True  # bare login
    assert trueconf_client.has_chat_participant(group, bob.user_id) is False
    assert trueconf_client.has_chat_participant.future(group, "bob").result(timeout=5) is False
    api_error(304, trueconf_client.has_chat_participant, "no-such-chat", alice.user_id)


def test_get_chat_participant(trueconf_client, alice, group):
    me = trueconf_client.get_chat_participant(group, BOT_ID)
    assert isinstance(me, Participant)
    assert me.user_id == BOT_ID and me.role == Role.OWNER
    member = trueconf_client.get_chat_participant(group, "alice")  # bare login completed
    assert member.user_id == alice.user_id and member.role == Role.USER and member.type == 1
    error = api_error(305, trueconf_client.get_chat_participant, group, "bob")
    assert error.name == "USER_IS_NOT_CHAT_PARTICIPANT"


def test_get_chat_participants_paging(trueconf_server, trueconf_client, alice, bob, group):
    trueconf_client.add_chat_participant(group, bob.user_id)
    everyone = trueconf_client.get_chat_participants(group)
    assert all(isinstance(p, Participant) for p in everyone)
    assert {(p.user_id, p.role) for p in everyone} == {
        (BOT_ID, Role.OWNER), (alice.user_id, Role.USER), (bob.user_id, Role.USER)}
    pages = [trueconf_client.get_chat_participants(group, page_size=2, page_number=n) for n in (0, 1, 2)]
    assert [len(page) for page in pages] == [2, 1, 0]  # page_number is 0-based (§3.18)
    assert [p.user_id for page in pages for p in page] == [p.user_id for p in everyone]
    api_error(304, trueconf_client.get_chat_participants, "no-such-chat")
    lonely = alice.create_group_chat("Without the bot")
    api_error(305, trueconf_client.get_chat_participants, lonely)


def test_change_participant_role(trueconf_server, trueconf_client, alice, group):
    assert trueconf_client.change_participant_role(group, "alice", Role.ADMIN) is None  # bare login
    assert trueconf_server.get_chat(group)["members"][alice.user_id] == "admin"
    assert trueconf_client.get_chat_participant(group, alice.user_id).role == Role.ADMIN
    trueconf_client.change_participant_role.future(group, alice.user_id, "user").result(timeout=5)
    assert trueconf_server.get_chat(group)["members"][alice.user_id] == "user"


def test_change_participant_role_errors(trueconf_client, bob, group, alices_group):
    error = api_error(312, trueconf_client.change_participant_role, group, "alice", "writer")  # channel-only role
    assert error.method == "changeParticipantRole"
    api_error(305, trueconf_client.change_participant_role, group, bob.user_id, "admin")
    api_error(303, trueconf_client.change_participant_role, alices_group, "bob", "admin")  # a plain user


# ---- chat settings -------------------------------------------------------------------------------


def test_edit_chat_title(trueconf_server, trueconf_client, group):
    result = trueconf_client.edit_chat_title(group, "Renamed")
    assert isinstance(result, TitleEdited)
    assert result.chat_id == group and result.timestamp > 1_600_000_000_000
    assert trueconf_server.get_chat(group)["title"] == "Renamed"
    assert trueconf_client.get_chat_by_id(group).title == "Renamed"


def test_edit_chat_title_errors(trueconf_client, alices_group):
    api_error(303, trueconf_client.edit_chat_title, alices_group, "Mine now")
    future_error(304, trueconf_client.edit_chat_title.future("no-such-chat", "x"))


def test_edit_chat_avatar_by_temporal_id(trueconf_server, trueconf_client, group):
    temporal_id = upload(trueconf_server, trueconf_client, "avatar.png", b"\x89PNG fake image", "image/png")
    assert trueconf_client.edit_chat_avatar_by_temporal_id(group, temporal_id) is None
    avatar_url = trueconf_server.get_chat(group)["avatarUrl"]
    assert avatar_url and requests.get(avatar_url, timeout=5).content == b"\x89PNG fake image"
    assert trueconf_client.get_chat_by_id(group).avatar_url == avatar_url
    api_error(308, trueconf_client.edit_chat_avatar_by_temporal_id, group, "no-such-upload")


def test_edit_chat_avatar_needs_rights(trueconf_server, trueconf_client, alices_group):
    temporal_id = upload(trueconf_server, trueconf_client, "avatar.png", b"img", "image/png")
    api_error(303, trueconf_client.edit_chat_avatar_by_temporal_id, alices_group, temporal_id)
    assert trueconf_server.get_chat(alices_group)["avatarUrl"] is None


def test_clear_history_for_the_bot_only(trueconf_client, alice, group):
    trueconf_client.send_message(group, "one")
    alice.send_message(group, "two")
    assert trueconf_client.clear_history(group) is None  # for_all defaults to False
    assert len(trueconf_client.get_chat_history(group)) == 0
    assert [m["content"]["text"] for m in alice.inbox(group)] == ["one"]  # alice still sees the bot's message


def test_clear_history_for_all(trueconf_server, trueconf_client, alice, group):
    trueconf_client.send_message(group, "one")
    alice.send_message(group, "two")
    trueconf_client.clear_history.future(group, for_all=True).result(timeout=5)
    assert [m["type"] for m in trueconf_server.chat_messages(group)] == [23]  # only the "cleared" notice
    assert alice.inbox(group) == []


def test_clear_history_for_all_needs_rights(trueconf_server, trueconf_client, alice, alices_group):
    alice.send_message(alices_group, "keep")
    api_error(303, trueconf_client.clear_history, alices_group, for_all=True)
    api_error(304, trueconf_client.clear_history, "no-such-chat")
    assert trueconf_server.get_chat(alices_group)["messageCount"] == 1


# ---- files (wire level) --------------------------------------------------------------------------


def test_upload_task_and_send_file_by_temporal_id(trueconf_server, trueconf_client, alice, alice_chat):
    temporal_id = upload(trueconf_server, trueconf_client, "report.txt", b"quarterly numbers", "text/plain")
    sent = trueconf_client.send_file_by_temporal_id(alice_chat, temporal_id, caption="**Q3**", parse_mode="markdown")
    assert isinstance(sent, SentFile)
    assert sent.chat_id == alice_chat and sent.file_id and sent.caption_message_id
    attachment = trueconf_client.get_message_by_id(sent.message_id).attachment
    assert attachment is not None and attachment.name == "report.txt" and attachment.file_id == sent.file_id
    caption = trueconf_client.get_message_by_id(sent.caption_message_id)
    assert caption.text == "**Q3**" and caption.parse_mode == "markdown"
    api_error(308, trueconf_client.send_file_by_temporal_id, alice_chat, temporal_id)  # used up


def test_upload_task_refused_by_the_limits(trueconf_server, trueconf_client):
    trueconf_server.set_upload_limits(max_size=10, mode="block", extensions=["exe"])
    api_error(310, trueconf_client.create_upload_task, "big.txt", 11)
    api_error(310, trueconf_client.create_upload_task, "tool.exe", 5)
    assert trueconf_client.create_upload_task("small.txt", 10)


def test_get_file_info(trueconf_client, alice, alice_chat):
    message_id = alice.send_file(alice_chat, "photo.jpg", b"jpeg bytes", "image/jpeg")
    file_id = trueconf_client.get_message_by_id(message_id).attachment.file_id
    info = trueconf_client.get_file_info(file_id)
    assert isinstance(info, FileInfo)
    assert (info.file_id, info.name, info.size, info.mime_type) == (file_id, "photo.jpg", 10, "image/jpeg")
    assert info.ready_state == FileReadyState.READY
    assert requests.get(info.download_url, timeout=5).content == b"jpeg bytes"
    assert "key=" not in repr(info)  # the capability URL stays out of reprs
    error = api_error(308, trueconf_client.get_file_info, "no-such-file")
    assert error.name == "FILE_NOT_FOUND"
    future_error(308, trueconf_client.get_file_info.future("no-such-file"))


def test_subscribe_and_unsubscribe_file_progress(trueconf_client, alice, alice_chat):
    progress: queue.Queue = queue.Queue()
    trueconf_client.on_file_progress(progress.put)
    message_id = alice.send_file(alice_chat, "big.bin", b"z" * 1000, uploading_seconds=0.6)
    file_id = trueconf_client.get_message_by_id(message_id).attachment.file_id
    assert trueconf_client.get_file_info(file_id).ready_state == FileReadyState.UPLOADING
    assert trueconf_client.subscribe_file_progress(file_id) is True
    first = progress.get(timeout=5)
    assert isinstance(first, FileProgress) and first.file_id == file_id and 0 <= first.progress <= 1000
    assert trueconf_client.unsubscribe_file_progress.future(file_id).result(timeout=5) is True
    assert trueconf_client.unsubscribe_file_progress(file_id) is False  # no subscription left
    api_error(308, trueconf_client.subscribe_file_progress, "no-such-file")
    api_error(308, trueconf_client.unsubscribe_file_progress, "no-such-file")


def test_get_file_upload_limits(trueconf_server, trueconf_client):
    none = trueconf_client.get_file_upload_limits()
    assert isinstance(none, UploadLimits) and none.max_size is None and none.extensions is None
    trueconf_server.set_upload_limits(max_size=52_428_800, mode="allow", extensions=["pdf", "png"])
    limits = trueconf_client.get_file_upload_limits.future().result(timeout=5)
    assert limits.max_size == 52_428_800
    assert isinstance(limits.extensions, ExtensionLimits)
    assert limits.extensions.mode == "allow" and limits.extensions.list == ["pdf", "png"]
    trueconf_server.fail_requests(300, "getFileUploadLimits")
    api_error(300, trueconf_client.get_file_upload_limits)


# ---- users, surveys, activity, commands ------------------------------------------------------------


def test_get_user_display_name(trueconf_server, trueconf_client):
    trueconf_server.add_user("dave", display_name="Dave Smith")
    assert trueconf_client.get_user_display_name("dave@video.example.com") == "Dave Smith"
    assert trueconf_client.get_user_display_name("dave") == "Dave Smith"  # bare login completed
    assert trueconf_client.get_user_display_name.future("alice").result(timeout=5) == "alice"
    api_error(305, trueconf_client.get_user_display_name, "nobody")  # the fake's code for unknown users


def test_bare_login_completion_reaches_the_wire(trueconf_server, trueconf_client_factory):
    # The bot and zed live under a domain other than the server's name, so the fake server's own
    # completion of "zed" (zed@video.example.com) finds nobody: only the client's completion works.
    trueconf_server.add_user("corp_bot@corp.example.com")
    trueconf_server.add_user("zed@corp.example.com", display_name="Zed")
    zed = "zed@corp.example.com"
    bot = trueconf_client_factory("corp_bot@corp.example.com")
    assert bot.user_id == "corp_bot@corp.example.com"
    api_error(305, bot.call, "getUserDisplayName", {"userId": "zed"})  # what an uncompleted id gets
    assert bot.get_user_display_name("zed") == "Zed"
    assert bot.get_user_display_name.future("zed").result(timeout=5) == "Zed"
    assert trueconf_server.get_chat(bot.create_p2p_chat("zed"))["members"].keys() == {bot.user_id, zed}
    group = bot.create_group_chat("Corp")
    bot.add_chat_participant(group, "zed")
    assert trueconf_server.get_chat(group)["members"][zed] == "user"
    assert bot.has_chat_participant(group, "zed") is True
    assert bot.get_chat_participant(group, "zed").user_id == zed
    bot.change_participant_role(group, "zed", "admin")
    assert trueconf_server.get_chat(group)["members"][zed] == "admin"
    bot.remove_chat_participant(group, "zed")
    assert zed not in trueconf_server.get_chat(group)["members"]
    # an id that already has a domain is left alone
    api_error(305, bot.get_user_display_name, "zed@video.example.com")


def test_send_survey(trueconf_server, trueconf_client, alice, alice_chat):
    sent = trueconf_client.send_survey(alice_chat, "employee_testing", "Employee survey")
    assert isinstance(sent, SentMessage) and sent.chat_id == alice_chat
    [stored] = [m for m in trueconf_server.chat_messages(alice_chat) if m["messageId"] == sent.message_id]
    content = stored["content"]
    assert stored["type"] == 204
    assert content["url"] == f"https://{trueconf_client.host}/webtools/survey"
    assert content["appVersion"] == 1 and content["path"] == "employee_testing"
    assert content["description"] == "{{Survey}}" and content["buttonText"] == "{{Go to survey}}"
    assert len(content["secret"]) == 40
    assert content["alt"] == (f"\U0001f4ca <a href='https://{trueconf_client.host}/webtools/survey?id=employee_testing"
                              "&error=autologin_not_supported'>Employee survey</a>")
    survey = trueconf_client.get_message_by_id(sent.message_id)
    assert isinstance(survey.content, SurveyContent) and survey.content.title == "Employee survey"


def test_send_survey_options_and_errors(trueconf_server, trueconf_client, alice, alice_chat):
    question = alice.send_message(alice_chat, "a survey please")
    sent = trueconf_client.send_survey.future(alice_chat, "poll 1", "<Lunch> & more", anonymous=True,
                                              reply_message_id=question,
                                              url="https://surveys.example.com/app").result(timeout=5)
    survey = trueconf_client.get_message_by_id(sent.message_id)
    assert survey.reply_message_id == question
    assert survey.content.description == "{{Anonymous survey}}"
    assert survey.content.url == "https://surveys.example.com/app"
    assert "id=poll%201" in survey.content.alt and "&lt;Lunch&gt; &amp; more" in survey.content.alt
    api_error(304, trueconf_client.send_survey, "no-such-chat", "p", "t")
    channel = alice.create_channel("Read only", members=["echo_bot"])
    api_error(303, trueconf_client.send_survey, channel, "p", "t")


def test_edit_survey(trueconf_server, trueconf_client, alice_chat):
    sent = trueconf_client.send_survey(alice_chat, "employee_testing", "Employee survey")
    edited = trueconf_client.edit_survey(sent.message_id, "employee_testing", "Employee survey (edited)",
                                         anonymous=True)
    assert isinstance(edited, EditedMessage)
    assert edited.message_id == sent.message_id and edited.timestamp > 0
    survey = trueconf_client.get_message_by_id(sent.message_id)
    assert survey.is_edited
    assert survey.content.title == "Employee survey (edited)"
    assert survey.content.description == "{{Anonymous survey}}"
    assert survey.content.url == f"https://{trueconf_client.host}/webtools/survey"  # kept from the original
    assert survey.content.alt.endswith(">Employee survey (edited)</a>")


def test_edit_survey_errors(trueconf_client, alice, alice_chat):
    api_error(306, trueconf_client.edit_survey, "no-such-message", "p", "t")
    theirs = alice.send_survey(alice_chat, "Alice's poll")
    api_error(303, trueconf_client.edit_survey, theirs, "p", "hijacked")
    text = trueconf_client.send_message(alice_chat, "not a survey")
    future_error(303, trueconf_client.edit_survey.future(text.message_id, "p", "t"))


def test_send_chat_activity(trueconf_server, trueconf_client, alice_chat):
    answer = trueconf_client.send_chat_activity(alice_chat)
    assert isinstance(answer, ChatActivity)
    assert answer.chat_id == alice_chat and answer.activity_type == ActivityType.TYPING
    assert answer.retry_after == 5000
    other = trueconf_client.send_chat_activity.future(alice_chat, "uploading_file").result(timeout=5)
    assert other.activity_type == ActivityType.UPLOADING_FILE
    assert [a["activityType"] for a in trueconf_server.activities] == ["typing", "uploading_file"]
    api_error(304, trueconf_client.send_chat_activity, "no-such-chat")


def test_typing_repeats_the_activity_until_the_block_ends(trueconf_server, trueconf_client, alice_chat):
    trueconf_server.config.retry_after_ms = 100  # the keeper never goes below its 0.5 s floor
    with trueconf_client.typing(alice_chat):
        trueconf_server.wait_for(lambda s: len(s.activities) >= 3, timeout=5)
    ended = len(trueconf_server.activities)
    assert ended >= 3
    assert all(a == {"chatId": alice_chat, "userId": BOT_ID, "activityType": "typing"}
               for a in trueconf_server.activities)
    with pytest.raises(TimeoutError):
        trueconf_server.wait_for(lambda s: len(s.activities) > ended, timeout=0.8)


def test_typing_with_another_activity_and_bad_arguments(trueconf_server, trueconf_client, alice_chat):
    with trueconf_client.typing(alice_chat, ActivityType.CHOOSING_STICKER):
        trueconf_server.wait_for(lambda s: s.activities, timeout=5)
    assert trueconf_server.activities[0]["activityType"] == "choosing_sticker"
    with pytest.raises(ValueError, match="activity_type"):
        trueconf_client.typing(alice_chat, "dancing")
    with pytest.raises(ValueError, match="chat_id"):
        trueconf_client.typing("", "typing")


def test_answer_command(trueconf_server, trueconf_client):
    result = trueconf_client.answer_command("cmd-1", "complete", "Added to cart", status="ok", visibility="toast",
                                            level="info")
    assert result is None
    trueconf_client.answer_command.future("cmd-2", "message", "Working").result(timeout=5)
    assert trueconf_server.command_answers == [
        {"userId": BOT_ID, "commandId": "cmd-1", "answerType": "complete",
         "message": {"text": "Added to cart", "status": "ok", "visibility": "toast", "level": "info"}},
        {"userId": BOT_ID, "commandId": "cmd-2", "answerType": "message", "message": {"text": "Working"}},
    ]
    trueconf_server.fail_requests(399, "answerCommand")
    error = api_error(399, trueconf_client.answer_command, "cmd-3", "cancel", "x")
    assert error.method == "answerCommand"


def test_methods_of_5_5_6_on_an_older_server_are_307(trueconf_server, trueconf_client, alice_chat):
    trueconf_server.config.legacy_envelopes = True  # behave like 5.5.4 (§12 methods unknown)
    api_error(307, trueconf_client.send_chat_activity, alice_chat)
    api_error(307, trueconf_client.answer_command, "cmd", "complete", "done")


# ---- the table covers the protocol ----------------------------------------------------------------

#: Client requests of PROTOCOL §3 and §12 (``auth`` is the connection's own).
CLIENT_REQUESTS = [
    "sendMessage", "editMessage", "removeMessage", "forwardMessage", "getMessageById", "getChatHistory",
    "createP2PChat", "createGroupChat", "createChannel", "createFavoritesChat", "removeChat", "getChats",
    "getChatByID", "addChatParticipant", "removeChatParticipant", "hasChatParticipant", "getChatParticipant",
    "getChatParticipants", "changeParticipantRole", "editChatTitle", "editChatAvatar", "clearHistory",
    "uploadFile", "sendFile", "getFileInfo", "subscribeFileProgress", "unsubscribeFileProgress",
    "getFileUploadLimits", "getUserDisplayName", "sendSurvey", "editSurvey", "sendChatActivity", "answerCommand",
]
#: Server requests (events) of PROTOCOL §4 and §12.5.
SERVER_EVENTS = [
    "sendMessage", "editMessage", "removeMessage", "createP2PChat", "createGroupChat", "createChannel",
    "createFavoritesChat", "removeChat", "addChatParticipant", "removeChatParticipant", "changeParticipantRole",
    "editChatTitle", "editChatAvatar", "clearHistory", "uploadFileProgress", "getFileUploadLimits", "command",
]


def test_every_request_has_a_row_and_every_event_a_model():
    from trueconf_sync.api.methods import ApiMethods
    from trueconf_sync.events.registry import HandlerRegistry
    from trueconf_sync.events.signals import EVENTS

    rows = {value.wire for value in vars(ApiMethods).values() if hasattr(value, "wire")}
    assert sorted(set(CLIENT_REQUESTS) - rows) == []
    assert sorted(set(SERVER_EVENTS) - set(EVENTS)) == []
    for spec in EVENTS.values():  # every event has its client.on_<event> helper
        assert hasattr(HandlerRegistry, f"on_{spec.name}"), spec.name
