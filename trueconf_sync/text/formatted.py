"""``FormattedText``: rendered markup together with its parse mode (what the builders return)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeAlias

import attrs

from ..enums import ParseMode
from ..limits import check_choice
from .escaping import ESCAPERS

__all__ = ["FormattedText", "Part", "coerce_mode"]


def coerce_mode(value: str | ParseMode) -> ParseMode:
    """Turn ``"html"``/``ParseMode.HTML`` into a :class:`ParseMode`.

    Raises:
        ValueError: ``value`` is not text, markdown or html.
    """
    return check_choice("parse_mode", value, ParseMode)


@attrs.frozen
class FormattedText:
    """Rendered message text together with its parse mode.

    Produced by the :data:`html` / :data:`markdown` builders; the client sends
    ``text`` with ``parseMode = parse_mode``, so no separate parse mode is
    needed. Instances are immutable and compose with ``+``:

    * ``FormattedText + FormattedText`` of the same mode concatenates;
    * ``FormattedText + str`` and ``str + FormattedText`` escape the ``str``
      for the mode first.

    The constructor trusts ``text``: it must already be valid markup for
    ``parse_mode``. Use the builders to turn untrusted input into markup.

    Attributes:
        text: the wire text (also ``str(x)``).
        parse_mode: the :class:`ParseMode` (a ``str`` like ``"html"`` is
            converted).

    Raises:
        ValueError: on ``+`` or in a builder, when the modes differ; at
            construction, for an unknown parse mode.
        TypeError: ``text`` is not a ``str``.
    """

    text: str = attrs.field(validator=attrs.validators.instance_of(str))
    parse_mode: ParseMode = attrs.field(default=ParseMode.TEXT, converter=coerce_mode)

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def _coerce(self, other: object) -> str | None:
        if isinstance(other, FormattedText):
            if other.parse_mode is not self.parse_mode:
                raise ValueError(
                    f"cannot combine {self.parse_mode.value} text "
                    f"with {other.parse_mode.value} text"
                )
            return other.text
        if isinstance(other, str):
            return ESCAPERS[self.parse_mode](other)
        return None

    def __add__(self, other: FormattedText | str) -> FormattedText:
        rendered = self._coerce(other)
        if rendered is None:
            return NotImplemented
        return FormattedText(self.text + rendered, self.parse_mode)

    def __radd__(self, other: str) -> FormattedText:
        rendered = self._coerce(other)
        if rendered is None:
            return NotImplemented
        return FormattedText(rendered + self.text, self.parse_mode)

    def join(self, parts: Iterable[FormattedText | str]) -> FormattedText:
        """Concatenate ``parts`` with this text as separator, like ``str.join``.

        Args:
            parts: ``str`` items are escaped, ``FormattedText`` items must have
                this text's parse mode.

        Returns:
            A new :class:`FormattedText` of this parse mode.

        Raises:
            ValueError: an item has another parse mode.
            TypeError: an item is neither ``str`` nor ``FormattedText``.
        """
        rendered = []
        for part in parts:
            text = self._coerce(part)
            if text is None:
                raise TypeError(f"expected str or FormattedText, got {type(part).__name__}")
            rendered.append(text)
        return FormattedText(self.text.join(rendered), self.parse_mode)

    def visible_length(self) -> int:
        """Return :func:`~trueconf_sync.text.length.visible_length` of this text in its parse mode."""
        from .length import visible_length  # length.py reads FormattedText: imported on use

        return visible_length(self.text, self.parse_mode)


Part: TypeAlias = "str | FormattedText"
"""What the builders accept: ``str`` (escaped) or same-mode ``FormattedText``."""
