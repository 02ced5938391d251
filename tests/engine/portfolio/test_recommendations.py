"""Recommendation rules: each rule fires on a crafted project; effects; properties."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine.errors import InputError
from steerco.engine.portfolio.finance import npv
from steerco.engine.portfolio.recommendations import (
    RULES,
    Action,
    ExpansionOption,
    PlanStatus,
    ProjectSignals,
    ProjectState,
    RecommendationPolicy,
    RiskItem,
    recommend,
)

POLICY = RecommendationPolicy(annual_discount_rate=0.10)

# A healthy, valuable, strategic active project in the plan: the base every test bends.
HEALTHY = ProjectSignals(
    project="crm",
    state=ProjectState.ACTIVE,
    plan_status=PlanStatus.IN_PLAN,
    future_costs=(10_000.0,) * 6,
    future_benefits=(0.0,) * 3 + (20_000.0,) * 9,
    strategic_score=0.8,
    cpi_history=(0.98, 1.0, 1.02),
    spi_history=(0.97, 1.0, 1.01),
    demand={("developer", 0): 2.0, ("developer", 1): 2.0, ("analyst", 2): 1.0},
    shadow_prices={("developer", 0): 1_500.0, ("developer", 1): 500.0},
)
EXPANSION = ExpansionOption(
    "second sales region",
    extra_costs=(0.0, 15_000.0),
    extra_benefits=(0.0, 0.0, 10_000.0, 10_000.0),
    extra_demand={("developer", 1): 1.0},
)


def only(signals: ProjectSignals, policy: RecommendationPolicy = POLICY):
    [recommendation] = recommend([signals], policy)
    return recommendation


def remaining_value(signals: ProjectSignals) -> float:
    months = max(len(signals.future_costs), len(signals.future_benefits))
    costs = list(signals.future_costs) + [0.0] * (months - len(signals.future_costs))
    benefits = list(signals.future_benefits) + [0.0] * (months - len(signals.future_benefits))
    return npv([b - c for b, c in zip(benefits, costs, strict=True)], 0.10)


def test_continue_when_nothing_calls_for_change() -> None:
    result = only(HEALTHY)
    assert (result.action, result.rule) == (Action.CONTINUE, "N1")
    assert result.effect.value_change == 0.0 and not result.effect.budget_change_by_month
    assert {r.signal for r in result.reasons} == {"plan_status", "remaining_npv"}
    assert result.evidence.remaining_npv == pytest.approx(remaining_value(HEALTHY))
    # Opportunity cost: 2 FTE x 1,500 + 2 FTE x 500.
    assert result.evidence.opportunity_cost == pytest.approx(4_000.0)
    assert result.evidence.cpi == 1.02 and result.evidence.cpi_trend == pytest.approx(0.02)


def test_k1_kill_negative_value_out_of_plan() -> None:
    signals = replace(
        HEALTHY, plan_status=PlanStatus.NOT_IN_PLAN, future_benefits=(0.0,) * 6 + (5_000.0,) * 4
    )
    result = only(signals)
    assert (result.action, result.rule) == (Action.KILL, "K1")
    reasons = {r.signal: r for r in result.reasons}
    assert reasons["plan_status"].value == "not_in_plan"
    assert reasons["remaining_npv"].value == pytest.approx(remaining_value(signals))
    assert reasons["remaining_npv"].value < 0
    # Killing it frees every future cost and FTE and gains the negative NPV back.
    assert result.effect.value_change == pytest.approx(-remaining_value(signals))
    assert result.effect.budget_change_by_month == {m: -10_000.0 for m in range(6)}
    assert result.effect.budget_freed == 60_000.0 and result.effect.budget_needed == 0.0
    assert result.effect.fte_change_by_role_month == {
        ("developer", 0): -2.0,
        ("developer", 1): -2.0,
        ("analyst", 2): -1.0,
    }
    assert result.effect.fte_months_freed == 5.0


def test_k2_kill_failing_project_with_negative_risk_adjusted_value() -> None:
    signals = replace(
        HEALTHY,
        strategic_score=0.5,
        cpi_history=(0.85, 0.8, 0.75),
        risks=(RiskItem(0.5, 400_000.0, "vendor insolvency"),),
    )
    result = only(signals)
    assert (result.action, result.rule) == (Action.KILL, "K2")
    reasons = {r.signal: r for r in result.reasons}
    assert reasons["cpi"].value == 0.75 and reasons["cpi"].threshold == 0.80
    assert reasons["risk_adjusted_npv"].value == pytest.approx(remaining_value(signals) - 200_000)
    assert reasons["risk_adjusted_npv"].value < 0
    assert reasons["strategic_score"].value == 0.5
    # A strategic project with the same figures is not killed by K2.
    assert only(replace(signals, strategic_score=0.9)).action is not Action.KILL


def test_k3_kill_no_risk_adjusted_value_and_little_strategic_weight() -> None:
    signals = replace(
        HEALTHY,
        plan_status=PlanStatus.NOT_IN_PLAN,
        strategic_score=0.1,
        risks=(RiskItem(0.9, 500_000.0),),
    )
    result = only(signals)
    assert (result.action, result.rule) == (Action.KILL, "K3")
    assert result.evidence.risk_exposure == pytest.approx(450_000.0)


def test_t1_plan_starts_it_later() -> None:
    proposed = replace(
        HEALTHY,
        state=ProjectState.PROPOSED,
        plan_status=PlanStatus.STARTS_LATER,
        plan_delay_months=4,
        cpi_history=(),
        spi_history=(),
    )
    result = only(proposed)
    assert (result.action, result.rule, result.months) == (Action.DELAY, "T1", 4)
    # Everything moves 4 months: budget freed in months 0-5, needed again in 4-9.
    assert result.effect.budget_change_by_month == {
        0: -10_000.0,
        1: -10_000.0,
        2: -10_000.0,
        3: -10_000.0,
        6: 10_000.0,
        7: 10_000.0,
        8: 10_000.0,
        9: 10_000.0,
    }
    assert result.effect.fte_change_by_role_month[("developer", 4)] == 2.0
    assert result.effect.fte_change_by_role_month[("developer", 0)] == -2.0
    delayed_value = remaining_value(proposed) * 1.10 ** (-4 / 12)
    assert result.effect.value_change == pytest.approx(delayed_value - remaining_value(proposed))
    active = only(replace(proposed, state=ProjectState.ACTIVE))
    assert (active.action, active.rule) == (Action.PAUSE, "T1")


def test_t2_out_of_plan_with_value_is_paused_or_delayed() -> None:
    active = only(replace(HEALTHY, plan_status=PlanStatus.NOT_IN_PLAN))
    assert (active.action, active.rule, active.months) == (Action.PAUSE, "T2", POLICY.pause_months)
    assert any(r.signal == "opportunity_cost" and r.value == 4_000.0 for r in active.reasons)
    proposed = only(
        replace(HEALTHY, plan_status=PlanStatus.NOT_IN_PLAN, state=ProjectState.PROPOSED),
        replace(POLICY, delay_months=6),
    )
    assert (proposed.action, proposed.rule, proposed.months) == (Action.DELAY, "T2", 6)


def test_p1_pause_on_poor_and_worsening_performance() -> None:
    signals = replace(HEALTHY, cpi_history=(0.95, 0.9, 0.85), spi_history=(0.9, 0.87, 0.86))
    result = only(signals)
    assert (result.action, result.rule) == (Action.PAUSE, "P1")
    reasons = {r.signal: r for r in result.reasons}
    assert reasons["cpi"].value == 0.85 and reasons["spi"].value == 0.86
    assert result.evidence.cpi_trend == pytest.approx(-0.05)
    # Recovering projects are left to recover.
    recovering = replace(signals, spi_history=(0.8, 0.84, 0.88))
    assert only(recovering).rule != "P1"


def test_c1_capacity_conflict() -> None:
    signals = replace(
        HEALTHY,
        strategic_score=0.5,
        over_allocated=frozenset({("developer", 0), ("developer", 1)}),
    )
    result = only(signals)
    assert (result.action, result.rule) == (Action.PAUSE, "C1")
    assert result.evidence.capacity_conflict_share == pytest.approx(4 / 5)
    proposed = only(replace(signals, state=ProjectState.PROPOSED, cpi_history=(), spi_history=()))
    assert (proposed.action, proposed.rule) == (Action.DELAY, "C1")


def test_r1_delay_a_proposal_whose_risks_outweigh_its_value() -> None:
    signals = replace(
        HEALTHY,
        state=ProjectState.PROPOSED,
        cpi_history=(),
        spi_history=(),
        risks=(RiskItem(0.3, 400_000.0, "regulation changes"), RiskItem(0.1, 50_000.0)),
    )
    result = only(signals)
    assert (result.action, result.rule) == (Action.DELAY, "R1")
    assert result.evidence.risk_exposure == pytest.approx(125_000.0)


def test_i1_invest_more_with_a_profitable_expansion() -> None:
    signals = replace(HEALTHY, expansion=EXPANSION)
    result = only(signals)
    assert (result.action, result.rule) == (Action.INVEST_MORE, "I1")
    expected = npv([0.0, -15_000.0, 10_000.0, 10_000.0], 0.10)
    assert result.effect.value_change == pytest.approx(expected)
    assert result.effect.budget_change_by_month == {1: 15_000.0}
    assert result.effect.fte_change_by_role_month == {("developer", 1): 1.0}
    assert result.effect.budget_needed == 15_000.0
    assert {"expansion_npv", "strategic_score", "cpi", "spi"} <= {r.signal for r in result.reasons}
    # Without an expansion, or with a declining SPI, it only continues.
    assert only(HEALTHY).action is Action.CONTINUE
    assert only(replace(signals, spi_history=(1.1, 1.0, 0.96))).action is Action.CONTINUE


def test_mandatory_projects_are_never_killed_or_paused_by_the_rules() -> None:
    doomed = replace(
        HEALTHY,
        mandatory=True,
        plan_status=PlanStatus.NOT_IN_PLAN,
        future_benefits=(),
        cpi_history=(0.7, 0.6),
    )
    result = only(doomed)
    assert (result.action, result.rule) == (Action.CONTINUE, "N1")
    assert any(r.signal == "mandatory" for r in result.reasons)
    later = only(replace(doomed, plan_status=PlanStatus.STARTS_LATER, plan_delay_months=2))
    assert (later.action, later.rule) == (Action.PAUSE, "T1")


def test_policy_thresholds_are_parameters() -> None:
    signals = replace(HEALTHY, cpi_history=(0.93, 0.92), spi_history=(0.93, 0.92))
    assert only(signals).rule == "N1"
    assert only(signals, replace(POLICY, pause_cpi=0.95, pause_spi=0.95)).rule == "P1"
    with pytest.raises(InputError, match="kill_cpi must not exceed pause_cpi"):
        RecommendationPolicy(kill_cpi=0.95, pause_cpi=0.9)
    with pytest.raises(InputError, match="strategic_low"):
        RecommendationPolicy(strategic_low=0.8, strategic_high=0.7)


def test_bad_signals_are_rejected_with_the_field() -> None:
    with pytest.raises(InputError, match="strategic_score"):
        replace(HEALTHY, strategic_score=1.5)
    with pytest.raises(InputError, match="at least one month"):
        replace(HEALTHY, plan_status=PlanStatus.STARTS_LATER)
    with pytest.raises(InputError, match="probability"):
        RiskItem(1.5, 10.0)
    with pytest.raises(InputError, match=r"future_costs\[1\]"):
        replace(HEALTHY, future_costs=(1.0, -1.0))
    with pytest.raises(InputError, match="in the past"):
        replace(HEALTHY, demand={("developer", -1): 1.0})
    with pytest.raises(InputError, match="unique: crm"):
        recommend([HEALTHY, HEALTHY])


def test_every_rule_is_documented() -> None:
    assert set(RULES) == {"K1", "K2", "K3", "T1", "T2", "P1", "C1", "R1", "I1", "N1"}
    assert only(HEALTHY).summary.startswith("continue: ")


# --- properties ------------------------------------------------------------------------------

money = st.floats(min_value=0.0, max_value=50_000.0)
indexes = st.lists(st.floats(min_value=0.3, max_value=1.6), max_size=6)
role_months = st.tuples(st.sampled_from(["developer", "analyst", "tester"]), st.integers(0, 8))


@st.composite
def project_signals(draw: st.DrawFn, project: str) -> ProjectSignals:
    status = draw(st.sampled_from(list(PlanStatus)))
    state = draw(st.sampled_from(list(ProjectState)))
    demand = draw(st.dictionaries(role_months, st.floats(min_value=0.0, max_value=5.0), max_size=6))
    expansion = draw(
        st.none()
        | st.builds(
            ExpansionOption,
            st.just("more"),
            st.lists(money, max_size=4).map(tuple),
            st.lists(money, max_size=6).map(tuple),
            st.dictionaries(role_months, st.floats(0.0, 3.0), max_size=3),
        )
    )
    return ProjectSignals(
        project=project,
        state=state,
        plan_status=status,
        future_costs=tuple(draw(st.lists(money, max_size=10))),
        future_benefits=tuple(draw(st.lists(money, max_size=14))),
        strategic_score=draw(st.floats(min_value=0.0, max_value=1.0)),
        mandatory=draw(st.booleans()),
        plan_delay_months=draw(st.integers(1, 12)) if status is PlanStatus.STARTS_LATER else 0,
        cpi_history=tuple(draw(indexes)) if state is ProjectState.ACTIVE else (),
        spi_history=tuple(draw(indexes)) if state is ProjectState.ACTIVE else (),
        risks=tuple(draw(st.lists(st.builds(RiskItem, st.floats(0.0, 1.0), money), max_size=3))),
        demand=demand,
        over_allocated=frozenset(draw(st.sets(role_months, max_size=6))),
        shadow_prices=draw(st.dictionaries(role_months, st.floats(0.0, 5_000.0), max_size=5)),
        expansion=expansion,
    )


portfolios = st.integers(min_value=1, max_value=6).flatmap(
    lambda n: st.tuples(*[project_signals(f"p{k}") for k in range(n)])
)


@settings(max_examples=100, deadline=None)
@given(portfolios)
def test_every_project_gets_exactly_one_recommendation_with_a_reason(
    signals: tuple[ProjectSignals, ...],
) -> None:
    results = recommend(list(signals), POLICY)
    assert [r.project for r in results] == [s.project for s in signals]
    for signal, result in zip(signals, results, strict=True):
        assert result.action in Action
        assert result.rule in RULES
        assert len(result.reasons) >= 1
        assert all(reason.message for reason in result.reasons)
        if signal.mandatory:
            assert result.action is not Action.KILL
        if result.action is Action.KILL:
            assert result.effect.budget_freed == pytest.approx(sum(signal.future_costs))
            assert result.effect.budget_needed == 0.0
        if result.action in (Action.PAUSE, Action.DELAY):
            # A shift moves money in time; it neither creates nor destroys budget.
            assert result.effect.budget_freed == pytest.approx(result.effect.budget_needed)
            assert result.months is not None and result.months >= 1
            assert (result.action is Action.PAUSE) == (signal.state is ProjectState.ACTIVE)


@settings(max_examples=150, deadline=None)
@given(project_signals("x"))
def test_negative_value_out_of_plan_and_optional_is_never_invest_more(
    signals: ProjectSignals,
) -> None:
    result = only(
        replace(signals, plan_status=PlanStatus.NOT_IN_PLAN, plan_delay_months=0, mandatory=False)
    )
    if result.evidence.remaining_npv < 0:
        assert result.action is not Action.INVEST_MORE
        assert result.action is Action.KILL
    else:
        assert result.action is not Action.INVEST_MORE  # not in the plan at all
