"""Concurrent checkout batches through the local API, with or without injected faults, and the
invariants checked afterwards in PostgreSQL, MongoDB, the Stripe stand-in and the reconciliation.

Used by the checkout benchmark (``tests/bench/checkout.py``, 20 buyers; its fault run restarts
the local cloud's PostgreSQL, which a test sharing the session's server cannot). Half the
buyers each buy from a listing of their own; the other half race for one hot listing with less
stock than they ask for, so some of them must be refused (at ``POST /checkout`` or by Reserve
Items) and leave nothing held.

The buyers run in a client process of their own (:mod:`tests.e2e.checkout_clients`, which says
what a buyer does); this module sets up their users, addresses and listings, counts what they
report, injects the faults and checks the invariants.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from tests.e2e.checkout_clients import ENDED, client_session
from tests.e2e.checkout_support import ADDRESS, make_category, make_listing
from tests.fixtures.users import create_user

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from local.runtime import LocalCloud

__all__ = ["ENDED", "BatchResult", "Faults", "client_session", "percentile", "run_batch", "summary", "verify"]

ROOT = Path(__file__).resolve().parents[2]
ABANDONED = ENDED - {"paid"}
#: what a paid order's status may have become since
SOLD = ("paid", "shipped", "delivered")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, -(-len(ordered) * p // 100) - 1))
    return ordered[int(index)]


@dataclass
class Faults:
    """What to break during the batch (all seeded)."""

    #: share of Stripe API calls that fail (half a 500, half executed with the answer lost)
    stripe_share: float = 0.10
    #: restart PostgreSQL once, after this share of the checkouts started (None: no restart);
    #: ``restart`` does it (default: the local cloud's own server)
    restart_after: float | None = 0.3
    restart: Callable[[], None] | None = None
    #: every asynchronous delivery (EventBridge targets, SNS) twice, taken in random order
    duplicate_events: bool = True
    reorder_events: bool = True
    seed: int = 20261203


@dataclass
class BatchResult:
    started: int = 0
    refused_at_once: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    #: the error codes the abandoned checkouts ended with
    codes: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    elapsed_s: float = 0.0
    checkout_ids: list[str] = field(default_factory=list)
    client_errors: list[str] = field(default_factory=list)
    stripe_errors: int = 0
    stripe_lost: int = 0
    sdk_retries: int = 0
    restarted: bool = False
    listings: dict[str, int] = field(default_factory=dict)  # listing id -> stock at the start
    #: the clock when the batch started: the reconciliation looks from there on
    started_at: float = 0.0

    @property
    def paid(self) -> int:
        return self.outcomes["paid"]

    @property
    def abandoned(self) -> int:
        return sum(self.outcomes[s] for s in ABANDONED)

    @property
    def sales_per_s(self) -> float:
        return self.paid / self.elapsed_s if self.elapsed_s else 0.0


def run_batch(
    cloud: LocalCloud,
    *,
    buyers: int = 20,
    rounds: int = 5,
    hot_stock: int | None = None,
    poll_s: float = 0.02,
    faults: Faults | None = None,
) -> BatchResult:
    """``buyers`` threads in a client process (:mod:`tests.e2e.checkout_clients`), each checking
    out ``rounds`` times one after another; returns when every buyer is done (each of its
    checkouts paid or ended)."""
    aws, _ = cloud.started()
    assert cloud.stripe is not None
    admin = create_user(cloud, groups=("buyer", "admin"), profile=True)
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    category = make_category(cloud, admin)
    distinct = buyers // 2
    racers = buyers - distinct
    hot_stock = hot_stock if hot_stock is not None else max(1, racers * rounds // 2)
    hot = make_listing(cloud, seller, category, price=3000, quantity=hot_stock, shipping=500)
    result = BatchResult(listings={hot["id"]: hot_stock}, started_at=cloud.clock.now())
    session = client_session()
    crowd: list[dict[str, Any]] = []
    for i in range(buyers):
        user = create_user(cloud, profile=True)
        address = session.post(
            f"{cloud.api_url}/me/addresses", json=ADDRESS, headers=user.headers, timeout=15
        )
        if i < distinct:
            own = make_listing(cloud, seller, category, price=2000 + i, quantity=rounds, shipping=500)
            result.listings[own["id"]] = rounds
            listing_id = own["id"]
        else:
            listing_id = hot["id"]
        crowd.append(
            {
                "api_url": cloud.api_url,
                "headers": user.headers,
                "address_id": address.json()["address_id"],
                "listing_id": listing_id,
            }
        )
    plan = {
        "buyers": crowd,
        "rounds": rounds,
        "poll_s": poll_s,
        "stripe_key": cloud.stripe.publishable_key,
        "stripe_url": cloud.stripe.url,
    }

    total = buyers * rounds
    restart_at = None if faults is None or faults.restart_after is None else int(total * faults.restart_after)
    restart_due = threading.Event()

    def restarter() -> None:
        assert faults is not None
        if restart_due.wait(timeout=300):
            (faults.restart or _restart_postgres(cloud))()
            result.restarted = True

    with contextlib.ExitStack() as stack:
        if faults is not None:
            chaos = cloud.stripe.inject_faults(faults.stripe_share, seed=faults.seed)
            stack.callback(lambda: cloud.stripe.inject_faults(0.0) if cloud.stripe else None)
            stack.enter_context(
                aws.deliveries.inject(
                    duplicate=faults.duplicate_events, reorder=faults.reorder_events, seed=faults.seed
                )
            )
        clients = stack.enter_context(_client_process())
        assert clients.stdin is not None and clients.stdout is not None
        clients.stdin.write(json.dumps(plan) + "\n")
        clients.stdin.flush()
        if json.loads(clients.stdout.readline()).get("ready") is not True:
            raise RuntimeError("the client process did not start")
        if restart_at is not None:
            threading.Thread(target=restarter, name="pg-restarter", daemon=True).start()
        clients.stdin.write("go\n")
        clients.stdin.flush()
        for line in clients.stdout:
            event = json.loads(line)
            if event.get("done"):
                result.elapsed_s = float(event["elapsed_s"])
                break
            _count(result, event)
            if restart_at is not None and result.started >= restart_at:
                restart_due.set()
        else:
            result.client_errors.append(f"the client process ended early (exit {clients.wait()})")
        restart_due.set()  # never wait for a restart that was not reached
        if faults is not None:
            result.stripe_errors, result.stripe_lost = chaos.errors, chaos.lost
    return result


def _count(result: BatchResult, event: dict[str, Any]) -> None:
    """One line of the client process (see :mod:`tests.e2e.checkout_clients`) into ``result``."""
    if "started" in event:
        result.started += 1
        result.checkout_ids.append(event["started"])
    elif "refused" in event:
        result.refused_at_once += 1
    elif "retried" in event:
        result.sdk_retries += 1
    elif "error" in event:
        result.client_errors.append(event["error"])
    elif "ended" in event:
        result.outcomes[event["status"]] += 1
        if event["code"] is not None:
            result.codes[event["code"]] += 1
        if event["status"] == "paid":
            result.latencies_ms.append(float(event["latency_ms"]))


@contextlib.contextmanager
def _client_process() -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.e2e.checkout_clients"],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield process
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _restart_postgres(cloud: LocalCloud) -> Callable[[], None]:
    databases = cloud.databases
    if databases is None or databases.postgres is None:
        raise RuntimeError("the local cloud was given its PostgreSQL: cut its connections instead")
    return databases.postgres.restart


def cut_connections(pg_url: str, application_name: str = "resale") -> Callable[[], None]:
    """What a server restart does to the functions' pool: every connection of theirs killed."""

    def cut() -> None:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND pid <> pg_backend_pid()",
                (application_name,),
            )

    return cut


