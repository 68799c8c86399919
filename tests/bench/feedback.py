"""Feedback benchmark: the public profile of a seller with 10,000 feedback entries, and the
projection's lag from feedback to profile.

- Seeding (not timed as a request): one seller, 400 buyers, 10,000 revealed feedback entries
  left over the last 18 months (70 % positive, 20 % neutral, 10 % negative, the buyers' with
  detailed ratings), written straight into the feedback table, then projected by the rebuild
  (``make rebuild-read-models``' code path), whose duration is reported.
- ``GET /sellers/{id}/profile`` through the API gateway emulator: 300 calls after a warm-up,
  p50/p95 (target: p95 under 20 ms). What it reads: one row of totals and at most one bucket
  per day of the last 12 months, summed at read.
- Projection lag: 20 times, a delivered order's two parties leave feedback through the API; the
  window reveals it and the projection's consumer counts it. Timed from the second party's POST
  answering to ``GET /sellers/{id}/profile`` showing the new score (``cloud.wait_until`` polls it
  and lets the local cloud's due asynchronous deliveries run between its looks); locally
  the window's steps and the consumer run in the same process, so this is an upper bound of the
  steps' and consumer's own work, without Lambda's and EventBridge's delivery latencies.

``run(cloud)`` returns the report lines.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import psycopg
import requests

from adapters.postgres.feedback import PostgresFeedbackReads, PostgresProfileProjection
from adapters.postgres.pool import make_pool
from tests.fixtures.users import create_user
from tests.integration.payouts_support import paid_order
from workflows.feedback.service import SellerProfiles
from workflows.shared.clock import SystemClock

if TYPE_CHECKING:
    from local.runtime import LocalCloud

ENTRIES = 10_000
BUYERS = 400
CALLS = 300
LAG_RUNS = 20
TARGET_P95_MS = 20.0
T = 15


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _seed(url: str, seller: str) -> None:
    rng = random.Random(15)
    now = SystemClock().now()
    buyers = [f"bench-fb-buyer-{n}" for n in range(BUYERS)]
    with psycopg.connect(url) as conn, conn.transaction(), conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO users (user_id, email) VALUES (%s, %s) ON CONFLICT DO NOTHING",
            [(u, f"{u}@example.com") for u in (seller, *buyers)],
        )
        orders, windows, feedback = [], [], []
        for n in range(ENTRIES):
            order_id, buyer = f"bench-fb-{seller[:8]}-{n}", buyers[n % BUYERS]
            left = now - timedelta(minutes=rng.randrange(18 * 30 * 24 * 60))
            delivered = left - timedelta(hours=1)
            overall = rng.choices(["positive", "neutral", "negative"], weights=[7, 2, 1])[0]
            stars = [rng.randint(1, 5) for _ in range(4)]
            orders.append((order_id, order_id, buyer, seller))
            day = timedelta(days=1)
            windows.append(
                (order_id, buyer, seller, delivered, delivered + 7 * day, delivered + 14 * day,
                 delivered + 60 * day, delivered + day)
            )  # fmt: skip
            feedback.append(
                (
                    f"{order_id}-fb",
                    order_id,
                    buyer,
                    seller,
                    overall,
                    *stars,
                    left,
                    left + timedelta(minutes=5),
                )
            )
        cur.executemany(
            "INSERT INTO orders (order_id, checkout_id, buyer_id, seller_id, status, currency, "
            "items_total, shipping_total, fee_total, seller_net, fee_schedule_version) "
            "VALUES (%s, %s, %s, %s, 'delivered', 'USD', 0, 0, 0, 0, 1)",
            orders,
        )
        cur.executemany(
            "INSERT INTO feedback_windows (order_id, buyer_id, seller_id, delivered_at, remind_at, "
            "reveal_at, closes_at, revealed_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            windows,
        )
        cur.executemany(
            "INSERT INTO feedback (feedback_id, order_id, author_id, subject_id, subject_role, overall, "
            "comment, item_as_described, communication, shipping_time, shipping_cost, left_at, "
            "revealed_at, request_hash) "
            "VALUES (%s, %s, %s, %s, 'seller', %s, 'bench', %s, %s, %s, %s, %s, %s, 'bench')",
            feedback,
        )


def _profile_latencies(cloud: LocalCloud, seller: str) -> tuple[list[float], dict[str, Any]]:
    session = requests.Session()
    url = f"{cloud.api_url}/sellers/{seller}/profile"
    for _ in range(20):
        warm = session.get(url, timeout=T)
        assert warm.status_code == 200, warm.text
    latencies = []
    for _ in range(CALLS):
        started = time.perf_counter()
        response = session.get(url, timeout=T)
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return latencies, warm.json()


def _lag(cloud: LocalCloud, pg_url: str) -> list[float]:
    seller = create_user(cloud, groups=("buyer", "seller"))
    lags = []
    session = requests.Session()
    ratings = {"item_as_described": 5, "communication": 5, "shipping_time": 5, "shipping_cost": 5}
    for n in range(LAG_RUNS):
        buyer = create_user(cloud)
        paid = paid_order(
            cloud, pg_url, buyer.user_id, seller.user_id, checkout_id=f"bench-lag-{seller.user_id}", n=n
        )
        base = f"{cloud.api_url}/orders/{paid.order_id}"
        ship = {"carrier": "USPS", "tracking_number": "9400 1000"}
        assert session.post(f"{base}/ship", json=ship, headers=_auth(seller), timeout=T).status_code == 200
        assert session.post(f"{base}/confirm-delivery", headers=_auth(buyer), timeout=T).status_code == 200
        cloud.settle()
        body = {"overall": "positive", "comment": "Great", "ratings": ratings}
        assert session.post(f"{base}/feedback", json=body, headers=_auth(buyer), timeout=T).status_code == 201
        cloud.settle()
        reply = {"overall": "positive", "comment": "Thanks"}
        assert (
            session.post(f"{base}/feedback", json=reply, headers=_auth(seller), timeout=T).status_code == 201
        )
        started = time.perf_counter()
        profile = f"{cloud.api_url}/sellers/{seller.user_id}/profile"
        # wait_until lets the asynchronous deliveries that are due run between its looks
        cloud.wait_until(
            lambda: session.get(profile, timeout=T).json()["score"] >= n + 1,  # noqa: B023 - used at once
            timeout_s=30,
            what="the profile showing the feedback",
        )
        lags.append((time.perf_counter() - started) * 1000)
        cloud.settle()
    return lags


def _auth(user: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.id_token}"}


def run(cloud: LocalCloud) -> list[str]:
    assert cloud.postgres_url is not None
    url = cloud.postgres_url
    seller = create_user(cloud, groups=("buyer", "seller"))
    started = time.perf_counter()
    _seed(url, seller.user_id)
    seeded_s = time.perf_counter() - started
    pool = make_pool(url)
    try:
        projection = PostgresProfileProjection(pool)
        started = time.perf_counter()
        projection.rebuild()
        rebuilt_s = time.perf_counter() - started
        # the read itself, without the gateway emulator and the handler around it
        profiles = SellerProfiles(
            projection=projection, reads=PostgresFeedbackReads(pool), clock=SystemClock()
        )
        direct = []
        for _ in range(CALLS):
            started = time.perf_counter()
            profiles.profile(seller.user_id)
            direct.append((time.perf_counter() - started) * 1000)
    finally:
        pool.close()
    latencies, profile = _profile_latencies(cloud, seller.user_id)
    p95 = percentile(latencies, 95)
    lags = _lag(cloud, url)
    counts = profile["counts"]["last_12_months"]
    return [
        f"seeded {ENTRIES} feedback entries in {seeded_s:.1f} s; "
        f"rebuild of the projection {rebuilt_s * 1000:.0f} ms",
        f"profile: score {profile['score']}, {profile['percent_positive']} % positive, 12 months {counts}",
        f"GET /sellers/{{id}}/profile at {ENTRIES} entries ({CALLS} calls): "
        f"p50 {percentile(latencies, 50):.2f} ms, p95 {p95:.2f} ms, "
        f"mean {statistics.fmean(latencies):.2f} ms "
        f"(target p95 < {TARGET_P95_MS:.0f} ms: "
        f"{'met' if p95 < TARGET_P95_MS else 'MISSED'})",
        f"the profile's read in-process (SellerProfiles.profile, {CALLS} calls): "
        f"p50 {percentile(direct, 50):.2f} ms, p95 {percentile(direct, 95):.2f} ms",
        f"projection lag, second feedback POST -> profile shows it ({LAG_RUNS} runs): "
        f"p50 {percentile(lags, 50):.1f} ms, p95 {percentile(lags, 95):.1f} ms, max {max(lags):.1f} ms",
    ]
