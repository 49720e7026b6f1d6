"""trueconf_sync.formatting.split_text: properties and concrete cases."""

from __future__ import annotations

import itertools
import re
import unicodedata

import pytest
from hypothesis import assume, given, strategies as st

from trueconf_sync.text.formatting import (
    FormattedText,
    HTMLBuilder,
    MarkdownBuilder,
    html,
    markdown,
    split_text,
    visible_length,
)

# ---------------------------------------------------------------------------
# strategies

PIECES = [" ", "  ", "\n", "\n\n", "\r\n", "\t", "e\u0301", "👍🏽", "a\u200db", "word"]
PIECES.append("x" * 12)
SPECIALS = [*"&<>\"'*_~[]()\\#`", "<b>", "&amp;", "**", "[x](y)"]

plain_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.sampled_from(SPECIALS), st.text(max_size=8)),
    max_size=30,
).map("".join)

URLS = st.sampled_from(["https://e.com", "https://example.com/a_b(c)?q=1&r=2", "mailto:x@y.z"])
USERS = st.sampled_from(["john_doe@video.example.com", "jane@s"])


def formatted(
    builder: HTMLBuilder | MarkdownBuilder, links: bool = True
) -> st.SearchStrategy[FormattedText]:
    leaves = [plain_text.map(builder.text), st.just(builder.line_break())]
    if links:
        label = st.text(max_size=10)
        leaves += [st.builds(builder.link, label, URLS), st.builds(builder.mention, USERS)]

    def extend(children: st.SearchStrategy[FormattedText]) -> st.SearchStrategy[FormattedText]:
        parts = st.lists(children, min_size=1, max_size=4)
        styles = [builder.text, builder.bold, builder.italic, builder.strike, builder.underline]
        return st.one_of(
            *[parts.map(lambda ps, f=f: f(*ps)) for f in styles],  # type: ignore[misc]
            parts.map(lambda ps: builder.quote(*ps)),
        )

    return st.recursive(st.one_of(*leaves), extend, max_leaves=12)


# ---------------------------------------------------------------------------
# helpers

_TAG_RE = re.compile(r"<(/?)(b|i|u|s|a|quote)\b[^<>]*>")
_ANY_TAG_RE = re.compile(r"</?(?:b|i|u|s|a|quote|br)\b[^<>]*>")


def _balanced(part: str) -> bool:
    stack: list[str] = []
    for m in _TAG_RE.finditer(part):
        if m.group(1):
            if not stack or stack[-1] != m.group(2):
                return False
            stack.pop()
        else:
            stack.append(m.group(2))
    return not stack


def _strip_tags(text: str) -> str:
    return _ANY_TAG_RE.sub("", text)


def _links_fit(text: str, limit: int) -> bool:
    return all(visible_length(m, "html") <= limit for m in re.findall(r"<a .*?</a>", text, re.S))


# ---------------------------------------------------------------------------
# properties: text mode


