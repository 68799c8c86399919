"""seller_onboarding: the real ASL (statemachines/seller_onboarding.json) in the session's local
cloud, its steps on the real PostgreSQL, Stripe stand-in and user pool, Stripe's account.updated
events through EventBridge and the stripe-events consumer, reminder and expiry on the virtual
clock.

The delays are small (a minute or two): the virtual clock is the session's, and the API's
tokens are checked against it.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
import requests

from lambdas.wiring import onboarding as onboarding_wiring
from local.providers.stripe import eventbridge_entry
from workflows.onboarding.model import Onboarding

if TYPE_CHECKING:
    from local.runtime import LocalCloud

REMIND_S, EXPIRE_S = 60, 180
WAIT_STATE = "Wait For Account Update"


@pytest.fixture
def machine(cloud: LocalCloud) -> str:
    assert cloud.provisioned is not None
    return cloud.provisioned.arns[("state_machine", "seller-onboarding")]


@pytest.fixture
def seller(cloud: LocalCloud, make_user, pg_conn: Any) -> Any:
    """Given a pool user with a profile that has a verified phone and an address."""
    user = make_user()
    pg_conn.execute(
        "INSERT INTO users (user_id, email, phone, phone_verified) VALUES (%s, %s, %s, true) "
        "ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, phone_verified = true",
        (user.user_id, user.email, f"+1415{uuid.uuid4().int % 10**7:07d}"),
    )
    pg_conn.execute(
        "INSERT INTO addresses (address_id, user_id, name, line1, city, country, is_default) "
        "VALUES (%s, %s, 'Ann', '1 Main St', 'Springfield', 'US', true)",
        (str(uuid.uuid4()), user.user_id),
    )
    return user


def _start(cloud: LocalCloud, machine: str, user_id: str) -> tuple[str, str]:
    """An onboarding recorded as POST /sellers records it, and its execution: (id, execution arn)."""
    assert cloud.aws is not None
    now = datetime.now(UTC)
    onboarding = Onboarding(
        onboarding_id=str(uuid.uuid4()),
        user_id=user_id,
        country="US",
        business_type="individual",
        default_currency="USD",
        request_fingerprint="test",
        remind_after_s=REMIND_S,
        expire_after_s=EXPIRE_S,
        created_at=now,
        updated_at=now,
    )
    onboarding_wiring.wiring().store.create(onboarding)
    arn = cloud.aws.start_execution(machine, onboarding.onboarding_id, onboarding.execution_input())
    return onboarding.onboarding_id, arn


def _row(onboarding_id: str) -> Onboarding:
    row = onboarding_wiring.wiring().store.get(onboarding_id)
    assert row is not None
    return row


def _history(cloud: LocalCloud, arn: str) -> list[dict[str, Any]]:
    assert cloud.aws is not None
    return cloud.aws.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)[
        "events"
    ]


def _entered(cloud: LocalCloud, arn: str, state: str) -> int:
    return sum(
        1
        for e in _history(cloud, arn)
        if e["type"] == "TaskStateEntered" and e["stateEnteredEventDetails"]["name"] == state
    )


def _parked(cloud: LocalCloud, arn: str, times: int = 1) -> None:
    """Until the execution has parked its task token ``times`` times (its wait has begun)."""
    cloud.wait_until(
        lambda: sum(1 for e in _history(cloud, arn) if e["type"] == "TaskSubmitted") >= times,
        what=f"wait #{times} to park its token",
    )


def _finished(cloud: LocalCloud, arn: str) -> dict[str, Any]:
    assert cloud.aws is not None
    return cloud.aws.wait_for_execution(arn, timeout=20)


def _emails(cloud: LocalCloud, to: str) -> list[str]:
    return [m.subject or "" for m in cloud.outbox.list(to=to, channel="email")]


def _deliver(cloud: LocalCloud, account_id: str, event_id: str, created: int, **account: Any) -> None:
    """An account.updated on the Stripe bus, as Stripe's EventBridge integration puts it."""
    assert cloud.aws is not None and cloud.provisioned is not None
    obj = {
        "id": account_id,
        "object": "account",
        "charges_enabled": account.get("charges_enabled", False),
        "payouts_enabled": account.get("payouts_enabled", False),
        "details_submitted": account.get("details_submitted", False),
        "requirements": {
            "currently_due": account.get("due", []),
            "past_due": [],
            "disabled_reason": account.get("disabled_reason"),
        },
    }
    event = {
        "id": event_id,
        "object": "event",
        "type": "account.updated",
        "created": created,
        "account": account_id,
        "livemode": False,
        "data": {"object": obj},
        "request": {"id": None, "idempotency_key": None},
    }
    entry = eventbridge_entry(
        event, bus_name=cloud.provisioned.names[("bus", "stripe")], source="aws.partner/stripe.com/ed_local"
    )
    cloud.aws.client("events").put_events(Entries=[entry])


