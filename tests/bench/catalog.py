"""Catalog benchmark: listings in MongoDB (nx-27017 locally) and in the search read model
(PostgreSQL ``catalog_search``), then p50/p95 of every catalog query, each through its Lambda
handler, at 10,000 and at 100,000 listings; the projection's lag; the plans of the big browses.

How it measures: listings are written straight into the local cloud's MongoDB (bulk inserts, a
progress bar on stderr) and the read model is rebuilt from them (the ``make rebuild-read-models``
path); then each request is an API Gateway REST proxy event handed to the deployed-identical
function with ``cloud.aws.functions.invoke`` (the handler, resolver, validation, the read model's
query, the page's listings read from MongoDB by id, serialization; without the HTTP hop of the
gateway emulator). Each figure is over ``CALLS`` calls after one warm-up call, queries varied.
The lag is from a listing's change (its document saved, its event put on the bus) to its row
holding the new version, through the local cloud's EventBridge delivery and the consumer.
The 1,000,000 figures are extrapolated from the 10k -> 100k growth of each query (not measured).

``run(cloud)`` returns the report lines (``make bench`` prints them).
"""

from __future__ import annotations

import json
import random
import re
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
SMALL = 10_000
BATCH = 2_000
CALLS = 200
TARGET_P95_MS = 30.0
LAG_CHANGES = 50
_SCAN = re.compile(r"(?:Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?(?: using \w+)?")

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


def seed(
    cloud: LocalCloud, count: int = LISTINGS, *, seed_value: int = 5, start: int = 0, total: int = LISTINGS
) -> dict[str, Any]:
    """Categories of the starter tree and listings ``start`` to ``count`` (of ``total``) spread
    over its leaves."""
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
    rng = random.Random(seed_value + start)
    sellers = [f"bench-seller-{n:04d}" for n in range(2_000)]
    started = time.perf_counter()
    batch: list[dict[str, Any]] = []
    ids: list[str] = []
    for n in range(start, count):
        category = leaves[n % len(leaves)]
        brand, noun = rng.choice(BRANDS), rng.choice(NOUNS)
        title = f"{rng.choice(ADJECTIVES)} {brand} {noun} {rng.choice(ADJECTIVES)}"
        created = now - timedelta(seconds=total - n)
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
            _bar(n + 1 - start, count - start, started)
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


def rebuild(cloud: LocalCloud) -> tuple[int, float]:
    """The read model rebuilt from every listing in MongoDB (as ``make rebuild-read-models``)."""
    from adapters.mongo.catalog import MongoListings
    from adapters.postgres.catalog_search import PostgresSearchProjection
    from adapters.postgres.pool import make_pool

    assert cloud.mongodb_uri is not None and cloud.postgres_url is not None
    db = mongo_database(cloud.mongodb_uri, cloud.config.mongodb_database)
    started = time.perf_counter()
    with make_pool(cloud.postgres_url, max_size=1) as pool:
        rows = PostgresSearchProjection(pool).rebuild(MongoListings(db).every())  # vacuums and analyzes
    return rows, time.perf_counter() - started


