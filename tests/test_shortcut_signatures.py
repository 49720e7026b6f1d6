"""Model shortcuts (``message.reply``...) show their parameters to inspect, IPython and Sphinx, as the
API methods do: read from the class (model first) and bound (without it)."""

from __future__ import annotations

import inspect

import pytest

from trueconf_sync.api.models import Message
from trueconf_sync.api.models.shortcuts import Shortcut

SHORTCUTS = sorted(name for name, value in vars(Message).items() if isinstance(value, Shortcut))


def test_message_has_shortcuts() -> None:
    assert {"reply", "answer", "answer_photo", "reply_document", "forward"} <= set(SHORTCUTS)


@pytest.mark.parametrize("name", SHORTCUTS)
def test_class_and_bound_shortcuts_carry_the_plans_signature(name: str) -> None:
    plan = getattr(Message, name).plan
    expected = list(inspect.signature(plan).parameters)
    assert list(inspect.signature(getattr(Message, name)).parameters) == expected
    bound = getattr(Message(), name)
    assert list(inspect.signature(bound).parameters) == expected[1:]
    assert bound.__doc__ == plan.__doc__ and bound.__name__ == name
