"""Messaging through the HTTP API: conversations about a listing or an order, who sees them,
bodies, idempotency, masking before an order, read markers and unread counts, rate limits,
blocks and reports."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import pytest

from tests.api.accounts_support import call
from tests.e2e.checkout_support import make_category, make_listing
from tests.fixtures.users import TestUser, create_user
from tests.integration.payouts_support import paid_order
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from local.runtime import LocalCloud


def _user(cloud: LocalCloud, name: str, *, seller: bool = False) -> TestUser:
    """A user as after a sign-up: the profile row with their name (what others see of it)."""
    groups = ("buyer", "seller") if seller else ("buyer",)
    user = create_user(cloud, groups=groups, name=name, profile=True)
    named = call(cloud, "PATCH", "/me", token=user.id_token, json={"name": name})
    assert named.status_code == 200, named.text
    return user


@pytest.fixture(autouse=True)
def schedule(pg_conn: Any) -> None:
    """The launch fee schedule: a listing is accepted only in a currency the schedule settles."""
    seed_launch_schedule(pg_conn)


@pytest.fixture
def people(cloud: LocalCloud, admin: TestUser) -> tuple[TestUser, TestUser, TestUser, dict[str, Any]]:
    buyer = _user(cloud, "Ada Lovelace")
    seller = _user(cloud, "Grace Hopper", seller=True)
    stranger = _user(cloud, "Eve Stranger")
    listing = make_listing(cloud, seller, make_category(cloud, admin), title="Trek Domane road bike")
    return buyer, seller, stranger, listing


def _ask(
    cloud: LocalCloud, buyer: TestUser, listing: dict[str, Any], body: str = "Is it available?", **kw: Any
):
    return call(
        cloud,
        "POST",
        "/conversations",
        token=buyer.id_token,
        json={"listing_id": listing["id"], "body": body},
        **kw,
    )


def _send(cloud: LocalCloud, who: TestUser, conversation_id: str, body: str, **kw: Any):
    return call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/messages",
        token=who.id_token,
        json={"body": body},
        **kw,
    )


def test_given_a_buyer_asks_about_a_listing_then_one_conversation_holds_every_question(cloud, people) -> None:
    buyer, seller, _, listing = people
    first = _ask(cloud, buyer, listing)
    assert first.status_code == 201, first.text
    started = first.json()
    assert started["about"] == "listing" and started["listing_id"] == listing["id"]
    assert started["title"] == "Trek Domane road bike"
    assert started["other_party"] == {"user_id": seller.user_id, "public_name": "Grace H.", "role": "seller"}
    assert (
        started["message"]["body"] == "Is it available?" and started["message"]["sender_id"] == buyer.user_id
    )
    again = _ask(cloud, buyer, listing, "And the frame size?")
    assert again.status_code == 201 and again.json()["conversation_id"] == started["conversation_id"]
    # the seller sees it, from the buyer, with two unread
    inbox = call(cloud, "GET", "/conversations", token=seller.id_token).json()["items"]
    mine = next(c for c in inbox if c["conversation_id"] == started["conversation_id"])
    assert mine["other_party"]["public_name"] == "Ada L." and mine["other_party"]["role"] == "buyer"
    assert mine["unread_count"] == 2 and mine["last_message"]["body"] == "And the frame size?"
    # never an email or phone of the other party anywhere in what the seller reads
    assert buyer.email not in str(inbox)


def test_given_the_sellers_own_listing_or_no_listing_then_there_is_no_conversation(cloud, people) -> None:
    _, seller, _, listing = people
    own = _ask(cloud, seller, listing)
    assert own.status_code == 400 and own.json()["error"]["code"] == "CANNOT_MESSAGE_YOURSELF"
    missing = _ask(cloud, seller, {"id": f"nope-{uuid.uuid4().hex[:6]}"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "LISTING_NOT_FOUND"


def test_given_a_stranger_then_every_conversation_route_is_a_404(cloud, people) -> None:
    buyer, _, stranger, listing = people
    conversation_id = _ask(cloud, buyer, listing).json()["conversation_id"]
    message_id = call(
        cloud, "GET", f"/conversations/{conversation_id}/messages", token=buyer.id_token
    ).json()["items"][0]["message_id"]
    base = f"/conversations/{conversation_id}"
    for method, path, body in (
        ("GET", base, None),
        ("GET", f"{base}/messages", None),
        ("POST", f"{base}/messages", {"body": "hi"}),
        ("POST", f"{base}/read", {"up_to": message_id}),
        ("POST", f"{base}/images", {"content_type": "image/png", "size": 100}),
        ("POST", f"{base}/report", {"reason": "spam"}),
    ):
        answer = call(cloud, method, path, token=stranger.id_token, json=body)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["error"]["code"] == "CONVERSATION_NOT_FOUND"
        assert call(cloud, method, path, json=body).status_code == 401
    assert call(cloud, "GET", "/conversations", token=stranger.id_token).json()["items"] == []


@pytest.mark.parametrize("body", ["", "   \n\t ", "a\x00b", "x" * 2001, None, 5])
def test_given_a_bad_body_then_400(cloud, people, body) -> None:
    buyer, _, _, listing = people
    conversation_id = _ask(cloud, buyer, listing).json()["conversation_id"]
    answer = call(
        cloud, "POST", f"/conversations/{conversation_id}/messages", token=buyer.id_token, json={"body": body}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] == "INVALID_REQUEST"
    assert _send(cloud, buyer, conversation_id, "x" * 2000).status_code == 201  # the limit itself is fine


def test_given_a_retried_send_with_the_same_key_then_it_posts_once(cloud, people) -> None:
    buyer, seller, _, listing = people
    conversation_id = _ask(cloud, buyer, listing).json()["conversation_id"]
    key = {"Idempotency-Key": f"send-{uuid.uuid4().hex}"}
    first = _send(cloud, buyer, conversation_id, "Can you ship Friday?", headers=key)
    second = _send(cloud, buyer, conversation_id, "Can you ship Friday?", headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    other = _send(cloud, buyer, conversation_id, "Something else", headers=key)
    assert other.status_code == 422 and other.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    bodies = [
        m["body"]
        for m in call(
            cloud, "GET", f"/conversations/{conversation_id}/messages", token=seller.id_token
        ).json()["items"]
    ]
    assert bodies == ["Can you ship Friday?", "Is it available?"]
    # a retried first question with its key starts nothing twice either
    ask_key = {"Idempotency-Key": f"ask-{uuid.uuid4().hex}"}
    assert (
        _ask(cloud, buyer, listing, "One more", headers=ask_key).json()
        == _ask(cloud, buyer, listing, "One more", headers=ask_key).json()
    )


def test_given_no_order_then_contact_details_are_masked_for_the_recipient_only(cloud, people) -> None:
    buyer, seller, _, listing = people
    text = "Mail me at ada@example.com or call +1 (415) 555-0100, or paypal.me/ada"
    sent = _ask(cloud, buyer, listing, text).json()
    # the sender keeps the text and is told it was masked
    assert sent["message"]["body"] == text and sent["message"]["masked"] is True
    assert set(sent["message"]["masked_kinds"]) == {"email", "phone", "payment_link"}
    seen = call(
        cloud, "GET", f"/conversations/{sent['conversation_id']}/messages", token=seller.id_token
    ).json()["items"][0]
    assert (
        "ada@example.com" not in seen["body"]
        and "555-0100" not in seen["body"]
        and "paypal.me" not in seen["body"]
    )
    assert (
        "[email hidden]" in seen["body"]
        and "[phone hidden]" in seen["body"]
        and "[link hidden]" in seen["body"]
    )
    inbox = call(cloud, "GET", f"/conversations/{sent['conversation_id']}", token=seller.id_token).json()
    assert "ada@example.com" not in inbox["last_message"]["body"]


def test_given_an_order_between_them_then_nothing_is_masked_and_the_order_has_its_conversation(
    cloud, pg_url, people, unique
) -> None:
    buyer, seller, stranger, _ = people
    paid = paid_order(cloud, pg_url, buyer.user_id, seller.user_id, checkout_id=f"co-{unique}")
    path = f"/orders/{paid.order_id}/conversation"
    created = call(cloud, "POST", path, token=seller.id_token)
    assert created.status_code == 200, created.text
    conversation = created.json()
    assert conversation["about"] == "order" and conversation["order_id"] == paid.order_id
    assert (
        call(cloud, "POST", path, token=buyer.id_token).json()["conversation_id"]
        == conversation["conversation_id"]
    )
    assert call(cloud, "POST", path, token=stranger.id_token).status_code == 404
    # the order's timeline names its conversation, for both parties
    for who in (buyer, seller):
        timeline = call(cloud, "GET", f"/orders/{paid.order_id}/timeline", token=who.id_token)
        assert timeline.status_code == 200, timeline.text
        assert timeline.json()["conversation_id"] == conversation["conversation_id"]
    text = "Leave it with my neighbour, call me on +1 415 555 0100"
    sent = _send(cloud, seller, conversation["conversation_id"], text).json()
    assert sent["masked"] is False
    seen = call(
        cloud, "GET", f"/conversations/{conversation['conversation_id']}/messages", token=buyer.id_token
    ).json()["items"][0]
    assert seen["body"] == text


def test_given_read_markers_then_unread_counts_follow_and_me_totals_them(cloud, people) -> None:
    buyer, seller, _, listing = people
    conversation_id = _ask(cloud, buyer, listing, "one").json()["conversation_id"]
    for body in ("two", "three"):
        _send(cloud, buyer, conversation_id, body)
    before = call(cloud, "GET", "/me", token=seller.id_token).json()["unread_messages"]
    assert before >= 3
    page = call(
        cloud,
        "GET",
        f"/conversations/{conversation_id}/messages",
        token=seller.id_token,
        params={"order": "asc"},
    ).json()
    assert [m["body"] for m in page["items"]] == ["one", "two", "three"]
    marker = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/read",
        token=seller.id_token,
        json={"up_to": page["items"][1]["message_id"]},
    )
    assert marker.status_code == 200 and marker.json()["unread_count"] == 1
    # a marker never moves back
    back = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/read",
        token=seller.id_token,
        json={"up_to": page["items"][0]["message_id"]},
    )
    assert back.json()["unread_count"] == 1
    assert (
        call(cloud, "GET", f"/conversations/{conversation_id}", token=seller.id_token).json()["unread_count"]
        == 1
    )
    assert call(cloud, "GET", "/me", token=seller.id_token).json()["unread_messages"] == before - 2
    call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/read",
        token=seller.id_token,
        json={"up_to": page["items"][2]["message_id"]},
    )
    assert call(cloud, "GET", "/me", token=seller.id_token).json()["unread_messages"] == before - 3
    # the buyer's own messages are never unread for them
    assert (
        call(cloud, "GET", f"/conversations/{conversation_id}", token=buyer.id_token).json()["unread_count"]
        == 0
    )
    wrong = call(
        cloud, "POST", f"/conversations/{conversation_id}/read", token=seller.id_token, json={"up_to": "nope"}
    )
    assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "MESSAGE_NOT_FOUND"


def test_given_many_messages_then_pages_by_cursor_newest_first(cloud, people) -> None:
    buyer, seller, _, listing = people
    conversation_id = _ask(cloud, buyer, listing, "m0").json()["conversation_id"]
    for n in range(1, 5):
        _send(cloud, seller if n % 2 else buyer, conversation_id, f"m{n}")
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = call(
            cloud, "GET", f"/conversations/{conversation_id}/messages", token=buyer.id_token, params=params
        ).json()
        seen += [m["body"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ["m4", "m3", "m2", "m1", "m0"]
    bad = call(
        cloud,
        "GET",
        f"/conversations/{conversation_id}/messages",
        token=buyer.id_token,
        params={"cursor": "nope"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_CURSOR"


def test_given_too_many_messages_in_a_minute_then_429_with_retry_after(cloud, people) -> None:
    buyer, _, _, listing = people
    conversation_id = _ask(cloud, buyer, listing, "first").json()["conversation_id"]
    cloud.clock_control.advance(60)  # a fresh minute, whatever the tests before did
    answers = [_send(cloud, buyer, conversation_id, f"n{n}") for n in range(21)]
    assert [a.status_code for a in answers[:20]] == [201] * 20
    limited = answers[20]
    assert limited.status_code == 429, limited.text
    assert limited.json()["error"]["code"] == "RATE_LIMITED"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.json()["error"]["details"]["window"] == "minute"
    cloud.clock_control.advance(60)
    assert _send(cloud, buyer, conversation_id, "later").status_code == 201


def test_given_a_block_then_no_message_passes_either_way_until_unblocked(cloud, people, admin) -> None:
    buyer, seller, _, listing = people
    conversation_id = _ask(cloud, buyer, listing).json()["conversation_id"]
    blocked = call(cloud, "PUT", f"/me/blocked-users/{buyer.user_id}", token=seller.id_token)
    assert blocked.status_code == 200 and blocked.json()["user_id"] == buyer.user_id
    assert [
        b["user_id"] for b in call(cloud, "GET", "/me/blocked-users", token=seller.id_token).json()["items"]
    ] == [buyer.user_id]
    for who in (buyer, seller):
        refused = _send(cloud, who, conversation_id, "hello?")
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "BLOCKED"
    # nor can the blocked buyer start a conversation about another of the seller's listings
    other = make_listing(cloud, seller, make_category(cloud, admin), title="Another bike")
    assert _ask(cloud, buyer, other).json()["error"]["code"] == "BLOCKED"
    assert (
        call(cloud, "PUT", f"/me/blocked-users/{seller.user_id}", token=seller.id_token).json()["error"][
            "code"
        ]
        == "CANNOT_BLOCK_YOURSELF"
    )
    assert call(cloud, "PUT", "/me/blocked-users/nobody-at-all", token=seller.id_token).status_code == 404
    assert (
        call(cloud, "DELETE", f"/me/blocked-users/{buyer.user_id}", token=seller.id_token).status_code == 204
    )
    assert _send(cloud, buyer, conversation_id, "hello again").status_code == 201


def test_given_a_report_then_admins_list_and_resolve_it(cloud, people, admin) -> None:
    buyer, seller, stranger, listing = people
    conversation_id = _ask(cloud, buyer, listing).json()["conversation_id"]
    reported = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/report",
        token=seller.id_token,
        json={"reason": "scam", "comment": "Asked for a wire"},
    )
    assert reported.status_code == 201, reported.text
    report = reported.json()
    assert report["status"] == "open" and report["reason"] == "scam"
    again = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/report",
        token=seller.id_token,
        json={"reason": "scam"},
    )
    assert again.json()["report_id"] == report["report_id"]
    bad = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/report",
        token=seller.id_token,
        json={"reason": "boring"},
    )
    assert bad.status_code == 400
    assert call(cloud, "GET", "/admin/message-reports", token=stranger.id_token).status_code == 403
    listed = call(
        cloud, "GET", "/admin/message-reports", token=admin.id_token, params={"status": "open", "limit": 100}
    ).json()
    assert report["report_id"] in [r["report_id"] for r in listed["items"]]
    path = f"/admin/message-reports/{report['report_id']}/resolve"
    resolved = call(
        cloud, "POST", path, token=admin.id_token, json={"resolution": "warned", "note": "first warning"}
    )
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    assert (
        call(
            cloud, "POST", path, token=admin.id_token, json={"resolution": "warned", "note": "first warning"}
        ).status_code
        == 200
    )
    conflict = call(cloud, "POST", path, token=admin.id_token, json={"resolution": "suspended"})
    assert (
        conflict.status_code == 409
        and conflict.json()["error"]["code"] == "MESSAGING_REPORT_ALREADY_RESOLVED"
    )
    missing = call(
        cloud,
        "POST",
        "/admin/message-reports/nope/resolve",
        token=admin.id_token,
        json={"resolution": "no_action"},
    )
    assert missing.status_code == 404


def test_given_an_image_then_it_is_uploaded_presigned_and_joins_a_message(cloud, people) -> None:
    import requests

    buyer, seller, _, listing = people
    conversation_id = _ask(cloud, buyer, listing).json()["conversation_id"]
    refused = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/images",
        token=buyer.id_token,
        json={"content_type": "image/gif", "size": 10},
    )
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "UNSUPPORTED_MESSAGE_IMAGE"
    ticket = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/images",
        token=buyer.id_token,
        json={"content_type": "image/png", "size": 68},
    ).json()
    early = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/messages",
        token=buyer.id_token,
        json={"body": "photo", "image_ids": [ticket["image_id"]]},
    )
    assert early.status_code == 409 and early.json()["error"]["code"] == "MESSAGE_IMAGE_NOT_UPLOADED"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 60
    upload = requests.post(
        ticket["upload"]["url"],
        data=ticket["upload"]["fields"],
        files={"file": ("a.png", png, "image/png")},
        timeout=15,
    )
    assert upload.status_code in (200, 204), upload.text
    sent = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/messages",
        token=buyer.id_token,
        json={"body": "photo", "image_ids": [ticket["image_id"]]},
    )
    assert sent.status_code == 201, sent.text
    assert [i["image_id"] for i in sent.json()["images"]] == [ticket["image_id"]]
    # the other party cannot attach the buyer's upload
    stolen = call(
        cloud,
        "POST",
        f"/conversations/{conversation_id}/messages",
        token=seller.id_token,
        json={"body": "x", "image_ids": [ticket["image_id"]]},
    )
    assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "MESSAGE_IMAGE_NOT_FOUND"
