"""Property: random argument values to every API method either send a well-formed request (answered
with a result or an ApiError) or raise TypeError / ValueError before anything is sent."""

from __future__ import annotations

import inspect
import threading

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from trueconf_sync import ApiError, Client
from trueconf_sync.api.method import ApiMethod
from trueconf_sync.testing import FakeTrueConfServer

METHODS = {name: value for name in dir(Client)
           if isinstance(value := inspect.getattr_static(Client, name, None), ApiMethod)}

anything = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30) | st.binary(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    | st.tuples(inner, inner),
    max_leaves=8,
)


@pytest.fixture(scope="module")
def setup():
    server = FakeTrueConfServer().start()
    server.add_user("echo_bot")
    server.add_user("alice")
    client = Client(server.host, token=server.issue_token("echo_bot"), port=server.port, https=False, timeout=5)
    chat = client.create_p2p_chat("alice")
    message = client.send_message(chat, "hi").message_id
    plausible = st.sampled_from([chat, message, "alice", "alice@video.example.com", "hello", "", " ", "0" * 40,
                                 1, 0, -1, 10**12, True, None, "text", "markdown", "html", "owner", "user"])
    yield server, client, plausible
    client.close()
    server.stop()


def _not_too_short(value):
    """Valid but tiny timeouts legitimately end in RequestTimeoutError: not what this test is about."""
    return isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1


def _requests(server):
    return dict(server.stats["requests"])


def _count(requests):
    return sum(requests.values())


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@pytest.mark.slow
@given(name=st.sampled_from(sorted(METHODS)), data=st.data())
def test_random_arguments_send_a_valid_frame_or_raise_a_validation_error(setup, name, data):
    server, client, plausible = setup
    parameters = [p for p in inspect.signature(METHODS[name].build).parameters.values() if p.name != "timeout"]
    args, kwargs = [], {}
    for parameter in parameters:
        required = parameter.default is inspect.Parameter.empty
        if not required and data.draw(st.booleans(), label=f"skip {parameter.name}"):
            continue
        value = data.draw(st.one_of(plausible, anything), label=parameter.name)
        if parameter.kind is inspect.Parameter.KEYWORD_ONLY:
            kwargs[parameter.name] = value
        else:
            args.append(value)
    kwargs["timeout"] = data.draw(st.one_of(st.just(5), anything.filter(_not_too_short)), label="timeout")
    before = _requests(server)
    bad_frames = server.stats["bad_frames"]
    try:
        getattr(client, name)(*args, **kwargs)
    except (TypeError, ValueError):
        assert _requests(server) == before, "a request went out before the validation error"
        return
    except ApiError:
        pass  # sent, well-formed, refused by the server
    assert server.stats["bad_frames"] == bad_frames
    after = _requests(server)
    assert _count(after) == _count(before) + 1, (before, after)
    assert not [t for t in threading.enumerate() if t.name.endswith("reader") and not t.is_alive()]
