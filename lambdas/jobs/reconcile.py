"""Scheduled job: reconcile the ledger with Stripe over a window (transfers, reversals, charges,
refunds).

The daily schedule's event asks for the default window (the last two days, so the daily runs
overlap); an invocation with ``{"from": ..., "to": ...}`` (ISO dates or date-times, as
``make reconcile --from/--to`` sends) reconciles that window. Logs the report as one structured
line (the window, every difference with its kind, Stripe id, orders and amounts), counts the
differences in the ``ReconciliationDifferences`` metric (the monitoring stack's alarm watches
it), and returns the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from lambdas.observability import logger, metrics, tracer
from lambdas.wiring import payouts
from workflows.payouts.reconciliation import ReconciliationRequest

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

#: the metric the monitoring stack's alarm watches (stacks/constructs/alarms.py)
DIFFERENCES_METRIC = "ReconciliationDifferences"


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = ReconciliationRequest.model_validate(event or {})
    report = payouts.wiring().reconciliation.report(request.start, request.end)
    differences = len(report["differences"])
    metrics.add_metric(name=DIFFERENCES_METRIC, unit=MetricUnit.Count, value=differences)
    if differences:
        logger.error("ledger and Stripe differ", extra={"report": report})
    else:
        logger.info("ledger and Stripe agree", extra={"report": report})
    return report
