"""Feedback through the HTTP API on the local cloud: buy -> pay -> ship -> confirm -> feedback,
double-blind until both have left theirs or the reveal period ends on the virtual clock, the
reminder, every refusal, replies, removal, the pending list and the public profile (a read model
whose rebuild equals what the live projection built)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import psycopg
import pytest

from adapters.postgres.feedback import PostgresProfileProjection
from adapters.postgres.pool import make_pool
from tests.api.accounts_support import call
from tests.e2e.checkout_support import make_category, make_listing
from tests.integration.payouts_support import PaidOrder, paid_order
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

DAY = 86_400
SHIP = {"carrier": "USPS", "tracking_number": "9400 1000"}
RATINGS = {"item_as_described": 5, "communication": 4, "shipping_time": 5, "shipping_cost": 3}
FROM_BUYER = {"overall": "positive", "comment": "Exactly as described, fast.", "ratings": RATINGS}
FROM_SELLER = {"overall": "positive", "comment": "Quick payment, thanks!"}


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def _refused(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code, response.text


def _execution(cloud: LocalCloud, order_id: str) -> dict[str, Any]:
    aws, provisioned = cloud.started()
    sfn = aws.client("stepfunctions")
    arn = provisioned.arns[("state_machine", "feedback_window")]
    execution_arn = arn.replace(":stateMachine:", ":execution:") + f":feedback-{order_id}"
    described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
    return described


def _subjects(cloud: LocalCloud, user_id: str, words: str) -> list[str]:
    return [
        m.subject or ""
        for m in cloud.outbox.list(to=f"{user_id}@example.com", channel="email")
        if words.lower() in ((m.subject or "") + m.body).lower()
    ]


def _told(cloud: LocalCloud, user_id: str, words: str) -> list[str]:
    """The subjects of the emails to ``user_id`` (their profile's address) mentioning ``words``,
    once there is one (the window's steps run on the machine's own thread)."""
    cloud.settle()
    cloud.wait_until(lambda: bool(_subjects(cloud, user_id, words)), timeout_s=20, what=f"{words!r} email")
    return _subjects(cloud, user_id, words)


def _history(cloud: LocalCloud, order_id: str) -> list[dict[str, Any]]:
    aws, provisioned = cloud.started()
    arn = provisioned.arns[("state_machine", "feedback_window")]
    execution_arn = arn.replace(":stateMachine:", ":execution:") + f":feedback-{order_id}"
    sfn = aws.client("stepfunctions")
    return list(sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"])


def _parked(cloud: LocalCloud, order_id: str, *, left: int) -> None:
    """Once the window waits again, having seen ``left`` parties' feedback (so that a clock
    moved next times out this wait, not one the execution has yet to start)."""

    def waiting() -> bool:
        events = _history(cloud, order_id)
        outputs = [
            json.loads(e["taskSucceededEventDetails"]["output"])
            for e in events
            if e["type"] == "TaskSucceeded"
        ]
        checks = [o["Payload"] for o in outputs if "left" in o.get("Payload", {})]
        return bool(checks) and checks[-1]["left"] == left and events[-1]["type"] == "TaskSubmitted"

    cloud.wait_until(waiting, timeout_s=20, what=f"the window waiting with {left} left")


def _ended(cloud: LocalCloud, order_id: str) -> str:
    """The window's status once it has ended, and what its end announced delivered."""
    cloud.wait_until(
        lambda: _execution(cloud, order_id)["status"] != "RUNNING", timeout_s=20, what="the window's end"
    )
    cloud.settle()
    return str(_execution(cloud, order_id)["status"])


@pytest.fixture
def parties(cloud: LocalCloud, make_user, pg_url: str, unique: str):
    buyer, seller = make_user(), make_user(groups=("buyer", "seller"))
    stranger = make_user()
    paid = paid_order(cloud, pg_url, buyer.user_id, seller.user_id, checkout_id=f"fb-{unique}")
    return buyer, seller, stranger, paid


def _ship(cloud: LocalCloud, seller: TestUser, paid: PaidOrder) -> None:
    _ok(call(cloud, "POST", f"/orders/{paid.order_id}/ship", token=seller.id_token, json=SHIP))


