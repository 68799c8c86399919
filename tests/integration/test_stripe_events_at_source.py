"""The Stripe adapters read the objects events are about, against the Stripe stand-in through the
official SDK: a connected account's state now (new, restricted, enabled, deleted), a transfer with
its order and every reversal (more than Stripe embeds in the object)."""

from __future__ import annotations

import pytest
import stripe

from adapters.stripe.connect import StripeConnectedAccounts
from adapters.stripe.transfers import StripeTransfers
from local.providers.stripe import StripeStandIn
from tests.integration.test_stripe_connect import express_account, onboard, onboarded_seller, pay
from workflows.onboarding.model import DISCONNECTED
from workflows.shared.money import Money


@pytest.fixture
def client(standin: StripeStandIn) -> stripe.StripeClient:
    url = standin.url
    return stripe.StripeClient(
        standin.secret_key, base_addresses={"api": url, "connect": url, "files": url}, max_network_retries=0
    )


def test_given_an_account_as_stripe_changes_it_then_retrieve_answers_its_state_now(
    client: stripe.StripeClient,
) -> None:
    accounts = StripeConnectedAccounts(client)
    account = express_account(client)
    new = accounts.retrieve_account(account.id)
    assert (new.charges_enabled, new.payouts_enabled, new.details_submitted) == (False, False, False)
    assert new.requirements_due  # everything the hosted form asks for
    assert onboard(client, account.id, "restrict").status_code == 200
    restricted = accounts.retrieve_account(account.id)
    assert (restricted.charges_enabled, restricted.payouts_enabled) == (True, False)
    assert restricted.requirements_due == ("individual.verification.document",)
    assert onboard(client, account.id, "complete").status_code == 200
    enabled = accounts.retrieve_account(account.id)
    assert (enabled.charges_enabled, enabled.payouts_enabled, enabled.requirements_due) == (True, True, ())


def test_given_a_deleted_account_then_it_reads_as_disconnected(client: stripe.StripeClient) -> None:
    accounts = StripeConnectedAccounts(client)
    account = express_account(client)
    client.v1.accounts.delete(account.id)
    gone = accounts.retrieve_account(account.id)
    assert (gone.charges_enabled, gone.payouts_enabled, gone.disabled_reason) == (False, False, DISCONNECTED)


def test_given_a_transfer_reversed_many_times_then_retrieve_has_its_order_and_every_reversal(
    client: stripe.StripeClient,
) -> None:
    transfers = StripeTransfers(client)
    seller = onboarded_seller(client)
    pi = pay(client, 10_000)
    transfer = client.v1.transfers.create(
        {"amount": 9_000, "currency": "usd", "destination": seller, "source_transaction": pi.latest_charge,
         "metadata": {"order_id": "order-42"}},
    )  # fmt: skip
    made = [client.v1.transfers.reversals.create(transfer.id, {"amount": 100}).id for _ in range(12)]
    found = transfers.retrieve(transfer.id)
    assert found is not None
    assert (found.transfer_id, found.amount, found.order_id) == (transfer.id, Money(9_000, "USD"), "order-42")
    assert sorted(r for r, _ in found.reversals) == sorted(made)
    assert {amount for _, amount in found.reversals} == {Money(100, "USD")}
    assert transfers.retrieve("tr_does_not_exist") is None
