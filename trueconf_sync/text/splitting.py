"""``split_text``: cut a long message into parts that each fit the text limit (PROTOCOL §8)."""

from __future__ import annotations

from ..enums import ParseMode
from ..limits import MAX_TEXT_LENGTH, check_count
from .clusters import is_boundary
from .escaping import md_escape
from .formatted import FormattedText
from .length import resolve, visible_length
from .tokens import (
    CLOSE,
    GROUP,
    MD_RE,
    MD_UNESCAPE_RE,
    NEWLINE,
    OPEN,
    SPACE,
    WORD,
    Tok,
    href_of,
    tokenize,
    tokenize_html,
    tokenize_markdown,
)

__all__ = ["split_text"]


_P, _L, _W = 0, 1, 2  # cut classes: after a blank line, after a line, at whitespace


def _cut_point(text: str, budget: int) -> int:
    """Largest cut <= budget between two user-perceived characters (grapheme clusters)."""
    k = min(budget, len(text))
    while 0 < k < len(text) and not is_boundary(text, k):
        k -= 1
    return k


def _degrade_html_links(toks: list[Tok], limit: int) -> list[Tok]:
    """Make every ``<a>...</a>`` one unbreakable GROUP token; a link heavier
    than ``limit`` becomes plain text ``label U`` instead (the weight stays)."""
    out: list[Tok] = []
    seq = toks
    i = 0
    while i < len(seq):
        tok = seq[i]
        if tok.kind != OPEN or tok.name != "a":
            out.append(tok)
            i += 1
            continue
        j = i + 1
        while j < len(seq) and not (seq[j].kind == CLOSE and seq[j].name == "a"):
            j += 1
        end = min(j + 1, len(seq))
        members = tuple(seq[i:end])
        weight = sum(t.weight for t in members)
        if weight <= limit:
            out.append(Tok(GROUP, "".join(t.raw for t in members), weight, "a", members))
            i = end
            continue
        href = href_of(tok.raw)
        tail = tokenize_html(" " + href.replace("<", "&lt;").replace(">", "&gt;")) if href else []
        seq = seq[i + 1 : j] + tail + seq[end:]
        i = 0
    return out


def _degrade_markdown_links(toks: list[Tok], limit: int) -> list[Tok]:
    """A ``[L](U)`` heavier than ``limit`` becomes ``L U`` (U escaped)."""
    out: list[Tok] = []
    for tok in toks:
        if tok.name != "link" or tok.weight <= limit:
            out.append(tok)
            continue
        m = MD_RE.match(tok.raw)
        assert m is not None
        url = md_escape(MD_UNESCAPE_RE.sub(r"\1", m.group("url")))
        out.extend(tokenize_markdown(m.group("label"), False))
        out.extend(tokenize_markdown(" " + url, False))
    return out


_Stack = tuple[tuple[str, str], ...]  # open html tags: (name, opening tag as written)


def _apply(stack: _Stack, tok: Tok) -> _Stack:
    if tok.kind == OPEN:
        return (*stack, (tok.name, tok.raw))
    if tok.kind == CLOSE:
        for pos in range(len(stack) - 1, -1, -1):
            if stack[pos][0] == tok.name:
                return stack[:pos] + stack[pos + 1 :]
        return stack
    if tok.kind == GROUP:
        for member in tok.inner:
            stack = _apply(stack, member)
    return stack


