"""Catalog benchmark: 100,000 listings in MongoDB (nx-27017 locally), then p50/p95 of search,
category browse and ``GET /listings/{id}``, each through its Lambda handler.

How it measures: listings are written straight into the local cloud's MongoDB (bulk inserts, a
progress bar on stderr); then each request is an API Gateway REST proxy event handed to the
deployed-identical function with ``cloud.aws.functions.invoke`` (the handler, resolver,
validation, repository and serialization, without the HTTP hop of the gateway emulator).
Each figure is over ``CALLS`` calls after one warm-up call, with the queries varied.

``run(cloud)`` returns the report lines (``make bench`` prints them).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from adapters.mongo.catalog import listing_doc
from adapters.mongo.client import mongo_database
from adapters.mongo.indexes import CATALOG_INDEXES, ensure_indexes
from local.catalog_seed import categories
from workflows.catalog.model import (
    Condition,
    ItemSpecific,
    Listing,
    ListingFormat,
    ListingStatus,
    ShippingOption,
)
from workflows.shared.money import Money

if TYPE_CHECKING:
    from collections.abc import Callable

    from local.runtime import LocalCloud

LISTINGS = 100_000
BATCH = 2_000
CALLS = 200
TARGET_P95_MS = 50.0

BRANDS = (
    "Apple",
    "Samsung",
    "Dell",
    "Lenovo",
    "Canon",
    "Sony",
    "Nike",
    "Adidas",
    "Trek",
    "Specialized",
    "Levis",
    "Zara",
    "Ikea",
    "Lego",
    "Penguin",
    "Fujifilm",
    "Bosch",
    "Philips",
    "Garmin",
    "Asics",
)
NOUNS = (
    "phone",
    "laptop",
    "camera",
    "lens",
    "jacket",
    "jeans",
    "sneakers",
    "boots",
    "table",
    "chair",
    "lamp",
    "bike",
    "helmet",
    "watch",
    "book",
    "novel",
    "card",
    "coin",
    "kettle",
    "speaker",
    "headphones",
    "tablet",
    "monitor",
    "keyboard",
    "backpack",
    "dress",
    "shirt",
    "sofa",
    "tent",
    "ball",
)
ADJECTIVES = (
    "vintage",
    "new",
    "black",
    "white",
    "red",
    "blue",
    "leather",
    "wireless",
    "classic",
    "pro",
    "mini",
    "large",
    "small",
    "rare",
    "signed",
    "limited",
    "refurbished",
    "wooden",
    "carbon",
    "gold",
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _bar(done: int, listings: int, started_s: float) -> None:
    """The seeding progress bar: ``done`` of ``listings`` since ``started_s`` (perf_counter)."""
    width = 40
    filled = int(width * done / listings)
    rate = done / max(time.perf_counter() - started_s, 1e-9)
    sys.stderr.write(
        f"\r  seeding listings [{'#' * filled}{'.' * (width - filled)}] {done:>7}/{listings} ({rate:,.0f}/s)"
    )
    if done == listings:
        sys.stderr.write("\n")
    sys.stderr.flush()


def seed(cloud: LocalCloud, count: int = LISTINGS, *, seed_value: int = 5) -> dict[str, Any]:
    """Categories of the starter tree and ``count`` listings spread over its leaves."""
    assert cloud.mongodb_uri is not None
    db = mongo_database(cloud.mongodb_uri, cloud.config.mongodb_database)
    ensure_indexes(db, CATALOG_INDEXES)
    now = datetime.now(UTC)
    tree = categories(now)
    existing = {d["_id"] for d in db.categories.find({}, {"_id": 1})}
    new = [c for c in tree if c.id not in existing]
    if new:
        from adapters.mongo.catalog import category_doc

        db.categories.insert_many([category_doc(c) for c in new])
    parents = {c.parent_id for c in tree}
    leaves = [c for c in tree if c.id not in parents]
    rng = random.Random(seed_value)
    sellers = [f"bench-seller-{n:04d}" for n in range(2_000)]
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    ids: list[str] = []
    for n in range(count):
        category = leaves[n % len(leaves)]
        brand, noun = rng.choice(BRANDS), rng.choice(NOUNS)
        title = f"{rng.choice(ADJECTIVES)} {brand} {noun} {rng.choice(ADJECTIVES)}"
        created = now - timedelta(seconds=count - n)
        listing = Listing(
            id=f"bench-{n:06d}",
            seller_id=rng.choice(sellers),
            title=title,
            description=f"{rng.choice(ADJECTIVES)} {noun} in good shape, {rng.choice(ADJECTIVES)} finish.",
            category_id=category.id,
            category_path=category.path,
            condition=rng.choice(category.conditions) if category.conditions else Condition.USED_GOOD,
            item_specifics=(ItemSpecific("Brand", brand),),
            price=Money(rng.randint(100, 250_000), "USD"),
            quantity=rng.randint(1, 5),
            shipping_options=(ShippingOption("Ground", Money(599, "USD"), 5),),
            format=ListingFormat.FIXED_PRICE,
            status=ListingStatus.ACTIVE if n % 20 else ListingStatus.ENDED,
            created_at=created,
            updated_at=created,
        )
        batch.append(listing_doc(listing))
        ids.append(listing.id)
        if len(batch) == BATCH or n == count - 1:
            db.listings.insert_many(batch, ordered=False)
            batch = []
            _bar(n + 1, count, started)
    return {
        "seconds": time.perf_counter() - started,
        "ids": ids,
        "leaves": [c.id for c in leaves],
        "roots": [c.id for c in tree if c.parent_id is None],
    }


def proxy_event(
    method: str,
    resource: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An API Gateway REST proxy event, as the gateway (emulator or AWS) hands it to a function."""
    return {
        "resource": resource,
        "path": path,
        "httpMethod": method,
        "headers": {"Accept": "application/json"},
        "multiValueHeaders": {"Accept": ["application/json"]},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "pathParameters": path_parameters,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "resourceId": "local",
            "resourcePath": resource,
            "httpMethod": method,
            "path": f"/local{path}",
            "protocol": "HTTP/1.1",
            "stage": "local",
            "requestId": "bench",
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": None,
        "isBase64Encoded": False,
    }


