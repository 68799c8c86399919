"""The Stripe stand-in's Connect side through the official SDK: Express accounts, hosted
onboarding, transfers, reversals, application fees, refunds, payouts and balances that add up."""

from __future__ import annotations

from typing import Any

import pytest
import requests
import stripe

from local.providers.stripe import StripeStandIn
from tests.fakes.clock import FakeClock

DAY = 24 * 3600


@pytest.fixture
def client(standin: StripeStandIn) -> stripe.StripeClient:
    url = standin.url
    return stripe.StripeClient(
        standin.secret_key, base_addresses={"api": url, "connect": url, "files": url}, max_network_retries=0
    )


def express_account(client: stripe.StripeClient, email: str = "seller@example.com") -> stripe.Account:
    return client.v1.accounts.create(
        {
            "type": "express",
            "country": "US",
            "email": email,
            "business_type": "individual",
            "capabilities": {"card_payments": {"requested": True}, "transfers": {"requested": True}},
            "default_currency": "usd",
            "metadata": {"seller_id": "s1"},
        }
    )


def onboard(client: stripe.StripeClient, account_id: str, outcome: str = "complete") -> requests.Response:
    link = client.v1.account_links.create(
        {
            "account": account_id,
            "refresh_url": "https://resale.example/onboarding/refresh",
            "return_url": "https://resale.example/onboarding/return",
            "type": "account_onboarding",
        }
    )
    return requests.post(
        link.url, data={"outcome": outcome}, headers={"Accept": "application/json"}, timeout=10
    )


def onboarded_seller(client: stripe.StripeClient) -> str:
    account = express_account(client)
    assert onboard(client, account.id).status_code == 200
    return account.id


def pay(client: stripe.StripeClient, amount: int, **extra: Any) -> stripe.PaymentIntent:
    params = {"amount": amount, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True, **extra}
    return client.v1.payment_intents.create(params)  # type: ignore[arg-type]


def balance_total(client: stripe.StripeClient, account: str | None = None) -> int:
    options: Any = {"stripe_account": account} if account else {}
    balance = client.v1.balance.retrieve(options=options)
    return sum(b.amount for b in balance.available if b.currency == "usd") + sum(
        b.amount for b in balance.pending if b.currency == "usd"
    )


def available(client: stripe.StripeClient, account: str | None = None) -> int:
    options: Any = {"stripe_account": account} if account else {}
    return sum(b.amount for b in client.v1.balance.retrieve(options=options).available if b.currency == "usd")


# accounts and onboarding -----------------------------------------------------------------------
def test_given_a_new_express_account_then_it_is_not_enabled_and_has_requirements_due(
    client: stripe.StripeClient,
) -> None:
    account = express_account(client)
    assert account.id.startswith("acct_")
    assert (account.type, account.country, account.default_currency) == ("express", "US", "usd")
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (
        False,
        False,
        False,
    )
    assert "external_account" in account.requirements.currently_due
    assert "tos_acceptance.date" in account.requirements.eventually_due
    assert account.requirements.disabled_reason == "requirements.past_due"
    assert account.future_requirements.currently_due == []
    assert account.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}
    assert client.v1.accounts.retrieve(account.id).email == "seller@example.com"
    assert [a.id for a in client.v1.accounts.list().data] == [account.id]