def _deliver(cloud: LocalCloud, buyer: TestUser, seller: TestUser, paid: PaidOrder) -> None:
    _ship(cloud, seller, paid)
    _ok(call(cloud, "POST", f"/orders/{paid.order_id}/confirm-delivery", token=buyer.id_token))
    cloud.settle()  # OrderDelivered starts the feedback window


def _leave(cloud: LocalCloud, who: TestUser, paid: PaidOrder, body: dict[str, Any], **kw: Any) -> Any:
    return call(cloud, "POST", f"/orders/{paid.order_id}/feedback", token=who.id_token, json=body, **kw)


def _profile(cloud: LocalCloud, user_id: str) -> dict[str, Any]:
    return _ok(call(cloud, "GET", f"/sellers/{user_id}/profile"))


def test_given_a_delivered_order_when_both_leave_feedback_then_it_is_revealed_at_once(
    cloud: LocalCloud, parties
) -> None:
    buyer, seller, _, paid = parties
    _deliver(cloud, buyer, seller, paid)
    assert _execution(cloud, paid.order_id)["status"] == "RUNNING"
    # the buyer's: created, hidden, the seller told by email without its content
    left = _ok(_leave(cloud, buyer, paid, FROM_BUYER), 201)
    assert (left["status"], left["role"], left["overall"]) == ("hidden", "seller", "positive")
    assert left["ratings"] == RATINGS
    assert _told(cloud, seller.user_id, "left you feedback")
    as_seller = _ok(call(cloud, "GET", f"/orders/{paid.order_id}/feedback", token=seller.id_token))
    assert as_seller["other_party_left"] is True and as_seller["theirs"] is None
    assert _ok(call(cloud, "GET", f"/sellers/{seller.user_id}/feedback"))["items"] == []
    assert _profile(cloud, seller.user_id)["score"] == 0  # nothing public before the reveal
    # the seller's: the window sees both and reveals them, the execution ends
    _ok(_leave(cloud, seller, paid, FROM_SELLER), 201)
    assert _ended(cloud, paid.order_id) == "SUCCEEDED"
    as_seller = _ok(call(cloud, "GET", f"/orders/{paid.order_id}/feedback", token=seller.id_token))
    assert as_seller["theirs"]["comment"] == FROM_BUYER["comment"]
    assert as_seller["theirs"]["status"] == "revealed" and as_seller["mine"]["status"] == "revealed"
    public = _ok(call(cloud, "GET", f"/sellers/{seller.user_id}/feedback?role=seller"))["items"]
    assert [f["feedback_id"] for f in public] == [left["feedback_id"]]
    assert _ok(call(cloud, "GET", f"/sellers/{seller.user_id}/feedback?role=buyer"))["items"] == []
    profile = _profile(cloud, seller.user_id)
    assert (profile["score"], profile["percent_positive"], profile["items_sold"]) == (1, 100.0, 2)
    assert profile["counts"]["last_1_month"] == {"positive": 1, "neutral": 0, "negative": 0}
    assert profile["detailed_ratings"] is None and profile["ratings_count"] == 1  # shown from 10 on
    assert _profile(cloud, buyer.user_id)["score"] == 1


def test_given_one_party_only_then_it_stays_hidden_the_other_is_reminded_midway_and_it_is_revealed_at_the_end(
    cloud: LocalCloud, parties
) -> None:
    buyer, seller, stranger, paid = parties
    _deliver(cloud, buyer, seller, paid)
    left = _ok(_leave(cloud, buyer, paid, {**FROM_BUYER, "overall": "negative"}), 201)
    _parked(cloud, paid.order_id, left=1)
    assert cloud.clock_control is not None
    cloud.clock_control.advance(7 * DAY + 60)
    # midway: the seller (who left nothing) is reminded once; the buyer is not
    assert _told(cloud, seller.user_id, "not left feedback")
    _parked(cloud, paid.order_id, left=1)
    assert not _subjects(cloud, buyer.user_id, "not left feedback")
    assert (
        _ok(call(cloud, "GET", f"/orders/{paid.order_id}/feedback", token=seller.id_token))["theirs"] is None
    )
    assert _profile(cloud, seller.user_id)["score"] == 0
    cloud.clock_control.advance(7 * DAY)
    assert _ended(cloud, paid.order_id) == "SUCCEEDED"
    assert len(_told(cloud, seller.user_id, "not left feedback")) == 1
    theirs = _ok(call(cloud, "GET", f"/orders/{paid.order_id}/feedback", token=seller.id_token))["theirs"]
    assert theirs["feedback_id"] == left["feedback_id"] and theirs["status"] == "revealed"
    profile = _profile(cloud, seller.user_id)
    assert (profile["score"], profile["percent_positive"]) == (-1, 0.0)
    # after the reveal, the seller's feedback is visible at once
    late = _ok(_leave(cloud, seller, paid, FROM_SELLER), 201)
    assert late["status"] == "revealed"
    cloud.settle()
    assert _profile(cloud, buyer.user_id)["score"] == 1
    # a stranger cannot see the order's feedback
    _refused(
        call(cloud, "GET", f"/orders/{paid.order_id}/feedback", token=stranger.id_token),
        404,
        "ORDER_NOT_FOUND",
    )


