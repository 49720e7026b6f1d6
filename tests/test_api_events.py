"""One test per server event (PROTOCOL §4, §12.5), each caused by a simulated user's real action.

Every event must reach the matching ``client.on_<event>`` handler as the right model with the right
fields. Also: unknown methods and envelope types (delivered, raw kept), system envelopes only on
request, skip-own-messages across two sessions of one bot, and the message shortcuts in handlers.
"""

from __future__ import annotations

import queue
import threading
from typing import Any

import pytest

from trueconf_sync import ApiError, AuthorType, ChatType, EnvelopeType, FileReadyState, Message, RawEvent, Role
from trueconf_sync.api.models import (
    AttachmentContent,
    AvatarContent,
    ButtonClicked,
    Chat,
    ChatAvatarChanged,
    ChatRemoved,
    ChatTitleChanged,
    ClearHistoryContent,
    FileProgress,
    HistoryCleared,
    LocationContent,
    MessageEdited,
    MessageRemoved,
    ParticipantAdded,
    ParticipantContent,
    ParticipantRemoved,
    RoleChanged,
    SurveyContent,
    TextContent,
    TitleContent,
    UnknownContent,
    UploadLimits,
    VoiceContent,
)
from trueconf_sync.text.keyboard import Button, InlineKeyboard

BOT_ID = "echo_bot@video.example.com"


def listen(register: Any) -> queue.Queue:
    """Register a queue's ``put`` as a handler (``client.on_message`` etc.) and return the queue."""
    events: queue.Queue = queue.Queue()
    register(events.put)
    return events


def next_event(events: queue.Queue, timeout: float = 5.0) -> Any:
    return events.get(timeout=timeout)


def assert_none_left(events: queue.Queue) -> None:
    """Nothing else is queued. Call it after a sentinel event arrived: whatever came before it was
    handled by then (events of one chat, and with one worker all events, are handled in order)."""
    assert events.empty(), f"unexpected event: {events.get_nowait()!r}"


@pytest.fixture
def alices_group(alice):
    """A group alice owns with the bot and bob as members."""
    chat_id: str = alice.create_group_chat("Alice's group", members=["echo_bot", "bob"])
    return chat_id


# ---- new messages of every content type (§4.1, §12.8) ----------------------------------------------


def test_text_message_with_buttons_from_another_bot(trueconf_server, trueconf_client, trueconf_client_factory,
                                                    alice):
    trueconf_server.add_user("shop_bot")
    shop = trueconf_client_factory("shop_bot")
    group = alice.create_group_chat("Shop", members=["echo_bot", "shop_bot"])
    messages = listen(trueconf_client.on_message)
    keyboard = InlineKeyboard().row(Button.command("Add", "cart:add", custom_data="42", id="add"),
                                    Button.url("https://example.com/shop", "Site"))
    sent = shop.send_message(group, "Choose:", buttons=keyboard)
    message = next_event(messages)
    assert isinstance(message, Message) and isinstance(message.content, TextContent)
    assert (message.message_id, message.chat_id, message.text) == (sent.message_id, group, "Choose:")
    assert message.author.id == "shop_bot@video.example.com" and message.author.type == AuthorType.USER
    assert message.chat is not None and message.chat.chat_type == ChatType.GROUP and message.chat.chat_title == "Shop"
    assert message.keyboard == keyboard
    assert message.content.buttons == keyboard.to_wire()
    assert message.raw["content"]["buttons"] == keyboard.to_wire()


def test_reply_message_is_expanded(trueconf_client, alice, alice_chat):
    messages = listen(trueconf_client.on_message)
    question = trueconf_client.send_message(alice_chat, "Order #42 is ready")
    alice.send_message(alice_chat, "Thanks!", reply_message_id=question.message_id)
    message = next_event(messages)
    assert message.reply_message_id == question.message_id
    assert isinstance(message.reply_message, Message)
    assert message.reply_message.text == "Order #42 is ready" and message.reply_message.author.id == BOT_ID
    assert message.reply_message.client is trueconf_client


