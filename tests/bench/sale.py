"""The whole sale's AWS cost: checkout, fees, payment, shipment, delivery, payout, notifications.

``SALES`` sales go through the local API one after another, each as the people in it would make
it: the buyer puts the listing in the cart, checks out (``POST /checkout``, then polls
``GET /checkouts/{id}`` every ``POLL_S`` as an app would), confirms the PaymentIntent with the
Stripe SDK and polls until paid; the seller ships (``POST /orders/{id}/ship``); the buyer confirms
the delivery, or, for ``SILENT`` of them, stays silent and the virtual clock is moved past the
auto-confirm window; the payout transfers the seller's net. The seller is new, so the first of
their sales are held (``NEW_SELLER_SALES``): that path is listed apart.

Counted while the sales run, as the checkout benchmark counts them (tests/bench/checkout.py):
every AWS API call the process makes (botocore), each Lambda invocation's measured duration at its
declared memory, the state transitions of every Standard execution the sales started (each state
entered) and the Express executions, the API requests the clients made. Priced at AWS's public
on-demand prices (us-east-1, the checkout benchmark's ``PRICE``), per 1,000 sales.

The fixed monthly floor is read from the synthesized templates of the ``prod`` stage: Aurora
Serverless v2 at its minimum capacity per instance, the RDS Proxy (billed for at least 8 ACUs
on Serverless v2), NAT gateways and their public IPv4 addresses, Secrets Manager secrets,
CloudWatch alarms and dashboards; shown apart and divided over 1,000, 100,000 and 10 million
sales a month. The double-blind feedback window each delivered order opens is measured too, after
the clock is moved past it, but listed outside the sale's target (it is the rating's cost).

Not counted: Stripe's, Twilio's and SendGrid's own fees; CloudWatch Logs ingestion and X-Ray
traces (a few KB of log lines and a sampled trace per step); data transfer.

``run(cloud)`` returns the report lines.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg
import requests
import stripe

from tests.api.cases_support import SHIP, wait_parked
from tests.bench.checkout import EXPRESS_SECONDS, PRICE, _Counts, express_cost
from tests.e2e.checkout_support import ADDRESS, make_category, make_listing
from tests.fixtures.users import create_user
from tests.integration.payouts_support import add_seller_account, onboarded_account, stripe_client

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

SALES = 40
BUYERS = 10
#: of the sales, those whose buyer never confirms the delivery (the payout auto-confirms it)
SILENT = 5
#: the seller's first sales are held (the payout's new-seller hold, ``NEW_SELLER_SALES``)
NEW_SELLER_SALES = 3
POLL_S = 0.1
TARGET_PER_1000 = 0.40
DAY = 86_400

#: us-east-1 on-demand, monthly (730 hours)
HOURS = 730
FLOOR_PRICE = {
    "aurora_acu_hour": 0.12,
    "proxy_acu_hour": 0.015,
    "proxy_min_acu": 8,
    "nat_hour": 0.045,
    "ipv4_hour": 0.005,
    "secret_month": 0.40,
    "alarm_month": 0.10,
    "dashboard_month": 3.00,
}
#: what a prod stage must be given (cdk.json leaves them to the operator); the floor does not
#: depend on them
PROD_SETTINGS = {
    "email_sender": "no-reply@mail.resale-market.com",
    "admin_email": "ops@resale-market.com",
    "onboarding_return_url": "https://app.resale-market.com/sell/onboarding/done",
    "onboarding_refresh_url": "https://app.resale-market.com/sell/onboarding",
    "cors_allowed_origins": "https://app.resale-market.com",
    "stripe_partner_event_source": "aws.partner/stripe.com/ed_prod",
}
STANDARD_MACHINES = ("checkout", "payout", "feedback_window")
EXPRESS_MACHINES = tuple(EXPRESS_SECONDS)


def run(cloud: LocalCloud) -> list[str]:
    floor = fixed_floor()
    aws, provisioned = cloud.started()
    assert cloud.stripe is not None
    admin = create_user(cloud, groups=("buyer", "admin"), profile=True)
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    account = onboarded_account(stripe_client(cloud), seller.user_id)
    assert cloud.postgres_url is not None
    with psycopg.connect(cloud.postgres_url) as conn:
        add_seller_account(conn, seller.user_id, account)
    category = make_category(cloud, admin)
    listing = make_listing(cloud, seller, category, price=2500, quantity=SALES * 2, shipping=500)
    session = requests.Session()
    buyers = [create_user(cloud, profile=True) for _ in range(BUYERS)]
    addresses = [
        session.post(f"{cloud.api_url}/me/addresses", json=ADDRESS, headers=b.headers, timeout=15).json()[
            "address_id"
        ]
        for b in buyers
    ]
    client = stripe.StripeClient(cloud.stripe.publishable_key, base_addresses={"api": cloud.stripe.url})
    sfn = aws.client("stepfunctions")
    before = {m: _execution_arns(sfn, provisioned.state_machine_arn(m)) for m in _machines()}

    api = Counter[str]()
    counts = _Counts().__enter__()
    last_before = aws.functions.invocations[-1] if aws.functions.invocations else None
    for n in range(SALES):
        buyer, address_id = buyers[n % BUYERS], addresses[n % BUYERS]
        _sale(
            cloud,
            session,
            client,
            api,
            buyer,
            seller,
            address_id,
            listing["id"],
            n,
            silent=n >= SALES - SILENT,
        )
    sale_calls = Counter(counts.calls)
    sale_invocations = _since(aws.functions.invocations, last_before)
    last_sale = sale_invocations[-1] if sale_invocations else last_before

    # the feedback windows the deliveries opened: past the reveal, on the virtual clock
    cloud.clock.advance(61 * DAY)
    cloud.settle()
    counts.__exit__()
    feedback_invocations = _since(aws.functions.invocations, last_sale)

    transitions = {
        m: _transitions(cloud, sfn, provisioned.state_machine_arn(m), before[m]) for m in STANDARD_MACHINES
    }
    express = {
        m: len(_execution_arns(sfn, provisioned.state_machine_arn(m)) - before[m]) for m in EXPRESS_MACHINES
    }
    feedback_calls = counts.calls - sale_calls
    variable = _variable_cost(cloud, sale_invocations, sale_calls, transitions, express, api)
    feedback = _feedback_cost(cloud, feedback_invocations, feedback_calls, transitions["feedback_window"])
    total = sum(variable.values()) * 1000
    lines = [
        f"whole sale, {SALES} sales ({SILENT} auto-confirmed, the seller's first {NEW_SELLER_SALES} held): "
        f"AWS variable cost per 1,000 sales ${total:.4f} "
        f"(target ≤ ${TARGET_PER_1000:.2f}: {'met' if total <= TARGET_PER_1000 else 'MISSED'})",
    ]
    lines += [
        f"    {name:<28} ${value * 1000:.4f}" for name, value in sorted(variable.items(), key=lambda x: -x[1])
    ]
    lines.append("Standard state transitions per execution, by path (each state entered):")
    for machine in STANDARD_MACHINES:
        lines += [f"    {machine:<16} {_path_line(runs)}" for runs in _paths(transitions[machine])]
    lines.append(
        f"the feedback window each delivered order opens (outside the sale's target): "
        f"${sum(feedback.values()) * 1000:.4f} per 1,000 sales"
    )
    lines += _floor_lines(floor, total)
    return lines


def _since(records: list[Any], last: Any) -> list[Any]:
    """The records after ``last`` (by identity: the registry drops its oldest past a cap, so an
    index taken before would point elsewhere)."""
    for index in range(len(records) - 1, -1, -1):
        if records[index] is last:
            return records[index + 1 :]
    return list(records) if last is None else []


def _machines() -> tuple[str, ...]:
    return STANDARD_MACHINES + EXPRESS_MACHINES


def _sale(
    cloud: LocalCloud,
    session: requests.Session,
    client: stripe.StripeClient,
    api: Counter[str],
    buyer: TestUser,
    seller: TestUser,
    address_id: str,
    listing_id: str,
    n: int,
    *,
    silent: bool,
) -> None:
    url = cloud.api_url

    def call(method: str, path: str, who: TestUser, **kwargs: Any) -> requests.Response:
        api[method] += 1
        return session.request(
            method, f"{url}{path}", headers=who.headers | kwargs.pop("headers", {}), timeout=15, **kwargs
        )

    call("PUT", f"/cart/items/{listing_id}", buyer, json={"quantity": 1})
    posted = call(
        "POST", "/checkout", buyer, json={"address_id": address_id}, headers={"Idempotency-Key": f"sale-{n}"}
    )
    assert posted.status_code == 202, posted.text
    checkout_id = posted.json()["checkout_id"]
    state = _poll(call, buyer, checkout_id, "awaiting_payment")
    payment = state["payment"]
    client.v1.payment_intents.confirm(
        payment["payment_intent_id"],
        params={"payment_method": "pm_card_visa", "client_secret": payment["client_secret"]},  # type: ignore[arg-type]
    )
    (order_id,) = _poll(call, buyer, checkout_id, "paid")["order_ids"]
    wait_parked(cloud, f"shipment:{order_id}")
    shipped = call("POST", f"/orders/{order_id}/ship", seller, json=SHIP)
    assert shipped.status_code == 200, shipped.text
    wait_parked(cloud, f"delivery:{order_id}")
    if silent:
        cloud.clock.advance(15 * DAY)  # past the auto-confirm window: the payout's wait times out
    else:
        confirmed = call("POST", f"/orders/{order_id}/confirm-delivery", buyer)
        assert confirmed.status_code == 200, confirmed.text
    _, provisioned = cloud.started()
    arn = (
        provisioned.state_machine_arn("payout").replace(":stateMachine:", ":execution:")
        + f":payout-{order_id}"
    )
    aws, _ = cloud.started()
    result = aws.wait_for_execution(arn)
    assert result["status"] == "SUCCEEDED", result
    cloud.settle()


def _poll(call: Any, buyer: TestUser, checkout_id: str, wanted: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state: dict[str, Any] = call("GET", f"/checkouts/{checkout_id}", buyer).json()
        if state["status"] == wanted:
            return state
        time.sleep(POLL_S)
    raise AssertionError(f"checkout {checkout_id} never reached {wanted}")


def _execution_arns(sfn: Any, machine: str) -> set[str]:
    arns: set[str] = set()
    for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=machine):
        arns |= {e["executionArn"] for e in page["executions"]}
    return arns


def _transitions(cloud: LocalCloud, sfn: Any, machine: str, before: set[str]) -> list[list[str]]:
    """The states each new execution of ``machine`` entered (ended ones: the sale's are)."""
    paths = []
    for arn in sorted(_execution_arns(sfn, machine) - before):
        cloud.wait_until(_ended(sfn, arn), what="an execution of the sale to end")
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        paths.append(
            [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
        )
    return paths


def _ended(sfn: Any, arn: str) -> Callable[[], bool]:
    return lambda: bool(sfn.describe_execution(executionArn=arn)["status"] != "RUNNING")


def _paths(runs: list[list[str]]) -> list[list[list[str]]]:
    """The executions grouped by the path they took, the commonest first."""
    by: dict[tuple[str, ...], list[list[str]]] = defaultdict(list)
    for states in runs:
        by[tuple(states)].append(states)
    return sorted(by.values(), key=len, reverse=True)


def _path_line(runs: list[list[str]]) -> str:
    states = runs[0]
    return f"{len(states):3d} transitions  x{len(runs):<3} {' → '.join(states)}"


def _lambda_cost(cloud: LocalCloud, invocations: list[Any]) -> float:
    aws, _ = cloud.started()
    gb_s = sum(
        aws.functions.spec(r.function_name).memory_mb / 1024 * math.ceil(r.duration_ms) / 1000
        for r in invocations
    )
    return float(len(invocations) * PRICE["lambda_request"] + gb_s * PRICE["lambda_gb_s"])


def _aws_calls_cost(calls: Counter[str]) -> dict[str, float]:
    def total(service: str, operations: set[str] | None = None) -> int:
        return sum(
            v
            for k, v in calls.items()
            if k.split(".")[0] == service and (operations is None or k.split(".")[1] in operations)
        )

    publishes = total("sns", {"Publish"})  # billed requests
    messages = total("sns", {"Message"})  # each received and deleted from its queue
    writes = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
    reads = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}
    return {
        "EventBridge": total("events", {"PutEvents"}) * PRICE["eventbridge_event"],
        "SNS": publishes * PRICE["sns_publish"],
        "SQS": 2 * messages * PRICE["sqs_request"],
        "DynamoDB": total("dynamodb", writes) * PRICE["dynamo_write"]
        + total("dynamodb", reads) * PRICE["dynamo_read"],
    }


def _variable_cost(
    cloud: LocalCloud,
    invocations: list[Any],
    calls: Counter[str],
    transitions: dict[str, list[list[str]]],
    express: dict[str, int],
    api: Counter[str],
) -> dict[str, float]:
    """Per sale, by service."""
    standard = sum(len(states) for m in ("checkout", "payout") for states in transitions[m])
    cost = {
        "Step Functions Standard": standard * PRICE["sfn_transition"],
        "Step Functions Express": sum(runs * express_cost(machine) for machine, runs in express.items()),
        "Lambda": _lambda_cost(cloud, invocations),
        "API Gateway": sum(api.values()) * PRICE["apigw_request"],
        **_aws_calls_cost(calls),
    }
    return {name: value / SALES for name, value in cost.items()}


def _feedback_cost(
    cloud: LocalCloud, invocations: list[Any], calls: Counter[str], runs: list[list[str]]
) -> dict[str, float]:
    cost = {
        "Step Functions Standard": sum(len(states) for states in runs) * PRICE["sfn_transition"],
        "Lambda": _lambda_cost(cloud, invocations),
        **_aws_calls_cost(calls),
    }
    return {name: value / SALES for name, value in cost.items()}


def _floor_lines(floor: dict[str, float], variable_per_1000: float) -> list[str]:
    monthly = sum(floor.values())
    lines = [f"fixed monthly floor of the prod stage (us-east-1 on demand): ${monthly:.2f} a month"]
    lines += [f"    {name:<44} ${value:8.2f}" for name, value in sorted(floor.items(), key=lambda x: -x[1])]
    for sales in (1_000, 100_000, 10_000_000):
        per_1000 = monthly / sales * 1000
        lines.append(
            f"    at {sales:>10,} sales a month: floor ${per_1000:9.4f} per 1,000 sales, "
            f"with the variable part ${per_1000 + variable_per_1000:9.4f}"
        )
    return lines


def fixed_floor() -> dict[str, float]:
    """Monthly dollars of what the prod stage runs whether or not anything sells."""
    from tests.infra.synth import resources, synthesize

    with tempfile.TemporaryDirectory() as scratch:
        synth = synthesize(Path(scratch) / "cdk.out", stage="prod", **PROD_SETTINGS)
        stateful, stateless, monitoring = synth.stateful, synth.stateless, synth.monitoring
        clusters = resources(stateful, "AWS::RDS::DBCluster")
        instances = len(resources(stateful, "AWS::RDS::DBInstance"))
        proxies = len(resources(stateful, "AWS::RDS::DBProxy"))
        nats = len(resources(stateful, "AWS::EC2::NatGateway"))
        ips = len(resources(stateful, "AWS::EC2::EIP"))
        secrets = sum(len(resources(t, "AWS::SecretsManager::Secret")) for t in (stateful, stateless))
        alarms = sum(len(resources(t, "AWS::CloudWatch::Alarm")) for t in (stateful, stateless, monitoring))
        dashboards = len(resources(monitoring, "AWS::CloudWatch::Dashboard"))
    min_acu = max(
        (
            c["Properties"].get("ServerlessV2ScalingConfiguration", {}).get("MinCapacity", 0)
            for c in clusters.values()
        ),
        default=0,
    )
    p = FLOOR_PRICE
    return {
        f"Aurora Serverless v2, {instances} instance(s) at {min_acu} ACU": instances
        * min_acu
        * p["aurora_acu_hour"]
        * HOURS,
        f"RDS Proxy ({proxies}, billed for {p['proxy_min_acu']} ACUs)": proxies
        * p["proxy_min_acu"]
        * p["proxy_acu_hour"]
        * HOURS,
        f"NAT gateway(s) ({nats})": nats * p["nat_hour"] * HOURS,
        f"public IPv4 address(es) ({ips})": ips * p["ipv4_hour"] * HOURS,
        f"Secrets Manager secrets ({secrets})": secrets * p["secret_month"],
        f"CloudWatch alarms ({alarms})": alarms * p["alarm_month"],
        f"CloudWatch dashboards ({dashboards})": dashboards * p["dashboard_month"],
    }


if __name__ == "__main__":
    for line in _floor_lines(fixed_floor(), 0.0):  # the floor alone: ``python -m tests.bench.sale``
        print(line)
