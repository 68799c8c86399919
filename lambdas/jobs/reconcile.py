"""Scheduled job: reconcile the ledger with Stripe's charges, balance transactions and transfers.

Logs the report as one structured line (every difference with its kind, Stripe id, orders and
amounts), counts the differences as a metric (an alarm can watch it), and returns the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.metrics import MetricUnit

from lambdas import bootstrap
from lambdas.observability import logger, metrics, tracer

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    report = bootstrap.reconciliation_report()
    differences = len(report["differences"])
    metrics.add_metric(name="ReconciliationDifferences", unit=MetricUnit.Count, value=differences)
    if differences:
        logger.error("ledger and Stripe differ", extra={"report": report})
    else:
        logger.info("ledger and Stripe agree", extra={"report": report})
    return report
