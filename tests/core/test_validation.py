"""The shared money rule: how many places an amount needs, and the message when it needs more."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.core.validation import FieldErrors, check_money_places, decimal_places


@pytest.mark.parametrize(
    ("text", "places"),
    [("100", 0), ("1E+3", 0), ("1.50", 1), ("1.500", 1), ("0.000", 0), ("-0.01", 2),
     ("12.345", 3), ("0.0001", 4)],
)  # fmt: skip
def test_decimal_places_ignores_trailing_zeros(text, places):
    assert decimal_places(Decimal(text)) == places


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(min_value=-(10**15), max_value=10**15), padding=st.integers(0, 6))
def test_any_whole_number_of_cents_fits_however_it_is_written(cents, padding):
    amount = Decimal(cents).scaleb(-2).quantize(Decimal(1).scaleb(-2 - padding))
    errors = FieldErrors()
    assert check_money_places(errors, "amount", amount)
    assert errors.errors == {}


def test_a_fraction_of_a_cent_is_named_with_its_field():
    errors = FieldErrors()
    assert not check_money_places(errors, "lines[3].amount", Decimal("0.125"))
    assert errors.errors == {
        "lines[3].amount": ["Use at most 2 decimal places: 0.125 would have to be rounded."]
    }
