"""``make reconcile``: compare the ledger with Stripe and print the report; exit 1 on differences.

``--from``/``--to`` (ISO dates or date-times, UTC unless they say otherwise) choose the window
``[from, to)``; by default the last two days up to now. The report prints the window.

Two ways to run it:

- with ``DATABASE_URL`` and ``STRIPE_SECRET_KEY`` (and ``STRIPE_API_BASE`` for a stand-in) set,
  it runs here, against those;
- otherwise, or whenever ``--api`` is given, it asks the running local cloud (``make dev``;
  ``--api`` or ``RESALE_API_URL``, default http://127.0.0.1:8000) for its endpoints and invokes
  the ``payouts-reconcile`` function there, as its daily schedule would.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from typing import Any

import boto3
import requests
from botocore.config import Config
from pydantic import ValidationError

from workflows.payouts.errors import InvalidReconciliationWindow
from workflows.payouts.reconciliation import ReconciliationRequest

DEFAULT_API = "http://127.0.0.1:8000"


def _here(request: ReconciliationRequest) -> dict[str, Any]:
    from lambdas.wiring import payouts

    return payouts.wiring().reconciliation.report(request.start, request.end)


def _in_local_cloud(api_url: str, stage: str, request: ReconciliationRequest) -> dict[str, Any]:
    config = requests.get(f"{api_url}/_local/config", timeout=10).json()["aws"]
    client = boto3.client(
        "lambda",
        endpoint_url=config["endpoint_url"],
        region_name=config["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local cloud's placeholder credentials
        config=Config(retries={"mode": "standard"}),
    )
    payload_in = request.model_dump_json(by_alias=True, exclude_none=True).encode()
    response = client.invoke(FunctionName=f"resale-{stage}-payouts-reconcile", Payload=payload_in)
    payload: dict[str, Any] = json.loads(response["Payload"].read())
    if response.get("FunctionError"):
        raise RuntimeError(f"the reconcile function failed: {payload}")
    return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make reconcile", description=__doc__.splitlines()[0])
    parser.add_argument("--api", help="the local cloud's API (given: always run there)")
    parser.add_argument("--stage", default="local", help="the local cloud's stage (function names)")
    parser.add_argument("--from", dest="start", help="the window's start, an ISO date (default: 2 days ago)")
    parser.add_argument("--to", dest="end", help="the window's end, excluded, an ISO date (default: now)")
    args = parser.parse_args(argv)
    try:
        request = ReconciliationRequest.model_validate({"from": args.start, "to": args.end})
    except ValidationError as exc:
        parser.error(f"--from/--to must be ISO dates or date-times: {exc.errors()[0]['msg']}")
    try:
        request.window(datetime.now(UTC))
    except InvalidReconciliationWindow as exc:
        parser.error(exc.message)
    direct = (
        args.api is None
        and os.environ.get("DATABASE_URL")
        and (os.environ.get("STRIPE_SECRET_KEY") or os.environ.get("STRIPE_SECRET_ARN"))
    )
    api = args.api or os.environ.get("RESALE_API_URL", DEFAULT_API)
    report = _here(request) if direct else _in_local_cloud(api, args.stage, request)
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0 if report["clean"] else 1


if __name__ == "__main__":
    sys.exit(main())
