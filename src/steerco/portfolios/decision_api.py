"""API: scenarios and optimiser runs, the efficient frontier, recommendations, scores, AHP
and business case metrics.

Optimiser runs and frontiers are background jobs: ``POST /scenarios/{id}/optimise`` and
``POST /portfolios/{id}/frontier`` answer ``202`` with the job to poll at ``/api/v1/jobs/{id}``.
Infeasible input is a run result (``status: "infeasible"``) naming the conflicting constraints.
"""

import datetime as dt
import math
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from steerco.api.helpers import request_user
from steerco.jobs.models import Job
from steerco.portfolios import decision_selectors as selectors
from steerco.portfolios import decision_services as services
from steerco.portfolios.models import OptimiserRun, Scenario

router = Router(tags=["decisions"])


def _name(user: Any) -> str | None:
    return str(user) if user is not None else None


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


# -- schemas ---------------------------------------------------------------------------------


class RunBriefOut(Schema):
    id: int
    status: str
    value: float | None
    gap: float | None


class ScenarioOut(Schema):
    id: int
    portfolio_id: int
    name: str
    description: str
    status: str
    based_on_id: int | None
    horizon_start: dt.date | None
    horizon_months: int
    budget_overrides: dict[str, Any]
    capacity_overrides: dict[str, Any]
    created_by_name: str | None
    promoted_by_name: str | None
    promoted_at: dt.datetime | None
    promotion_reason: str
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_created_by_name(scenario: Scenario) -> str | None:
        return _name(scenario.created_by)

    @staticmethod
    def resolve_promoted_by_name(scenario: Scenario) -> str | None:
        return _name(scenario.promoted_by)


class ScenarioRowOut(ScenarioOut):
    portfolio_code: str
    project_count: int
    latest_run: RunBriefOut | None

    @staticmethod
    def resolve_portfolio_code(scenario: Scenario) -> str:
        return scenario.portfolio.code

    @staticmethod
    def resolve_latest_run(scenario: Any) -> dict[str, Any] | None:
        if scenario.latest_run_id is None:
            return None
        return {
            "id": scenario.latest_run_id,
            "status": scenario.latest_run_status,
            "value": scenario.latest_run_value,
            "gap": scenario.latest_run_gap,
        }


class ScenarioProjectOut(Schema):
    project_id: int
    code: str
    name: str
    stage: str
    mode: str
    start_month_override: dt.date | None
    exclusive_group: str
    included: bool | None
    selected_start_month: dt.date | None


class HireOut(Schema):
    role_id: int
    role_code: str
    month: dt.date
    fte_delta: float
    note: str


class RunOut(Schema):
    id: int
    scenario_id: int
    status: str
    objective: str
    time_limit_seconds: int
    value: float | None
    bound: float | None
    gap: float | None
    seconds: float | None
    job_id: int | None
    error: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class ScenarioDetailOut(Schema):
    scenario: ScenarioOut
    projects: list[ScenarioProjectOut]
    hires: list[HireOut]
    runs: list[RunOut]


class ScenarioFilters(Schema):
    portfolio_id: int | None = None


class ScenarioIn(Schema):
    portfolio_id: int
    name: str
    description: str = ""
    copy_from_id: int | None = Field(
        None, description="Scenario to copy; by default the portfolio's promoted plan"
    )
    horizon_start: dt.date | None = None
    horizon_months: int | None = None


class ScenarioProjectIn(Schema):
    project_id: int
    mode: str | None = Field(None, description="candidate, forced_in or forced_out")
    start_month: dt.date | None = Field(None, description="Fixed start month; null frees it")
    exclusive_group: str | None = None


class HireIn(Schema):
    role_id: int
    month: dt.date
    fte_delta: float = Field(description="FTE added from that month on (negative: lost)")
    note: str = ""


class ScenarioPatch(Schema):
    name: str | None = None
    description: str | None = None
    horizon_start: dt.date | None = None
    horizon_months: int | None = None
    budget_overrides: dict[str, dict[str, Any]] | None = Field(
        None, description='{"YYYY-MM": {"capex": amount, "opex": amount}}'
    )
    capacity_overrides: dict[str, dict[str, float]] | None = Field(
        None, description='{"ROLE CODE": {"YYYY-MM": hours}}'
    )
    projects: list[ScenarioProjectIn] | None = Field(None, description="Rows to add or change")
    remove_project_ids: list[int] | None = None
    hires: list[HireIn] | None = Field(None, description="Replaces the hiring plan")


