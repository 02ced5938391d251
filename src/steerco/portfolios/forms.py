"""Page forms for portfolios and programs.

The forms only turn posted text into typed values and draw the fields; the
rules (lengths, unique codes, same organisation) live in the services, whose
``ValidationFailed`` messages are put back beside the fields by ``show_errors``.
Field names are the services' keyword names, so the messages land on the right field.
"""

from __future__ import annotations

from typing import Any

from django import forms

from steerco.accounts.models import User
from steerco.core.errors import ValidationFailed
from steerco.portfolios.selectors import PORTFOLIO_SORTS, member_choices, portfolio_choices

NO_CHOICE = ("", "—")


def show_errors(form: forms.Form, failure: ValidationFailed) -> None:
    """Put a service's messages beside the fields they concern (the rest above the form)."""
    for field, messages in failure.errors.items():
        form.add_error(field if field in form.fields else None, messages)


class PortfolioForm(forms.Form):
    code = forms.CharField(help_text="Short and unique, e.g. DIGITAL")
    name = forms.CharField()
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner_id = forms.TypedChoiceField(label="Owner", coerce=int, empty_value=None, required=False)
    is_active = forms.BooleanField(label="Active", required=False, initial=True)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owners = member_choices(user=user, keep=self.initial.get("owner_id"))
        self.fields["owner_id"].choices = [NO_CHOICE, *owners]  # type: ignore[attr-defined]


class ProgramForm(forms.Form):
    portfolio_id = forms.TypedChoiceField(label="Portfolio", coerce=int)
    code = forms.CharField(help_text="Short and unique, e.g. CLOUD-MIGRATION")
    name = forms.CharField()
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    manager_id = forms.TypedChoiceField(
        label="Program manager", coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["portfolio_id"].choices = [NO_CHOICE, *portfolio_choices(user=user)]  # type: ignore[attr-defined]
        managers = member_choices(user=user, keep=self.initial.get("manager_id"))
        self.fields["manager_id"].choices = [NO_CHOICE, *managers]  # type: ignore[attr-defined]


class PortfolioFilterForm(forms.Form):
    """The list page's search, filter and sort; anything invalid falls back to the default."""

    STATUS = {"active": True, "inactive": False, "all": None}

    search = forms.CharField(required=False)
    status = forms.ChoiceField(
        choices=[("active", "Active"), ("inactive", "Inactive"), ("all", "All")], required=False
    )
    sort = forms.ChoiceField(
        choices=[(key, key) for name in PORTFOLIO_SORTS for key in (name, f"-{name}")],
        required=False,
    )

    def selector_arguments(self) -> dict[str, Any]:
        self.is_valid()  # an invalid value is left out of cleaned_data: its default applies
        data = self.cleaned_data
        return {
            "search": data.get("search") or "",
            "is_active": self.STATUS[data.get("status") or "active"],
            "sort": data.get("sort") or "name",
        }