# -- afterwards ------------------------------------------------------------------------------


@dataclass
class Verdict:
    problems: list[str]
    counts: dict[str, int]

    @property
    def clean(self) -> bool:
        return not self.problems


def _executions_ended(cloud: LocalCloud, result: BatchResult, timeout_s: float) -> list[dict[str, Any]]:
    aws, provisioned = cloud.started()
    sfn = aws.client("stepfunctions")
    machine = provisioned.state_machine_arn("checkout")
    prefix = machine.replace(":stateMachine:", ":execution:")
    histories = []
    for checkout_id in result.checkout_ids:
        arn = f"{prefix}:{checkout_id}"
        cloud.wait_until(
            lambda a=arn: sfn.describe_execution(executionArn=a)["status"] != "RUNNING",
            timeout_s=timeout_s,
            what=f"execution {checkout_id} to end",
        )
        histories.append(sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"])
    return histories


def verify(cloud: LocalCloud, result: BatchResult, *, pg_url: str, timeout_s: float = 60.0) -> Verdict:
    """Every invariant the batch must keep; ``problems`` is empty when all hold."""
    from lambdas.wiring import catalog

    problems = [f"client: {e}" for e in result.client_errors]
    histories = _executions_ended(cloud, result, timeout_s)
    cloud.settle()
    counts = Counter[str]()
    for history in histories:
        entered = [e["stateEnteredEventDetails"]["name"] for e in history if "stateEnteredEventDetails" in e]
        counts["compensated"] += any(s in ("Abandon Checkout", "Refund Checkout") for s in entered)
        # a failed attempt of a task (retried by its Retry, or caught)
        counts["sfn_retries"] += sum(1 for e in history if e["type"] in ("TaskFailed", "TaskTimedOut"))
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT checkout_id, status, payment_intent_id FROM checkouts WHERE checkout_id = ANY(%s)",
            (result.checkout_ids,),
        ).fetchall()
        statuses = {r[0]: r[1] for r in rows}
        for checkout_id in result.checkout_ids:
            if statuses.get(checkout_id) not in ENDED:
                problems.append(f"checkout {checkout_id} lost: {statuses.get(checkout_id)}")
        if len(result.checkout_ids) != result.started:
            problems.append("a started checkout was not recorded")
        sold = dict(
            conn.execute(
                "SELECT i.listing_id, sum(i.quantity) FROM order_items i JOIN orders o USING (order_id) "
                "WHERE o.status = ANY(%s) AND i.listing_id = ANY(%s) GROUP BY i.listing_id",
                (list(SOLD), list(result.listings)),
            ).fetchall()
        )
        unbalanced = conn.execute(
            "SELECT entry_id, currency, sum(amount) FROM ledger_postings GROUP BY entry_id, currency "
            "HAVING sum(amount) <> 0"
        ).fetchall()
        problems += [f"journal entry {e} unbalanced in {c}: {s}" for e, c, s in unbalanced]
        paid_intents = {r[2]: r[0] for r in rows if r[1] == "paid"}
        order_ids = {
            r[0]
            for r in conn.execute(
                "SELECT order_id FROM orders WHERE checkout_id = ANY(%s)", (result.checkout_ids,)
            ).fetchall()
        }
    docs = {
        d["_id"]: d
        for d in catalog.wiring()
        .db["listings"]
        .find({"_id": {"$in": list(result.listings)}}, {"quantity": 1, "holds": 1})
    }
    for listing_id, stock in result.listings.items():
        units = int(sold.get(listing_id, 0))
        doc = docs.get(listing_id, {})
        if units > stock:
            problems.append(f"listing {listing_id}: {units} units sold of {stock}")
        if doc.get("holds"):
            problems.append(f"listing {listing_id} still holds {doc['holds']}")
        if doc.get("quantity") != stock - units:
            problems.append(
                f"listing {listing_id}: quantity {doc.get('quantity')} after {units} sold of {stock}"
            )
    paid_in_db = sum(1 for s in statuses.values() if s == "paid")
    if paid_in_db != result.paid:
        problems.append(f"{result.paid} seen paid by the buyers, {paid_in_db} in PostgreSQL")
    problems += _charges(cloud, result, paid_intents)
    problems += _reconciliation(cloud, since=result.started_at, ours=_stripe_ids(cloud, result) | order_ids)
    counts["double_charges"] = sum(1 for p in problems if "charged" in p)
    return Verdict(problems, dict(counts))


