"""A test-only function behind a private route: answers with what the gateway handed it."""

from __future__ import annotations

import json
from typing import Any


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(
            {
                "resource": event["resource"],
                "path_parameters": event["pathParameters"],
                "query": event["queryStringParameters"],
                "claims": event["requestContext"].get("authorizer", {}).get("claims"),
                "function": context.function_name,
            }
        ),
    }
