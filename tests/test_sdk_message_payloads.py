"""Message accessors on envelope payloads shaped like those the official SDK's tests feed in.

The payloads are written here from the protocol facts (PROTOCOL §5.1-§5.4, §12.2, §12.8); the
expected values are the ones the SDK's tests pin down. Parsing goes through the one converter.
A few checks need the bot's own ID: those use a minimal stand-in for the client (only its
``user_id``), not a transport.
"""

from __future__ import annotations

from typing import Any

import pytest

from trueconf_sync.api.converter import structure
from trueconf_sync.api.models import Document, LocationContent, Message, Photo, Sticker, User, Video, Voice
from trueconf_sync.enums import AuthorType, EnvelopeType


def envelope(kind: int, content: Any, **extra: Any) -> dict[str, Any]:
    return {"messageId": "m1", "chat": {"chatId": "chat-1", "chatTitle": "Chat 1", "chatType": 1},
            "timestamp": 1_725_000_000_000, "replyMessageId": None, "isEdited": False, "type": kind,
            "author": {"id": "alice@example.com", "type": 1}, "box": {"id": 1, "position": "0"},
            "content": content, **extra}


def message(kind: int, content: Any, **extra: Any) -> Message:
    return structure(envelope(kind, content, **extra), Message)


def text(value: str, mode: str = "html") -> Message:
    return message(200, {"text": value, "parseMode": mode})


def attachment(mime: str, name: str = "file.bin", size: int = 209) -> Message:
    return message(202, {"name": name, "size": size, "fileId": "file-1", "mimeType": mime})


class Me:
    """Just what ``message.mention`` reads of a client: the bot's own ID."""

    user_id = "bot@example.com"


def bound(msg: Message) -> Message:
    object.__setattr__(msg, "client", Me())
    return msg


@pytest.mark.parametrize(("mime", "kind"), [
    ("application/pdf", Document), ("text/vcard", Document), ("application/zip", Document),
    ("image/jpeg", Photo), ("IMAGE/PNG", Photo), ("video/mp4", Video), ("sticker/webp", Sticker),
])
def test_each_attachment_is_exactly_one_kind(mime: str, kind: type) -> None:
    msg = attachment(mime, "report.pdf", 12_345)
    views = {"document": msg.document, "photo": msg.photo, "video": msg.video, "sticker": msg.sticker,
             "audio": msg.audio}
    present = {name: view for name, view in views.items() if view is not None}
    assert [type(view) for view in present.values()] == [kind]
    view = next(iter(present.values()))
    assert (view.file_id, view.file_name, view.file_size, view.mime_type) == ("file-1", "report.pdf", 12_345, mime)
    assert (view.name, view.size) == ("report.pdf", 12_345)
    assert msg.voice is None and msg.location is None and msg.text is None
    assert msg.content_type == EnvelopeType.ATTACHMENT
    assert (msg.content.file_name, msg.content.file_size) == ("report.pdf", 12_345)  # the SDK's content names


def test_an_audio_file_is_neither_a_document_nor_a_voice_message() -> None:
    msg = attachment("audio/mpeg", "song.mp3")
    assert msg.audio is not None and msg.document is None and msg.voice is None


def test_voice_message() -> None:
    msg = message(205, {"fileId": "voice-1", "size": 12_345, "mimeType": "audio/ogg", "duration": 7})
    assert msg.voice == Voice(file_id="voice-1", file_size=12_345, mime_type="audio/ogg", duration=7)
    assert msg.content.file_size == 12_345
    assert msg.location is None and msg.document is None and msg.audio is None
    assert msg.mention is None  # not a text message


def test_location_message() -> None:
    title = "Будённовский просп., 61, Ростов-на-Дону"
    msg = message(203, {"latitude": 47.227204, "longitude": 39.704168, "title": title})
    assert isinstance(msg.location, LocationContent)
    assert (msg.location.latitude, msg.location.longitude, msg.location.title) == (47.227204, 39.704168, title)
    assert msg.text is None and msg.content_type == EnvelopeType.LOCATION
    assert text("hello").location is None


def test_content_type_is_an_open_enum() -> None:
    msg = message(999, {"foo": "bar"})
    assert msg.content_type == 999 and msg.content_type.name == "UNKNOWN_999"
    assert msg.document is None and msg.location is None and msg.voice is None


