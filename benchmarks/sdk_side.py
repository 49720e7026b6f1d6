"""The third side of the benchmark: the official asyncio SDK (``python-trueconf-bot``, import ``trueconf``).

The SDK is not a dependency of trueconf_sync, not even an extra (the published wheel has no
benchmarks and should not pull in another client library). To get this side, install it into the
interpreter that runs the benchmark (``pip install python-trueconf-bot==1.5.4``), or into a separate
venv and point the runner at it::

    python3 -m venv /tmp/sdkvenv && /tmp/sdkvenv/bin/pip install python-trueconf-bot==1.5.4
    python -m benchmarks.run --sdk-python /tmp/sdkvenv/bin/python

Without it the runner prints that the SDK side was skipped and runs the other two sides.

Each function here does the same work as the raw and ours functions of the same scenario in
:mod:`benchmarks.scenarios`, with the same :class:`~benchmarks.scenarios.Setup` and the same
figures, written as an asyncio user of the SDK would:

* sequential: ``await bot.send_message(chat, text)`` in a loop;
* pipelined: ``window`` coroutines, each awaiting ``send_message`` for the next message number, so
  at most ``window`` calls are in flight (the sliding window of our ``max_in_flight``);
* inbound: a ``@router.message()`` handler (its router included in the bot's dispatcher) that
  touches ``message.text``; the SDK parses the event into its ``Message`` model, runs its
  middleware (``SkipSelfMessages``) and acks it.

The SDK's own loggers log every call at INFO to stderr by default; we raise them to WARNING, as a
production bot would, so the comparison does not charge the SDK for formatting log lines.
The SDK checks the token's shape and expiry before it connects: the thin server hands out a
JWT-shaped token (:data:`benchmarks.thin_server.TOKEN`), the fake server real JWTs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .scenarios import Figures, Meter, Setup, _percentiles, _preload, _rate

#: the PyPI distribution that provides the ``trueconf`` package
DISTRIBUTION = "python-trueconf-bot"
START_TIMEOUT = 30.0
INBOUND_TIMEOUT = 120.0


def _quiet_sdk_logging() -> None:
    for name in ("trueconf.client.chatbot", "trueconf.dispatcher", "chat_bot"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def _start(setup: Setup, dispatcher: Any = None, receive_unread: bool = False) -> Any:
    """A started, authorised ``trueconf.Bot`` on ``ws://host:port`` (plain HTTP for its info request)."""
    from trueconf import Bot

    _quiet_sdk_logging()
    bot = Bot(setup.host, setup.token, web_port=setup.port, https=False, dispatcher=dispatcher,
              receive_unread_messages=receive_unread, ws_max_retries=1)
    await bot.start()
    authorized = asyncio.ensure_future(bot.authorized_event.wait())
    connecting = bot._connect_task  # (private: the only place a failed connect reports its error)
    assert connecting is not None  # (start() made it)
    done, _ = await asyncio.wait({authorized, connecting}, timeout=START_TIMEOUT,
                                 return_when=asyncio.FIRST_COMPLETED)
    if authorized not in done:
        authorized.cancel()
        error = connecting.exception() if connecting in done else None
        raise SystemExit(f"the SDK did not connect to {setup.url} within {START_TIMEOUT:g} s: {error!r}")
    return bot


def _run(scenario: Callable[[Setup], Any], setup: Setup) -> Figures:
    figures: Figures = asyncio.run(scenario(setup))
    return figures


async def _sequential(setup: Setup) -> Figures:
    bot = await _start(setup)
    send, chat = bot.send_message, setup.chat_id
    for i in range(setup.warmup):
        await send(chat, f"warm {i}")
    samples: list[float] = []
    clock = time.perf_counter
    with Meter(setup.server_pid) as meter:
        for i in range(setup.count):
            start = clock()
            await send(chat, f"sdk {i}")
            samples.append(clock() - start)
    await bot.shutdown(timeout=10)
    return _rate(setup.count, meter, **_percentiles(samples))