def test_given_an_account_link_when_the_onboarding_form_is_submitted_then_account_updated_is_emitted(
    standin: StripeStandIn, client: stripe.StripeClient, events: list[dict[str, Any]], clock: FakeClock
) -> None:
    account = express_account(client)
    link = client.v1.account_links.create(
        {
            "account": account.id,
            "refresh_url": "https://resale.example/refresh",
            "return_url": "https://resale.example/return",
            "type": "account_onboarding",
        }
    )
    assert link.object == "account_link"
    assert link.url.startswith(standin.url + "/connect/onboarding/")
    assert link.expires_at == int(clock()) + 300
    # When the seller opens the hosted page and submits it
    page = requests.get(link.url, timeout=10)
    assert page.status_code == 200
    assert "<form" in page.text
    assert account.id in page.text
    submitted = requests.post(link.url, data={}, timeout=10)
    assert submitted.status_code == 200
    assert "https://resale.example/return" in submitted.text
    # Then the account is enabled and account.updated arrived as a Connect event
    updated = client.v1.accounts.retrieve(account.id)
    assert (updated.charges_enabled, updated.payouts_enabled, updated.details_submitted) == (True, True, True)
    assert updated.requirements.currently_due == []
    assert updated.requirements.disabled_reason is None
    assert updated.capabilities.to_dict() == {"card_payments": "active", "transfers": "active"}
    assert updated.external_accounts.data[0].object == "bank_account"
    account_events = [e for e in events if e["type"] == "account.updated"]
    assert len(account_events) == 1
    event = account_events[0]
    assert event["account"] == account.id
    assert event["data"]["object"]["charges_enabled"] is True
    assert event["data"]["previous_attributes"]["charges_enabled"] is False
    assert event["request"] == {"id": None, "idempotency_key": None}
    assert sorted(e["data"]["object"]["id"] for e in events if e["type"] == "capability.updated") == [
        "card_payments",
        "transfers",
    ]
    # the event is visible to the platform through Stripe-Account
    listed = client.v1.events.list({"type": "account.updated"}, {"stripe_account": account.id})
    assert [e.id for e in listed.data] == [event["id"]]
    assert client.v1.events.list({"type": "account.updated"}).data == []
    # And the link cannot be used twice
    assert requests.post(link.url, data={"outcome": "complete"}, timeout=10).status_code == 410


