"""The public profile's projection on the real PostgreSQL, against a plain recomputation.

Hypothesis draws feedback histories (who rated, when, how; revealed or not; removed or not),
which are written as the feedback table holds them; the projection then applies their events in
a random order, some twice, as EventBridge may deliver them. The profile it shows (score with
the once-a-week rule, percent positive and the counts over 1/6/12 months, detailed ratings) must
equal what a plain recomputation from the history gives, and a rebuild must give the same rows.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.postgres.feedback import PostgresFeedbackReads, PostgresProfileProjection
from adapters.postgres.pool import make_pool
from tests.fakes.clock import FakeClock
from workflows.feedback.model import months_before, week_of
from workflows.feedback.service import SellerProfiles

NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)
RATERS = 4
_runs = itertools.count()

#: one feedback: (rater, hours before now it was left, overall, stars, revealed, removed)
histories = st.lists(
    st.tuples(
        st.integers(0, RATERS - 1),
        st.integers(0, 400 * 24),
        st.sampled_from(["positive", "neutral", "negative"]),
        st.tuples(*(st.integers(1, 5) for _ in range(4))),
        st.booleans(),
        st.booleans(),
    ),
    max_size=25,
)


@pytest.fixture(scope="module")
def pool(pg_url: str) -> Iterator[Any]:
    opened = make_pool(pg_url)
    yield opened
    opened.close()


def _write(conn: psycopg.Connection[Any], run: int, history: list[tuple[Any, ...]]) -> tuple[str, list[str]]:
    seller = f"fbp-{run}-seller"
    raters = [f"fbp-{run}-buyer-{n}" for n in range(RATERS)]
    for user in (seller, *raters):
        conn.execute("INSERT INTO users (user_id, email) VALUES (%s, %s)", (user, f"{user}@example.com"))
    ids = []
    for n, (rater, hours, overall, stars, revealed, removed) in enumerate(history):
        order_id, left_at = f"fbp-{run}-order-{n}", NOW - timedelta(hours=hours)
        conn.execute(
            "INSERT INTO orders (order_id, checkout_id, buyer_id, seller_id, status, currency, items_total, "
            "shipping_total, fee_total, seller_net, fee_schedule_version) "
            "VALUES (%s, %s, %s, %s, 'delivered', 'USD', 0, 0, 0, 0, 1)",
            (order_id, order_id, raters[rater], seller),
        )
        delivered = left_at - timedelta(hours=1)
        conn.execute(
            "INSERT INTO feedback_windows (order_id, buyer_id, seller_id, delivered_at, remind_at, "
            "reveal_at, closes_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (order_id, raters[rater], seller, delivered, delivered + timedelta(days=7),
             delivered + timedelta(days=14), delivered + timedelta(days=60)),
        )  # fmt: skip
        feedback_id = f"fbp-{run}-fb-{n}"
        conn.execute(
            "INSERT INTO feedback (feedback_id, order_id, author_id, subject_id, subject_role, overall, "
            "comment, item_as_described, communication, shipping_time, shipping_cost, left_at, revealed_at, "
            "removed_at, removal_reason, request_hash) "
            "VALUES (%s, %s, %s, %s, 'seller', %s, 'ok', %s, %s, %s, %s, %s, %s, %s, %s, 'h')",
            (feedback_id, order_id, raters[rater], seller, overall, *stars, left_at,
             left_at if revealed else None, NOW if removed else None, "policy" if removed else None),
        )  # fmt: skip
        ids.append(feedback_id)
    return seller, raters


def _plain(history: list[tuple[Any, ...]]) -> dict[str, Any]:
    """The profile computed straight from the history, the simplest way."""
    counted = [h for h in history if h[4] and not h[5]]
    weeks: dict[tuple[int, Any], set[str]] = {}
    for rater, hours, overall, *_ in counted:
        weeks.setdefault((rater, week_of((NOW - timedelta(hours=hours)).date())), set()).add(overall)
    score = sum(("positive" in o) - ("negative" in o) for o in weeks.values())
    counts = {}
    for months in (1, 6, 12):
        start = months_before(NOW.date(), months)
        inside = [h[2] for h in counted if (NOW - timedelta(hours=h[1])).date() >= start]
        counts[months] = {o: inside.count(o) for o in ("positive", "neutral", "negative")}
    year = counts[12]
    judged = year["positive"] + year["negative"]
    percent = None if not judged else round(100 * year["positive"] / judged + 1e-9, 1)
    return {"score": score, "counts": counts, "percent": percent}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=histories, seed=st.integers(0, 10**6))
def test_given_random_histories_then_the_live_projection_equals_a_plain_recomputation_and_its_rebuild(
    pool: Any, pg_url: str, history: list[tuple[Any, ...]], seed: int
) -> None:
    run = next(_runs)
    with psycopg.connect(pg_url) as conn, conn.transaction():
        seller, raters = _write(conn, run, history)
    projection = PostgresProfileProjection(pool)
    profiles = SellerProfiles(projection=projection, reads=PostgresFeedbackReads(pool), clock=FakeClock(NOW))
    # every feedback's events (left, revealed, removed), in any order, some twice
    deliveries = [
        (f"fbp-{run}-fb-{n}", kind) for n in range(len(history)) for kind in ("left", "revealed", "removed")
    ]
    rng = random.Random(seed)
    deliveries += rng.sample(deliveries, k=len(deliveries) // 3)
    rng.shuffle(deliveries)
    for feedback_id, kind in deliveries:
        projection.sync_feedback(feedback_id, f"event-{kind}-{feedback_id}")
    expected = _plain(history)
    shown = profiles.profile(seller)
    assert shown.score == expected["score"]
    assert shown.percent_positive == expected["percent"]
    for months, name in ((1, "last_1_month"), (6, "last_6_months"), (12, "last_12_months")):
        assert getattr(shown.counts, name).model_dump() == expected["counts"][months], months
    live = projection.snapshot([seller, *raters])
    projection.rebuild()
    assert projection.snapshot([seller, *raters]) == live
