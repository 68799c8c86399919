"""The search read model's SQL builder: filters as bound parameters, each sort's keyset, the
cursor's key checked before any query runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.postgres.catalog_search import (
    facets_query,
    from_micros,
    keyset_query,
    micros,
    relevance_query,
)
from workflows.catalog.model import Condition
from workflows.catalog.search import SearchQuery, Sort, encode_cursor
from workflows.shared.errors import InvalidCursor

AT = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_given_words_and_filters_then_every_value_is_a_parameter_and_ended_listings_are_out() -> None:
    query = SearchQuery(
        text="Trek' OR 1=1 --", category_id="bikes", condition=Condition.NEW, min_price=100, max_price=900,
        seller_id="s-1", sort=Sort.PRICE_ASC, limit=5,
    )  # fmt: skip
    statement, params = keyset_query(query, AT)
    assert "Trek" not in statement and "bikes" not in statement
    assert "s.status = 'active'" in statement
    assert params["text"] == "trek or 1"  # the query's words (unique), as saved searches match them
    assert params | {"at": None} == {
        "at": None, "text": "trek or 1", "category_id": "bikes", "condition": "new", "seller_id": "s-1",
        "min_price": 100, "max_price": 900, "limit": 6,
    }  # fmt: skip
    assert statement.endswith("ORDER BY s.price_minor ASC, s.listing_id ASC LIMIT %(limit)s")


@pytest.mark.parametrize(
    ("sort", "order", "op"),
    [(Sort.PRICE_ASC, "ASC", ">"), (Sort.PRICE_DESC, "DESC", "<"), (Sort.NEWEST, "DESC", "<")],
)
def test_given_a_cursor_then_the_page_starts_past_its_key_in_the_sorts_direction(
    sort: Sort, order: str, op: str
) -> None:
    key = micros(AT) if sort == Sort.NEWEST else 1500
    statement, params = keyset_query(SearchQuery(sort=sort, cursor=encode_cursor(sort, [key, "l-9"])), AT)
    assert f", s.listing_id) {op} (%(k0)s, %(k1)s)" in statement
    assert f"s.listing_id {order} LIMIT" in statement
    assert params["k0"] == (AT if sort == Sort.NEWEST else 1500)
    assert params["k1"] == "l-9"


def test_given_relevance_with_words_then_rank_orders_every_match_and_the_cursor_compares_as_real() -> None:
    after = [0, 0.0607927, micros(AT), "l-3"]
    statement, params = relevance_query(SearchQuery(text="lamp"), AT, sponsored=False, after=after, limit=21)
    assert "ts_rank(s.document, plainto_tsquery('simple', %(text)s))" in statement
    assert "%(k0)s::real" in statement
    assert "NOT coalesce(" in statement
    assert params["k1"] == AT and params["limit"] == 21
    assert "LIMIT 500" not in statement


def test_given_relevance_without_words_then_it_is_the_newest_order_and_sponsored_is_its_own_phase() -> None:
    statement, _ = relevance_query(SearchQuery(category_id="root"), AT, sponsored=True, after=None, limit=3)
    assert "ts_rank" not in statement
    assert "(s.promo_starts_at <= %(at)s AND %(at)s < s.promo_ends_at)" in statement
    assert statement.endswith("ORDER BY s.created_at DESC, s.listing_id DESC LIMIT %(limit)s")


def test_given_facets_then_categories_and_conditions_are_counted_in_one_pass() -> None:
    statement, params = facets_query(SearchQuery(text="bike"), AT)
    assert "GROUP BY GROUPING SETS ((s.category_id), (s.condition))" in statement
    assert params["text"] == "bike"


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(),
        SearchQuery(category_id="bikes"),
        SearchQuery(category_id="bikes", condition=Condition.NEW),
    ],
)
def test_given_a_browse_then_its_facets_are_summed_from_the_kept_counts(query: SearchQuery) -> None:
    statement, params = facets_query(query, AT)
    assert "FROM catalog_search_counts c" in statement and "catalog_search s" not in statement
    assert "bikes" not in statement and params.get("category_id") == query.category_id


@pytest.mark.parametrize(
    "query",
    [
        SearchQuery(text="bike"),
        SearchQuery(seller_id="s-1"),
        SearchQuery(min_price=0),
        SearchQuery(max_price=9),
    ],
)
def test_given_words_a_seller_or_a_price_then_the_facets_count_the_matches(query: SearchQuery) -> None:
    statement, _ = facets_query(query, AT)
    assert "FROM catalog_search s" in statement and "catalog_search_counts" not in statement


def test_given_microseconds_then_they_round_trip() -> None:
    moment = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    assert from_micros(micros(moment)) == moment


@pytest.mark.parametrize("key", [["x", "l-1"], [1], [True, "l-1"], [1, 2]])
def test_given_a_cursor_whose_key_is_not_its_sorts_then_invalid_cursor_before_any_query(
    key: list[object],
) -> None:
    with pytest.raises(InvalidCursor):
        keyset_query(SearchQuery(sort=Sort.PRICE_ASC, cursor=encode_cursor(Sort.PRICE_ASC, key)), AT)


def test_given_a_cursor_of_another_sort_then_invalid_cursor() -> None:
    with pytest.raises(InvalidCursor):
        keyset_query(SearchQuery(sort=Sort.NEWEST, cursor=encode_cursor(Sort.PRICE_ASC, [1, "l-1"])), AT)
