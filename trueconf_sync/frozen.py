"""Frozen value classes without attrs, for what loads with ``from trueconf_sync import Client``.

attrs costs about 25 ms to import (issue 15); the API models need it and load on connect, but the
client's own records (its settings, :class:`~trueconf_sync.Health`, a bulk send's result, a token)
must exist before that. :class:`Frozen` gives a class with ``__slots__`` what ``@attrs.frozen``
gave it: assignment raises :class:`FrozenInstanceError` (an ``AttributeError``), equality and hash
by value, a repr without the secrets, pickling and copying. A subclass lists its fields in
``__slots__`` and sets them in ``__init__`` with :meth:`Frozen._assign`::

    class Token(Frozen):
        __slots__ = ("access_token", "expires_at")
        _hidden = frozenset({"access_token"})  # kept out of the repr

        access_token: str
        expires_at: float | None

        def __init__(self, access_token: str, expires_at: float | None = None) -> None:
            self._assign(access_token=access_token, expires_at=expires_at)
"""

from __future__ import annotations

from typing import Any, ClassVar, NoReturn

__all__ = ["Frozen", "FrozenInstanceError"]


class FrozenInstanceError(AttributeError):
    """An attempt to change a field of a frozen instance."""


class Frozen:
    """Base of a frozen, slotted value class (see the module docstring)."""

    __slots__ = ()

    #: The field names, in order: every ``__slots__`` of the class and its bases (like a
    #: namedtuple's ``_fields``).
    _fields: ClassVar[tuple[str, ...]] = ()
    #: Fields left out of the repr (secrets).
    _hidden: ClassVar[frozenset[str]] = frozenset()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("__slots__", ())
        cls._fields = (*cls._fields, *((own,) if isinstance(own, str) else own))

    def _assign(self, **values: Any) -> None:
        """Set the fields once, in ``__init__`` (the only way past the frozen ``__setattr__``)."""
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise FrozenInstanceError(f"{type(self).__name__} is frozen: cannot set {name!r}")

    def __delattr__(self, name: str) -> NoReturn:
        raise FrozenInstanceError(f"{type(self).__name__} is frozen: cannot delete {name!r}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__ or not isinstance(other, Frozen):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash((type(self), self._values()))

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields if name not in self._hidden)
        return f"{type(self).__name__}({shown})"

    def __getstate__(self) -> dict[str, Any]:
        return dict(zip(self._fields, self._values()))

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._assign(**state)
