"""``visible_length``: the PROTOCOL §8 count of the characters a reader sees."""

from __future__ import annotations

from ..enums import ParseMode
from .formatted import FormattedText, coerce_mode
from .tokens import tokenize

__all__ = ["resolve", "visible_length"]


def resolve(
    text: str | FormattedText, parse_mode: str | ParseMode | None
) -> tuple[str, ParseMode]:
    if isinstance(text, FormattedText):
        if parse_mode is not None and coerce_mode(parse_mode) is not text.parse_mode:
            raise ValueError(
                f"parse_mode {str(parse_mode)!r} differs from the text's own "
                f"parse mode {text.parse_mode.value!r}"
            )
        return text.text, text.parse_mode
    if not isinstance(text, str):
        raise TypeError(f"text must be str or FormattedText, got {type(text).__name__}")
    return text, coerce_mode("text" if parse_mode is None else parse_mode)


def visible_length(text: str | FormattedText, parse_mode: str | ParseMode | None = None) -> int:
    """Count the visible characters of ``text`` as PROTOCOL §8 and §12.3 define them.

    The server limit of :data:`MAX_TEXT_LENGTH` applies to this count. Rules:

    * everything is counted in Unicode code points (an emoji is 1);
    * ``text`` mode: every character counts;
    * ``html`` mode (tag names case-insensitive): ``<b> <i> <u> <s>``
      (with or without attributes), ``<quote ...>``, ``<br>`` and all their
      closing tags count 0; ``<a href="U">`` counts ``1 + len(U)`` (the
      space and URL, as written; 0 without an href; ``</a>`` counts 0), so a
      link counts label + 1 + URL.
      Everything else - unknown tags, entities such as ``&amp;`` - counts
      as written;
    * ``markdown`` mode: every ``*``, ``_`` and ``~`` counts 0 (so do the
      ``**``, ``__``, ``~~`` markers), a ``>`` at the start of a line
      counts 0, ``[L](U)`` counts L + 1 + ``len(U)``, a backslash escape
      counts its backslash (``\\*`` = 1, ``\\[`` = 2). Everything else
      counts 1.

    The count is the SDK's client-side rule; how the server counts is not
    documented. Unlike the SDK, rules of one mode are not applied to text
    of another (``<b>`` counts 3 in Markdown, ``**`` counts 2 in html).

    Args:
        text: the wire text, or a :class:`FormattedText`.
        parse_mode: ``"text"``, ``"markdown"`` or ``"html"``; defaults to the
            FormattedText's own mode, else ``"text"``.

    Returns:
        The number of visible characters.

    Raises:
        ValueError: unknown ``parse_mode``, or one that contradicts the
            FormattedText's mode.
        TypeError: ``text`` is not a str or FormattedText.
    """
    raw, mode = resolve(text, parse_mode)
    if mode is ParseMode.TEXT:
        return len(raw)
    return sum(tok.weight for tok in tokenize(raw, mode))
