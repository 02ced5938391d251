"""Invest / continue / pause / delay / kill recommendations: a transparent rule set.

Every active or proposed project gets exactly one :class:`Recommendation`: the action of the
first rule below that fires, the reasons (each signal with its value and threshold) that made it
fire, and the quantified effect of following it on the portfolio (value, budget by month, FTE by
role-month). All thresholds are fields of :class:`RecommendationPolicy`, so a PMO can read,
change and defend them; nothing is learnt or hidden.

Signals (computed from :class:`ProjectSignals`, all money in the caller's currency):

* remaining NPV ``R``: NPV of the future cash flows only, sunk cost excluded;
* risk exposure ``E = sum(probability x impact)``; risk-adjusted remaining NPV ``A = R - E``;
* optimal plan: in the plan, not in the plan, or the plan starts it later;
* opportunity cost of its capacity ``sum(demand x shadow price)`` over the role-months it uses;
* CPI / SPI: the latest value and the least-squares slope over the last ``trend_periods``;
* strategic score ``S`` in 0..1;
* capacity conflict: share of its FTE demand that falls in over-allocated role-months.

Rules, in order (first match wins; "not mandatory" rules skip mandatory projects):

======  ============  =========================================================================
rule    action        fires when
======  ============  =========================================================================
K1      KILL          not mandatory, not in the plan, ``R < 0``
K2      KILL          not mandatory, active, CPI <= ``kill_cpi`` and not improving, ``A < 0``,
                      ``S < strategic_high``
K3      KILL          not mandatory, not in the plan, ``A <= 0``, ``S < strategic_low``
T1      PAUSE/DELAY   the plan starts it later (active: pause, proposed: delay, by the plan's
                      months)
T2      PAUSE/DELAY   not mandatory, not in the plan (``R >= 0``): active pauses
                      ``pause_months``, proposed is delayed ``delay_months``
P1      PAUSE         not mandatory, active, CPI < ``pause_cpi`` and SPI < ``pause_spi``, and
                      neither is improving
C1      PAUSE/DELAY   not mandatory, capacity conflict >= ``conflict_share``,
                      ``S < strategic_high``
R1      DELAY         not mandatory, proposed, ``R > 0`` but ``A < 0`` (de-risk first)
I1      INVEST_MORE   in the plan, an expansion option with positive NPV, ``A > 0``,
                      ``S >= strategic_high``, CPI and SPI healthy and not declining (when
                      known), capacity conflict of the project and of the expansion <=
                      ``invest_conflict_max``
N1      CONTINUE      no rule above fired
======  ============  =========================================================================

Effects (positive = needed / gained, negative = freed / lost), months counted from now:

* KILL: value change ``-R``; every future cost and FTE freed (wind-down costs are not modelled);
* PAUSE / DELAY by ``k`` months: every future cost, benefit and FTE moves ``k`` months later;
  value change = NPV of the shifted flows - ``R``;
* INVEST_MORE: the expansion's NPV, extra costs and extra FTE;
* CONTINUE: nothing changes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from steerco.engine.errors import InputError
from steerco.engine.portfolio.finance import FloatArray, Timing, npv

RoleMonth = tuple[str, int]

__all__ = [
    "RULES",
    "Action",
    "Effect",
    "Evidence",
    "ExpansionOption",
    "PlanStatus",
    "ProjectSignals",
    "ProjectState",
    "Reason",
    "Recommendation",
    "RecommendationPolicy",
    "RiskItem",
    "recommend",
]


class Action(StrEnum):
    INVEST_MORE = "invest_more"
    CONTINUE = "continue"
    PAUSE = "pause"
    DELAY = "delay"
    KILL = "kill"


class ProjectState(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"


class PlanStatus(StrEnum):
    """What the optimal plan does with the project."""

    IN_PLAN = "in_plan"
    NOT_IN_PLAN = "not_in_plan"
    STARTS_LATER = "starts_later"


RULES: Mapping[str, str] = {
    "K1": "not in the optimal plan and its remaining NPV is negative",
    "K2": "cost performance is poor and not improving, and its risk-adjusted value is negative",
    "K3": "not in the optimal plan, no risk-adjusted value left and little strategic weight",
    "T1": "the optimal plan starts it later",
    "T2": "not in the optimal plan, although it still has value",
    "P1": "cost and schedule performance are both poor and not improving",
    "C1": "much of its demand falls in over-allocated role-months",
    "R1": "its risks outweigh its remaining value: de-risk before committing",
    "I1": "in the plan, strategic, healthy, and a profitable expansion is available",
    "N1": "no rule for change fired",
}
"""What each rule means, for the page that explains a recommendation."""


# --------------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------------


def _finite(value: float, where: str, *, minimum: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise InputError(f"must be a finite number, got {value!r}", field=where)
    if minimum is not None and value < minimum:
        raise InputError(f"must be at least {minimum:g}, got {value:g}", field=where)
    return float(value)


def _amounts(values: Sequence[float], where: str) -> tuple[float, ...]:
    return tuple(
        _finite(value, f"{where}[{month}]", minimum=0.0) for month, value in enumerate(values)
    )


def _role_months(values: Mapping[RoleMonth, float], where: str) -> dict[RoleMonth, float]:
    checked = {}
    for key, value in values.items():
        if not (isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], int)):
            raise InputError(f"keys must be (role, month) pairs, got {key!r}", field=where)
        if key[1] < 0:
            raise InputError(f"month {key[1]} is in the past (months count from now)", field=where)
        checked[(str(key[0]), int(key[1]))] = _finite(value, f"{where}[{key}]", minimum=0.0)
    return checked


@dataclass(frozen=True, slots=True)
class RiskItem:
    """An open risk: probability in 0..1 and impact in money if it happens."""

    probability: float
    impact: float
    name: str = ""

    def __post_init__(self) -> None:
        where = f"risks[{self.name or '?'}]"
        probability = _finite(self.probability, f"{where}.probability", minimum=0.0)
        if probability > 1.0:
            raise InputError("must be between 0 and 1", field=f"{where}.probability")
        _finite(self.impact, f"{where}.impact", minimum=0.0)

    @property
    def exposure(self) -> float:
        return self.probability * self.impact


@dataclass(frozen=True, slots=True)
class ExpansionOption:
    """What more money would buy: extra costs, extra benefits and extra FTE, by month from now."""

    description: str
    extra_costs: tuple[float, ...] = ()
    extra_benefits: tuple[float, ...] = ()
    extra_demand: Mapping[RoleMonth, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra_costs", _amounts(self.extra_costs, "expansion.extra_costs"))
        object.__setattr__(
            self, "extra_benefits", _amounts(self.extra_benefits, "expansion.extra_benefits")
        )
        object.__setattr__(
            self, "extra_demand", _role_months(self.extra_demand, "expansion.extra_demand")
        )


@dataclass(frozen=True, slots=True)
class ProjectSignals:
    """Everything the rules look at for one project; the caller fills it.

    Months are counted from now (0 = the current month), so sunk costs are simply not given.

    Parameters
    ----------
    project:
        Project id.
    state:
        :class:`ProjectState`: proposed or active.
    plan_status:
        :class:`PlanStatus` from the optimiser's chosen plan.
    future_costs, future_benefits:
        Remaining cost and benefit per month from now (non-negative).
    strategic_score:
        Strategic alignment or weighted score in 0..1.
    mandatory:
        Regulatory or committed work: never killed or paused by these rules (only delayed when
        the optimal plan itself starts it later).
    plan_delay_months:
        When ``plan_status`` is ``STARTS_LATER``: how many months later the plan starts it.
    cpi_history, spi_history:
        Cost and schedule performance index per reporting period, oldest first (active only).
    risks:
        Open risks (:class:`RiskItem`).
    demand:
        FTE demand by ``(role, month)``.
    over_allocated:
        Role-months where the portfolio's demand exceeds capacity.
    shadow_prices:
        Value of one more FTE in each ``(role, month)``, from the optimiser.
    expansion:
        Optional :class:`ExpansionOption`; needed for an INVEST_MORE recommendation.
    name:
        Label for messages (defaults to ``project``).
    """

    project: str
    state: ProjectState
    plan_status: PlanStatus
    future_costs: tuple[float, ...] = ()
    future_benefits: tuple[float, ...] = ()
    strategic_score: float = 0.0
    mandatory: bool = False
    plan_delay_months: int = 0
    cpi_history: tuple[float, ...] = ()
    spi_history: tuple[float, ...] = ()
    risks: tuple[RiskItem, ...] = ()
    demand: Mapping[RoleMonth, float] = field(default_factory=dict)
    over_allocated: frozenset[RoleMonth] = frozenset()
    shadow_prices: Mapping[RoleMonth, float] = field(default_factory=dict)
    expansion: ExpansionOption | None = None
    name: str = ""

    def __post_init__(self) -> None:
        if not self.project:
            raise InputError("needs a project id", field="project")
        where = f"signals[{self.project}]"
        try:
            object.__setattr__(self, "state", ProjectState(self.state))
            object.__setattr__(self, "plan_status", PlanStatus(self.plan_status))
        except ValueError as exc:
            raise InputError(str(exc), field=where) from None
        object.__setattr__(
            self, "future_costs", _amounts(self.future_costs, f"{where}.future_costs")
        )
        object.__setattr__(
            self, "future_benefits", _amounts(self.future_benefits, f"{where}.future_benefits")
        )
        score = _finite(self.strategic_score, f"{where}.strategic_score", minimum=0.0)
        if score > 1.0:
            raise InputError("must be between 0 and 1", field=f"{where}.strategic_score")
        if isinstance(self.plan_delay_months, bool) or not isinstance(self.plan_delay_months, int):
            raise InputError("must be a whole number of months", field=f"{where}.plan_delay_months")
        if self.plan_status is PlanStatus.STARTS_LATER and self.plan_delay_months < 1:
            raise InputError(
                "the plan starts it later, so the delay must be at least one month",
                field=f"{where}.plan_delay_months",
            )
        if self.plan_status is not PlanStatus.STARTS_LATER and self.plan_delay_months != 0:
            raise InputError(
                "only a project the plan starts later has a delay",
                field=f"{where}.plan_delay_months",
            )
        for history in ("cpi_history", "spi_history"):
            values = tuple(
                _finite(value, f"{where}.{history}[{k}]", minimum=0.0)
                for k, value in enumerate(getattr(self, history))
            )
            if any(value == 0.0 for value in values):
                raise InputError("performance indexes must be positive", field=f"{where}.{history}")
            object.__setattr__(self, history, values)
        object.__setattr__(self, "risks", tuple(self.risks))
        object.__setattr__(self, "demand", _role_months(self.demand, f"{where}.demand"))
        object.__setattr__(
            self, "shadow_prices", _role_months(self.shadow_prices, f"{where}.shadow_prices")
        )
        object.__setattr__(self, "over_allocated", frozenset(self.over_allocated))
        if not self.name:
            object.__setattr__(self, "name", self.project)


@dataclass(frozen=True, slots=True)
class RecommendationPolicy:
    """Thresholds of the rule set (see the module docstring for where each one is used).

    Parameters
    ----------
    annual_discount_rate, timing:
        How remaining NPV and the value of a delay are computed (see ``finance``).
    trend_periods:
        Number of latest reporting periods whose CPI / SPI slope is the trend.
    kill_cpi:
        CPI at or below which a project that is not improving is beyond recovery (rule K2).
    pause_cpi, pause_spi:
        CPI and SPI below which a project that is not improving stops to re-plan (rule P1).
    healthy_index:
        CPI and SPI at or above which a project counts as on track (rule I1).
    declining_slope:
        Slope per period at or below which a trend counts as declining (rule I1); any slope <= 0
        counts as "not improving" (rules K2, P1).
    strategic_high, strategic_low:
        Strategic scores that protect a project from rules K2 / C1, or leave it exposed to K3.
    conflict_share:
        Share of demand in over-allocated role-months that pauses or delays (rule C1).
    invest_conflict_max:
        Highest conflict share that still allows more investment (rule I1).
    pause_months, delay_months:
        Length of a pause or delay when the plan does not say (rules T2, P1, C1, R1).
    """

    annual_discount_rate: float = 0.08
    timing: Timing = Timing.START_OF_MONTH
    trend_periods: int = 3
    kill_cpi: float = 0.80
    pause_cpi: float = 0.90
    pause_spi: float = 0.90
    healthy_index: float = 0.95
    declining_slope: float = -0.02
    strategic_high: float = 0.70
    strategic_low: float = 0.30
    conflict_share: float = 0.50
    invest_conflict_max: float = 0.10
    pause_months: int = 3
    delay_months: int = 3

    def __post_init__(self) -> None:
        rate = _finite(self.annual_discount_rate, "policy.annual_discount_rate")
        if rate <= -1.0:
            raise InputError("must be above -100%", field="policy.annual_discount_rate")
        object.__setattr__(self, "timing", Timing(self.timing))
        for name in ("trend_periods", "pause_months", "delay_months"):
            value = getattr(self, name)
            minimum = 2 if name == "trend_periods" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
                raise InputError(f"must be a whole number >= {minimum}", field=f"policy.{name}")
        for name in ("kill_cpi", "pause_cpi", "pause_spi", "healthy_index"):
            _finite(getattr(self, name), f"policy.{name}", minimum=0.0)
        if not self.kill_cpi <= self.pause_cpi:
            raise InputError("kill_cpi must not exceed pause_cpi", field="policy.kill_cpi")
        _finite(self.declining_slope, "policy.declining_slope")
        for name in ("strategic_high", "strategic_low", "conflict_share", "invest_conflict_max"):
            value = _finite(getattr(self, name), f"policy.{name}", minimum=0.0)
            if value > 1.0:
                raise InputError("must be between 0 and 1", field=f"policy.{name}")
        if self.strategic_low > self.strategic_high:
            raise InputError(
                "strategic_low must not exceed strategic_high", field="policy.strategic_low"
            )


# --------------------------------------------------------------------------------------------
# Outputs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """One signal that drove the recommendation: its value and the threshold it was held to."""

    signal: str
    value: float | str | None
    message: str
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class Effect:
    """What following the recommendation changes; positive = needed / gained, negative = freed.

    Months are counted from now; FTE are keyed by ``(role, month)``.
    """

    value_change: float
    budget_change_by_month: Mapping[int, float]
    fte_change_by_role_month: Mapping[RoleMonth, float]
    description: str

    @property
    def budget_freed(self) -> float:
        return -math.fsum(v for v in self.budget_change_by_month.values() if v < 0)

    @property
    def budget_needed(self) -> float:
        return math.fsum(v for v in self.budget_change_by_month.values() if v > 0)

    @property
    def fte_months_freed(self) -> float:
        return -math.fsum(v for v in self.fte_change_by_role_month.values() if v < 0)

    @property
    def fte_months_needed(self) -> float:
        return math.fsum(v for v in self.fte_change_by_role_month.values() if v > 0)


@dataclass(frozen=True, slots=True)
class Evidence:
    """Every derived signal of a project, whether or not it drove the recommendation."""

    plan_status: PlanStatus
    remaining_npv: float
    risk_exposure: float
    risk_adjusted_npv: float
    opportunity_cost: float
    capacity_conflict_share: float
    strategic_score: float
    cpi: float | None
    spi: float | None
    cpi_trend: float | None
    spi_trend: float | None
    expansion_npv: float | None
    expansion_conflict_share: float | None


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The action for one project, the rule that chose it, why, and what it would change."""

    project: str
    action: Action
    rule: str
    reasons: tuple[Reason, ...]
    effect: Effect
    evidence: Evidence
    months: int | None = None

    @property
    def summary(self) -> str:
        duration = f" for {self.months} months" if self.months else ""
        return f"{self.action.value.replace('_', ' ')}{duration}: {RULES[self.rule]}"


