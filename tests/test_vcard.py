"""The vCard reader (trueconf_sync.text.vcard) and Contact.from_vcard: SDK-test cases and round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from trueconf_sync.api.models import Contact
from trueconf_sync.text.vcard import parse_vcard

IPHONE = ("BEGIN:VCARD\nVERSION:3.0\nPRODID:-//Apple Inc.//iPhone OS 18.7.2//EN\nN:Бааджи;Антон;;;\n"
          "FN:Антон Бааджи\nTEL;TYPE=CELL:+7123456789\nEND:VCARD\n")


def test_structured_name_and_phone() -> None:
    contact = Contact.from_vcard(IPHONE)
    assert contact is not None
    assert (contact.first_name, contact.last_name, contact.name) == ("Антон", "Бааджи", "Антон Бааджи")
    assert contact.phone_number == "+7123456789" and contact.user_id is None
    assert contact.vcard == IPHONE


@pytest.mark.parametrize(("card", "first", "last"), [
    ("BEGIN:VCARD\nVERSION:3.0\nFN:Anton Baadzhi\nEND:VCARD\n", "Anton Baadzhi", None),  # no N: FN
    ("BEGIN:VCARD\nVERSION:3.0\nFN:Anton \n Baadzhi\nEND:VCARD\n", "Anton Baadzhi", None),  # folded
    ("BEGIN:VCARD\nVERSION:3.0\nN:Doe;John\\;Smith;;;\nEND:VCARD\n", "John;Smith", "Doe"),
    ("BEGIN:VCARD\nVERSION:3.0\nN:Doe;John\\,Jr\\\\;;;\nEND:VCARD\n", "John,Jr\\", "Doe"),
    ("BEGIN:VCARD\nVERSION:3.0\nNICKNAME:Bob\nN:Doe;John;;;\nEND:VCARD\n", "John", "Doe"),
    ("BEGIN:VCARD\nVERSION:3.0\nEND:VCARD\n", "", None),
    ("BEGIN:VCARD\nVERSION:2.1\nFN;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:=D0=90=D0=BD=D1=82=D0=BE=D0=BD\n"
     "END:VCARD\n", "Антон", None),
    ("BEGIN:VCARD\nVERSION:2.1\nFN;QUOTED-PRINTABLE;CHARSET=UTF-8:=D0=90=D0=BD=\n=D1=82=D0=BE=D0=BD\nEND:VCARD\n",
     "Антон", None),  # bare 2.1 parameter and a soft line break
])
def test_names(card: str, first: str, last: str | None) -> None:
    contact = Contact.from_vcard(card)
    assert contact is not None and (contact.first_name, contact.last_name) == (first, last)


def test_not_a_vcard() -> None:
    assert Contact.from_vcard("hello world") is None
    assert parse_vcard("") is None


def test_phones_emails_trueconf_id_groups_and_parameters() -> None:
    card = parse_vcard(
        "\ufeffBEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jane\r\nTEL;VALUE=uri;TYPE=\"cell,voice\":tel:+1-555-0100\r\n"
        "item1.TEL;type=WORK:+1 555 0101\r\nTEL:\r\nEMAIL;TYPE=work:mailto:jane@example.com\r\n"
        "EMAIL;PREF=1:j@example.org\r\nX-ABLabel;LABEL=\"a;b:c\":odd\r\nNOTE:line one\\nline two\r\n"
        "IMPP;X-SERVICE-TYPE=TrueConf:trueconf:jane@video.example.com\r\nEND:VCARD\r\n")
    assert card is not None and card.version == "4.0"
    assert card.phones == ("+1-555-0100", "+1 555 0101")
    assert card.emails == ("jane@example.com", "j@example.org")
    assert card.trueconf_id == "jane@video.example.com"
    assert card.first("TEL") is not None and card.first("TEL").types == ("cell", "voice")  # type: ignore[union-attr]
    assert [p.group for p in card.all("tel")] == [None, "item1", None]
    assert card.first("X-ABLABEL").params["LABEL"] == ("a;b:c",)  # type: ignore[union-attr]
    assert card.first("NOTE").value == "line one\nline two"  # type: ignore[union-attr]


def test_trueconf_id_from_an_x_property_and_only_the_first_card() -> None:
    text = ("BEGIN:VCARD\nVERSION:3.0\nFN:A\nX-TRUECONF-ID:a@srv\nEND:VCARD\n"
            "BEGIN:VCARD\nVERSION:3.0\nFN:B\nTEL:1\nEND:VCARD\n")
    contact = Contact.from_vcard(text)
    assert contact is not None and contact.user_id == "a@srv" and contact.name == "A" and contact.phones == ()


def test_a_nested_agent_card_is_not_merged_and_a_cut_card_keeps_what_was_read() -> None:
    card = parse_vcard("BEGIN:VCARD\nFN:Boss\nAGENT:\nBEGIN:VCARD\nFN:Secretary\nTEL:2\nEND:VCARD\nTEL:1\nEND:VCARD")
    assert card is not None and card.formatted_name == "Boss" and card.phones == ("1",)
    cut = parse_vcard("BEGIN:VCARD\nFN:Half\nTEL:3")
    assert cut is not None and cut.formatted_name == "Half" and cut.phones == ("3",)


# ---- round trips: whatever a writer escapes and folds comes back unchanged --------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).map(str.strip)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str, width: int) -> str:
    """RFC 6350 folding: break every ``width`` characters, continuation lines start with a space."""
    parts = [line[i:i + width] for i in range(0, len(line), width)] or [""]
    return "\r\n ".join(parts)


@settings(max_examples=150, deadline=None)
@given(given_name=_TEXT, family=_TEXT, formatted=_TEXT.filter(bool),
       phones=st.lists(st.from_regex(r"\+?[0-9][0-9 ()-]{2,15}[0-9]", fullmatch=True), max_size=3),
       emails=st.lists(st.emails(), max_size=3), width=st.integers(5, 75), newline=st.sampled_from(["\r\n", "\n"]))
def test_round_trip(given_name: str, family: str, formatted: str, phones: list[str], emails: list[str],
                    width: int, newline: str) -> None:
    lines = ["BEGIN:VCARD", "VERSION:4.0", f"N:{_escape(family)};{_escape(given_name)};;;",
             f"FN:{_escape(formatted)}"]
    lines += [f"TEL;TYPE=cell:{phone}" for phone in phones] + [f"EMAIL:{email}" for email in emails]
    text = "\r\n".join(_fold(line, width) for line in [*lines, "END:VCARD"]).replace("\r\n", newline)
    contact = Contact.from_vcard(text)
    assert contact is not None
    assert (contact.first_name, contact.last_name) == (given_name, family or None)
    assert contact.name == formatted
    assert contact.phones == tuple(phones) and contact.emails == tuple(emails)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_is_read_without_raising(text: str) -> None:
    card = parse_vcard("BEGIN:VCARD\n" + text)
    assert card is not None or text[:1] in (" ", "\t")  # a leading blank folds into BEGIN:VCARD itself
    Contact.from_vcard("BEGIN:VCARD\n" + text)
