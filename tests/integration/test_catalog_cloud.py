"""Watchlists and saved searches on the local cloud's DynamoDB, and the catalog's rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from adapters.dynamo.connection import DynamoConnection
from adapters.dynamo.watchlist import DynamoSavedSearches, DynamoWatchlists
from local.runtime import LocalCloud
from workflows.catalog.ports import SavedSearch, WatchEntry

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _connection(cloud: LocalCloud) -> DynamoConnection:
    aws, _ = cloud.started()
    return DynamoConnection(region=aws.region, endpoint_url=aws.endpoint_url)


def test_given_watchers_then_the_gsi_finds_them_by_listing(cloud: LocalCloud, unique: str) -> None:
    _, provisioned = cloud.started()
    watchlists = DynamoWatchlists(_connection(cloud), provisioned.physical_name("watchlists"))
    listing = f"listing-{unique}"
    for user in ("u1", "u2"):
        watchlists.add(WatchEntry(f"{user}-{unique}", listing, NOW))
    watchlists.add(WatchEntry(f"u1-{unique}", listing, datetime(2030, 1, 1, tzinfo=UTC)))  # keeps the first
    assert sorted(watchlists.watchers(listing)) == [f"u1-{unique}", f"u2-{unique}"]
    assert watchlists.of_user(f"u1-{unique}") == [WatchEntry(f"u1-{unique}", listing, NOW)]
    watchlists.remove(f"u1-{unique}", listing)
    assert watchlists.watchers(listing) == [f"u2-{unique}"]


def test_given_a_saved_search_then_it_is_marked_notified_at_most_once_a_day(
    cloud: LocalCloud, unique: str
) -> None:
    _, provisioned = cloud.started()
    searches = DynamoSavedSearches(_connection(cloud), provisioned.physical_name("saved-searches"))
    search = SavedSearch(f"user-{unique}", "s-1", "bikes", {"q": "bike"}, NOW)
    searches.add(search)
    assert searches.get(search.user_id, "s-1") == search
    assert searches.mark_notified(search.user_id, "s-1", "2026-05-01")
    assert not searches.mark_notified(search.user_id, "s-1", "2026-05-01")
    assert searches.mark_notified(search.user_id, "s-1", "2026-05-02")
    assert not searches.mark_notified(search.user_id, "missing", "2026-05-02")
    assert any(s.search_id == "s-1" for s in searches.every())
    assert searches.delete(search.user_id, "s-1")
    assert not searches.delete(search.user_id, "s-1")


def test_given_a_price_change_on_the_domain_bus_then_the_watchers_consumer_runs(
    cloud: LocalCloud, unique: str
) -> None:
    aws, provisioned = cloud.started()
    function = provisioned.physical_name("catalog-watchers")
    mark = aws.functions.mark()
    detail = {
        "event_id": f"e-{unique}",
        "occurred_at": NOW.isoformat(),
        "listing_id": f"listing-{unique}",
        "seller_id": "s",
        "version": 2,
        "title": "Bike",
        "old_price": {"amount": 100, "currency": "USD"},
        "new_price": {"amount": 90, "currency": "USD"},
    }
    result = aws.client("events").put_events(
        Entries=[
            {
                "EventBusName": provisioned.names[("bus", "domain")],
                "Source": "resale.catalog",
                "DetailType": "ListingPriceChanged",
                "Detail": json.dumps(detail),
            }
        ]
    )
    assert result["FailedEntryCount"] == 0
    cloud.wait_until(
        lambda: bool(aws.functions.since(mark, function)),
        what="the catalog-watchers function to be invoked",
    )
    record = aws.functions.since(mark, function)[-1]
    assert record.error_type is None