def test_given_bad_or_untimely_feedback_then_each_is_refused_with_its_code(
    cloud: LocalCloud, parties, pg_url: str
) -> None:
    buyer, seller, stranger, paid = parties
    _refused(_leave(cloud, stranger, paid, FROM_BUYER), 404, "ORDER_NOT_FOUND")
    _refused(_leave(cloud, buyer, paid, FROM_BUYER), 409, "FEEDBACK_NOT_OPEN")
    _ship(cloud, seller, paid)
    _refused(_leave(cloud, buyer, paid, FROM_BUYER), 409, "FEEDBACK_NOT_OPEN")  # shipped, not delivered
    _ok(call(cloud, "POST", f"/orders/{paid.order_id}/confirm-delivery", token=buyer.id_token))
    cloud.settle()
    for overall in ("negative", "neutral"):
        _refused(
            _leave(cloud, seller, paid, {**FROM_SELLER, "overall": overall}),
            400,
            "FEEDBACK_SELLER_POSITIVE_ONLY",
        )
    _refused(
        _leave(cloud, seller, paid, {**FROM_SELLER, "ratings": RATINGS}), 400, "FEEDBACK_RATINGS_BUYERS_ONLY"
    )
    _refused(
        _leave(cloud, buyer, paid, {"overall": "positive", "comment": "ok"}), 400, "FEEDBACK_RATINGS_REQUIRED"
    )
    for bad in (
        {**FROM_BUYER, "comment": ""},
        {**FROM_BUYER, "comment": "x" * 501},
        {**FROM_BUYER, "overall": "great"},
        {**FROM_BUYER, "ratings": {**RATINGS, "communication": 6}},
        {**FROM_BUYER, "ratings": {**RATINGS, "communication": "5"}},
        {**FROM_BUYER, "stars": 5},
    ):
        _refused(_leave(cloud, buyer, paid, bad), 400, "INVALID_REQUEST")
    key = {"Idempotency-Key": "fb-once"}
    first = _ok(_leave(cloud, buyer, paid, FROM_BUYER, headers=key), 201)
    assert _ok(_leave(cloud, buyer, paid, FROM_BUYER, headers=key), 201) == first
    _refused(
        _leave(cloud, buyer, paid, {**FROM_BUYER, "comment": "Other"}, headers=key),
        422,
        "IDEMPOTENCY_KEY_REUSED",
    )
    _refused(_leave(cloud, buyer, paid, FROM_BUYER), 409, "FEEDBACK_ALREADY_LEFT")
    assert _ok(call(cloud, "GET", f"/orders/{paid.order_id}/feedback", token=buyer.id_token))["mine"] == first
    # the window as it stands 61 days after the delivery (moved back in the table rather than the
    # shared clock forward by two months under every later test)
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "UPDATE feedback_windows SET delivered_at = delivered_at - interval '61 days', "
            "remind_at = remind_at - interval '61 days', reveal_at = reveal_at - interval '61 days', "
            "closes_at = closes_at - interval '61 days' WHERE order_id = %s",
            (paid.order_id,),
        )
    _refused(_leave(cloud, seller, paid, FROM_SELLER), 409, "FEEDBACK_WINDOW_CLOSED")
    assert _ok(call(cloud, "GET", "/me/feedback/pending", token=seller.id_token))["items"] == []
    _refused(call(cloud, "GET", "/sellers/no-such-member/profile"), 404, "FEEDBACK_MEMBER_NOT_FOUND")


