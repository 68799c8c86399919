"""Cases: buyers' cases on paid orders (money back guarantee), the case_resolution Standard state
machine and its steps, the admins' decisions, and Stripe's disputes (chargebacks).

``POST /orders/{order_id}/cases`` records the case, holds the order's payout and starts
``case_resolution`` named ``case-<case_id>``; every party's action resumes its wait through the
task-tokens table. Refund Buyer refunds through Stripe, reverses a transfer already sent and posts
the ledger in one transaction.
"""

from __future__ import annotations

from stacks.capabilities import NOTIFY_ENV, PUBLISH_NOTIFICATIONS, READ_STRIPE, STRIPE_ENV
from stacks.model import (
    Attr,
    Capability,
    Function,
    FunctionTarget,
    Grant,
    Kind,
    Ref,
    Route,
    Rule,
    RuleTarget,
    StateMachine,
)

#: Stripe's dispute events (``workflows.cases.disputes.DISPUTE_EVENT_TYPES``; a test keeps them equal)
DISPUTE_EVENTS = (
    "charge.dispute.created",
    "charge.dispute.funds_withdrawn",
    "charge.dispute.updated",
    "charge.dispute.funds_reinstated",
    "charge.dispute.closed",
)

#: a case lives at most a year (windows, escalation, admin reminders)
MACHINE_TIMEOUT_S = 365 * 86_400

_WAITS = {"TASK_TOKENS_TABLE": Ref(Kind.TABLE, "task-tokens")}
#: what the case service needs: Stripe, notifications, the waits (resuming the machine and a
#: payout's waits), the domain bus
_ENV: dict[str, str | Ref] = {**STRIPE_ENV, **NOTIFY_ENV, **_WAITS}
_GRANTS = (
    READ_STRIPE,
    PUBLISH_NOTIFICATIONS,
    Grant(Kind.TABLE, "task-tokens", "read_write"),
    Grant(Kind.STATE_MACHINE, "case_resolution", "task_response"),
    Grant(Kind.STATE_MACHINE, "payout", "task_response"),
    Grant(Kind.BUS, "domain", "publish"),
)


def _step(module: str, description: str, *, timeout_s: int = 20) -> Function:
    return Function(
        f"cases-{module.replace('_', '-')}",
        handler=f"lambdas.steps.cases.{module}.handler",
        description=f"Step of case_resolution: {description}",
        timeout_s=timeout_s,
        environment=dict(_ENV),
        grants=_GRANTS,
        uses_postgres=True,
        service="cases",
    )


CASES = Capability(
    "cases",
    functions=(
        Function(
            "api-cases",
            handler="lambdas.api.cases.handler",
            description="POST /orders/{order_id}/cases; GET /cases/{id}, /me/cases; the parties' actions.",
            timeout_s=20,
            environment={
                **_ENV,
                "CASE_STATE_MACHINE_ARN": Ref(Kind.STATE_MACHINE, "case_resolution", Attr.ARN),
            },
            grants=(*_GRANTS, Grant(Kind.STATE_MACHINE, "case_resolution", "start")),
            uses_postgres=True,
            service="cases",
        ),
        Function(
            "api-admin-cases",
            handler="lambdas.api.admin_cases.handler",
            description="GET /admin/cases, POST /admin/cases/{id}/decision, a seller's case rate.",
            timeout_s=20,
            environment=dict(_ENV),
            grants=_GRANTS,
            uses_postgres=True,
            service="cases",
        ),
        Function(
            "disputes-stripe",
            handler="lambdas.consumers.disputes_stripe.handler",
            description="Stripe charge.dispute.*: the dispute read from Stripe holds or stops the payout, "
            "and the ledger records the withdrawal, the fee, the reinstatement or the loss once.",
            timeout_s=20,
            environment={**STRIPE_ENV, **NOTIFY_ENV},
            grants=(Grant(Kind.TABLE, "idempotency", "read_write"), READ_STRIPE, PUBLISH_NOTIFICATIONS),
            uses_postgres=True,
            service="cases",
        ),
        _step("check_case", "where the case is, deadlines applied, how long to wait."),
        _step("refund_buyer", "the refund through Stripe, a reversal, the ledger.", timeout_s=35),
        _step("report_refund_failure", "a refund that failed goes back to the admins."),
        _step("close_case", "both parties told, CaseClosed announced."),
    ),
    routes=(
        Route("POST", "/orders/{order_id}/cases", "user", FunctionTarget("api-cases")),
        Route("GET", "/cases/{case_id}", "user", FunctionTarget("api-cases")),
        Route("GET", "/me/cases", "user", FunctionTarget("api-cases")),
        Route("POST", "/cases/{case_id}/respond", "user", FunctionTarget("api-cases")),
        Route("POST", "/cases/{case_id}/answer-offer", "user", FunctionTarget("api-cases")),
        Route("POST", "/cases/{case_id}/return-shipment", "user", FunctionTarget("api-cases")),
        Route("POST", "/cases/{case_id}/confirm-return", "user", FunctionTarget("api-cases")),
        Route("POST", "/cases/{case_id}/escalate", "user", FunctionTarget("api-cases")),
        Route("POST", "/cases/{case_id}/close", "user", FunctionTarget("api-cases")),
        Route("GET", "/admin/cases", "admin", FunctionTarget("api-admin-cases")),
        Route("POST", "/admin/cases/{case_id}/decision", "admin", FunctionTarget("api-admin-cases")),
        Route("GET", "/admin/sellers/{seller_id}/cases", "admin", FunctionTarget("api-admin-cases")),
        Route("GET", "/admin/disputes/{dispute_id}", "admin", FunctionTarget("api-admin-cases")),
        Route("POST", "/admin/disputes/{dispute_id}/evidence", "admin", FunctionTarget("api-admin-cases")),
    ),
    state_machines=(
        StateMachine(
            "case_resolution",
            definition="case_resolution.json",
            type="STANDARD",
            substitutions={
                "CheckCaseFunctionArn": Ref(Kind.FUNCTION, "cases-check-case", Attr.ARN),
                "WaitForEventFunctionArn": Ref(Kind.FUNCTION, "wait-for-event", Attr.ARN),
                "RefundBuyerFunctionArn": Ref(Kind.FUNCTION, "cases-refund-buyer", Attr.ARN),
                "ReportRefundFailureFunctionArn": Ref(Kind.FUNCTION, "cases-report-refund-failure", Attr.ARN),
                "CloseCaseFunctionArn": Ref(Kind.FUNCTION, "cases-close-case", Attr.ARN),
            },
            timeout_s=MACHINE_TIMEOUT_S,
        ),
    ),
    rules=(
        Rule(
            "disputes-stripe",
            bus="stripe",
            event_pattern={"detail-type": list(DISPUTE_EVENTS)},
            targets=(RuleTarget("function", "disputes-stripe"),),
            description="Stripe's disputes hold or stop payouts and reach the ledger.",
        ),
    ),
)