def sdk_sequential(setup: Setup) -> Figures:
    """``await bot.send_message(chat, text)`` in a loop."""
    return _run(_sequential, setup)


async def _pipelined(setup: Setup) -> Figures:
    from trueconf.exceptions import ApiErrorException, WSConnectionError

    bot = await _start(setup)
    send, chat = bot.send_message, setup.chat_id
    for i in range(setup.warmup):
        await send(chat, f"warm {i}")
    numbers = iter(range(setup.count))
    failed = [0]

    async def sender() -> None:
        for i in numbers:  # (shared: each sender takes the next number when its call is answered)
            try:
                await send(chat, f"sdk {i}")
            except (ApiErrorException, WSConnectionError, TimeoutError):  # counted, as our side counts them
                failed[0] += 1

    with Meter(setup.server_pid) as meter:
        await asyncio.gather(*(sender() for _ in range(max(1, setup.window))))
    await bot.shutdown(timeout=10)
    if failed[0]:
        raise SystemExit(f"{failed[0]} of {setup.count} SDK sends failed")
    return _rate(setup.count, meter, mode=f"{setup.window} senders")


def sdk_pipelined(setup: Setup) -> Figures:
    """``send_message`` coroutines, ``window`` of them in flight at any time."""
    return _run(_pipelined, setup)


def _flood_method(count: int, chat_id: str) -> Any:
    """The thin server's ``benchFlood`` request as an SDK method object (sent with ``await bot(...)``)."""
    from trueconf.methods.base import TrueConfMethod

    @dataclass
    class BenchFlood(TrueConfMethod[dict]):  # type: ignore[type-arg]
        __api_method__ = "benchFlood"
        __returning__ = dict

        count: int
        chat_id: str

        def __post_init__(self) -> None:
            super().__init__()  # type: ignore[no-untyped-call]

        def payload(self) -> dict[str, Any]:
            return {"count": self.count, "chatId": self.chat_id}

    return BenchFlood(count, chat_id)


async def _inbound(setup: Setup) -> Figures:
    from trueconf import Dispatcher, Message, Router

    count = setup.count
    fake = setup.server == "fake"
    router = Router()  # (the dispatcher feeds its routers, not handlers registered on itself)
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    done = asyncio.Event()
    handled = [0]

    @router.message()  # type: ignore[untyped-decorator]
    async def handle(message: Message) -> None:
        if message.text:  # touch the typed model, as a bot would
            handled[0] += 1
        if handled[0] >= count:
            done.set()

    if fake:
        _preload(setup, count)
    else:
        bot = await _start(setup, dispatcher)
    with Meter(setup.server_pid) as meter:
        if fake:
            bot = await _start(setup, dispatcher, receive_unread=True)
        else:
            await bot(_flood_method(count, setup.chat_id))
        try:
            await asyncio.wait_for(done.wait(), INBOUND_TIMEOUT)
        except asyncio.TimeoutError:
            raise SystemExit(f"only {handled[0]} of {count} events handled by the SDK") from None
    await bot.shutdown(timeout=10)
    return _rate(count, meter)


def sdk_inbound(setup: Setup) -> Figures:
    """Events parsed into the SDK's ``Message`` models, handed to a message handler, acked."""
    return _run(_inbound, setup)


#: scenario name -> the SDK side (the scenarios of :mod:`benchmarks.scenarios` that have one)
SDK_SCENARIOS: dict[str, Callable[[Setup], Figures]] = {
    "sequential": sdk_sequential,
    "pipelined": sdk_pipelined,
    "inbound": sdk_inbound,
}


def sdk_version() -> str:
    """The installed SDK's version (raises ImportError when ``trueconf`` cannot be imported)."""
    from importlib.metadata import version

    import trueconf  # noqa: F401  # (the import itself is the check)

    return version(DISTRIBUTION)


if __name__ == "__main__":  # the runner's probe: prints the version, or fails when the SDK is missing
    print(sdk_version())
