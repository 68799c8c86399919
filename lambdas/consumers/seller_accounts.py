"""EventBridge target for Stripe's ``account.updated`` / ``account.application.deauthorized``, always
on: a seller who finished onboarding is moved between active and restricted by what Stripe says
of the account now (read from Stripe; the event only says which account changed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.stripe.events import to_account_event
from lambdas.consumers.envelopes import JsonDetailEvent
from lambdas.observability import logger, tracer
from lambdas.wiring import onboarding

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    envelope = JsonDetailEvent.model_validate(event)
    logger.append_keys(stripe_event_id=envelope.detail.get("id"), stripe_event_type=envelope.detail_type)
    account_event = to_account_event(envelope.detail)
    if account_event is None:
        return {"outcome": "ignored", "reason": "not_an_account_event"}
    logger.append_keys(stripe_account_id=account_event.account_id)
    result = onboarding.wiring().seller_accounts.on_account_event(account_event)
    logger.info("seller account event", extra=result)
    return result