# --------------------------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------------------------


def _trend(history: tuple[float, ...], periods: int) -> float | None:
    """Least-squares slope per period of the last ``periods`` values (None below two)."""
    recent = np.asarray(history[-periods:], dtype=np.float64)
    if recent.size < 2:
        return None
    steps = np.arange(recent.size, dtype=np.float64)
    centred = steps - steps.mean()
    return float(centred @ (recent - recent.mean()) / (centred @ centred))


def _net(costs: Sequence[float], benefits: Sequence[float]) -> FloatArray:
    months = max(len(costs), len(benefits), 1)
    net = np.zeros(months)
    net[: len(benefits)] += benefits
    net[: len(costs)] -= costs
    return net


def _conflict_share(demand: Mapping[RoleMonth, float], over: frozenset[RoleMonth]) -> float:
    total = math.fsum(demand.values())
    if total <= 0:
        return 0.0
    return math.fsum(v for key, v in demand.items() if key in over) / total


def _evidence(signals: ProjectSignals, policy: RecommendationPolicy) -> Evidence:
    rate, timing = policy.annual_discount_rate, policy.timing
    remaining = npv(_net(signals.future_costs, signals.future_benefits), rate, timing=timing)
    exposure = math.fsum(risk.exposure for risk in signals.risks)
    opportunity = math.fsum(
        fte * signals.shadow_prices.get(key, 0.0) for key, fte in signals.demand.items()
    )
    expansion = signals.expansion
    return Evidence(
        plan_status=signals.plan_status,
        remaining_npv=remaining,
        risk_exposure=exposure,
        risk_adjusted_npv=remaining - exposure,
        opportunity_cost=opportunity,
        capacity_conflict_share=_conflict_share(signals.demand, signals.over_allocated),
        strategic_score=signals.strategic_score,
        cpi=signals.cpi_history[-1] if signals.cpi_history else None,
        spi=signals.spi_history[-1] if signals.spi_history else None,
        cpi_trend=_trend(signals.cpi_history, policy.trend_periods),
        spi_trend=_trend(signals.spi_history, policy.trend_periods),
        expansion_npv=(
            None
            if expansion is None
            else npv(_net(expansion.extra_costs, expansion.extra_benefits), rate, timing=timing)
        ),
        expansion_conflict_share=(
            None
            if expansion is None
            else _conflict_share(expansion.extra_demand, signals.over_allocated)
        ),
    )


