"""Forms that parse what the governance pages post; the services decide what is valid.

Fields are optional so that a missing value is reported by the service, with the same
message as the API, beside the field. ``service_fields()`` gives the keys a service takes.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Sequence
from typing import Any

from django import forms

from steerco.accounts.models import Role
from steerco.core.errors import ValidationFailed
from steerco.governance import criteria
from steerco.governance.models import (
    GateChecklistItem,
    LessonLearned,
    MethodologyTemplate,
    QaFinding,
    QaReview,
    RaidItem,
)
from steerco.projects.models import Project, Rag

DATE = forms.DateInput({"type": "date"}, "%Y-%m-%d")
Options = Sequence[tuple[Any, str]]


def _choices(options: Options, blank: str = "—") -> list[tuple[Any, str]]:
    return [("", blank), *options]


def _reference(label: str, options: Options, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=_choices(options),
        coerce=int,
        empty_value=None,
        required=False,
        help_text=help_text,
    )


def _text(label: str = "", rows: int = 0, help_text: str = "") -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else None
    return forms.CharField(label=label or None, required=False, widget=widget, help_text=help_text)


class ServiceForm(forms.Form):
    """A form whose validation happens in a service."""

    use_required_attribute = False
    # Fields left out of service_fields() when empty, so that the service keeps its default.
    keep_when_empty: frozenset[str] = frozenset({"order"})

    def add_service_errors(self, error: ValidationFailed) -> None:
        for name, messages in error.errors.items():
            field = name.split(".")[0].split("[")[0]
            self.add_error(field if field in self.fields else None, messages)

    def service_fields(self) -> dict[str, Any]:
        fields = {}
        for name, value in self.cleaned_data.items():
            if value is None and name in self.keep_when_empty:
                continue
            fields[name] = value
        return fields


# Methodology templates


class MethodologyForm(ServiceForm):
    code = forms.CharField(required=False, help_text="e.g. NDF; unique in the organisation")
    name = forms.CharField(required=False)
    description = _text(rows=3)
    status_report_cadence = forms.ChoiceField(
        label="Status reports",
        choices=MethodologyTemplate.Cadence.choices,
        required=False,
        initial=MethodologyTemplate.Cadence.MONTHLY,
    )
    is_default = forms.BooleanField(
        label="Default for new projects", required=False, help_text="Projects without one use it"
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)


class StageForm(ServiceForm):
    code = forms.CharField(required=False)
    name = forms.CharField(required=False)
    order = forms.IntegerField(required=False, help_text="Empty: after the last stage")
    project_stage = forms.ChoiceField(
        label="Project stage",
        choices=_choices(Project.Stage.choices),
        required=False,
        help_text="Where a project in this lifecycle stage stands on the portfolio's scale",
    )
    guidance = _text("Short guidance (Markdown)", rows=3)


class GateForm(ServiceForm):
    code = forms.CharField(required=False)
    name = forms.CharField(required=False)
    description = _text(rows=2)
    from_stage_id = forms.TypedChoiceField(
        label="From stage", coerce=int, empty_value=None, required=False
    )
    to_stage_id = forms.TypedChoiceField(
        label="To stage", coerce=int, empty_value=None, required=False
    )
    order = forms.IntegerField(required=False, help_text="Empty: after the last gate")
    approver_ids = forms.TypedMultipleChoiceField(
        label="Named approvers", coerce=int, required=False, widget=forms.SelectMultiple
    )
    approver_roles = forms.MultipleChoiceField(
        label="Approver roles",
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Anyone holding one of these roles may decide; with neither, the PMO decides.",
    )

    def __init__(self, *args: Any, stages: Options, people: Options, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from_stage_id"].choices = _choices(stages)  # type: ignore[attr-defined]
        self.fields["to_stage_id"].choices = _choices(stages)  # type: ignore[attr-defined]
        self.fields["approver_ids"].choices = list(people)  # type: ignore[attr-defined]


class ChecklistItemForm(ServiceForm):
    text = forms.CharField(required=False)
    help_text = _text("Help for the project team", rows=2)
    kind = forms.ChoiceField(choices=GateChecklistItem.Kind.choices, required=False)
    automatic_rule = forms.ChoiceField(
        label="Rule (automatic checks)",
        required=False,
        choices=_choices(
            [
                (rule.code, f"{rule.label} ({rule.code})")
                for rule in sorted(criteria.CRITERIA.values(), key=lambda rule: rule.label)
            ]
        ),
    )
    params = forms.CharField(
        label="Parameters (JSON)",
        required=False,
        help_text='e.g. {"days": 30}; a field check takes {"field": "sponsor"}',
    )
    required = forms.BooleanField(required=False, initial=True)
    order = forms.IntegerField(required=False)

    def clean_params(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("params") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(f"Not valid JSON: {error.msg}.") from error
        if not isinstance(value, dict):
            raise forms.ValidationError('Give an object, e.g. {"days": 30}.')
        return value


class ProjectTemplateForm(ServiceForm):
    code = forms.CharField(required=False)
    name = forms.CharField(required=False)
    description = _text(rows=3)


class PhaseForm(ServiceForm):
    name = forms.CharField(required=False)
    order = forms.IntegerField(required=False)
    stage_id = forms.TypedChoiceField(
        label="Lifecycle stage", coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, stages: Options, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage_id"].choices = _choices(stages)  # type: ignore[attr-defined]


class TaskTemplateForm(ServiceForm):
    name = forms.CharField(required=False)
    order = forms.IntegerField(required=False)
    duration_days = forms.DecimalField(label="Duration (working days)", required=False)
    is_milestone = forms.BooleanField(label="Milestone", required=False)
    role_code = forms.CharField(label="Role code", required=False)
    work_hours = forms.DecimalField(label="Work (hours)", required=False)
    predecessor_ids = forms.TypedMultipleChoiceField(
        label="Comes after", coerce=int, required=False, widget=forms.SelectMultiple
    )
    keep_when_empty = frozenset({"order", "duration_days", "work_hours"})

    def __init__(self, *args: Any, tasks: Options, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["predecessor_ids"].choices = list(tasks)  # type: ignore[attr-defined]


class GuidanceForm(ServiceForm):
    title = forms.CharField(required=False)
    slug = forms.CharField(required=False, help_text="Empty: made from the title")
    stage_id = forms.TypedChoiceField(
        label="Shown at stage", coerce=int, empty_value=None, required=False
    )
    order = forms.IntegerField(required=False)
    body = _text("Text (Markdown)", rows=18)

    def __init__(self, *args: Any, stages: Options, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage_id"].choices = _choices(stages)  # type: ignore[attr-defined]

    def service_fields(self) -> dict[str, Any]:
        fields = super().service_fields()
        if not fields.get("slug"):
            fields.pop("slug", None)
        return fields


# Project records


class RaidItemForm(ServiceForm):
    kind = forms.ChoiceField(choices=_choices(RaidItem.Kind.choices), required=False)
    title = forms.CharField(required=False)
    description = _text(rows=3)
    owner_id = forms.TypedChoiceField(label="Owner", coerce=int, empty_value=None, required=False)
    status = forms.ChoiceField(choices=RaidItem.Status.choices, required=False, initial="open")
    probability = forms.DecimalField(required=False, help_text="Risks: 0 to 1, e.g. 0.3 for 30%")
    impact = forms.TypedChoiceField(
        choices=_choices([(n, str(n)) for n in range(1, 6)]),
        coerce=int,
        empty_value=None,
        required=False,
        help_text="1 (minor) to 5 (severe)",
    )
    cost_impact = forms.DecimalField(label="Cost impact", required=False)
    schedule_impact_days = forms.IntegerField(label="Schedule impact (days)", required=False)
    response_strategy = forms.ChoiceField(
        label="Response", choices=_choices(RaidItem.Response.choices), required=False
    )
    response = _text("Response plan / action", rows=2)
    trend = forms.ChoiceField(
        choices=_choices(RaidItem.Trend.choices, "— (set from the score)"), required=False
    )
    due_date = forms.DateField(label="Due", required=False, widget=DATE)
    depends_on_project_id = forms.TypedChoiceField(
        label="Depends on project", coerce=int, empty_value=None, required=False
    )

    def __init__(
        self, *args: Any, people: Options, projects: Options, editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = _choices(people)  # type: ignore[attr-defined]
        self.fields["depends_on_project_id"].choices = _choices(projects)  # type: ignore[attr-defined]
        if editing:
            self.fields["kind"].disabled = True

    def service_fields(self) -> dict[str, Any]:
        fields = super().service_fields()
        if self.fields["kind"].disabled:
            fields.pop("kind", None)
        if not fields.get("trend"):
            fields.pop("trend", None)
        return fields


class ChangeRequestForm(ServiceForm):
    title = forms.CharField(required=False)
    description = _text(rows=3)
    reason = _text("Why it is needed", rows=3)
    cost_impact = forms.DecimalField(
        label="Cost impact", required=False, help_text="Negative when it saves money"
    )
    schedule_impact_days = forms.IntegerField(
        label="Schedule impact (calendar days)", required=False
    )
    scope_impact = _text("Scope impact", rows=3)
    keep_when_empty = frozenset({"cost_impact", "schedule_impact_days"})


class QaReviewForm(ServiceForm):
    title = forms.CharField(required=False, initial="Independent assurance review")
    scheduled_for = forms.DateField(label="Date", required=False, widget=DATE)
    reviewer_id = forms.TypedChoiceField(
        label="Reviewer", coerce=int, empty_value=None, required=False
    )
    status = forms.ChoiceField(choices=QaReview.Status.choices, required=False)
    rating = forms.ChoiceField(choices=_choices(Rag.choices), required=False)
    summary = _text(rows=4)

    def __init__(
        self, *args: Any, people: Options, scheduling: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer_id"].choices = _choices(people)  # type: ignore[attr-defined]
        if scheduling:
            for name in ("status", "rating"):
                del self.fields[name]


class QaFindingForm(ServiceForm):
    severity = forms.ChoiceField(
        choices=QaFinding.Severity.choices, required=False, initial="medium"
    )
    description = _text(rows=2)
    action = _text("Action", rows=2)
    owner_id = forms.TypedChoiceField(label="Owner", coerce=int, empty_value=None, required=False)
    due_date = forms.DateField(label="Due", required=False, widget=DATE)
    status = forms.ChoiceField(choices=QaFinding.Status.choices, required=False)

    def __init__(
        self,
        *args: Any,
        people: Options,
        creating: bool = False,
        limited: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner_id"].choices = _choices(people)  # type: ignore[attr-defined]
        if creating:
            del self.fields["status"]
        if limited:
            for name in ("severity", "description", "owner_id"):
                del self.fields[name]


class StatusReportForm(ServiceForm):
    overall = forms.ChoiceField(choices=Rag.choices, required=False)
    schedule = forms.ChoiceField(choices=Rag.choices, required=False)
    cost = forms.ChoiceField(choices=Rag.choices, required=False)
    scope = forms.ChoiceField(choices=Rag.choices, required=False)
    risk = forms.ChoiceField(choices=Rag.choices, required=False)
    narrative = _text(
        "Narrative", rows=5, help_text="What changed, what is at risk, what you need."
    )
    achievements = _text("Achievements this period", rows=3)
    next_steps = _text("Next steps", rows=3)
    key_milestones = _text(
        "Key milestones",
        rows=4,
        help_text="One per line: name; baseline date; forecast date (dates as 2026-03-31)",
    )

    @staticmethod
    def milestones_text(rows: list[dict[str, Any]]) -> str:
        return "\n".join(
            "; ".join(str(row.get(key) or "") for key in ("name", "due", "forecast"))
            for row in rows
        )

    def clean_key_milestones(self) -> list[dict[str, str]]:
        rows = []
        for number, line in enumerate(
            (self.cleaned_data.get("key_milestones") or "").splitlines(), 1
        ):
            if not line.strip():
                continue
            parts = [part.strip() for part in line.split(";")]
            if len(parts) > 3:
                raise forms.ValidationError(f"Line {number}: name; baseline; forecast.")
            row = {"name": parts[0]}
            for key, text in zip(("due", "forecast"), parts[1:], strict=False):
                if text:
                    try:
                        datetime.date.fromisoformat(text)
                    except ValueError as error:
                        raise forms.ValidationError(
                            f"Line {number}: {text!r} is not a date such as 2026-03-31."
                        ) from error
                    row[key] = text
            rows.append(row)
        return rows


class PirForm(ServiceForm):
    scheduled_for = forms.DateField(label="Date", required=False, widget=DATE)
    reviewer_id = forms.TypedChoiceField(
        label="Reviewer", coerce=int, empty_value=None, required=False
    )
    summary = _text(rows=3)
    went_well = _text("What went well", rows=4)
    went_badly = _text("What went badly", rows=4)
    benefits_planned = forms.DecimalField(
        label="Benefits planned to date",
        required=False,
        help_text="Only when finance holds no benefit values for the project",
    )
    benefits_realised = forms.DecimalField(label="Benefits realised to date", required=False)

    def __init__(
        self, *args: Any, people: Options, scheduling: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer_id"].choices = _choices(people)  # type: ignore[attr-defined]
        if scheduling:
            for name in (
                "summary",
                "went_well",
                "went_badly",
                "benefits_planned",
                "benefits_realised",
            ):
                del self.fields[name]


class LessonForm(ServiceForm):
    title = forms.CharField(required=False)
    description = _text(rows=3)
    impact = forms.ChoiceField(choices=LessonLearned.Impact.choices, required=False)
    recommendation = _text(rows=2)
    tags = forms.CharField(required=False, help_text="Comma-separated, e.g. vendor, data migration")
    category_id = forms.TypedChoiceField(
        label="Category", coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args: Any, categories: Options, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = _choices(categories)  # type: ignore[attr-defined]

    def clean_tags(self) -> list[str]:
        text = self.cleaned_data.get("tags") or ""
        return [tag.strip() for tag in text.split(",") if tag.strip()]


class RaidFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=_choices(RaidItem.Kind.choices, "All kinds"), required=False)
    status = forms.ChoiceField(
        choices=_choices(RaidItem.Status.choices, "Any status"), required=False
    )
    search = forms.CharField(required=False)


class LessonFilterForm(forms.Form):
    search = forms.CharField(required=False)
    impact = forms.ChoiceField(
        choices=_choices(LessonLearned.Impact.choices, "Any impact"), required=False
    )
    category = forms.TypedChoiceField(coerce=int, empty_value=None, required=False)

    def __init__(self, *args: Any, categories: Options, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _choices(categories, "Any category")  # type: ignore[attr-defined]
