"""Money: ``Decimal`` in the database, explicit rounding, floats only in the engine."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db import models

CENT = Decimal("0.01")


def quantize_money(value: Decimal | float | int | str) -> Decimal:
    """Round to cents with banker's rounding, the convention of accounting ledgers."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_EVEN)


class MoneyField(models.DecimalField):
    """An amount in the organisation's currency (or the row's own currency where it has one)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 16)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(*args, **kwargs)
