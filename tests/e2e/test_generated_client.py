"""A typed client generated from ``GET /openapi.json`` (openapi-python-client) makes the buyer's
happy path against the local cloud: log in, find a listing, put it in the cart, check out, poll
the checkout, pay (the Stripe SDK, as a client app does), read the order.

The client is generated into a temporary folder by the pinned generator that ``make test``
installs (the dev extra); nothing is installed at run time.
"""

from __future__ import annotations

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.e2e.checkout_support import ADDRESS, confirm_payment, make_category, make_listing
from tests.fixtures.users import PASSWORD, create_user
from tests.workflows.fees_support import seed_launch_schedule

if TYPE_CHECKING:
    from collections.abc import Iterator
    from types import ModuleType

    from local.runtime import LocalCloud
    from tests.fixtures.users import TestUser

PACKAGE = "resale_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture(scope="module")
def client_package(cloud: LocalCloud, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client generated from the document the running API serves, importable as resale_client."""
    assert GENERATOR.exists(), "openapi-python-client is in the dev extra: run `make test` (or the install)"
    folder = tmp_path_factory.mktemp("generated-client")
    document = folder / "openapi.json"
    response = requests.get(f"{cloud.api_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    document.write_text(json.dumps(response.json()))
    config = folder / "config.json"
    config.write_text(json.dumps({"post_hooks": []}))
    generated = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(folder / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # a warning means a piece of the document the generator could not type: the contract is incomplete
    assert "Warning" not in generated.stdout, generated.stdout
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]
        shutil.rmtree(folder, ignore_errors=True)


def _api(package: ModuleType, module: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{module}")


def test_given_a_client_generated_from_the_document_when_a_buyer_buys_then_every_step_is_typed(
    cloud: LocalCloud, admin: TestUser, pg_conn: Any, client_package: ModuleType
) -> None:
    seed_launch_schedule(pg_conn)
    seller = create_user(cloud, groups=("buyer", "seller"), profile=True)
    buyer = create_user(cloud, profile=True)
    listing = make_listing(cloud, seller, make_category(cloud, admin), price=1900, shipping=400)
    models = _api(client_package, "models")
    anonymous = client_package.Client(base_url=cloud.api_url, raise_on_unexpected_status=True)

    # Given a buyer who logs in with the generated client
    login = _api(client_package, "api.identity.login_auth_login_post")
    tokens = login.sync(client=anonymous, body=models.LoginRequest(email=buyer.email, password=PASSWORD))
    assert isinstance(tokens, models.Tokens), tokens
    client = client_package.AuthenticatedClient(
        base_url=cloud.api_url, token=tokens.id_token, raise_on_unexpected_status=True
    )

    # When they find the listing (once the search read model has it), give an address and put the
    # listing in the cart
    cloud.settle()
    search = _api(client_package, "api.listings.search_listings_listings_get")
    found = search.sync(client=client, seller_id=seller.user_id)
    assert isinstance(found, models.SearchResults), found
    (item,) = [i for i in found.items if i.id == listing["id"]]
    assert item.status == models.ListingStatus.ACTIVE

    add_address = _api(client_package, "api.addresses.add_address_me_addresses_post")
    created = add_address.sync_detailed(client=client, body=models.AddressInput.from_dict(ADDRESS))
    assert created.status_code == 201 and isinstance(created.parsed, models.Address), created

    put_item = _api(client_package, "api.cart.put_item_cart_items_listing_id_put")
    line = put_item.sync(listing_id=item.id, client=client, body=models.SetQuantity(quantity=1))
    assert isinstance(line, models.CartLineView), line
    cart = _api(client_package, "api.cart.get_cart_cart_get").sync(client=client)
    assert isinstance(cart, models.CartView) and [i.listing_id for i in cart.items] == [item.id]

    # And check out, poll until the payment is to be confirmed, pay, and poll until paid
    post_checkout = _api(client_package, "api.checkout.post_checkout_checkout_post")
    accepted = post_checkout.sync_detailed(
        client=client,
        body=models.CheckoutRequest(address_id=created.parsed.address_id),
        idempotency_key="generated-client-1",
    )
    assert accepted.status_code == 202 and isinstance(accepted.parsed, models.CheckoutView), accepted
    get_checkout = _api(client_package, "api.checkout.get_checkout_checkouts_checkout_id_get")
    status = models.CheckoutViewStatus
    seen: dict[str, Any] = {}

    def reached(*statuses: Any) -> bool:
        view = get_checkout.sync(checkout_id=accepted.parsed.checkout_id, client=client)
        assert isinstance(view, models.CheckoutView), view
        seen["view"] = view
        return view.status in statuses

    cloud.wait_until(lambda: reached(status.AWAITING_PAYMENT, status.CANCELLED), what="awaiting payment")
    awaiting = seen["view"]
    assert awaiting.status == status.AWAITING_PAYMENT, awaiting
    confirm_payment(cloud, awaiting.to_dict())
    cloud.wait_until(lambda: reached(status.PAID, status.PAYMENT_FAILED, status.CANCELLED), what="paid")

    # Then the order reads back typed, paid, for what the listing cost
    paid = seen["view"]
    assert paid.status == status.PAID and paid.status.value == "paid", paid
    (order_id,) = paid.order_ids
    order = _api(client_package, "api.orders.get_order_orders_order_id_get").sync(
        order_id=order_id, client=client
    )
    assert isinstance(order, models.BuyerOrderView), order
    assert order.status == models.BuyerOrderViewStatus.PAID
    assert (order.total.amount, order.total.currency) == (2300, "USD")
