"""Every documented limit is checked before sending: the error names the argument and the limit.

Each case runs the blocking and the ``.future`` form and then proves with the fake server's counters
that no request reached the wire. The boundary tests show the limit itself is accepted, counting
visible characters the PROTOCOL §8 way (markup free, links as label + space + URL, code points).
"""

from __future__ import annotations

import pytest

from trueconf_sync.text.keyboard import Button, InlineKeyboard

LIMIT = 4096
COMMAND = {"label": "Go", "command": "go"}


def rows(count: int, per_row: int = 1) -> list[list[dict[str, str]]]:
    return [[dict(COMMAND) for _ in range(per_row)] for _ in range(count)]


def button(**fields: object) -> list[list[dict[str, object]]]:
    return [[fields]]


# (method, args, kwargs, exception, texts the message must contain: the argument and the limit)
CASES = [
    # text and caption: 4096 visible characters (§8)
    ("send_message", ("C", "x" * 4097), {}, ValueError, ("text", "4097", "4096")),
    ("send_message", ("C", "\U0001F600" * 4097), {}, ValueError, ("text", "4096")),
    ("send_message", ("C", "**" + "x" * 4097 + "**"), {"parse_mode": "markdown"}, ValueError, ("text", "4096")),
    ("send_message", ("C", "[x](https://example.com/" + "u" * 4080 + ")"), {"parse_mode": "markdown"},
     ValueError, ("text", "4096")),
    ("send_message", ("C", "<b>" + "x" * 4097 + "</b>"), {"parse_mode": "html"}, ValueError, ("text", "4096")),
    ("send_message", ("C", '<a href="https://example.com/">' + "x" * 4076 + "</a>"), {"parse_mode": "html"},
     ValueError, ("text", "4097", "4096")),
    ("edit_message", ("M", "x" * 4097), {}, ValueError, ("text", "4096")),
    ("send_file_by_temporal_id", ("C", "T"), {"caption": "x" * 4097}, ValueError, ("caption", "4096")),
    ("send_file_by_temporal_id", ("C", "T"), {"parse_mode": "html"}, ValueError, ("parse_mode", "caption")),
    # titles: 256 characters (§8)
    ("create_group_chat", ("t" * 257,), {}, ValueError, ("title", "256")),
    ("create_group_chat", ("  ",), {}, ValueError, ("title", "empty")),
    ("create_group_chat", (None,), {}, TypeError, ("title", "str")),
    ("create_channel", ("t" * 257,), {}, ValueError, ("title", "256")),
    ("create_channel", ("",), {}, ValueError, ("title", "empty")),
    ("edit_chat_title", ("C", "t" * 257), {}, ValueError, ("title", "256")),
    ("edit_chat_title", ("", "ok"), {}, ValueError, ("chat_id",)),
    # page sizes and counts >= 1, page_number >= 0
    ("get_chat_participants", ("C",), {"page_size": 0}, ValueError, ("page_size", "between 1 and")),
    ("get_chat_participants", ("C",), {"page_size": 2**32}, ValueError, ("page_size", "4294967295")),
    ("get_chat_participants", ("C",), {"page_number": -1}, ValueError, ("page_number", "between 0 and")),
    ("get_chat_participants", ("C",), {"page_number": 1.5}, TypeError, ("page_number", "int")),
    ("get_chat_participants", ("C",), {"page_size": True}, TypeError, ("page_size", "int")),
    ("get_chat_history", ("C",), {"count": 0}, ValueError, ("count", "between 1 and")),
    ("get_chats", (), {"count": 0}, ValueError, ("count", "between 1 and")),
    ("get_chats", (), {"page": 0}, ValueError, ("page", "between 1 and")),
    ("create_upload_task", ("f.txt", -1), {}, ValueError, ("file_size", "between 0 and")),
    ("create_upload_task", ("", 1), {}, ValueError, ("file_name",)),
    # role values (§5.5)
    ("change_participant_role", ("C", "u", "boss"), {}, ValueError, ("role", "owner, admin, user")),
    ("change_participant_role", ("C", "u", 2), {}, ValueError, ("role", "writer")),
    ("change_participant_role", ("C", "", "admin"), {}, ValueError, ("user_id",)),
    # activity types (§12.7)
    ("send_chat_activity", ("C", "dancing"), {}, ValueError, ("activity_type", "typing, choosing_sticker")),
    ("send_chat_activity", ("C", None), {}, ValueError, ("activity_type", "uploading_file")),
    ("send_chat_activity", ("", "typing"), {}, ValueError, ("chat_id",)),
    # answer_command fields (§12.6)
    ("answer_command", ("", "complete", "ok"), {}, ValueError, ("command_id", "non-empty")),
    ("answer_command", ("c", "done", "ok"), {}, ValueError, ("answer_type", "complete, timeout, cancel")),
    ("answer_command", ("c", "complete", "x" * 256), {}, ValueError, ("text", "1-255")),
    ("answer_command", ("c", "complete", ""), {}, ValueError, ("text", "1-255")),
    ("answer_command", ("c", "complete", "gotov\u00f3"), {}, ValueError, ("text", "ASCII")),
    ("answer_command", ("c", "complete", 5), {}, TypeError, ("text", "str")),
    ("answer_command", ("c", "complete", "ok"), {"status": "great"}, ValueError, ("status", "pending")),
    ("answer_command", ("c", "complete", "ok"), {"visibility": "loud"}, ValueError, ("visibility", "toast")),
    ("answer_command", ("c", "complete", "ok"), {"level": "fatal"}, ValueError, ("level", "critical")),
    # survey fields (§3.30, §3.31)
    ("send_survey", ("C", "", "Title"), {}, ValueError, ("path", "non-empty")),
    ("send_survey", ("C", "p", ""), {}, ValueError, ("title", "empty")),
    ("send_survey", ("C", "p", "t" * 4097), {}, ValueError, ("title", "4096")),
    ("send_survey", ("C", "p", "Title"), {"anonymous": "yes"}, TypeError, ("anonymous", "bool")),
    ("send_survey", ("C", "p", "Title"), {"url": "ftp://surveys"}, ValueError, ("url", "http(s)")),
    ("send_survey", ("C", "p", "Title"), {"reply_message_id": ""}, ValueError, ("reply_message_id",)),
    ("edit_survey", ("M", "p", "t" * 4097), {}, ValueError, ("title", "4096")),
    ("edit_survey", ("", "p", "Title"), {}, ValueError, ("message_id",)),
    # buttons (§12.4): 8 rows, 8 per row, label 1-32, command 1-255 ASCII, customData 1-4096 ASCII,
    # url 8-8095 with an allowed scheme, copy data 1-4095, exactly one action, known style
    ("send_message", ("C", "t"), {"buttons": rows(9)}, ValueError, ("buttons", "9", "at most 8 rows")),
    ("send_message", ("C", "t"), {"buttons": rows(1, 9)}, ValueError, ("buttons", "at most 8 buttons")),
    ("send_message", ("C", "t"), {"buttons": button(label="x" * 33, command="c")}, ValueError,
     ("buttons[0][0].label", "1-32")),
    ("send_message", ("C", "t"), {"buttons": button(label="", command="c")}, ValueError,
     ("buttons[0][0].label",)),
    ("send_message", ("C", "t"), {"buttons": button(label="L", command="c" * 256)}, ValueError,
     ("buttons[0][0].command", "1-255")),
    ("send_message", ("C", "t"), {"buttons": button(label="L", command="k\u00f6ln")}, ValueError,
     ("buttons[0][0].command", "ASCII")),
    ("send_message", ("C", "t"), {"buttons": button(label="L", command="c", customData="d" * 4097)}, ValueError,
     ("buttons[0][0].custom_data", "1-4096")),
    ("send_message", ("C", "t"), {"buttons": button(label="L", url="http:/")}, ValueError,
     ("buttons[0][0].url", "8-8095")),
    ("send_message", ("C", "t"), {"buttons": button(label="L", url="ftp://example.com/f")}, ValueError,
     ("buttons[0][0].url", "http, https, mailto, trueconf")),
    ("send_message", ("C", "t"), {"buttons": button(label="L", data="d" * 4096)}, ValueError,
     ("buttons[0][0].data", "1-4095")),
    ("send_message", ("C", "t"), {"buttons": button(label="L", command="c", url="https://example.com")},
     ValueError, ("buttons[0][0]", "exactly one")),
    ("send_message", ("C", "t"), {"buttons": button(label="L")}, ValueError, ("buttons[0][0]", "exactly one")),
    ("send_message", ("C", "t"), {"buttons": button(label="L", command="c", style="loud")}, ValueError,
     ("buttons[0][0].style", "primary")),
    ("send_message", ("C", "t"), {"buttons": button(label="L", command="c", colour="red")}, ValueError,
     ("buttons[0][0].colour",)),
    ("send_message", ("C", "t"), {"buttons": "yes"}, TypeError, ("buttons", "InlineKeyboard")),
    ("send_message", ("C", "t"), {"buttons": [["not a button"]]}, TypeError, ("buttons[0][0]",)),
    ("edit_message", ("M", "t"), {"buttons": rows(9)}, ValueError, ("buttons", "at most 8 rows")),
    # flags and ids of the other rows
    ("forward_message", ("", "M"), {}, ValueError, ("chat_id",)),
    ("forward_message", ("C", None), {}, TypeError, ("message_id",)),
    ("remove_chat", ("",), {}, ValueError, ("chat_id",)),
    ("add_chat_participant", ("C", "u"), {"display_history": 1}, TypeError, ("display_history", "bool")),
    ("add_chat_participant", ("C", " u"), {}, ValueError, ("user_id",)),
    ("remove_chat_participant", ("C", "u"), {"clear_history": None}, TypeError, ("clear_history", "bool")),
    ("has_chat_participant", ("C", ""), {}, ValueError, ("user_id",)),
    ("get_chat_participant", (None, "u"), {}, TypeError, ("chat_id",)),
    ("clear_history", ("C",), {"for_all": "true"}, TypeError, ("for_all", "bool")),
    ("edit_chat_avatar_by_temporal_id", ("C", ""), {}, ValueError, ("temporal_file_id",)),
    ("get_file_info", ("",), {}, ValueError, ("file_id",)),
    ("subscribe_file_progress", (42,), {}, TypeError, ("file_id",)),
    ("unsubscribe_file_progress", ("x" * 1025,), {}, ValueError, ("file_id", "1024")),
    ("get_user_display_name", ("",), {}, ValueError, ("user_id",)),
    ("get_file_upload_limits", (), {"timeout": 0}, ValueError, ("timeout", "> 0")),
]


