"""EventBridge target (bus ``domain``): the catalog's listing events keep the search read model.

The listing is read from MongoDB and its row written only if newer (``workflows/catalog/indexing.py``),
so redeliveries and any order of arrival leave the newest version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import catalog
from workflows.catalog.indexing import INDEXED_EVENTS
from workflows.shared.errors import InvalidEvent

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    kind = INDEXED_EVENTS.get(envelope.detail_type)
    if kind is None:
        raise InvalidEvent(f"not an event the search read model projects: {envelope.detail_type}")
    changed = kind.model_validate(envelope.detail)
    logger.append_keys(
        listing_id=changed.listing_id, version=changed.version, detail_type=envelope.detail_type
    )
    result = catalog.wiring().indexer.on_event(changed)
    logger.info("search row projected", extra=result)
    return result