# --------------------------------------------------------------------------------------------
# Effects
# --------------------------------------------------------------------------------------------


def _money(value: float) -> str:
    return f"{value:,.0f}"


def _no_change() -> Effect:
    return Effect(0.0, {}, {}, "no change to the plan")


def _kill_effect(signals: ProjectSignals, evidence: Evidence) -> Effect:
    budget = {month: -cost for month, cost in enumerate(signals.future_costs) if cost}
    fte = {key: -value for key, value in signals.demand.items() if value}
    return Effect(
        value_change=-evidence.remaining_npv,
        budget_change_by_month=budget,
        fte_change_by_role_month=fte,
        description=(
            f"stops all remaining work: frees {_money(-sum(budget.values()))} of budget and "
            f"{-sum(fte.values()):.1f} FTE-months; remaining NPV given up: "
            f"{_money(evidence.remaining_npv)}"
        ),
    )


def _shift_effect(
    signals: ProjectSignals, evidence: Evidence, months: int, policy: RecommendationPolicy
) -> Effect:
    costs = np.asarray(signals.future_costs, dtype=np.float64)
    benefits = np.asarray(signals.future_benefits, dtype=np.float64)
    shifted_net = np.concatenate([np.zeros(months), _net(costs.tolist(), benefits.tolist())])
    shifted_value = npv(shifted_net, policy.annual_discount_rate, timing=policy.timing)
    budget: dict[int, float] = {}
    for month, cost in enumerate(costs.tolist()):
        if cost:
            budget[month] = budget.get(month, 0.0) - cost
            budget[month + months] = budget.get(month + months, 0.0) + cost
    fte: dict[RoleMonth, float] = {}
    for (role, month), value in signals.demand.items():
        if value:
            fte[(role, month)] = fte.get((role, month), 0.0) - value
            fte[(role, month + months)] = fte.get((role, month + months), 0.0) + value
    budget = {month: value for month, value in sorted(budget.items()) if abs(value) > 1e-9}
    fte = {key: value for key, value in sorted(fte.items()) if abs(value) > 1e-9}
    freed_now = -sum(value for month, value in budget.items() if month < months and value < 0)
    return Effect(
        value_change=shifted_value - evidence.remaining_npv,
        budget_change_by_month=budget,
        fte_change_by_role_month=fte,
        description=(
            f"moves all remaining work {months} months later: frees "
            f"{_money(freed_now)} of budget in the next {months} months and "
            f"changes the remaining NPV by {_money(shifted_value - evidence.remaining_npv)}"
        ),
    )


