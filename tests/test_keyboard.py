"""trueconf_sync.keyboard: inline buttons (§12.4) and answerCommand payloads (§12.6)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, strategies as st

from trueconf_sync.text.keyboard import (
    AnswerLevel,
    AnswerStatus,
    AnswerType,
    AnswerVisibility,
    Button,
    ButtonKind,
    ButtonStyle,
    CommandAnswer,
    InlineKeyboard,
    command_answer_payload,
    keyboard_to_wire,
)

# The "buttons" value of the §12.4 example request, verbatim.
PROTOCOL_BUTTONS = (
    '[[{"label": "Add to cart", "command": "cart:add", "customData": "product-42", '
    '"id": "add-product", "style": "primary", "type": "command"}, '
    '{"label": "Website", "url": "https://example.com/shop", "type": "url"}], '
    '[{"label": "Ask", "message": "Tell me more", "draft": true, "type": "message"}, '
    '{"label": "Copy code", "data": "code-42", "type": "copy"}]]'
)


def protocol_keyboard() -> InlineKeyboard:
    return (
        InlineKeyboard()
        .row(
            Button.command(
                "Add to cart",
                "cart:add",
                custom_data="product-42",
                id="add-product",
                style=ButtonStyle.PRIMARY,
            ),
            Button.url("https://example.com/shop", "Website"),
        )
        .row(Button.message("Ask", "Tell me more", draft=True), Button.copy("Copy code", "code-42"))
    )


def cmd(n: int = 0) -> Button:
    return Button.command(f"b{n}", f"c{n}")


# ---------------------------------------------------------------------------
# wire format


def test_to_wire_matches_protocol_example_exactly() -> None:
    assert json.dumps(protocol_keyboard().to_wire()) == PROTOCOL_BUTTONS


def test_from_wire_round_trips_the_protocol_example() -> None:
    wire = json.loads(PROTOCOL_BUTTONS)
    keyboard = InlineKeyboard.from_wire(wire)
    assert keyboard == protocol_keyboard()
    assert keyboard.to_wire() == wire
    first, website = keyboard.rows[0]
    assert first.kind is ButtonKind.COMMAND
    assert (first.label, first.command, first.custom_data, first.id) == (
        "Add to cart",
        "cart:add",
        "product-42",
        "add-product",
    )
    assert first.style is ButtonStyle.PRIMARY
    assert first.url is None
    assert website.kind is ButtonKind.URL and website.url == "https://example.com/shop"
    ask, copy = keyboard.rows[1]
    assert ask.message == "Tell me more" and ask.draft is True
    assert copy.kind is ButtonKind.COPY and copy.data == "code-42"


def test_to_wire_leaves_out_null_false_and_default() -> None:
    button = Button.command("a", "b", style="default", wait_reply=False)
    assert button.to_wire() == {"label": "a", "command": "b", "type": "command"}
    assert Button.url("https://e.com").to_wire() == {"url": "https://e.com", "type": "url"}
    assert Button.message("a", "m").to_wire() == {"label": "a", "message": "m", "type": "message"}


def test_to_wire_writes_optional_command_fields_in_camel_case() -> None:
    button = Button.command("a", "b", custom_data="d", wait_reply=True, to="bot@s", style="danger")
    assert button.to_wire() == {
        "label": "a",
        "command": "b",
        "customData": "d",
        "waitReply": True,
        "to": "bot@s",
        "style": "danger",
        "type": "command",
    }


def test_from_wire_is_lenient() -> None:
    wire: Any = [
        [
            {"label": "x" * 50, "command": "ü" * 300, "style": "neon", "extra": 1, "type": "url"},
            {"url": "ftp://nope", "label": 7},
            {"type": "share", "label": "s"},
            {"type": "future-kind"},
            {},
            "garbage",
        ],
        "not a row",
        [{"data": "", "waitReply": "true"}, {"command": None, "url": "https://e.com"}],
    ]
    keyboard = InlineKeyboard.from_wire(wire)
    (a, b, c, d, e, f), (g, h) = keyboard.rows
    assert a.kind is ButtonKind.COMMAND  # action key wins over "type"
    assert a.label == "x" * 50 and a.command == "ü" * 300 and a.style == "neon"
    assert b.kind is ButtonKind.URL and b.url == "ftp://nope" and b.label == "7"
    assert c.kind is ButtonKind.SHARE
    assert d.kind == "future-kind"
    assert e.kind is ButtonKind.UNKNOWN and f.kind is ButtonKind.UNKNOWN
    assert g.kind is ButtonKind.COPY and g.data == "" and g.wait_reply is True
    assert h.kind is ButtonKind.URL and h.command is None  # a null key is no action
    # kept values come back out
    assert a.to_wire()["style"] == "neon"
    assert d.to_wire() == {"type": "future-kind"}


@pytest.mark.parametrize("value", [None, "x", 5, {"a": 1}])
def test_from_wire_of_garbage_is_empty(value: Any) -> None:
    assert InlineKeyboard.from_wire(value).rows == ()


def test_from_wire_does_not_enforce_limits() -> None:
    wire = [[{"label": "b", "command": "c"}] * 9] * 9
    keyboard = InlineKeyboard.from_wire(wire)
    assert len(keyboard) == 81
    with pytest.raises(ValueError, match="rows"):
        keyboard_to_wire(keyboard)


# ---------------------------------------------------------------------------
# constructor limits: at the limit passes, one over fails, message names the argument

Factory = Callable[[str], Button]

LIMITS: list[tuple[str, Factory, int, int, str]] = [
    # (argument, factory, minimum length, maximum length, filler character)
    ("label", lambda v: Button.command(v, "c"), 1, 32, "ä"),
    ("label", lambda v: Button.url("https://e.com", v), 1, 32, "ä"),
    ("label", lambda v: Button.message(v, "m"), 1, 32, "ä"),
    ("label", lambda v: Button.copy(v, "d"), 1, 32, "ä"),
    ("command", lambda v: Button.command("l", v), 1, 255, "c"),
    ("custom_data", lambda v: Button.command("l", "c", custom_data=v), 1, 4096, "d"),
    ("data", lambda v: Button.copy("l", v), 1, 4095, "ä"),
]


@pytest.mark.parametrize(("name", "factory", "low", "high", "fill"), LIMITS)
def test_length_limits(name: str, factory: Factory, low: int, high: int, fill: str) -> None:
    factory(fill * low)
    factory(fill * high)
    with pytest.raises(ValueError, match=rf"^{name} must be {low}-{high} characters"):
        factory(fill * (high + 1))
    with pytest.raises(ValueError, match=rf"^{name} must be {low}-{high} characters"):
        factory(fill * (low - 1))


def test_url_length_limits() -> None:
    Button.url("http://a")  # 8
    Button.url("https://" + "a" * 8087)  # 8095
    with pytest.raises(ValueError, match=r"^url must be 8-8095 characters long, got 7"):
        Button.url("http://")
    with pytest.raises(ValueError, match=r"^url must be 8-8095 characters long, got 8096"):
        Button.url("https://" + "a" * 8088)


@pytest.mark.parametrize(
    "url", ["https://e.com", "HTTP://E.COM", "mailto:a@b.c", "trueconf:john@s"]
)
def test_url_schemes_accepted(url: str) -> None:
    assert Button.url(url).url == url


@pytest.mark.parametrize("url", ["ftp://e.com/x", "javascript:alert(1)", "example.com/abc"])
def test_url_schemes_rejected(url: str) -> None:
    with pytest.raises(ValueError, match=r"^url must use one of the schemes http, https, mailto"):
        Button.url(url)


@pytest.mark.parametrize(
    ("name", "factory"),
    [
        ("command", lambda: Button.command("l", "cömmand")),
        ("custom_data", lambda: Button.command("l", "c", custom_data="dätä")),
        ("url", lambda: Button.url("https://e.com/ä")),
    ],
)
def test_ascii_only_arguments(name: str, factory: Callable[[], Button]) -> None:
    with pytest.raises(ValueError, match=rf"^{name} must contain only ASCII"):
        factory()


def test_message_must_not_be_empty() -> None:
    assert Button.message("l", "m").message == "m"
    with pytest.raises(ValueError, match=r"^message must not be empty"):
        Button.message("l", "")


def test_style_validation() -> None:
    assert Button.copy("l", "d", style="SUCCESS").style is ButtonStyle.SUCCESS
    with pytest.raises(ValueError, match=r"^style must be one of default, primary, danger"):
        Button.copy("l", "d", style="neon")


def test_wrong_types_raise_type_error_naming_the_argument() -> None:
    with pytest.raises(TypeError, match=r"^label"):
        Button.command(5, "c")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^wait_reply"):
        Button.command("l", "c", wait_reply="yes")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"^draft"):
        Button.message("l", "m", draft=1)  # type: ignore[arg-type]


def test_buttons_are_frozen_values() -> None:
    button = Button.command("l", "c")
    with pytest.raises(AttributeError):
        button.label = "x"  # type: ignore[misc]
    assert button == Button.command("l", "c")
    assert hash(button) == hash(Button.command("l", "c"))
    assert repr(button) == "Button(kind='command', label='l', command='c')"


# ---------------------------------------------------------------------------
# keyboard layout limits


def test_eight_rows_pass_ninth_fails() -> None:
    keyboard = InlineKeyboard()
    for n in range(8):
        keyboard.row(cmd(n))
    with pytest.raises(ValueError, match=r"too many rows: 9 .*at most 8 rows"):
        keyboard.row(cmd())
    assert len(keyboard.rows) == 8


def test_eight_buttons_per_row_pass_ninth_fails() -> None:
    keyboard = InlineKeyboard().row(*[cmd(n) for n in range(8)])
    with pytest.raises(ValueError, match=r"too many buttons in row 0: 9 .*at most 8 buttons"):
        keyboard.add(cmd())
    with pytest.raises(ValueError, match=r"too many buttons in row 1: 9"):
        keyboard.row(*[cmd(n) for n in range(9)])
    assert len(keyboard) == 8


def test_full_keyboard_of_64_passes() -> None:
    keyboard = InlineKeyboard([[cmd(r * 8 + c) for c in range(8)] for r in range(8)])
    assert len(keyboard) == 64
    assert len(keyboard_to_wire(keyboard)) == 8


def test_constructor_checks_limits_too() -> None:
    with pytest.raises(ValueError, match=r"too many rows"):
        InlineKeyboard([[cmd()]] * 9)


def test_builder_chains_and_add_starts_a_row() -> None:
    a, b, c = cmd(1), cmd(2), cmd(3)
    keyboard = InlineKeyboard().add(a).add(b).row().add(c)
    assert keyboard.rows == ((a, b), (c,))
    assert keyboard.buttons == [a, b, c]
    assert list(keyboard) == [(a, b), (c,)]


def test_empty_rows_are_left_out_on_the_wire() -> None:
    assert InlineKeyboard().row().row(cmd()).to_wire() == [[cmd().to_wire()]]


def test_row_rejects_non_buttons() -> None:
    with pytest.raises(TypeError):
        InlineKeyboard().row({"label": "x", "command": "c"})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# keyboard_to_wire


def test_keyboard_to_wire_accepts_all_forms() -> None:
    expected = json.loads(PROTOCOL_BUTTONS)
    assert keyboard_to_wire(protocol_keyboard()) == expected
    assert keyboard_to_wire([list(row) for row in protocol_keyboard().rows]) == expected
    assert keyboard_to_wire(expected) == expected
    mixed = [[protocol_keyboard().rows[0][0], expected[0][1]], expected[1]]
    assert keyboard_to_wire(mixed) == expected


def test_keyboard_to_wire_adds_type_to_dicts() -> None:
    assert keyboard_to_wire([[{"label": "a", "data": "d"}]]) == [
        [{"label": "a", "data": "d", "type": "copy"}]
    ]


@pytest.mark.parametrize(
    ("button", "message"),
    [
        ({"label": "x" * 33, "command": "c"}, r"buttons\[0\]\[1\]\.label must be 1-32"),
        ({"label": "x", "command": "c", "url": "https://e.com"}, "exactly one of"),
        ({"label": "x"}, "exactly one of"),
        ({"label": "x", "command": "c", "custom_data": "d"}, "custom_data is not a button key"),
        ({"label": "x", "command": "c", "type": "url"}, "type is 'url'"),
        ({"label": "x", "url": "https://e.com", "customData": "d"}, "custom_data is not allowed"),
        ({"command": "c"}, r"buttons\[0\]\[1\]\.label is required"),
        ({"label": "x", "url": "ftp://e.com/x"}, "schemes"),
    ],
)
def test_keyboard_to_wire_validates_dicts(button: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        keyboard_to_wire([[{"label": "ok", "command": "c"}, button]])


def test_keyboard_to_wire_validates_parsed_buttons() -> None:
    incoming = InlineKeyboard.from_wire([[{"label": "", "command": "c"}]])
    with pytest.raises(ValueError, match=r"buttons\[0\]\[0\]\.label must be 1-32"):
        keyboard_to_wire(incoming)
    unknown = InlineKeyboard.from_wire([[{"type": "share", "label": "s"}]])
    with pytest.raises(ValueError, match="type must be one of command, url, message, copy"):
        keyboard_to_wire(unknown)


@pytest.mark.parametrize("value", ["abc", 5, None, [["abc"]], [[5]], ["row"]])
def test_keyboard_to_wire_rejects_wrong_types(value: Any) -> None:
    with pytest.raises(TypeError):
        keyboard_to_wire(value)


def test_keyboard_to_wire_checks_layout() -> None:
    with pytest.raises(ValueError, match=r"too many buttons in row 0: 9"):
        keyboard_to_wire([[cmd()] * 9])


_label = st.text(min_size=1, max_size=32)
_printable = st.characters(min_codepoint=32, max_codepoint=126)
_ascii = st.text(alphabet=_printable, min_size=1, max_size=40)
_buttons = st.one_of(
    st.builds(Button.command, _label, _ascii, custom_data=st.none() | _ascii),
    st.builds(Button.url, _ascii.map(lambda s: "https://" + s), st.none() | _label),
    st.builds(Button.message, _label, st.text(min_size=1), draft=st.booleans()),
    st.builds(
        Button.copy, _label, st.text(min_size=1, max_size=50), style=st.sampled_from(ButtonStyle)
    ),
)


@given(st.lists(st.lists(_buttons, min_size=1, max_size=8), max_size=8))
def test_wire_round_trip_property(rows: list[list[Button]]) -> None:
    keyboard = InlineKeyboard(rows)
    wire = json.loads(json.dumps(keyboard_to_wire(keyboard)))
    again = InlineKeyboard.from_wire(wire)
    assert again.to_wire() == wire
    for original, parsed in zip(keyboard.buttons, again.buttons):
        assert parsed.kind == original.kind
        assert parsed.label == original.label
        expected_style = None if original.style is ButtonStyle.DEFAULT else original.style
        assert parsed.style == expected_style


# ---------------------------------------------------------------------------
# answerCommand (§12.6)


def test_command_answer_matches_protocol_example() -> None:
    payload = command_answer_payload(
        "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        "complete",
        "Added to cart",
        status="ok",
        visibility="toast",
        level="info",
    )
    assert json.dumps(payload) == (
        '{"commandId": "9b8a7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d", "answerType": "complete", '
        '"message": {"text": "Added to cart", "status": "ok", "visibility": "toast", '
        '"level": "info"}}'
    )


def test_command_answer_leaves_out_unset_fields() -> None:
    assert command_answer_payload("id", AnswerType.CANCEL, "t") == {
        "commandId": "id",
        "answerType": "cancel",
        "message": {"text": "t"},
    }


def test_command_answer_text_limits() -> None:
    command_answer_payload("id", "message", "x")
    command_answer_payload("id", "message", "x" * 255)
    with pytest.raises(ValueError, match=r"^text must be 1-255 characters"):
        command_answer_payload("id", "message", "x" * 256)
    with pytest.raises(ValueError, match=r"^text must be 1-255 characters"):
        command_answer_payload("id", "message", "")
    with pytest.raises(ValueError, match=r"^text must contain only ASCII"):
        command_answer_payload("id", "message", "привет")


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"answer_type": "done"}, "answer_type"),
        ({"status": "great"}, "status"),
        ({"visibility": "loud"}, "visibility"),
        ({"level": "debug"}, "level"),
    ],
)
def test_command_answer_enums(kwargs: dict[str, str], name: str) -> None:
    args: dict[str, Any] = {"command_id": "id", "answer_type": "complete", "text": "t", **kwargs}
    with pytest.raises(ValueError, match=rf"^{name} must be one of"):
        command_answer_payload(**args)


def test_command_answer_enum_values() -> None:
    assert [t.value for t in AnswerType] == ["complete", "timeout", "cancel", "message"]
    assert [s.value for s in AnswerStatus] == [
        "unknown", "pending", "running", "ok", "failed", "canceled", "timeout"
    ]
    assert [v.value for v in AnswerVisibility] == ["default", "toast", "sticky", "alert"]
    assert [lv.value for lv in AnswerLevel] == ["info", "warning", "error", "critical"]


def test_command_answer_object() -> None:
    answer = CommandAnswer("id", "timeout", "late", level=AnswerLevel.ERROR)
    assert answer.answer_type is AnswerType.TIMEOUT
    assert answer.to_payload()["message"] == {"text": "late", "level": "error"}
    with pytest.raises(ValueError, match=r"^command_id must not be empty"):
        CommandAnswer("", "timeout", "late")
