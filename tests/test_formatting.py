"""trueconf_sync.formatting: builders, escaping, FormattedText and visible_length."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, strategies as st

from trueconf_sync.text.formatting import (
    MAX_TEXT_LENGTH,
    FormattedText,
    ParseMode,
    html,
    markdown,
    visible_length,
)

HOSTILE = [
    "<b>not bold</b>",
    "a & b",
    'say "hi"',
    "2*3*4",
    "snake_case_name",
    "~~gone~~",
    "[x](y)",
    "back\\slash",
    "> not a quote",
    "&amp; stays literal",
]


def _html_unescape(text: str) -> str:
    text = text.replace("<br>", "\n")
    for entity, char in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&amp;", "&")):
        text = text.replace(entity, char)
    return text


def _md_unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


# ---------------------------------------------------------------------------
# ParseMode / MAX_TEXT_LENGTH


def test_parse_mode_values() -> None:
    assert [m.value for m in ParseMode] == ["text", "markdown", "html"]
    assert ParseMode("html") is ParseMode.HTML
    assert isinstance(ParseMode.HTML, str)
    assert str(ParseMode.MARKDOWN) == "markdown"
    assert MAX_TEXT_LENGTH == 4096


# ---------------------------------------------------------------------------
# escaping


@pytest.mark.parametrize("user_text", HOSTILE)
def test_html_text_is_escaped_and_shown_literally(user_text: str) -> None:
    out = html.text(user_text)
    assert out.parse_mode is ParseMode.HTML
    assert _html_unescape(out.text) == user_text
    # no raw markup character survives
    assert "<b>" not in out.text and '"' not in out.text
    assert re.search(r"&(?!amp;|lt;|gt;|quot;)", out.text) is None


@pytest.mark.parametrize("user_text", HOSTILE)
def test_markdown_text_is_escaped_and_shown_literally(user_text: str) -> None:
    out = markdown.text(user_text)
    assert out.parse_mode is ParseMode.MARKDOWN
    assert _md_unescape(out.text) == user_text
    # every marker character is preceded by a backslash
    assert re.search(r"(?<!\\)[*_~\[\]()>]", out.text.replace("\\\\", "")) is None


def test_html_escape_exact() -> None:
    assert html.escape('<b>&"x"</b>') == "&lt;b&gt;&amp;&quot;x&quot;&lt;/b&gt;"
    assert html.escape("l1\nl2\r\nl3\rl4") == "l1<br>l2<br>l3<br>l4"
    assert html.escape("it's") == "it's"


def test_markdown_escape_exact() -> None:
    assert markdown.escape(r"*a_b~[c](d)>e\f") == r"\*a\_b\~\[c\]\(d\)\>e\\f"
    assert markdown.escape("# heading - list `code`") == "# heading - list `code`"


@pytest.mark.slow
@given(st.text())
def test_html_escape_roundtrip(s: str) -> None:
    out = html.text(s).text
    assert "<" not in out.replace("<br>", "")
    expected = s.replace("\r\n", "\n").replace("\r", "\n")
    assert _html_unescape(out) == expected


@given(st.text())
def test_markdown_escape_roundtrip(s: str) -> None:
    assert _md_unescape(markdown.text(s).text) == s


# ---------------------------------------------------------------------------
# styles


def test_html_styles() -> None:
    assert html.bold("x").text == "<b>x</b>"
    assert html.italic("x").text == "<i>x</i>"
    assert html.underline("x").text == "<u>x</u>"
    assert html.strike("x").text == "<s>x</s>"
    assert html.line_break().text == "<br>"


def test_markdown_styles() -> None:
    assert markdown.bold("x").text == "**x**"
    assert markdown.italic("x").text == "_x_"
    assert markdown.strike("x").text == "~~x~~"
    assert markdown.line_break().text == "\n"


def test_unsupported_styles_emit_plain_escaped_text() -> None:
    # §5.9: no underline in Markdown, no code/pre anywhere
    assert markdown.underline("a_b").text == r"a\_b"
    assert markdown.code("x*y").text == r"x\*y"
    assert markdown.pre("x*y\nz").text == "x\\*y\nz"
    assert html.code("<x>").text == "&lt;x&gt;"
    assert html.pre("a\nb").text == "a<br>b"
    for out in (markdown.code("c"), markdown.pre("c"), markdown.underline("c")):
        assert "`" not in out.text and "__" not in out.text


def test_nesting_does_not_reescape_formatted_parts() -> None:
    out = html.bold("Alert: ", html.italic("<script>"))
    assert out.text == "<b>Alert: <i>&lt;script&gt;</i></b>"
    md = markdown.bold("Alert: ", markdown.italic("*x*"))
    assert md.text == r"**Alert: _\*x\*_**"


def test_markdown_whitespace_moves_outside_markers() -> None:
    assert markdown.bold(" x ").text == " **x** "
    assert markdown.italic("a\n").text == "_a_\n"
    assert markdown.bold("   ").text == "   "


def test_empty_styles_render_nothing() -> None:
    assert html.bold("").text == ""
    assert markdown.bold("").text == ""
    assert html.italic(html.text("")).text == ""


def test_links() -> None:
    assert html.link("site", 'https://e.com/?a=1&b="2"').text == (
        '<a href="https://e.com/?a=1&amp;b=&quot;2&quot;">site</a>'
    )
    assert markdown.link("a [b]", "https://e.com/x_(y) z").text == (
        r"[a \[b\]](https://e.com/x_\(y\)%20z)"
    )
    assert html.link("", "https://e.com").text == '<a href="https://e.com">https://e.com</a>'
    with pytest.raises(ValueError, match="url"):
        html.link("x", "")
    with pytest.raises(ValueError, match="url"):
        markdown.link("x", "")


def test_mentions_match_protocol_examples() -> None:
    # §5.9 examples
    assert html.mention("john_doe@video.example.com", "John Doe").text == (
        '<a href="trueconf:john_doe@video.example.com">John Doe</a>'
    )
    assert markdown.mention("john_doe@video.example.com", "John Doe").text == (
        "[John Doe](trueconf:john_doe@video.example.com)"
    )
    assert html.mention("jane@s").text == '<a href="trueconf:jane@s">jane@s</a>'
    assert markdown.mention("trueconf:jane@s").text == r"[trueconf:jane@s](trueconf:jane@s)"
    assert html.mention_all().text == "@all"
    assert markdown.mention_all().text == "@all"
    with pytest.raises(ValueError, match="user_id"):
        html.mention(" ")


def test_mention_label_is_escaped() -> None:
    assert html.mention("u@s", "<i>x</i>").text == '<a href="trueconf:u@s">&lt;i&gt;x&lt;/i&gt;</a>'
    assert markdown.mention("u@s", "[x]").text == r"[\[x\]](trueconf:u@s)"


def test_quote_matches_protocol_example() -> None:
    # §12.3: <quote class="reply">QUOTE</quote><br><br>reply
    out = html.quote("Order #42") + "Thanks!"
    assert out.text == '<quote class="reply">Order #42</quote><br><br>Thanks!'
    md = markdown.quote("Order #42") + "Thanks!"
    assert md.text == ">Order #42\n\nThanks!"
    assert markdown.quote("a\nb").text == ">a\n>b\n\n"


# ---------------------------------------------------------------------------
# FormattedText composition


def test_add_escapes_plain_strings() -> None:
    out = html.bold("x") + " & <y>"
    assert out == FormattedText("<b>x</b> &amp; &lt;y&gt;", ParseMode.HTML)
    out = "1*2 " + markdown.bold("x")
    assert out == FormattedText(r"1\*2 **x**", "markdown")
    assert str(out) == out.text == r"1\*2 **x**"
    assert out.parse_mode is ParseMode.MARKDOWN


def test_add_same_mode() -> None:
    assert (html.bold("a") + html.italic("b")).text == "<b>a</b><i>b</i>"


def test_mixing_modes_raises() -> None:
    with pytest.raises(ValueError, match="html"):
        html.bold("a") + markdown.bold("b")
    with pytest.raises(ValueError, match="markdown"):
        html.bold("a", markdown.italic("b"))
    with pytest.raises(ValueError):
        markdown.text("x").join([html.text("y")])


def test_add_rejects_other_types() -> None:
    with pytest.raises(TypeError):
        html.text("a") + 1  # type: ignore[operator]
    with pytest.raises(TypeError):
        html.bold(1)  # type: ignore[arg-type]


def test_join() -> None:
    out = html.text(", ").join(["a&b", html.bold("c")])
    assert out.text == "a&amp;b, <b>c</b>"
    assert out.parse_mode is ParseMode.HTML


def test_formatted_text_is_immutable_and_hashable() -> None:
    out = html.bold("x")
    with pytest.raises(AttributeError):
        out.text = "y"  # type: ignore[misc]
    assert {out, html.bold("x")} == {out}
    assert not html.text("")
    assert html.text("a")


def test_formatted_text_validates_mode() -> None:
    with pytest.raises(ValueError, match="parse_mode"):
        FormattedText("x", "rtf")
    assert FormattedText("x", "HTML").parse_mode is ParseMode.HTML
    assert FormattedText("x").parse_mode is ParseMode.TEXT


# ---------------------------------------------------------------------------
# visible_length (§8, §12.3)

URL = "https://example.com"  # 19 characters

VISIBLE_CASES = [
    # text mode: everything counts
    ("text", "<b>x</b>", 8),
    ("text", "**x**", 5),
    ("text", "👍🏽é", 3),
    ("text", "", 0),
    # html: b/i/u/s/quote/br tags and closers are 0
    ("html", "<b>bold</b>", 4),
    ("html", "<i>i</i><u>u</u><s>s</s>", 3),
    ("html", "<B>x</B>", 1),
    ('html', '<i style="color:red">x</i>', 1),
    ("html", f'<a href="{URL}">site</a>', 4 + 1 + 19),
    ("html", "<a>x</a>", 1),
    ("html", '<quote class="reply">Order #42</quote><br><br>Thanks!', 9 + 7),
    ("html", "a<br/>b<br />c", 3),
    ("html", "&amp;", 5),  # §8 counts entities as written
    ("html", "<code>x</code>", 14),  # unknown tags are not in the rule
    ("html", "**x**", 5),
    ("html", "👍", 1),
    # markdown: markers *, _, ~ are 0; [L](U) = L + 1 + U; leading > is 0
    ("markdown", "**bold**", 4),
    ("markdown", "__b__ *i* _i_ ~~s~~", 7),
    ("markdown", f"[site]({URL})", 4 + 1 + 19),
    ("markdown", "[John Doe](trueconf:john_doe@video.example.com)", 8 + 1 + 35),
    ("markdown", ">Order #42\n\nThanks!", 9 + 2 + 7),
    ("markdown", "a>b", 3),
    ("markdown", "x\n>y", 3),
    ("markdown", r"\*", 1),
    ("markdown", r"\[", 2),
    ("markdown", "<b>x</b>", 8),
]


@pytest.mark.parametrize(("mode", "text", "expected"), VISIBLE_CASES)
def test_visible_length_table(mode: str, text: str, expected: int) -> None:
    assert visible_length(text, mode) == expected
    assert visible_length(text, ParseMode(mode)) == expected


def test_visible_length_defaults_to_text_mode() -> None:
    assert visible_length("<b>x</b>") == 8


def test_visible_length_of_formatted_text_uses_its_mode() -> None:
    out = html.bold("hi ", html.link("site", URL))
    assert visible_length(out) == 3 + 4 + 1 + 19
    assert out.visible_length() == 3 + 4 + 1 + 19
    assert visible_length(markdown.bold("a*b")) == 3  # a \* b: backslash counts, * does not
    with pytest.raises(ValueError, match="parse_mode"):
        visible_length(out, "markdown")


def test_visible_length_rejects_bad_mode() -> None:
    with pytest.raises(ValueError, match="parse_mode"):
        visible_length("x", "bbcode")


@given(st.text())
def test_visible_length_text_mode_is_code_points(s: str) -> None:
    assert visible_length(s, "text") == len(s)


@given(st.text(alphabet=st.characters(blacklist_characters="<>&\"\r\n")))
def test_html_builder_text_counts_its_characters(s: str) -> None:
    assert visible_length(html.bold(s)) == len(s)


@given(st.text(alphabet=st.characters(blacklist_characters="\\[]()>*_~")))
def test_markdown_builder_text_counts_its_characters(s: str) -> None:
    assert visible_length(markdown.italic(s)) == len(s)


@pytest.mark.parametrize("mode", ["text", "markdown", "html"])
def test_a_cr_lf_line_break_counts_two_code_points_in_every_mode(mode: str) -> None:
    # §8 counts code points: the markup modes once counted CR LF as one (found by hypothesis: "\r\n").
    assert visible_length("a\r\nb", mode) == 4
    assert visible_length("a\nb", mode) == 3
