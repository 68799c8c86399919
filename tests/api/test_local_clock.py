"""GET /_local/clock and POST /_local/clock/advance through the real gateway: the local cloud's time
as a person moves it (Stripe's test clocks), never deployed.

The session's cloud is shared by every test, and the session's own id tokens live one hour of its
clock, so these tests move it by minutes: the delivery window is shortened to 86.4 s
(AUTO_CONFIRM_DAYS=0.001) as in tests/workflows/test_payout.py. The days a person moves it by
under ``make dev`` take the same path.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import jwt
import pytest
import requests

from lambdas import wiring
from local.cloud.clock import MAX_ADVANCE_S
from tests.api.accounts_support import call
from tests.fixtures.users import create_user
from tests.integration.payouts_support import (
    add_seller_account,
    announce_paid,
    onboarded_account,
    paid_order,
    stripe_client,
)

if TYPE_CHECKING:
    from local.runtime import LocalCloud

SHIP = {"carrier": "USPS", "tracking_number": "9400 1000"}


def clock(cloud: LocalCloud) -> dict[str, Any]:
    response = requests.get(f"{cloud.api_url}/_local/clock", timeout=15)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    return body


def advance(cloud: LocalCloud, body: Any, **kwargs: Any) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(
        f"{cloud.api_url}/_local/clock/advance",
        data=data,
        headers={"Content-Type": "application/json", **kwargs.pop("headers", {})},
        timeout=90,
        **kwargs,
    )


def test_given_the_local_cloud_when_its_clock_is_read_then_it_shows_the_clouds_time(
    cloud: LocalCloud,
) -> None:
    body = clock(cloud)
    # RFC 3339 UTC, the epoch seconds, how far it was advanced: the clock the handlers read
    assert body["now"].endswith("Z")
    shown = datetime.fromisoformat(body["now"].replace("Z", "+00:00"))
    assert int(shown.timestamp()) == body["epoch_s"]
    assert abs(body["epoch_s"] - cloud.clock.now()) < 3
    assert body["advanced_s"] == int(cloud.clock.advanced_s)
    assert (body["mode"], body["max_advance_s"]) == ("virtual", MAX_ADVANCE_S)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"\xff\xfe{}",
        b"[" * 1000,
        [3600],
        {},
        {"seconds": 0},
        {"seconds": -60},
        {"seconds": 1.5},
        {"seconds": "3600"},
        {"seconds": True},
        {"seconds": None},
        {"seconds": MAX_ADVANCE_S + 1},
        {"seconds": 10**400},
        {"seconds": 60, "until": "tomorrow"},
    ],
)
def test_given_a_bad_advance_then_400_in_the_apis_error_shape_and_the_clock_stays(
    cloud: LocalCloud, body: Any
) -> None:
    before = cloud.clock.advanced_s
    response = advance(cloud, body)
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] in ("INVALID_REQUEST", "INVALID_JSON") and error["message"]
    if isinstance(body, dict):
        assert error["details"]["fields"], error  # which field, and what is wrong with it
    assert cloud.clock.advanced_s == before


def test_given_the_wrong_method_or_another_site_then_4xx_and_the_clock_stays(cloud: LocalCloud) -> None:
    before = cloud.clock.advanced_s
    got = requests.get(f"{cloud.api_url}/_local/clock/advance", timeout=15)
    assert got.status_code == 405 and got.json()["error"]["code"] == "METHOD_NOT_ALLOWED"
    too_big = advance(cloud, b'{"seconds": 60, "pad": "' + b"x" * 2000 + b'"}')
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    cross = advance(cloud, {"seconds": 60}, headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403 and cross.json()["error"]["code"] == "FORBIDDEN"
    assert cloud.clock.advanced_s == before


@pytest.fixture
def short_delivery_window(monkeypatch: pytest.MonkeyPatch):
    """AUTO_CONFIRM_DAYS=0.001: delivery is confirmed for the buyer 86.4 s after shipment."""
    monkeypatch.setenv("AUTO_CONFIRM_DAYS", "0.001")
    wiring.reset()
    yield 86.4
    monkeypatch.undo()
    wiring.reset()


def _parked(cloud: LocalCloud, correlation_id: str) -> None:
    aws, provisioned = cloud.started()
    table = provisioned.names[("table", "task-tokens")]

    def waiting() -> bool:
        item = (
            aws.client("dynamodb")
            .get_item(TableName=table, Key={"correlation_id": {"S": correlation_id}}, ConsistentRead=True)
            .get("Item")
        )
        return bool(item and "task_token" in item)

    cloud.wait_until(waiting, what=f"a task token parked under {correlation_id}")


def test_given_a_shipped_order_when_the_clock_passes_its_delivery_window_then_it_answers_once_paid_out(
    cloud: LocalCloud, make_user, pg_conn, pg_url: str, unique: str, short_delivery_window: float
) -> None:
    # Given a new seller's order, paid and shipped, its payout waiting for delivery
    buyer, seller = make_user(), make_user(groups=("buyer", "seller"))
    paid = paid_order(cloud, pg_url, buyer.user_id, seller.user_id, checkout_id=f"co-{unique}")
    account = onboarded_account(stripe_client(cloud), seller.user_id)
    add_seller_account(pg_conn, seller.user_id, account)
    announce_paid(cloud, paid)
    _parked(cloud, f"shipment:{paid.order_id}")
    shipped = call(cloud, "POST", f"/orders/{paid.order_id}/ship", token=seller.id_token, json=SHIP)
    assert shipped.status_code == 200, shipped.text
    _parked(cloud, f"delivery:{paid.order_id}")
    aws, provisioned = cloud.started()
    sfn = aws.client("stepfunctions")
    arn = provisioned.state_machine_arn("payout").replace(":stateMachine:", ":execution:")
    arn += f":payout-{paid.order_id}"
    assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
    before = clock(cloud)

    # When a person moves the clock past the delivery window
    response = advance(cloud, {"seconds": 90})

    # Then it answers with the new time once what fell due has run: delivery auto-confirmed, the
    # new seller's hold applied, the transfer made; no waiting after the answer
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["advanced_by_s"], body["settled"], body["still_running"]) == (90, True, 0)
    assert body["advanced_s"] == before["advanced_s"] + 90
    assert body["epoch_s"] >= before["epoch_s"] + 90
    described = sfn.describe_execution(executionArn=arn)
    assert described["status"] == "SUCCEEDED", described
    events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    states = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
    assert {"Auto Confirm Delivery", "Hold Payout"} <= set(states) and states[-1] == "Transfer To Seller"
    payouts = call(cloud, "GET", "/sellers/me/payouts", token=seller.id_token)
    assert payouts.status_code == 200, payouts.text
    assert [p["status"] for p in payouts.json()["items"]] == ["transferred"]
    # And the Stripe stand-in saw the same time: the transfer was created after the jump
    transfer_id = json.loads(described["output"])["transfer"]["transfer_id"]
    transfer = stripe_client(cloud).v1.transfers.retrieve(transfer_id)
    assert transfer.created >= before["epoch_s"] + 90


def test_given_the_clock_was_advanced_when_a_user_logs_in_then_the_token_is_issued_on_that_clock(
    cloud: LocalCloud,
) -> None:
    # Given the clock moved ahead of real time
    response = advance(cloud, {"seconds": 120})
    assert response.status_code == 200, response.text
    # When a user logs in
    user = create_user(cloud)
    # Then Cognito issued the token at the clock's time (not born expired after a jump of days)
    claims = jwt.decode(user.id_token, options={"verify_signature": False})
    assert abs(claims["iat"] - cloud.clock.now()) < 5
    assert claims["exp"] - claims["iat"] == 3600
    assert call(cloud, "GET", "/me", token=user.id_token).status_code == 200
