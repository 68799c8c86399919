"""A listing is priced in a currency the platform settles and the fee schedule covers."""

from __future__ import annotations

import pytest

from tests.fakes.catalog import FakeCategories, FakeListings, FixedCurrencies, RecordingEvents
from tests.fakes.clock import FakeClock
from workflows.catalog.commands import CreateCategory, CreateListing, UpdateListing
from workflows.catalog.errors import CurrencyNotSupported
from workflows.catalog.service import Catalog
from workflows.shared.identity import Caller

ADMIN = Caller("admin-1", "a@example.com", frozenset({"buyer", "admin"}))
SELLER = Caller("seller-1", "s@example.com", frozenset({"buyer", "seller"}))


@pytest.fixture
def catalog() -> Catalog:
    service = Catalog(
        categories=FakeCategories(),
        listings=FakeListings(),
        events=RecordingEvents(),
        clock=FakeClock(),
        currencies=FixedCurrencies("GBP", "USD"),
    )
    service.create_category(ADMIN, CreateCategory(name="Bikes", slug="bikes"))
    return service


def listing(catalog: Catalog, currency: str) -> CreateListing:
    return CreateListing.model_validate(
        {
            "title": "Road bike",
            "category_id": catalog.categories.all()[0].id,
            "condition": "used_good",
            "price": {"amount": 10000, "currency": currency},
            "shipping_options": [
                {"service": "UPS", "price": {"amount": 500, "currency": currency}, "estimated_days": 3}
            ],
        }
    )


def test_given_an_uncovered_currency_then_the_listing_is_refused_with_the_supported_ones(
    catalog: Catalog,
) -> None:
    with pytest.raises(CurrencyNotSupported) as raised:
        catalog.create_listing(SELLER, listing(catalog, "EUR"))
    assert raised.value.code == "CURRENCY_NOT_SUPPORTED"
    assert raised.value.details == {"currency": "EUR", "supported": ["GBP", "USD"]}
    assert catalog.listings.items == {}  # type: ignore[attr-defined]
    assert catalog.events.published == []  # type: ignore[attr-defined]


def test_given_a_change_of_price_then_its_currency_is_checked_too(catalog: Catalog) -> None:
    created = catalog.create_listing(SELLER, listing(catalog, "GBP"))
    to_eur = UpdateListing.model_validate(
        {
            "price": {"amount": 9000, "currency": "EUR"},
            "shipping_options": [
                {"service": "UPS", "price": {"amount": 500, "currency": "EUR"}, "estimated_days": 3}
            ],
        }
    )
    with pytest.raises(CurrencyNotSupported):
        catalog.update_listing(SELLER, created.id, to_eur)
    # a change that leaves the price alone is not checked again
    retitled = catalog.update_listing(SELLER, created.id, UpdateListing(title="Road bike, 56 cm"))
    assert retitled.title == "Road bike, 56 cm"