def test_attachment_message(trueconf_client, alice, alice_chat):
    messages = listen(trueconf_client.on_message)
    alice.send_file(alice_chat, "report.pdf", b"%PDF-1.7 ...", "application/pdf")
    message = next_event(messages)
    assert message.type == EnvelopeType.ATTACHMENT and message.text is None
    content = message.attachment
    assert isinstance(content, AttachmentContent)
    assert (content.name, content.mime_type, content.size) == ("report.pdf", "application/pdf", 12)
    assert content.ready_state == FileReadyState.READY and not content.is_sticker
    assert trueconf_client.get_file_info(content.file_id).name == "report.pdf"


def test_sticker_message(trueconf_client, alice, alice_chat):
    messages = listen(trueconf_client.on_message)
    alice.send_file(alice_chat, "smile.webp", b"RIFF....WEBP", "sticker/webp")
    message = next_event(messages)
    assert isinstance(message.content, AttachmentContent) and message.content.is_sticker
    assert message.content.mime_type == "sticker/webp"


def test_forwarded_message(trueconf_client, alice, alice_chat, alices_group):
    messages = listen(trueconf_client.on_message)
    original = alice.send_message(alices_group, "original words")
    assert next_event(messages).message_id == original
    alice.forward_message(original, alice_chat)
    message = next_event(messages)
    assert message.type == EnvelopeType.FORWARDED_MESSAGE and message.is_forward
    inner = message.content
    assert isinstance(inner, Message)
    assert (inner.message_id, inner.chat_id, inner.text) == (original, alices_group, "original words")
    assert inner.box is None and message.box is not None
    assert message.text == "original words"


def test_location_message(trueconf_client, alice, alice_chat):
    messages = listen(trueconf_client.on_message)
    alice.send_location(alice_chat, 55.7539, 37.6208, "Red Square")
    message = next_event(messages)
    assert message.type == EnvelopeType.LOCATION
    assert message.content == LocationContent(latitude=55.7539, longitude=37.6208, title="Red Square")


def test_survey_message(trueconf_client, alice, alice_chat):
    messages = listen(trueconf_client.on_message)
    alice.send_survey(alice_chat, "Lunch poll", path="lunch", anonymous=True)
    message = next_event(messages)
    assert message.type == EnvelopeType.SURVEY
    survey = message.content
    assert isinstance(survey, SurveyContent)
    assert (survey.title, survey.path, survey.description) == ("Lunch poll", "lunch", "{{Anonymous survey}}")
    assert survey.button_text == "{{Go to survey}}" and survey.app_version == 1 and len(survey.secret) == 40


def test_voice_message(trueconf_client, alice, alice_chat):
    messages = listen(trueconf_client.on_message)
    alice.send_voice(alice_chat, b"OggS voice", duration=7)
    message = next_event(messages)
    assert message.type == EnvelopeType.VOICE_MESSAGE
    voice = message.content
    assert isinstance(voice, VoiceContent)
    assert (voice.size, voice.mime_type, voice.duration) == (10, "audio/ogg", 7)
    assert trueconf_client.get_file_info(voice.file_id).size == 10


def test_unknown_envelope_type_arrives_with_its_raw_content(trueconf_server, trueconf_client, alice_chat):
    messages = listen(trueconf_client.on_message)
    payload = {"chatId": alice_chat, "messageId": "m-206", "timestamp": 1790000000000,
               "author": {"id": "alice@video.example.com", "type": 1}, "isEdited": False,
               "box": {"id": 9, "position": "0"}, "type": 206, "content": {"poll": {"question": "?"}},
               "brandNewField": [1, 2]}
    trueconf_server.push_event("sendMessage", payload, login="echo_bot")
    message = next_event(messages)
    assert message.is_unknown and isinstance(message.content, UnknownContent)
    assert message.type == 206 and message.type.name == "UNKNOWN_206"
    assert message.content.raw == {"poll": {"question": "?"}}
    assert message.raw == payload  # nothing lost, unknown fields included
    assert (message.message_id, message.chat_id, message.author.id) == ("m-206", alice_chat, "alice@video.example.com")
    trueconf_server.wait_for(lambda s: s.stats["unacked"] == 0, timeout=3)


# ---- system envelopes (§2.3, §4.1) ---------------------------------------------------------------------


