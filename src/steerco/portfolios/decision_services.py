"""Writes for portfolio decisions: scenarios, optimiser runs, promotion, scores and AHP.

Every function checks the acting user's access, validates every field before writing
(raising ``ValidationFailed`` with the messages per field), writes, and records an audit row
in the same transaction. Optimiser runs are background jobs: :func:`scenario_optimise`
queues one, and :func:`optimiser_run_execute` (the job handler, or the CLI in-process) solves
it and stores the plan together with the exact engine input it was solved on.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any, NotRequired, TypedDict

from django.db import transaction
from django.utils import timezone

from steerco.accounts.models import User
from steerco.core.access import organisation_id_of
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.core.validation import check_money_places
from steerco.engine.errors import InfeasibleError, InputError
from steerco.engine.portfolio.ahp import AhpResult
from steerco.engine.portfolio.frontier import frontier
from steerco.engine.portfolio.optimiser import OptimiseResult, optimise
from steerco.jobs.services import job_start
from steerco.portfolios import decision_engine_io as io
from steerco.portfolios import decision_selectors as selectors
from steerco.portfolios.models import (
    AHP_MAX,
    AHP_MIN,
    AhpComparison,
    OptimiserRun,
    ProjectScore,
    Scenario,
    ScenarioProject,
    ScoringCriterion,
)
from steerco.projects.models import Project
from steerco.resources.models import HiringPlan, Role

Progress = Callable[[int, str], None]
MAX_TIME_LIMIT = 3600
MAX_SHADOW_PRICES = 60
ACTIVE_RUN_STATES = (OptimiserRun.Status.QUEUED, OptimiserRun.Status.RUNNING)


class Errors:
    """Messages per field, so that one response names every problem at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def _no_progress(percent: int, message: str) -> None:
    return None


