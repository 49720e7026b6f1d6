"""A bot written with the official SDK's Message names, run against the fake server over real sockets.

The user side is ``SimulatedUser`` (alice); the bot is a Client of ``echo_bot`` with a Dispatcher
using magic filters (``F.document.mime_type``, ``F.photo``, ``F.location``, ``F.text``).
"""

from __future__ import annotations

import io
import queue
import struct
import zlib
from typing import Any

import pytest
from test_bot_helpers import next_text, start_bot

from trueconf_sync.api.models import Contact, Message
from trueconf_sync.bot import Dispatcher, F
from trueconf_sync.enums import EnvelopeType

BOT = "echo_bot@video.example.com"
PDF = b"%PDF-1.4\n" + b"x" * 300 + b"\n%%EOF\n"


def _png() -> bytes:
    """A valid 1x1 PNG (the bot sends it back as a photo, whose preview needs a real image)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


def _sdk_bot(factory: Any) -> Any:
    dp = Dispatcher()

    @dp.message(F.document.mime_type == "application/pdf")
    def on_pdf(message: Message) -> None:
        doc = message.document
        assert doc is not None and message.photo is None and message.location is None
        data = doc.download()  # the SDK's in-memory download: bytes
        message.answer(f"pdf {doc.file_name} {doc.file_size} {len(data)} {data[:5].decode()}")

    @dp.message(F.photo)
    def on_photo(message: Message) -> None:
        photo = message.photo
        assert photo is not None and message.document is None
        message.answer(f"photo {photo.file_name} {photo.mime_type} {photo.file_size}")

    @dp.message(F.location)
    def on_location(message: Message) -> None:
        place = message.location
        assert place is not None and message.content_type == EnvelopeType.LOCATION
        message.answer(f"at {place.latitude},{place.longitude} {place.title}")

    @dp.message(F.text)
    def on_text(message: Message) -> None:
        author = message.from_user
        message.answer(f"text {message.text} from {author.id} ({message.content_type.name})")

    return start_bot(factory, dp)


def test_an_sdk_style_bot_reacts_to_pdf_photo_location_and_text(trueconf_client_factory: Any, alice: Any) -> None:
    _sdk_bot(trueconf_client_factory)
    chat = alice.p2p_chat_with("echo_bot")

    alice.send_file(chat, "report.pdf", PDF, "application/pdf")
    assert next_text(alice, chat) == f"pdf report.pdf {len(PDF)} {len(PDF)} %PDF-"

    image = _png()
    alice.send_file(chat, "cat.png", image, "image/png")
    assert next_text(alice, chat) == f"photo cat.png image/png {len(image)}"

    alice.send_location(chat, 47.227204, 39.704168, "Rostov")
    assert next_text(alice, chat) == "at 47.227204,39.704168 Rostov"

    alice.send_message(chat, "hello")
    assert next_text(alice, chat) == f"text hello from {alice.user_id} (PLAIN_MESSAGE)"

    # A file that is not a PDF matches none of the file filters: it falls through to nothing, and
    # the next text still gets its answer (the sentinel).
    alice.send_file(chat, "notes.txt", b"plain", "text/plain")
    alice.send_message(chat, "after")
    assert next_text(alice, chat) == f"text after from {alice.user_id} (PLAIN_MESSAGE)"


def _collect(client: Any) -> queue.Queue[Message]:
    got: queue.Queue[Message] = queue.Queue()
    client.on_message(got.put)
    return got


def test_file_shortcuts_send_files_back_and_have_future_forms(trueconf_server: Any, trueconf_client: Any,
                                                              alice: Any, alice_chat: str) -> None:
    got = _collect(trueconf_client)
    alice.send_message(alice_chat, "send me things")
    message = got.get(timeout=5)

    sent = message.reply_document(io.BytesIO(PDF), "the report", file_name="r.pdf", mime_type="application/pdf")
    envelope = alice.wait_for_message(alice_chat, predicate=lambda e: e["messageId"] == sent.message_id)
    assert envelope["type"] == 202 and envelope["replyMessageId"] == message.message_id
    assert envelope["content"]["name"] == "r.pdf" and envelope["content"]["mimeType"] == "application/pdf"
    assert sent.caption_message_id  # the caption went as a message of its own

    future = message.answer_photo.future(_png(), None, file_name="dot.png")
    photo = future.result(timeout=10)
    envelope = alice.wait_for_message(alice_chat, predicate=lambda e: e["messageId"] == photo.message_id)
    assert envelope["content"]["mimeType"] == "image/png" and envelope.get("replyMessageId") is None

    answer = message.answer.future("done").result(timeout=5)
    envelope = alice.wait_for_message(alice_chat, predicate=lambda e: e["messageId"] == answer.message_id)
    assert envelope["content"]["text"] == "done"

    sends = trueconf_server.stats["requests"].get("uploadFile", 0)
    with pytest.raises(TypeError, match="file must be"):
        message.answer_document.future(None)  # checked at once, before anything is sent
    assert trueconf_server.stats["requests"].get("uploadFile", 0) == sends


def test_copy_to_resends_text_and_files_without_a_forward_header(trueconf_server: Any, trueconf_client: Any,
                                                                 alice: Any, alice_chat: str) -> None:
    got = _collect(trueconf_client)
    group = trueconf_client.create_group_chat("copies")
    trueconf_client.add_chat_participant(group, alice.user_id)

    alice.send_message(alice_chat, "<b>bold</b> words", parse_mode="html")
    text_message = got.get(timeout=5)
    copied = text_message.copy_to(group)
    envelope = alice.wait_for_message(group, predicate=lambda e: e["messageId"] == copied.message_id)
    assert envelope["type"] == 200
    assert envelope["content"] == {"text": "<b>bold</b> words", "parseMode": "html"}

    alice.send_file(alice_chat, "report.pdf", PDF, "application/pdf")
    file_message = got.get(timeout=5)
    copied = file_message.copy_to(group)
    envelope = alice.wait_for_message(group, predicate=lambda e: e["messageId"] == copied.message_id)
    assert envelope["type"] == 202 and envelope["author"]["id"] == BOT
    assert envelope["content"]["name"] == "report.pdf" and envelope["content"]["size"] == len(PDF)
    assert envelope["content"]["fileId"] != file_message.document.file_id  # uploaded again
    assert trueconf_client.download_file(envelope["content"]["fileId"], io.BytesIO()).getvalue() == PDF

    alice.send_location(alice_chat, 1.0, 2.0, "x")
    with pytest.raises(ValueError, match="forward"):
        got.get(timeout=5).copy_to(group)


def test_save_to_favorites_forwards_or_copies(trueconf_server: Any, trueconf_client: Any,
                                              alice: Any, alice_chat: str) -> None:
    got = _collect(trueconf_client)
    alice.send_message(alice_chat, "keep this")
    message = got.get(timeout=5)
    favorites = trueconf_client.create_favorites_chat()

    forwarded = message.save_to_favorites()
    copied = message.save_to_favorites(copy=True)
    stored = {m["messageId"]: m for m in trueconf_server.chat_messages(favorites)}
    assert forwarded.chat_id == copied.chat_id == favorites
    assert stored[forwarded.message_id]["type"] == 201
    assert stored[copied.message_id]["type"] == 200
    assert stored[copied.message_id]["content"]["text"] == "keep this"


VCARD = ("BEGIN:VCARD\r\nVERSION:3.0\r\nN:Бааджи;Антон;;;\r\nFN:Антон Бааджи\r\n"
         "TEL;TYPE=CELL:+7123456789\r\nEMAIL:anton@example.net\r\nIMPP:trueconf:anton@video.example.com\r\n"
         "END:VCARD\r\n")


def test_a_vcard_file_is_read_into_a_contact(trueconf_server: Any, trueconf_client: Any,
                                             alice: Any, alice_chat: str) -> None:
    got = _collect(trueconf_client)
    alice.send_file(alice_chat, "contact.vcf", VCARD.encode(), "text/vcard")
    message = got.get(timeout=5)
    downloads = trueconf_server.stats["requests"].get("getFileInfo", 0)
    contact = message.contact
    assert isinstance(contact, Contact)
    assert (contact.first_name, contact.last_name, contact.name) == ("Антон", "Бааджи", "Антон Бааджи")
    assert contact.phone_number == "+7123456789" and contact.emails == ("anton@example.net",)
    assert contact.user_id == "anton@video.example.com" and "BEGIN:VCARD" in (contact.vcard or "")
    assert message.contact is contact  # read once per message
    assert trueconf_server.stats["requests"].get("getFileInfo", 0) == downloads + 1
    assert message.document is not None  # still a file, as in the SDK

    alice.send_file(alice_chat, "report.pdf", PDF, "application/pdf")
    assert got.get(timeout=5).contact is None  # other files are not contacts (and are not fetched)


def test_own_system_message_reaches_handlers_but_own_chat_messages_do_not(
        trueconf_server: Any, trueconf_client_factory: Any, alice: Any) -> None:
    client = trueconf_client_factory(receive_system_messages=True)
    got = _collect(client)
    chat = client.create_p2p_chat(alice.user_id)
    base = {"chatId": chat, "chat": {"chatId": chat, "chatTitle": None, "chatType": 1},
            "timestamp": 1_789_486_204_571, "box": {"id": 16, "position": "0"}, "isEdited": False,
            "author": {"id": BOT, "type": 1}}
    trueconf_server.push_event("sendMessage", {**base, "messageId": "own-text", "type": 200,
                                               "content": {"text": "from myself", "parseMode": "text"}})
    trueconf_server.push_event("sendMessage", {**base, "messageId": "own-system", "type": 23,
                                               "content": {"forAll": True}})
    alice.send_message(chat, "sentinel")
    first, second = got.get(timeout=5), got.get(timeout=5)
    assert first.message_id == "own-system" and first.is_system and first.author.id == BOT
    assert second.text == "sentinel"  # and the bot's own chat message was skipped
