"""Cases benchmark: each case path through the local API, its transitions and its AWS cost.

For every path below, ``RUNS`` cases are opened on fresh paid orders (not timed: the sale, its
shipment) and driven through the HTTP API, the virtual clock moved where a deadline must pass;
then, from each case_resolution execution's history, the state transitions (the start and each
state entered: what a Standard workflow is billed for) and the Lambda invocations; from the local
cloud's invocation records, the measured duration of each invocation the case made (its steps,
the wait step, the API calls); and the API calls made. The latency reported is from the request
that decides the case (the seller's, the buyer's or the admin's) to the case closed.

AWS's public on-demand prices (us-east-1), as tests/bench/checkout.py uses them:

- Step Functions Standard: $0.025 per 1,000 state transitions;
- Lambda: $0.20 per million requests plus $0.0000166667 per GB-second (256 MB declared);
- API Gateway REST: $3.50 per million requests;
- EventBridge: $1.00 per million events (CaseOpened, CaseClosed);
- SNS: $0.50 per million publishes (the notifications); SQS: $0.40 per million requests x 2;
- DynamoDB on demand: about one write and one read per wait (the task token parked, then taken).

``run(cloud) -> list[str]`` returns the report lines.
"""

from __future__ import annotations

import math
import statistics
import time
import uuid
from typing import TYPE_CHECKING, Any

from tests.api.cases_support import (
    a_sale,
    act,
    case_arn,
    finished,
    history,
    open_case,
    shipped,
    to_deadline,
    until_status,
    wait_parked,
)
from tests.fixtures.users import create_user

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.runtime import LocalCloud
    from tests.api.cases_support import Sale

RUNS = 5
MEMORY_GB = 0.25
PRICE = {
    "sfn_transition": 0.025 / 1000,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_s": 0.0000166667,
    "apigw_request": 3.50 / 1e6,
    "eventbridge_event": 1.00 / 1e6,
    "sns_publish": 0.50 / 1e6,
    "sqs_request": 0.40 / 1e6,
    "dynamo_write": 1.25 / 1e6,
    "dynamo_read": 0.25 / 1e6,
}
#: the case's functions, whose invocations are its Lambda cost
FUNCTIONS = ("api-cases", "api-admin-cases", "cases-", "wait-for-event")


def _seller_refunds(cloud: LocalCloud, sale: Sale, case: dict[str, Any], admin: Any) -> tuple[int, float]:
    started = time.perf_counter()
    act(cloud, sale.seller, case["case_id"], "respond", {"action": "full_refund"})
    return 1, started


def _return(cloud: LocalCloud, sale: Sale, case: dict[str, Any], admin: Any) -> tuple[int, float]:
    case_id = case["case_id"]
    act(cloud, sale.seller, case_id, "respond", {"action": "accept_return"})
    wait_parked(cloud, f"case:{case_id}")
    act(cloud, sale.buyer, case_id, "return-shipment", {"carrier": "UPS", "tracking_number": "1Z999"})
    wait_parked(cloud, f"case:{case_id}")
    started = time.perf_counter()
    act(cloud, sale.seller, case_id, "confirm-return")
    return 3, started


def _partial(cloud: LocalCloud, sale: Sale, case: dict[str, Any], admin: Any) -> tuple[int, float]:
    case_id = case["case_id"]
    offer = {"action": "partial_refund", "amount": {"amount": 500, "currency": "USD"}}
    act(cloud, sale.seller, case_id, "respond", offer)
    wait_parked(cloud, f"case:{case_id}")
    started = time.perf_counter()
    act(cloud, sale.buyer, case_id, "answer-offer", {"accept": True})
    return 2, started


def _silent_then_admin(cloud: LocalCloud, sale: Sale, case: dict[str, Any], admin: Any) -> tuple[int, float]:
    case_id = case["case_id"]
    to_deadline(cloud, case)
    until_status(cloud, sale.buyer, case_id, "awaiting_escalation")
    wait_parked(cloud, f"case:{case_id}")
    act(cloud, sale.buyer, case_id, "escalate")
    wait_parked(cloud, f"case:{case_id}")
    started = time.perf_counter()
    _decide(cloud, admin, case_id, "refund_buyer")
    return 3, started  # the until_status poll is the bench's, not a client's: not counted


