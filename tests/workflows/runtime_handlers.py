"""Handlers for the local runtime's own tests (tests/workflows/test_local_runtime.py).

They stand in for lambdas/steps/*: small functions taking (event, context). State that a test
inspects lives in module-level dictionaries keyed by the business id, reset by ``reset()``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from botocore.config import Config

from workflows.shared.errors import DomainError, TransientError

ATTEMPTS: dict[str, int] = {}
TOKENS: dict[str, str] = {}
CALLS: list[tuple[str, Any]] = []


def reset() -> None:
    ATTEMPTS.clear()
    TOKENS.clear()
    CALLS.clear()


class FlakyError(TransientError):
    """Fails the first two attempts per order, then works."""


class ReservationRejected(DomainError):
    """The item is already sold: caught and compensated, never retried."""


def validate(event: dict[str, Any], context: Any) -> dict[str, Any]:
    CALLS.append(("validate", context.function_name))
    return {
        "order_id": event["order_id"],
        "valid": True,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }


def flaky(event: dict[str, Any], context: Any) -> dict[str, Any]:
    order_id = event["order_id"]
    ATTEMPTS[order_id] = ATTEMPTS.get(order_id, 0) + 1
    if ATTEMPTS[order_id] <= 2:
        raise FlakyError(f"provider unavailable (attempt {ATTEMPTS[order_id]})")
    return {"attempts": ATTEMPTS[order_id]}


def reserve(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if event.get("sold_out"):
        raise ReservationRejected(f"listing for order {event['order_id']} is already sold")
    return {"reserved": True}


def release(event: dict[str, Any], context: Any) -> dict[str, Any]:
    CALLS.append(("release", event["order_id"]))
    return {"released": True}


def price(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"price_minor": 1000 * event["quantity"]}


def shipping(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {"shipping_minor": 450}


def line_total(event: dict[str, Any], context: Any) -> int:
    return int(event["price_minor"]) * int(event["quantity"])


def fee(event: dict[str, Any], context: Any) -> dict[str, Any]:
    total = int(event["total_minor"])
    return {"fee_minor": total * 8 // 100, "total_minor": total}


def store_token(event: dict[str, Any], context: Any) -> dict[str, Any]:
    TOKENS[event["order_id"]] = event["token"]
    return {"stored": True}


def resume_from_event(event: dict[str, Any], context: Any) -> None:
    """EventBridge target: a payment event resumes the workflow waiting on its token."""
    detail = event["detail"]
    client = boto3.client(
        "stepfunctions",
        endpoint_url=os.environ["RUNTIME_TEST_AWS_ENDPOINT"],
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(inject_host_prefix=False),
    )
    token = TOKENS[detail["order_id"]]
    if detail["status"] == "succeeded":
        client.send_task_success(taskToken=token, output=json.dumps({"paid": True, "event_id": event["id"]}))
    else:
        client.send_task_failure(taskToken=token, error="PaymentFailed", cause=detail["status"])
    CALLS.append(("resume", detail["order_id"]))


def echo(event: Any, context: Any) -> Any:
    CALLS.append(("echo", event))
    return event