def _groups(cloud: LocalCloud, user_id: str) -> set[str]:
    assert cloud.aws is not None and cloud.provisioned is not None
    groups = cloud.aws.client("cognito-idp").admin_list_groups_for_user(
        UserPoolId=cloud.provisioned.user_pool_id, Username=user_id
    )["Groups"]
    return {g["GroupName"] for g in groups}


def test_given_no_onboarding_finished_then_a_reminder_and_then_the_expiry_on_the_virtual_clock(
    cloud: LocalCloud, machine: str, seller: Any
) -> None:
    # Given an onboarding whose seller never opens the link
    onboarding_id, arn = _start(cloud, machine, seller.user_id)
    _parked(cloud, arn)
    row = _row(onboarding_id)
    assert row.stripe_account_id and row.onboarding_url and row.status == "onboarding"
    assert (row.expire_at - row.started_at).total_seconds() == EXPIRE_S
    # When the reminder delay passes
    cloud.clock.advance(REMIND_S)
    _parked(cloud, arn, times=2)
    # Then a reminder is emailed and the onboarding still runs
    cloud.wait_until(
        lambda: any("Finish setting up" in s for s in _emails(cloud, seller.email)), what="reminder"
    )
    assert _row(onboarding_id).reminded_at is not None
    assert cloud.aws.client("stepfunctions").describe_execution(executionArn=arn)["status"] == "RUNNING"
    # When the rest of the expiry delay passes
    cloud.clock.advance(EXPIRE_S - REMIND_S)
    # Then the onboarding expires, the user is told, and may start again
    assert _finished(cloud, arn)["status"] == "SUCCEEDED"
    assert _row(onboarding_id).status == "expired"
    assert "seller" not in _groups(cloud, seller.user_id)
    cloud.wait_until(lambda: any("expired" in s for s in _emails(cloud, seller.email)), what="expiry email")
    assert _entered(cloud, arn, "Send Reminder") == 1 and _entered(cloud, arn, "Expire Onboarding") == 1


def test_given_a_rejection_then_the_workflow_ends_rejected_with_the_reason(
    cloud: LocalCloud, machine: str, seller: Any
) -> None:
    onboarding_id, arn = _start(cloud, machine, seller.user_id)
    _parked(cloud, arn)
    account = _row(onboarding_id).stripe_account_id
    assert account
    # When Stripe rejects the account (its admin API, as after a review)
    assert cloud.stripe is not None
    import stripe

    client = stripe.StripeClient(cloud.stripe.secret_key, base_addresses={"api": cloud.stripe.url})
    client.v1.accounts.reject(account, params={"reason": "fraud"})
    # Then the workflow ends in Rejected, the user is no seller and is told why
    result = _finished(cloud, arn)
    assert result["status"] == "SUCCEEDED"
    assert any(
        e["type"] == "SucceedStateEntered" and e["stateEnteredEventDetails"]["name"] == "Rejected"
        for e in _history(cloud, arn)
    )
    row = _row(onboarding_id)
    assert (row.status, row.disabled_reason) == ("rejected", "rejected.fraud")
    assert "seller" not in _groups(cloud, seller.user_id)
    cloud.wait_until(
        lambda: any("could not be approved" in s for s in _emails(cloud, seller.email)), what="rejection"
    )


def _stripe_client(cloud: LocalCloud) -> Any:
    import stripe

    assert cloud.stripe is not None
    return stripe.StripeClient(cloud.stripe.secret_key, base_addresses={"api": cloud.stripe.url})


