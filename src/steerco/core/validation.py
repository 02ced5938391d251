"""Field-by-field validation shared by the services of every app.

A service collects every problem into :class:`FieldErrors` before it writes
anything, so one response names all of them; partial updates use ``UNSET`` for
"leave this field as it is".
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any, Final, Protocol

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction

from steerco.core.errors import ValidationFailed
from steerco.core.money import CENT, MoneyField


class Unset(enum.Enum):
    """The type of ``UNSET``: "leave this field as it is" in a partial update."""

    UNSET = "unset"


UNSET: Final = Unset.UNSET


class ErrorSink(Protocol):
    """Anything that collects messages per field (each app's ``Errors`` does)."""

    def add(self, field: str, message: str) -> None: ...


# Money is kept in cents: a finer amount would be rounded when stored, and a
# ledger that silently changes what was typed cannot be reconciled.
MONEY_PLACES: Final = 2


def decimal_places(value: Decimal) -> int:
    """The places ``value`` really needs: 1.50 and 1.500 need 1, 100 needs none."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or exponent >= 0 or not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing_zeros)


def too_many_places_message(value: Decimal, places: int = MONEY_PLACES) -> str:
    return f"Use at most {places} decimal places: {value.normalize():f} would have to be rounded."


def check_money_places(
    errors: ErrorSink, field: str, value: Decimal, *, places: int = MONEY_PLACES
) -> bool:
    """Refuse an amount finer than the cents it is stored in; ``True`` when it fits.

    Every service that takes money calls this before it rounds, so that the page, the
    API and the imports all answer the same message instead of storing a changed amount.
    """
    if decimal_places(value) <= places:
        return True
    errors.add(field, too_many_places_message(value, places))
    return False


def check_decimal_in_range(
    errors: ErrorSink,
    field: str,
    value: object,
    *,
    low: Decimal,
    high: Decimal,
    places: int,
    message: str,
) -> None:
    """Check a number against its column: a finite number, in range (else ``message``),
    then no finer than the places the column keeps. Whole numbers count as decimals."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = Decimal(value)
    if not isinstance(value, Decimal) or not value.is_finite():
        errors.add(field, "Enter a number.")
    elif not low <= value <= high:
        errors.add(field, message)
    else:
        check_money_places(errors, field, value, places=places)


class FieldErrors:
    """Collects messages per field so that one response names every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def clean(self, model: type[models.Model], field: str, value: Any) -> Any:
        """``value`` checked by the model field's own rules (length, format, blank, null)."""
        if isinstance(value, str):
            value = value.strip()
        model_field = model._meta.get_field(field)
        assert isinstance(model_field, models.Field)
        if isinstance(model_field, MoneyField) and value not in (None, ""):
            try:
                number = model_field.to_python(value)
            except DjangoValidationError:
                number = None  # the field's own check below says why
            if isinstance(number, Decimal) and number.is_finite():
                if not check_money_places(self, field, number):
                    return value
                if -number.as_tuple().exponent > MONEY_PLACES:  # type: ignore[operator]
                    # 12.500 is 12.50: give it the column's places before the column checks them.
                    value = number.quantize(CENT)
        try:
            value = model_field.clean(value, None)
        except DjangoValidationError as error:
            for message in error.messages:
                self.add(field, message)
            return value
        if isinstance(model_field, models.DecimalField) and value is not None:
            # Stored with the field's places; keep the instance and the audit row the same.
            value = value.quantize(Decimal(1).scaleb(-model_field.decimal_places))
        return value

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def given(values: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not UNSET}


@contextmanager
def unique_guard(field: str, message: str) -> Iterator[None]:
    # The friendly duplicate checks run first; this catches the race where two
    # requests take the same value at once, without breaking the outer transaction.
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        if field not in str(error).lower():
            raise
        raise ValidationFailed({field: [message]}) from error


# Roles


# Ids arrive as text in forms and query strings. ``str.isdigit`` also accepts "²" (which
# ``int`` refuses) and any length (which the database refuses): both would answer 500.
MAX_ID_DIGITS = 18


def is_whole_number(text: str) -> bool:
    """Whether ``text`` is a plain decimal id that ``int`` and every database accept."""
    return 0 < len(text) <= MAX_ID_DIGITS and text.isascii() and text.isdigit()