def measure(call: Callable[[int], dict[str, Any]]) -> list[float]:
    call(0)  # warm-up (cold start: imports, clients, index check)
    timings = []
    for n in range(1, CALLS + 1):
        started = time.perf_counter()
        result = call(n)
        timings.append((time.perf_counter() - started) * 1000)
        assert result["statusCode"] == 200, result
    return timings


def run(cloud: LocalCloud) -> list[str]:
    aws, provisioned = cloud.started()
    seeded = seed(cloud)
    function = provisioned.physical_name("api-listings")
    rng = random.Random(7)

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        result = aws.functions.invoke(function, event)
        assert result.error_type is None, result.error_message
        payload: dict[str, Any] = result.payload
        return payload

    def search(_: int) -> dict[str, Any]:
        query = {
            "q": f"{rng.choice(BRANDS)} {rng.choice(NOUNS)}",
            "min_price": "1000",
            "max_price": "200000",
            "condition": rng.choice(["new", "used_good"]),
            "sort": rng.choice(["price_asc", "price_desc", "newest"]),
        }
        return invoke(proxy_event("GET", "/listings", "/listings", query=query))

    def relevance(_: int) -> dict[str, Any]:
        query = {"q": f"{rng.choice(BRANDS)} {rng.choice(NOUNS)}", "category_id": rng.choice(seeded["roots"])}
        return invoke(proxy_event("GET", "/listings", "/listings", query=query))

    def browse(_: int) -> dict[str, Any]:
        query = {"category_id": rng.choice(seeded["leaves"]), "sort": "newest"}
        return invoke(proxy_event("GET", "/listings", "/listings", query=query))

    def browse_root(_: int) -> dict[str, Any]:
        query = {"category_id": rng.choice(seeded["roots"]), "sort": "price_asc"}
        return invoke(proxy_event("GET", "/listings", "/listings", query=query))

    def get_one(_: int) -> dict[str, Any]:
        listing_id = rng.choice(seeded["ids"])
        return invoke(
            proxy_event(
                "GET",
                "/listings/{listing_id}",
                f"/listings/{listing_id}",
                path_parameters={"listing_id": listing_id},
            )
        )

    lines = [
        f"catalog: seeded {LISTINGS:,} listings ({LISTINGS // 20:,} ended) over {len(seeded['leaves'])} leaf "
        f"categories in {seeded['seconds']:.1f} s; each figure: {CALLS} handler invocations "
        "(API Gateway proxy events through cloud.aws.functions.invoke, warm), first page of 20 with facets"
    ]
    for label, call in (
        ("search: words + condition + price range + price/newest sort", search),
        ("search: words + root category, relevance (sponsored first)", relevance),
        ("category browse: leaf category, newest", browse),
        ("category browse: root category (~20k listings), price_asc", browse_root),
        ("GET /listings/{id}", get_one),
    ):
        timings = measure(call)
        p95 = percentile(timings, 95)
        flag = (
            ""
            if "search" not in label or p95 < TARGET_P95_MS
            else f"  (over the {TARGET_P95_MS:.0f} ms target)"
        )
        lines.append(f"catalog {label:<62} p50 {percentile(timings, 50):7.1f} ms   p95 {p95:7.1f} ms{flag}")
    return lines


def main() -> int:
    from local.runtime import LocalCloud, LocalCloudConfig

    with LocalCloud(LocalCloudConfig(clock="virtual", poll_queues=False)) as cloud:
        for line in run(cloud):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