class OptimiseIn(Schema):
    objective: str = Field("npv", description="npv, score, mix or risk_adjusted_value")
    time_limit_seconds: int = 30
    max_starts_per_month: int | None = None
    budget_period: str = Field("quarter", description="month, quarter, year or window")


class OptimiseOut(Schema):
    run: RunOut
    job_id: int
    job_url: str


class RunDetailOut(RunOut):
    result: dict[str, Any]


class PromoteIn(Schema):
    reason: str


class CompareFilters(Schema):
    ids: list[int] = Field(description="Up to 6 scenario ids")


class ComparedOut(Schema):
    scenario_id: int
    name: str
    status: str
    source: str
    run_id: int | None
    value: float
    npv: float
    score: float
    risk_exposure: float
    projects: int
    gap: float | None
    spend_by_quarter: dict[str, float]
    capacity: list[dict[str, Any]]


class DifferenceOut(Schema):
    project: str
    name: str
    starts: list[str]
    differs: bool


class ComparisonOut(Schema):
    scenarios: list[ComparedOut]
    differences: list[DifferenceOut]


class JobBriefOut(Schema):
    id: int
    state: str
    progress: int
    message: str
    error: str
    created_at: dt.datetime


class FrontierOut(Schema):
    job: JobBriefOut | None
    result: dict[str, Any] | None


class FrontierIn(Schema):
    scenario_id: int | None = Field(None, description="Default: the portfolio's promoted plan")
    points: int = 20
    time_limit_per_point: float = 3.0
    objective: str = "npv"


class JobStartedOut(Schema):
    job_id: int
    job_url: str


class ReasonOut(Schema):
    signal: str
    value: float | str | None
    message: str
    threshold: float | None


class EffectOut(Schema):
    value_change: float
    budget_freed: float
    budget_needed: float
    fte_months_freed: float
    fte_months_needed: float
    description: str


class RecommendationOut(Schema):
    project_id: int
    code: str
    name: str
    stage: str
    action: str
    rule: str
    summary: str
    months: int | None
    reasons: list[ReasonOut]
    effect: EffectOut
    evidence: dict[str, Any]


class RecommendationsOut(Schema):
    portfolio_id: int
    first_month: dt.date
    plan_source: str
    notes: list[str]
    items: list[RecommendationOut]


class CriterionOut(Schema):
    id: int
    code: str
    name: str
    weight: float
    normalised_weight: float | None
    scale_type: str
    direction: str


class RankedOut(Schema):
    project_id: int
    code: str
    name: str
    score: float | None
    rank: int | None
    unscored: list[str]


class SensitivityOut(Schema):
    criterion: str
    weight: float
    smallest_change_for_rank_swap: float | None
    smallest_change_for_top_k: float | None


class AlignmentOut(Schema):
    project_id: int
    code: str
    score: float
    contributions: dict[str, int]


class PrioritisationOut(Schema):
    criteria: list[CriterionOut]
    ranking: list[RankedOut]
    sensitivity: list[SensitivityOut]
    alignment: list[AlignmentOut]


class PrioritisationFilters(Schema):
    portfolio_id: int | None = None


class ScoreIn(Schema):
    project_id: int
    criterion_id: int
    value: float | None = Field(description="Null clears the score")


class ScoresIn(Schema):
    as_rater: bool = Field(False, description="Your own rating instead of the agreed score")
    scores: list[ScoreIn]


class ChangedOut(Schema):
    changed: int


class WeightsIn(Schema):
    weights: dict[int, float] = Field(description="Criterion id -> weight (used normalised)")


class AhpFilters(Schema):
    set_name: str | None = None


class JudgmentIn(Schema):
    criterion_a_id: int
    criterion_b_id: int
    value: float = Field(description="How much more A matters than B, 1/9..9")


class AhpIn(Schema):
    set_name: str = "default"
    judgments: list[JudgmentIn]


class AhpApplyIn(Schema):
    set_name: str


class AhpResultOut(Schema):
    weights: dict[str, float]
    consistency_ratio: float
    is_consistent: bool
    message: str
    inconsistent_pairs: list[dict[str, Any]]