def _queries(
    invoke: Callable[[dict[str, Any]], dict[str, Any]], seeded: dict[str, Any], rng: random.Random
) -> list[tuple[str, Callable[[int], dict[str, Any]]]]:
    def listings(query: dict[str, str]) -> dict[str, Any]:
        return invoke(proxy_event("GET", "/listings", "/listings", query=query))

    def words() -> str:
        return f"{rng.choice(BRANDS)} {rng.choice(NOUNS)}"

    def filtered(sort: str) -> Callable[[int], dict[str, Any]]:
        def call(_: int) -> dict[str, Any]:
            condition = rng.choice(["new", "used_good"])
            return listings(
                {
                    "q": words(),
                    "min_price": "1000",
                    "max_price": "200000",
                    "condition": condition,
                    "sort": sort,
                }
            )

        return call

    # the second pages' cursors, got before the timing
    seconds = []
    for root in seeded["roots"]:
        query = {"category_id": root, "sort": "newest"}
        seconds.append({**query, "cursor": json.loads(listings(query)["body"])["next_cursor"]})

    def second_page(_: int) -> dict[str, Any]:
        return listings(rng.choice(seconds))

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

    def seller(_: int) -> dict[str, Any]:
        seller_id = f"bench-seller-{rng.randrange(2_000):04d}"
        return invoke(
            proxy_event(
                "GET",
                "/sellers/{seller_id}/listings",
                f"/sellers/{seller_id}/listings",
                path_parameters={"seller_id": seller_id},
            )
        )

    return [
        ("search: words only, relevance", lambda _: listings({"q": words()})),
        (
            "search: one common word, newest",
            lambda _: listings({"q": rng.choice(ADJECTIVES), "sort": "newest"}),
        ),
        ("search: words + condition + price range, price_asc", filtered("price_asc")),
        ("search: words + condition + price range, price_desc", filtered("price_desc")),
        ("search: words + condition + price range, newest", filtered("newest")),
        (
            "search: words + root category, relevance (sponsored first)",
            lambda _: listings({"q": words(), "category_id": rng.choice(seeded["roots"])}),
        ),
        (
            "browse: leaf category, newest",
            lambda _: listings({"category_id": rng.choice(seeded["leaves"]), "sort": "newest"}),
        ),
        (
            "browse: root category (~20k), price_asc",
            lambda _: listings({"category_id": rng.choice(seeded["roots"]), "sort": "price_asc"}),
        ),
        (
            "browse: root category (~20k), price_desc",
            lambda _: listings({"category_id": rng.choice(seeded["roots"]), "sort": "price_desc"}),
        ),
        (
            "browse: root category (~20k), relevance",
            lambda _: listings({"category_id": rng.choice(seeded["roots"])}),
        ),
        ("browse: everything (no filter), newest, facets over all", lambda _: listings({"sort": "newest"})),
        ("browse: root category, newest, second page (cursor, no facets)", second_page),
        ("seller's listings (GET /sellers/{id}/listings)", seller),
        ("deals (GET /deals)", lambda _: invoke(proxy_event("GET", "/deals", "/deals"))),
        ("GET /listings/{id}", get_one),
    ]


def _measure_all(
    queries: list[tuple[str, Callable[[int], dict[str, Any]]]],
) -> dict[str, tuple[float, float]]:
    out = {}
    for label, call in queries:
        timings = measure(call)
        out[label] = (percentile(timings, 50), percentile(timings, 95))
    return out


def lag(cloud: LocalCloud, ids: list[str], rng: random.Random) -> list[float]:
    """Listing change -> its row at the new version: ``LAG_CHANGES`` price changes, one at a time."""
    from adapters.aws.events import EventBridgePublisher
    from adapters.mongo.catalog import MongoListings
    from adapters.postgres.pool import make_pool
    from stacks.model import Kind
    from workflows.catalog.events import ListingPriceChanged, PriceModel

    aws, provisioned = cloud.started()
    assert cloud.mongodb_uri is not None and cloud.postgres_url is not None
    listings = MongoListings(mongo_database(cloud.mongodb_uri, cloud.config.mongodb_database))
    publisher = EventBridgePublisher(aws.client("events"), provisioned.names[(Kind.BUS, "domain")])
    timings = []
    with make_pool(cloud.postgres_url, max_size=1) as pool, pool.connection() as conn:
        conn.autocommit = True
        for listing_id in rng.sample(ids, LAG_CHANGES):
            listing = listings.get(listing_id)
            assert listing is not None
            new_price = Money(listing.price.amount_minor + 100, listing.price.currency)
            changed = listing.changed(datetime.now(UTC), price=new_price)
            event = ListingPriceChanged(
                event_id=f"bench-lag-{listing_id}-{changed.version}",
                occurred_at=changed.updated_at,
                listing_id=listing_id,
                seller_id=listing.seller_id,
                version=changed.version,
                title=listing.title,
                old_price=PriceModel(amount=listing.price.amount_minor, currency=listing.price.currency),
                new_price=PriceModel(amount=new_price.amount_minor, currency=new_price.currency),
            )
            started = time.perf_counter()
            listings.save(changed, expected_version=listing.version)
            publisher.publish(event)
            for _ in range(10_000):
                row = conn.execute(
                    "SELECT version FROM catalog_search WHERE listing_id = %s", (listing_id,)
                ).fetchone()
                if row is not None and row["version"] >= changed.version:
                    break
                cloud.deliveries.settle_queue(10.0)  # wakes when the delivery is done
            else:
                raise TimeoutError(f"listing {listing_id} never reached version {changed.version}")
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def plans(cloud: LocalCloud, seeded: dict[str, Any]) -> list[str]:
    """EXPLAIN ANALYZE of the big browses' statements: which index, and whether all rows are sorted."""
    from adapters.postgres.catalog_search import facets_query, keyset_query, relevance_query
    from adapters.postgres.pool import make_pool
    from workflows.catalog.search import SearchQuery, Sort

    assert cloud.postgres_url is not None
    at = datetime.now(UTC)
    root = seeded["roots"][0]
    cases = {
        "root browse price_asc": keyset_query(SearchQuery(category_id=root, sort=Sort.PRICE_ASC), at),
        "root browse newest": keyset_query(SearchQuery(category_id=root, sort=Sort.NEWEST), at),
        "root browse relevance": relevance_query(
            SearchQuery(category_id=root), at, sponsored=False, after=None, limit=21
        ),
        "words relevance": relevance_query(
            SearchQuery(text="sony camera"), at, sponsored=False, after=None, limit=21
        ),
        "words + filters price_asc": keyset_query(
            SearchQuery(text="sony camera", condition=Condition.NEW, min_price=1000, sort=Sort.PRICE_ASC), at
        ),
        "common word newest": keyset_query(SearchQuery(text="vintage", sort=Sort.NEWEST), at),
        "root facets": facets_query(SearchQuery(category_id=root), at),
        "all facets": facets_query(SearchQuery(), at),
    }
    lines = []
    with make_pool(cloud.postgres_url, max_size=1) as pool, pool.connection() as conn:
        for label, (statement, params) in cases.items():
            plan = [
                r["QUERY PLAN"] for r in conn.execute("EXPLAIN (ANALYZE, BUFFERS OFF) " + statement, params)
            ]
            scans = sorted({m for line in plan for m in _SCAN.findall(line)})
            sorts = [line.strip() for line in plan if "Sort Method" in line]
            total = next((line for line in plan if line.startswith("Execution Time")), "")
            lines.append(
                f"catalog plan {label:<24} {'; '.join(scans)}; {sorts[0] if sorts else 'no sort'}; {total}"
            )
    return lines


