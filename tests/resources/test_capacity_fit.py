"""The "fit" preview: the optimiser (or the greedy fallback) moves starts to relieve over-allocation."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.resources import capacity_engine_io as engine_io
from steerco.resources.capacity_fit import capacity_fit_preview
from steerco.resources.capacity_selectors import HeatmapQuery
from steerco.resources.models import RoleDemand
from tests.factories import CapacityPeriodFactory, PortfolioFactory, ProjectFactory, RoleFactory

MAY, JUNE, JULY = datetime.date(2026, 5, 1), datetime.date(2026, 6, 1), datetime.date(2026, 7, 1)


@pytest.fixture
def crowded(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", name="Data engineer")
    for month in (MAY, JUNE, JULY):
        CapacityPeriodFactory(role=de, person=None, month=month, hours=Decimal("160"))
    portfolio = PortfolioFactory(organisation=o, code="P1")
    running = ProjectFactory(portfolio=portfolio, code="RUN", stage="in_execution")
    urgent = ProjectFactory(portfolio=portfolio, code="URGENT", stage="approved", priority=1)
    later = ProjectFactory(portfolio=portfolio, code="LATER", stage="approved", priority=4)
    for project, month, hours in (
        (running, MAY, "100"),
        (running, JUNE, "100"),
        (urgent, MAY, "50"),
        (later, MAY, "60"),
        (later, JUNE, "60"),
    ):
        RoleDemand.objects.create(project=project, role=de, month=month, hours=Decimal(hours))
    return {"portfolio": portfolio, "de": de}


@pytest.mark.django_db
def test_fit_moves_the_less_important_project_and_clears_the_hot_spots(org, crowded):
    preview = capacity_fit_preview(
        user=org.user("resource_manager"),
        query=HeatmapQuery(MAY, 3, portfolio_id=crowded["portfolio"].pk),
        max_shift=3,
        time_limit=5,
    )
    assert preview.method == "optimiser", preview.note
    assert preview.movable == 2
    # LATER (60 h in May and June) cannot share May with RUN and URGENT: it moves a month.
    assert [(m.code, m.shift, m.from_month, m.to_month) for m in preview.moves] == [
        ("LATER", 1, "2026-05", "2026-06")
    ]
    assert preview.left_out == []
    assert preview.excess_before == pytest.approx(50.0)
    assert preview.excess_after == pytest.approx(0.0)
    assert RoleDemand.objects.get(project__code="LATER", month=MAY)  # nothing saved


def test_greedy_fallback_shifts_in_priority_order_and_reports_what_does_not_fit():
    problem = engine_io.FitProblem(
        months=3,
        free={1: [100.0, 100.0, 0.0]},
        projects=[
            engine_io.FitProject(10, 0, {1: [80.0]}, priority=4),
            engine_io.FitProject(11, 0, {1: [90.0]}, priority=1),
            engine_io.FitProject(12, 0, {1: [50.0, 50.0]}, priority=5),
        ],
        max_shift=2,
    )
    answer = engine_io.fit_greedy(problem)
    assert answer.shifts == {10: 1}
    assert answer.left_out == (12,)
    assert answer.method == "greedy"


def test_fit_falls_back_to_greedy_when_the_optimiser_is_unavailable(monkeypatch):
    def unavailable(problem, *, time_limit):
        raise ImportError("no optimiser")

    monkeypatch.setattr(engine_io, "fit_with_optimiser", unavailable)
    problem = engine_io.FitProblem(
        months=2, free={1: [10.0, 10.0]}, projects=[engine_io.FitProject(1, 0, {1: [5.0]})]
    )
    answer = engine_io.fit(problem)
    assert answer.method == "greedy"
    assert "not available" in answer.note
