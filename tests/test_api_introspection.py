"""Every API and file method shows its real parameters to inspect, pydoc/help(), IPython and jedi.

The class attribute (``Client.send_message``), the bound method (``client.send_message``) and its
``.future`` / ``.aio`` forms carry the builder's signature (no ``self`` once bound), docstring,
``__name__``, ``__qualname__``, ``__module__`` and ``__wrapped__``. The client keeps each bound
method, without getting in the way of subclasses and patches.
"""

from __future__ import annotations

import inspect
import pydoc
from typing import Any

import pytest

from trueconf_sync import Client, SentMessage
from trueconf_sync.api.method import ApiMethod
from trueconf_sync.files.method import FileMethod

#: Every method of the table and every file method, by attribute name.
METHODS = {name: value for name in dir(Client)
           if isinstance(value := inspect.getattr_static(Client, name, None), (ApiMethod, FileMethod))}


def _source(row: ApiMethod[Any, Any] | FileMethod[Any, Any, Any]) -> Any:
    """The function the row was made from (an API row's builder, a file method's prepare)."""
    return row.build if isinstance(row, ApiMethod) else row.prepare


def _parameters(func: Any) -> list[tuple[str, Any, Any]]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(func).parameters.values()]


@pytest.fixture
def client() -> Any:
    made = Client("video.example.com", token="not-used")  # never connects: only looked at
    yield made
    made.close()


def test_the_table_is_found() -> None:
    assert {"send_message", "get_chats", "create_p2p_chat", "send_file", "download_file"} <= set(METHODS)


@pytest.mark.parametrize("name", sorted(METHODS))
def test_bound_method_has_the_builders_signature_without_self(client: Any, name: str) -> None:
    row = METHODS[name]
    source = _parameters(_source(row))
    if isinstance(row, FileMethod):
        source = source[1:]  # a file method's prepare function takes the client first
    bound = getattr(client, name)
    assert _parameters(bound) == source
    assert "self" not in inspect.signature(bound).parameters
    timeout = inspect.signature(bound).parameters["timeout"]
    assert timeout.kind is inspect.Parameter.KEYWORD_ONLY and timeout.default is None


@pytest.mark.parametrize("name", sorted(METHODS))
def test_class_attribute_is_a_method_with_self_first(client: Any, name: str) -> None:
    signature = inspect.signature(getattr(Client, name))  # used to raise "not a callable object"
    names = list(signature.parameters)
    assert names[0] == "self"
    assert [(p.name, p.kind, p.default) for p in list(signature.parameters.values())[1:]] \
        == _parameters(getattr(client, name))


@pytest.mark.parametrize("name", sorted(METHODS))
def test_names_docstring_and_wrapped(client: Any, name: str) -> None:
    row = METHODS[name]
    bound = getattr(client, name)
    assert bound.__name__ == name
    assert bound.__qualname__ == f"Client.{name}"
    assert bound.__module__ == "trueconf_sync.client"
    assert bound.__wrapped__ is _source(row)
    assert bound.__doc__ and bound.__doc__ == _source(row).__doc__
    assert inspect.getdoc(getattr(Client, name)) == inspect.getdoc(_source(row))
    for form in ("future", "aio"):
        func = getattr(bound, form)
        assert func.__name__ == form
        assert func.__qualname__ == f"Client.{name}.{form}"
        assert func.__wrapped__ is _source(row)
        assert name in func.__doc__ and bound.__doc__.strip().splitlines()[0] in func.__doc__


@pytest.mark.parametrize("name", sorted(METHODS))
def test_future_and_aio_forms_have_the_same_parameters(client: Any, name: str) -> None:
    bound = getattr(client, name)
    assert _parameters(bound.future) == _parameters(bound)
    assert _parameters(bound.aio) == _parameters(bound)
    assert inspect.iscoroutinefunction(bound.aio)
    assert str(inspect.signature(bound.future).return_annotation).startswith("Future")


def test_result_types_show_in_the_signature(client: Any) -> None:
    assert inspect.signature(client.send_message).return_annotation == "SentMessage"
    assert inspect.signature(client.send_message.future).return_annotation == "Future[SentMessage]"
    assert inspect.signature(client.get_chats).return_annotation == "ChatList"
    assert inspect.signature(client.get_chat_participants).return_annotation == "list[Participant]"
    assert inspect.signature(client.create_p2p_chat).return_annotation == "str"
    assert inspect.signature(client.remove_message).return_annotation == "None"
    assert inspect.signature(client.send_file).return_annotation == "SentFile"


def test_pydoc_and_help_show_the_parameters(client: Any) -> None:
    for target in (client.send_message, Client.send_message, client.send_message.future, client.send_file):
        text = pydoc.render_doc(target, renderer=pydoc.plaintext)
        assert "chat_id" in text and "timeout" in text, text[:300]
        assert "*args" not in text.split("\n\n", 2)[1], text[:300]
    assert "Send a text message" in pydoc.render_doc(client.send_message, renderer=pydoc.plaintext)


def test_jedi_completes_the_parameters_as_in_ipython(client: Any) -> None:
    jedi = pytest.importorskip("jedi")  # in the test extra; IPython completes through jedi.Interpreter
    namespace = {"client": client, "Client": Client}
    for code, target in [("client.send_message(", client.send_message),
                         ("client.send_message.future(", client.send_message.future),
                         ("client.send_message.aio(", client.send_message.aio),
                         ("Client.send_message(", Client.send_message),
                         ("client.get_chats(", client.get_chats),
                         ("client.send_file(", client.send_file)]:
        expected = list(inspect.signature(target).parameters)
        script = jedi.Interpreter(code, [namespace])
        signatures = script.get_signatures()
        assert signatures, code
        assert [p.name for p in signatures[0].params] == expected, (code, signatures[0].to_string())
        completions = {c.name for c in script.complete()}
        assert {f"{name}=" for name in expected if name != "self"} <= completions, (code, sorted(completions))
    assert "Send a text message" in jedi.Interpreter("client.send_message", [namespace]).infer()[0].docstring()


def test_the_client_keeps_its_bound_methods(client: Any) -> None:
    assert client.send_message is client.send_message
    assert client.send_message.future is client.send_message.future
    other = Client("video.example.com", token="other")
    try:
        assert other.send_message is not client.send_message
        assert "other" not in repr(client.send_message) and repr(other) in repr(other.send_message)
    finally:
        other.close()


def test_calls_through_the_class_subclasses_and_patches_still_work(trueconf_client: Any,
                                                                   alice_chat: str, alice: Any,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    sent = Client.send_message(trueconf_client, alice_chat, "through the class")
    assert isinstance(sent, SentMessage)
    assert alice.wait_for_message(alice_chat, timeout=5)["content"]["text"] == "through the class"

    seen: list[str] = []

    class Logging(Client):
        def send_message(self, chat_id: str, text: str, **kwargs: Any) -> Any:  # type: ignore[override]
            seen.append(text)
            return super().send_message(chat_id, text, **kwargs)

    trueconf_client.__class__ = Logging  # the kept bound method must not hide the override
    try:
        trueconf_client.send_message(alice_chat, "one")
        trueconf_client.send_message(alice_chat, "two")
    finally:
        trueconf_client.__class__ = Client
    assert seen == ["one", "two"]

    trueconf_client.send_message(alice_chat, "kept")  # bound and kept before the patch below
    monkeypatch.setattr(Client, "send_message", lambda self, chat_id, text, **kwargs: f"patched {text}")
    assert trueconf_client.send_message(alice_chat, "x") == "patched x"