class RaterOut(Schema):
    rater_id: int
    rater_name: str
    missing: int
    result: AhpResultOut | None


class AhpOut(Schema):
    set_name: str
    set_names: list[str]
    criteria: list[str]
    judgments: list[dict[str, Any]]
    mine: AhpResultOut | None
    raters: list[RaterOut]
    group: AhpResultOut | None


class CashFlowLineIn(Schema):
    month_index: int
    kind: str = Field(description="cost or benefit")
    category: str = Field(description="capex, opex, revenue, cost_saving...")
    amount: float


class MetricsIn(Schema):
    discount_rate: float | None = None
    lines: list[CashFlowLineIn]


class MetricsOut(Schema):
    business_case_id: int | None
    project_id: int
    annual_discount_rate: float
    error: str
    npv: float | None
    irr: dict[str, Any] | None
    irr_message: str
    mirr_annual: float | None
    payback_months: float | None
    payback_reason: str
    discounted_payback_months: float | None
    discounted_payback_reason: str
    roi: float | None
    benefit_cost_ratio: float | None
    total_costs: float | None
    total_benefits: float | None
    capex: float | None
    opex: float | None
    sensitivity: list[dict[str, Any]]
    cumulative_net_cash_flows: list[float]


# -- converters ------------------------------------------------------------------------------


def _scenario_detail(user: Any, scenario_id: int) -> dict[str, Any]:
    scenario = selectors.access_scenario_by_id(user, scenario_id)
    rows = scenario.projects.select_related("project").order_by("project__code")
    hires = scenario.hiring_plans.select_related("role")
    runs = scenario.runs.order_by("-created_at", "-pk")[:10]
    return {
        "scenario": scenario,
        "projects": [
            {
                "project_id": row.project_id,
                "code": row.project.code,
                "name": row.project.name,
                "stage": row.project.stage,
                "mode": row.mode,
                "start_month_override": row.start_month_override,
                "exclusive_group": row.exclusive_group,
                "included": row.included,
                "selected_start_month": row.selected_start_month,
            }
            for row in rows
        ],
        "hires": [
            {
                "role_id": hire.role_id,
                "role_code": hire.role.code,
                "month": hire.month,
                "fte_delta": float(hire.fte_delta),
                "note": hire.note,
            }
            for hire in hires
        ],
        "runs": list(runs),
    }


