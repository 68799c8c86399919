"""``make reconcile``: compare the ledger with Stripe and print the report; exit 1 on differences.

Two ways to run it:

- with ``DATABASE_URL`` and ``STRIPE_SECRET_KEY`` (and ``STRIPE_API_BASE`` for a stand-in) set,
  it runs here, against those;
- otherwise it asks the running local cloud (``make dev``; ``--api`` or ``RESALE_API_URL``,
  default http://127.0.0.1:8000) for its endpoints and invokes the ``payouts-reconcile``
  function there, as its daily schedule would.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import boto3
import requests
from botocore.config import Config

DEFAULT_API = "http://127.0.0.1:8000"


def _here() -> dict[str, Any]:
    from lambdas import bootstrap

    return bootstrap.reconciliation_report()


def _in_local_cloud(api_url: str, stage: str) -> dict[str, Any]:
    config = requests.get(f"{api_url}/_local/config", timeout=10).json()["aws"]
    client = boto3.client(
        "lambda",
        endpoint_url=config["endpoint_url"],
        region_name=config["region"],
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - the local cloud's placeholder credentials
        config=Config(retries={"mode": "standard"}),
    )
    response = client.invoke(FunctionName=f"resale-{stage}-payouts-reconcile", Payload=b"{}")
    payload: dict[str, Any] = json.loads(response["Payload"].read())
    if response.get("FunctionError"):
        raise RuntimeError(f"the reconcile function failed: {payload}")
    return payload


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make reconcile", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--api", default=os.environ.get("RESALE_API_URL", DEFAULT_API), help="the local cloud's API"
    )
    parser.add_argument("--stage", default="local", help="the local cloud's stage (function names)")
    args = parser.parse_args(argv)
    direct = os.environ.get("DATABASE_URL") and (
        os.environ.get("STRIPE_SECRET_KEY") or os.environ.get("STRIPE_SECRET_ARN")
    )
    report = _here() if direct else _in_local_cloud(args.api, args.stage)
    print(json.dumps(report, indent=2, sort_keys=True))
    return 0 if report["clean"] else 1


if __name__ == "__main__":
    sys.exit(main())
