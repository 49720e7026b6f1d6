"""Author and chat objects that repeat from message to message are parsed once and shared.

Parsing a typical message built an ``Author`` and a ``ChatRef`` for every event although a chat's
events keep repeating the same two objects. The converter now hands out one frozen instance per
distinct wire object; these tests pin what that may and may not change.
"""

from __future__ import annotations

from trueconf_sync import AuthorType, ChatType, Message
from trueconf_sync.api import converter
from trueconf_sync.api.converter import structure
from trueconf_sync.api.models.base import Author, ChatRef


def _envelope(n: int, author: object, chat: object = None) -> dict[str, object]:
    return {"messageId": f"m{n}", "chatId": "c1", "timestamp": 1_700_000_000_000 + n, "author": author, "type": 200,
            "chat": chat if chat is not None else {"chatId": "c1", "chatTitle": "Alice", "chatType": 1},
            "content": {"text": f"text {n}", "parseMode": "text"}}


def test_equal_authors_and_chats_of_two_messages_are_one_instance() -> None:
    first = structure(_envelope(1, {"id": "alice@srv", "type": 1}), Message)
    second = structure(_envelope(2, {"id": "alice@srv", "type": 1}), Message)
    assert first.author is second.author and first.chat is second.chat
    assert first.author == Author(id="alice@srv", type=AuthorType.USER)
    assert first.chat == ChatRef(chat_id="c1", chat_title="Alice", chat_type=ChatType.P2P)
    assert second.author.raw == {"id": "alice@srv", "type": 1}
    # The message itself keeps exactly what its own event carried.
    assert second.raw["author"] == {"id": "alice@srv", "type": 1} and second.text == "text 2"


def test_different_wire_objects_give_different_instances() -> None:
    alice = structure(_envelope(1, {"id": "alice@srv", "type": 1}), Message).author
    bob = structure(_envelope(2, {"id": "bob@srv", "type": 1}), Message).author
    system = structure(_envelope(3, {"id": "alice@srv", "type": 0}), Message).author
    assert (alice.id, bob.id, system.type) == ("alice@srv", "bob@srv", AuthorType.SYSTEM)
    assert len({id(alice), id(bob), id(system)}) == 3


def test_values_that_compare_equal_across_types_are_not_shared() -> None:
    # 1 == 1.0 == True as dict keys: such objects are parsed each time, never confused.
    as_int = structure({"id": 1, "type": 1}, Author)
    as_float = structure({"id": 1.0, "type": 1}, Author)
    as_bool = structure({"id": True, "type": 1}, Author)
    assert (as_int.id, as_float.id, as_bool.id) == ("1", "1.0", "True")
    nested = structure({"id": "x", "type": 1, "extra": {"a": 1}}, Author)
    assert nested.id == "x" and nested.raw["extra"] == {"a": 1}


def test_many_distinct_authors_stay_correct_past_the_bound() -> None:
    count = converter.SHARED_MAX + 50
    authors = [structure({"id": f"user{n}@srv", "type": 1}, Author) for n in range(count)]
    assert [a.id for a in authors] == [f"user{n}@srv" for n in range(count)]
    again = structure({"id": f"user{count - 1}@srv", "type": 1}, Author)
    assert again == authors[-1]


def test_a_shared_instance_stays_frozen() -> None:
    author = structure({"id": "carol@srv", "type": 1}, Author)
    try:
        author.id = "mallory@srv"  # type: ignore[misc]
    except AttributeError:
        pass
    assert structure({"id": "carol@srv", "type": 1}, Author).id == "carol@srv"