def _ahp_result(result: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    return {
        "weights": result.weight_of(),
        "consistency_ratio": result.consistency_ratio,
        "is_consistent": result.is_consistent,
        "message": result.message,
        "inconsistent_pairs": [
            {
                "a": pair.row_label,
                "b": pair.column_label,
                "judgment": pair.judgment,
                "implied": pair.implied,
                "deviation": pair.deviation,
            }
            for pair in result.inconsistent_pairs[:3]
        ],
    }


def _metrics(view: selectors.MetricsView) -> dict[str, Any]:
    metrics = view.metrics
    base: dict[str, Any] = {
        "business_case_id": view.business_case.pk if view.business_case else None,
        "project_id": view.project.pk,
        "annual_discount_rate": view.annual_discount_rate,
        "error": view.error,
        "npv": None,
        "irr": None,
        "irr_message": "",
        "mirr_annual": None,
        "payback_months": None,
        "payback_reason": "",
        "discounted_payback_months": None,
        "discounted_payback_reason": "",
        "roi": None,
        "benefit_cost_ratio": None,
        "total_costs": None,
        "total_benefits": None,
        "capex": None,
        "opex": None,
        "sensitivity": [],
        "cumulative_net_cash_flows": [],
    }
    if metrics is None:
        return base
    irr = metrics.irr
    base.update(
        npv=metrics.npv,
        irr=None
        if irr is None
        else {
            "annual_rate": irr.annual_rate,
            "monthly_rate": irr.monthly_rate,
            "method": irr.method,
            "unique": irr.irr_is_unique,
            "sign_changes": irr.sign_changes,
            "message": irr.message,
        },
        irr_message=metrics.irr_message,
        mirr_annual=metrics.mirr.annual if metrics.mirr else None,
        payback_months=metrics.payback.months,
        payback_reason=metrics.payback.reason,
        discounted_payback_months=metrics.discounted_payback.months,
        discounted_payback_reason=metrics.discounted_payback.reason,
        roi=metrics.roi,
        benefit_cost_ratio=metrics.benefit_cost_ratio,
        total_costs=metrics.total_costs,
        total_benefits=metrics.total_benefits,
        capex=metrics.capex,
        opex=metrics.opex,
        cumulative_net_cash_flows=list(metrics.cumulative_net_cash_flows),
        sensitivity=[
            {
                "driver": row.driver,
                "low_case": row.low_case,
                "high_case": row.high_case,
                "low_npv": row.low_npv,
                "high_npv": row.high_npv,
            }
            for row in (view.sensitivity.rows if view.sensitivity else ())
        ],
    )
    return base


def _criteria(view: selectors.Prioritisation) -> list[dict[str, Any]]:
    return [
        {
            "id": criterion.pk,
            "code": criterion.code,
            "name": criterion.name,
            "weight": float(criterion.weight),
            "normalised_weight": view.weights.get(criterion.code),
            "scale_type": criterion.scale_type,
            "direction": criterion.direction,
        }
        for criterion in view.criteria
    ]


def _job_url(request: HttpRequest, job_id: int) -> str:
    return request.build_absolute_uri(f"/api/v1/jobs/{job_id}")


# -- scenarios -------------------------------------------------------------------------------


@router.get("/scenarios", response=list[ScenarioRowOut])
@paginate
def scenario_list(request: HttpRequest, filters: Query[ScenarioFilters]) -> QuerySet[Scenario]:
    return selectors.scenario_list(request_user(request), portfolio_id=filters.portfolio_id)


@router.post("/scenarios", response={201: ScenarioOut})
def scenario_create(request: HttpRequest, payload: ScenarioIn) -> Status[Scenario]:
    scenario = services.scenario_create(acting_user=request_user(request), **payload.model_dump())
    return Status(201, scenario)


@router.get("/scenarios/compare", response=ComparisonOut)
def scenario_compare(request: HttpRequest, filters: Query[CompareFilters]) -> dict[str, Any]:
    comparison = selectors.scenario_compare(request_user(request), filters.ids)
    return {
        "scenarios": [
            {
                "scenario_id": entry.scenario.pk,
                "name": entry.scenario.name,
                "status": entry.scenario.status,
                "source": entry.outcome.source,
                "run_id": entry.outcome.run.pk if entry.outcome.run else None,
                "value": entry.outcome.summary["value"],
                "npv": entry.outcome.summary["npv"],
                "score": entry.outcome.summary["score"],
                "risk_exposure": entry.outcome.summary["risk_exposure"],
                "projects": entry.outcome.summary["count"],
                "gap": _finite(entry.outcome.run.gap) if entry.outcome.run else None,
                "spend_by_quarter": entry.spend_by_period,
                "capacity": [
                    {
                        "role": use.role,
                        "name": use.name,
                        "peak_share": use.peak_share,
                        "months_over": use.months_over,
                        "fte_by_month": entry.outcome.summary["fte"].get(use.role, []),
                        "capacity_by_month": entry.outcome.summary["capacity"].get(use.role, []),
                    }
                    for use in entry.role_use
                ],
            }
            for entry in comparison.scenarios
        ],
        "differences": comparison.differences,
    }


@router.get("/scenarios/{scenario_id}", response=ScenarioDetailOut)
def scenario_detail(request: HttpRequest, scenario_id: int) -> dict[str, Any]:
    return _scenario_detail(request_user(request), scenario_id)


@router.patch("/scenarios/{scenario_id}", response=ScenarioOut)
def scenario_update(request: HttpRequest, scenario_id: int, payload: ScenarioPatch) -> Scenario:
    # Unset keys (at every level) keep their value: a row may change its mode only.
    changes: dict[str, Any] = payload.model_dump(exclude_unset=True)
    return services.scenario_update(
        acting_user=request_user(request),
        scenario_id=scenario_id,
        changes=changes,  # type: ignore[arg-type]
    )


@router.delete("/scenarios/{scenario_id}", response={204: None})
def scenario_delete(request: HttpRequest, scenario_id: int) -> Status[None]:
    services.scenario_delete(acting_user=request_user(request), scenario_id=scenario_id)
    return Status(204, None)


@router.post("/scenarios/{scenario_id}/optimise", response={202: OptimiseOut})
def scenario_optimise(
    request: HttpRequest, scenario_id: int, payload: OptimiseIn
) -> Status[dict[str, Any]]:
    run = services.scenario_optimise(
        acting_user=request_user(request), scenario_id=scenario_id, **payload.model_dump()
    )
    assert run.job_id is not None
    return Status(202, {"run": run, "job_id": run.job_id, "job_url": _job_url(request, run.job_id)})


@router.get("/scenarios/{scenario_id}/runs", response=list[RunOut])
@paginate
def run_list(request: HttpRequest, scenario_id: int) -> QuerySet[OptimiserRun]:
    return selectors.run_list(request_user(request), scenario_id)


@router.get("/scenarios/{scenario_id}/runs/{run_id}", response=RunDetailOut)
def run_detail(request: HttpRequest, scenario_id: int, run_id: int) -> OptimiserRun:
    return selectors.run_get(request_user(request), scenario_id, run_id)


@router.post("/scenarios/{scenario_id}/promote", response=ScenarioOut)
def scenario_promote(request: HttpRequest, scenario_id: int, payload: PromoteIn) -> Scenario:
    return services.scenario_promote(
        acting_user=request_user(request), scenario_id=scenario_id, reason=payload.reason
    )


# -- frontier and recommendations ------------------------------------------------------------


@router.get("/portfolios/{portfolio_id}/frontier", response=FrontierOut)
def frontier_get(request: HttpRequest, portfolio_id: int) -> dict[str, Any]:
    view = selectors.frontier_latest(request_user(request), portfolio_id)
    return {"job": view.job, "result": view.result}


@router.post("/portfolios/{portfolio_id}/frontier", response={202: JobStartedOut})
def frontier_start(
    request: HttpRequest, portfolio_id: int, payload: FrontierIn
) -> Status[dict[str, Any]]:
    job: Job = services.frontier_start(
        acting_user=request_user(request), portfolio_id=portfolio_id, **payload.model_dump()
    )
    return Status(202, {"job_id": job.pk, "job_url": _job_url(request, job.pk)})


@router.get("/portfolios/{portfolio_id}/recommendations", response=RecommendationsOut)
def recommendations(request: HttpRequest, portfolio_id: int) -> dict[str, Any]:
    listing = selectors.portfolio_recommendations(request_user(request), portfolio_id)
    items = []
    for item in listing.items:
        recommendation = item.recommendation
        effect = recommendation.effect
        evidence = recommendation.evidence
        items.append(
            {
                "project_id": item.project.pk,
                "code": item.project.code,
                "name": item.project.name,
                "stage": item.project.stage,
                "action": recommendation.action.value,
                "rule": recommendation.rule,
                "summary": recommendation.summary,
                "months": recommendation.months,
                "reasons": recommendation.reasons,
                "effect": {
                    "value_change": effect.value_change,
                    "budget_freed": effect.budget_freed,
                    "budget_needed": effect.budget_needed,
                    "fte_months_freed": effect.fte_months_freed,
                    "fte_months_needed": effect.fte_months_needed,
                    "description": effect.description,
                },
                "evidence": {
                    "plan_status": evidence.plan_status.value,
                    "remaining_npv": evidence.remaining_npv,
                    "risk_exposure": evidence.risk_exposure,
                    "risk_adjusted_npv": evidence.risk_adjusted_npv,
                    "opportunity_cost": evidence.opportunity_cost,
                    "capacity_conflict_share": evidence.capacity_conflict_share,
                    "strategic_score": evidence.strategic_score,
                    "cpi": evidence.cpi,
                    "spi": evidence.spi,
                    "cpi_trend": evidence.cpi_trend,
                    "spi_trend": evidence.spi_trend,
                },
            }
        )
    return {
        "portfolio_id": listing.portfolio.pk,
        "first_month": listing.first_month,
        "plan_source": listing.plan_source,
        "notes": listing.notes,
        "items": items,
    }


# -- prioritisation --------------------------------------------------------------------------


@router.get("/prioritisation", response=PrioritisationOut)
def prioritisation(request: HttpRequest, filters: Query[PrioritisationFilters]) -> dict[str, Any]:
    view = selectors.prioritisation(request_user(request), filters.portfolio_id)
    sensitivity = view.sensitivity.criteria if view.sensitivity else ()
    return {
        "criteria": _criteria(view),
        "ranking": [
            {
                "project_id": row.project.pk,
                "code": row.project.code,
                "name": row.project.name,
                "score": row.score,
                "rank": row.rank,
                "unscored": list(row.missing),
            }
            for row in view.ranked()
        ],
        "sensitivity": [
            {
                "criterion": entry.criterion,
                "weight": entry.weight,
                "smallest_change_for_rank_swap": entry.smallest_change_for_rank_swap,
                "smallest_change_for_top_k": entry.smallest_change_for_top_k,
            }
            for entry in sensitivity
        ],
        "alignment": [
            {
                "project_id": row.project.pk,
                "code": row.project.code,
                "score": row.score,
                "contributions": {
                    objective.code: value
                    for objective, value in zip(view.objectives, row.contributions, strict=True)
                },
            }
            for row in view.alignment_rows
        ],
    }


@router.put("/scores", response=ChangedOut)
def scores_set(request: HttpRequest, payload: ScoresIn) -> dict[str, int]:
    changed = services.project_scores_set(
        acting_user=request_user(request),
        scores=[score.model_dump() for score in payload.scores],  # type: ignore[misc]
        as_rater=payload.as_rater,
    )
    return {"changed": changed}


@router.put("/criteria/weights", response=list[CriterionOut])
def weights_set(request: HttpRequest, payload: WeightsIn) -> list[dict[str, Any]]:
    user = request_user(request)
    services.criterion_weights_set(acting_user=user, weights=payload.weights)
    return _criteria(selectors.prioritisation(user))


def _ahp(user: Any, set_name: str | None) -> dict[str, Any]:
    view = selectors.ahp_view(user, set_name)
    return {
        "set_name": view.set_name,
        "set_names": view.set_names,
        "criteria": [criterion.code for criterion in view.criteria],
        "judgments": [
            {
                "criterion_a": pair.first.code,
                "criterion_b": pair.second.code,
                "value": float(pair.value) if pair.value is not None else None,
            }
            for pair in view.pairs
        ],
        "mine": _ahp_result(view.mine),
        "raters": [
            {
                "rater_id": entry.rater.pk,
                "rater_name": str(entry.rater),
                "missing": entry.missing,
                "result": _ahp_result(entry.result),
            }
            for entry in view.raters
        ],
        "group": _ahp_result(view.group),
    }


@router.get("/ahp", response=AhpOut)
def ahp_get(request: HttpRequest, filters: Query[AhpFilters]) -> dict[str, Any]:
    return _ahp(request_user(request), filters.set_name)


@router.put("/ahp", response=AhpOut)
def ahp_set(request: HttpRequest, payload: AhpIn) -> dict[str, Any]:
    user = request_user(request)
    services.ahp_comparison_set(
        acting_user=user,
        set_name=payload.set_name,
        judgments=[judgment.model_dump() for judgment in payload.judgments],  # type: ignore[misc]
    )
    return _ahp(user, payload.set_name)


@router.post("/ahp/apply", response=AhpResultOut)
def ahp_apply(request: HttpRequest, payload: AhpApplyIn) -> dict[str, Any] | None:
    result = services.criterion_weights_from_ahp(
        acting_user=request_user(request), set_name=payload.set_name
    )
    return _ahp_result(result)


# -- business case metrics -------------------------------------------------------------------


@router.get("/business-cases/{business_case_id}/metrics", response=MetricsOut)
def business_case_metrics(request: HttpRequest, business_case_id: int) -> dict[str, Any]:
    return _metrics(selectors.business_case_metrics(request_user(request), business_case_id))


@router.post("/business-cases/{business_case_id}/metrics", response=MetricsOut)
def business_case_metrics_preview(
    request: HttpRequest, business_case_id: int, payload: MetricsIn
) -> dict[str, Any]:
    view = selectors.business_case_metrics_preview(
        request_user(request),
        business_case_id,
        lines=[line.model_dump() for line in payload.lines],
        discount_rate=Decimal(str(payload.discount_rate))
        if payload.discount_rate is not None
        else None,
    )
    return _metrics(view)