def _charges(cloud: LocalCloud, result: BatchResult, paid_intents: dict[str, str]) -> list[str]:
    """One succeeded PaymentIntent per paid checkout, none for an abandoned one (the stand-in's word)."""
    assert cloud.stripe is not None
    wanted = set(result.checkout_ids)
    succeeded: Counter[str] = Counter()
    for intent in cloud.stripe.payment_intents():
        group = intent.get("transfer_group")
        if group in wanted and intent.get("status") == "succeeded":
            succeeded[group] += 1
    problems = []
    paid = set(paid_intents.values())
    for checkout_id in wanted:
        n = succeeded[checkout_id]
        if checkout_id in paid and n != 1:
            problems.append(f"checkout {checkout_id} charged {n} times")
        if checkout_id not in paid and n:
            problems.append(f"abandoned checkout {checkout_id} charged {n} times without a refund check")
    return problems


def _stripe_ids(cloud: LocalCloud, result: BatchResult) -> set[str]:
    """The ids of the batch's PaymentIntents and charges at the stand-in."""
    assert cloud.stripe is not None
    wanted = set(result.checkout_ids)
    ids: set[str] = set()
    for intent in cloud.stripe.payment_intents():
        if intent.get("transfer_group") in wanted:
            ids.add(str(intent["id"]))
            charge = intent.get("latest_charge")
            ids.add(str(charge.get("id") if isinstance(charge, dict) else charge))
    return ids


