"""Forms that parse what a page posts; the services decide whether it is valid.

Every field is optional here so that the services report missing values with
the same messages as the API, beside each field. A form's job ends at turning
text into typed values and giving back the keys a service expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms

from steerco.core.errors import ValidationFailed
from steerco.projects import services
from steerco.projects.models import BusinessCase, CashFlowLine, Project, Rag
from steerco.projects.selectors import (
    SORTS,
    Choice,
    ProjectFilterOptions,
    ProjectFilters,
    ProjectOptions,
)

BLANK = ("", "—")
ISO_DATE = {"type": "date"}


def _choices(options: Sequence[Choice], blank: str = "—") -> list[tuple[Any, str]]:
    return [("", blank), *((option.id, option.label) for option in options)]


def _reference(label: str, options: Sequence[Choice], help_text: str = "") -> forms.Field:
    return forms.TypedChoiceField(
        label=label,
        choices=_choices(options),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=help_text,
    )


class ServiceForm(forms.Form):
    """A form whose validation happens in a service."""

    use_required_attribute = False

    def add_service_errors(self, error: ValidationFailed) -> None:
        for field, messages in error.errors.items():
            self.add_error(field if field in self.fields else None, messages)


class ProjectForm(ServiceForm):
    code = forms.CharField(required=False, help_text="e.g. FIN-042; unique in the organisation")
    name = forms.CharField(required=False)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    stage = forms.ChoiceField(
        required=False,
        choices=[(s.value, s.label) for s in (Project.Stage.IDEA, Project.Stage.PROPOSAL)],
        help_text="Later stages are reached through gate reviews.",
    )
    priority = forms.TypedChoiceField(
        choices=[
            (n, f"{n}{' (highest)' if n == 1 else ' (lowest)' if n == 5 else ''}")
            for n in range(1, 6)
        ],
        coerce=int,
        required=False,
        initial=3,
    )
    health = forms.ChoiceField(choices=Rag.choices, required=False, initial=Rag.GREEN)
    # Browsers' date inputs only take ISO dates, whatever the language of the page.
    start_date = forms.DateField(required=False, widget=forms.DateInput(ISO_DATE, "%Y-%m-%d"))
    finish_date = forms.DateField(required=False, widget=forms.DateInput(ISO_DATE, "%Y-%m-%d"))
    currency = forms.CharField(required=False, help_text="Empty: the organisation's currency")
    discount_rate = forms.DecimalField(
        required=False, help_text="Annual, e.g. 0.08; empty: the organisation's rate"
    )
    mission_critical = forms.BooleanField(required=False)
    mandatory = forms.BooleanField(
        required=False, help_text="Regulatory or committed: the optimiser must include it"
    )

    def __init__(
        self, *args: Any, options: ProjectOptions, project: Project | None = None, **kwargs: Any
    ) -> None:
        self.project = project
        if project is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(project, name) for name in services.PROJECT_FIELD_NAMES},
            )
        super().__init__(*args, **kwargs)
        self.fields["portfolio_id"] = _reference("Portfolio", options.portfolios)
        self.fields["program_id"] = _reference("Program", options.programs)
        self.fields["manager_id"] = _reference(
            "Manager", options.people, "Empty: you manage it" if project is None else ""
        )
        self.fields["sponsor_id"] = _reference("Sponsor", options.people)
        self.fields["business_unit_id"] = _reference("Business unit", options.business_units)
        self.fields["category_id"] = _reference("Category", options.categories)
        self.fields["calendar_id"] = _reference("Calendar", options.calendars)
        # Only an idea can be proposed from here; every other stage is a gate's decision.
        if project is not None and project.stage != Project.Stage.IDEA:
            del self.fields["stage"]

    def create_fields(self) -> services.ProjectFields:
        """The values to create a project with; empty references are left to the defaults."""
        values = {
            name: value for name, value in self.cleaned_data.items() if value not in (None, "")
        }
        for text in ("code", "name", "description", "currency"):
            values.setdefault(text, self.cleaned_data.get(text, ""))
        return cast(services.ProjectFields, values)

    def changed_fields(self) -> services.ProjectFields:
        values = {name: self.cleaned_data[name] for name in self.changed_data}
        if "priority" in values and values["priority"] in (None, ""):
            values.pop("priority")
        if "health" in values and not values["health"]:
            values.pop("health")
        return cast(services.ProjectFields, values)


class ProjectFilterForm(forms.Form):
    """The project list's filters, from the query string; bad values are ignored."""

    search = forms.CharField(required=False, label="Search")
    stage = forms.ChoiceField(required=False, choices=[("", "Any stage"), *Project.Stage.choices])
    health = forms.ChoiceField(required=False, choices=[("", "Any health"), *Rag.choices])
    sort = forms.ChoiceField(
        required=False,
        choices=[(s, s) for s in SORTS] + [(f"-{s}", f"-{s}") for s in SORTS],
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, options: ProjectFilterOptions, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["search"].widget.attrs.update(
            {"placeholder": "Code or name", "type": "search", "autocomplete": "off"}
        )
        self.fields["portfolio"] = self._choice(options.portfolios, "Any portfolio")
        self.fields["manager"] = self._choice(options.managers, "Any manager")
        self.fields["category"] = self._choice(options.categories, "Any category")
        self.fields["business_unit"] = self._choice(options.business_units, "Any business unit")

    @staticmethod
    def _choice(options: Sequence[Choice], blank: str) -> forms.Field:
        return forms.TypedChoiceField(
            choices=_choices(options, blank), coerce=int, empty_value=None, required=False
        )

    def filters(self) -> ProjectFilters:
        self.is_valid()
        data = self.cleaned_data
        return ProjectFilters(
            search=data.get("search") or "",
            stage=data.get("stage") or "",
            health=data.get("health") or "",
            portfolio_id=data.get("portfolio"),
            manager_id=data.get("manager"),
            category_id=data.get("category"),
            business_unit_id=data.get("business_unit"),
            sort=data.get("sort") or "code",
        )


class BusinessCaseForm(ServiceForm):
    summary = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    problem = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    options = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Options considered"
    )
    assumptions = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    start_month = forms.DateField(
        required=False,
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        help_text="Calendar month of month 0",
    )
    discount_rate = forms.DecimalField(
        required=False, help_text="Annual, e.g. 0.08; empty: the project's rate"
    )

    def __init__(self, *args: Any, business_case: BusinessCase | None = None, **kwargs: Any):
        if business_case is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(business_case, name) for name in services.BUSINESS_CASE_FIELD_NAMES},
            )
        super().__init__(*args, **kwargs)

    def service_fields(self) -> services.BusinessCaseFields:
        return cast(services.BusinessCaseFields, dict(self.cleaned_data))


class CashFlowLineForm(forms.Form):
    use_required_attribute = False

    month_index = forms.IntegerField(
        required=False, label="Month", widget=forms.NumberInput(attrs={"aria-label": "Month"})
    )
    kind = forms.ChoiceField(
        required=False,
        choices=[BLANK, *CashFlowLine.Kind.choices],
        widget=forms.Select(attrs={"aria-label": "Kind"}),
    )
    category = forms.ChoiceField(
        required=False,
        choices=[BLANK, *CashFlowLine.FlowCategory.choices],
        widget=forms.Select(attrs={"aria-label": "Category"}),
    )
    amount = forms.DecimalField(
        required=False, widget=forms.NumberInput(attrs={"aria-label": "Amount", "step": "0.01"})
    )
    description = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"aria-label": "Description"})
    )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return all(value in (None, "") for value in data.values())

    def line(self) -> services.CashFlowLineInput:
        data = self.cleaned_data
        return {
            "month_index": data.get("month_index"),
            "kind": data.get("kind") or None,
            "category": data.get("category") or None,
            "amount": data.get("amount"),
            "description": data.get("description") or "",
        }


CashFlowLineFormSet = forms.formset_factory(CashFlowLineForm, extra=0)
