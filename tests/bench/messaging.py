"""Messaging: from ``POST /conversations/{id}/messages`` to the frame on the recipient's socket.

``make bench ONLY=messaging``. Real WebSocket clients on the local WebSocket API; each message
goes over HTTP to the gateway emulator, the real handler stores it (MongoDB), counts it unread,
and pushes it through the local ``@connections`` endpoint to the recipient's socket.

- latency: 500 messages, one at a time, between two connected users (p50/p95 of the time from
  sending the POST to the frame arriving on the recipient's socket, read by its own thread);
- throughput: 50 open sockets (25 conversations), 8 senders at once, 400 messages, until every
  frame has arrived.

The senders' per-minute limit is respected by moving the local cloud's (virtual) clock a minute
on every 20 messages of a sender.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import requests
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from tests.e2e.checkout_support import make_category, make_listing
from tests.fixtures.users import create_user

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

LATENCY_MESSAGES = 500
PAIRS = 25
THROUGHPUT_MESSAGES = 400
SENDERS = 8
T = 30


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


class Listener:
    """A socket read by its own thread: when each message's frame arrived (perf_counter)."""

    def __init__(self, url: str) -> None:
        self.socket = connect(url, open_timeout=T, max_size=2**20)
        self.arrived: dict[str, float] = {}
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for raw in self.socket:
                frame = json.loads(raw)
                if frame.get("type") == "message.created":
                    with self.changed:
                        self.arrived[frame["message"]["message_id"]] = time.perf_counter()
                        self.changed.notify_all()
        except ConnectionClosed:
            return

    def wait_message(self, message_id: str, timeout: float = 30) -> float:
        """When the frame of ``message_id`` arrived (waiting for it if it has not yet)."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while message_id not in self.arrived:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no frame for {message_id}")
                self.changed.wait(left)
            return self.arrived[message_id]

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.arrived) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self.arrived)} of {count} frames arrived")
                self.changed.wait(left)

    def close(self) -> None:
        self.socket.close()
        self.thread.join(timeout=5)


def _named(cloud: LocalCloud, name: str, *, seller: bool = False) -> TestUser:
    user = create_user(cloud, groups=("buyer", "seller") if seller else ("buyer",), name=name, profile=True)
    requests.patch(f"{cloud.api_url}/me", json={"name": name}, headers=user.headers, timeout=T)
    return user


def _pair(
    cloud: LocalCloud, admin: TestUser, category: dict[str, Any], n: int
) -> tuple[TestUser, TestUser, str]:
    buyer, seller = _named(cloud, f"Buyer {n}"), _named(cloud, f"Seller {n}", seller=True)
    listing = make_listing(cloud, seller, category, title=f"Bench item {n}")
    asked = requests.post(
        f"{cloud.api_url}/conversations",
        json={"listing_id": listing["id"], "body": "Hello"},
        headers=buyer.headers,
        timeout=T,
    )
    assert asked.status_code == 201, asked.text
    return buyer, seller, str(asked.json()["conversation_id"])


def _post(
    session: requests.Session, cloud: LocalCloud, who: TestUser, conversation_id: str, body: str
) -> str:
    response = session.post(
        f"{cloud.api_url}/conversations/{conversation_id}/messages",
        json={"body": body},
        headers=who.headers,
        timeout=T,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["message_id"])


def _latency(cloud: LocalCloud, buyer: TestUser, seller: TestUser, conversation_id: str) -> list[str]:
    assert cloud.websocket_url is not None
    to_seller = Listener(f"{cloud.websocket_url}?token={seller.id_token}")
    to_buyer = Listener(f"{cloud.websocket_url}?token={buyer.id_token}")
    session = requests.Session()
    latencies: list[float] = []
    cloud.clock.advance(60)
    try:
        for n in range(LATENCY_MESSAGES):
            if n and n % 40 == 0:
                cloud.clock.advance(60)  # a new minute: 20 messages per sender per minute
            sender, listener = (buyer, to_seller) if n % 2 == 0 else (seller, to_buyer)
            started = time.perf_counter()
            message_id = _post(session, cloud, sender, conversation_id, f"message {n}")
            latencies.append((listener.wait_message(message_id) - started) * 1000)
    finally:
        to_seller.close()
        to_buyer.close()
    p95 = _percentile(latencies, 95)
    return [
        f"POST .../messages → frame on the recipient's socket ({LATENCY_MESSAGES} messages): "
        f"p50 {_percentile(latencies, 50):.1f} ms, p95 {p95:.1f} ms, "
        f"mean {statistics.fmean(latencies):.1f} ms (target p95 < 50 ms: {'met' if p95 < 50 else 'MISSED'})"
    ]


def _throughput(cloud: LocalCloud, pairs: list[tuple[TestUser, TestUser, str]]) -> list[str]:
    assert cloud.websocket_url is not None
    cloud.clock.advance(60)
    listeners = {
        user.user_id: Listener(f"{cloud.websocket_url}?token={user.id_token}")
        for buyer, seller, _ in pairs
        for user in (buyer, seller)
    }
    jobs = []
    for n in range(THROUGHPUT_MESSAGES):
        buyer, seller, conversation_id = pairs[n % len(pairs)]
        sender = buyer if (n // len(pairs)) % 2 == 0 else seller
        jobs.append((sender, conversation_id, f"burst {n}"))
    sessions = threading.local()

    def send(job: tuple[TestUser, str, str]) -> None:
        if not hasattr(sessions, "s"):
            sessions.s = requests.Session()
        _post(sessions.s, cloud, *job)

    try:
        started = time.perf_counter()
        with ThreadPoolExecutor(SENDERS) as pool:
            list(pool.map(send, jobs))
        expected: dict[str, int] = {}
        for sender, conversation_id, _ in jobs:
            buyer, seller, _ = next(p for p in pairs if p[2] == conversation_id)
            recipient = seller if sender is buyer else buyer
            expected[recipient.user_id] = expected.get(recipient.user_id, 0) + 1
        for user_id, count in expected.items():
            listeners[user_id].wait_for(count)
        elapsed = time.perf_counter() - started
    finally:
        for listener in listeners.values():
            listener.close()
    return [
        f"throughput with {len(listeners)} open sockets, {SENDERS} senders at once: "
        f"{THROUGHPUT_MESSAGES} messages delivered in {elapsed:.2f} s "
        f"= {THROUGHPUT_MESSAGES / elapsed:.0f} msg/s"
    ]


def run(cloud: LocalCloud) -> list[str]:
    admin = create_user(cloud, groups=("buyer", "admin"))
    category = make_category(cloud, admin)
    pairs = [_pair(cloud, admin, category, n) for n in range(PAIRS)]
    buyer, seller, conversation_id = pairs[0]
    # warm up: each function's cold start, the sockets' first push
    _post(requests.Session(), cloud, buyer, conversation_id, "warm up")
    return _latency(cloud, buyer, seller, conversation_id) + _throughput(cloud, pairs)