def _line(label: str, p50: float, p95: float) -> str:
    met = "met" if p95 <= TARGET_P95_MS else "MISSED"
    return f"catalog {label:<58} p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   (target p95 ≤ 30 ms: {met})"


def run(cloud: LocalCloud) -> list[str]:
    aws, provisioned = cloud.started()
    function = provisioned.physical_name("api-listings")
    rng = random.Random(7)

    def invoke(event: dict[str, Any]) -> dict[str, Any]:
        result = aws.functions.invoke(function, event)
        assert result.error_type is None, result.error_message
        payload: dict[str, Any] = result.payload
        return payload

    small = seed(cloud, SMALL)
    small_rows, small_rebuild_s = rebuild(cloud)
    at_small = _measure_all(_queries(invoke, small, rng))
    rest = seed(cloud, LISTINGS, start=SMALL)
    seeded = {**rest, "ids": small["ids"] + rest["ids"], "seconds": small["seconds"] + rest["seconds"]}
    rows, rebuild_s = rebuild(cloud)
    at_large = _measure_all(_queries(invoke, seeded, rng))
    lines = [
        f"catalog: seeded {LISTINGS:,} listings ({LISTINGS // 20:,} ended) over {len(seeded['leaves'])} leaf "
        f"categories into MongoDB in {seeded['seconds']:.1f} s; read model rebuilt from MongoDB: "
        f"{small_rows:,} rows in {small_rebuild_s:.1f} s, {rows:,} rows in {rebuild_s:.1f} s; each figure: "
        f"{CALLS} handler invocations (API Gateway proxy events through cloud.aws.functions.invoke, warm), "
        "first page of 20 with facets unless said"
    ]
    lines += [_line(label, *figures) for label, figures in at_large.items()]
    timings = lag(cloud, seeded["ids"], rng)
    lines.append(
        f"catalog projection lag (change saved + event put -> row at the new version, {LAG_CHANGES} changes) "
        f"p50 {percentile(timings, 50):6.1f} ms   p95 {percentile(timings, 95):6.1f} ms"
    )
    lines.append(
        "catalog growth (p95 ms): 10k measured / 100k measured / 1M extrapolated (the 10k->100k factor again)"
    )
    for label, (_, p95_large) in at_large.items():
        p95_small = at_small[label][1]
        extrapolated = p95_large * max(p95_large / max(p95_small, 0.1), 1.0)
        lines.append(f"catalog growth {label:<58} {p95_small:6.1f} / {p95_large:6.1f} / ~{extrapolated:6.1f}")
    lines += plans(cloud, seeded)
    return lines


def main() -> int:
    from local.runtime import LocalCloud, LocalCloudConfig

    with LocalCloud(LocalCloudConfig(clock="virtual", poll_queues=False)) as cloud:
        for line in run(cloud):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
