"""The catalog over HTTP: categories, listings (ownership, validation), search, images, deals,
promotions, watchlist and saved searches, against the session's local cloud."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests

from local.runtime import LocalCloud
from tests.fakes.clock import iso_in
from tests.fixtures.users import TestUser as User
from tests.workflows.fees_support import seed_launch_schedule

T = 10


@pytest.fixture(autouse=True)
def launch_schedule(pg_url: str) -> None:
    """Listings are priced in the fee schedule's currencies: the launch schedule is in effect
    (other tests' clean-ups truncate it)."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        seed_launch_schedule(conn)


@pytest.fixture(scope="module")
def category(cloud: LocalCloud, admin: User) -> dict:
    """A leaf category of the module's own, with a required and a restricted item specific."""
    import uuid

    slug = f"test-bikes-{uuid.uuid4().hex[:8]}"
    parent = requests.post(
        f"{cloud.api_url}/categories",
        json={"name": "Test sports", "slug": f"{slug}-root"},
        headers=admin.headers,
        timeout=T,
    )
    assert parent.status_code == 201, parent.text
    response = requests.post(
        f"{cloud.api_url}/categories",
        json={
            "name": "Test bikes",
            "slug": slug,
            "parent_id": parent.json()["id"],
            "item_specifics": [
                {"name": "Brand", "required": True},
                {"name": "Type", "required": False, "allowed_values": ["Road", "Mountain"]},
            ],
            "conditions": ["new", "used_good"],
        },
        headers=admin.headers,
        timeout=T,
    )
    assert response.status_code == 201, response.text
    return {**response.json(), "root_id": parent.json()["id"]}


def listing_body(category: dict, **overrides: object) -> dict:
    body = {
        "title": "Trek Domane road bike",
        "description": "Carbon fork, 56cm frame",
        "category_id": category["id"],
        "condition": "used_good",
        "item_specifics": [{"name": "Brand", "value": "Trek"}, {"name": "Type", "value": "Road"}],
        "price": {"amount": 54000, "currency": "USD"},
        "quantity": 1,
        "shipping_options": [
            {"service": "UPS Ground", "price": {"amount": 2500, "currency": "USD"}, "estimated_days": 5}
        ],
        "format": "fixed_price",
    }
    body.update(overrides)
    return body


def create(cloud: LocalCloud, seller: User, body: dict) -> dict:
    response = requests.post(f"{cloud.api_url}/listings", json=body, headers=seller.headers, timeout=T)
    assert response.status_code == 201, response.text
    return response.json()


# -- categories


def test_given_the_tree_when_read_publicly_then_the_new_category_sits_under_its_parent(
    cloud: LocalCloud, category: dict
) -> None:
    response = requests.get(f"{cloud.api_url}/categories", timeout=T)
    assert response.status_code == 200
    root = next(c for c in response.json()["items"] if c["id"] == category["root_id"])
    assert [c["id"] for c in root["children"]] == [category["id"]]
    assert root["children"][0]["item_specifics"][0] == {
        "name": "Brand",
        "required": True,
        "allowed_values": [],
    }


def test_given_a_seller_when_creating_a_category_then_403_admin_only(
    cloud: LocalCloud, make_user, unique: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    response = requests.post(
        f"{cloud.api_url}/categories",
        json={"name": "X", "slug": f"x-{unique}"},
        headers=seller.headers,
        timeout=T,
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "ADMIN_ONLY"


def test_given_a_category_with_listings_when_deleted_then_409_and_an_empty_one_can_go(
    cloud: LocalCloud, admin: User, category: dict, make_user, unique: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    create(cloud, seller, listing_body(category, title=f"Delete guard {unique}"))
    response = requests.delete(
        f"{cloud.api_url}/categories/{category['id']}", headers=admin.headers, timeout=T
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "CATEGORY_IN_USE"
    empty = requests.post(
        f"{cloud.api_url}/categories",
        json={"name": "Empty", "slug": f"empty-{unique}"},
        headers=admin.headers,
        timeout=T,
    ).json()
    gone = requests.delete(f"{cloud.api_url}/categories/{empty['id']}", headers=admin.headers, timeout=T)
    assert gone.status_code == 204
    assert (
        requests.delete(
            f"{cloud.api_url}/categories/{empty['id']}", headers=admin.headers, timeout=T
        ).status_code
        == 404
    )


# -- listings: ownership and validation


def test_given_a_buyer_when_listing_then_403_seller_only(
    cloud: LocalCloud, category: dict, make_user
) -> None:
    buyer = make_user(groups=("buyer",))
    response = requests.post(
        f"{cloud.api_url}/listings", json=listing_body(category), headers=buyer.headers, timeout=T
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "SELLER_ONLY"


def test_given_no_token_when_listing_then_401(cloud: LocalCloud, category: dict) -> None:
    assert (
        requests.post(f"{cloud.api_url}/listings", json=listing_body(category), timeout=T).status_code == 401
    )


def test_given_a_seller_when_listing_then_201_and_anyone_can_read_it(
    cloud: LocalCloud, category: dict, make_user
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    created = create(cloud, seller, listing_body(category))
    assert created["status"] == "active"
    assert created["seller_id"] == seller.user_id
    assert created["price"] == {"amount": 54000, "currency": "USD"}
    public = requests.get(f"{cloud.api_url}/listings/{created['id']}", timeout=T)
    assert public.status_code == 200
    assert public.json()["title"] == "Trek Domane road bike"
    assert public.json()["promotion"] is None


def test_given_another_seller_when_editing_or_ending_then_403_not_owner(
    cloud: LocalCloud, category: dict, make_user
) -> None:
    owner, other = make_user(groups=("buyer", "seller")), make_user(groups=("buyer", "seller"))
    listing = create(cloud, owner, listing_body(category))
    url = f"{cloud.api_url}/listings/{listing['id']}"
    patched = requests.patch(url, json={"title": "Mine now"}, headers=other.headers, timeout=T)
    assert patched.status_code == 403
    assert patched.json()["error"]["code"] == "NOT_OWNER"
    ended = requests.delete(url, headers=other.headers, timeout=T)
    assert ended.status_code == 403
    assert requests.get(url, timeout=T).json()["title"] == "Trek Domane road bike"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"condition": "for_parts"}, "condition"),
        ({"item_specifics": [{"name": "Type", "value": "Road"}]}, "item_specifics.Brand"),
        (
            {"item_specifics": [{"name": "Brand", "value": "Trek"}, {"name": "Type", "value": "Tandem"}]},
            "item_specifics.Type",
        ),
    ],
)
def test_given_a_listing_that_does_not_fit_its_category_then_400_naming_the_field(
    cloud: LocalCloud, category: dict, make_user, overrides: dict, field: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    response = requests.post(
        f"{cloud.api_url}/listings",
        json=listing_body(category, **overrides),
        headers=seller.headers,
        timeout=T,
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "INVALID_LISTING"
    assert field in [f["field"] for f in error["details"]["fields"]]


@pytest.mark.parametrize(
    "price",
    [
        {"amount": 19.99, "currency": "USD"},
        {"amount": -1, "currency": "USD"},
        {"amount": 100, "currency": "XXX"},
    ],
)
def test_given_bad_money_then_400(cloud: LocalCloud, category: dict, make_user, price: dict) -> None:
    seller = make_user(groups=("buyer", "seller"))
    response = requests.post(
        f"{cloud.api_url}/listings",
        json=listing_body(category, price=price),
        headers=seller.headers,
        timeout=T,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "INVALID_REQUEST"


def test_given_an_unknown_category_then_404(cloud: LocalCloud, category: dict, make_user) -> None:
    seller = make_user(groups=("buyer", "seller"))
    response = requests.post(
        f"{cloud.api_url}/listings",
        json=listing_body(category, category_id="nope"),
        headers=seller.headers,
        timeout=T,
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "CATEGORY_NOT_FOUND"


def test_given_an_idempotency_key_when_posted_twice_then_one_listing_and_a_changed_body_is_422(
    cloud: LocalCloud, category: dict, make_user, unique: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    headers = {**seller.headers, "Idempotency-Key": unique}
    first = requests.post(
        f"{cloud.api_url}/listings", json=listing_body(category), headers=headers, timeout=T
    )
    again = requests.post(
        f"{cloud.api_url}/listings", json=listing_body(category), headers=headers, timeout=T
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"]
    changed = requests.post(
        f"{cloud.api_url}/listings",
        json=listing_body(category, title="Another bike"),
        headers=headers,
        timeout=T,
    )
    assert changed.status_code == 422
    assert changed.json()["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"


def test_given_the_owner_when_patching_and_ending_then_the_listing_changes_and_leaves_search(
    cloud: LocalCloud, category: dict, make_user, unique: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    listing = create(cloud, seller, listing_body(category, title=f"Endme {unique}"))
    url = f"{cloud.api_url}/listings/{listing['id']}"
    patched = requests.patch(
        url, json={"price": {"amount": 50000, "currency": "USD"}}, headers=seller.headers, timeout=T
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["price"]["amount"] == 50000
    assert patched.json()["version"] == 2
    cloud.settle()  # search reads the read model: the listing's events are projected
    found = requests.get(f"{cloud.api_url}/listings", params={"q": f"endme {unique}"}, timeout=T).json()
    assert [x["id"] for x in found["items"]] == [listing["id"]]
    assert requests.delete(url, headers=seller.headers, timeout=T).status_code == 204
    assert requests.get(url, timeout=T).json()["status"] == "ended"
    cloud.settle()
    found = requests.get(f"{cloud.api_url}/listings", params={"q": f"endme {unique}"}, timeout=T).json()
    assert found["items"] == []
    again = requests.patch(url, json={"title": "Too late"}, headers=seller.headers, timeout=T)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "LISTING_NOT_ACTIVE"


# -- search


def test_given_listings_of_a_seller_when_searched_then_text_filters_sort_pages_and_facets_agree(
    cloud: LocalCloud, category: dict, make_user, unique: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    word = f"zebra{unique}"
    prices = [1000, 3000, 2000, 5000, 4000, 2000, 6000]
    ids = []
    for n, cents in enumerate(prices):
        body = listing_body(
            category,
            title=f"{word} bike {n}",
            price={"amount": cents, "currency": "USD"},
            condition="new" if n % 2 else "used_good",
        )
        ids.append(create(cloud, seller, body)["id"])
    cloud.settle()  # search reads the read model: the listings' events are projected
    # text + filter + sort
    response = requests.get(
        f"{cloud.api_url}/listings",
        params={
            "q": word,
            "min_price": 2000,
            "max_price": 5000,
            "sort": "price_asc",
            "condition": "used_good",
        },
        timeout=T,
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [x["price"]["amount"] for x in items] == [2000, 4000]
    assert all(x["condition"] == "used_good" for x in items)
    # category filter includes descendants: the root finds them
    root = requests.get(
        f"{cloud.api_url}/listings", params={"q": word, "category_id": category["root_id"]}, timeout=T
    )
    assert len(root.json()["items"]) == len(prices)
    facets = root.json()["facets"]
    assert facets["categories"] == [{"category_id": category["id"], "count": 7}]
    assert {c["condition"]: c["count"] for c in facets["conditions"]} == {"used_good": 4, "new": 3}
    # pages of 2 under every sort: no duplicates, no gaps
    for sort in ("price_asc", "price_desc", "newest", "relevance"):
        seen: list[str] = []
        cursor = None
        while True:
            params = {"q": word, "sort": sort, "limit": 2, **({"cursor": cursor} if cursor else {})}
            page = requests.get(f"{cloud.api_url}/listings", params=params, timeout=T).json()
            seen += [x["id"] for x in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(ids), sort
        assert len(seen) == len(set(seen))
    desc = requests.get(
        f"{cloud.api_url}/listings", params={"q": word, "sort": "price_desc"}, timeout=T
    ).json()
    assert [x["price"]["amount"] for x in desc["items"]] == sorted(prices, reverse=True)
    newest = requests.get(f"{cloud.api_url}/listings", params={"q": word, "sort": "newest"}, timeout=T).json()
    assert [x["id"] for x in newest["items"]] == list(reversed(ids))
    mine = requests.get(f"{cloud.api_url}/sellers/{seller.user_id}/listings", timeout=T).json()
    assert [x["id"] for x in mine["items"]] == list(reversed(ids))


def test_given_a_cursor_of_another_sort_or_garbage_then_400(cloud: LocalCloud) -> None:
    first = requests.get(f"{cloud.api_url}/listings", params={"sort": "newest", "limit": 1}, timeout=T).json()
    for cursor in (first["next_cursor"] or "x", "not-a-cursor!!"):
        response = requests.get(
            f"{cloud.api_url}/listings", params={"sort": "price_asc", "cursor": cursor}, timeout=T
        )
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "INVALID_CURSOR"


# -- promotions and deals


def test_given_a_promotion_in_its_window_then_it_ranks_first_and_is_sponsored_and_not_outside(
    cloud: LocalCloud, category: dict, make_user, unique: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    word = f"promo{unique}"
    plain = create(cloud, seller, listing_body(category, title=f"{word} {word} {word} bike"))
    promoted = create(cloud, seller, listing_body(category, title=f"{word} bike"))
    later = create(cloud, seller, listing_body(category, title=f"{word} later bike"))
    now_window = {
        "ad_rate_percent": "7.5",
        "starts_at": iso_in(timedelta(minutes=-5), cloud.clock.now()),
        "ends_at": iso_in(timedelta(days=1), cloud.clock.now()),
    }
    future_window = {
        "ad_rate_percent": 5,
        "starts_at": iso_in(timedelta(days=1), cloud.clock.now()),
        "ends_at": iso_in(timedelta(days=2), cloud.clock.now()),
    }
    for listing, window in ((promoted, now_window), (later, future_window)):
        response = requests.post(
            f"{cloud.api_url}/listings/{listing['id']}/promotion",
            json=window,
            headers=seller.headers,
            timeout=T,
        )
        assert response.status_code == 200, response.text
    cloud.settle()
    found = requests.get(f"{cloud.api_url}/listings", params={"q": word}, timeout=T).json()["items"]
    assert found[0]["id"] == promoted["id"]
    assert found[0]["sponsored"] is True
    assert {x["id"]: x["sponsored"] for x in found} == {
        promoted["id"]: True,
        plain["id"]: False,
        later["id"]: False,
    }
    owner_view = requests.get(
        f"{cloud.api_url}/listings/{promoted['id']}", headers=seller.headers, timeout=T
    ).json()
    assert owner_view["sponsored"] is True


def test_given_a_float_ad_rate_then_400(cloud: LocalCloud, category: dict, make_user) -> None:
    seller = make_user(groups=("buyer", "seller"))
    listing = create(cloud, seller, listing_body(category))
    body = {
        "ad_rate_percent": 7.5,
        "starts_at": iso_in(timedelta(0), cloud.clock.now()),
        "ends_at": iso_in(timedelta(days=1), cloud.clock.now()),
    }
    response = requests.post(
        f"{cloud.api_url}/listings/{listing['id']}/promotion", json=body, headers=seller.headers, timeout=T
    )
    assert response.status_code == 400


def test_given_a_deal_then_the_discount_applies_only_inside_its_window_and_deals_list_by_priority(
    cloud: LocalCloud, category: dict, make_user, unique: str
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    active_low = create(cloud, seller, listing_body(category, price={"amount": 1999, "currency": "USD"}))
    active_high = create(cloud, seller, listing_body(category, price={"amount": 10000, "currency": "USD"}))
    future = create(cloud, seller, listing_body(category, price={"amount": 10000, "currency": "USD"}))
    windows = {
        active_low["id"]: ("15", 1, timedelta(minutes=-1), timedelta(hours=1)),
        active_high["id"]: ("12.5", 900, timedelta(minutes=-1), timedelta(hours=1)),
        future["id"]: ("50", 1000, timedelta(hours=1), timedelta(hours=2)),
    }
    for listing_id, (percent, priority, start, end) in windows.items():
        response = requests.post(
            f"{cloud.api_url}/listings/{listing_id}/deal",
            json={
                "discount_percent": percent,
                "priority": priority,
                "starts_at": iso_in(start, cloud.clock.now()),
                "ends_at": iso_in(end, cloud.clock.now()),
            },
            headers=seller.headers,
            timeout=T,
        )
        assert response.status_code == 201, response.text
    cloud.settle()  # the deals list reads the search read model
    low = requests.get(f"{cloud.api_url}/listings/{active_low['id']}", timeout=T).json()
    assert low["effective_price"] == {"amount": 1699, "currency": "USD"}  # 1999 - 299.85 rounded half up
    assert low["deal"]["active"] is True
    waiting = requests.get(f"{cloud.api_url}/listings/{future['id']}", timeout=T).json()
    assert waiting["effective_price"] == {"amount": 10000, "currency": "USD"}
    assert waiting["deal"]["active"] is False
    deals = requests.get(f"{cloud.api_url}/deals", params={"limit": 100}, timeout=T).json()["items"]
    mine = [x["id"] for x in deals if x["seller_id"] == seller.user_id]
    assert mine == [active_high["id"], active_low["id"]]
    high = next(x for x in deals if x["id"] == active_high["id"])
    assert high["effective_price"]["amount"] == 8750


# -- images


def test_given_a_presigned_upload_when_the_image_is_posted_and_confirmed_then_it_joins_the_listing_in_order(
    cloud: LocalCloud, category: dict, make_user
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    listing = create(cloud, seller, listing_body(category))
    base = f"{cloud.api_url}/listings/{listing['id']}/images"
    ids = []
    for n in range(2):
        ticket = requests.post(
            base, json={"content_type": "image/png", "size": 1000}, headers=seller.headers, timeout=T
        )
        assert ticket.status_code == 201, ticket.text
        body = ticket.json()
        not_yet = requests.post(f"{cloud.api_url}{body['confirm_path']}", headers=seller.headers, timeout=T)
        assert not_yet.status_code == 409
        assert not_yet.json()["error"]["code"] == "IMAGE_NOT_UPLOADED"
        upload = requests.post(
            body["upload"]["url"],
            data=body["upload"]["fields"],
            files={"file": (f"photo{n}.png", b"\x89PNG" + bytes(50), "image/png")},
            timeout=T,
        )
        assert upload.status_code in (200, 201, 204), upload.text
        confirmed = requests.post(f"{cloud.api_url}{body['confirm_path']}", headers=seller.headers, timeout=T)
        assert confirmed.status_code == 200, confirmed.text
        ids.append(body["image_id"])
    images = requests.get(f"{cloud.api_url}/listings/{listing['id']}", timeout=T).json()["images"]
    assert [(i["image_id"], i["position"]) for i in images] == [(ids[0], 1), (ids[1], 2)]
    assert requests.get(images[0]["url"], timeout=T).content.startswith(b"\x89PNG")


@pytest.mark.parametrize(("content_type", "size"), [("image/gif", 100), ("image/jpeg", 50 * 1024 * 1024)])
def test_given_an_unsupported_or_too_large_image_then_400(
    cloud: LocalCloud, category: dict, make_user, content_type: str, size: int
) -> None:
    seller = make_user(groups=("buyer", "seller"))
    listing = create(cloud, seller, listing_body(category))
    response = requests.post(
        f"{cloud.api_url}/listings/{listing['id']}/images",
        json={"content_type": content_type, "size": size},
        headers=seller.headers,
        timeout=T,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "UNSUPPORTED_IMAGE"


# -- watchlist and saved searches


def test_given_a_watched_listing_then_the_watchlist_shows_its_current_price_and_status(
    cloud: LocalCloud, category: dict, make_user
) -> None:
    seller, buyer = make_user(groups=("buyer", "seller")), make_user(groups=("buyer",))
    listing = create(cloud, seller, listing_body(category))
    url = f"{cloud.api_url}/me/watchlist/{listing['id']}"
    assert requests.put(url, headers=buyer.headers, timeout=T).status_code == 200
    assert requests.put(url, headers=buyer.headers, timeout=T).status_code == 200  # idempotent
    requests.patch(
        f"{cloud.api_url}/listings/{listing['id']}",
        json={"price": {"amount": 40000, "currency": "USD"}},
        headers=seller.headers,
        timeout=T,
    ).raise_for_status()
    watched = requests.get(f"{cloud.api_url}/me/watchlist", headers=buyer.headers, timeout=T).json()["items"]
    assert [(w["listing_id"], w["price"]["amount"], w["status"]) for w in watched] == [
        (listing["id"], 40000, "active")
    ]
    assert requests.delete(url, headers=buyer.headers, timeout=T).status_code == 204
    assert (
        requests.get(f"{cloud.api_url}/me/watchlist", headers=buyer.headers, timeout=T).json()["items"] == []
    )
    missing = requests.put(f"{cloud.api_url}/me/watchlist/nope", headers=buyer.headers, timeout=T)
    assert missing.status_code == 404


def test_given_saved_searches_then_they_are_listed_and_deleted_by_their_owner_only(
    cloud: LocalCloud, make_user
) -> None:
    owner, other = make_user(), make_user()
    created = requests.post(
        f"{cloud.api_url}/me/saved-searches",
        json={"query": {"q": "road bike", "max_price": 60000}},
        headers=owner.headers,
        timeout=T,
    )
    assert created.status_code == 201, created.text
    search_id = created.json()["search_id"]
    listed = requests.get(f"{cloud.api_url}/me/saved-searches", headers=owner.headers, timeout=T).json()[
        "items"
    ]
    assert [(s["search_id"], s["query"]) for s in listed] == [
        (search_id, {"q": "road bike", "max_price": 60000})
    ]
    assert (
        requests.delete(
            f"{cloud.api_url}/me/saved-searches/{search_id}", headers=other.headers, timeout=T
        ).status_code
        == 404
    )
    assert (
        requests.delete(
            f"{cloud.api_url}/me/saved-searches/{search_id}", headers=owner.headers, timeout=T
        ).status_code
        == 204
    )