def _decline_then_admin(cloud: LocalCloud, sale: Sale, case: dict[str, Any], admin: Any) -> tuple[int, float]:
    case_id = case["case_id"]
    act(cloud, sale.seller, case_id, "respond", {"action": "decline"})
    wait_parked(cloud, f"case:{case_id}")
    act(cloud, sale.buyer, case_id, "escalate")
    wait_parked(cloud, f"case:{case_id}")
    started = time.perf_counter()
    _decide(cloud, admin, case_id, "close_for_seller")
    return 4, started


def _decide(cloud: LocalCloud, admin: Any, case_id: str, outcome: str) -> None:
    from tests.api.accounts_support import call

    response = call(
        cloud,
        "POST",
        f"/admin/cases/{case_id}/decision",
        token=admin.id_token,
        json={"outcome": outcome, "note": "n"},
    )
    assert response.status_code == 200, response.text


PATHS: dict[str, Callable[[LocalCloud, Sale, dict[str, Any], Any], tuple[int, float]]] = {
    "seller refunds in full": _seller_refunds,
    "return shipped and received": _return,
    "partial refund accepted": _partial,
    "seller silent, admin refunds": _silent_then_admin,
    "declined, admin closes for seller": _decline_then_admin,
}


def _lambda_of(cloud: LocalCloud, since: float) -> tuple[int, float]:
    """Invocations of the case's functions since ``since`` (perf clock): count and GB-seconds."""
    assert cloud.aws is not None
    names = {v: k for k, v in cloud.provisioned.names.items() if k[0] == "function"}
    count, gb_s = 0, 0.0
    for record in list(cloud.aws.functions.invocations):
        logical = names.get(record.function_name, ("", ""))[1]
        if record.started_at >= since and logical.startswith(FUNCTIONS):
            count += 1
            gb_s += math.ceil(record.duration_ms) / 1000 * MEMORY_GB
    return count, gb_s


def run(cloud: LocalCloud) -> list[str]:
    pg_url = cloud.postgres_url
    assert pg_url is not None
    admin = create_user(cloud, groups=("buyer", "admin"))

    def make_user(*, groups: tuple[str, ...] = ("buyer",)) -> Any:
        return create_user(cloud, groups=groups)

    lines = [f"cases: {RUNS} runs per path; cost per 1,000 cases at AWS on-demand prices (us-east-1)"]
    for name, drive in PATHS.items():
        transitions, latencies, lambdas, gb_seconds, api_calls = [], [], [], [], []
        for _ in range(RUNS):
            sale = a_sale(cloud, make_user, pg_url, uuid.uuid4().hex[:12])
            shipped(cloud, sale)
            mark = time.time()
            case = open_case(cloud, sale, "damaged")
            calls, started = drive(cloud, sale, case, admin)
            finished(cloud, case_arn(cloud, case["case_id"]))
            latencies.append((time.perf_counter() - started) * 1000)
            events = history(cloud, case_arn(cloud, case["case_id"]))
            transitions.append(sum(1 for e in events if e["type"].endswith("StateEntered")) + 1)
            count, gb_s = _lambda_of(cloud, mark)
            lambdas.append(count)
            gb_seconds.append(gb_s)
            api_calls.append(calls + 1)  # the opening POST too
        t, n, g, a = (statistics.mean(x) for x in (transitions, lambdas, gb_seconds, api_calls))
        waits = sum(1 for e in events if e["type"] == "TaskScheduled" and "waitForTaskToken" in str(e))
        cost = (
            t * PRICE["sfn_transition"]
            + n * PRICE["lambda_request"]
            + g * PRICE["lambda_gb_s"]
            + a * PRICE["apigw_request"]
            + 2 * PRICE["eventbridge_event"]
            + 4 * (PRICE["sns_publish"] + 2 * PRICE["sqs_request"])
            + waits * (PRICE["dynamo_write"] + PRICE["dynamo_read"])
        ) * 1000
        lines.append(
            f"  {name:<36} transitions {t:5.1f}  lambda {n:5.1f} ({g * 1000:6.1f} GB-ms)  api {a:3.0f}  "
            f"decision to closed p50 {statistics.median(latencies):6.1f} ms  ${cost:.4f} per 1,000 cases"
        )
    return lines
