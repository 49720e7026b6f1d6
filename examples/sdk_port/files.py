"""Files in the official SDK's style: react to documents by MIME type and to photos, answer with
a document and a photo of the bot's own, download what was sent."""

from __future__ import annotations

import io

from trueconf_sync.bot import Dispatcher, F, Router, client_from_env
from trueconf_sync.models import Message

router = Router()


@router.message(F.document.mime_type == "application/pdf")
def pdf(message: Message) -> None:
    buffer = io.BytesIO()
    message.download(buffer)
    name = message.document.file_name if message.document else "?"
    message.reply(f"Got the PDF {name} ({len(buffer.getvalue())} bytes).")
    message.answer_document(b"summary of " + name.encode(), file_name="summary.txt")


@router.message(F.document)
def other_document(message: Message) -> None:
    message.reply("Only PDF files, please.")


@router.message(F.photo)
def photo(message: Message) -> None:
    message.reply("A photo! Here is one back.")
    message.answer_photo(_PNG, file_name="dot.png")


@router.message(F.location)
def location(message: Message) -> None:
    where = message.location
    message.answer(f"You are at {where.latitude:.2f}, {where.longitude:.2f}." if where else "?")


# A valid 1x1 PNG, so the example needs no file on disk.
_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a5f0cd2f0000000049454e44ae426082")

dp = Dispatcher()
dp.include_router(router)


def main() -> None:
    dp.run(client_from_env())


if __name__ == "__main__":
    main()
