"""Disputes (chargebacks), as Stripe's test mode makes them.

A charge paid with ``pm_card_createDispute`` (``tok_createDispute``; Stripe's test card
4000 0000 0000 0259) is disputed as soon as it succeeds: ``charge.dispute.created``, then the
disputed amount and Stripe's dispute fee leave the platform's balance (one balance transaction,
``charge.dispute.funds_withdrawn``). Evidence is sent with ``POST /v1/disputes/{id}`` (the SDK's
``Dispute.modify(evidence=..., submit=True)``): each update emits ``charge.dispute.updated``, and
a submission is decided at once as Stripe's test mode decides it, by the evidence's
``uncategorized_text``: ``winning_evidence`` wins (the amount comes back, ``funds_reinstated``),
``losing_evidence`` loses; anything else stays ``under_review`` until the stand-in's test-only
control decides it (no such route exists on Stripe)::

    POST /v1/test_helpers/disputes/{dispute}/close   status=won|lost

and a charge made with any card can be disputed later, as a buyer's bank does weeks after the
payment (test-only too)::

    POST /v1/test_helpers/charges/{charge}/dispute

``POST /v1/disputes/{id}/close`` accepts the dispute (lost). Every decision emits
``charge.dispute.closed``.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from local.providers.stripe import ledger
from local.providers.stripe.context import diff
from local.providers.stripe.errors import invalid
from local.providers.stripe.forms import apply_metadata
from local.providers.stripe.routes import Route, route
from local.providers.stripe.store import new_id

if TYPE_CHECKING:
    from local.providers.stripe.context import Ctx
    from local.providers.stripe.store import Record

#: Stripe's dispute fee in the US (minor units), taken with the disputed amount
DISPUTE_FEE = 1500
#: the time a platform has to respond (Stripe gives about a week to three weeks)
EVIDENCE_DAYS = 7
EVIDENCE_FIELDS = [
    "access_activity_log",
    "billing_address",
    "cancellation_policy_disclosure",
    "cancellation_rebuttal",
    "customer_communication",
    "customer_email_address",
    "customer_name",
    "customer_purchase_ip",
    "duplicate_charge_explanation",
    "product_description",
    "refund_policy_disclosure",
    "refund_refusal_explanation",
    "service_date",
    "shipping_address",
    "shipping_carrier",
    "shipping_date",
    "shipping_documentation",
    "shipping_tracking_number",
    "uncategorized_text",
]
OPEN = ("needs_response", "under_review", "warning_needs_response", "warning_under_review")


def open_for_charge(ctx: Ctx, charge: dict[str, Any]) -> None:
    """The card's issuer disputes ``charge`` (its whole amount, as fraudulent)."""
    now = ctx.now
    dispute: dict[str, Any] = {
        "id": new_id("du_"),
        "object": "dispute",
        "amount": charge["amount"],
        "balance_transactions": [],
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "evidence": dict.fromkeys(EVIDENCE_FIELDS),
        "evidence_details": {
            "due_by": now + EVIDENCE_DAYS * 86_400,
            "has_evidence": False,
            "past_due": False,
            "submission_count": 0,
        },
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": charge.get("payment_intent"),
        "reason": "fraudulent",
        "status": "needs_response",
    }
    ctx.store.add(dispute, ctx.account)
    charge["disputed"] = True
    ctx.emit("charge.dispute.created", dispute)
    txn = ledger.post(
        ctx,
        ctx.account,
        amount=-dispute["amount"],
        currency=dispute["currency"],
        type_="adjustment",
        source=dispute["id"],
        fee_details=[ledger.fee_detail(DISPUTE_FEE, dispute["currency"], "stripe_fee", "Dispute fee")],
        description=f"Chargeback withdrawal for {charge['id']}",
    )
    dispute["balance_transactions"] = [copy.deepcopy(txn)]
    ctx.emit("charge.dispute.funds_withdrawn", dispute)


def _dispute(ctx: Ctx, id: str) -> Record:
    return ctx.store.get("dispute", id, ctx.account, param="dispute")


def retrieve_dispute(ctx: Ctx, id: str) -> dict[str, Any]:
    return ctx.render(_dispute(ctx, id).obj)


def list_disputes(ctx: Ctx) -> dict[str, Any]:
    charge, pi = ctx.params.text("charge"), ctx.params.text("payment_intent")

    def matches(record: Record) -> bool:
        return (charge is None or record.obj["charge"] == charge) and (
            pi is None or record.obj["payment_intent"] == pi
        )

    return ctx.page(ctx.store.all("dispute", ctx.account, matches), "dispute")


