"""The auctions' bidder directory in the real local PostgreSQL: the name a masked bidder is made
of, and eBay's number beside it (the feedback score; completed purchases before any feedback)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from adapters.postgres.bidders import PostgresBidders
from adapters.postgres.pool import make_pool
from workflows.auctions.ports import BidderInfo
from workflows.auctions.views import masked_name

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def bidders(pg_url: str, pg_conn: Any) -> Iterator[PostgresBidders]:
    pool = make_pool(pg_url, min_size=1, max_size=2)
    try:
        yield PostgresBidders(pool)
    finally:
        pool.close()


def test_given_feedback_or_none_then_the_count_is_the_score_or_the_purchases(
    bidders: PostgresBidders, pg_conn: Any
) -> None:
    # Given a rated member, one not yet rated with a paid purchase, and one known by email only
    pg_conn.execute(
        "INSERT INTO users (user_id, email, name) VALUES "
        "('rated', 'rated@example.com', 'Ann Bidder'), ('new', 'new@example.com', 'Bob'), "
        "('seller', 'seller@example.com', 'Sue'), ('quiet', 'zed.quiet@example.com', NULL)"
    )
    pg_conn.execute(
        "INSERT INTO seller_profiles (user_id, score, positive, negative) VALUES ('rated', 12, 13, 1)"
    )
    pg_conn.execute(
        "INSERT INTO orders (order_id, checkout_id, buyer_id, seller_id, status, currency, items_total, "
        "shipping_total, fee_total, seller_net, fee_schedule_version) "
        "VALUES ('o-1', 'c-1', 'new', 'seller', 'paid', 'USD', 0, 0, 0, 0, 1)"
    )
    # When the directory describes them (and a stranger id)
    found = bidders.describe(["rated", "new", "quiet", "nobody"])
    # Then the rated member shows their score, the others their purchases
    assert found == {
        "rated": BidderInfo(name="Ann Bidder", feedback_count=12, completed_purchases=0),
        "new": BidderInfo(name="Bob", feedback_count=None, completed_purchases=1),
        "quiet": BidderInfo(name="zed.quiet", feedback_count=None, completed_purchases=0),
    }
    assert [masked_name(found[u]) for u in ("rated", "new", "quiet")] == [
        "a***r (12)",
        "b***b (1)",
        "z***t (0)",
    ]