@given(plain_text, st.integers(1, 40))
def test_text_parts_fit_and_join_back(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert "".join(parts) == text
    assert all(1 <= len(p) <= limit for p in parts)


MARKS = ("Mn", "Mc", "Me")


def _longest_mark_run(text: str) -> int:
    longest = run = 0
    for ch in text:
        run = run + 1 if unicodedata.category(ch) in MARKS else 0
        longest = max(longest, run)
    return longest


@given(plain_text, st.integers(2, 40))
def test_text_does_not_cut_before_combining_marks(text: str, limit: int) -> None:
    marks = [i for i, ch in enumerate(text) if unicodedata.category(ch) in MARKS]
    assume(all(i > 0 and not text[i - 1].isspace() for i in marks))  # marks follow a letter
    assume(_longest_mark_run(text) < limit)  # each letter with its marks fits
    for part in split_text(text, limit)[1:]:
        assert unicodedata.category(part[0]) not in MARKS


@given(plain_text, st.integers(1, 40))
def test_text_cuts_only_at_whitespace_when_words_are_short(text: str, limit: int) -> None:
    words = re.split(r"\s+", text)
    assume(all(len(w) <= limit for w in words))
    parts = split_text(text, limit)
    for left, right in itertools.pairwise(parts):
        assert left[-1].isspace() or right[0].isspace()


# ---------------------------------------------------------------------------
# properties: html mode


@given(formatted(html), st.integers(6, 60))
def test_html_parts_fit_and_are_balanced(text: FormattedText, limit: int) -> None:
    parts = split_text(text.text, limit, parse_mode="html")
    for part in parts:
        assert visible_length(part, "html") <= limit
        assert _balanced(part), part


@given(formatted(html), st.integers(6, 60))
def test_html_never_cuts_inside_entity_or_tag(text: FormattedText, limit: int) -> None:
    for part in split_text(text, limit):
        # every '&' still starts a whole entity, every '<' a whole tag
        assert re.search(r"&(?!amp;|lt;|gt;|quot;)", part) is None, part
        assert re.search(r"<(?![^<>]*>)", part) is None, part


@given(formatted(html), st.integers(6, 60))
def test_html_keeps_content_when_links_fit(text: FormattedText, limit: int) -> None:
    assume(_links_fit(text.text, limit))
    parts = split_text(text, limit)
    assert "".join(_strip_tags(p) for p in parts) == _strip_tags(text.text)


# ---------------------------------------------------------------------------
# properties: markdown mode


@given(formatted(markdown), st.integers(2, 60))
def test_markdown_parts_fit(text: FormattedText, limit: int) -> None:
    for part in split_text(text, limit):
        assert visible_length(part, "markdown") <= limit


@given(formatted(markdown, links=False), st.integers(2, 60))
def test_markdown_joins_back_and_never_splits_an_escape(text: FormattedText, limit: int) -> None:
    parts = split_text(text.text, limit, parse_mode="markdown")
    assert "".join(parts) == text.text
    for part in parts:
        trailing = len(part) - len(part.rstrip("\\"))
        assert trailing % 2 == 0, part


# ---------------------------------------------------------------------------
# concrete cases


def test_short_text_is_returned_unchanged() -> None:
    assert split_text("hello") == ["hello"]
    assert split_text("x" * 4096) == ["x" * 4096]
    assert split_text("") == []


def test_default_limit_is_4096() -> None:
    parts = split_text("x" * 5000)
    assert [len(p) for p in parts] == [4096, 904]


def test_prefers_paragraph_then_line_then_word() -> None:
    text = "aaa bbb\nccc\n\nddd eee"
    assert split_text(text, 15) == ["aaa bbb\nccc\n\n", "ddd eee"]
    assert split_text("aaa bbb\nccc ddd", 12) == ["aaa bbb\n", "ccc ddd"]
    # an earlier blank line wins over a later line break
    assert split_text("aa\n\nbb\ncc dd", 10) == ["aa\n\n", "bb\ncc dd"]
    # a blank line may contain spaces
    assert split_text("aa\n \nbb\ncc dd", 10) == ["aa\n \n", "bb\ncc dd"]
    assert split_text("aaa bbb ccc", 9) == ["aaa bbb ", "ccc"]
    assert split_text("abcdefghij", 4) == ["abcd", "efgh", "ij"]


def test_word_that_ends_at_the_limit_keeps_the_space_for_the_next_part() -> None:
    assert split_text("abcd efgh", 4) == ["abcd", " ", "efgh"]


def test_html_reopens_tags_after_a_cut() -> None:
    text = html.bold("one two ", html.italic("three four"))
    assert split_text(text, 8) == [
        "<b>one two </b>",
        "<b><i>three </i></b>",
        "<b><i>four</i></b>",
    ]


def test_html_keeps_attributes_when_reopening_and_closing_tags_stay_with_text() -> None:
    text = '<quote class="reply">aaaa bbbb</quote><br><br>cccc'
    assert split_text(text, 6, parse_mode="html") == [
        '<quote class="reply">aaaa </quote>',
        '<quote class="reply">bbbb</quote><br><br>',
        "cccc",
    ]


def test_html_cut_leaves_no_empty_tag_pairs() -> None:
    # a closing tag stays with the text before the cut ...
    assert split_text("<b>aaa </b>bbb", 5, parse_mode="html") == ["<b>aaa </b>", "bbb"]
    # ... and an opening tag moves to the text after it
    assert split_text("abc<b>def</b>", 3, parse_mode="html") == ["abc", "<b>def</b>"]


def test_html_br_counts_as_line_break() -> None:
    text = "aaa<br>bbb ccc"
    assert split_text(text, 8, parse_mode="html") == ["aaa<br>", "bbb ccc"]


def test_html_entity_is_not_split() -> None:
    assert split_text("ab&amp;cd", 5, parse_mode="html") == ["ab", "&amp;", "cd"]


def test_html_link_is_kept_whole_or_degraded() -> None:
    link = html.link("site", "https://e.com")  # 4 + 1 + 13 = 18
    text = html.text("aaaa ") + link
    assert split_text(text, 20) == ["aaaa ", '<a href="https://e.com">site</a>']
    assert split_text(text, 10) == ["aaaa site ", "https://e.", "com"]


def test_html_unclosed_nested_link_is_closed_not_reopened() -> None:
    # reopening <a href="U"> would count 1 + len(U) again and overflow the part
    a = '<a href="http://x">'
    parts = split_text(a + a + "</a>" + "a" * 10, 18, parse_mode="html")
    assert parts == [a + a + "</a></a>", "a" * 10]


def test_markdown_escape_is_not_split() -> None:
    text = markdown.text("a[b")  # a \[ b: weights 1 + 2 + 1
    assert split_text(text, 2) == ["a", "\\[", "b"]
    assert split_text(markdown.text("a*b*c"), 2) == ["a\\*", "b\\*", "c"]


def test_markdown_link_is_kept_whole_or_degraded() -> None:
    link = markdown.link("site", "https://e.com")
    assert split_text(markdown.text("aaaa ") + link, 20) == ["aaaa ", "[site](https://e.com)"]
    assert split_text(link, 10) == ["site ", "https://e.", "com"]


def test_combining_marks_stay_with_their_base() -> None:
    text = "e\u0301" * 5
    assert split_text(text, 3) == ["e\u0301", "e\u0301", "e\u0301", "e\u0301", "e\u0301"]
    # a cluster longer than the limit is cut by code points
    assert split_text("e\u0301\u0302", 2) == ["e\u0301", "\u0302"]


def test_formatted_text_input_uses_its_mode() -> None:
    assert split_text(html.bold("aaaa bbbb"), 5) == ["<b>aaaa </b>", "<b>bbbb</b>"]
    with pytest.raises(ValueError, match="parse_mode"):
        split_text(html.bold("x"), 5, parse_mode="text")


@pytest.mark.parametrize("limit", [0, -1, -4096])
def test_limit_below_one_is_rejected(limit: int) -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text("abc", limit)


@pytest.mark.parametrize("limit", [1.5, "10", True])
def test_limit_must_be_an_int(limit: object) -> None:
    with pytest.raises(TypeError, match="limit"):
        split_text("abc", limit)  # type: ignore[arg-type]


def test_limit_smaller_than_an_unbreakable_unit_is_rejected() -> None:
    with pytest.raises(ValueError, match="limit"):
        split_text("&amp;&amp;", 4, parse_mode="html")
    with pytest.raises(ValueError, match="limit"):
        split_text(markdown.text("[[["), 1)


def test_unknown_parse_mode_is_rejected() -> None:
    with pytest.raises(ValueError, match="parse_mode"):
        split_text("abc", 1, parse_mode="rtf")
