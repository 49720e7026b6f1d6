"""What the rows of the method table share: result parsers, the ``timeout`` type and a finish hook.

The parsers turn a success payload into a method's typed result; they run on the reader thread
and raise :class:`~trueconf_sync.ProtocolError` for an answer of the wrong shape, never anything
else. ``complete_user_id`` is the ``finish`` hook of every row that takes a ``user_id``.

The rows name their result models lazily (``as_(lambda: models.SentMessage)``): the models (attrs
classes) and the cattrs converter load when a parser first runs, not when the table is imported,
so ``from trueconf_sync import Client`` stays cheap. The client imports both before its reader
thread starts (:func:`load_parsers`), so a parser never runs an import on the reader thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from ...core.protocols import FinishContext
from ...errors import ProtocolError
from ..method import Payload

if TYPE_CHECKING:
    from .. import models
else:

    class _Models:
        """``models.Name``: :mod:`trueconf_sync.api.models` ``.Name``, imported on first use."""

        def __getattr__(self, name: str) -> Any:
            from .. import models

            return getattr(models, name)

    models = _Models()

__all__ = ["Timeout", "as_", "complete_user_id", "key", "list_of", "load_parsers", "models", "nothing"]

T = TypeVar("T")
#: A call's ``timeout`` argument: seconds, or ``None`` for the client's default.
Timeout = float | None


def _object(payload: Any) -> Any:
    """The payload as a JSON object (missing = empty); anything else is not an answer we can read."""
    if payload is None:
        return {}
    if not isinstance(payload, dict):
        raise ProtocolError(f"expected a JSON object as the answer, got {type(payload).__name__}")
    return payload


def load_parsers() -> Callable[[Any, Any], Any]:
    """Import the models and the converter (once; later calls are cheap); return the converter's ``structure``.

    The client calls it on the connecting thread, before a reader thread could run a parser.
    """
    global _structure
    if _structure is None:
        from .. import models as loaded  # noqa: F401 - imported for its side effect: loaded before parsing
        from ..converter import structure

        _structure = structure  # hooks looked up once per class (converter.structure dispatches each call)
    return _structure


_structure: Callable[[Any, Any], Any] | None = None


def as_(model: Callable[[], type[T]]) -> Callable[[Any], T]:
    """Parser: structure the whole payload (a JSON object) as ``model()`` (a class, looked up once)."""
    found: tuple[Callable[[Any, Any], Any], type[T]] | None = None

    def parse(payload: Any) -> T:
        nonlocal found
        if found is None:
            found = (load_parsers(), model())
        structure, cls = found
        result: T = structure(_object(payload), cls)
        return result

    parse.__name__ = "parse_as"
    parse.result_type = model  # type: ignore[attr-defined]  # the result type, for the method's signature
    return parse


def nothing(payload: Any) -> None:
    """Parser for methods whose success payload is empty."""
    return None


def key(name: str, cls: type[T]) -> Callable[[Any], T]:
    """Parser: one key of the payload, as ``cls``."""

    def parse(payload: Any) -> T:
        result: T = load_parsers()(_object(payload).get(name), cls)
        return result

    parse.__annotations__["return"] = cls  # the method's result type, shown in its signature
    return parse


def list_of(
    name: str, model: Callable[[], type[T]], make: Callable[[Iterable[T]], list[T]] = list,
    result: Callable[[], Any] | None = None,
) -> Callable[[Any], list[T]]:
    """Parser: a list of ``model()``, sent as a bare JSON array or as the list under key ``name``.

    ``make`` builds the result from the structured items (``list``, or a function making a list
    subclass such as :class:`~trueconf_sync.models.ChatList`); ``result()`` names that type for the
    method's signature (default ``list[model()]``).
    """

    def parse(payload: Any) -> list[T]:
        items = payload if isinstance(payload, list) else _object(payload).get(name, [])
        if not isinstance(items, list):
            raise ProtocolError(f"expected a list of {name}, got {type(items).__name__}")
        structure, cls = load_parsers(), model()
        return make(structure(item, cls) for item in items)

    parse.__name__ = f"parse_{name}"
    # the result type, for the method's signature (looked up only when a signature is made)
    parse.result_type = result or (lambda: list[model()])  # type: ignore[attr-defined,misc]
    return parse


def complete_user_id(context: FinishContext, payload: Payload) -> None:
    """Finish hook: a bare login gets the server's domain, taken from the bot's own id (§10.1)."""
    user = payload.get("userId")
    me = context.user_id
    if isinstance(user, str) and "@" not in user and me and "@" in me:
        payload["userId"] = f"{user}@{me.split('@', 1)[1]}"