def _month(value: Any, errors: Errors, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        if value.day != 1:
            errors.add(field, "Use the first day of a month.")
        return value.replace(day=1)
    try:
        return io.parse_month(str(value))
    except InputError:
        errors.add(field, "Use a month like 2027-03.")
        return None


def _number(value: Any, errors: Errors, field: str, *, minimum: float | None = None) -> float:
    try:
        number = float(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        errors.add(field, "Enter a number.")
        return 0.0
    if not math.isfinite(number):
        errors.add(field, "Enter a finite number.")
    elif minimum is not None and number < minimum:
        errors.add(field, f"Must be at least {minimum:g}.")
    return number


# -- scenarios -------------------------------------------------------------------------------


class ScenarioProjectChange(TypedDict):
    """Add a project to a scenario or change its row; unset keys keep their value."""

    project_id: int
    mode: NotRequired[str]
    start_month: NotRequired[dt.date | str | None]
    exclusive_group: NotRequired[str]


class HireInput(TypedDict):
    role_id: int
    month: dt.date | str
    fte_delta: Decimal | float | str
    note: NotRequired[str]


class ScenarioChanges(TypedDict, total=False):
    name: str
    description: str
    horizon_start: dt.date | str | None
    horizon_months: int
    budget_overrides: dict[str, dict[str, Any]]
    capacity_overrides: dict[str, dict[str, Any]]
    projects: list[ScenarioProjectChange]
    remove_project_ids: list[int]
    hires: list[HireInput]


def _scenario_state(scenario: Scenario) -> dict[str, Any]:
    rows = [
        {
            "project_id": row.project_id,
            "mode": row.mode,
            "start_month_override": row.start_month_override,
            "exclusive_group": row.exclusive_group,
        }
        for row in ScenarioProject.objects.filter(scenario=scenario).order_by("project_id")
    ]
    hires = [
        {"role_id": hire.role_id, "month": hire.month, "fte_delta": hire.fte_delta}
        for hire in HiringPlan.objects.filter(scenario=scenario).order_by("month", "role_id")
    ]
    return {**snapshot(scenario, SCENARIO_FIELDS), "projects": rows, "hires": hires}


SCENARIO_FIELDS = (
    "name",
    "description",
    "status",
    "horizon_start",
    "horizon_months",
    "budget_overrides",
    "capacity_overrides",
    "promoted_by",
    "promoted_at",
    "promotion_reason",
)


def _check_name(errors: Errors, portfolio_id: int, name: str, exclude: int | None = None) -> str:
    name = (name or "").strip()
    if not name:
        errors.add("name", "Give the scenario a name.")
    elif len(name) > 200:
        errors.add("name", "Use at most 200 characters.")
    else:
        clash = Scenario.objects.filter(portfolio_id=portfolio_id, name=name)
        if exclude is not None:
            clash = clash.exclude(pk=exclude)
        if clash.exists():
            errors.add("name", "The portfolio already has a scenario with this name.")
    return name


def _check_horizon_months(errors: Errors, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 240:
        errors.add("horizon_months", "Plan over 1 to 240 months.")
        return 36
    return value


@transaction.atomic
def scenario_create(
    *,
    acting_user: User,
    portfolio_id: int,
    name: str,
    description: str = "",
    copy_from_id: int | None = None,
    horizon_start: dt.date | str | None = None,
    horizon_months: int | None = None,
) -> Scenario:
    """A new draft scenario: a copy of ``copy_from_id``, else of the portfolio's plan.

    The copy takes the source's project rows (modes, start overrides, exclusive groups and
    the source's plan), budget and capacity overrides and hires. Open projects of the
    portfolio that the source does not list join as candidates. Without any plan, every open
    project joins: running and mandatory ones forced in, the others as candidates.
    """
    portfolio = selectors.access_decision_portfolio(acting_user, portfolio_id, for_edit=True)
    errors = Errors()
    name = _check_name(errors, portfolio.pk, name)
    source: Scenario | None = None
    if copy_from_id is not None:
        source = Scenario.objects.filter(
            pk=copy_from_id, organisation_id=portfolio.organisation_id
        ).first()
        if source is None or source.portfolio_id != portfolio.pk:
            errors.add("copy_from_id", "Copy a scenario of the same portfolio.")
    else:
        source = selectors.promoted_scenario(portfolio.pk)
    start = _month(horizon_start, errors, "horizon_start")
    months = _check_horizon_months(errors, horizon_months) if horizon_months is not None else None
    errors.raise_if_any()
    scenario = Scenario.objects.create(
        organisation_id=portfolio.organisation_id,
        portfolio=portfolio,
        name=name,
        description=(description or "").strip(),
        based_on=source,
        horizon_start=start
        or (source.horizon_start if source and source.horizon_start else None)
        or io.default_horizon_start(),
        horizon_months=months or (source.horizon_months if source else 36),
        budget_overrides=dict(source.budget_overrides or {}) if source else {},
        capacity_overrides=dict(source.capacity_overrides or {}) if source else {},
        created_by=acting_user,
    )
    open_projects = list(
        Project.objects.filter(portfolio=portfolio, stage__in=list(io.OPEN_STAGES))
    )
    rows: list[ScenarioProject] = []
    if source is not None:
        for row in ScenarioProject.objects.filter(scenario=source):
            rows.append(
                ScenarioProject(
                    scenario=scenario,
                    project_id=row.project_id,
                    mode=row.mode,
                    start_month_override=row.start_month_override,
                    exclusive_group=row.exclusive_group,
                    included=row.included,
                    selected_start_month=row.selected_start_month,
                )
            )
        listed = {row.project_id for row in rows}
        for project in open_projects:
            if project.pk not in listed:
                rows.append(ScenarioProject(scenario=scenario, project=project, included=False))
        HiringPlan.objects.bulk_create(
            HiringPlan(
                scenario=scenario,
                role_id=hire.role_id,
                month=hire.month,
                fte_delta=hire.fte_delta,
                note=hire.note,
            )
            for hire in HiringPlan.objects.filter(scenario=source)
        )
    else:
        for plan_row in io.default_plan_rows(open_projects):
            rows.append(
                ScenarioProject(
                    scenario=scenario,
                    project_id=plan_row.project_id,
                    mode=plan_row.mode,
                    included=plan_row.included,
                    selected_start_month=plan_row.selected_start_month,
                )
            )
    ScenarioProject.objects.bulk_create(rows)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.CREATE,
        instance=scenario,
        after=_scenario_state(scenario),
        summary=f"Created scenario {scenario.name} of {portfolio.code}"
        + (f" from {source.name}" if source else ""),
    )
    return scenario


def _check_budget_overrides(errors: Errors, value: Any) -> dict[str, dict[str, str]]:
    if not isinstance(value, Mapping):
        errors.add("budget_overrides", 'Use {"YYYY-MM": {"capex": amount, "opex": amount}}.')
        return {}
    clean: dict[str, dict[str, str]] = {}
    for key, amounts in value.items():
        field = f"budget_overrides.{key}"
        month = _month(key, errors, field)
        if month is None:
            continue
        if not isinstance(amounts, Mapping) or not set(amounts) <= set(io.COST_KINDS):
            errors.add(field, "Give capex and/or opex amounts.")
            continue
        entry = {}
        for kind in io.COST_KINDS:
            if amounts.get(kind) not in (None, ""):
                amount = _number(amounts[kind], errors, f"{field}.{kind}", minimum=0)
                if f"{field}.{kind}" not in errors.errors:
                    check_money_places(errors, f"{field}.{kind}", Decimal(str(amounts[kind])))
                entry[kind] = f"{amount:.2f}"
        if entry:
            clean[io.month_key(month)] = entry
    return clean


def _check_capacity_overrides(
    errors: Errors, value: Any, role_codes: set[str]
) -> dict[str, dict[str, float]]:
    if not isinstance(value, Mapping):
        errors.add("capacity_overrides", 'Use {"ROLE": {"YYYY-MM": hours}}.')
        return {}
    clean: dict[str, dict[str, float]] = {}
    for role, months in value.items():
        field = f"capacity_overrides.{role}"
        if role not in role_codes:
            errors.add(field, f"No role {role}.")
            continue
        if not isinstance(months, Mapping):
            errors.add(field, "Give hours per month.")
            continue
        for key, hours in months.items():
            month = _month(key, errors, f"{field}.{key}")
            if month is None:
                continue
            amount = _number(hours, errors, f"{field}.{key}", minimum=0)
            clean.setdefault(role, {})[io.month_key(month)] = round(amount, 2)
    return clean


@transaction.atomic
def scenario_update(*, acting_user: User, scenario_id: int, changes: ScenarioChanges) -> Scenario:
    """Change a scenario: name, window, budget and capacity overrides, hires, project rows.

    ``projects`` adds projects or changes their row (mode forced in / forced out / candidate,
    a fixed start month, an exclusive group); ``remove_project_ids`` takes projects out;
    ``hires`` replaces the hiring plan. A solved scenario goes back to draft: its last run no
    longer describes it. The promoted plan itself cannot change: copy it first.
    """
    scenario = selectors.access_scenario_by_id(acting_user, scenario_id, for_edit=True)
    if scenario.status in (Scenario.Status.PROMOTED, Scenario.Status.ARCHIVED):
        raise Conflict(
            f"“{scenario.name}” is {scenario.get_status_display().lower()}: "
            "copy it into a new scenario to change it."
        )
    errors = Errors()
    unknown = set(changes) - set(ScenarioChanges.__annotations__)
    for key in sorted(unknown):
        errors.add(key, "Unknown field.")
    before = _scenario_state(scenario)
    if "name" in changes:
        scenario.name = _check_name(errors, scenario.portfolio_id, changes["name"], scenario.pk)
    if "description" in changes:
        scenario.description = (changes["description"] or "").strip()
    if "horizon_start" in changes:
        start = _month(changes["horizon_start"], errors, "horizon_start")
        scenario.horizon_start = start or io.default_horizon_start()
    if "horizon_months" in changes:
        scenario.horizon_months = _check_horizon_months(errors, changes["horizon_months"])
    if "budget_overrides" in changes:
        scenario.budget_overrides = _check_budget_overrides(errors, changes["budget_overrides"])
    roles = {
        role.code: role for role in Role.objects.filter(organisation_id=scenario.organisation_id)
    }
    if "capacity_overrides" in changes:
        scenario.capacity_overrides = _check_capacity_overrides(
            errors, changes["capacity_overrides"], set(roles)
        )
    rows = {row.project_id: row for row in ScenarioProject.objects.filter(scenario=scenario)}
    project_changes = list(changes.get("projects") or [])
    wanted = {int(change.get("project_id") or 0) for change in project_changes}
    projects = {
        project.pk: project
        for project in Project.objects.filter(
            organisation_id=scenario.organisation_id, pk__in=list(wanted)
        )
    }
    touched: list[ScenarioProject] = []
    created: list[ScenarioProject] = []
    for index, change in enumerate(project_changes):
        field = f"projects[{index}]"
        project = projects.get(int(change.get("project_id") or 0))
        if project is None or project.portfolio_id != scenario.portfolio_id:
            errors.add(f"{field}.project_id", "Choose a project of the scenario's portfolio.")
            continue
        row = rows.get(project.pk)
        if row is None:
            row = ScenarioProject(scenario=scenario, project=project)
            created.append(row)
            rows[project.pk] = row
        else:
            touched.append(row)
        if "mode" in change:
            if change["mode"] not in ScenarioProject.Mode.values:
                errors.add(f"{field}.mode", "Use candidate, forced_in or forced_out.")
            else:
                row.mode = change["mode"]
        if "start_month" in change:
            row.start_month_override = _month(change["start_month"], errors, f"{field}.start_month")
        if "exclusive_group" in change:
            group = (change["exclusive_group"] or "").strip()
            if len(group) > 40:
                errors.add(f"{field}.exclusive_group", "Use at most 40 characters.")
            row.exclusive_group = group
    remove = [int(pk) for pk in changes.get("remove_project_ids") or []]
    for pk in remove:
        if pk not in rows:
            errors.add("remove_project_ids", f"Project {pk} is not in the scenario.")
    new_hires: list[HiringPlan] | None = None
    if "hires" in changes:
        new_hires = []
        role_by_id = {role.pk: role for role in roles.values()}
        seen: set[tuple[int, dt.date]] = set()
        for index, hire in enumerate(changes["hires"] or []):
            field = f"hires[{index}]"
            role = role_by_id.get(int(hire.get("role_id") or 0))
            if role is None:
                errors.add(f"{field}.role_id", "Choose a role.")
            month = _month(hire.get("month"), errors, f"{field}.month")
            if month is None and f"{field}.month" not in errors.errors:
                errors.add(f"{field}.month", "Give the month the change starts.")
            delta = _number(hire.get("fte_delta"), errors, f"{field}.fte_delta")
            if abs(delta) > 1000 or delta == 0:
                errors.add(f"{field}.fte_delta", "Add or remove between 0.01 and 1000 FTE.")
            if role is not None and month is not None:
                if (role.pk, month) in seen:
                    errors.add(field, "One change per role and month.")
                seen.add((role.pk, month))
                new_hires.append(
                    HiringPlan(
                        scenario=scenario,
                        role=role,
                        month=month,
                        fte_delta=Decimal(f"{delta:.2f}"),
                        note=str(hire.get("note") or "")[:200],
                    )
                )
    errors.raise_if_any()
    if scenario.status == Scenario.Status.SOLVED:
        scenario.status = Scenario.Status.DRAFT
    scenario.save()
    ScenarioProject.objects.bulk_create(created)
    if touched:
        ScenarioProject.objects.bulk_update(
            touched, ["mode", "start_month_override", "exclusive_group"]
        )
    if remove:
        ScenarioProject.objects.filter(scenario=scenario, project_id__in=remove).delete()
    if new_hires is not None:
        HiringPlan.objects.filter(scenario=scenario).delete()
        HiringPlan.objects.bulk_create(new_hires)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        instance=scenario,
        before=before,
        after=_scenario_state(scenario),
        summary=f"Changed scenario {scenario.name}",
    )
    return scenario


@transaction.atomic
def scenario_delete(*, acting_user: User, scenario_id: int) -> None:
    scenario = selectors.access_scenario_by_id(acting_user, scenario_id, for_edit=True)
    if scenario.status == Scenario.Status.PROMOTED:
        raise Conflict("The promoted plan cannot be deleted: promote another scenario first.")
    before = _scenario_state(scenario)
    pk, name = scenario.pk, scenario.name
    Scenario.objects.filter(based_on=scenario).update(based_on=None)
    scenario.delete()
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.DELETE,
        entity_type="portfolios.scenario",
        entity_id=pk,
        organisation_id=organisation_id_of(acting_user),
        before=before,
        summary=f"Deleted scenario {name}",
    )


