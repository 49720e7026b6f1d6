"""Message text formatting: safe builders, visible length and splitting.

TrueConf understands three ``parseMode`` values (PROTOCOL §5.9):

``text``
    Shown as typed.
``html``
    A small subset: ``<b> <i> <u> <s> <a href="...">``, ``<br>`` for a line
    break and ``<quote class="reply">`` for a reply quote (§12.3). Other tags
    are stripped by the server.
``markdown``
    ``**bold**``, ``_italic_``, ``~~strike~~``, ``[label](url)``; a leading
    ``>`` starts a reply quote. No underline; code, headings and lists are
    shown literally.

Build messages with the :data:`html` and :data:`markdown` builders. Plain
``str`` arguments are always escaped, :class:`FormattedText` arguments (the
result of another builder call) are inserted as they are, so user input can
never inject markup::

    from trueconf_sync.formatting import html
    msg = html.bold("Alert: ", html.italic(user_input))
    client.send_message(chat_id, msg)   # carries parse_mode="html" itself

Escaping schemes
    *HTML*: ``&`` ``<`` ``>`` ``"`` become ``&amp;`` ``&lt;`` ``&gt;``
    ``&quot;``; a line break (``\\n``, ``\\r\\n`` or ``\\r``) in text becomes
    ``<br>``, the HTML subset's only line break.

    *Markdown*: every character of ``\\ * _ ~ [ ] ( ) >`` gets a backslash in
    front (``a*b`` -> ``a\\*b``), the CommonMark backslash escape. URLs inside
    ``[label](url)`` get ``\\ ( ) < >`` backslash-escaped and whitespace
    percent-encoded.

Styles a mode does not have are emitted as plain escaped text, never as
markup the server would show literally: ``code`` and ``pre`` in both modes,
``underline`` in Markdown (``__x__`` is bold per the docs, §5.9).

:func:`visible_length` implements the §8 counting rules; :func:`split_text`
cuts long texts into parts that each fit the text limit. This module is the
public face of the text layer's formatting: the builders live here, the rest
in :mod:`.formatted`, :mod:`.escaping`, :mod:`.length` and :mod:`.splitting`.
"""

from __future__ import annotations

from ..enums import ParseMode
from ..limits import MAX_TEXT_LENGTH
from .escaping import ESCAPERS, NEWLINE_RE, html_escape_attr, md_escape_url
from .formatted import FormattedText, Part
from .length import visible_length
from .splitting import split_text

__all__ = [
    "MAX_TEXT_LENGTH",
    "FormattedText",
    "HTMLBuilder",
    "MarkdownBuilder",
    "ParseMode",
    "html",
    "markdown",
    "split_text",
    "visible_length",
]


