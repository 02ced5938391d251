"""The database itself refuses bad rows: every unique and check constraint is exercised.

Given a valid row from the model's factory, when a row breaks one constraint,
then the database raises ``IntegrityError`` (for a check, naming the constraint).
A meta-test fails when a new constraint is added without a case here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction
from factory.django import DjangoModelFactory

from tests import factories as f

APPS = ["portfolios", "projects", "resources", "finance", "governance", "comms"]

FACTORY_BY_MODEL: dict[type[models.Model], type[DjangoModelFactory]] = {
    obj._meta.model: obj
    for obj in vars(f).values()
    if isinstance(obj, type)
    and issubclass(obj, DjangoModelFactory)
    and getattr(obj._meta, "model", None) is not None
}

Kwargs = dict[str, Any] | Callable[[], dict[str, Any]]
D = Decimal
DAY = datetime.date(2026, 3, 10)
EARLIER = datetime.date(2026, 3, 1)
T0 = datetime.datetime(2026, 3, 10, 9, tzinfo=datetime.UTC)
T_BEFORE = datetime.datetime(2026, 3, 9, 9, tzinfo=datetime.UTC)

# Check constraint name -> the fields that break it.
CHECK_VIOLATIONS: dict[str, Kwargs] = {
    "strategic_objective_weight_positive": {"weight": D("-1")},
    "strategic_objective_period_order": {"period_start": DAY, "period_end": EARLIER},
    "scoring_criterion_weight_positive": {"weight": D("-0.5")},
    "scoring_criterion_range_order": {"min_value": D("5"), "max_value": D("5")},
    "ahp_comparison_distinct_criteria": lambda: _same(
        "criterion_a", "criterion_b", f.ScoringCriterionFactory()
    ),
    "ahp_comparison_value_range": {"value": D("10")},
    "objective_contribution_range": {"contribution": 4},
    "scenario_horizon_range": {"horizon_months": 0},
    "optimiser_run_gap_positive": {"gap": -0.01},
    "portfolio_budget_positive": {"capex": D("-1")},
    "balance_rule_share_range": {"min_share": D("0.6"), "max_share": D("0.5")},
    "calendar_hours_per_day_range": {"hours_per_day": D("0")},
    "calendar_exception_finish_after_start": {"start_date": DAY, "finish_date": EARLIER},
    "project_priority_range": {"priority": 6},
    "project_finish_after_start": {"start_date": DAY, "finish_date": EARLIER},
    "project_discount_rate_range": {"discount_rate": D("1.5")},
    "business_case_version_positive": {"version": 0},
    "business_case_discount_rate_range": {"discount_rate": D("-0.9")},
    "cash_flow_amount_positive": {"amount": D("-10")},
    "cash_flow_month_index_range": {"month_index": 601},
    "cash_flow_category_matches_kind": {"kind": "benefit", "category": "capex"},
    "task_percent_complete_range": {"percent_complete": D("100.01")},
    "task_priority_range": {"priority": 1001},
    "task_constraint_has_date": {"constraint_type": "MSO", "constraint_date": None},
    "task_planned_finish_after_start": {"planned_start": T0, "planned_finish": T_BEFORE},
    "task_actual_finish_after_start": {"actual_start": T0, "actual_finish": T_BEFORE},
    "task_cost_positive": {"cost": D("-1")},
    "task_link_not_to_itself": lambda: _same("predecessor", "successor", f.TaskFactory()),
    "baseline_number_range": {"number": 11},
    "baseline_task_finish_after_start": {"start": T0, "finish": T_BEFORE},
    "role_cost_rate_positive": {"default_cost_rate": D("-1")},
    "person_fte_range": {"fte": D("1.6")},
    "person_end_after_start": {"start_date": DAY, "end_date": EARLIER},
    "person_skill_level_range": {"level": 0},
    "cost_rate_person_or_role": {"person": None, "role": None},
    "cost_rate_positive": {"rate": D("-5")},
    "absence_finish_after_start": {"start_date": DAY, "finish_date": EARLIER},
    "absence_hours_range": {"hours_per_day": D("25")},
    "capacity_period_role_or_person": {"person": None, "role": None},
    "capacity_period_hours_positive": {"hours": D("-1")},
    "role_demand_hours_positive": {"hours": D("-1")},
    "booking_hours_positive": {"hours": D("-1")},
    "assignment_person_or_role": {"person": None, "role": None},
    "assignment_units_range": {"units": D("-1")},
    "resource_request_finish_after_start": {"start_date": DAY, "finish_date": EARLIER},
    "resource_request_asks_for_something": {"role": None, "skill": None, "requested_person": None},
    "resource_request_hours_positive": {"hours": D("0")},
    "timesheet_entry_hours_range": {"hours": D("24.5")},
    "timesheet_entry_project_or_non_project": {"project": None, "non_project_category": ""},
    "timesheet_entry_task_needs_project": lambda: {
        "project": None,
        "non_project_category": "training",
        "task": f.TaskFactory(),
    },
    "hiring_plan_fte_range": {"fte_delta": D("1000.5")},
    "budget_version_positive": {"version": 0},
    "budget_line_amount_positive": {"amount": D("-1")},
    "exchange_rate_positive": {"rate_to_org_currency": D("0")},
    "gate_between_distinct_stages": lambda: _same(
        "from_stage", "to_stage", f.LifecycleStageFactory()
    ),
    "gate_checklist_automatic_has_rule": {"kind": "automatic", "automatic_rule": ""},
    "task_template_duration_positive": {"duration_days": D("-1")},
    "raid_item_probability_range": {"probability": D("1.001")},
    "raid_item_impact_range": {"impact": 6},
    "raid_item_not_dependent_on_itself": lambda: _same(
        "project", "depends_on_project", f.ProjectFactory()
    ),
    "status_report_period_order": {"period_start": DAY, "period_end": EARLIER},
    "pir_benefits_ratio_positive": {"benefits_realisation_ratio": D("-0.1")},
    "subscription_has_target": {"portfolio": None, "content_type": None, "object_id": None},
}

# Unique constraint name -> extra fields both rows share (for conditional constraints, the
# condition); the constrained fields themselves are copied from the first row to the second.
UNIQUE_EXTRAS: dict[str, Kwargs] = {
    "project_score_unique_per_rater": lambda: {"rater": f.UserFactory()},
    "scenario_one_promoted_per_portfolio": {"status": "promoted"},
    "calendar_one_default_per_organisation": {"is_default": True},
    "business_case_one_approved_per_project": {"status": "approved"},
    "cost_rate_person_date_unique": lambda: {"person": f.PersonFactory(), "role": None},
    "capacity_period_role_month_unique": {"person": None},
    "assignment_task_role_unique": lambda: {"person": None, "role": f.RoleFactory()},
    "budget_one_approved_per_project": {"status": "approved"},
    "methodology_template_one_default": {"is_default": True},
    "subscription_object_unique": lambda: {
        "kind": "follow",
        "portfolio": None,
        **_target(f.ProjectFactory.create()),
    },
}


def _same(first: str, second: str, value: Any) -> dict[str, Any]:
    return {first: value, second: value}


def _target(obj: models.Model) -> dict[str, Any]:
    from django.contrib.contenttypes.models import ContentType

    return {"content_type": ContentType.objects.get_for_model(obj), "object_id": obj.pk}


def _resolve(kwargs: Kwargs) -> dict[str, Any]:
    return kwargs() if callable(kwargs) else dict(kwargs)


def _constraints() -> list[tuple[type[models.Model], models.BaseConstraint]]:
    return [
        (model, constraint)
        for label in APPS
        for model in apps.get_app_config(label).get_models()
        for constraint in model._meta.constraints
    ]


ALL = _constraints()
CHECKS = [(m, c) for m, c in ALL if isinstance(c, models.CheckConstraint)]
UNIQUES = [(m, c) for m, c in ALL if isinstance(c, models.UniqueConstraint)]


def test_every_model_has_a_factory() -> None:
    missing = [
        m.__name__
        for label in APPS
        for m in apps.get_app_config(label).get_models()
        if m not in FACTORY_BY_MODEL and not m._meta.auto_created
    ]
    assert missing == []


def test_every_check_constraint_has_a_case() -> None:
    assert sorted(c.name for _, c in CHECKS) == sorted(CHECK_VIOLATIONS)


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "constraint"), CHECKS, ids=[c.name for _, c in CHECKS])
def test_check_constraint_rejects_bad_row(
    model: type[models.Model], constraint: models.CheckConstraint
) -> None:
    factory = FACTORY_BY_MODEL[model]
    factory()  # the defaults themselves are valid
    bad = _resolve(CHECK_VIOLATIONS[constraint.name])
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        factory(**bad)
    assert constraint.name in str(raised.value)


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "constraint"), UNIQUES, ids=[c.name for _, c in UNIQUES])
def test_unique_constraint_rejects_duplicate(
    model: type[models.Model], constraint: models.UniqueConstraint
) -> None:
    factory = FACTORY_BY_MODEL[model]
    extras = _resolve(UNIQUE_EXTRAS.get(constraint.name, {}))
    first = factory(**extras)
    duplicate = {name: getattr(first, name) for name in constraint.fields}
    with pytest.raises(IntegrityError) as raised, transaction.atomic():
        factory(**{**extras, **duplicate})
    assert "unique" in str(raised.value).lower()


@pytest.mark.django_db
def test_conditional_uniques_allow_rows_outside_their_condition() -> None:
    """Only one approved business case per project, but any number of drafts."""
    case = f.BusinessCaseFactory.create(status="approved")
    f.BusinessCaseFactory.create(project=case.project, status="draft")
    f.BusinessCaseFactory.create(project=case.project, status="draft")
    score = f.ProjectScoreFactory.create()
    f.ProjectScoreFactory.create(
        project=score.project, criterion=score.criterion, rater=f.UserFactory.create()
    )
    assert case.project.business_cases.count() == 3
    assert score.project.scores.count() == 2


@pytest.mark.django_db
def test_factories_keep_one_organisation() -> None:
    project = f.ProjectFactory.create()
    assert project.portfolio.organisation == project.organisation
    assert project.manager is not None
    assert project.manager.organisation == project.organisation

    in_portfolio = f.ProjectFactory.create(portfolio=project.portfolio)
    assert in_portfolio.organisation == project.organisation
    assert in_portfolio.manager is not None
    assert in_portfolio.manager.organisation == project.organisation

    review = f.GateReviewItemFactory.create()
    organisation = review.review.project.organisation
    assert review.review.gate.template.organisation == organisation
    assert review.checklist_item.gate == review.review.gate

    entry = f.TimesheetEntryFactory.create()
    assert entry.project is not None
    assert entry.project.organisation == entry.timesheet.person.organisation

    raid = f.RaidItemFactory.create(project=project)
    assert raid.organisation == project.organisation
