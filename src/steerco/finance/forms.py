"""Forms of the finance pages; they parse input, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms

from steerco.accounts.models import User
from steerco.core.errors import ValidationFailed
from steerco.finance.access import IMPORT_KINDS, can_import
from steerco.finance.estimates import METHOD_LABELS
from steerco.finance.services import FORECAST_METHODS

KIND_LABELS = {
    "people": "People",
    "capacity": "Capacity (hours by person or role and month)",
    "actuals": "Actual costs (cost lines)",
    "timesheets": "Timesheets",
}


def show_errors(form: forms.Form, failure: ValidationFailed) -> None:
    """Put a service's messages beside the fields they concern (the rest above the form)."""
    for field, messages in failure.errors.items():
        form.add_error(field if field in form.fields else None, messages)


class ForecastForm(forms.Form):
    method = forms.ChoiceField(
        choices=[(method, METHOD_LABELS[method]) for method in FORECAST_METHODS],
        initial="cpi",
    )
    estimate_to_complete = forms.DecimalField(
        label="Estimate to complete (manual only)",
        required=False,
        min_value=0,
        decimal_places=2,
        help_text="In the organisation's currency",
    )
    note = forms.CharField(required=False, max_length=300)
    as_of = forms.DateField(required=False, widget=forms.HiddenInput)


class ExchangeRateForm(forms.Form):
    currency = forms.CharField(max_length=3, min_length=3, help_text="ISO 4217, e.g. USD")
    effective_date = forms.DateField(
        label="From", widget=forms.DateInput(attrs={"type": "date"}), help_text="Usually the 1st"
    )
    rate_to_org_currency = forms.DecimalField(
        label="Rate", max_digits=18, decimal_places=8, help_text="Organisation currency per unit"
    )


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(help_text="CSV (UTF-8) or XLSX; the first row names the columns")

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (kind, KIND_LABELS[kind]) for kind in IMPORT_KINDS if can_import(user, kind)
        ]