def _expansion_effect(expansion: ExpansionOption, evidence: Evidence) -> Effect:
    budget = {month: cost for month, cost in enumerate(expansion.extra_costs) if cost}
    fte = {key: value for key, value in expansion.extra_demand.items() if value}
    value = evidence.expansion_npv or 0.0
    return Effect(
        value_change=value,
        budget_change_by_month=budget,
        fte_change_by_role_month=fte,
        description=(
            f"{expansion.description}: needs {_money(sum(budget.values()))} more budget and "
            f"{sum(fte.values()):.1f} more FTE-months; adds {_money(value)} of NPV"
        ),
    )


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def _plan_reason(evidence: Evidence, signals: ProjectSignals) -> Reason:
    text = {
        PlanStatus.IN_PLAN: "in the optimal plan",
        PlanStatus.NOT_IN_PLAN: "not in the optimal plan",
        PlanStatus.STARTS_LATER: f"the optimal plan starts it {signals.plan_delay_months} "
        "months later",
    }[evidence.plan_status]
    return Reason("plan_status", evidence.plan_status.value, text)


def _value_reason(evidence: Evidence) -> Reason:
    return Reason(
        "remaining_npv",
        evidence.remaining_npv,
        f"remaining NPV (future cash flows only) is {_money(evidence.remaining_npv)}",
        0.0,
    )