def test_given_the_pending_list_then_it_shows_where_the_caller_can_still_leave_feedback(
    cloud: LocalCloud, parties
) -> None:
    buyer, seller, _, paid = parties
    _deliver(cloud, buyer, seller, paid)
    mine = _ok(call(cloud, "GET", "/me/feedback/pending", token=buyer.id_token))
    assert [(p["order_id"], p["role"], p["counterpart_id"]) for p in mine["items"]] == [
        (paid.order_id, "seller", seller.user_id)
    ]
    window = _ok(call(cloud, "GET", f"/orders/{paid.order_id}/feedback", token=buyer.id_token))["window"]
    assert mine["items"][0]["closes_at"] == window["closes_at"]
    _ok(_leave(cloud, buyer, paid, FROM_BUYER), 201)
    assert _ok(call(cloud, "GET", "/me/feedback/pending", token=buyer.id_token))["items"] == []
    theirs = _ok(call(cloud, "GET", "/me/feedback/pending?limit=1", token=seller.id_token))
    assert [p["role"] for p in theirs["items"]] == ["buyer"]
    _refused(
        call(cloud, "GET", "/me/feedback/pending?cursor=nope", token=seller.id_token), 400, "INVALID_CURSOR"
    )


def test_given_revealed_feedback_then_the_rated_replies_once_and_an_admin_removal_recomputes_the_profile(
    cloud: LocalCloud, parties, admin
) -> None:
    buyer, seller, stranger, paid = parties
    _deliver(cloud, buyer, seller, paid)
    left = _ok(_leave(cloud, buyer, paid, FROM_BUYER), 201)
    reply_to = f"/feedback/{left['feedback_id']}/reply"
    _refused(
        call(cloud, "POST", reply_to, token=seller.id_token, json={"body": "Thanks"}),
        409,
        "FEEDBACK_NOT_REVEALED",
    )
    _refused(
        call(cloud, "POST", reply_to, token=stranger.id_token, json={"body": "Hi"}), 404, "FEEDBACK_NOT_FOUND"
    )
    _ok(_leave(cloud, seller, paid, FROM_SELLER), 201)
    assert _ended(cloud, paid.order_id) == "SUCCEEDED"
    replied = _ok(call(cloud, "POST", reply_to, token=seller.id_token, json={"body": "Thanks for buying!"}))
    assert replied["reply"]["body"] == "Thanks for buying!"
    assert (
        _ok(call(cloud, "POST", reply_to, token=seller.id_token, json={"body": "Thanks for buying!"}))
        == replied
    )
    _refused(
        call(cloud, "POST", reply_to, token=seller.id_token, json={"body": "Again"}),
        409,
        "FEEDBACK_ALREADY_REPLIED",
    )
    _refused(
        call(cloud, "POST", reply_to, token=buyer.id_token, json={"body": "Me"}),
        403,
        "FEEDBACK_REPLY_ONLY_BY_RATED",
    )
    _told(cloud, buyer.user_id, "replied")
    public = _ok(call(cloud, "GET", f"/sellers/{seller.user_id}/feedback"))["items"]
    assert public[0]["reply"]["body"] == "Thanks for buying!"
    assert public[0].get("removal_reason") is None
    assert _profile(cloud, seller.user_id)["score"] == 1
    # an admin removes it: it stops counting, and both parties are told
    remove = f"/admin/feedback/{left['feedback_id']}"
    _refused(call(cloud, "DELETE", remove, token=buyer.id_token, json={"reason": "x"}), 403, "ADMIN_ONLY")
    removed = _ok(call(cloud, "DELETE", remove, token=admin.id_token, json={"reason": "Personal details."}))
    assert (removed["status"], removed["removal_reason"]) == ("removed", "Personal details.")
    assert (
        _ok(call(cloud, "DELETE", remove, token=admin.id_token, json={"reason": "Personal details."}))
        == removed
    )
    _refused(
        call(cloud, "DELETE", "/admin/feedback/nope", token=admin.id_token, json={"reason": "x"}),
        404,
        "FEEDBACK_NOT_FOUND",
    )
    cloud.settle()
    profile = _profile(cloud, seller.user_id)
    assert (profile["score"], profile["percent_positive"]) == (0, None)
    assert profile["counts"]["last_12_months"] == {"positive": 0, "neutral": 0, "negative": 0}
    assert _ok(call(cloud, "GET", f"/sellers/{seller.user_id}/feedback"))["items"] == []
    assert _told(cloud, buyer.user_id, "was removed") and _told(cloud, seller.user_id, "was removed")
    _refused(
        call(cloud, "POST", reply_to, token=seller.id_token, json={"body": "?"}), 409, "FEEDBACK_REMOVED"
    )


