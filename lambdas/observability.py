"""Logger, Tracer and Metrics, made once; the service name comes from POWERTOOLS_SERVICE_NAME."""

from __future__ import annotations

from typing import Literal, get_args

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

#: The X-Ray SDK instruments nothing at cold start. Its default, every library it knows, imports
#: botocore, requests, pymongo, psycopg and more in every function, half a cold import, used or
#: not; even its patch of outbound HTTP alone imports urllib3 and http.client (a tenth). Each
#: library is instrumented where its first client is made (``instrument`` in the core wiring:
#: botocore, pymongo, and httplib for Stripe, Twilio and SendGrid).
logger = Logger()
tracer = Tracer(auto_patch=False)
metrics = Metrics(namespace="Resale")


def instrument(*modules: str) -> None:
    """Trace calls through ``modules`` (X-Ray SDK names: "botocore", "pymongo"); once each, cheap after."""
    tracer.patch(list(modules))


#: the business events counted as CloudWatch metrics (namespace ``Resale``), one datapoint each
BusinessEvent = Literal[
    "OrdersPaid",
    "PayoutsSent",
    "RefundsIssued",
    "OnboardingsCompleted",
    "FeedbackLeft",
    "CasesOpened",
    "CaseDecisions",
    "DisputesOpened",
    "MessagesSent",
]

#: a dimension's values must be few (a currency, an outcome), never an id: each distinct set of
#: dimensions is a metric of its own, billed as one
BusinessDimension = Literal["currency", "outcome"]


def count(event: BusinessEvent, value: int = 1, **dimensions: str) -> None:
    """Emit one business metric now (Embedded Metric Format in the function's log).

    Dimensions are low-cardinality by contract: only the names in :data:`BusinessDimension`.
    """
    unknown = set(dimensions) - set(get_args(BusinessDimension))
    if unknown:
        raise ValueError(f"not a business dimension: {sorted(unknown)}")
    if is_metrics_disabled():  # single_metric prints even then (POWERTOOLS_METRICS_DISABLED)
        return
    with single_metric(
        name=event, unit=MetricUnit.Count, value=value, namespace="Resale", default_dimensions=dimensions
    ):
        pass