def _closers(stack: _Stack) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _pack(toks: list[Tok], limit: int) -> list[str]:
    """Greedy packing of tokens into parts of weight <= limit."""
    parts: list[str] = []
    n = len(toks)
    i = 0
    stack: _Stack = ()
    while i < n:
        start_stack = stack
        raws: list[str] = []
        kinds: list[int] = []
        after: list[int] = []  # token index to resume from after each entry
        stacks: list[_Stack] = []  # open tags after each entry
        weight = 0
        cand: list[int | None] = [None, None, None]
        newlines = 0  # line breaks since the last visible non-whitespace
        prev_ws = True
        cur = start_stack
        cut: int | None = None
        j = i
        while j < n:
            tok = toks[j]
            if tok.weight and weight + tok.weight > limit:
                cut = next((c for c in cand if c is not None), None)
                if cut is None:
                    budget = limit - weight
                    k = 0
                    if tok.kind in (WORD, SPACE, NEWLINE):  # NEWLINE: a CR LF longer than the limit
                        k = _cut_point(tok.raw, budget)
                        if k == 0 and weight == 0:
                            k = budget  # a single cluster longer than limit
                    if k > 0:
                        raws.append(tok.raw[:k])
                        kinds.append(tok.kind)
                        after.append(j)
                        stacks.append(cur)
                        toks[j] = Tok(tok.kind, tok.raw[k:], len(tok.raw) - k)
                        cut = len(raws)
                    else:  # cut before tok, leaving trailing opening tags to the next part
                        cut = len(raws)
                        while cut > 1 and kinds[cut - 1] == OPEN:
                            cut -= 1
                break
            is_ws = tok.kind in (SPACE, NEWLINE)
            if is_ws and not prev_ws and weight > 0:
                cand[_W] = len(raws)
            raws.append(tok.raw)
            kinds.append(tok.kind)
            after.append(j + 1)
            cur = _apply(cur, tok)
            stacks.append(cur)
            weight += tok.weight
            if tok.kind == NEWLINE:
                newlines += 1
                if weight > 0:
                    cand[_L] = len(raws)
                    if newlines >= 2:
                        cand[_P] = len(raws)
            elif tok.kind == SPACE:
                if weight > 0:
                    cand[_W] = len(raws)
            elif tok.kind == CLOSE:
                # keep closing tags with the text they close
                cand = [len(raws) if c == len(raws) - 1 else c for c in cand]
            elif tok.weight > 0:
                newlines = 0
            if is_ws or tok.weight > 0:
                prev_ws = is_ws
            j += 1
        if cut is None:
            cut = len(raws)
        end_stack = stacks[cut - 1]
        parts.append(
            "".join(op for _, op in start_stack) + "".join(raws[:cut]) + _closers(end_stack)
        )
        i = after[cut - 1]
        # an <a> still open here (only with nested anchors) is closed, not reopened:
        # reopening would count its URL again
        stack = tuple(item for item in end_stack if item[0] != "a")
    return parts


def split_text(
    text: str | FormattedText,
    limit: int = MAX_TEXT_LENGTH,
    *,
    parse_mode: str | ParseMode | None = None,
) -> list[str]:
    """Split a long message into parts of at most ``limit`` visible characters.

    Where to cut, in order of preference: after a blank line (two line
    breaks, optionally with spaces between; in html ``<br>`` counts as a
    line break), after a line break, at whitespace, anywhere. Within the
    best class the latest cut that fits is taken. The separators stay at the
    end of the part before the cut, so parts are never stripped.

    Guarantees:

    * every part has ``visible_length(part, parse_mode) <= limit``;
    * ``text`` mode: ``"".join(parts) == text``;
    * ``markdown`` mode: ``"".join(parts) == text`` too, except that a link
      whose own weight exceeds ``limit`` becomes plain ``label url``; a
      backslash escape is never split from its character and a link is never
      split. Emphasis markers open across a cut are *not* re-balanced;
    * ``html`` mode: a cut never falls inside a tag or entity; tags open at
      a cut are closed at the end of the part and reopened (as originally
      written) at the start of the next, so every part is balanced. Removing
      the tags from the parts and the input gives equal texts. A link
      ``<a>...</a>`` is never split; one heavier than ``limit`` becomes plain
      text ``label url``;
    * a cut falls only between user-perceived characters (extended grapheme
      clusters: a letter and its marks, flags, emoji ZWJ and modifier
      sequences, Hangul syllables, CR LF), unless one cluster alone exceeds
      ``limit``;
    * a text that already fits is returned unchanged as ``[text]``; an
      empty text gives ``[]``.

    Args:
        text: the wire text, or a :class:`FormattedText` (its mode is used).
        limit: the maximum visible length of a part, default 4096.
        parse_mode: how to read ``text``; defaults to the FormattedText's
            mode, else ``"text"``.

    Returns:
        The parts, in order.

    Raises:
        ValueError: ``limit`` < 1, or smaller than an unbreakable unit of
            the text (an entity, an unknown html tag, a markdown escape);
            unknown ``parse_mode``.
        TypeError: ``limit`` is not an int, or ``text`` not a str.
    """
    check_count("limit", limit, maximum=None)
    raw, mode = resolve(text, parse_mode)
    if not raw:
        return []
    if visible_length(raw, mode) <= limit:
        return [raw]
    toks = tokenize(raw, mode)
    if mode is ParseMode.HTML:
        toks = _degrade_html_links(toks, limit)
    elif mode is ParseMode.MARKDOWN:
        toks = _degrade_markdown_links(toks, limit)
    for tok in toks:
        if tok.weight > limit and tok.kind not in (WORD, SPACE, NEWLINE):
            raise ValueError(
                f"limit={limit} is smaller than the unbreakable unit {tok.raw!r} "
                f"(visible length {tok.weight})"
            )
    return _pack(toks, limit)