def test_system_envelopes_only_with_receive_system_messages(trueconf_server, trueconf_client,
                                                             trueconf_client_factory, alice, alices_group):
    with_system = trueconf_client_factory(receive_system_messages=True)  # a second session of the bot
    plain, system = listen(trueconf_client.on_message), listen(with_system.on_message)
    added = listen(trueconf_client.on_participant_added)
    trueconf_server.add_user("carol")
    alice.add_participant(alices_group, "carol")
    alice.change_role(alices_group, "carol", "admin")
    alice.rename_chat(alices_group, "Renamed")
    alice.set_chat_avatar(alices_group, "https://video.example.com/avatars/1.png")
    alice.remove_participant(alices_group, "carol")
    alice.clear_history(alices_group, for_all=True)
    alice.send_message(alices_group, "a user message")
    got = [next_event(system) for _ in range(7)]
    assert [m.type for m in got] == [EnvelopeType.ADD_PARTICIPANT, EnvelopeType.PARTICIPANT_ROLE,
                                     EnvelopeType.EDIT_CHAT_TITLE, EnvelopeType.EDIT_CHAT_AVATAR,
                                     EnvelopeType.REMOVE_PARTICIPANT, EnvelopeType.CLEAR_CHAT_HISTORY,
                                     EnvelopeType.PLAIN_MESSAGE]
    assert all(m.is_system for m in got[:6]) and not got[6].is_system
    assert all(m.author.is_system and m.chat_id == alices_group for m in got[:6])
    carol = "carol@video.example.com"
    assert [m.content for m in got[:6]] == [
        ParticipantContent(user_id=carol, role=Role.USER), ParticipantContent(user_id=carol, role=Role.ADMIN),
        TitleContent(title="Renamed"), AvatarContent(avatar_url="https://video.example.com/avatars/1.png"),
        ParticipantContent(user_id=carol, role=None), ClearHistoryContent(for_all=True)]
    # the default session got only the user message, and the dedicated events either way (§2.3)
    assert next_event(plain).text == "a user message"
    alice.send_message(alices_group, "sentinel")
    assert next_event(plain).text == "sentinel"  # nothing came between
    assert_none_left(plain)
    assert next_event(added).user_id == carol


# ---- edits, removals, button clicks (§4.2, §4.3, §12.5) -----------------------------------------------


def test_message_edited_and_removed(trueconf_client, alice, alice_chat):
    edits, removals = listen(trueconf_client.on_message_edited), listen(trueconf_client.on_message_removed)
    message_id = alice.send_message(alice_chat, "<b>draft</b>", parse_mode="html")
    alice.edit_message(message_id, "**final**", parse_mode="markdown")
    edited = next_event(edits)
    assert isinstance(edited, MessageEdited)
    assert (edited.chat_id, edited.message_id, edited.text) == (alice_chat, message_id, "**final**")
    assert edited.content.parse_mode == "markdown" and edited.timestamp > 1_600_000_000_000
    alice.remove_message(message_id, for_all=True)
    removed = next_event(removals)
    assert isinstance(removed, MessageRemoved)
    assert (removed.chat_id, removed.message_id) == (alice_chat, message_id)
    assert removed.removed_by is not None and removed.removed_by.id == alice.user_id
    assert removed.removed_by.type == AuthorType.USER


def test_button_click(trueconf_server, trueconf_client, alice, alice_chat):
    clicks = listen(trueconf_client.on_button_clicked)
    keyboard = InlineKeyboard().row(Button.command("Add to cart", "cart:add", custom_data="product-42",
                                                   id="add-product"))
    sent = trueconf_client.send_message(alice_chat, "Choose an action:", buttons=keyboard)
    alice.click_button(sent.message_id, "add-product")
    click = next_event(clicks)
    assert isinstance(click, ButtonClicked)
    assert (click.command, click.custom_data, click.chat_id) == ("cart:add", "product-42", alice_chat)
    assert click.command_id is None  # 5.5.6 leaves it out
    assert click.command_source.button_id == "add-product" and click.command_source.type == "button"
    assert click.command_source.wait_reply is False
    source = click.command_source.message
    assert isinstance(source, Message) and source.message_id == sent.message_id and source.text == "Choose an action:"
    assert source.keyboard is None  # the server leaves the buttons out of the source message
    source.edit("Added to cart")  # the shortcut works: the source message is bound to the client
    assert trueconf_client.get_message_by_id(sent.message_id).text == "Added to cart"
    with pytest.raises(ValueError, match="no command button"):  # an edit without buttons removes them
        alice.click_button(sent.message_id, "cart:add")