def test_given_a_restricted_outcome_then_charges_are_enabled_but_payouts_wait_for_requirements(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    account = express_account(client)
    response = onboard(client, account.id, "restrict")
    assert response.json()["outcome"] == "restrict"
    updated = client.v1.accounts.retrieve(account.id)
    assert (updated.details_submitted, updated.charges_enabled, updated.payouts_enabled) == (
        True,
        True,
        False,
    )
    assert updated.requirements.currently_due == ["individual.verification.document"]
    assert events[-1]["type"] in ("account.updated", "capability.updated")


def test_given_a_rejected_outcome_then_the_account_is_disabled_as_rejected(
    client: stripe.StripeClient,
) -> None:
    account = express_account(client)
    onboard(client, account.id, "reject")
    updated = client.v1.accounts.retrieve(account.id)
    assert (updated.charges_enabled, updated.payouts_enabled) == (False, False)
    assert updated.requirements.disabled_reason == "rejected.other"
    assert updated.capabilities.to_dict() == {"card_payments": "inactive", "transfers": "inactive"}


def test_given_an_enabled_account_when_the_platform_rejects_it_then_it_is_disabled(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    seller = onboarded_seller(client)
    rejected = client.v1.accounts.reject(seller, {"reason": "fraud"})
    assert rejected.requirements.disabled_reason == "rejected.fraud"
    assert rejected.charges_enabled is False
    assert events[-1]["account"] == seller
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.accounts.reject(seller, {"reason": "fraud"})


def test_given_an_expired_link_when_submitted_then_refused_and_the_account_unchanged(
    client: stripe.StripeClient, clock: FakeClock, events: list[dict[str, Any]]
) -> None:
    account = express_account(client)
    link = client.v1.account_links.create(
        {"account": account.id, "refresh_url": "https://r.example/a", "return_url": "https://r.example/b",
         "type": "account_onboarding"}
    )  # fmt: skip
    clock.advance(301)
    assert requests.get(link.url, timeout=10).status_code == 410
    assert requests.post(link.url, data={"outcome": "complete"}, timeout=10).status_code == 410
    assert client.v1.accounts.retrieve(account.id).charges_enabled is False
    assert "account.updated" not in [e["type"] for e in events]
    assert requests.get(link.url.rsplit("/", 1)[0] + "/nonsense", timeout=10).status_code == 404


def test_given_accounts_when_updated_and_deleted_then_changes_and_404(client: stripe.StripeClient) -> None:
    account = express_account(client)
    updated = client.v1.accounts.update(
        account.id, {"metadata": {"tier": "gold"}, "email": "new@example.com"}
    )
    assert (updated.metadata["tier"], updated.email) == ("gold", "new@example.com")
    assert client.v1.accounts.delete(account.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.accounts.retrieve(account.id)
    assert raised.value.http_status == 404


def test_given_an_unknown_connected_account_header_then_permission_error(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.PermissionError):
        client.v1.balance.retrieve(options={"stripe_account": "acct_doesnotexist00"})


# transfers -------------------------------------------------------------------------------------
def test_given_a_charge_when_transferring_with_source_transaction_then_it_cannot_exceed_the_charge(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    seller = onboarded_seller(client)
    pi = pay(client, 10_000, transfer_group="order_9")
    transfer = client.v1.transfers.create(
        {"amount": 8_500, "currency": "usd", "destination": seller, "source_transaction": pi.latest_charge,
         "transfer_group": "order_9", "metadata": {"order_id": "order_9"}},
        {"idempotency_key": "payout-order_9"},
    )  # fmt: skip
    assert transfer.id.startswith("tr_")
    assert (transfer.amount, transfer.destination, transfer.source_transaction) == (
        8_500,
        seller,
        pi.latest_charge,
    )
    assert transfer.destination_payment.startswith("py_")
    assert events[-1]["type"] == "transfer.created"
    assert events[-1]["request"]["idempotency_key"] == "payout-order_9"
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.transfers.create(
            {
                "amount": 1_501,
                "currency": "usd",
                "destination": seller,
                "source_transaction": pi.latest_charge,
            }
        )
    assert raised.value.code == "balance_insufficient"
    second = client.v1.transfers.create(
        {"amount": 1_500, "currency": "usd", "destination": seller, "source_transaction": pi.latest_charge}
    )
    assert [t.id for t in client.v1.transfers.list({"transfer_group": "order_9"}).data] == [transfer.id]
    assert [t.id for t in client.v1.transfers.list({"destination": seller}).data] == [second.id, transfer.id]
    # the connected account sees the money, pending like the charge it came from
    seller_balance = client.v1.balance.retrieve(options={"stripe_account": seller})
    assert seller_balance.pending[0].amount == 10_000
    assert seller_balance.available[0].amount == 0


def test_given_pending_funds_when_transferring_without_a_source_then_insufficient_until_available(
    client: stripe.StripeClient, clock: FakeClock
) -> None:
    seller = onboarded_seller(client)
    pay(client, 10_000)
    params: Any = {"amount": 5_000, "currency": "usd", "destination": seller}
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.transfers.create(params)
    assert raised.value.code == "balance_insufficient"
    clock.advance(2 * DAY)
    assert client.v1.transfers.create(params).amount == 5_000
    assert available(client) == 10_000 - 320 - 5_000
    assert available(client, seller) == 5_000


def test_given_an_account_without_transfers_capability_when_transferring_then_refused(
    client: stripe.StripeClient,
) -> None:
    account = express_account(client)
    pi = pay(client, 5_000)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.transfers.create(
            {
                "amount": 1_000,
                "currency": "usd",
                "destination": account.id,
                "source_transaction": pi.latest_charge,
            }
        )
    assert raised.value.code == "insufficient_capabilities_for_transfer"


def test_given_a_transfer_when_reversed_in_parts_then_amounts_events_and_balances_follow(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    seller = onboarded_seller(client)
    pi = pay(client, 10_000)
    transfer = client.v1.transfers.create(
        {"amount": 9_000, "currency": "usd", "destination": seller, "source_transaction": pi.latest_charge}
    )
    first = client.v1.transfers.reversals.create(
        transfer.id, {"amount": 2_000, "metadata": {"why": "return"}}
    )
    assert first.id.startswith("trr_")
    assert events[-1]["type"] == "transfer.reversed"
    assert events[-1]["data"]["previous_attributes"]["amount_reversed"] == 0
    rest = client.v1.transfers.reversals.create(transfer.id)
    assert rest.amount == 7_000
    after = client.v1.transfers.retrieve(transfer.id)
    assert (after.amount_reversed, after.reversed) == (9_000, True)
    assert [r.id for r in client.v1.transfers.reversals.list(transfer.id).data] == [rest.id, first.id]
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(transfer.id, {"amount": 1})
    assert balance_total(client, seller) == 0
    assert balance_total(client) == 10_000 - 320


# application fees and refunds ------------------------------------------------------------------
def test_given_a_destination_charge_with_fee_when_refunded_with_reversal_then_all_parts_are_proportional(
    client: stripe.StripeClient, events: list[dict[str, Any]]
) -> None:
    seller = onboarded_seller(client)
    pi = pay(
        client, 10_000, application_fee_amount=1_200, transfer_data={"destination": seller},
        expand=["latest_charge"],
    )  # fmt: skip
    charge = pi.latest_charge
    assert charge.transfer.startswith("tr_")
    assert charge.application_fee.startswith("fee_")
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert (fee.amount, fee.account, fee.originating_transaction) == (1_200, seller, charge.id)
    assert "application_fee.created" in [e["type"] for e in events]
    assert balance_total(client) == 1_200 - 320
    assert balance_total(client, seller) == 8_800
    # When half is refunded, reversing the transfer and refunding the fee
    refund = client.v1.refunds.create(
        {"payment_intent": pi.id, "amount": 5_000, "reverse_transfer": True, "refund_application_fee": True}
    )
    assert refund.transfer_reversal.startswith("trr_")
    transfer = client.v1.transfers.retrieve(charge.transfer)
    assert transfer.amount_reversed == 5_000
    fee = client.v1.application_fees.retrieve(charge.application_fee)
    assert (fee.amount_refunded, fee.refunded) == (600, False)
    assert [r.amount for r in client.v1.application_fees.refunds.list(fee.id).data] == [600]
    assert balance_total(client, seller) == 8_800 - 5_000 + 600
    assert balance_total(client) == 1_200 - 320 - 5_000 + 5_000 - 600
    assert {"refund.created", "charge.refunded", "transfer.reversed", "application_fee.refunded"} <= {
        e["type"] for e in events
    }


def test_given_an_application_fee_when_refunded_directly_then_the_connected_account_gets_it_back(
    client: stripe.StripeClient,
) -> None:
    seller = onboarded_seller(client)
    pi = pay(
        client,
        4_000,
        application_fee_amount=400,
        transfer_data={"destination": seller},
        expand=["latest_charge"],
    )
    refund = client.v1.application_fees.refunds.create(pi.latest_charge.application_fee, {"amount": 150})
    assert refund.object == "fee_refund"
    assert balance_total(client, seller) == 4_000 - 400 + 150
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.application_fees.refunds.create(pi.latest_charge.application_fee, {"amount": 251})


def test_given_a_separate_transfer_when_refunded_with_reverse_transfer_then_it_is_refused_as_on_stripe(
    client: stripe.StripeClient,
) -> None:
    # Given a charge whose money went to a seller by a separate transfer
    seller = onboarded_seller(client)
    pi = pay(client, 10_000, transfer_group="order_7")
    transfer = client.v1.transfers.create(
        {"amount": 8_000, "currency": "usd", "destination": seller, "source_transaction": pi.latest_charge,
         "transfer_group": "order_7"}
    )  # fmt: skip
    # When the platform asks the refund to reverse the transfer, Stripe refuses (destination charges only)
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.refunds.create({"payment_intent": pi.id, "amount": 2_500, "reverse_transfer": True})
    assert raised.value.param == "reverse_transfer"
    # Then the platform refunds and reverses the transfer itself
    client.v1.refunds.create({"payment_intent": pi.id, "amount": 2_500})
    reversal = client.v1.transfers.reversals.create(transfer.id, {"amount": 2_000})
    assert reversal.amount == 2_000
    assert balance_total(client, seller) == 6_000


def test_given_fee_without_destination_on_the_platform_then_stripe_refuses_it(
    client: stripe.StripeClient,
) -> None:
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payment_intents.create({"amount": 1_000, "currency": "usd", "application_fee_amount": 100})
    assert raised.value.param == "application_fee_amount"


def test_given_a_direct_charge_on_a_connected_account_then_the_fee_reaches_the_platform(
    client: stripe.StripeClient,
) -> None:
    seller = onboarded_seller(client)
    pi = client.v1.payment_intents.create(
        {"amount": 10_000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
         "application_fee_amount": 500},
        {"stripe_account": seller},
    )  # fmt: skip
    assert pi.status == "succeeded"
    assert balance_total(client, seller) == 10_000 - 320 - 500
    assert balance_total(client) == 500
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.payment_intents.retrieve(pi.id)  # it lives on the connected account


# payouts and balances --------------------------------------------------------------------------
def test_given_a_connected_balance_when_paid_out_then_payout_paid_once_funds_are_available(
    client: stripe.StripeClient, clock: FakeClock, events: list[dict[str, Any]]
) -> None:
    seller = onboarded_seller(client)
    pi = pay(client, 10_000)
    client.v1.transfers.create(
        {"amount": 9_000, "currency": "usd", "destination": seller, "source_transaction": pi.latest_charge}
    )
    as_seller: Any = {"stripe_account": seller}
    with pytest.raises(stripe.InvalidRequestError) as early:
        client.v1.payouts.create({"amount": 9_000, "currency": "usd"}, as_seller)
    assert early.value.code == "balance_insufficient"
    clock.advance(2 * DAY)
    payout = client.v1.payouts.create({"amount": 9_000, "currency": "usd"}, as_seller)
    assert payout.id.startswith("po_")
    assert (payout.status, payout.arrival_date, payout.destination[:3]) == ("paid", int(clock()), "ba_")
    assert [e["type"] for e in events[-2:]] == ["payout.created", "payout.paid"]
    assert events[-1]["account"] == seller
    assert available(client, seller) == 0
    assert [p.id for p in client.v1.payouts.list(options=as_seller).data] == [payout.id]
    txns = client.v1.balance_transactions.list({"type": "payout"}, as_seller)
    assert [(t.amount, t.source) for t in txns.data] == [(-9_000, payout.id)]


def test_given_a_restricted_account_when_paying_out_then_payouts_not_allowed(
    client: stripe.StripeClient, clock: FakeClock
) -> None:
    account = express_account(client)
    onboard(client, account.id, "restrict")
    pi = pay(client, 5_000, payment_method="pm_card_bypassPending")
    client.v1.transfers.create(
        {
            "amount": 1_000,
            "currency": "usd",
            "destination": account.id,
            "source_transaction": pi.latest_charge,
        }
    )
    with pytest.raises(stripe.InvalidRequestError) as raised:
        client.v1.payouts.create({"amount": 1_000}, {"stripe_account": account.id})
    assert raised.value.code == "payouts_not_allowed"


def test_given_a_marketplace_day_then_the_books_add_up_across_platform_and_sellers(
    client: stripe.StripeClient, clock: FakeClock
) -> None:
    sellers = [onboarded_seller(client) for _ in range(2)]
    charged = fees = refunded = paid_out = 0
    # separate charges and transfers
    for i, amount in enumerate([12_345, 6_789, 25_000]):
        pi = pay(client, amount, transfer_group=f"order_{i}", expand=["latest_charge.balance_transaction"])
        charged += amount
        fees += pi.latest_charge.balance_transaction.fee
        transfer = client.v1.transfers.create(
            {"amount": amount * 9 // 10, "currency": "usd", "destination": sellers[i % 2],
             "source_transaction": pi.latest_charge.id, "transfer_group": f"order_{i}"}
        )  # fmt: skip
        if i == 1:
            client.v1.refunds.create({"payment_intent": pi.id, "amount": 789})
            client.v1.transfers.reversals.create(transfer.id, {"amount": 710})
            refunded += 789
    # a destination charge with an application fee, partly refunded with its fee
    pi = pay(
        client, 30_000, application_fee_amount=3_000, transfer_data={"destination": sellers[1]},
        expand=["latest_charge.balance_transaction"],
    )  # fmt: skip
    charged += 30_000
    fees += pi.latest_charge.balance_transaction.fee
    client.v1.refunds.create(
        {"payment_intent": pi.id, "amount": 10_000, "reverse_transfer": True, "refund_application_fee": True}
    )
    refunded += 10_000
    # a declined attempt moves nothing
    with pytest.raises(stripe.CardError):
        pay(client, 9_999, payment_method="pm_card_chargeDeclinedInsufficientFunds")
    clock.advance(3 * DAY)
    payout = client.v1.payouts.create({"amount": 2_000}, {"stripe_account": sellers[0]})
    paid_out += payout.amount
    platform = balance_total(client)
    connected = sum(balance_total(client, seller) for seller in sellers)
    assert charged == platform + connected + refunded + fees + paid_out
    assert fees == sum(
        t.fee for t in client.v1.balance_transactions.list({"type": "charge", "limit": 100}).data
    )
