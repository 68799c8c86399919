"""The console in a real browser: headless Chromium (Debian's package) opens the executions list,
an execution's state graph and the outbox of the running local cloud, after a real sale.

``--dump-dom`` gives the document as Chromium built it (parsed, styled, laid out), and a
screenshot shows that it paints something: a console that only renders for a test client is
not enough.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import psycopg
import pytest

from tests.e2e.checkout_support import (
    add_address,
    confirm_payment,
    make_category,
    make_listing,
    post_checkout,
    put_in_cart,
    wait_for_status,
)
from tests.fixtures.users import TestUser, create_user
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from pathlib import Path

    from local.runtime import LocalCloud

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_TIMEOUT_S = 60


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM, (
        "headless Chromium is needed: `apt-get install chromium` (make test and .ci/run install it)"
    )
    profile = tmp_path / "profile"
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",  # as root, Chromium refuses to start without it
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            f"--user-data-dir={profile}",
            "--window-size=1400,1000",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_S,
        check=True,
    )


def _dom(tmp_path: Path, url: str) -> str:
    return _chromium(tmp_path, "--dump-dom", url).stdout


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


@pytest.fixture(scope="module")
def sale(cloud: LocalCloud, pg_url: str, admin: TestUser) -> dict[str, Any]:
    """A paid checkout: an execution with a full history, and emails in the outbox."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        seed_launch_schedule(conn)
    category = make_category(cloud, admin)
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    buyer = create_user(cloud, groups=("buyer",), profile=True)
    listing = make_listing(cloud, seller, category, price=3100, shipping=400, title="Browser test teapot")
    address_id = add_address(cloud, buyer)
    put_in_cart(cloud, buyer, listing["id"])
    response = post_checkout(cloud, buyer, {"address_id": address_id}, key="browser")
    assert response.status_code == 202, response.text
    awaiting = wait_for_status(cloud, buyer, response.json()["checkout_id"], "awaiting_payment", "cancelled")
    confirm_payment(cloud, awaiting)
    paid = wait_for_status(cloud, buyer, awaiting["checkout_id"], "paid", "cancelled", "payment_failed")
    assert paid["status"] == "paid", paid
    cloud.poller.drain()
    return {"checkout_id": paid["checkout_id"], "buyer": buyer.email}


def test_given_a_sale_when_the_console_opens_in_chromium_then_its_execution_is_listed(
    cloud: LocalCloud, sale: dict[str, Any], tmp_path: Path
) -> None:
    dom = _dom(tmp_path, f"{cloud.api_url}/_local/console")

    # Then the checkout machine's section lists the execution, succeeded, with a link to it
    assert re.search(r'<section class="machine" data-machine="[^"]*checkout[^"]*">', dom), dom[:2000]
    assert sale["checkout_id"] in dom
    assert "status-SUCCEEDED" in dom
    assert re.search(rf'href="/_local/console/executions/[^"]*{re.escape(sale["checkout_id"])}"', dom)


def test_given_a_sale_when_its_execution_opens_in_chromium_then_the_state_graph_is_drawn_and_painted(
    cloud: LocalCloud, sale: dict[str, Any], tmp_path: Path
) -> None:
    listing = _dom(tmp_path, f"{cloud.api_url}/_local/console")
    link = re.search(rf'href="(/_local/console/executions/[^"]*{re.escape(sale["checkout_id"])})"', listing)
    assert link, "the execution is not linked from the console"
    url = f"{cloud.api_url}{quote(link.group(1), safe='/:')}"

    dom = _dom(tmp_path, url)

    # Then the graph is an SVG whose states are classed by what happened to them
    assert '<svg class="graph"' in dom
    # (the steps before payment run in the nested checkout_preparation: one state here)
    for state in ("Prepare Checkout", "Wait For Payment", "Payment Outcome", "Mark Paid", "Complete Sale"):
        assert re.search(rf'<g class="state outcome-succeeded" data-state="{state}"', dom), state
    assert re.search(r'<g class="state outcome-not-reached" data-state="Abandon Checkout"', dom)
    assert "ExecutionSucceeded" in dom
    # And Chromium paints it: a screenshot of the window's size, with more than a blank page in it
    shot = tmp_path / "execution.png"
    _chromium(tmp_path, f"--screenshot={shot}", url)
    assert _png_size(shot) == (1400, 1000)
    assert shot.stat().st_size > 20_000, "the screenshot is (nearly) blank"


def test_given_a_sale_when_the_outbox_opens_in_chromium_then_the_buyers_email_is_there(
    cloud: LocalCloud, sale: dict[str, Any], tmp_path: Path
) -> None:
    dom = _dom(tmp_path, f"{cloud.api_url}/_local/console/outbox?to={quote(sale['buyer'])}")

    # Then the buyer's payment receipt is listed, and nobody else's mail
    assert sale["buyer"] in dom
    assert "Payment received for order" in dom
    recipients = set(re.findall(r"user-[0-9a-f]{10}@example\.com", dom))
    assert recipients == {sale["buyer"]}, recipients