def _options(
    errors: Errors,
    *,
    objective: str,
    max_starts_per_month: int | None,
    budget_period: str,
) -> io.OptimiserOptions:
    try:
        return io.OptimiserOptions(
            objective=objective,
            budget_period=budget_period,
            max_starts_per_month=max_starts_per_month,
        )
    except InputError as exc:
        errors.add(exc.field or "objective", exc.detail)
        return io.OptimiserOptions()


@transaction.atomic
def scenario_optimise(
    *,
    acting_user: User,
    scenario_id: int,
    objective: str = "npv",
    time_limit_seconds: int = 30,
    max_starts_per_month: int | None = None,
    budget_period: str = "quarter",
    background: bool = True,
) -> OptimiserRun:
    """Queue an optimiser run of the scenario as a background job (see the job's progress).

    With ``background=False`` the run is only recorded, for the caller to solve in-process
    with :func:`optimiser_run_execute` (the command line does).
    """
    scenario = selectors.access_scenario_by_id(acting_user, scenario_id, for_edit=True)
    errors = Errors()
    options = _options(
        errors,
        objective=objective,
        max_starts_per_month=max_starts_per_month,
        budget_period=budget_period,
    )
    if (
        isinstance(time_limit_seconds, bool)
        or not isinstance(time_limit_seconds, int)
        or not 1 <= time_limit_seconds <= MAX_TIME_LIMIT
    ):
        errors.add("time_limit_seconds", f"Allow 1 to {MAX_TIME_LIMIT} seconds.")
    errors.raise_if_any()
    if OptimiserRun.objects.filter(scenario=scenario, status__in=ACTIVE_RUN_STATES).exists():
        raise Conflict("This scenario is already being optimised: wait for that run to finish.")
    run = OptimiserRun.objects.create(
        organisation_id=scenario.organisation_id,
        scenario=scenario,
        objective=options.objective,
        time_limit_seconds=time_limit_seconds,
        result={"options": _options_json(options)},
        created_by=acting_user,
    )
    job_id = None
    if background:
        job = job_start(
            acting_user=acting_user,
            kind=selectors.OPTIMISE_JOB,
            title=f"Optimise {scenario.portfolio.code}: {scenario.name}"[:200],
            params={"run_id": run.pk, "scenario_id": scenario.pk},
        )
        run.job = job
        run.save(update_fields=["job", "updated_at"])
        job_id = job.pk
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.ACTION,
        instance=run,
        after={"scenario_id": scenario.pk, "objective": options.objective, "job_id": job_id},
        summary=f"Started an optimiser run of {scenario.name}",
    )
    return run


