"""The suggested RAG: thresholds on plain facts, and facts loaded from a project's data."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine import evm
from steerco.governance.rag_suggestions import (
    ORDER,
    RagFacts,
    rag_facts_for,
    rag_suggestion_for,
    risk_score,
    suggest_rag,
)
from steerco.projects.models import Project
from tests.factories import (
    BaselineFactory,
    BaselineTaskFactory,
    BudgetFactory,
    BudgetLineFactory,
    ChangeRequestFactory,
    CostLineFactory,
    MilestoneFactory,
    RaidItemFactory,
    TaskFactory,
)

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
WEEK = datetime.timedelta(weeks=1)


def test_the_suggestion_from_earned_value_inputs():
    # PMI's worked example: 40,000 earned and 45,000 spent by period 2 of a 100,000 plan.
    curve = evm.PlannedValueCurve.from_cumulative([25_000, 50_000, 75_000, 100_000])
    result = evm.earned_value(evm.EarnedValueInput(curve, 40_000, 45_000, status_period=2))
    suggestion = suggest_rag(RagFacts(spi=result.spi, cpi=result.cpi))
    assert suggestion.schedule.rag == "red"  # SPI 0.80 < 0.85
    assert suggestion.schedule.reasons == ("SPI 0.80",)
    assert suggestion.cost.rag == "amber"  # CPI 0.89
    assert suggestion.scope.rag == "green" and suggestion.risk.rag == "green"
    assert suggestion.overall.rag == "red"
    assert suggestion.as_fields() == {
        "suggested_overall": "red",
        "suggested_schedule": "red",
        "suggested_cost": "amber",
        "suggested_scope": "green",
        "suggested_risk": "green",
    }


@pytest.mark.parametrize(
    ("facts", "dimension", "rag"),
    [
        (RagFacts(spi=0.95), "schedule", "green"),
        (RagFacts(spi=0.9499), "schedule", "amber"),
        (
            RagFacts(spi=1.0, milestone_slip_days=8, slipped_milestone="Go-live"),
            "schedule",
            "amber",
        ),
        (RagFacts(milestone_slip_days=31, slipped_milestone="Go-live"), "schedule", "red"),
        (RagFacts(milestone_slip_days=7), "schedule", "green"),
        (RagFacts(), "schedule", ""),
        (RagFacts(cpi=1.1, spend_ratio=1.06), "cost", "amber"),
        (RagFacts(spend_ratio=1.16), "cost", "red"),
        (RagFacts(open_change_requests=2), "scope", "amber"),
        (RagFacts(open_change_requests=3), "scope", "red"),
        (RagFacts(high_risks=1), "risk", "amber"),
        (RagFacts(high_risks=2), "risk", "red"),
        (RagFacts(high_risks=1, severe_risks=1), "risk", "red"),
        (RagFacts(serious_issues=1), "risk", "amber"),
        (RagFacts(escalated_items=1), "risk", "amber"),
    ],
)
def test_thresholds(facts, dimension, rag):
    assert getattr(suggest_rag(facts), dimension).rag == rag


def test_risk_score_is_the_five_by_five_matrix():
    assert risk_score(Decimal("0.2"), 5) == 5
    assert risk_score(Decimal("0.21"), 4) == 8
    assert risk_score(Decimal("0.6"), 4) == 12
    assert risk_score(Decimal("1"), 5) == 25
    assert risk_score(Decimal("0"), 3) == 3
    assert risk_score(None, 3) is None


indices = st.one_of(st.none(), st.floats(min_value=0, max_value=2, allow_nan=False))
facts_strategy = st.builds(
    RagFacts,
    spi=indices,
    cpi=indices,
    milestone_slip_days=st.one_of(st.none(), st.integers(-60, 120)),
    spend_ratio=st.one_of(st.none(), st.floats(min_value=0, max_value=3, allow_nan=False)),
    open_change_requests=st.integers(0, 6),
    high_risks=st.integers(0, 4),
    severe_risks=st.integers(0, 2),
    escalated_items=st.integers(0, 2),
    serious_issues=st.integers(0, 2),
)


@settings(max_examples=150, deadline=None)
@given(facts=facts_strategy, drop=st.floats(min_value=0, max_value=1, allow_nan=False))
def test_worse_performance_never_looks_better(facts, drop):
    before = suggest_rag(facts)
    worse = RagFacts(
        spi=None if facts.spi is None else facts.spi - drop,
        cpi=None if facts.cpi is None else facts.cpi - drop,
        milestone_slip_days=facts.milestone_slip_days,
        spend_ratio=None if facts.spend_ratio is None else facts.spend_ratio + drop,
        open_change_requests=facts.open_change_requests + 1,
        high_risks=facts.high_risks + 1,
        severe_risks=facts.severe_risks,
        escalated_items=facts.escalated_items,
        serious_issues=facts.serious_issues,
    )
    after = suggest_rag(worse)
    for name in ("schedule", "cost", "scope", "risk", "overall"):
        assert ORDER[getattr(after, name).rag] >= ORDER[getattr(before, name).rag]
    # Overall is the worst of the dimensions.
    assert ORDER[before.overall.rag] == max(
        ORDER[part.rag] for part in (before.schedule, before.cost, before.scope, before.risk)
    )


@pytest.mark.django_db
def test_facts_come_from_the_baseline_progress_milestones_budget_and_raid(make_project, method):
    project: Project = make_project(stage=Project.Stage.IN_EXECUTION)
    project.schedule_status_date = START + 2 * WEEK
    project.save()
    baseline = BaselineFactory(project=project, number=0)
    first = TaskFactory(
        project=project, uid=1, percent_complete=Decimal(90), actual_cost=Decimal(1000)
    )
    second = TaskFactory(project=project, uid=2)
    BaselineTaskFactory(
        baseline=baseline, task=first, start=START, finish=START + 2 * WEEK, cost=Decimal(1000)
    )
    BaselineTaskFactory(
        baseline=baseline,
        task=second,
        start=START + 2 * WEEK,
        finish=START + 4 * WEEK,
        cost=Decimal(1000),
    )
    MilestoneFactory(
        project=project,
        name="Go-live",
        is_key=True,
        due_date=datetime.date(2026, 6, 1),
        baseline_date=datetime.date(2026, 6, 1),
        forecast_date=datetime.date(2026, 6, 20),
    )
    budget = BudgetFactory(project=project, status="approved")
    BudgetLineFactory(budget=budget, month=datetime.date(2026, 3, 1), amount=Decimal("10000"))
    BudgetLineFactory(budget=budget, month=datetime.date(2026, 9, 1), amount=Decimal("50000"))
    CostLineFactory(
        project=project,
        month=datetime.date(2026, 3, 1),
        amount=Decimal("11000"),
        amount_org_currency=Decimal("11000"),
    )
    ChangeRequestFactory(project=project, status="submitted")
    RaidItemFactory(project=project, probability=Decimal("0.6"), impact=4)
    RaidItemFactory(project=project, probability=Decimal("0.9"), impact=4, status="closed")

    facts = rag_facts_for(project, datetime.date(2026, 3, 31))
    assert facts.spi == pytest.approx(0.9) and facts.cpi == pytest.approx(0.9)
    assert facts.earned_value_unit == "money"
    assert facts.milestone_slip_days == 19 and facts.slipped_milestone == "Go-live"
    assert facts.spend_ratio == pytest.approx(1.1)
    assert facts.open_change_requests == 1
    assert (facts.open_risks, facts.high_risks) == (1, 1)

    suggestion = rag_suggestion_for(project, datetime.date(2026, 3, 31))
    assert suggestion.schedule.rag == "amber"
    assert "Go-live 19 days behind its baseline" in suggestion.schedule.reasons
    assert suggestion.cost.rag == "amber"
    assert suggestion.scope.rag == "amber" and suggestion.risk.rag == "amber"


@pytest.mark.django_db
def test_a_project_without_data_gets_no_schedule_or_cost_suggestion(make_project, method):
    project = make_project(stage=Project.Stage.IN_EXECUTION)
    suggestion = rag_suggestion_for(project, datetime.date(2026, 3, 31))
    assert (suggestion.schedule.rag, suggestion.cost.rag) == ("", "")
    assert suggestion.overall.rag == "green"
    assert "no baseline: capture one to get SPI and CPI" in suggestion.facts.notes
