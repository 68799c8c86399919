"""Jobs: rebuild the read models from their source of truth, as ``make rebuild-read-models`` asks:
the public seller profiles from the feedback and the delivered orders (``handler``), and the
catalog's search read model from the listings in MongoDB (``search_handler``).

A rebuild replaces the projection's rows in one transaction, so readers see the old profile or
the new one, never half of it; the live consumer may go on meanwhile (what it applies after the
rebuild's commit is applied on top, once per event, as always).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import catalog, feedback

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    members = feedback.wiring().profiles.rebuild()
    result = {"seller_profiles": members}
    logger.info("read models rebuilt", extra=result)
    return result


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def search_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    wired = catalog.wiring()
    result = {"catalog_search": wired.indexer.rebuild(wired.listings.every())}
    logger.info("read models rebuilt", extra=result)
    return result