def _risk_reason(evidence: Evidence) -> Reason:
    return Reason(
        "risk_adjusted_npv",
        evidence.risk_adjusted_npv,
        f"risk exposure {_money(evidence.risk_exposure)} leaves a risk-adjusted remaining NPV "
        f"of {_money(evidence.risk_adjusted_npv)}",
        0.0,
    )


def _strategy_reason(evidence: Evidence, threshold: float, relation: str) -> Reason:
    return Reason(
        "strategic_score",
        evidence.strategic_score,
        f"strategic score {evidence.strategic_score:.2f} is {relation} {threshold:.2f}",
        threshold,
    )


def _opportunity_reason(evidence: Evidence, signals: ProjectSignals) -> Reason:
    priced = [
        (signals.shadow_prices[key], key) for key in signals.demand if key in signals.shadow_prices
    ]
    costliest = ""
    if priced:
        price, (role, month) = max(priced)
        costliest = f" (dearest: {role} in month {month} at {_money(price)} per FTE)"
    return Reason(
        "opportunity_cost",
        evidence.opportunity_cost,
        f"its capacity is worth {_money(evidence.opportunity_cost)} to the rest of the "
        f"portfolio at the optimiser's shadow prices{costliest}",
    )


def _index_reason(name: str, value: float | None, trend: float | None, threshold: float) -> Reason:
    trend_text = "unknown trend" if trend is None else f"trend {trend:+.3f} per period"
    shown = "unknown" if value is None else f"{value:.2f}"
    return Reason(
        name, value, f"{name.upper()} {shown} ({trend_text}); threshold {threshold:.2f}", threshold
    )