class _Builder:
    """Shared machinery of :class:`HTMLBuilder` and :class:`MarkdownBuilder`."""

    parse_mode: ParseMode = ParseMode.TEXT

    def escape(self, value: str) -> str:
        """Escape ``value`` so the server shows it literally in this mode.

        Args:
            value: any text.

        Returns:
            The escaped text (a plain ``str``).
        """
        return ESCAPERS[self.parse_mode](value)

    def _render(self, parts: tuple[Part, ...]) -> str:
        out = []
        for part in parts:
            if isinstance(part, FormattedText):
                if part.parse_mode is not self.parse_mode:
                    raise ValueError(
                        f"cannot use {part.parse_mode.value} text inside "
                        f"{self.parse_mode.value} formatting"
                    )
                out.append(part.text)
            elif isinstance(part, str):
                out.append(self.escape(part))
            else:
                raise TypeError(f"expected str or FormattedText, got {type(part).__name__}")
        return "".join(out)

    def _new(self, text: str) -> FormattedText:
        return FormattedText(text, self.parse_mode)

    def _wrap(self, opener: str, closer: str, parts: tuple[Part, ...]) -> FormattedText:
        inner = self._render(parts)
        if not inner:
            return self._new("")
        return self._new(opener + inner + closer)

    def text(self, *parts: Part) -> FormattedText:
        """Concatenate ``parts`` without any style.

        Args:
            *parts: ``str`` (escaped) or ``FormattedText`` of this mode.

        Returns:
            FormattedText of this builder's mode.

        Raises:
            ValueError: a ``FormattedText`` of another mode was given.
            TypeError: a part is neither ``str`` nor ``FormattedText``.
        """
        return self._new(self._render(parts))

    def code(self, *parts: Part) -> FormattedText:
        """Inline code. The server has no code style in any mode (§5.9), so
        this emits the parts as plain escaped text. Args/raises as :meth:`text`."""
        return self.text(*parts)

    def pre(self, *parts: Part) -> FormattedText:
        """Preformatted block. No such style exists on the server (§5.9), so
        this emits the parts as plain escaped text. Args/raises as :meth:`text`."""
        return self.text(*parts)

    def mention_all(self) -> FormattedText:
        """``@all``: notifies every member of a group chat or channel [SDK].

        Returns:
            FormattedText of this builder's mode.
        """
        return self._new("@all")

    def mention(self, user_id: str, label: Part | None = None) -> FormattedText:
        """Mention a user: a link to ``trueconf:<user_id>`` (§5.9, server 5.5.3+).

        A mentioned member is notified even when the chat is muted.

        Args:
            user_id: TrueConf ID such as ``john_doe@video.example.com``; a
                ``trueconf:`` prefix is accepted and not doubled.
            label: shown text; defaults to ``user_id``.

        Returns:
            FormattedText of this builder's mode.

        Raises:
            ValueError: ``user_id`` is empty.
        """
        if not isinstance(user_id, str) or not user_id.strip():
            raise ValueError(f"user_id must be a non-empty str, got {user_id!r}")
        url = user_id if user_id.startswith("trueconf:") else "trueconf:" + user_id
        return self.link(user_id if label is None else label, url)

    def link(self, label: Part, url: str) -> FormattedText:
        """Link ``label`` to ``url`` (an empty label shows the URL); the markup is the builder's.

        Raises:
            ValueError: ``url`` is empty, or ``label`` has another mode.
        """
        if not isinstance(url, str) or not url:
            raise ValueError(f"url must be a non-empty str, got {url!r}")
        return self._new(self._link(self._render((label,)) or self.escape(url), url))

    def _link(self, inner: str, url: str) -> str:
        """The markup of a link showing ``inner`` (already rendered) and opening ``url``."""
        raise NotImplementedError


class HTMLBuilder(_Builder):
    """Builders for ``parseMode = "html"``; use the :data:`html` instance.

    Every method takes ``*parts`` of ``str`` (escaped) or html
    :class:`FormattedText` (inserted as is), and returns a html
    :class:`FormattedText`. A style around empty content renders as ``""``.
    """

    parse_mode = ParseMode.HTML

    def bold(self, *parts: Part) -> FormattedText:
        """``<b>...</b>``. Args/raises as :meth:`text`."""
        return self._wrap("<b>", "</b>", parts)

    def italic(self, *parts: Part) -> FormattedText:
        """``<i>...</i>``. Args/raises as :meth:`text`."""
        return self._wrap("<i>", "</i>", parts)

    def underline(self, *parts: Part) -> FormattedText:
        """``<u>...</u>``. Args/raises as :meth:`text`."""
        return self._wrap("<u>", "</u>", parts)

    def strike(self, *parts: Part) -> FormattedText:
        """``<s>...</s>``. Args/raises as :meth:`text`."""
        return self._wrap("<s>", "</s>", parts)

    def link(self, label: Part, url: str) -> FormattedText:
        """``<a href="url">label</a>``.

        The apps open ``http``, ``https``, ``mailto`` and ``trueconf`` links;
        the URL is not checked.

        Args:
            label: shown text; an empty label shows the URL.
            url: link target (attribute-escaped).

        Returns:
            html FormattedText.

        Raises:
            ValueError: ``url`` is empty, or ``label`` has another mode.
        """
        return super().link(label, url)

    def _link(self, inner: str, url: str) -> str:
        return f'<a href="{html_escape_attr(url)}">{inner}</a>'

    def line_break(self) -> FormattedText:
        """``<br>``, the html line break."""
        return self._new("<br>")

    def quote(self, *parts: Part) -> FormattedText:
        """Reply quote block (§12.3): ``<quote class="reply">...</quote><br><br>``.

        Put it at the very start of the text of a message sent with a
        ``replyMessageId``; the apps render ``<quote>`` only in replies.
        Args/raises as :meth:`text`.
        """
        inner = self._render(parts)
        return self._new(f'<quote class="reply">{inner}</quote><br><br>')