def test_button_click_with_command_id_and_wait_reply(trueconf_server, trueconf_client, alice, alice_chat):
    trueconf_server.config.command_ids = True
    clicks = listen(trueconf_client.on_button_clicked)
    keyboard = InlineKeyboard().row(Button.command("Run", "job:run", wait_reply=True))
    sent = trueconf_client.send_message(alice_chat, "Run the job?", buttons=keyboard)
    alice.click_button(sent.message_id, "job:run")
    click = next_event(clicks)
    assert click.command_id and click.command_source.wait_reply is True and click.custom_data is None
    trueconf_client.answer_command(click.command_id, "complete", "Done", status="ok")
    assert trueconf_server.command_answers[-1]["commandId"] == click.command_id


# ---- chats (§4.4, §4.5) ---------------------------------------------------------------------------------


def test_chat_created_p2p_group_and_channel(trueconf_client, alice):
    created = listen(trueconf_client.on_chat_created)
    channels = listen(lambda f: trueconf_client.on("createChannel", f))  # one wire method only
    p2p = alice.p2p_chat_with("echo_bot")
    alice.send_message(p2p, "hello bot")  # a P2P chat is announced with its first message
    group = alice.create_group_chat("Group", members=["echo_bot"])
    channel = alice.create_channel("Channel", members=["echo_bot"])
    chats = [next_event(created) for _ in range(3)]
    assert all(isinstance(chat, Chat) for chat in chats)
    assert [(c.chat_id, c.chat_type) for c in chats] == [
        (p2p, ChatType.P2P), (group, ChatType.GROUP), (channel, ChatType.CHANNEL)]
    assert chats[0].title == alice.user_id  # a P2P chat is titled with the peer's id
    assert chats[0].last_message is not None and chats[0].last_message.text == "hello bot"
    assert chats[0].last_message.client is trueconf_client
    assert (chats[1].title, chats[2].title) == ("Group", "Channel")
    assert [c.chat_id for c in [next_event(channels)]] == [channel]
    sentinel = alice.create_channel("Sentinel", members=["echo_bot"])  # one worker: after the others
    assert next_event(channels).chat_id == sentinel  # the P2P and group chats did not get here
    assert_none_left(channels)


def test_favorites_chat_created_when_the_server_reports_own_actions(trueconf_server, trueconf_client):
    trueconf_server.config.events_for_own_actions = True  # ⚠ §4: off by default
    created = listen(trueconf_client.on_chat_created)
    favorites = trueconf_client.create_favorites_chat()
    chat = next_event(created)
    assert isinstance(chat, Chat) and chat.chat_id == favorites and chat.chat_type == ChatType.FAVORITES
    assert chat.raw["chatId"] == favorites


def test_chat_removed(trueconf_client, alice, alices_group):
    removed = listen(trueconf_client.on_chat_removed)
    alice.remove_chat(alices_group)
    event = next_event(removed)
    assert isinstance(event, ChatRemoved) and event.chat_id == alices_group


# ---- participants (§4.6-§4.8) ----------------------------------------------------------------------------


def test_participant_added_removed_and_role_changed(trueconf_server, trueconf_client, alice, alices_group):
    added = listen(trueconf_client.on_participant_added)
    removed = listen(trueconf_client.on_participant_removed)
    roles = listen(trueconf_client.on_role_changed)
    trueconf_server.add_user("carol")
    carol = "carol@video.example.com"
    alice.add_participant(alices_group, "carol")
    event = next_event(added)
    assert isinstance(event, ParticipantAdded)
    assert (event.chat_id, event.user_id, event.added_by.id) == (alices_group, carol, alice.user_id)
    assert event.timestamp > 1_600_000_000_000
    alice.change_role(alices_group, "carol", "admin")
    role = next_event(roles)
    assert isinstance(role, RoleChanged)
    assert (role.chat_id, role.user_id, role.role) == (alices_group, carol, Role.ADMIN)
    alice.remove_participant(alices_group, "carol")
    gone = next_event(removed)
    assert isinstance(gone, ParticipantRemoved)
    assert (gone.chat_id, gone.user_id, gone.removed_by.id) == (alices_group, carol, alice.user_id)


