"""The shared text types (``workflows.shared.fields``) in the request models that use them.

A control character or a lone surrogate in a person's text is refused at validation, with a
message naming it; a one-line field also refuses line breaks; free text keeps them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import ValidationError

from workflows.accounts.commands import AddressInput, ProfileUpdate
from workflows.catalog.commands import CreateListing, UpdateListing
from workflows.shared.fields import TEXT_PATTERN, text_problem

LISTING: dict[str, Any] = {
    "title": "Cast iron casserole",
    "description": "",
    "category_id": "kitchen",
    "condition": "used_good",
    "price": {"amount": 4500, "currency": "USD"},
    "shipping_options": [
        {"service": "UPS", "price": {"amount": 500, "currency": "USD"}, "estimated_days": 3}
    ],
}


def problems(error: ValidationError) -> dict[str, str]:
    return {".".join(str(p) for p in item["loc"]): item["msg"] for item in error.errors()}


@pytest.mark.parametrize("bad", ["Ann\u0000", "\u001b[2JAnn", "Ann\u007f", "Ann\u009b"])
def test_given_a_control_character_in_a_name_then_refused(bad: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ProfileUpdate.model_validate({"name": bad})
    assert list(problems(raised.value)) == ["name"]


@pytest.mark.parametrize("field", ["name", "line1", "line2", "city", "region", "postal_code"])
def test_given_a_line_break_in_an_address_line_then_refused(field: str) -> None:
    address = {"name": "Ann", "line1": "1 Main St", "city": "Boston", "postal_code": "02139", "country": "US"}
    with pytest.raises(ValidationError) as raised:
        AddressInput.model_validate({**address, field: "1 Main St\nApt 2"})
    assert "must be one line" in problems(raised.value)[field]


def test_given_a_listing_then_the_title_is_one_line_and_the_description_free_text() -> None:
    # Given a description of several lines and a tab: kept as written
    listing = CreateListing.model_validate({**LISTING, "description": "Lid included.\n\tNo chips.\r\n"})
    assert listing.description == "Lid included.\n\tNo chips."  # stripped at the ends, as before
    # a title across lines, or a description with a terminal escape, is refused
    for field, value in (("title", "Cast iron\ncasserole"), ("description", "Red \u001b[31mcasserole")):
        with pytest.raises(ValidationError) as raised:
            CreateListing.model_validate({**LISTING, field: value})
        assert list(problems(raised.value)) == [field]
    with pytest.raises(ValidationError) as raised:
        UpdateListing.model_validate({"title": "Casserole\u0000"})
    assert "U+0000" in problems(raised.value)["title"]


def test_given_an_item_specific_with_a_nul_then_refused() -> None:
    body = {**LISTING, "item_specifics": [{"name": "Brand", "value": "Le Creuset\u0000"}]}
    with pytest.raises(ValidationError) as raised:
        CreateListing.model_validate(body)
    assert list(problems(raised.value)) == ["item_specifics.0.value"]


def test_the_documented_pattern_says_what_the_validator_does() -> None:
    pattern = re.compile(TEXT_PATTERN)
    for char in map(chr, range(0xA0)):
        assert (pattern.match(f"a{char}b") is not None) == (text_problem(f"a{char}b") is None), repr(char)
