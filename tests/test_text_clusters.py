"""split_text cuts only between user-perceived characters (issue 18 item 15): flags, emoji ZWJ and modifier
sequences, tag sequences, combining marks, Hangul syllables and CR LF stay whole."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from trueconf_sync.formatting import split_text
from trueconf_sync.text.clusters import is_boundary

US, GB, FR = "\U0001f1fa\U0001f1f8", "\U0001f1ec\U0001f1e7", "\U0001f1eb\U0001f1f7"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
THUMB = "\U0001f44d\U0001f3fd"
SCOTLAND = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
CLUSTERS = [US, GB, FR, FAMILY, THUMB, SCOTLAND, "e\u0301", "\u1100\u1161\u11a8", "\uac01", "\r\n", "a", " ",
            "\n", "\u0915\u094d\u0937", "\u2764\ufe0f"]


def clusters_of(text: str) -> list[str]:
    cuts = [i for i in range(1, len(text)) if is_boundary(text, i)]
    return [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)])]


@pytest.mark.parametrize("cluster", CLUSTERS)
def test_known_clusters_are_one(cluster: str) -> None:
    assert clusters_of(cluster) == [cluster]
    assert clusters_of("x" + cluster + cluster + "y") == ["x", cluster, cluster, "y"]


def test_a_flag_never_becomes_another_flag() -> None:
    assert split_text(US + GB + FR, 3) == [US, GB, FR]  # cutting after 3 code points made "SG" + "B"
    assert split_text("ab" + US, 3) == ["ab", US]
    assert split_text("a" + US + US, 4) == ["a", US, US] or split_text("a" + US + US, 4) == ["a" + US, US]


def test_sequences_stay_whole() -> None:
    assert split_text("ab" + FAMILY + "cd", 6) == ["ab", FAMILY + "c", "d"]
    assert split_text(THUMB * 2, 3) == [THUMB, THUMB]
    assert split_text(SCOTLAND + "x", 7) == [SCOTLAND, "x"]
    assert split_text("a\r\nb", 2) == ["a", "\r\n", "b"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(CLUSTERS), min_size=1, max_size=40), st.integers(min_value=8, max_value=30))
def test_parts_join_back_and_cut_only_at_boundaries(pieces: list[str], limit: int) -> None:
    text = "".join(pieces)
    parts = split_text(text, limit)
    assert "".join(parts) == text
    position = 0
    for part in parts[:-1]:
        position += len(part)
        assert is_boundary(text, position), (text, parts)  # no cluster here is longer than 8


def test_html_cuts_neither_entities_tags_nor_clusters() -> None:
    text = "<b>" + "&amp;" * 3 + US + GB + "</b>" + FAMILY
    parts = split_text(text, 7, parse_mode="html")
    for part in parts:
        assert part.count("&") == part.count("&amp;") and part.count("<") == part.count(">")
    assert "".join(p.replace("<b>", "").replace("</b>", "") for p in parts) == text.replace("<b>", "").replace(
        "</b>", "")
    assert all(US not in p or p.count("\U0001f1fa") == p.count("\U0001f1f8") for p in parts)