def _stripe_changes(cloud: LocalCloud, account: str, outcome: str) -> dict[str, Any]:
    """Stripe changes the account (its hosted form submitted with ``outcome``); its account.updated."""
    link = _stripe_client(cloud).v1.account_links.create(
        params={
            "account": account,
            "refresh_url": "https://resale.example/refresh",
            "return_url": "https://resale.example/return",
            "type": "account_update",
        }
    )
    done = requests.post(
        link.url, data={"outcome": outcome}, headers={"Accept": "application/json"}, timeout=10
    )
    assert done.status_code == 200, done.text
    assert cloud.stripe is not None
    updates = [e for e in cloud.stripe.events() if e["type"] == "account.updated" and e["account"] == account]
    return updates[-1]


def test_given_forged_duplicated_and_out_of_order_events_then_stripes_account_decides_once_each(
    cloud: LocalCloud, machine: str, seller: Any
) -> None:
    onboarding_id, arn = _start(cloud, machine, seller.user_id)
    _parked(cloud, arn)
    account = _row(onboarding_id).stripe_account_id
    assert account
    now = int(cloud.clock.now())
    tag = uuid.uuid4().hex[:8]
    due = ["individual.verification.document"]
    # When a forged event claims charges and payouts are enabled (Stripe's account is still new)
    _deliver(
        cloud, account, f"evt_forged_{tag}", now - 5,
        charges_enabled=True, payouts_enabled=True, details_submitted=True,
    )  # fmt: skip
    _parked(cloud, arn, times=2)
    # Then the account was read at Stripe: nothing is enabled, nobody is a seller
    row = _row(onboarding_id)
    assert (row.status, row.charges_enabled, row.payouts_enabled) == ("onboarding", False, False)
    assert "seller" not in _groups(cloud, seller.user_id)
    # When Stripe restricts the account (payouts disabled, a document due)
    restricted = _stripe_changes(cloud, account, "restrict")
    _parked(cloud, arn, times=3)
    assert _row(onboarding_id).status == "restricted"
    # And then an older event arrives, and the restriction's event again
    _deliver(cloud, account, f"evt_old_{tag}", now - 10)
    _parked(cloud, arn, times=4)
    _deliver(cloud, account, restricted["id"], restricted["created"], charges_enabled=True, due=due)
    time.sleep(0.2)
    # Then the older one re-read Stripe (still restricted, nobody told twice), the duplicate never
    # reached the workflow, and the newest event handled is the restriction's
    row = _row(onboarding_id)
    assert (row.status, row.requirements_due, row.last_event_id) == (
        "restricted",
        tuple(due),
        restricted["id"],
    )
    assert _entered(cloud, arn, "Evaluate Account") == 3
    # When Stripe enables the account, and then a stale "not enabled" event arrives after it
    enabled = _stripe_changes(cloud, account, "complete")
    assert _finished(cloud, arn)["status"] == "SUCCEEDED"
    _deliver(
        cloud, account, f"evt_late_{tag}", now - 1, charges_enabled=True, details_submitted=True, due=due
    )
    time.sleep(0.2)
    # Then the seller is active and stays so, in the pool and in the profile
    row = _row(onboarding_id)
    assert (row.status, row.charges_enabled, row.payouts_enabled, row.last_event_id) == (
        "active",
        True,
        True,
        enabled["id"],
    )
    assert row.activated_at is not None
    assert "seller" in _groups(cloud, seller.user_id)
    applicant = onboarding_wiring.wiring().store.applicant(seller.user_id)
    assert applicant is not None and applicant.seller_status == "active"
    cloud.wait_until(
        lambda: any("more information" in s for s in _emails(cloud, seller.email)), what="restriction email"
    )
    assert len([s for s in _emails(cloud, seller.email) if "more information" in s]) == 1
    assert _entered(cloud, arn, "Activate Seller") == 1


def test_given_the_seller_finishes_before_the_workflow_waits_then_it_completes_at_once(
    cloud: LocalCloud, machine: str, seller: Any
) -> None:
    # Given the account enabled at Stripe before the execution reaches its wait (the event is parked)
    onboarding_id, arn = _start(cloud, machine, seller.user_id)
    cloud.wait_until(lambda: _row(onboarding_id).stripe_account_id is not None, what="the account")
    account = _row(onboarding_id).stripe_account_id
    assert account
    _stripe_changes(cloud, account, "complete")
    # Then the execution is resumed as soon as it waits, and the user is a seller
    assert _finished(cloud, arn)["status"] == "SUCCEEDED"
    assert _row(onboarding_id).status == "active"