def _options_json(options: io.OptimiserOptions) -> dict[str, Any]:
    return {
        "objective": options.objective,
        "mix_npv_share": options.mix_npv_share,
        "budget_period": options.budget_period,
        "max_starts_per_month": options.max_starts_per_month,
    }


def _run_options(run: OptimiserRun) -> io.OptimiserOptions:
    stored = dict((run.result or {}).get("options") or {})
    stored.setdefault("objective", run.objective)
    return io.OptimiserOptions(**stored)


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _result_json(
    built: io.EngineInput, result: OptimiseResult, snapshot_json: dict[str, Any]
) -> dict[str, Any]:
    plan = [
        {
            "project": item.project_id,
            "project_id": built.facts[item.project_id].id,
            "name": built.facts[item.project_id].name,
            "start": item.start,
            "start_month": io.month_key(built.month(item.start)),
            "value": item.value,
        }
        for item in result.plan
    ]
    prices = sorted(
        (price for price in result.shadow_prices if price.value > 1e-9),
        key=lambda price: -price.value,
    )[:MAX_SHADOW_PRICES]
    return {
        "options": _options_json(built.options),
        "plan": plan,
        "binding": [
            {
                "name": item.name,
                "kind": item.kind,
                "usage": item.usage,
                "limit": item.limit,
                "slack": item.slack,
            }
            for item in result.binding
            # A role with no one in a month binds at 0 of 0: true, and no news to anyone.
            if item.limit > 0 or item.usage > 0
        ],
        "shadow_prices": [
            {
                "role": price.role,
                "role_name": built.role_names.get(price.role, price.role),
                "month": price.month,
                "month_label": io.month_key(built.month(price.month)),
                "constraint": price.constraint,
                "value": price.value,
                "confirmed_gain": price.confirmed_gain,
            }
            for price in prices
        ],
        "paused": list(result.paused),
        "cutline_value": _finite_or_none(result.cutline_value),
        "unplannable": dict(result.unplannable),
        "solver_status": result.solver_status,
        "first_feasible_seconds": _finite_or_none(result.first_feasible_seconds),
        "notes": list(built.notes),
        "summary": io.plan_summary(built.portfolio, result.starts()),
        "inputs": snapshot_json,
    }