def wire_requests(server) -> dict[str, int]:
    return dict(server.stats["requests"])


def assert_nothing_sent(server, client, before: dict[str, int]) -> None:
    """One good request after the bad ones (a socket keeps order), then compare the server's counters."""
    client.get_file_upload_limits()
    expected = dict(before)
    expected["getFileUploadLimits"] = expected.get("getFileUploadLimits", 0) + 1
    assert wire_requests(server) == expected


@pytest.mark.parametrize(("method", "args", "kwargs", "exc", "texts"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_limit_is_enforced_before_sending(trueconf_server, trueconf_client, method, args, kwargs, exc, texts):
    before = wire_requests(trueconf_server)
    bound = getattr(trueconf_client, method)
    for call in (bound, bound.future):
        with pytest.raises(exc) as info:
            call(*args, **kwargs)
        for text in texts:
            assert text in str(info.value), f"{text!r} not in {str(info.value)!r}"
    assert_nothing_sent(trueconf_server, trueconf_client, before)


def test_every_method_of_the_table_has_a_validation_case():
    from trueconf_sync.api.methods import ApiMethods

    checked = {case[0] for case in CASES} | {"get_message_by_id", "create_p2p_chat", "get_chat_by_id",
                                             "remove_message"}  # in test_client_validation.py
    rows_of_table = {name for name, value in vars(ApiMethods).items() if hasattr(value, "wire")}
    missing = rows_of_table - checked - {"create_favorites_chat"}  # that one takes no arguments but timeout
    assert not missing, f"rows without a validation case (add them to CASES): {sorted(missing)}"
    assert checked <= rows_of_table


# ---- the limits themselves are accepted ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parse_mode"),
    [
        ("x" * LIMIT, "text"),
        ("\U0001F600" * LIMIT, "text"),  # code points: an emoji counts 1 (two UTF-16 units on the wire)
        ("**" + "x" * LIMIT + "**", "markdown"),
        ("__" + "x" * (LIMIT - 6) + "__ *a* _b_ ~~c~~", "markdown"),
        ("[" + "x" * (LIMIT - 20) + "](https://example.com)", "markdown"),  # label + space + url
        ("<b><i><u><s>" + "x" * LIMIT + "</s></u></i></b>", "html"),
        ('<a href="https://example.com/">' + "x" * (LIMIT - 21) + "</a>", "html"),
    ],
    ids=["text", "emoji", "markdown-bold", "markdown-mixed", "markdown-link", "html-tags", "html-link"],
)
def test_text_exactly_at_the_limit_is_sent(trueconf_server, trueconf_client, alice_chat, text, parse_mode):
    sent = trueconf_client.send_message(alice_chat, text, parse_mode=parse_mode)
    [stored] = [m for m in trueconf_server.chat_messages(alice_chat) if m["messageId"] == sent.message_id]
    assert stored["content"] == {"text": text, "parseMode": parse_mode}
    with pytest.raises(ValueError, match="4096"):
        trueconf_client.send_message(alice_chat, text + "y", parse_mode=parse_mode)


def test_titles_and_keyboards_at_their_limits_are_sent(trueconf_server, trueconf_client, alice_chat):
    group = trueconf_client.create_group_chat("t" * 256)
    assert trueconf_server.get_chat(group)["title"] == "t" * 256
    trueconf_client.edit_chat_title(group, "u" * 256)
    assert len(trueconf_client.create_channel("c" * 256)) > 0
    full = InlineKeyboard()
    for r in range(8):
        full.row(*(Button.command("L" * 32, f"c{r}{c}" + "x" * 200, custom_data="d" * 4096) for c in range(8)))
    sent = trueconf_client.send_message(alice_chat, "64 buttons", buttons=full)
    [stored] = [m for m in trueconf_server.chat_messages(alice_chat) if m["messageId"] == sent.message_id]
    assert [len(row) for row in stored["content"]["buttons"]] == [8] * 8
    assert trueconf_client.get_chat_participants(group, page_size=1, page_number=0)[0].role == "owner"
    assert trueconf_client.answer_command("c", "complete", "x" * 255) is None
