"""Forms of the calendar pages: they turn posted text into the keys the calendar services take.

Validation is the services' job (same messages as the API); a service error keyed
``working_week.3`` lands beside Thursday's hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from steerco.core.errors import ValidationFailed
from steerco.projects.calendar_services import WEEKDAYS, CalendarFields, ExceptionFields
from steerco.projects.models import Calendar, CalendarException

ISO_DATE = {"type": "date"}


def _interval_text(intervals: Sequence[Sequence[str]] | None) -> str:
    return ", ".join(f"{start}-{end}" for start, end in intervals or [])


class _ServiceForm(forms.Form):
    use_required_attribute = False
    # Service keys that are not form fields, and the form field showing them.
    aliases: dict[str, str] = {}

    def add_service_errors(self, error: ValidationFailed) -> None:
        for key, messages in error.errors.items():
            name = self.aliases.get(key, key)
            self.add_error(name if name in self.fields else None, messages)


class CalendarForm(_ServiceForm):
    name = forms.CharField(required=False)
    hours_per_day = forms.CharField(
        required=False, initial="8", help_text="Turns durations in days into working hours"
    )
    timezone = forms.CharField(
        required=False,
        initial="UTC",
        help_text="The clock of the working hours, e.g. Europe/Paris",
        widget=forms.TextInput(attrs={"list": "time-zones", "autocomplete": "off"}),
    )
    base_calendar_id = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Base calendar",
        help_text="Its holidays apply too; weekdays marked 'from base' take its hours",
    )
    is_default = forms.BooleanField(
        required=False,
        label="Default calendar",
        help_text="Followed by projects and people without a calendar of their own",
    )

    def __init__(
        self,
        data: Any = None,
        *,
        base_choices: Sequence[tuple[int, str]],
        calendar: Calendar | None = None,
    ) -> None:
        initial: dict[str, Any] = {}
        if calendar is not None:
            initial = {
                "name": calendar.name,
                "hours_per_day": f"{calendar.hours_per_day.normalize():f}",
                "timezone": calendar.timezone,
                "base_calendar_id": calendar.base_calendar_id,
                "is_default": calendar.is_default,
            }
        week = (calendar.working_week if calendar else None) or {
            str(day): ([["08:00", "12:00"], ["13:00", "17:00"]] if day < 5 else [])
            for day in range(7)
        }
        for day in range(7):
            inherited = calendar is not None and calendar.base_calendar_id and str(day) not in week
            initial[f"day_{day}"] = "" if inherited else _interval_text(week.get(str(day)))
            initial[f"from_base_{day}"] = bool(inherited)
        super().__init__(data, initial=initial)
        self.calendar = calendar
        self.fields["base_calendar_id"].choices = [("", "— none —"), *base_choices]  # type: ignore[attr-defined]
        for day, weekday in enumerate(WEEKDAYS):
            self.fields[f"day_{day}"] = forms.CharField(
                required=False,
                label=weekday,
                widget=forms.TextInput(attrs={"placeholder": "Day off"}),
            )
            self.fields[f"from_base_{day}"] = forms.BooleanField(required=False, label="from base")
        self.aliases = {f"working_week.{day}": f"day_{day}" for day in range(7)}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for day, weekday in enumerate(WEEKDAYS):
            if not data.get(f"from_base_{day}"):
                continue
            if not data.get("base_calendar_id"):
                self.add_error(f"day_{day}", f"{weekday}: 'from base' needs a base calendar.")
            elif (data.get(f"day_{day}") or "").strip():
                self.add_error(
                    f"day_{day}", f"{weekday}: type hours or tick 'from base', not both."
                )
        return data

    def days(self) -> list[dict[str, Any]]:
        """The seven weekday rows for the template: hours field and "from base" box."""
        return [
            {"hours": self[f"day_{day}"], "from_base": self[f"from_base_{day}"]} for day in range(7)
        ]

    def service_fields(self) -> CalendarFields:
        data = self.cleaned_data
        week: dict[str, Any] = {}
        for day in range(7):
            if data.get(f"from_base_{day}"):
                continue
            week[str(day)] = data.get(f"day_{day}") or []
        fields: CalendarFields = {
            "name": data.get("name") or "",
            "hours_per_day": data.get("hours_per_day") or "",
            "timezone": data.get("timezone") or "",
            "base_calendar_id": data.get("base_calendar_id"),
            "working_week": week,
        }
        # The default flag is only ever set here: it is taken away by making another default.
        if data.get("is_default") or self.calendar is None:
            fields["is_default"] = bool(data.get("is_default"))
        return fields


class ExceptionForm(_ServiceForm):
    name = forms.CharField(required=False, widget=forms.TextInput(attrs={"placeholder": "Name"}))
    start_date = forms.DateField(
        required=False, label="From", widget=forms.DateInput(ISO_DATE, "%Y-%m-%d")
    )
    finish_date = forms.DateField(
        required=False,
        label="To",
        help_text="Empty: one day",
        widget=forms.DateInput(ISO_DATE, "%Y-%m-%d"),
    )
    working = forms.BooleanField(required=False, label="Working, with other hours")
    intervals = forms.CharField(
        required=False,
        label="Working hours",
        widget=forms.TextInput(attrs={"placeholder": "e.g. 08:00-12:00"}),
    )

    def __init__(
        self, data: Any = None, *, exception: CalendarException | None = None, prefix: str = ""
    ) -> None:
        initial: dict[str, Any] = {}
        if exception is not None:
            initial = {
                "name": exception.name,
                "start_date": exception.start_date,
                "finish_date": exception.finish_date,
                "working": exception.working,
                "intervals": _interval_text(exception.intervals),
            }
        super().__init__(data, initial=initial, prefix=prefix or None)

    def service_fields(self) -> ExceptionFields:
        data = self.cleaned_data
        working = bool(data.get("working"))
        return {
            "name": data.get("name") or "",
            "start_date": data.get("start_date"),
            "finish_date": data.get("finish_date"),
            "working": working,
            "intervals": (data.get("intervals") or "") if working else [],
        }


class HolidayImportForm(forms.Form):
    use_required_attribute = False
    file = forms.FileField(label="Holiday list (CSV: date,name)")
    dry_run = forms.BooleanField(required=False, label="Check only, write nothing")