def optimiser_run_execute(
    *, run_id: int, progress: Progress | None = None, threads: int = 2
) -> dict[str, Any]:
    """Solve a queued run: build the scenario's engine input, optimise, store the plan.

    Infeasible input is a result, not a failure: the run records the constraints that
    conflict. Invalid data (an input the engine refuses) fails the run and is raised again so
    that the job shows it.
    """
    report = progress or _no_progress
    run = OptimiserRun.objects.select_related("scenario", "scenario__organisation").get(pk=run_id)
    scenario = run.scenario
    OptimiserRun.objects.filter(pk=run.pk).update(
        status=OptimiserRun.Status.RUNNING, started_at=timezone.now()
    )
    report(5, "Loading the scenario")
    try:
        built = selectors.scenario_engine_input(scenario, _run_options(run))
    except InputError as exc:
        _fail(run, str(exc))
        raise
    snapshot_json = built.snapshot()
    report(
        15, f"Solving {len(built.portfolio.projects)} projects (up to {run.time_limit_seconds} s)"
    )
    started = time.perf_counter()
    try:
        result = optimise(
            built.portfolio,
            time_limit=float(run.time_limit_seconds),
            threads=threads,
        )
    except InfeasibleError as exc:
        with transaction.atomic():
            OptimiserRun.objects.filter(pk=run.pk).update(
                status=OptimiserRun.Status.INFEASIBLE,
                error=str(exc),
                seconds=time.perf_counter() - started,
                finished_at=timezone.now(),
                result={
                    "options": _options_json(built.options),
                    "conflicting": list(exc.constraints),
                    "message": str(exc),
                    "notes": list(built.notes),
                    "inputs": snapshot_json,
                },
            )
            Scenario.objects.filter(pk=scenario.pk).update(inputs_snapshot=snapshot_json)
        report(100, "No plan satisfies the constraints")
        return {
            "run_id": run.pk,
            "scenario_id": scenario.pk,
            "status": OptimiserRun.Status.INFEASIBLE,
            "conflicting": list(exc.constraints),
            "message": str(exc),
        }
    except InputError as exc:
        _fail(run, str(exc))
        raise
    report(90, "Saving the plan")
    status = (
        OptimiserRun.Status.OPTIMAL
        if result.optimal
        else OptimiserRun.Status.FEASIBLE
        if result.plan or math.isfinite(result.value)
        else OptimiserRun.Status.FAILED
    )
    payload = _result_json(built, result, snapshot_json)
    with transaction.atomic():
        OptimiserRun.objects.filter(pk=run.pk).update(
            status=status,
            value=_finite_or_none(result.value),
            bound=_finite_or_none(result.bound),
            gap=_finite_or_none(result.gap),
            seconds=result.seconds,
            finished_at=timezone.now(),
            result=payload,
            error="" if status != OptimiserRun.Status.FAILED else "No plan found in time.",
        )
        if status != OptimiserRun.Status.FAILED:
            _store_plan(scenario, built, result)
    report(100, f"{status}: value {result.value:,.0f}, gap {result.gap:.2%}")
    return {
        "run_id": run.pk,
        "scenario_id": scenario.pk,
        "status": status,
        "value": _finite_or_none(result.value),
        "bound": _finite_or_none(result.bound),
        "gap": _finite_or_none(result.gap),
        "selected": len(result.plan),
    }


def _fail(run: OptimiserRun, message: str) -> None:
    OptimiserRun.objects.filter(pk=run.pk).update(
        status=OptimiserRun.Status.FAILED, error=message, finished_at=timezone.now()
    )


def _store_plan(scenario: Scenario, built: io.EngineInput, result: OptimiseResult) -> None:
    starts = result.starts()
    rows = list(ScenarioProject.objects.filter(scenario=scenario).select_related("project"))
    for row in rows:
        start = starts.get(row.project.code)
        row.included = start is not None
        row.selected_start_month = built.month(start) if start is not None else None
    ScenarioProject.objects.bulk_update(rows, ["included", "selected_start_month"])
    update: dict[str, Any] = {"inputs_snapshot": built.snapshot()}
    if scenario.status == Scenario.Status.DRAFT:
        update["status"] = Scenario.Status.SOLVED
    Scenario.objects.filter(pk=scenario.pk).update(**update)


