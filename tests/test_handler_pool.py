"""The handler threads of all clients form one pool (issue 15): shared threads, but each client keeps
its own order per chat, its ``workers`` limit, and is never held up by another client's handlers."""

from __future__ import annotations

import threading
from typing import Any

from trueconf_sync.events import pool


def _bots(trueconf_server: Any, factory: Any, count: int, **options: Any) -> list[Any]:
    clients = []
    for i in range(count):
        login = f"pool_bot_{i}"
        trueconf_server.add_user(login, password="pw")
        clients.append(factory(login, **options))
    return clients


def test_a_blocked_handler_of_one_client_does_not_hold_another_clients_events(
        trueconf_server, trueconf_client_factory, alice):
    stuck, free = _bots(trueconf_server, trueconf_client_factory, 2)
    release = threading.Event()
    entered = threading.Event()
    got: list[str] = []
    done = threading.Event()

    def block(message: Any) -> None:
        entered.set()
        release.wait(20)

    def record(message: Any) -> None:
        got.append(message.text)
        if len(got) == 3:
            done.set()

    stuck.on_message(block)
    free.on_message(record)
    try:
        alice.send_message(stuck.create_p2p_chat(alice.user_id), "hold the thread")
        assert entered.wait(5)
        chat = free.create_p2p_chat(alice.user_id)
        for text in ("one", "two", "three"):
            alice.send_message(chat, text)
        assert done.wait(10), got  # handled while the other client's handler still blocks
        assert got == ["one", "two", "three"] and not release.is_set()
    finally:
        release.set()


def test_a_client_runs_at_most_workers_handlers_at_once_in_order_per_chat(
        trueconf_server, trueconf_client_factory, alice, bob):
    (client,) = _bots(trueconf_server, trueconf_client_factory, 1, workers=2)
    lock = threading.Lock()
    running, peak = [0], [0]
    seen: dict[str, list[int]] = {}
    done = threading.Event()
    total = 40

    def handle(message: Any) -> None:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        threading.Event().wait(0.005)  # long enough for lanes to overlap
        with lock:
            running[0] -= 1
            sender, number = message.text.split(":")
            seen.setdefault(sender, []).append(int(number))
            if sum(map(len, seen.values())) == total:
                done.set()

    client.on_message(handle)
    chats = {"alice": (alice, client.create_p2p_chat(alice.user_id)),
             "bob": (bob, client.create_p2p_chat(bob.user_id))}
    for i in range(total // 2):
        for name, (user, chat) in chats.items():
            user.send_message(chat, f"{name}:{i}")
    assert done.wait(20), seen
    assert seen["alice"] == list(range(total // 2)) and seen["bob"] == list(range(total // 2))
    assert peak[0] <= 2


def test_many_clients_share_a_few_threads(trueconf_server, trueconf_client_factory, alice):
    clients = _bots(trueconf_server, trueconf_client_factory, 12)
    handled = threading.Semaphore(0)
    for client in clients:
        client.on_message(lambda message: handled.release())
    for client in clients:  # one after another: a free pool thread takes each, none is added
        alice.send_message(client.create_p2p_chat(alice.user_id), "hello")
        assert handled.acquire(timeout=5)
    names = [t.name for t in threading.enumerate() if t.name.startswith("trueconf-worker-")]
    assert 1 <= len(names) <= pool.KEEP + 1, names
    assert pool.POOL.threads == len(names)