def update_dispute(ctx: Ctx, id: str) -> dict[str, Any]:
    record = _dispute(ctx, id)
    dispute = record.obj
    if dispute["status"] not in OPEN:
        raise invalid(
            f"This dispute is already closed ({dispute['status']}); its evidence can no longer change.",
            code="dispute_already_closed" if dispute["status"] != "under_review" else None,
        )
    before = copy.deepcopy(dispute)
    evidence = ctx.params.hash("evidence")
    unknown = sorted(set(evidence) - set(EVIDENCE_FIELDS))
    if unknown:
        raise invalid(f"Received unknown parameter: evidence[{unknown[0]}]", param=f"evidence[{unknown[0]}]")
    for name, value in evidence.items():
        dispute["evidence"][name] = value or None
    dispute["evidence_details"]["has_evidence"] = any(dispute["evidence"].values())
    dispute["metadata"] = apply_metadata(dispute["metadata"], ctx.params.get("metadata"))
    submit = ctx.params.flag("submit")
    if submit:
        dispute["status"] = "under_review"
        dispute["evidence_details"]["submission_count"] += 1
    changed = diff(before, dispute)
    if changed:
        ctx.emit("charge.dispute.updated", dispute, previous=changed)
    if submit:
        text = str(dispute["evidence"].get("uncategorized_text") or "")
        if "winning_evidence" in text:
            _close(ctx, record, won=True)
        elif "losing_evidence" in text:
            _close(ctx, record, won=False)
    return ctx.render(dispute)


def accept_dispute(ctx: Ctx, id: str) -> dict[str, Any]:
    """``POST /v1/disputes/{id}/close``: the platform accepts the dispute (it is lost)."""
    record = _dispute(ctx, id)
    if record.obj["status"] in OPEN:
        _close(ctx, record, won=False)
    return ctx.render(record.obj)


def decide_dispute(ctx: Ctx, id: str) -> dict[str, Any]:
    """Test-only control: the card network decides an open dispute."""
    status = ctx.params.req_text("status", choices=["won", "lost"])
    record = _dispute(ctx, id)
    if record.obj["status"] not in OPEN:
        raise invalid(
            f"Dispute {id} is {record.obj['status']}; only an open one can be decided.", param="status"
        )
    _close(ctx, record, won=status == "won")
    return ctx.render(record.obj)


def dispute_charge(ctx: Ctx, id: str) -> dict[str, Any]:
    """Test-only control: the buyer's bank disputes a charge that succeeded earlier."""
    charge = ctx.store.get("charge", id, ctx.account, param="charge").obj
    if charge["status"] != "succeeded" or charge.get("disputed"):
        raise invalid(f"Charge {id} cannot be disputed (it failed, or is disputed already).", param="charge")
    open_for_charge(ctx, charge)
    found = ctx.store.all("dispute", ctx.account, lambda r: r.obj["charge"] == id)
    return ctx.render(found[0].obj)


def _close(ctx: Ctx, record: Record, *, won: bool) -> None:
    dispute = record.obj
    before = copy.deepcopy(dispute)
    dispute["status"] = "won" if won else "lost"
    if won:
        txn = ledger.post(
            ctx,
            ctx.account,
            amount=dispute["amount"],
            currency=dispute["currency"],
            type_="adjustment",
            source=dispute["id"],
            description=f"Chargeback reversal for {dispute['charge']}",
        )
        dispute["balance_transactions"] = [*dispute["balance_transactions"], copy.deepcopy(txn)]
        ctx.emit("charge.dispute.funds_reinstated", dispute)
    ctx.emit("charge.dispute.closed", dispute, previous=diff(before, dispute))


_EVIDENCE = "evidence submit metadata"

ROUTES: list[Route] = [
    route("GET", "/v1/disputes", list_disputes, "charge payment_intent"),
    route("GET", "/v1/disputes/<id>", retrieve_dispute),
    route("POST", "/v1/disputes/<id>", update_dispute, _EVIDENCE),
    route("POST", "/v1/disputes/<id>/close", accept_dispute),
    route("POST", "/v1/test_helpers/disputes/<id>/close", decide_dispute, "status"),
    route("POST", "/v1/test_helpers/charges/<id>/dispute", dispute_charge),
]