@transaction.atomic
def scenario_promote(*, acting_user: User, scenario_id: int, reason: str) -> Scenario:
    """Make a solved scenario the portfolio's plan; the previous plan is archived.

    The audit row records who decided, when and why.
    """
    scenario = selectors.access_scenario_by_id(acting_user, scenario_id, for_edit=True)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": ["Say why this scenario becomes the plan."]})
    if scenario.status == Scenario.Status.PROMOTED:
        raise Conflict(f"“{scenario.name}” is already the plan.")
    if scenario.status != Scenario.Status.SOLVED:
        raise Conflict("Run the optimiser on this scenario as it stands before promoting it.")
    previous = (
        Scenario.objects.select_for_update()
        .filter(portfolio_id=scenario.portfolio_id, status=Scenario.Status.PROMOTED)
        .first()
    )
    if previous is not None:
        before_previous = snapshot(previous, SCENARIO_FIELDS)
        previous.status = Scenario.Status.ARCHIVED
        previous.save(update_fields=["status", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            instance=previous,
            before=before_previous,
            after=snapshot(previous, SCENARIO_FIELDS),
            summary=f"Archived plan {previous.name}: replaced by {scenario.name}",
        )
    before = snapshot(scenario, SCENARIO_FIELDS)
    scenario.status = Scenario.Status.PROMOTED
    scenario.promoted_by = acting_user
    scenario.promoted_at = timezone.now()
    scenario.promotion_reason = reason
    scenario.save()
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.ACTION,
        instance=scenario,
        before=before,
        after=snapshot(scenario, SCENARIO_FIELDS),
        summary=f"Promoted {scenario.name} to the plan of {scenario.portfolio.code}: {reason}",
    )
    return scenario


# -- frontier --------------------------------------------------------------------------------


@transaction.atomic
def frontier_start(
    *,
    acting_user: User,
    portfolio_id: int,
    scenario_id: int | None = None,
    points: int = 20,
    time_limit_per_point: float = 3.0,
    objective: str = "npv",
) -> Any:
    """Queue the efficient frontier of a portfolio (its plan, or the given scenario)."""
    portfolio = selectors.access_decision_portfolio(acting_user, portfolio_id)
    errors = Errors()
    if isinstance(points, bool) or not isinstance(points, int) or not 2 <= points <= 60:
        errors.add("points", "Compute 2 to 60 points.")
    if not 0.2 <= float(time_limit_per_point) <= 120:
        errors.add("time_limit_per_point", "Allow 0.2 to 120 seconds per point.")
    if objective not in io.OBJECTIVES:
        errors.add("objective", f"Use one of {', '.join(io.OBJECTIVES)}.")
    if scenario_id is not None:
        scenario = selectors.access_scenario_by_id(acting_user, scenario_id)
        if scenario.portfolio_id != portfolio.pk:
            errors.add("scenario_id", "Choose a scenario of this portfolio.")
    errors.raise_if_any()
    return job_start(
        acting_user=acting_user,
        kind=selectors.FRONTIER_JOB,
        title=f"Efficient frontier of {portfolio.code}",
        params={
            "portfolio_id": portfolio.pk,
            "scenario_id": scenario_id,
            "points": points,
            "time_limit_per_point": float(time_limit_per_point),
            "objective": objective,
        },
    )


def frontier_budgets(portfolio: Any, points: int) -> list[float]:
    """Evenly spaced total budgets from the work under way to everything that could run.

    Below the spend of fixed in-flight work no plan exists; above the spend of every
    candidate at its earliest start more money buys nothing.
    """
    committed = {project.id: 0 for project in portfolio.projects if project.in_flight == "fixed"}
    everything = {
        project.id: project.earliest_start if project.in_flight == "no" else 0
        for project in portfolio.projects
        if not project.excluded
    }

    def spend(plan: dict[str, int]) -> float:
        summary = io.plan_summary(portfolio, plan)
        return math.fsum(math.fsum(values) for values in summary["spend"].values())

    low, high = spend(committed), spend(everything)
    if high <= low:
        high = low * 1.5 + 1.0
    step = (high - low) / (points - 1)
    return [low + step * index for index in range(points)]


def frontier_compute(
    *,
    portfolio_id: int,
    scenario_id: int | None,
    points: int,
    time_limit_per_point: float,
    objective: str,
    progress: Progress | None = None,
    threads: int = 2,
) -> dict[str, Any]:
    """The frontier points (JSON), with the current plan and the ranked cut line at each."""
    report = progress or _no_progress
    report(5, "Loading the portfolio")
    options = io.OptimiserOptions(objective=objective)
    scenario: Scenario | None
    if scenario_id is not None:
        scenario = Scenario.objects.select_related("organisation").get(pk=scenario_id)
    else:
        scenario = selectors.promoted_scenario(portfolio_id)
    if scenario is not None:
        built = selectors.scenario_engine_input(scenario, options)
        source = scenario.name
    else:
        portfolio = io.portfolio_load(portfolio_id)
        projects = Project.objects.filter(portfolio=portfolio, stage__in=list(io.OPEN_STAGES))
        built = io.engine_input_build(
            portfolio_id=portfolio_id,
            organisation_id=portfolio.organisation_id,
            organisation_rate=float(portfolio.organisation.discount_rate),
            rows=io.default_plan_rows(projects),
            settings=io.ScenarioSettings(io.default_horizon_start(), 36),
            options=options,
        )
        source = "open projects"
    current = built.current_plan()
    report(15, f"Solving {points} budgets of {len(built.portfolio.projects)} projects")
    result = frontier(
        built.portfolio,
        budgets=frontier_budgets(built.portfolio, points),
        current=current or None,
        time_limit_per_point=time_limit_per_point,
        threads=threads,
    )
    current_summary = io.plan_summary(built.portfolio, current)
    return {
        "portfolio_id": portfolio_id,
        "scenario_id": scenario.pk if scenario is not None else None,
        "source": source,
        "objective": objective,
        "first_month": io.month_key(built.first_month),
        "seconds": result.seconds,
        "current": {
            "spend": _finite_or_none(result.current_spend or 0.0)
            if result.current_spend is not None
            else None,
            "value": _finite_or_none(result.current_value or 0.0)
            if result.current_value is not None
            else None,
            "count": current_summary["count"],
        },
        "points": [
            {
                "budget": point.budget,
                "value": _finite_or_none(point.value),
                "bound": _finite_or_none(point.bound),
                "gap": _finite_or_none(point.gap),
                "optimal": point.optimal,
                "spend": _finite_or_none(point.spend),
                "cutline": _finite_or_none(point.cutline_value),
                "current": _finite_or_none(point.current_value),
                "count": len(point.plan),
                "projects": [item.project_id for item in point.plan],
                "seconds": point.seconds,
            }
            for point in result.points
        ],
        "inputs": built.snapshot(),
    }