class MarkdownBuilder(_Builder):
    """Builders for ``parseMode = "markdown"``; use the :data:`markdown` instance.

    Every method takes ``*parts`` of ``str`` (escaped) or markdown
    :class:`FormattedText` (inserted as is), and returns a markdown
    :class:`FormattedText`. Markers are ``**`` (bold), ``_`` (italic) and
    ``~~`` (strike); whitespace at the edges of a styled span is moved
    outside the markers (``**x **`` would not be bold). A style around empty
    content renders as ``""``.
    """

    parse_mode = ParseMode.MARKDOWN

    def _wrap(self, opener: str, closer: str, parts: tuple[Part, ...]) -> FormattedText:
        inner = self._render(parts)
        core = inner.strip()
        if not core:
            return self._new(inner)
        start = len(inner) - len(inner.lstrip())
        lead, trail = inner[:start], inner[start + len(core) :]
        return self._new(lead + opener + core + closer + trail)

    def bold(self, *parts: Part) -> FormattedText:
        """``**...**``. Args/raises as :meth:`text`."""
        return self._wrap("**", "**", parts)

    def italic(self, *parts: Part) -> FormattedText:
        """``_..._``. Args/raises as :meth:`text`."""
        return self._wrap("_", "_", parts)

    def strike(self, *parts: Part) -> FormattedText:
        """``~~...~~``. Args/raises as :meth:`text`."""
        return self._wrap("~~", "~~", parts)

    def underline(self, *parts: Part) -> FormattedText:
        """Markdown has no underline (§5.9; ``__x__`` is bold), so this emits
        the parts as plain escaped text. Args/raises as :meth:`text`."""
        return self.text(*parts)

    def link(self, label: Part, url: str) -> FormattedText:
        """``[label](url)``.

        Args:
            label: shown text; an empty label shows the URL; line breaks in
                it become spaces (a link cannot span lines).
            url: link target; ``\\ ( ) < >`` are backslash-escaped and
                whitespace percent-encoded.

        Returns:
            markdown FormattedText.

        Raises:
            ValueError: ``url`` is empty, or ``label`` has another mode.
        """
        return super().link(label, url)

    def _link(self, inner: str, url: str) -> str:
        return f"[{NEWLINE_RE.sub(' ', inner)}]({md_escape_url(url)})"

    def line_break(self) -> FormattedText:
        """``\\n``."""
        return self._new("\n")

    def quote(self, *parts: Part) -> FormattedText:
        """Reply quote block (§12.3): every line prefixed with ``>``, then a
        blank line. Put it at the start of a reply. Args/raises as :meth:`text`.
        """
        inner = self._render(parts)
        lines = NEWLINE_RE.split(inner)
        return self._new("\n".join(">" + line for line in lines) + "\n\n")


html = HTMLBuilder()
"""The html builder: ``html.bold(...)``, ``html.link(...)``, ..."""

markdown = MarkdownBuilder()
"""The markdown builder: ``markdown.bold(...)``, ``markdown.link(...)``, ..."""
