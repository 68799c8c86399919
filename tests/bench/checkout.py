"""Checkout benchmark: 200 checkouts through the local API, each paid at once, POST → paid.

What one checkout is here: the buyer puts a listing in the cart (not timed), then the timed part:
``POST /checkout``; poll ``GET /checkouts/{id}`` until awaiting_payment; confirm the
PaymentIntent with the Stripe SDK (publishable key + client secret), as a client app would; poll
until paid. Polls are 2 ms apart. Twenty buyers take turns against one listing of 1,000 units.
Between two checkouts (not timed) the previous one's execution ends and the notification queues
are drained: on AWS that work runs on other Lambda instances, while locally everything shares one
Python process, so letting it overlap the next checkout would measure the local queue instead.
Checkouts per second counts the whole loop, settling included.

Reported: end-to-end latency p50/p95, checkouts per second (sequential), the state transitions
of the Standard checkout execution (``*StateEntered`` events in its history) and the AWS cost
per 1,000 checkouts, from what was counted here and AWS's public on-demand prices (us-east-1):

- Step Functions Standard: $0.025 per 1,000 state transitions.
- Step Functions Express (the nested preparation and the fee calculation it runs): $1.00 per
  million requests plus $0.00001667 per GB-second, billed in 64 MB and 100 ms units
  (``EXPRESS_SECONDS``).
- Lambda: $0.20 per million requests plus $0.0000166667 per GB-second (x86), each
  invocation's measured duration rounded up to the millisecond at its declared memory.
- API Gateway REST: $3.50 per million requests (the client's POST, its polls and its cart PUT).
- EventBridge: $1.00 per million events (Stripe's partner events and our own domain events).
- SNS: $0.50 per million requests, a request being a Publish or each 64 KiB of a PublishBatch
  (a notification's channels go in one batch); SQS: $0.40 per million requests (receive + delete per
  message; the SNS → SQS delivery is free).
- DynamoDB on demand: $1.25 per million write units and $0.25 per million read units, counted
  from the requests the functions made (every item here is under 1 KB).

Then two concurrent runs (``tests/e2e/checkout_batch.py``): 20 buyer threads at once (in a
client process of their own, ``tests/e2e/checkout_clients.py``, as clients are), each
checking out 10 times, half of them on listings of their own and half racing for one hot listing
with half the units they ask for (so some are refused at ``POST /checkout`` or by Reserve Items
and must leave nothing held); clients poll every 20 ms. Reported: sales per second completed
(paid checkouts over the run's wall time), p50/p95 of POST → paid, and the invariants checked in
PostgreSQL, MongoDB and the Stripe stand-in: every started checkout ended, no unit sold twice, one
succeeded PaymentIntent per paid checkout and none for the others, every journal entry balanced,
the reconciliation clean. The second run injects faults: 10% of Stripe calls fail (a 500 before
executing, or executed with the answer lost, as a client timeout sees it), PostgreSQL is
restarted once a third of the way in, every EventBridge/SNS delivery is duplicated and taken in a
random order (seeded).

``run(cloud)`` returns the report lines.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import requests
import stripe

from tests.e2e.checkout_batch import Faults, client_session, percentile, run_batch, summary, verify
from tests.e2e.checkout_support import ADDRESS, make_category, make_listing
from tests.fixtures.users import create_user

if TYPE_CHECKING:
    from local.runtime import LocalCloud

CHECKOUTS = 200
BUYERS = 20
TARGET_P50_MS = 100.0
TARGET_P95_MS = 150.0
TARGET_SALES_PER_S = 10.0
CONCURRENT_BUYERS = 20
CONCURRENT_ROUNDS = 10
TARGET_COST_PER_1000 = 0.50

PRICE = {
    "sfn_transition": 0.025 / 1000,
    "express_request": 1.00 / 1e6,
    "express_gb_s": 0.00001667,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s": 0.0000166667,
    "apigw_request": 3.50 / 1e6,
    "eventbridge_event": 1.00 / 1e6,
    "sns_publish": 0.50 / 1e6,
    "sqs_request": 0.40 / 1e6,
    "dynamo_write": 1.25 / 1e6,
    "dynamo_read": 0.25 / 1e6,
}

#: each Express machine a checkout runs, with the duration it is billed for (100 ms increments at
#: 64 MB): a fee calculation is two short steps; the preparation five steps and that fee
#: calculation, a conservative second
EXPRESS_SECONDS = {"fee-calculation": 0.1, "checkout-preparation": 1.0}
#: SNS bills a PublishBatch as one request per 64 KiB of its messages
SNS_BILLED_BYTES = 64 * 1024


def express_cost(machine: str) -> float:
    """One execution of that Express machine."""
    return PRICE["express_request"] + PRICE["express_gb_s"] * 0.0625 * EXPRESS_SECONDS[machine]


_DYNAMO_WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
_DYNAMO_READS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1))]


class _Counts:
    """Every AWS API call the process makes while counting, by ``service.Operation`` (the
    functions' boto3 and pynamodb clients, the stand-ins' puts: all go through botocore).
    EventBridge is counted in entries (events), not calls; SNS in billed requests (``Publish``:
    a PublishBatch is one per 64 KiB) and in messages (``Message``: what the queues receive)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._original: Any = None

    def __enter__(self) -> _Counts:
        from botocore.client import BaseClient

        original = BaseClient._make_api_call
        counts = self.calls

        def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
            service = client.meta.service_model.service_name
            if operation == "PublishBatch":
                # billed as one request per 64 KiB of the batch; each entry is one message
                entries = params.get("PublishBatchRequestEntries") or []
                size = sum(len(e.get("Message", "").encode()) for e in entries)
                counts[f"{service}.Publish"] += max(1, -(-size // SNS_BILLED_BYTES))
                counts[f"{service}.Message"] += len(entries)
            elif operation == "Publish":
                counts[f"{service}.Publish"] += 1
                counts[f"{service}.Message"] += 1
            else:
                counts[f"{service}.{operation}"] += (
                    len(params.get("Entries") or [1]) if operation == "PutEvents" else 1
                )
            return original(client, operation, params)

        self._original = original
        BaseClient._make_api_call = counted  # type: ignore[method-assign]
        return self

    def __exit__(self, *_: object) -> None:
        from botocore.client import BaseClient

        BaseClient._make_api_call = self._original  # type: ignore[method-assign]

    def total(self, service: str, operations: set[str] | None = None) -> int:
        return sum(
            v
            for k, v in self.calls.items()
            if k.split(".")[0] == service and (operations is None or k.split(".")[1] in operations)
        )


def run(cloud: LocalCloud) -> list[str]:
    aws, provisioned = cloud.started()
    assert cloud.stripe is not None
    admin = create_user(cloud, groups=("buyer", "admin"), profile=True)
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    category = make_category(cloud, admin)
    listing = make_listing(cloud, seller, category, price=2500, quantity=CHECKOUTS * 5, shipping=500)
    buyers = [create_user(cloud, profile=True) for _ in range(BUYERS)]
    session = client_session()
    addresses = []
    for buyer in buyers:
        response = session.post(
            f"{cloud.api_url}/me/addresses", json=ADDRESS, headers=buyer.headers, timeout=15
        )
        addresses.append(response.json()["address_id"])
    client = stripe.StripeClient(
        cloud.stripe.publishable_key,
        base_addresses={"api": cloud.stripe.url},
        http_client=stripe.RequestsClient(session=client_session()),
    )
    sfn = aws.client("stepfunctions")

    counts = _Counts().__enter__()
    invocations_before = aws.functions.mark()
    latencies: list[float] = []
    transitions: list[int] = []
    api_requests = 0
    wall = time.perf_counter()
    for n in range(CHECKOUTS):
        buyer, address_id = buyers[n % BUYERS], addresses[n % BUYERS]
        headers = buyer.headers
        session.put(
            f"{cloud.api_url}/cart/items/{listing['id']}", json={"quantity": 1}, headers=headers, timeout=15
        )
        api_requests += 1
        t = time.perf_counter()
        posted = session.post(
            f"{cloud.api_url}/checkout",
            json={"address_id": address_id},
            headers=headers | {"Idempotency-Key": f"bench-{n}"},
            timeout=15,
        )
        api_requests += 1
        assert posted.status_code == 202, posted.text
        checkout_id = posted.json()["checkout_id"]
        state, polls = _poll(session, cloud, headers, checkout_id, {"awaiting_payment"})
        api_requests += polls
        payment = state["payment"]
        client.v1.payment_intents.confirm(
            payment["payment_intent_id"],
            params={"payment_method": "pm_card_visa", "client_secret": payment["client_secret"]},  # type: ignore[typeddict-unknown-key]
        )
        _, polls = _poll(session, cloud, headers, checkout_id, {"paid"})
        api_requests += polls
        latencies.append((time.perf_counter() - t) * 1000)
        # let the sale's background work finish (Complete Sale, notifications, the payout's start)
        # before the next checkout, as separate Lambda instances would on AWS: locally it all
        # shares one Python process, so overlapping it would time the queue, not the checkout
        _settle(cloud, sfn, provisioned.state_machine_arn("checkout"), checkout_id)
    elapsed = time.perf_counter() - wall
    counts.__exit__()

    machine = provisioned.state_machine_arn("checkout")
    executions = sfn.list_executions(stateMachineArn=machine, maxResults=1000)["executions"]
    for execution in executions[:CHECKOUTS]:
        arn = execution["executionArn"]
        cloud.wait_until(
            lambda a=arn: sfn.describe_execution(executionArn=a)["status"] != "RUNNING",
            what="the checkout execution to end",
        )
        history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        transitions.append(sum(1 for e in history if e["type"].endswith("StateEntered")))

    cost = _cost_per_checkout(cloud, invocations_before, counts, transitions, api_requests)
    p50, p95 = _percentile(latencies, 50), _percentile(latencies, 95)
    total = sum(cost.values()) * 1000
    lines = [
        f"checkout POST → paid ({CHECKOUTS} checkouts, paid at once): p50 {p50:.1f} ms, "
        f"mean {statistics.fmean(latencies):.1f} ms "
        f"(target p50 ≤ {TARGET_P50_MS:.0f} ms: {_met(p50 <= TARGET_P50_MS)})",
        f"checkout POST → paid, p95: {p95:.1f} ms (target p95 ≤ {TARGET_P95_MS:.0f} ms: "
        f"{_met(p95 <= TARGET_P95_MS)})",
        f"    first 50: p50 {_percentile(latencies[:50], 50):.1f} ms; last 50: p50 "
        f"{_percentile(latencies[-50:], 50):.1f} ms",
        f"checkouts per second (one after another): {CHECKOUTS / elapsed:.1f}",
        f"state transitions per checkout (Standard): {statistics.fmean(transitions):.1f} "
        f"(min {min(transitions)}, max {max(transitions)})",
        f"AWS cost per 1,000 checkouts: ${total:.4f} "
        f"(target < ${TARGET_COST_PER_1000:.2f}: {'met' if total < TARGET_COST_PER_1000 else 'MISSED'})",
    ]
    lines += [
        f"    {name:<28} ${value * 1000:.4f}" for name, value in sorted(cost.items(), key=lambda x: -x[1])
    ]
    lines += _concurrent(cloud, faults=None)
    lines += _concurrent(cloud, faults=Faults(stripe_share=0.10, restart_after=0.33))
    return lines


def _met(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _concurrent(cloud: LocalCloud, *, faults: Faults | None) -> list[str]:
    """One concurrent batch (with or without faults) and its invariants."""
    assert cloud.postgres_url is not None
    racers = CONCURRENT_BUYERS - CONCURRENT_BUYERS // 2
    hot_stock = racers * CONCURRENT_ROUNDS // 2
    result = run_batch(
        cloud, buyers=CONCURRENT_BUYERS, rounds=CONCURRENT_ROUNDS, hot_stock=hot_stock, faults=faults
    )
    verdict = verify(cloud, result, pg_url=cloud.postgres_url, timeout_s=120)
    what = (
        f"{CONCURRENT_BUYERS} buyers x {CONCURRENT_ROUNDS}, half racing for {hot_stock} units of one listing"
    )
    lat = result.latencies_ms
    if faults is None:
        lines = [
            f"concurrent checkouts ({what}): {result.paid} sales in {result.elapsed_s:.1f} s = "
            f"{result.sales_per_s:.1f} sales/s, POST → paid p50 {percentile(lat, 50):.1f} ms, "
            f"p95 {percentile(lat, 95):.1f} ms (target ≥ {TARGET_SALES_PER_S:.0f} sales/s: "
            f"{_met(result.sales_per_s >= TARGET_SALES_PER_S)})",
            f"    {summary(result, verdict)}; invariants (target all hold: {_met(verdict.clean)})",
        ]
    else:
        lines = [
            f"fault run ({what}; Stripe {faults.stripe_share:.0%} failing, PostgreSQL restarted "
            f"{'once' if result.restarted else 'NOT'}, every event delivered twice and reordered): "
            f"{result.sales_per_s:.1f} sales/s, p95 {percentile(lat, 95):.1f} ms",
            f"    {summary(result, verdict)} "
            f"(target invariants hold: {_met(verdict.clean and result.restarted)})",
        ]
    lines += [f"    problem: {p}" for p in verdict.problems[:20]]
    return lines


def _settle(cloud: LocalCloud, sfn: Any, machine: str, checkout_id: str) -> None:
    arn = f"{machine.replace(':stateMachine:', ':execution:')}:{checkout_id}"
    cloud.wait_until(
        lambda: sfn.describe_execution(executionArn=arn)["status"] != "RUNNING", what="the checkout to end"
    )
    cloud.settle()  # the asynchronous deliveries and the SQS consumers they feed


def _poll(
    session: requests.Session, cloud: LocalCloud, headers: dict[str, str], checkout_id: str, wanted: set[str]
) -> tuple[dict[str, Any], int]:
    polls = 0
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        polls += 1
        state = session.get(f"{cloud.api_url}/checkouts/{checkout_id}", headers=headers, timeout=15).json()
        if state["status"] in wanted:
            return state, polls
        if state["status"] in {"payment_failed", "expired", "cancelled", "failed"}:
            raise AssertionError(f"checkout {checkout_id} ended {state['status']}: {state.get('error')}")
        time.sleep(0.002)
    raise AssertionError(f"checkout {checkout_id} never reached {wanted}")


def _cost_per_checkout(
    cloud: LocalCloud, invocations_before: int, counts: _Counts, transitions: list[int], api_requests: int
) -> dict[str, float]:
    aws, _ = cloud.started()
    invocations = aws.functions.since(invocations_before)
    gb_s = sum(
        aws.functions.spec(r.function_name).memory_mb / 1024 * math.ceil(r.duration_ms) / 1000
        for r in invocations
    )
    n = CHECKOUTS
    publishes = counts.total("sns", {"Publish"})
    messages = counts.total("sns", {"Message"})
    return {
        "Step Functions Standard": statistics.fmean(transitions) * PRICE["sfn_transition"],
        # one nested preparation per checkout, which runs one fee calculation
        "Step Functions Express": sum(express_cost(machine) for machine in EXPRESS_SECONDS),
        "Lambda": len(invocations) / n * PRICE["lambda_request"] + gb_s / n * PRICE["lambda_gb_s"],
        "API Gateway": api_requests / n * PRICE["apigw_request"],
        "EventBridge": counts.total("events", {"PutEvents"}) / n * PRICE["eventbridge_event"],
        "SNS": publishes / n * PRICE["sns_publish"],
        "SQS": 2 * messages / n * PRICE["sqs_request"],
        "DynamoDB": counts.total("dynamodb", _DYNAMO_WRITES) / n * PRICE["dynamo_write"]
        + counts.total("dynamodb", _DYNAMO_READS) / n * PRICE["dynamo_read"],
    }