# -- scoring ---------------------------------------------------------------------------------


class ScoreInput(TypedDict):
    project_id: int
    criterion_id: int
    value: Decimal | float | str | None


def _criterion_range(criterion: ScoringCriterion) -> tuple[Decimal, Decimal]:
    levels = io._levels(criterion)
    if levels:
        return Decimal(str(levels[0][0])), Decimal(str(levels[-1][0]))
    return criterion.min_value, criterion.max_value


@transaction.atomic
def project_scores_set(
    *, acting_user: User, scores: Sequence[ScoreInput], as_rater: bool = False
) -> int:
    """Set (or, with ``value`` None, clear) scores: the agreed score, or the user's own rating.

    Returns how many scores changed. One audit row per changed score.
    """
    organisation_id = organisation_id_of(acting_user)
    project_ids = {int(entry["project_id"]) for entry in scores}
    criterion_ids = {int(entry["criterion_id"]) for entry in scores}
    projects = {
        p.pk: p
        for p in Project.objects.filter(organisation_id=organisation_id, pk__in=list(project_ids))
    }
    criteria = {
        c.pk: c
        for c in ScoringCriterion.objects.filter(
            organisation_id=organisation_id, pk__in=list(criterion_ids)
        )
    }
    errors = Errors()
    clean: list[tuple[Project, ScoringCriterion, Decimal | None]] = []
    for index, entry in enumerate(scores):
        field = f"scores[{index}]"
        project = projects.get(int(entry["project_id"]))
        criterion = criteria.get(int(entry["criterion_id"]))
        if project is None:
            raise NotFound(f"No project {entry['project_id']}.")
        if criterion is None:
            raise NotFound(f"No criterion {entry['criterion_id']}.")
        raw = entry.get("value")
        if raw in (None, ""):
            clean.append((project, criterion, None))
            continue
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            errors.add(f"{field}.value", "Enter a number.")
            continue
        low, high = _criterion_range(criterion)
        if not number.is_finite() or not low <= number <= high:
            errors.add(f"{field}.value", f"{criterion.name} scores from {low:g} to {high:g}.")
            continue
        clean.append((project, criterion, number.quantize(Decimal("0.0001"))))
    if not selectors.can_edit_decisions(acting_user):
        raise AccessDenied("Your role may not score projects.")
    errors.raise_if_any()
    rater = acting_user if as_rater else None
    existing = {
        (row.project_id, row.criterion_id): row
        for row in ProjectScore.objects.filter(
            project_id__in=list(project_ids), criterion_id__in=list(criterion_ids), rater=rater
        )
    }
    changed = 0
    for project, criterion, value in clean:
        row = existing.get((project.pk, criterion.pk))
        old = row.value if row is not None else None
        if old == value:
            continue
        if value is None and row is not None:
            row.delete()
        elif row is None and value is not None:
            row = ProjectScore.objects.create(
                project=project, criterion=criterion, rater=rater, value=value
            )
        elif row is not None and value is not None:
            row.value = value
            row.save(update_fields=["value", "updated_at"])
        changed += 1
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            entity_type="portfolios.projectscore",
            entity_id=f"{project.pk}:{criterion.pk}:{rater.pk if rater else 'agreed'}",
            organisation_id=organisation_id,
            before={"value": old},
            after={"value": value},
            summary=f"Scored {project.code} on {criterion.name}: {value if value is not None else 'cleared'}",
        )
    return changed


def project_score_set(
    *,
    acting_user: User,
    project_id: int,
    criterion_id: int,
    value: Decimal | float | str | None,
    as_rater: bool = False,
) -> int:
    """Set one score (see :func:`project_scores_set`)."""
    return project_scores_set(
        acting_user=acting_user,
        scores=[{"project_id": project_id, "criterion_id": criterion_id, "value": value}],
        as_rater=as_rater,
    )