def test_the_bot_itself_added_and_removed(trueconf_client, alice):
    added = listen(trueconf_client.on_participant_added)
    removed = listen(trueconf_client.on_participant_removed)
    group = alice.create_group_chat("Later")
    alice.add_participant(group, "echo_bot")
    assert next_event(added).user_id == BOT_ID
    alice.remove_participant(group, "echo_bot")
    assert next_event(removed).user_id == BOT_ID


# ---- chat settings (§4.9-§4.11) --------------------------------------------------------------------------


def test_title_and_avatar_changed(trueconf_client, alice, alices_group):
    titles = listen(trueconf_client.on_chat_title_changed)
    avatars = listen(trueconf_client.on_chat_avatar_changed)
    alice.rename_chat(alices_group, "Project Alpha – Team")
    title = next_event(titles)
    assert isinstance(title, ChatTitleChanged)
    assert (title.chat_id, title.title) == (alices_group, "Project Alpha – Team")
    alice.set_chat_avatar(alices_group, "https://video.example.com/avatars/a.png")
    alice.set_chat_avatar(alices_group, None)
    first, second = next_event(avatars), next_event(avatars)
    assert isinstance(first, ChatAvatarChanged)
    assert (first.chat_id, first.avatar_url) == (alices_group, "https://video.example.com/avatars/a.png")
    assert second.avatar_url is None


def test_history_cleared(trueconf_client, alice, alices_group):
    cleared = listen(trueconf_client.on_history_cleared)
    everything = listen(lambda put: trueconf_client.on_event(lambda e: None if isinstance(e, Chat) else put(e)))
    alice.clear_history(alices_group, for_all=True)
    event = next_event(cleared)
    assert isinstance(event, HistoryCleared)
    assert (event.chat_id, event.for_all) == (alices_group, True)
    assert next_event(everything) is event
    alice.clear_history(alices_group, for_all=False)  # only for alice: the bot hears nothing
    alice.rename_chat(alices_group, "After")  # events of one chat arrive in order
    assert isinstance(next_event(everything), ChatTitleChanged)  # the sentinel: after the clear
    assert_none_left(cleared)


# ---- files (§4.12, §4.13) ---------------------------------------------------------------------------


def test_upload_progress_until_complete(trueconf_server, trueconf_client, alice, alice_chat):
    trueconf_server.config.progress_interval = 0.05
    progress = listen(trueconf_client.on_file_progress)
    messages = listen(trueconf_client.on_message)
    alice.send_file(alice_chat, "video.mp4", b"v" * 5000, "video/mp4", uploading_seconds=0.4)
    file_id = next_event(messages).attachment.file_id
    assert trueconf_client.subscribe_file_progress(file_id) is True
    seen = []
    while not seen or seen[-1].progress < 5000:
        event = next_event(progress)
        assert isinstance(event, FileProgress) and event.file_id == file_id
        seen.append(event)
    assert [e.progress for e in seen] == sorted(e.progress for e in seen)
    assert trueconf_client.get_file_info(file_id).ready_state == FileReadyState.READY


def test_upload_limits_changed(trueconf_server, trueconf_client):
    limits = listen(trueconf_client.on_upload_limits_changed)
    trueconf_server.set_upload_limits(max_size=1000, mode="block", extensions=["exe", "bat"])
    event = next_event(limits)
    assert isinstance(event, UploadLimits)
    assert event.max_size == 1000
    assert event.extensions is not None and (event.extensions.mode, event.extensions.list) == ("block", ["exe", "bat"])
    trueconf_server.set_upload_limits()  # limits lifted
    lifted = next_event(limits)
    assert lifted.max_size is None and lifted.extensions is None


# ---- unknown events (§4 "Client: acknowledge and ignore unknown methods") --------------------------------


