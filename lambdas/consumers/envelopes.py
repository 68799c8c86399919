"""EventBridge events whose ``detail`` the handler reads as a JSON object."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel


class JsonDetailEvent(EventBridgeModel):
    """An EventBridge event (a domain event, a Stripe event) with its detail as a dict."""

    detail: dict[str, Any]
