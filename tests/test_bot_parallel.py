"""Bot framework: handlers of different chats run in parallel on the client's workers, while the
events of one chat stay in order and never overlap."""

from __future__ import annotations

import threading
from collections import defaultdict
from typing import Any

from test_bot_helpers import start_bot

from trueconf_sync.api.models import Message
from trueconf_sync.bot import Dispatcher


def test_chats_in_parallel_one_chat_in_order(trueconf_server: Any, trueconf_client_factory: Any,
                                             wait_until: Any) -> None:
    people = [f"user{i}" for i in range(8)]
    for login in people:
        trueconf_server.add_user(login, password="password")
    lock = threading.Lock()
    overlap = threading.Event()
    running: dict[str, int] = defaultdict(int)  # per chat
    active = peak = 0
    per_chat_peak: dict[str, int] = defaultdict(int)
    order: dict[str, list[str]] = defaultdict(list)
    threads: set[str] = set()
    dp = Dispatcher()

    @dp.message()
    def handle(message: Message) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
            running[message.chat_id] += 1
            per_chat_peak[message.chat_id] = max(per_chat_peak[message.chat_id], running[message.chat_id])
            order[message.chat_id].append(message.text or "")
            threads.add(threading.current_thread().name)
            if active >= 2:
                overlap.set()
        overlap.wait(5)  # hold the worker until two chats are in a handler at the same time
        with lock:
            active -= 1
            running[message.chat_id] -= 1

    start_bot(trueconf_client_factory, dp, workers=8)
    sent: dict[str, list[str]] = {}
    for login in people:
        user = trueconf_server.user(login)
        chat = user.p2p_chat_with("echo_bot")
        sent[chat] = [f"{login}-{n}" for n in range(3)]
        for text in sent[chat]:
            user.send_message(chat, text)
    wait_until(lambda: sum(map(len, order.values())) == 24, timeout=10)
    assert overlap.is_set() and peak >= 2, "handlers of different chats never ran at the same time"
    assert len(threads) >= 2
    assert dict(order) == sent                      # each chat's messages in the order they were written
    assert set(per_chat_peak.values()) == {1}      # and never two of one chat at once