def test_given_live_feedback_when_the_read_model_is_rebuilt_then_it_equals_the_live_projection(
    cloud: LocalCloud, make_user, pg_url: str, unique: str, admin
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    buyers = [make_user() for _ in range(3)]
    overalls = ["positive", "negative", "neutral"]
    orders = []
    for n, (buyer, overall) in enumerate(zip(buyers, overalls, strict=True)):
        paid = paid_order(cloud, pg_url, buyer.user_id, seller.user_id, checkout_id=f"rb-{unique}", n=n)
        _deliver(cloud, buyer, seller, paid)
        _ok(_leave(cloud, buyer, paid, {**FROM_BUYER, "overall": overall}), 201)
        _ok(_leave(cloud, seller, paid, FROM_SELLER), 201)
        orders.append(paid)
    # a repeat from one buyer in the same week counts once in the score
    again = paid_order(cloud, pg_url, buyers[0].user_id, seller.user_id, checkout_id=f"rb-{unique}", n=9)
    _deliver(cloud, buyers[0], seller, again)
    _ok(_leave(cloud, buyers[0], again, FROM_BUYER), 201)
    _ok(_leave(cloud, seller, again, FROM_SELLER), 201)
    for paid in (*orders, again):
        assert _ended(cloud, paid.order_id) == "SUCCEEDED"
    profile = _profile(cloud, seller.user_id)
    assert (profile["score"], profile["percent_positive"]) == (0, 66.7)
    assert profile["counts"]["last_1_month"] == {"positive": 2, "neutral": 1, "negative": 1}
    assert profile["items_sold"] == 8
    # the negative removed: the profile is recomputed from what still counts
    negative = _ok(call(cloud, "GET", f"/orders/{orders[1].order_id}/feedback", token=buyers[1].id_token))
    remove = f"/admin/feedback/{negative['mine']['feedback_id']}"
    _ok(call(cloud, "DELETE", remove, token=admin.id_token, json={"reason": "Spam."}))
    cloud.settle()
    profile = _profile(cloud, seller.user_id)
    assert (profile["score"], profile["percent_positive"]) == (1, 100.0)
    members = [seller.user_id, *(b.user_id for b in buyers)]
    pool = make_pool(pg_url)
    try:
        projection = PostgresProfileProjection(pool)
        live = projection.snapshot(members)
        assert live["seller_profiles"] and live["seller_profile_counted"]
        assert projection.rebuild() >= len(members)
        assert projection.snapshot(members) == live
    finally:
        pool.close()
    assert _profile(cloud, seller.user_id) == profile


def test_given_a_seller_with_revealed_feedback_then_their_listings_and_results_carry_score_and_percent(
    cloud: LocalCloud, parties, admin, pg_url: str
) -> None:
    buyer, seller, _, paid = parties
    with psycopg.connect(pg_url, autocommit=True) as conn:
        seed_launch_schedule(conn)
    category = make_category(cloud, admin)
    before = make_listing(cloud, seller, category, title="Listed before any feedback")
    cloud.settle()
    assert before.get("seller_rating") is None
    _deliver(cloud, buyer, seller, paid)
    _ok(_leave(cloud, buyer, paid, FROM_BUYER), 201)
    _ok(_leave(cloud, seller, paid, FROM_SELLER), 201)
    assert _ended(cloud, paid.order_id) == "SUCCEEDED"
    rating = {"score": 1, "percent_positive": 100.0}
    assert _ok(call(cloud, "GET", f"/listings/{before['id']}"))["seller_rating"] == rating
    # a listing made later carries them from its creation (ListingCreated)
    after = make_listing(cloud, seller, category, title="Listed after the feedback")
    cloud.settle()
    results = _ok(call(cloud, "GET", f"/sellers/{seller.user_id}/listings"))["items"]
    assert {r["id"]: r["seller_rating"] for r in results} == {before["id"]: rating, after["id"]: rating}
