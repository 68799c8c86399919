"""Logger, Tracer and Metrics, made once; the service name comes from POWERTOOLS_SERVICE_NAME."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

#: what the X-Ray SDK instruments at cold start: outbound HTTP (Stripe, Twilio, SendGrid). Not
#: its default, every library it knows: that imports botocore, requests, pymongo, psycopg and
#: more in every function, half a cold import, whether used or not. The AWS SDK and the MongoDB
#: driver are instrumented where they are first used (``instrument`` in ``lambdas/bootstrap.py``).
TRACED_AT_COLD_START = ("httplib",)

logger = Logger()
tracer = Tracer(patch_modules=TRACED_AT_COLD_START)
metrics = Metrics(namespace="Resale")


def instrument(*modules: str) -> None:
    """Trace calls through ``modules`` (X-Ray SDK names: "botocore", "pymongo"); once each, cheap after."""
    tracer.patch(list(modules))
