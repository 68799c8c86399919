"""Deploy-time job: bring PostgreSQL and MongoDB to the code's schema (``adapters.schema``).

The CDK runs it once per deploy in which its code changed (a ``triggers.Trigger`` in the
stateless stack; every SQL file and index declaration is part of that code), after the
functions exist and before the API serves the new version. A failure fails the deploy, so a
release never runs against a schema it does not know. Returns what it applied.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from lambdas.observability import logger, tracer
from lambdas.wiring import core

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from adapters.schema import bring_up_to_date

    changes = bring_up_to_date(core.wiring().database_url(), core.wiring().mongo_db)
    logger.info(
        "schema up to date",
        extra={"migrations_applied": changes.migrations, "indexes_ensured": len(changes.indexes)},
    )
    return asdict(changes)