def test_unknown_event_method_arrives_raw(trueconf_server, trueconf_client):
    new = listen(lambda f: trueconf_client.on("brandNewMethod", f))
    everything = listen(trueconf_client.on_event)
    [server_id] = trueconf_server.push_event("brandNewMethod", {"x": [1, {"y": None}]}, login="echo_bot")
    event = next_event(new)
    assert isinstance(event, RawEvent)
    assert (event.method, event.payload, event.id) == ("brandNewMethod", {"x": [1, {"y": None}]}, server_id)
    assert event.raw == {"type": 1, "id": server_id, "method": "brandNewMethod", "payload": {"x": [1, {"y": None}]}}
    assert next_event(everything) == event
    trueconf_server.wait_for(lambda s: s.stats["unacked"] == 0, timeout=3)


# ---- skip-own-messages (two sessions of one bot) -------------------------------------------------------


def test_own_messages_from_another_session_are_skipped_by_default(trueconf_server, trueconf_client,
                                                                   trueconf_client_factory, alice, alice_chat):
    session_b = trueconf_client_factory()  # the same bot account, a second connection
    session_c = trueconf_client_factory(skip_own_messages=False)
    b_messages, c_messages = listen(session_b.on_message), listen(session_c.on_message)
    acks_before = trueconf_server.stats["acks"]
    sent = trueconf_client.send_message(alice_chat, "from session A")
    mine = next_event(c_messages)
    assert mine.message_id == sent.message_id and mine.author.id == BOT_ID
    # session B received it too (and acknowledged it), but did not run its message handlers
    trueconf_server.wait_for(lambda s: s.stats["acks"] >= acks_before + 2 and s.stats["unacked"] == 0, timeout=3)
    alice.send_message(alice_chat, "from alice")  # same chat, so B handles it after the skipped one
    assert next_event(b_messages).text == "from alice"
    assert next_event(c_messages).text == "from alice"
    assert session_b.user_id == session_c.user_id == trueconf_client.user_id == BOT_ID


def test_own_messages_are_skipped_by_every_handler(trueconf_client, trueconf_client_factory, alice_chat, alice):
    # skip_own_messages drops the bot's own messages for all handlers, the catch-all included, so a
    # bot written against on("event") cannot loop between two of its sessions either.
    session_b = trueconf_client_factory()
    raw, typed = listen(session_b.on_event), listen(session_b.on_message)
    trueconf_client.send_message(alice_chat, "from session A")
    alice.send_message(alice_chat, "from alice")  # same chat: handled after the skipped one
    assert next_event(raw).text == "from alice"
    assert next_event(typed).text == "from alice"


# ---- message shortcuts inside a handler (§2 of the issue) ------------------------------------------------


def test_message_shortcuts_from_inside_a_handler(trueconf_server, trueconf_client, alice, alice_chat):
    group = trueconf_client.create_group_chat("Archive")
    results: queue.Queue = queue.Queue()

    @trueconf_client.on_message
    def handle(message: Message) -> None:
        try:
            replied = message.reply("pong")
            answered = message.answer("and another thing")
            forwarded = message.forward(group)
            mine = trueconf_client.get_message_by_id(answered.message_id)
            edited = mine.edit("<b>edited</b>", parse_mode="html")
            mine.delete(for_all=True)
            with pytest.raises(ApiError) as not_mine:
                message.edit("hijack")  # only the bot's own messages can be edited
            message.delete()  # for the bot only
            results.put((replied, answered, forwarded, edited, not_mine.value.code, threading.current_thread().name))
        except BaseException as exc:  # noqa: BLE001 - surface handler failures in the test thread
            results.put(exc)

    ping = alice.send_message(alice_chat, "ping")
    outcome = next_event(results)
    assert not isinstance(outcome, BaseException), outcome
    replied, answered, forwarded, edited, code, thread = outcome
    assert "reader" not in thread and code == 303
    stored = {m["messageId"]: m for m in trueconf_server.chat_messages(alice_chat)}
    assert stored[replied.message_id]["replyMessageId"] == ping
    assert stored[replied.message_id]["content"]["text"] == "pong"
    assert stored[ping]["content"]["text"] == "ping"  # not edited, and deleted only for the bot
    assert answered.message_id not in stored  # deleted for everybody
    assert edited.message_id == answered.message_id
    [copy] = [m for m in trueconf_server.chat_messages(group) if m["messageId"] == forwarded.message_id]
    assert copy["type"] == 201 and copy["content"]["messageId"] == ping
    assert [m.message_id for m in trueconf_client.get_chat_history(alice_chat)] == [replied.message_id]
