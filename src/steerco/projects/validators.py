"""Date validators shared by every app that stores months or weeks.

A "month" in Steerco is a ``DateField`` holding the first day of that month,
so that it compares, sorts and joins like any date. The rule is checked here
rather than by a database constraint because extracting the day of a date has
no portable SQL form (SQLite would need a Django-registered function inside the
constraint, which breaks every other client of the database file).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError


def validate_first_of_month(value: datetime.date) -> None:
    if value.day != 1:
        raise ValidationError(
            "Use the first day of the month, e.g. %(example)s.",
            code="not_first_of_month",
            params={"example": value.replace(day=1).isoformat()},
        )


def validate_monday(value: datetime.date) -> None:
    if value.weekday() != 0:
        monday = value - datetime.timedelta(days=value.weekday())
        raise ValidationError(
            "Weeks start on a Monday, e.g. %(example)s.",
            code="not_monday",
            params={"example": monday.isoformat()},
        )
