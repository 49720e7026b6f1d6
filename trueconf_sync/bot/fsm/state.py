"""States of a dialog: ``State``, ``StatesGroup``, and the filter by state.

::

    class Survey(StatesGroup):
        name = State()          # stored as "Survey:name"
        age = State()

    @router.message(Survey.name)            # a State is a filter: "the current state is this"
    def got_name(message, state): ...

    @router.message(Survey)                 # a group is too: "any state of Survey"
    @router.message(StateFilter(None))      # "no state set"
    @router.message(StateFilter("*"))       # any state, also none

Nested groups are named ``Outer.Inner:state``. State names are what storages keep, so renaming a
group or state makes dialogs stored under the old name unreachable.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ..filters import Filter, FilterResult

__all__ = ["State", "StateFilter", "StatesGroup", "any_state", "current_state", "default_state"]


def current_state(data: Mapping[str, Any]) -> str | None:
    """The current state name of the event whose data this is (None without state or chat)."""
    context = data.get("state")
    if context is None:
        return None
    value: str | None = context.get_state()
    return value


class State(Filter):
    """One state. Declare it as a class attribute of a :class:`StatesGroup`, or give a name."""

    def __init__(self, name: str | None = None) -> None:
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"State: name must be a non-empty str, got {name!r}")
        self._name = name
        self._attr: str | None = None
        self.group: type[StatesGroup] | None = None

    def _bind(self, group: type[StatesGroup], attr: str) -> None:
        if self.group is not None:
            raise ValueError(f"state {self} is already part of {self.group.__name__}; "
                             f"declare a new State() for {group.__name__}.{attr}")
        self.group, self._attr = group, attr

    @property
    def name(self) -> str | None:
        """The stored name (``"Group:attr"``), ``"*"`` for :data:`any_state`, None for :data:`default_state`."""
        if self._name is not None:
            return self._name
        if self.group is None or self._attr is None:
            return None
        return f"{self.group.full_name()}:{self._attr}"

    def __str__(self) -> str:
        return self.name or ""

    def __repr__(self) -> str:
        return f"<State {self.name!r}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, State):
            return self.name == other.name
        if isinstance(other, str) or other is None:
            return self.name == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        """True when the event's current state is this one (``any_state`` always matches)."""
        return self._name == "*" or current_state(data) == self.name


#: Matches every state, also "no state".
any_state = State("*")
#: "No state set" (the state after ``state.clear()``); as a filter it matches only that.
default_state = State()


class _GroupMeta(type):
    """Binds the State attributes and nested groups of a StatesGroup when the class is created."""

    _states: tuple[State, ...]
    _children: tuple[type[StatesGroup], ...]
    _parent: type[StatesGroup] | None

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any]) -> _GroupMeta:
        cls = super().__new__(mcs, name, bases, namespace)
        states, children = [], []
        for attr, value in namespace.items():
            if isinstance(value, State):
                value._bind(cls, attr)  # type: ignore[arg-type]
                states.append(value)
            elif isinstance(value, _GroupMeta):
                value._parent = cls  # type: ignore[assignment]
                children.append(value)
        cls._states = tuple(states)
        cls._children = tuple(children)  # type: ignore[arg-type]
        cls._parent = None
        return cls

    def __contains__(cls, item: object) -> bool:
        names = {s.name for s in cls.all_states()}  # type: ignore[attr-defined]
        if isinstance(item, State):
            return item.name in names
        return isinstance(item, str) and item in names

    def __iter__(cls) -> Iterator[State]:
        return iter(cls.all_states())  # type: ignore[attr-defined]


class StatesGroup(metaclass=_GroupMeta):
    """A named set of :class:`State` attributes (and nested groups); usable as a filter."""

    @classmethod
    def full_name(cls) -> str:
        """``Outer.Inner`` for nested groups, the class name otherwise."""
        parent = cls._parent
        return f"{parent.full_name()}.{cls.__name__}" if parent is not None else cls.__name__

    @classmethod
    def states(cls) -> tuple[State, ...]:
        """This group's own states in declaration order."""
        return cls._states

    @classmethod
    def all_states(cls) -> tuple[State, ...]:
        """Own states, then those of nested groups (depth first)."""
        out = list(cls._states)
        for child in cls._children:
            out.extend(child.all_states())
        return tuple(out)


class StateFilter(Filter):
    """The current state is one of ``states``: :class:`State` objects, names, ``None`` (no state),
    ``"*"`` (anything) or :class:`StatesGroup` classes (any of their states)."""

    def __init__(self, *states: State | str | type[StatesGroup] | None) -> None:
        if not states:
            raise ValueError("StateFilter: give at least one state (None for 'no state', '*' for any)")
        self.names: set[str | None] = set()
        self.groups: list[type[StatesGroup]] = []
        for state in states:
            if isinstance(state, type) and issubclass(state, StatesGroup):
                self.groups.append(state)
            elif isinstance(state, State):
                self.names.add(state.name)
            elif state is None or isinstance(state, str):
                self.names.add(state)
            else:
                raise TypeError(f"StateFilter: expected State, str, None or StatesGroup, got {state!r}")

    def check(self, event: Any, data: Mapping[str, Any]) -> FilterResult:
        if "*" in self.names:
            return True
        current = current_state(data)
        return current in self.names or (current is not None and any(current in g for g in self.groups))

    def __repr__(self) -> str:
        shown = [repr(n) for n in self.names] + [g.full_name() for g in self.groups]
        return f"StateFilter({', '.join(shown)})"
