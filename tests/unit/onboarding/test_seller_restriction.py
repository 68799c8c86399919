"""A seller whom Stripe restricts after onboarding: followed by the always-on account consumer
(SellerAccounts), refused by the catalog and checkout, paid nothing until Stripe enables the
account again. Fakes only; the account's truth is the fake Stripe's."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tests.fakes.catalog import FakeCategories, FakeListings, FixedCurrencies, RecordingEvents
from tests.fakes.clock import FakeClock
from tests.unit.onboarding.test_onboarding_service import ENABLED, World
from tests.unit.payouts.world import SELLER
from tests.unit.payouts.world import World as PayoutWorld
from workflows.catalog.commands import CreateCategory, CreateListing
from workflows.catalog.model import Condition, Listing, ListingFormat, ListingStatus
from workflows.catalog.service import Catalog
from workflows.checkout.errors import CartUnavailable
from workflows.checkout.model import CheckoutLine
from workflows.checkout.service import validate_lines
from workflows.onboarding.errors import SellerRestricted
from workflows.onboarding.model import DISCONNECTED, AccountEvent, AccountState
from workflows.onboarding.service import SellerAccounts
from workflows.payouts.holds import decide_holds
from workflows.payouts.model import PayoutPolicy, PayoutRecord
from workflows.shared.identity import Caller
from workflows.shared.money import Money

DUE = ("individual.verification.document",)


def accounts(w: World) -> SellerAccounts:
    return SellerAccounts(
        store=w.store, accounts=lambda: w.stripe, notifications=lambda: w.outbox, clock=w.clock
    )


def onboarded(w: World, user_id: str = "u1") -> tuple[str, str]:
    """Given a seller through onboarding: active, in the seller group."""
    onboarding_id, account = w.started(user_id)
    assert w.steps.evaluate_account(onboarding_id, w.event(account, 1, 60, **ENABLED)).outcome == "active"
    w.steps.activate_seller(onboarding_id)
    return onboarding_id, account


def account_event(account: str, n: int, at_s: int, kind: str = "account.updated") -> AccountEvent:
    return AccountEvent(f"evt_{n}", account, w_time(at_s), kind)


def w_time(at_s: int) -> datetime:
    return datetime(2026, 11, 23, 12, 0, tzinfo=UTC) + timedelta(seconds=at_s)


# -- the consumer ---------------------------------------------------------------------------------


def test_given_an_active_seller_whom_stripe_restricts_then_restricted_with_what_is_due_and_told() -> None:
    w = World()
    onboarding_id, account = onboarded(w)
    # When Stripe disables payouts and asks for a document, and says so
    w.stripe.set_state(account, charges_enabled=True, details_submitted=True, requirements_due=DUE)
    out = accounts(w).on_account_event(account_event(account, 2, 600))
    # Then the seller is restricted, in the onboarding and the profile, with what is due
    assert out["outcome"] == "restricted" and out["previous"] == "active"
    row = w.store.get(onboarding_id)
    assert (row.status, row.payouts_enabled, row.requirements_due) == ("restricted", False, DUE)
    assert w.store.seller_status["u1"] == "restricted" and w.store.restricted(["u1"]) == {"u1"}
    view = w.api.mine(w.caller())
    assert view.status == "restricted" and view.requirements_due == list(DUE) and view.expires_at is None
    # And told by email what Stripe requires
    told = [n for n in w.outbox.sent.values() if n.type == "seller_account.restricted"]
    assert len(told) == 1 and told[0].data["requirements"] == DUE[0]
    # And the same event again changes nothing and tells nobody twice
    assert accounts(w).on_account_event(account_event(account, 2, 600))["outcome"] == "stale"
    assert w.outbox.types().count("seller_account.restricted") == 1


def test_given_a_forged_enabled_event_for_a_restricted_seller_then_stripe_keeps_them_restricted() -> None:
    w = World()
    onboarding_id, account = onboarded(w)
    w.stripe.set_state(account, charges_enabled=True, details_submitted=True, requirements_due=DUE)
    accounts(w).on_account_event(account_event(account, 2, 600))
    # When an event arrives whose payload would claim everything is enabled (Stripe says otherwise)
    out = accounts(w).on_account_event(account_event(account, 3, 700))
    # Then Stripe's account decides: still restricted
    assert out["outcome"] == "restricted"
    assert w.store.get(onboarding_id).status == "restricted" and w.stripe.retrieved[-1] == account
    assert "seller_account.reinstated" not in w.outbox.types()


def test_given_a_restricted_seller_whom_stripe_enables_again_then_active_and_told() -> None:
    w = World()
    onboarding_id, account = onboarded(w)
    w.stripe.set_state(account, charges_enabled=True, details_submitted=True, requirements_due=DUE)
    accounts(w).on_account_event(account_event(account, 2, 600))
    w.stripe.set_state(account, **ENABLED)
    assert accounts(w).on_account_event(account_event(account, 3, 900))["outcome"] == "active"
    assert w.store.get(onboarding_id).status == "active" and w.store.seller_status["u1"] == "active"
    assert w.store.restricted(["u1"]) == frozenset()
    assert w.outbox.types()[-1] == "seller_account.reinstated"


def test_given_the_account_disconnected_then_the_seller_is_restricted() -> None:
    w = World()
    onboarding_id, account = onboarded(w)
    w.stripe.disconnect(account)
    out = accounts(w).on_account_event(account_event(account, 2, 600, "account.application.deauthorized"))
    assert out["outcome"] == "restricted"
    assert w.store.get(onboarding_id).disabled_reason == DISCONNECTED
    told = [n for n in w.outbox.sent.values() if n.type == "seller_account.restricted"]
    assert "disconnected" in told[0].data["reason"]


def test_given_an_account_still_onboarding_or_unknown_then_the_consumer_leaves_it_to_the_workflow() -> None:
    w = World()
    onboarding_id, account = w.started()
    w.stripe.set_state(account, charges_enabled=True, details_submitted=True, requirements_due=DUE)
    assert accounts(w).on_account_event(account_event(account, 1, 60))["reason"] == "onboarding"
    assert accounts(w).on_account_event(account_event("acct_unknown", 2, 60))["reason"] == "unknown_account"
    assert w.store.get(onboarding_id).status == "onboarding" and w.stripe.retrieved == []


def test_given_a_restricted_onboarded_seller_then_a_retried_workflow_step_does_not_reactivate() -> None:
    w = World()
    onboarding_id, account = onboarded(w)
    w.stripe.set_state(account, charges_enabled=True, details_submitted=True, requirements_due=DUE)
    accounts(w).on_account_event(account_event(account, 2, 600))
    # When the workflow's last steps run again (a Lambda retry), or a late expiry
    w.steps.activate_seller(onboarding_id)
    w.steps.expire_onboarding(onboarding_id)
    assert w.store.get(onboarding_id).status == "restricted"


# -- the catalog ----------------------------------------------------------------------------------

SELLER_CALLER = Caller("u1", "u1@example.com", frozenset({"buyer", "seller"}))


def _catalog(w: World) -> Catalog:
    catalog = Catalog(
        categories=FakeCategories(),
        listings=FakeListings(),
        events=RecordingEvents(),
        clock=FakeClock(),
        currencies=FixedCurrencies(),
        sellers=w.store,
    )
    admin = Caller("admin", "a@example.com", frozenset({"admin"}))
    catalog.create_category(admin, CreateCategory(name="Books", slug="books"))
    return catalog


def _new_listing(catalog: Catalog) -> CreateListing:
    return CreateListing.model_validate(
        {
            "title": "A novel",
            "category_id": catalog.categories.all()[0].id,
            "condition": "used_good",
            "price": {"amount": 1500, "currency": "USD"},
            "quantity": 1,
            "shipping_options": [
                {"service": "Post", "price": {"amount": 300, "currency": "USD"}, "estimated_days": 3}
            ],
        }
    )


def test_given_a_restricted_seller_when_listing_then_403_and_listing_again_once_enabled() -> None:
    w = World()
    _, account = onboarded(w)
    catalog = _catalog(w)
    assert catalog.create_listing(SELLER_CALLER, _new_listing(catalog)).id
    w.stripe.set_state(account, charges_enabled=True, details_submitted=True, requirements_due=DUE)
    accounts(w).on_account_event(account_event(account, 2, 600))
    with pytest.raises(SellerRestricted) as refused:
        catalog.create_listing(SELLER_CALLER, _new_listing(catalog))
    assert refused.value.code == "SELLER_RESTRICTED"
    w.stripe.set_state(account, **ENABLED)
    accounts(w).on_account_event(account_event(account, 3, 900))
    assert catalog.create_listing(SELLER_CALLER, _new_listing(catalog)).id


# -- checkout -------------------------------------------------------------------------------------

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _listing(listing_id: str, seller_id: str) -> Listing:
    return Listing(
        id=listing_id,
        seller_id=seller_id,
        title=listing_id,
        description="d",
        category_id="books",
        category_path=("books",),
        condition=Condition.NEW,
        item_specifics=(),
        price=Money(1500, "USD"),
        quantity=1,
        shipping_options=(),
        format=ListingFormat.FIXED_PRICE,
        status=ListingStatus.ACTIVE,
        created_at=NOW,
        updated_at=NOW,
        version=1,
    )


def test_given_a_restricted_sellers_listing_in_the_cart_then_409_names_it_seller_restricted() -> None:
    listings = {"l1": _listing("l1", "u1"), "l2": _listing("l2", "u2")}
    lines = [CheckoutLine(x, listings[x].seller_id, x, 1, Money(1500, "USD")) for x in ("l1", "l2")]
    validate_lines("buyer", lines, listings, NOW)  # nobody restricted: fine
    with pytest.raises(CartUnavailable) as refused:
        validate_lines("buyer", lines, listings, NOW, restricted_sellers=frozenset({"u1"}))
    assert refused.value.details == {"lines": [{"listing_id": "l1", "problem": "seller_restricted"}]}


# -- payouts --------------------------------------------------------------------------------------


class Standings:
    def __init__(self) -> None:
        self.restricted_ids: set[str] = set()

    def restricted(self, seller_ids: object) -> frozenset[str]:
        return frozenset(s for s in seller_ids if s in self.restricted_ids)  # type: ignore[attr-defined]


def test_given_a_restricted_seller_then_the_payout_holds_and_is_looked_at_again_until_enabled() -> None:
    pw = PayoutWorld()
    standings = Standings()
    order = pw.paid_order()
    pw.deliver(order.order_id)
    service = replace(pw.payouts, sellers=standings)
    standings.restricted_ids.add(SELLER)
    held = service.apply_holds(order.order_id, hold_served=True)
    assert (held.decision, held.reason) == ("hold", "seller_restricted")
    assert held.wait_s == int(pw.policy.recheck_after.total_seconds())
    assert pw.books.state.payouts[order.order_id].status == "held"
    # When Stripe enables the account again, the next look transfers
    standings.restricted_ids.clear()
    assert service.apply_holds(order.order_id, hold_served=True).decision == "transfer"
    assert service.transfer(order.order_id).created is True


def test_given_the_hold_rules_then_a_restricted_seller_holds_after_disputes_and_before_the_account() -> None:
    payout = PayoutRecord("o1", SELLER, "c1", "ch_1", Money(100, "USD"), NOW)
    common = {
        "payout": payout,
        "order_status": "delivered",
        "earlier_sales": 9,
        "policy": PayoutPolicy(),
        "now": NOW,
    }
    decide = decide_holds
    restricted = {"hold_served": True, "seller_restricted": True}
    assert decide(**common, **restricted, open_disputes=1, has_account=True).reason == "open_dispute"
    assert decide(**common, **restricted, open_disputes=0, has_account=False).reason == "seller_restricted"
    assert decide(**common, open_disputes=0, has_account=True, hold_served=True).decision == "transfer"


def test_given_state_from_stripe_then_only_charges_and_payouts_both_enabled_is_active() -> None:
    from workflows.onboarding.model import standing_of

    assert standing_of(AccountState("acct_1", True, True, True)) == "active"
    assert standing_of(AccountState("acct_1", True, False, True, DUE)) == "restricted"
    assert standing_of(AccountState("acct_1", False, True, True)) == "restricted"
    assert standing_of(AccountState.disconnected("acct_1")) == "restricted"