def _conflict_reason(share: float, threshold: float, what: str = "its demand") -> Reason:
    return Reason(
        "capacity_conflict_share",
        share,
        f"{share:.0%} of {what} falls in over-allocated role-months (threshold {threshold:.0%})",
        threshold,
    )


def _not_improving(trend: float | None) -> bool:
    return trend is None or trend <= 0.0


def _healthy(value: float | None, trend: float | None, policy: RecommendationPolicy) -> bool:
    if value is None:
        return True  # a proposed project has no performance record to hold against it
    return value >= policy.healthy_index and (trend is None or trend > policy.declining_slope)


def _decide(
    signals: ProjectSignals, evidence: Evidence, policy: RecommendationPolicy
) -> Recommendation:
    active = signals.state is ProjectState.ACTIVE
    optional = not signals.mandatory
    plan = evidence.plan_status
    remaining, adjusted = evidence.remaining_npv, evidence.risk_adjusted_npv
    score = evidence.strategic_score

    def build(
        action: Action, rule: str, reasons: list[Reason], effect: Effect, months: int | None = None
    ) -> Recommendation:
        return Recommendation(
            project=signals.project,
            action=action,
            rule=rule,
            reasons=tuple(reasons),
            effect=effect,
            evidence=evidence,
            months=months,
        )

    def hold(rule: str, reasons: list[Reason], months: int) -> Recommendation:
        action = Action.PAUSE if active else Action.DELAY
        return build(
            action, rule, reasons, _shift_effect(signals, evidence, months, policy), months
        )

    if optional and plan is PlanStatus.NOT_IN_PLAN and remaining < 0:
        reasons = [_plan_reason(evidence, signals), _value_reason(evidence)]
        return build(Action.KILL, "K1", reasons, _kill_effect(signals, evidence))

    if (
        optional
        and active
        and evidence.cpi is not None
        and evidence.cpi <= policy.kill_cpi
        and _not_improving(evidence.cpi_trend)
        and adjusted < 0
        and score < policy.strategic_high
    ):
        reasons = [
            _index_reason("cpi", evidence.cpi, evidence.cpi_trend, policy.kill_cpi),
            _risk_reason(evidence),
            _strategy_reason(evidence, policy.strategic_high, "below"),
        ]
        return build(Action.KILL, "K2", reasons, _kill_effect(signals, evidence))

    if (
        optional
        and plan is PlanStatus.NOT_IN_PLAN
        and adjusted <= 0
        and score < policy.strategic_low
    ):
        reasons = [
            _plan_reason(evidence, signals),
            _risk_reason(evidence),
            _strategy_reason(evidence, policy.strategic_low, "below"),
        ]
        return build(Action.KILL, "K3", reasons, _kill_effect(signals, evidence))

    if plan is PlanStatus.STARTS_LATER:
        reasons = [_plan_reason(evidence, signals), _opportunity_reason(evidence, signals)]
        return hold("T1", reasons, signals.plan_delay_months)

    if optional and plan is PlanStatus.NOT_IN_PLAN:
        reasons = [
            _plan_reason(evidence, signals),
            _value_reason(evidence),
            _opportunity_reason(evidence, signals),
        ]
        return hold("T2", reasons, policy.pause_months if active else policy.delay_months)

    if (
        optional
        and active
        and evidence.cpi is not None
        and evidence.spi is not None
        and evidence.cpi < policy.pause_cpi
        and evidence.spi < policy.pause_spi
        and _not_improving(evidence.cpi_trend)
        and _not_improving(evidence.spi_trend)
    ):
        reasons = [
            _index_reason("cpi", evidence.cpi, evidence.cpi_trend, policy.pause_cpi),
            _index_reason("spi", evidence.spi, evidence.spi_trend, policy.pause_spi),
        ]
        return hold("P1", reasons, policy.pause_months)

    if (
        optional
        and evidence.capacity_conflict_share >= policy.conflict_share
        and score < policy.strategic_high
    ):
        reasons = [
            _conflict_reason(evidence.capacity_conflict_share, policy.conflict_share),
            _strategy_reason(evidence, policy.strategic_high, "below"),
            _opportunity_reason(evidence, signals),
        ]
        return hold("C1", reasons, policy.pause_months if active else policy.delay_months)

    if optional and not active and remaining > 0 and adjusted < 0:
        reasons = [_value_reason(evidence), _risk_reason(evidence)]
        return hold("R1", reasons, policy.delay_months)

    expansion = signals.expansion
    if (
        expansion is not None
        and plan is PlanStatus.IN_PLAN
        and (evidence.expansion_npv or 0.0) > 0
        and remaining > 0
        and adjusted > 0
        and score >= policy.strategic_high
        and _healthy(evidence.cpi, evidence.cpi_trend, policy)
        and _healthy(evidence.spi, evidence.spi_trend, policy)
        and evidence.capacity_conflict_share <= policy.invest_conflict_max
        and (evidence.expansion_conflict_share or 0.0) <= policy.invest_conflict_max
    ):
        reasons = [
            _plan_reason(evidence, signals),
            _risk_reason(evidence),
            _strategy_reason(evidence, policy.strategic_high, "at or above"),
            Reason(
                "expansion_npv",
                evidence.expansion_npv,
                f"the expansion ({expansion.description}) adds "
                f"{_money(evidence.expansion_npv or 0.0)} of NPV",
                0.0,
            ),
            _conflict_reason(
                evidence.expansion_conflict_share or 0.0,
                policy.invest_conflict_max,
                "the expansion's demand",
            ),
        ]
        if evidence.cpi is not None:
            reasons.append(
                _index_reason("cpi", evidence.cpi, evidence.cpi_trend, policy.healthy_index)
            )
        if evidence.spi is not None:
            reasons.append(
                _index_reason("spi", evidence.spi, evidence.spi_trend, policy.healthy_index)
            )
        return build(Action.INVEST_MORE, "I1", reasons, _expansion_effect(expansion, evidence))

    reasons = [_plan_reason(evidence, signals), _value_reason(evidence)]
    if signals.mandatory:
        reasons.append(
            Reason(
                "mandatory",
                "yes",
                "mandatory: never killed or paused by these rules; only the plan's timing moves it",
            )
        )
    return build(Action.CONTINUE, "N1", reasons, _no_change())


def recommend(
    signals: Sequence[ProjectSignals], policy: RecommendationPolicy | None = None
) -> list[Recommendation]:
    """One recommendation per active or proposed project.

    Parameters
    ----------
    signals:
        One :class:`ProjectSignals` per project (project ids unique).
    policy:
        Thresholds; :class:`RecommendationPolicy` defaults when omitted.

    Returns
    -------
    list of Recommendation
        In input order; each names its action, the rule that fired (see ``RULES``), the reasons
        with their values and thresholds, the quantified effect and all derived signals.
    """
    chosen = RecommendationPolicy() if policy is None else policy
    counts = Counter(entry.project for entry in signals)
    duplicates = sorted(project for project, count in counts.items() if count > 1)
    if duplicates:
        raise InputError(f"project ids must be unique: {', '.join(duplicates)}", field="signals")
    return [_decide(entry, _evidence(entry, chosen), chosen) for entry in signals]