@transaction.atomic
def criterion_weights_set(
    *, acting_user: User, weights: Mapping[int, Decimal | float | str]
) -> list[ScoringCriterion]:
    """Set criterion weights directly (any non-negative numbers; they are used normalised)."""
    criteria = {
        c.pk: c
        for c in ScoringCriterion.objects.filter(
            organisation_id=organisation_id_of(acting_user), pk__in=[int(k) for k in weights]
        )
    }
    errors = Errors()
    for key in weights:
        if int(key) not in criteria:
            raise NotFound(f"No criterion {key}.")
    if not selectors.can_edit_decisions(acting_user):
        raise AccessDenied("Your role may not change scoring weights.")
    for key, raw in weights.items():
        number = _number(raw, errors, f"weights.{key}", minimum=0)
        if number > 9999:
            errors.add(f"weights.{key}", "Use a weight below 10000.")
    errors.raise_if_any()
    prospective = {
        criterion.pk: float(criterion.weight)
        for criterion in ScoringCriterion.objects.filter(
            organisation_id=organisation_id_of(acting_user), is_active=True
        )
    }
    prospective.update({int(key): float(Decimal(str(raw))) for key, raw in weights.items()})
    if prospective and sum(prospective.values()) <= 0:
        raise ValidationFailed({"weights": ["At least one weight must be positive."]})
    changed = []
    for key, raw in weights.items():
        criterion = criteria[int(key)]
        value = Decimal(str(raw)).quantize(Decimal("0.0001"))
        if criterion.weight == value:
            continue
        before = snapshot(criterion, ["weight"])
        criterion.weight = value
        criterion.save(update_fields=["weight", "updated_at"])
        audit_record(
            actor=acting_user,
            action=AuditEntry.Action.UPDATE,
            instance=criterion,
            before=before,
            after=snapshot(criterion, ["weight"]),
            summary=f"Weight of {criterion.name} set to {value}",
        )
        changed.append(criterion)
    return changed


@transaction.atomic
def criterion_weights_from_ahp(*, acting_user: User, set_name: str) -> AhpResult:
    """Give the criteria the group's AHP weights of a comparison set."""
    if not selectors.can_edit_decisions(acting_user):
        raise AccessDenied("Your role may not change scoring weights.")
    organisation_id = organisation_id_of(acting_user)
    criteria = list(
        ScoringCriterion.objects.filter(organisation_id=organisation_id, is_active=True)
    )
    group, _ = selectors.ahp_group_result(organisation_id, set_name, criteria)
    if group is None:
        raise Conflict(
            f"Nobody has compared every pair of criteria in “{set_name}” yet: "
            "complete the comparisons first."
        )
    criterion_weights_set(
        acting_user=acting_user,
        weights={
            criterion.pk: Decimal(f"{weight:.4f}")
            for criterion, weight in zip(criteria, group.weights, strict=True)
        },
    )
    return group


class JudgmentInput(TypedDict):
    criterion_a_id: int
    criterion_b_id: int
    value: Decimal | float | str


@transaction.atomic
def ahp_comparison_set(
    *, acting_user: User, set_name: str, judgments: Sequence[JudgmentInput]
) -> list[AhpComparison]:
    """Replace the acting user's pairwise judgments in a comparison set.

    ``value`` says how much more important criterion A is than B on Saaty's scale (1/9..9;
    below 1 when B matters more).
    """
    organisation_id = organisation_id_of(acting_user)
    set_name = (set_name or "").strip() or "default"
    errors = Errors()
    if len(set_name) > 100:
        errors.add("set_name", "Use at most 100 characters.")
    ids = {int(j["criterion_a_id"]) for j in judgments} | {
        int(j["criterion_b_id"]) for j in judgments
    }
    criteria = {
        c.pk: c
        for c in ScoringCriterion.objects.filter(organisation_id=organisation_id, pk__in=list(ids))
    }
    missing = sorted(ids - set(criteria))
    if missing:
        raise NotFound(f"No criterion {missing[0]}.")
    if not selectors.can_edit_decisions(acting_user):
        raise AccessDenied("Your role may not compare criteria.")
    seen: set[frozenset[int]] = set()
    rows = []
    for index, judgment in enumerate(judgments):
        field = f"judgments[{index}]"
        a, b = int(judgment["criterion_a_id"]), int(judgment["criterion_b_id"])
        if a == b:
            errors.add(field, "Compare two different criteria.")
            continue
        if frozenset((a, b)) in seen:
            errors.add(field, "This pair is compared twice.")
            continue
        seen.add(frozenset((a, b)))
        try:
            value = Decimal(str(judgment["value"])).quantize(Decimal("0.000001"))
        except InvalidOperation:
            errors.add(f"{field}.value", "Enter a number from 1/9 to 9.")
            continue
        if not AHP_MIN <= value <= AHP_MAX:
            errors.add(f"{field}.value", "Use Saaty's scale: from 1/9 (0.111111) to 9.")
            continue
        rows.append(
            AhpComparison(
                organisation_id=organisation_id,
                set_name=set_name,
                rater=acting_user,
                criterion_a=criteria[a],
                criterion_b=criteria[b],
                value=value,
            )
        )
    errors.raise_if_any()
    existing = AhpComparison.objects.filter(
        organisation_id=organisation_id, set_name=set_name, rater=acting_user
    )
    before = {f"{row.criterion_a_id}:{row.criterion_b_id}": str(row.value) for row in existing}
    existing.delete()
    created = AhpComparison.objects.bulk_create(rows)
    audit_record(
        actor=acting_user,
        action=AuditEntry.Action.UPDATE,
        entity_type="portfolios.ahpcomparison",
        entity_id=f"{set_name}:{acting_user.pk}"[:40],
        organisation_id=organisation_id,
        before=before,
        after={f"{row.criterion_a_id}:{row.criterion_b_id}": str(row.value) for row in created},
        summary=f"Pairwise comparisons of {acting_user} in {set_name}",
    )
    return created
