"""Earned value and earned schedule: textbook examples and Hypothesis properties."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from steerco.engine.errors import InputError
from steerco.engine.evm import (
    EarnedValueInput,
    EarnedValueResult,
    PlannedValueCurve,
    TaskProgress,
    earned_value,
    earned_value_by_task,
)

QUARTERS = PlannedValueCurve.from_cumulative([25_000, 50_000, 75_000, 100_000])


def test_textbook_cost_and_schedule_indices() -> None:
    # BAC 100,000; at the end of period 2: PV 50,000, EV 40,000, AC 45,000.
    result = earned_value(
        EarnedValueInput(QUARTERS, 40_000, 45_000, status_period=2, estimate_to_complete=70_000)
    )

    assert (result.bac, result.pv, result.ev, result.ac) == (100_000, 50_000, 40_000, 45_000)
    assert result.sv == -10_000
    assert result.cv == -5_000
    assert result.spi == pytest.approx(0.8)
    assert result.cpi == pytest.approx(0.8889, abs=5e-5)
    assert result.percent_complete == pytest.approx(40)
    assert result.percent_spent == pytest.approx(45)
    assert result.tcpi_bac == pytest.approx(60_000 / 55_000)  # 1.0909

    by_cpi = result.estimate("cpi")
    assert by_cpi.formula == "BAC / CPI"
    assert by_cpi.eac == pytest.approx(112_500)
    assert by_cpi.etc == pytest.approx(67_500)
    assert by_cpi.vac == pytest.approx(-12_500)
    assert by_cpi.tcpi == pytest.approx(result.cpi)

    by_both = result.estimate("cpi_spi")
    assert by_both.eac == pytest.approx(129_375)  # 45,000 + 60,000 / (0.8889 x 0.8)
    assert by_both.etc == pytest.approx(84_375)
    assert by_both.vac == pytest.approx(-29_375)
    assert by_both.tcpi == pytest.approx(60_000 / 84_375)

    by_team = result.estimate("new_estimate")
    assert by_team.eac == pytest.approx(115_000)
    assert by_team.vac == pytest.approx(-15_000)
    assert by_team.tcpi == pytest.approx(60_000 / 70_000)

    assert [e.method for e in result.estimates] == ["cpi", "cpi_spi", "new_estimate"]
    assert result.undefined == {}


def test_textbook_earned_schedule() -> None:
    result = earned_value(EarnedValueInput(QUARTERS, 40_000, 45_000, status_period=2))

    # 40,000 is earned 60% of the way through period 2: ES = 1 + 15,000 / 25,000.
    assert result.es == pytest.approx(1.6)
    assert result.spi_t == pytest.approx(0.8)
    assert result.sv_t == pytest.approx(-0.4)
    assert result.planned_duration == 4
    assert result.ieac_t == pytest.approx(5.0)
    assert result.estimate("new_estimate").eac is None
    assert result.undefined == {"eac_new_estimate": "no new estimate to complete given"}


def test_earned_schedule_on_an_uneven_baseline() -> None:
    curve = PlannedValueCurve.from_cumulative([100, 250, 450, 700, 900, 1000])
    result = earned_value(EarnedValueInput(curve, 520, 600, status_period=4))

    # Periods 1-3 plan no more than 520; period 4 plans 450 -> 700, so ES = 3 + 70 / 250.
    assert result.pv == 700
    assert result.spi == pytest.approx(520 / 700)
    assert result.es == pytest.approx(3.28)
    assert result.spi_t == pytest.approx(0.82)
    assert result.sv_t == pytest.approx(-0.72)
    assert result.ieac_t == pytest.approx(6 / 0.82)


def test_late_finished_project_spi_is_one_but_spi_t_is_not() -> None:
    # The classic flaw that earned schedule fixes: a 4-period plan finished at period 6.
    curve = PlannedValueCurve.from_per_period([100, 100, 100, 100])
    result = earned_value(EarnedValueInput(curve, 400, 450, status_period=6))

    assert result.spi == 1.0
    assert result.es == 4.0
    assert result.spi_t == pytest.approx(4 / 6)
    assert result.sv_t == -2.0
    assert result.ieac_t == pytest.approx(6.0)


def test_curve_construction_interpolation_and_plateaus() -> None:
    per_period = PlannedValueCurve.from_per_period([25_000, 25_000, 25_000, 25_000])
    assert per_period == QUARTERS
    assert QUARTERS.at(0) == 0 and QUARTERS.at(-1) == 0
    assert QUARTERS.at(0.5) == 12_500
    assert QUARTERS.at(2.5) == 62_500
    assert QUARTERS.at(9) == 100_000

    plateau = PlannedValueCurve.from_cumulative([10, 20, 20, 30, 30, 30])
    assert plateau.planned_duration == 4
    # Lipke counts every period whose PV does not exceed EV, so a plateau counts as earned.
    assert plateau.earned_schedule(20) == 3.0
    assert plateau.earned_schedule(25) == 3.5
    assert plateau.earned_schedule(30) == 4.0  # never past the planned duration


def test_divisions_by_zero_give_none_with_reasons() -> None:
    start = earned_value(EarnedValueInput(QUARTERS, 0, 0, status_period=0))
    assert start.spi is None and start.cpi is None
    assert start.estimate("cpi").eac is None and start.estimate("cpi_spi").eac is None
    assert start.spi_t is None and start.ieac_t is None
    assert start.es == 0.0 and start.sv_t == 0.0
    assert set(start.undefined) == {
        "spi",
        "cpi",
        "eac_cpi",
        "eac_cpi_spi",
        "eac_new_estimate",
        "spi_t",
        "ieac_t",
    }
    assert "no cost" in start.undefined["cpi"]

    nothing_earned = earned_value(EarnedValueInput(QUARTERS, 0, 5_000, status_period=1))
    assert nothing_earned.cpi == 0.0 and nothing_earned.spi == 0.0
    assert "CPI is zero" in (nothing_earned.estimate("cpi").reason or "")
    assert nothing_earned.es == 0.0 and nothing_earned.spi_t == 0.0
    assert "SPI(t) is zero" in nothing_earned.undefined["ieac_t"]

    overspent = earned_value(EarnedValueInput(QUARTERS, 60_000, 100_000, status_period=3))
    assert overspent.tcpi_bac is None
    assert "cannot be done within budget" in overspent.undefined["tcpi_bac"]

    empty = earned_value(
        EarnedValueInput(PlannedValueCurve.from_cumulative([0, 0]), 0, 10, status_period=1)
    )
    assert empty.es is None and empty.percent_complete is None
    assert "BAC is zero" in empty.undefined["es"]
    assert_no_infinity(empty)


def test_rollup_of_tasks_with_percent_complete() -> None:
    tasks = [
        TaskProgress(
            "design",
            PlannedValueCurve.from_per_period([50, 50]),
            actual_cost=120,
            percent_complete=100,
            estimate_to_complete=0,
        ),
        TaskProgress(
            "build",
            PlannedValueCurve.from_per_period([0, 100, 100]),
            actual_cost=40,
            percent_complete=25,
            estimate_to_complete=160,
        ),
    ]
    rollup = earned_value_by_task(tasks, status_period=2)

    design, build, project = rollup.tasks["design"], rollup.tasks["build"], rollup.project
    assert (design.pv, design.ev, design.es) == (100, 100, 2.0)
    assert design.cpi == pytest.approx(100 / 120)
    assert (build.pv, build.ev, build.spi, build.es) == (100, 50, 0.5, 1.5)
    assert (project.bac, project.pv, project.ev, project.ac) == (300, 200, 150, 160)
    assert project.cpi == pytest.approx(150 / 160)
    assert project.spi == pytest.approx(0.75)
    assert project.es == pytest.approx(1 + 100 / 150)  # project curve 50, 200, 300
    assert project.estimate("new_estimate").eac == pytest.approx(320)

    without_estimate = [tasks[0], TaskProgress("build", tasks[1].planned_value, 40, 25)]
    partial = earned_value_by_task(without_estimate, status_period=2).project
    assert partial.estimate("new_estimate").eac is None
    assert partial.undefined["eac_new_estimate"] == (
        "no new estimate to complete for task(s) build"
    )
    by_value = TaskProgress("build", tasks[1].planned_value, 40, earned_value=50)
    assert earned_value_by_task([by_value], 2).project.ev == 50


@pytest.mark.parametrize(
    "build",
    [
        lambda: PlannedValueCurve.from_cumulative([]),
        lambda: PlannedValueCurve.from_cumulative([10, 5]),
        lambda: PlannedValueCurve.from_per_period([10, -5]),
        lambda: PlannedValueCurve.from_cumulative([10, float("inf")]),
        lambda: EarnedValueInput(QUARTERS, 120_000, 10, 2),
        lambda: EarnedValueInput(QUARTERS, 10, -1, 2),
        lambda: EarnedValueInput(QUARTERS, 10, 10, -1),
        lambda: EarnedValueInput(QUARTERS, 10, 10, 2, estimate_to_complete=-5),
        lambda: EarnedValueInput(QUARTERS, 10, 10, 2, budget_at_completion=90_000),
        lambda: EarnedValueInput(QUARTERS, float("nan"), 10, 2),
        lambda: TaskProgress("t", QUARTERS, 10, percent_complete=120),
        lambda: TaskProgress("t", QUARTERS, 10, percent_complete=50, earned_value=5),
        lambda: TaskProgress("t", QUARTERS, 10),
        lambda: earned_value_by_task([], 1),
        lambda: earned_value_by_task(
            [TaskProgress("t", QUARTERS, 1, 1), TaskProgress("t", QUARTERS, 1, 1)], 1
        ),
    ],
)
def test_invalid_inputs_raise_input_error(build: object) -> None:
    with pytest.raises(InputError):
        build()  # type: ignore[operator]


def test_error_names_the_task() -> None:
    with pytest.raises(InputError, match="task 'wiring'"):
        earned_value_by_task([TaskProgress("wiring", QUARTERS, -5, percent_complete=10)], 1)


# --- properties -----------------------------------------------------------------------------

# Money is whole cents, as the product stores it. Arbitrary floats reach
# subnormal amounts (an actual cost of 5e-324), where a division keeps a
# single bit of precision and no metric can be consistent.
money = st.integers(0, 10**9).map(lambda cents: cents / 100)


@st.composite
def statuses(draw: st.DrawFn) -> EarnedValueInput:
    per_period = draw(st.lists(money, min_size=1, max_size=24))
    curve = PlannedValueCurve.from_per_period(per_period)
    bac = curve.budget_at_completion
    # Shares of BAC in millionths and status dates in thousandths of a
    # period: arbitrary floats reach subnormal values (a status date of
    # 5e-324), whose arithmetic keeps too few bits for any check.
    earned = draw(st.integers(0, 10**6)) / 10**6 * bac
    actual = draw(money)
    at = draw(st.integers(0, 1000 * (len(per_period) + 3))) / 1000
    etc = draw(st.none() | money)
    return EarnedValueInput(curve, earned, actual, at, estimate_to_complete=etc)


def assert_no_infinity(result: EarnedValueResult) -> None:
    values = [
        result.pv,
        result.sv,
        result.cv,
        result.spi,
        result.cpi,
        result.percent_complete,
        result.percent_spent,
        result.tcpi_bac,
        result.es,
        result.spi_t,
        result.sv_t,
        result.ieac_t,
    ]
    for estimate in result.estimates:
        values += [estimate.eac, estimate.etc, estimate.vac, estimate.tcpi]
        assert (estimate.eac is None) == (f"eac_{estimate.method}" in result.undefined)
        if estimate.eac is not None:
            assert (estimate.tcpi is None) == (f"tcpi_{estimate.method}" in result.undefined)
    assert all(value is None or math.isfinite(value) for value in values)
    for name in ("spi", "cpi", "tcpi_bac", "es", "spi_t", "ieac_t"):
        assert (getattr(result, name) is None) == (name in result.undefined), name


@settings(max_examples=300, deadline=None)
@given(statuses())
def test_every_metric_is_finite_or_none_and_consistent(status: EarnedValueInput) -> None:
    result = earned_value(status)

    assert_no_infinity(result)
    assert result.sv == result.ev - result.pv
    assert result.cv == result.ev - result.ac
    for estimate in result.estimates:
        if estimate.eac is not None:
            assert estimate.etc == pytest.approx(estimate.eac - result.ac)
            assert estimate.vac == pytest.approx(result.bac - estimate.eac)
    if result.es is not None:
        assert 0 <= result.es <= result.planned_duration
        assert result.sv_t == pytest.approx(result.es - result.status_period)
    cpi_estimate = result.estimate("cpi")
    remaining = result.bac - result.ev
    if cpi_estimate.tcpi is not None and result.cpi is not None and remaining > 1e-6 * result.bac:
        # Finishing at BAC / CPI needs exactly the efficiency seen so far.
        assert cpi_estimate.tcpi == pytest.approx(result.cpi, rel=1e-6)


@settings(max_examples=200, deadline=None)
@given(statuses())
def test_cpi_is_one_when_ev_equals_ac(status: EarnedValueInput) -> None:
    assume(status.earned_value > 0)
    same = EarnedValueInput(status.planned_value, status.earned_value, status.earned_value, 1)
    assert earned_value(same).cpi == 1.0


@settings(max_examples=200, deadline=None)
@given(statuses())
def test_estimates_agree_when_cpi_and_spi_are_one(status: EarnedValueInput) -> None:
    curve = status.planned_value
    at = status.status_period
    planned = curve.at(at)
    assume(planned > 0)
    on_plan = EarnedValueInput(
        curve, planned, planned, at, estimate_to_complete=curve.budget_at_completion - planned
    )
    result = earned_value(on_plan)

    assert result.cpi == 1.0 and result.spi == 1.0
    bac = result.bac
    for estimate in result.estimates:
        assert estimate.eac == pytest.approx(bac, rel=1e-9, abs=1e-6)
        assert estimate.vac == pytest.approx(0, abs=1e-6 * max(1.0, bac))


@settings(max_examples=300, deadline=None)
@given(statuses())
def test_earned_schedule_is_before_actual_time_when_spi_is_below_one(
    status: EarnedValueInput,
) -> None:
    result = earned_value(status)
    assume(result.spi is not None and result.spi < 1)

    assert result.es is not None and result.es <= result.status_period
    assert result.spi_t is not None and result.spi_t <= 1
    assert result.sv_t is not None and result.sv_t <= 0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(1, 1e6), min_size=1, max_size=24),
    st.floats(0, 1, exclude_max=True),
    st.floats(0, 1),
)
def test_earned_schedule_inverts_the_planned_value_curve(
    per_period: list[float], share: float, other_share: float
) -> None:
    curve = PlannedValueCurve.from_per_period(per_period)
    earned = share * curve.budget_at_completion
    es = curve.earned_schedule(earned)

    assert curve.at(es) == pytest.approx(earned, rel=1e-9, abs=1e-6)
    # More value earned never means less schedule earned.
    other = other_share * curve.budget_at_completion
    if other <= earned:
        assert curve.earned_schedule(other) <= es
    else:
        assert curve.earned_schedule(other) >= es
