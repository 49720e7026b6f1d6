"""A small reader of vCard text (versions 2.1, 3.0 and 4.0): contacts shared as ``.vcf`` files.

Phones share contacts as vCard attachments (``text/vcard``, PROTOCOL §12.9); the model layer turns
them into :class:`~trueconf_sync.models.Contact`. This module is pure text processing with no
dependency: it reads the first ``BEGIN:VCARD`` .. ``END:VCARD`` block and handles what real
exports contain:

* line folding (RFC 6350 §3.2: a line starting with a space or tab continues the previous one),
  and the quoted-printable soft line breaks of vCard 2.1 (a value line ending with ``=``);
* property groups (``item1.TEL``), parameters with lists and quoted values
  (``TYPE="cell,voice"``), the bare parameters of 2.1 (``TEL;CELL``, ``FN;QUOTED-PRINTABLE``)
  and the caret escapes of RFC 6868 (``^n``, ``^'``, ``^^``);
* value escapes (``\\n``, ``\\,``, ``\\;``, ``\\\\``), structured values (``N`` split on
  unescaped ``;``), quoted-printable with ``CHARSET``, and ``tel:`` / ``mailto:`` URIs.

Reading is lenient: lines it cannot read are skipped, never raised on. Only text that holds no
``BEGIN:VCARD`` at all is refused (``parse_vcard`` returns ``None``).
"""

from __future__ import annotations

import quopri
import re

import attrs

__all__ = ["VCard", "VCardProperty", "parse_vcard"]

_NEWLINE = re.compile(r"\r\n|\r|\n")
_VALUE_ESCAPE = re.compile(r"\\(.)", re.S)
_CARET = re.compile(r"\^(.)", re.S)
_CARET_MAP = {"n": "\n", "'": '"', "^": "^"}
# Bare 2.1 parameters that are really encodings; other bare ones are TYPE values (TEL;CELL).
_BARE_ENCODINGS = frozenset({"QUOTED-PRINTABLE", "BASE64", "8BIT", "7BIT", "B"})
# Where a TrueConf ID may be written: IMPP/URL/X-SOCIALPROFILE with the trueconf: scheme, or an
# X- property of TrueConf's own [INF: no TrueConf export was available to check the exact name].
_TRUECONF_PROPS = ("X-TRUECONF-ID", "X-TRUECONF")
_TRUECONF_URI = re.compile(r"^\s*trueconf:(?://)?(?P<id>[^?&\s]+)", re.I)


@attrs.frozen
class VCardProperty:
    """One content line: ``group.NAME;PARAM=a,b:value`` with the value decoded and unescaped.

    ``name`` and the parameter names are upper-case; ``params`` maps each parameter name to its
    values (a bare 2.1 parameter such as ``CELL`` counts as a ``TYPE`` value). ``raw_value`` is the
    value after quoted-printable decoding but before unescaping (structured values split on it).
    """

    name: str
    value: str
    params: dict[str, tuple[str, ...]] = attrs.field(factory=dict)
    group: str | None = None
    raw_value: str = ""

    @property
    def types(self) -> tuple[str, ...]:
        """The ``TYPE`` values, lower-case (``("cell", "voice")``)."""
        return tuple(t.lower() for t in self.params.get("TYPE", ()))

    def components(self) -> list[str]:
        """A structured value (``N``, ``ADR``) split on unescaped ``;``, each part unescaped."""
        return [unescape(part) for part in _split_unescaped(self.raw_value, ";")]


@attrs.frozen
class VCard:
    """The first vCard found in a text: its properties in order, with shortcuts for the common ones.

    ``text`` is the input exactly as given (before unfolding).
    """

    properties: tuple[VCardProperty, ...] = ()
    text: str = attrs.field(default="", repr=False)

    def all(self, name: str) -> list[VCardProperty]:
        """Every property called ``name`` (case-insensitive), in order."""
        wanted = name.upper()
        return [prop for prop in self.properties if prop.name == wanted]

    def first(self, name: str) -> VCardProperty | None:
        """The first property called ``name``, or None."""
        found = self.all(name)
        return found[0] if found else None

    @property
    def version(self) -> str | None:
        """``VERSION`` (``"2.1"``, ``"3.0"``, ``"4.0"``), or None."""
        prop = self.first("VERSION")
        return prop.value.strip() if prop is not None else None

    @property
    def formatted_name(self) -> str | None:
        """``FN``: the name as it should be shown, or None."""
        prop = self.first("FN")
        return prop.value.strip() if prop is not None else None

    @property
    def family_name(self) -> str | None:
        """First component of ``N``; None without ``N`` or when empty."""
        return self._name_part(0)

    @property
    def given_name(self) -> str | None:
        """Second component of ``N``; None without ``N`` or when empty."""
        return self._name_part(1)

    def _name_part(self, index: int) -> str | None:
        prop = self.first("N")
        if prop is None:
            return None
        parts = prop.components()
        return (parts[index] or None) if index < len(parts) else None

    @property
    def phones(self) -> tuple[str, ...]:
        """Every ``TEL`` value, ``tel:`` URIs reduced to the number, empty ones left out."""
        return tuple(p for p in (_strip_scheme(prop.value, "tel:") for prop in self.all("TEL")) if p)

    @property
    def emails(self) -> tuple[str, ...]:
        """Every ``EMAIL`` value, ``mailto:`` URIs reduced to the address, empty ones left out."""
        return tuple(e for e in (_strip_scheme(prop.value, "mailto:") for prop in self.all("EMAIL")) if e)

    @property
    def trueconf_id(self) -> str | None:
        """A TrueConf ID written as a ``trueconf:`` URI (IMPP, URL, X-SOCIALPROFILE) or an X-TRUECONF property."""
        for name in _TRUECONF_PROPS:
            prop = self.first(name)
            if prop is not None and prop.value.strip():
                match = _TRUECONF_URI.match(prop.value)
                return match.group("id") if match else prop.value.strip()
        for prop in self.properties:
            if prop.name in ("IMPP", "URL", "X-SOCIALPROFILE"):
                match = _TRUECONF_URI.match(prop.value)
                if match:
                    return match.group("id")
        return None