def test_from_user_is_the_author_with_a_mention() -> None:
    msg = text("hi")
    user = msg.from_user
    assert isinstance(user, User) and user.id == "alice@example.com" and user.type == AuthorType.USER
    assert str(user.mention) == '<a href="trueconf:alice@example.com">alice@example.com</a>'
    assert user.mention.parse_mode == "html"
    assert str(user.mention_markdown("Alice")) == "[Alice](trueconf:alice@example.com)"
    with pytest.raises(RuntimeError, match="not bound"):
        user.display_name  # noqa: B018 - asking the server needs a client
    system = message(23, {"forAll": True}, author={"id": "video.example.com", "type": 0}).from_user
    assert system.is_system and system.display_name == "video.example.com"


def test_forwarded_message_is_the_original() -> None:
    inner = {"chatId": "chat-0", "messageId": "orig", "timestamp": 1, "isEdited": False, "type": 205,
             "author": {"id": "bob@example.com", "type": 1},
             "content": {"fileId": "v", "size": 1, "mimeType": "audio/ogg", "duration": 2}}
    msg = message(201, inner)
    original = msg.forwarded_message
    assert isinstance(original, Message) and original.message_id == "orig"
    assert original.voice is not None and original.voice.duration == 2
    assert msg.voice is None  # the forward itself is not a voice message, as in the SDK
    assert text("x").forwarded_message is None


@pytest.mark.parametrize(("value", "expected"), [
    ('<a href="trueconf:bot@example.com">Bot</a>', True),
    ('hi <a href="trueconf:BOT@example.com&amp;do=profile">Bot</a>!', True),
    ('<a href="trueconf:bot">Bot</a>', True),  # a bare login means the bot's own server
    ('<a href="trueconf:other@example.com">Other</a>', None),
    ('<a href="trueconf:bot@evil.example">Bot?</a>', None),
    ("hello", None),
    ("@all", True),
    ("  @all ", True),
])
def test_mention_says_whether_the_bot_is_mentioned(value: str, expected: bool | None) -> None:
    assert bound(text(value)).mention is expected


def test_mention_of_all_needs_no_client_but_a_link_does() -> None:
    assert text("@all").mention is True
    assert text("@all", mode="text").mention is True
    with pytest.raises(RuntimeError, match="not bound"):
        text('<a href="trueconf:bot@example.com">Bot</a>').mention  # noqa: B018


def test_contact_from_a_profile_link_and_from_nothing() -> None:
    contact = text('<a href="trueconf:anton@example.net&do=profile">Антон Бааджи</a>').contact
    assert contact is not None and contact.user_id == "anton@example.net"
    assert (contact.name, contact.first_name, contact.last_name, contact.phone_number, contact.vcard) == (
        "Антон Бааджи", "Антон Бааджи", None, None, None)
    assert text('Привет, <a href="trueconf:anton@example.net&do=profile">Антон</a>!').contact is None
    assert text("hello").contact is None
    assert attachment("application/pdf").contact is None  # not a vCard: nothing to fetch, no client needed
    with pytest.raises(RuntimeError, match="not bound"):
        attachment("text/vcard", "contact.vcf").contact  # noqa: B018 - reading a vCard needs the client


def test_shortcuts_of_an_unbound_message_say_so() -> None:
    msg = attachment("image/png")
    with pytest.raises(RuntimeError, match="not bound"):
        msg.answer_photo(b"x")
    with pytest.raises(RuntimeError, match="not bound"):
        msg.reply.future("x")
    with pytest.raises(RuntimeError, match="not bound"):
        msg.photo.download()
    assert Message.answer_photo.__doc__ and "send_photo" in Message.answer_photo.__doc__


def test_the_sdks_plumbing_names() -> None:
    raw = envelope(203, {"latitude": 47.227204, "longitude": 39.704168, "title": "Rostov"})
    msg = Message.from_dict(raw)
    assert msg == message(203, raw["content"]) and msg.location is not None
    again = Message.from_dict(msg.to_dict())
    assert again == msg and again.to_dict()["content"]["title"] == "Rostov"
    with pytest.raises(RuntimeError, match="not bound"):
        msg.bot  # noqa: B018
    me = Me()
    assert msg.bind(me) is msg and msg.bot is me and msg.client is me
