"""Page forms for roles and people.

The forms only turn posted text into typed values and draw the fields; the
rules (ranges, unique codes and emails, same organisation) live in the
services, whose ``ValidationFailed`` messages are put back beside the fields by
``show_errors``. Field names are the services' keyword names, so the messages
land on the right field.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from steerco.accounts.models import User
from steerco.core.errors import ValidationFailed
from steerco.resources.selectors import (
    PERSON_SORTS,
    business_unit_choices,
    calendar_choices,
    member_choices,
    role_choices,
    role_sorts_for,
)

NO_CHOICE = ("", "—")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def show_errors(form: forms.Form, failure: ValidationFailed) -> None:
    """Put a service's messages beside the fields they concern (the rest above the form)."""
    for field, messages in failure.errors.items():
        form.add_error(field if field in form.fields else None, messages)


def _optional_choice(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, empty_value=None, required=False)


class RoleForm(forms.Form):
    code = forms.CharField(help_text="Short and unique, e.g. DATA-ENG")
    name = forms.CharField()
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    default_cost_rate = forms.DecimalField(
        label="Default cost rate per hour", initial=Decimal("0"), min_value=None
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)


class PersonForm(forms.Form):
    name = forms.CharField()
    email = forms.CharField(required=False)
    role_id = forms.TypedChoiceField(label="Role", coerce=int)
    business_unit_id = _optional_choice("Business unit")
    fte = forms.DecimalField(label="FTE", initial=Decimal("1"), help_text="0 to 1.5")
    start_date = forms.DateField(widget=DATE_INPUT, required=False)
    end_date = forms.DateField(widget=DATE_INPUT, required=False)
    calendar_id = _optional_choice("Working calendar")
    manager_id = _optional_choice("Line manager")
    user_id = _optional_choice("Login")
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args: Any, user: User, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = {
            # An inactive role stays selectable when editing someone who still has it.
            "role_id": [NO_CHOICE, *role_choices(user=user, include_inactive=editing)],
            "business_unit_id": [NO_CHOICE, *business_unit_choices(user=user)],
            "calendar_id": [NO_CHOICE, *calendar_choices(user=user)],
            "manager_id": [
                NO_CHOICE,
                *member_choices(user=user, keep=self.initial.get("manager_id")),
            ],
            "user_id": [NO_CHOICE, *member_choices(user=user, keep=self.initial.get("user_id"))],
        }
        for name, field_choices in choices.items():
            self.fields[name].choices = field_choices  # type: ignore[attr-defined]
        if not editing:
            # New people start active; deactivation is its own action.
            del self.fields["is_active"]


class RoleFilterForm(forms.Form):
    """The roles page's search, filter and sort; anything invalid falls back to the default."""

    STATUS = {"active": True, "inactive": False, "all": None}

    search = forms.CharField(required=False)
    status = forms.ChoiceField(
        choices=[("active", "Active"), ("inactive", "Inactive"), ("all", "All")], required=False
    )
    sort = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sort"].choices = [  # type: ignore[attr-defined]
            (key, key) for name in role_sorts_for(user) for key in (name, f"-{name}")
        ]

    def selector_arguments(self) -> dict[str, Any]:
        self.is_valid()  # an invalid value is left out of cleaned_data: its default applies
        data = self.cleaned_data
        return {
            "search": data.get("search") or "",
            "is_active": self.STATUS[data.get("status") or "active"],
            "sort": data.get("sort") or "name",
        }


class PersonFilterForm(forms.Form):
    """The people page's search, filters and sort; anything invalid falls back to the default."""

    STATUS = {"active": True, "inactive": False, "all": None}

    search = forms.CharField(required=False)
    role = _optional_choice("Role")
    business_unit = _optional_choice("Business unit")
    status = forms.ChoiceField(
        choices=[("active", "Active"), ("inactive", "Inactive"), ("all", "All")], required=False
    )
    sort = forms.ChoiceField(
        choices=[(key, key) for name in PERSON_SORTS for key in (name, f"-{name}")],
        required=False,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "Any role"), *role_choices(user=user)]  # type: ignore[attr-defined]
        self.fields["business_unit"].choices = [  # type: ignore[attr-defined]
            ("", "Any business unit"),
            *business_unit_choices(user=user),
        ]

    def selector_arguments(self) -> dict[str, Any]:
        self.is_valid()  # an invalid value is left out of cleaned_data: its default applies
        data = self.cleaned_data
        return {
            "search": data.get("search") or "",
            "role_id": data.get("role"),
            "business_unit_id": data.get("business_unit"),
            "is_active": self.STATUS[data.get("status") or "active"],
            "sort": data.get("sort") or "name",
        }
