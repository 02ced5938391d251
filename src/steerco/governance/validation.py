"""Field checks shared by the governance services.

Services collect every problem of an input before they raise, so that a form shows all of
them at once beside their fields, with the same messages as the API.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db.models import Model

from steerco.core.errors import ValidationFailed
from steerco.core.validation import check_decimal_in_range

REQUIRED = "This field is required."
NOT_FOUND = "Not found."
UNKNOWN_FIELD = "Unknown field."
MONEY_LIMIT = Decimal(10) ** 14  # MoneyField: 16 digits, 2 of them decimals


class Errors:
    """Field errors collected while checking an input."""

    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, []).append(message)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(self.by_field)


def reject_unknown(errors: Errors, given: Iterable[str], known: Iterable[str]) -> None:
    allowed = set(known)
    for name in given:
        if name not in allowed:
            errors.add(name, UNKNOWN_FIELD)


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_text(
    errors: Errors,
    field: str,
    value: object,
    *,
    max_length: int | None = None,
    required: bool = False,
) -> None:
    if value is None:
        errors.add(field, REQUIRED if required else "Use an empty text rather than null.")
        return
    if not isinstance(value, str):
        errors.add(field, "Enter text.")
        return
    if required and not value.strip():
        errors.add(field, REQUIRED)
    elif max_length is not None and len(value) > max_length:
        errors.add(field, f"At most {max_length} characters.")


def check_int(
    errors: Errors, field: str, value: object, *, low: int, high: int, required: bool = True
) -> None:
    if value is None:
        if required:
            errors.add(field, REQUIRED)
        return
    if not is_int(value) or not low <= value <= high:  # type: ignore[operator]
        errors.add(field, f"Enter a whole number from {low} to {high}.")


def check_choice(
    errors: Errors, field: str, value: object, choices: Iterable[str], *, required: bool = True
) -> bool:
    allowed = list(choices)
    if value is None or value == "":
        if required:
            errors.add(field, REQUIRED)
            return False
        return True
    if value not in allowed:
        errors.add(field, "Choose one of: " + ", ".join(allowed) + ".")
        return False
    return True


def check_bool(errors: Errors, field: str, value: object) -> None:
    if not isinstance(value, bool):
        errors.add(field, "Enter true or false.")


def check_date(errors: Errors, field: str, value: object, *, required: bool = False) -> None:
    if value is None:
        if required:
            errors.add(field, REQUIRED)
        return
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        errors.add(field, "Enter a date.")


def check_decimal(
    errors: Errors,
    field: str,
    value: object,
    *,
    low: Decimal,
    high: Decimal,
    places: int,
    message: str,
    required: bool = True,
) -> None:
    if value is None:
        if required:
            errors.add(field, REQUIRED)
        return
    check_decimal_in_range(errors, field, value, low=low, high=high, places=places, message=message)


def check_money(
    errors: Errors, field: str, value: object, *, signed: bool = False, required: bool = True
) -> None:
    low = -MONEY_LIMIT + Decimal("0.01") if signed else Decimal(0)
    check_decimal(
        errors,
        field,
        value,
        low=low,
        high=MONEY_LIMIT - Decimal("0.01"),
        places=2,
        message="Enter an amount below 10^14" + ("." if signed else ", not negative."),
        required=required,
    )


def check_reference(
    errors: Errors,
    field: str,
    value: object,
    model: type[Model],
    *,
    organisation_id: int,
    organisation_path: str = "organisation_id",
    required: bool = False,
) -> None:
    """An id that must name a row of ``model`` in the organisation."""
    if value is None:
        if required:
            errors.add(field, REQUIRED)
        return
    if not is_int(value):
        errors.add(field, "Enter an id.")
        return
    found = model._default_manager.filter(pk=value, **{organisation_path: organisation_id})
    if not found.exists():
        errors.add(field, NOT_FOUND)


def differs(instance: Any, changes: Mapping[str, Any]) -> bool:
    """Whether applying ``changes`` would change anything (no write, no audit row if not)."""
    return any(getattr(instance, name) != value for name, value in changes.items())


def as_decimal(value: Any) -> Any:
    """Integers typed into JSON become decimals before they reach a DecimalField."""
    return Decimal(value) if is_int(value) else value


def check_person(errors: Errors, field: str, value: object, organisation_id: int) -> None:
    """An optional id of an active user of the organisation."""
    from steerco.accounts.models import User

    if value is None:
        return
    if not is_int(value):
        errors.add(field, "Enter an id.")
    elif not User.objects.filter(
        pk=int(value),  # type: ignore[call-overload]
        organisation_id=organisation_id,
        is_active=True,
    ).exists():
        errors.add(field, NOT_FOUND)