def unescape(value: str) -> str:
    """Undo vCard text escapes: ``\\n``/``\\N`` -> newline, ``\\x`` -> ``x`` for any other ``x``."""
    return _VALUE_ESCAPE.sub(lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _strip_scheme(value: str, scheme: str) -> str:
    value = value.strip()
    return value[len(scheme):].strip() if value.lower().startswith(scheme) else value


def _split_unescaped(value: str, separator: str) -> list[str]:
    """Split on ``separator`` where it is not preceded by a backslash escape (escapes kept)."""
    parts: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(value):
        char = value[index]
        if char == "\\" and index + 1 < len(value):
            current.append(value[index:index + 2])
            index += 2
            continue
        if char == separator:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    parts.append("".join(current))
    return parts


def _split_line(line: str) -> tuple[str, str] | None:
    """``NAME;params`` and the value: split at the first ``:`` outside double quotes."""
    quoted = False
    for index, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            return line[:index], line[index + 1:]
    return None


def _split_params(head: str) -> list[str]:
    """``NAME;A=1;B="x;y"`` -> ``["NAME", "A=1", 'B="x;y"']`` (``;`` inside quotes kept)."""
    items: list[str] = []
    current: list[str] = []
    quoted = False
    for char in head:
        if char == '"':
            quoted = not quoted
        if char == ";" and not quoted:
            items.append("".join(current))
            current = []
        else:
            current.append(char)
    items.append("".join(current))
    return items


def _param_values(text: str) -> tuple[str, ...]:
    """``a,b`` or ``"a,b"`` -> the values, quotes removed, RFC 6868 caret escapes undone."""
    values: list[str] = []
    for piece in re.findall(r'"[^"]*"|[^,]+', text):
        piece = piece.strip()
        if len(piece) >= 2 and piece[0] == piece[-1] == '"':
            values.extend(v for v in piece[1:-1].split(",") if v)  # a quoted list is still a list
        elif piece:
            values.append(piece)
    return tuple(_CARET.sub(lambda m: _CARET_MAP.get(m.group(1), "^" + m.group(1)), v) for v in values)


def _parse_head(head: str) -> tuple[str | None, str, dict[str, tuple[str, ...]]]:
    items = _split_params(head)
    name = items[0].strip()
    group = None
    if "." in name:
        group, name = name.rsplit(".", 1)
    params: dict[str, tuple[str, ...]] = {}
    for item in items[1:]:
        item = item.strip()
        if not item:
            continue
        key, sep, value = item.partition("=")
        if sep:
            params[key.strip().upper()] = params.get(key.strip().upper(), ()) + _param_values(value)
        elif item.upper() in _BARE_ENCODINGS:
            params["ENCODING"] = (*params.get("ENCODING", ()), item.upper())
        else:
            params["TYPE"] = (*params.get("TYPE", ()), item)
    return group, name.upper(), params


def _is_quoted_printable(params: dict[str, tuple[str, ...]]) -> bool:
    return any(v.upper() == "QUOTED-PRINTABLE" for v in params.get("ENCODING", ()))


def _decode_quoted_printable(value: str, params: dict[str, tuple[str, ...]]) -> str:
    charset = (params.get("CHARSET") or ("utf-8",))[0]
    data = quopri.decodestring(value.encode("latin-1", errors="replace"))
    try:
        return data.decode(charset, errors="replace")
    except LookupError:  # an unknown charset name: UTF-8 is what phones send nowadays
        return data.decode("utf-8", errors="replace")


def _logical_lines(text: str) -> list[str]:
    """Physical lines -> content lines: folding undone, 2.1 quoted-printable soft breaks joined."""
    lines: list[str] = []
    qp_open = False  # the previous line is a quoted-printable value ending in a soft break "="
    for physical in _NEWLINE.split(text):
        if lines and physical[:1] in (" ", "\t") and not qp_open:
            lines[-1] += physical[1:]
            continue
        if lines and qp_open:
            lines[-1] = lines[-1][:-1] + physical.lstrip(" \t")
        else:
            lines.append(physical)
        qp_open = lines[-1].endswith("=") and "QUOTED-PRINTABLE" in lines[-1].split(":", 1)[0].upper()
    return lines


def parse_vcard(text: str) -> VCard | None:
    """Read the first vCard in ``text``; None when there is no ``BEGIN:VCARD``. Never raises on content."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    text = text.lstrip("\ufeff")
    properties: list[VCardProperty] = []
    inside = False
    depth = 0  # nested vCards (AGENT in 2.1) are skipped, not merged into this one
    for line in _logical_lines(text):
        split = _split_line(line)
        if split is None:
            continue
        head, value = split
        group, name, params = _parse_head(head)
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            if inside:
                depth += 1
            inside = True
            continue
        if not inside:
            continue
        if name == "END" and value.strip().upper() == "VCARD":
            if depth == 0:
                return VCard(tuple(properties), text)
            depth -= 1
            continue
        if depth:
            continue
        raw_value = _decode_quoted_printable(value, params) if _is_quoted_printable(params) else value
        properties.append(VCardProperty(name, unescape(raw_value), params, group, raw_value))
    return VCard(tuple(properties), text) if inside else None  # a card cut short: keep what was read
