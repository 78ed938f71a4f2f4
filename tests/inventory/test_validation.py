"""validate_product on its own: what it keeps, what it refuses."""

from __future__ import annotations

import pytest

from inventory.errors import InvalidProduct
from inventory.validation import validate_product


def test_a_full_product_is_kept_with_whitespace_stripped():
    fields = validate_product({"id": 9, "product_name": " A ", "brand": "B", "category": "c"})
    assert fields == {"id": 9, "product_name": "A", "brand": "B", "category": "c"}


def test_category_is_optional_and_null_means_absent():
    assert validate_product({"product_name": "A", "brand": "B", "category": None}) == {
        "product_name": "A",
        "brand": "B",
    }


def test_partial_makes_every_field_optional():
    assert validate_product({}, partial=True) == {}
    assert validate_product({"brand": "B"}, partial=True) == {"brand": "B"}


def test_the_url_id_may_be_repeated_but_is_not_returned():
    assert validate_product({"id": 3, "brand": "B"}, partial=True, product_id=3) == {"brand": "B"}


def test_every_problem_is_reported_at_once():
    with pytest.raises(InvalidProduct) as caught:
        validate_product({"id": -1, "product_name": 1, "extra": 0})
    assert caught.value.errors == {
        "extra": "unknown field",
        "product_name": "must be a string",
        "brand": "is required",
        "id": "must be between 1 and 2147483647",
    }


@pytest.mark.parametrize("category", ["12", "007", "1/2", "\x00", "tab\tlets"])
def test_categories_that_could_not_be_listed_are_refused(category):
    with pytest.raises(InvalidProduct) as caught:
        validate_product({"product_name": "A", "brand": "B", "category": category})
    assert list(caught.value.errors) == ["category"]


@pytest.mark.parametrize(
    "category", ["mobile", "\uff12\uff10\uff12\uff14", "home & garden", "téléphones"]
)
def test_categories_people_use_are_accepted(category):
    fields = validate_product({"product_name": "A", "brand": "B", "category": category})
    assert fields["category"] == category