def _reconciliation(cloud: LocalCloud, *, since: float, ours: set[str]) -> list[str]:
    """The reconciliation job over the batch's window; its differences about the batch's money
    (its orders, PaymentIntents and charges). The clock of a test session hardly moves, so the
    window may also hold the last test's payments, whose ledger rows that test's clean-up took."""
    aws, provisioned = cloud.started()
    start = datetime.fromtimestamp(since, tz=UTC) - timedelta(seconds=1)
    end = datetime.fromtimestamp(cloud.clock.now(), tz=UTC) + timedelta(days=1)
    window = {"from": start.isoformat(), "to": end.isoformat()}
    ran = aws.functions.invoke(provisioned.physical_name("payouts-reconcile"), window)
    if ran.failed:
        return [f"reconciliation failed: {ran.error_type}: {ran.error_message}"]
    report = ran.payload
    mine = [
        d
        for d in report.get("differences", [])
        if d.get("stripe_id") in ours or ours.intersection(d.get("order_ids") or ())
    ]
    return [f"reconciliation difference: {d}" for d in mine]


def summary(result: BatchResult, verdict: Verdict | None = None) -> str:
    line = (
        f"started {result.started}, paid {result.paid}, abandoned {result.abandoned} "
        f"({', '.join(f'{k} {v}' for k, v in sorted(result.outcomes.items()) if k != 'paid') or 'none'}), "
        f"refused at POST {result.refused_at_once}"
    )
    if result.codes:
        line += f" (codes: {dict(result.codes)})"
    if verdict is not None:
        line += (
            f", retried {verdict.counts.get('sfn_retries', 0)} (Step Functions task retries) + "
            f"{result.sdk_retries} (client confirmations) + {result.stripe_errors + result.stripe_lost} "
            f"Stripe faults met, compensated {verdict.counts.get('compensated', 0)}"
        )
    return line


__all__ = [
    "BatchResult",
    "Faults",
    "Verdict",
    "client_session",
    "cut_connections",
    "percentile",
    "run_batch",
    "summary",
    "verify",
]
