"""The catalog's demo data for ``make dev``: a starter category tree and the demo seller's listings.

``seed_catalog(cloud)`` runs after the demo users exist (``local.seed.seed``); it writes straight
to MongoDB through the catalog's repositories (no events: nobody watches or saved a search yet)
and is idempotent (an existing category or listing is left as it is).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from adapters.mongo.catalog import MongoCategories, MongoListings
from adapters.mongo.client import mongo_database
from adapters.mongo.indexes import CATALOG_INDEXES, ensure_indexes
from workflows.catalog.errors import CategoryExists
from workflows.catalog.model import (
    Category,
    Condition,
    ItemSpecific,
    ItemSpecificSpec,
    Listing,
    ListingFormat,
    ListingStatus,
    ShippingOption,
)
from workflows.shared.ids import derived_id
from workflows.shared.money import Money

if TYPE_CHECKING:
    from local.runtime import LocalCloud

DEMO_SELLER_EMAIL = "seller@resale.local"

ALL = tuple(Condition)
NEW_OR_USED = (Condition.NEW, Condition.USED_LIKE_NEW, Condition.USED_GOOD, Condition.USED_ACCEPTABLE)
NOT_FOR_PARTS = NEW_OR_USED


def _spec(name: str, *values: str, required: bool = False) -> ItemSpecificSpec:
    return ItemSpecificSpec(name, required, values)


SIZES = ("XS", "S", "M", "L", "XL", "XXL")
SHOE_SIZES = tuple(str(n) for n in range(36, 48))

#: (slug, name, parent slug, item specifics, conditions)
TREE: tuple[tuple[str, str, str | None, tuple[ItemSpecificSpec, ...], tuple[Condition, ...]], ...] = (
    ("electronics", "Electronics", None, (), ALL),
    (
        "phones",
        "Cell Phones & Smartphones",
        "electronics",
        (
            _spec("Brand", "Apple", "Samsung", "Google", "Xiaomi", "OnePlus", "Other", required=True),
            _spec("Model", required=True),
            _spec("Storage Capacity", "64 GB", "128 GB", "256 GB", "512 GB", "1 TB"),
            _spec("Color"),
            _spec("Network", "Unlocked", "Carrier locked"),
        ),
        ALL,
    ),
    (
        "laptops",
        "Laptops & Netbooks",
        "electronics",
        (
            _spec("Brand", "Apple", "Dell", "HP", "Lenovo", "ASUS", "Acer", "Other", required=True),
            _spec("Processor", required=True),
            _spec("RAM Size", "4 GB", "8 GB", "16 GB", "32 GB", "64 GB"),
            _spec("Screen Size"),
        ),
        ALL,
    ),
    (
        "cameras",
        "Cameras & Photo",
        "electronics",
        (
            _spec("Brand", "Canon", "Nikon", "Sony", "Fujifilm", "Panasonic", "Other", required=True),
            _spec("Type", "Mirrorless", "DSLR", "Point & Shoot", "Film", required=True),
            _spec("Maximum Resolution"),
        ),
        ALL,
    ),
    ("fashion", "Fashion", None, (), NEW_OR_USED),
    (
        "mens-clothing",
        "Men's Clothing",
        "fashion",
        (_spec("Size", *SIZES, required=True), _spec("Brand"), _spec("Color")),
        NEW_OR_USED,
    ),
    (
        "womens-clothing",
        "Women's Clothing",
        "fashion",
        (_spec("Size", *SIZES, required=True), _spec("Brand"), _spec("Color")),
        NEW_OR_USED,
    ),
    (
        "shoes",
        "Shoes",
        "fashion",
        (_spec("EU Shoe Size", *SHOE_SIZES, required=True), _spec("Brand", required=True), _spec("Color")),
        NEW_OR_USED,
    ),
    ("home-garden", "Home & Garden", None, (), ALL),
    ("furniture", "Furniture", "home-garden", (_spec("Material"), _spec("Room")), NOT_FOR_PARTS),
    ("kitchen", "Kitchen, Dining & Bar", "home-garden", (_spec("Brand"), _spec("Material")), ALL),
    ("collectibles", "Collectibles", None, (), NOT_FOR_PARTS),
    (
        "trading-cards",
        "Trading Cards",
        "collectibles",
        (
            _spec("Game", "Pokemon", "Magic: The Gathering", "Yu-Gi-Oh!", "Sports", required=True),
            _spec("Graded", "Yes", "No"),
        ),
        NOT_FOR_PARTS,
    ),
    ("coins", "Coins & Paper Money", "collectibles", (_spec("Country"), _spec("Year")), NOT_FOR_PARTS),
    ("sports", "Sporting Goods", None, (), ALL),
    (
        "bikes",
        "Cycling",
        "sports",
        (
            _spec("Brand", required=True),
            _spec("Type", "Road", "Mountain", "Gravel", "City", "E-bike", "Kids", required=True),
            _spec("Frame Size"),
        ),
        ALL,
    ),
    ("fitness", "Fitness & Gym", "sports", (_spec("Brand"),), ALL),
    ("books", "Books & Magazines", None, (), NOT_FOR_PARTS),
    (
        "fiction",
        "Fiction",
        "books",
        (
            _spec("Author", required=True),
            _spec("Format", "Hardcover", "Paperback", required=True),
            _spec("Language"),
        ),
        NOT_FOR_PARTS,
    ),
    (
        "nonfiction",
        "Nonfiction",
        "books",
        (
            _spec("Author", required=True),
            _spec("Format", "Hardcover", "Paperback", required=True),
            _spec("Topic"),
        ),
        NOT_FOR_PARTS,
    ),
)

#: (category slug, title, condition, price in cents, quantity, item specifics, description)
DEMO_LISTINGS: tuple[tuple[str, str, Condition, int, int, dict[str, str], str], ...] = (
    ("phones", "Apple iPhone 13 128GB Midnight, unlocked", Condition.USED_GOOD, 38900, 1,
     {"Brand": "Apple", "Model": "iPhone 13", "Storage Capacity": "128 GB", "Network": "Unlocked"},
     "Battery health 89%. Light scratches on the frame, screen flawless. Charger included."),
    ("phones", "Samsung Galaxy S22 256GB Phantom Black", Condition.USED_LIKE_NEW, 42500, 2,
     {"Brand": "Samsung", "Model": "Galaxy S22", "Storage Capacity": "256 GB", "Color": "Black"},
     "Always in a case, no marks. Original box."),
    ("laptops", "Dell XPS 13 9310 i7 16GB 512GB", Condition.USED_GOOD, 64900, 1,
     {"Brand": "Dell", "Processor": "Intel Core i7-1185G7", "RAM Size": "16 GB", "Screen Size": "13.4 in"},
     "Fast ultrabook, fresh Windows install, small dent on the lid."),
    ("cameras", "Fujifilm X-T3 body, 24k shutter count", Condition.USED_LIKE_NEW, 72000, 1,
     {"Brand": "Fujifilm", "Type": "Mirrorless", "Maximum Resolution": "26.1 MP"},
     "Mirrorless camera body with two batteries and strap."),
    ("mens-clothing", "Levi's 501 Original jeans, indigo", Condition.NEW, 5900, 5,
     {"Size": "M", "Brand": "Levi's", "Color": "Indigo"}, "Brand new with tags."),
    ("shoes", "Nike Air Max 90 white, EU 42", Condition.USED_GOOD, 6500, 1,
     {"EU Shoe Size": "42", "Brand": "Nike", "Color": "White"}, "Worn a few times, cleaned."),
    ("bikes", "Trek Domane AL 2 road bike, 56cm", Condition.USED_GOOD, 54000, 1,
     {"Brand": "Trek", "Type": "Road", "Frame Size": "56 cm"}, "Shimano Claris, new tyres, serviced."),
    ("trading-cards", "Pokemon Charizard Base Set holo", Condition.USED_ACCEPTABLE, 25000, 1,
     {"Game": "Pokemon", "Graded": "No"}, "Unlimited print, edge wear, no creases."),
    ("fiction", "Dune by Frank Herbert, hardcover", Condition.USED_LIKE_NEW, 1800, 3,
     {"Author": "Frank Herbert", "Format": "Hardcover", "Language": "English"}, "Book club edition."),
    ("kitchen", "Le Creuset cast iron casserole 24cm, volcanic", Condition.USED_GOOD, 12900, 1,
     {"Brand": "Le Creuset", "Material": "Cast iron"}, "Enamel intact, some staining inside."),
)  # fmt: skip


def categories(now: datetime) -> list[Category]:
    by_slug: dict[str, Category] = {}
    for slug, name, parent, specs, conditions in TREE:
        category_id = derived_id("category", slug)
        parent_category = by_slug.get(parent) if parent else None
        path = (*(parent_category.path if parent_category else ()), category_id)
        by_slug[slug] = Category(
            id=category_id,
            name=name,
            slug=slug,
            parent_id=parent_category.id if parent_category else None,
            path=path,
            item_specifics=specs,
            conditions=conditions,
            created_at=now,
            updated_at=now,
        )
    return list(by_slug.values())


def demo_listings(seller_id: str, by_slug: dict[str, Category], now: datetime) -> list[Listing]:
    listings = []
    for n, (slug, title, condition, cents, quantity, specifics, description) in enumerate(DEMO_LISTINGS):
        category = by_slug[slug]
        created = now - timedelta(hours=len(DEMO_LISTINGS) - n)
        listings.append(
            Listing(
                id=derived_id("demo-listing", seller_id, str(n)),
                seller_id=seller_id,
                title=title,
                description=description,
                category_id=category.id,
                category_path=category.path,
                condition=condition,
                item_specifics=tuple(ItemSpecific(k, v) for k, v in specifics.items()),
                price=Money(cents, "USD"),
                quantity=quantity,
                shipping_options=(
                    ShippingOption("USPS Ground Advantage", Money(599, "USD"), 5),
                    ShippingOption("UPS 2nd Day Air", Money(1899, "USD"), 2),
                ),
                format=ListingFormat.FIXED_PRICE,
                status=ListingStatus.ACTIVE,
                created_at=created,
                updated_at=created,
            )
        )
    return listings


def _user_id(cloud: LocalCloud, email: str) -> str:
    aws, provisioned = cloud.started()
    user = aws.client("cognito-idp").admin_get_user(UserPoolId=provisioned.user_pool_id, Username=email)
    return str(next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub"))


def _project(cloud: LocalCloud, listings: list[Listing]) -> None:
    """The seeded listings into the search read model (written straight to MongoDB, they have
    no events); a row already at that version stays as it is."""
    from adapters.postgres.catalog_search import PostgresSearchProjection
    from adapters.postgres.pool import make_pool

    if cloud.postgres_url is None:
        raise RuntimeError("the local cloud is not started")
    with make_pool(cloud.postgres_url, min_size=1, max_size=1) as pool:
        projection = PostgresSearchProjection(pool)
        for listing in listings:
            projection.apply(listing)


def seed_catalog(cloud: LocalCloud) -> str:
    """The starter tree and the demo seller's listings; returns a one-line summary."""
    if cloud.mongodb_uri is None:
        raise RuntimeError("the local cloud is not started")
    db = mongo_database(cloud.mongodb_uri, cloud.config.mongodb_database)
    ensure_indexes(db, CATALOG_INDEXES)
    now = datetime.now(UTC)
    repository = MongoCategories(db)
    tree = categories(now)
    for category in tree:
        try:
            repository.add(category)
        except CategoryExists:
            continue
    listings = MongoListings(db)
    seller_id = _user_id(cloud, DEMO_SELLER_EMAIL)
    demo = demo_listings(seller_id, {c.slug: c for c in tree}, now)
    added = sum(listings.add(x) for x in demo)
    _project(cloud, listings.get_many(x.id for x in demo))
    return f"{len(tree)} categories, {added} demo listings by {DEMO_SELLER_EMAIL}"
