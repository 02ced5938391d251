"""Portfolios, programs, strategy, scoring, the projects themselves, business cases, scenarios."""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal
from itertools import combinations

from steerco.core.money import quantize_money
from steerco.demo import catalogue, dates
from steerco.demo.bulk import insert_objects
from steerco.demo.catalogue import ProjectSpec
from steerco.demo.context import DemoContext, rng_for
from steerco.portfolios.models import (
    AhpComparison,
    BalanceRule,
    ObjectiveContribution,
    Portfolio,
    PortfolioBudget,
    Program,
    ProjectScore,
    Scenario,
    ScenarioProject,
    ScoringCriterion,
    StrategicObjective,
)
from steerco.projects.models import BusinessCase, CashFlowLine, Category, Project
from steerco.resources.models import HiringPlan

LEVELS_1_TO_5 = ["Very low", "Low", "Medium", "High", "Very high"]

# code, name, description, weight, direction
CRITERIA = [
    ("STRAT", "Strategic alignment", "How directly the project serves the strategic objectives.",
     "0.30", "higher_better"),
    ("FIN", "Financial return", "Net present value and payback of the business case.", "0.25",
     "higher_better"),
    ("RISK", "Delivery risk", "Size, novelty and dependencies: how likely it is to go wrong.",
     "0.15", "lower_better"),
    ("URG", "Urgency", "Cost of waiting a year.", "0.10", "higher_better"),
    ("CUST", "Customer impact", "How much customers will notice and value it.", "0.10",
     "higher_better"),
    ("REG", "Regulatory obligation", "Required by law, a regulator or a contract.", "0.10",
     "higher_better"),
]  # fmt: skip

CAPEX_SHARE = {
    "software": 0.55,
    "data": 0.5,
    "infrastructure": 0.75,
    "process": 0.15,
    "rollout": 0.35,
}
BENEFIT_FLOW = {
    "GROW": "revenue",
    "EFF": "cost_saving",
    "RUN": "cost_avoidance",
    "REG": "cost_avoidance",
    "INN": "revenue",
    "SUS": "cost_saving",
}

PROBLEMS = {
    "GROW": (
        "Competitors already offer this and our share of the segment has slipped for three "
        "years in a row. Without it, the {unit} plan for 2027-2029 misses its revenue target "
        "by an estimated {gap}%."
    ),
    "EFF": (
        "The work is manual and error-prone today: {unit} spends about {fte} full-time "
        "equivalents on tasks this project automates or removes, and errors cost us in "
        "credit notes and write-offs."
    ),
    "RUN": (
        "The current solution reaches the end of vendor support in {eol}. Extended support "
        "costs rise every year, and after that date security patches stop."
    ),
    "REG": (
        "A legal obligation applies from {eol}. Non-compliance exposes Northwind to fines and to "
        "findings in the annual audit."
    ),
    "INN": (
        "A promising idea nobody has tested with our customers. A small, time-boxed pilot "
        "tells us whether to scale it up or stop."
    ),
    "SUS": (
        "Northwind has committed publicly to halve operational emissions by 2030; this "
        "project removes an estimated {tonnes} tonnes of CO2e a year and lowers running costs."
    ),
}
OPTIONS = (
    "1. Do nothing: {nothing}\n"
    "2. Minimum scope: meets the immediate need for about 60% of the cost but forgoes most "
    "of the benefits.\n"
    "3. Recommended: the full scope described here, delivered in phases so that benefits "
    "start before the last phase."
)
NOTHING = {
    "GROW": "we keep losing share to competitors.",
    "EFF": "costs grow with volumes.",
    "RUN": "we pay rising extended-support fees and carry an unpatched system.",
    "REG": "not an option; the obligation applies regardless.",
    "INN": "we learn nothing, at no cost.",
    "SUS": "the 2030 commitment is missed.",
}
ASSUMPTIONS = {
    "software": "Vendor licences at the list prices quoted in the RFP; two scrum teams "
    "available from the start; no change to the retail peak freeze.",
    "data": "Source systems expose the data needed without upgrades; data engineers are "
    "available as planned; cloud consumption as in the vendor's sizing.",
    "infrastructure": "Equipment lead times as quoted by suppliers; sites available for "
    "installation outside trading hours; no planning permission needed.",
    "process": "Business teams release their subject-matter experts for workshops and the "
    "pilot; the works council is consulted in time.",
    "rollout": "Sites accept the wave calendar; local champions in every site; the service "
    "desk absorbs the support after the wave.",
}


def build_portfolios(context: DemoContext) -> None:
    organisation = context.organisation
    categories = Category.objects.bulk_create(
        [
            Category(
                organisation=organisation,
                code=code,
                name=name,
                description=description,
                colour=colour,
            )
            for code, name, description, colour in catalogue.CATEGORIES
        ]
    )
    context.categories = {category.code: category for category in categories}
    portfolios = Portfolio.objects.bulk_create(
        [
            Portfolio(
                organisation=organisation,
                code=code,
                name=name,
                description=description,
                owner=context.users[owner],
            )
            for code, name, description, owner in catalogue.PORTFOLIOS
        ]
    )
    context.portfolios = {portfolio.code: portfolio for portfolio in portfolios}
    program_managers = ["pm", "portfolio", "j.berg", "i.moreno", "t.walsh", "j.berg"]
    programs = Program.objects.bulk_create(
        [
            Program(
                organisation=organisation,
                portfolio=context.portfolios[portfolio],
                code=code,
                name=name,
                description=description,
                manager=context.users[manager],
            )
            for (code, portfolio, name, description), manager in zip(
                catalogue.PROGRAMS, program_managers, strict=True
            )
        ]
    )
    context.programs = {program.code: program for program in programs}
    _portfolio_budgets(context)
    _balance_rules(context)


def _portfolio_budgets(context: DemoContext) -> None:
    monthly = {"DIG": (520_000, 330_000), "OPS": (760_000, 300_000), "GRO": (600_000, 240_000)}
    rows = []
    for code, portfolio in context.portfolios.items():
        capex, opex = monthly[code]
        for month in dates.month_range(dt.date(2026, 1, 1), dt.date(2028, 12, 1)):
            growth = 1 + 0.03 * (month.year - 2026)
            rows.append(
                PortfolioBudget(
                    portfolio=portfolio,
                    month=month,
                    capex=quantize_money(capex * growth),
                    opex=quantize_money(opex * growth),
                )
            )
    PortfolioBudget.objects.bulk_create(rows)


def _balance_rules(context: DemoContext) -> None:
    rules = [
        ("DIG", "category", "RUN", "cost", "0", "0.35"),
        ("DIG", "category", "INN", "cost", "0.03", "0.10"),
        ("OPS", "category", "REG", "cost", "0.10", "1"),
        ("GRO", "business_unit", "RET", "cost", "0", "0.50"),
        ("GRO", "category", "SUS", "cost", "0.20", "1"),
    ]
    BalanceRule.objects.bulk_create(
        [
            BalanceRule(
                portfolio=context.portfolios[portfolio],
                dimension=dimension,
                key=key,
                basis=basis,
                min_share=Decimal(low),
                max_share=Decimal(high),
            )
            for portfolio, dimension, key, basis, low, high in rules
        ]
    )


def _assign_managers(context: DemoContext) -> None:
    project_managers = [
        context.person_users[info.person.pk]
        for info in context.people_by_role["PM"]
        if context.person_users[info.person.pk].username != "pm"
    ]
    turn = 0
    for spec in catalogue.PROJECTS:
        if spec.manager is not None:
            context.managers[spec.code] = context.users[spec.manager]
            continue
        context.managers[spec.code] = project_managers[turn % len(project_managers)]
        turn += 1


def created_on(spec: ProjectSpec) -> dt.date:
    """When the idea was first entered."""
    day = dates.add_months(spec.start, -9) + dt.timedelta(days=3 + len(spec.code) * 2)
    if spec.stage == "idea":
        day = min(day, dt.date(2026, 10, 5) + dt.timedelta(days=int(spec.code[-2:]) % 30))
    return min(day, dt.date(2026, 11, 9))


def gate_dates(spec: ProjectSpec) -> dict[str, dt.date]:
    """When a project passed (or will pass) each gate, from its start; capped at the status date."""
    first_working = dates.working_days("uk")[dates.working_day_on_or_after("uk", spec.start)]
    result = {
        "G0": min(dates.add_months(spec.start, -5) + dt.timedelta(days=8), dt.date(2026, 10, 14)),
        "G1": min(dates.add_months(spec.start, -2) + dt.timedelta(days=6), dt.date(2026, 11, 4)),
        "G2": first_working - dt.timedelta(days=3),
    }
    if spec.stage == "proposal":
        result["G0"] = min(result["G0"], created_on(spec) + dt.timedelta(days=60))
    return result


def build_projects(context: DemoContext) -> None:
    _assign_managers(context)
    stage_codes = {
        "idea": "IDEA",
        "proposal": "PROPOSAL",
        "approved": "PLAN",
        "in_execution": "DELIVER",
        "closing": "CLOSE",
        "closed": "CLOSED",
        "on_hold": "DELIVER",
        "cancelled": "PROPOSAL",
    }
    projects = []
    for spec in catalogue.PROJECTS:
        context.specs[spec.code] = spec
        lifecycle = stage_codes[spec.stage]
        if spec.code == "DIG-117" or spec.code == "GRO-316":
            lifecycle = "DELIVER"
        projects.append(
            Project(
                organisation=context.organisation,
                portfolio=context.portfolios[spec.portfolio],
                program=context.programs[spec.program] if spec.program else None,
                code=spec.code,
                name=spec.name,
                description=spec.description,
                stage=spec.stage,
                stage_changed_at=dates.aware(_stage_changed(spec)),
                lifecycle_stage=context.lifecycle_stages[lifecycle],
                sponsor=context.users[spec.sponsor],
                manager=context.managers[spec.code],
                business_unit=context.business_units[spec.business_unit],
                category=context.categories[spec.category],
                priority=spec.priority,
                health=spec.health,
                mission_critical=spec.mission_critical,
                mandatory=spec.mandatory,
                start_date=spec.start,
                finish_date=dates.add_months(spec.start, spec.months) - dt.timedelta(days=1),
                methodology=context.methodology,
                calendar=context.calendars["uk"],
                created_by=context.users["pmo"],
            )
        )
    for project in Project.objects.bulk_create(projects):
        context.projects[project.code] = project
    _business_cases(context)
    _scores_and_contributions(context)


def _stage_changed(spec: ProjectSpec) -> dt.date:
    gates = gate_dates(spec)
    if spec.stage == "idea":
        return created_on(spec)
    if spec.stage == "proposal":
        return gates["G0"]
    if spec.stage == "approved":
        return gates["G1"]
    if spec.stopped is not None:
        return spec.stopped
    return gates["G2"]


def update_project_dates(context: DemoContext) -> None:
    """After scheduling: projects take their dates from their plans."""
    changed = []
    for code, plan in context.plans.items():
        project = context.projects[code]
        spec = context.specs[code]
        project.start_date = plan.start
        project.finish_date = plan.finish
        project.schedule_status_date = dates.STATUS_MOMENT
        project.scheduled_at = dates.aware(dates.STATUS_DATE, 7, 30)
        if spec.stage == "closing":
            project.stage_changed_at = dates.aware(plan.go_live + dt.timedelta(days=3))
        if spec.stage == "closed":
            project.stage_changed_at = dates.aware(plan.finish + dt.timedelta(days=30))
        changed.append(project)
    Project.objects.bulk_update(
        changed,
        ["start_date", "finish_date", "schedule_status_date", "scheduled_at", "stage_changed_at"],
    )


# -- business cases ------------------------------------------------------------------------


def cost_profile(months: int) -> list[float]:
    """Share of a project's cost in each month: a ramp up, a plateau and a ramp down."""
    weights = [math.sin(math.pi * (index + 0.5) / months) ** 0.6 for index in range(months)]
    total = sum(weights)
    return [weight / total for weight in weights]


def _business_cases(context: DemoContext) -> None:
    cases: list[BusinessCase] = []
    flows: list[tuple[int, list[CashFlowLine]]] = []
    for spec in catalogue.PROJECTS:
        rng = rng_for("business-case", spec.code)
        project = context.projects[spec.code]
        gates = gate_dates(spec)
        versions = _case_versions(spec)
        for version, status in enumerate(versions, start=1):
            scale = 1.0 if version == len(versions) else 0.88
            submitted = None
            approved = None
            if status != "draft":
                submitted = dates.aware(
                    gates["G1"] - dt.timedelta(days=20 + 30 * (len(versions) - version))
                )
            if status in ("approved", "superseded"):
                approved = dates.aware(
                    gates["G1"] - dt.timedelta(days=30 * (len(versions) - version)), 15
                )
            case = BusinessCase(
                project=project,
                version=version,
                status=status,
                summary=spec.description,
                problem=PROBLEMS[spec.category].format(
                    unit=context.business_units[spec.business_unit].name,
                    gap=rng.randint(3, 9),
                    fte=rng.randint(4, 25),
                    eol=f"{dates.add_months(spec.start, spec.months + 3):%B %Y}",
                    tonnes=rng.randint(300, 4000),
                ),
                options=OPTIONS.format(nothing=NOTHING[spec.category]),
                assumptions=ASSUMPTIONS[spec.kind],
                start_month=spec.start,
                created_by=context.managers[spec.code],
                submitted_at=submitted,
                approved_by=context.users["exec"] if approved else None,
                approved_at=approved,
            )
            cases.append(case)
            flows.append((len(cases) - 1, _cash_flows(spec, scale)))
    BusinessCase.objects.bulk_create(cases)
    lines = []
    for index, rows in flows:
        for row in rows:
            row.business_case = cases[index]
            lines.append(row)
    insert_objects(lines)


def _case_versions(spec: ProjectSpec) -> list[str]:
    if spec.stage == "idea":
        return ["draft"]
    if spec.stage == "proposal":
        return ["submitted"]
    if spec.code == "OPS-225":
        return ["rejected"]
    if spec.code in {"DIG-111", "OPS-211", "GRO-301"}:
        # Large projects whose case was re-approved after the supplier's final price.
        return ["superseded", "approved"]
    return ["approved"]


def _cash_flows(spec: ProjectSpec, scale: float) -> list[CashFlowLine]:
    total = spec.budget_k * 1000 * scale
    capex_share = CAPEX_SHARE[spec.kind]
    rows: list[CashFlowLine] = []
    for month, share in enumerate(cost_profile(spec.months)):
        amount = total * share
        if capex_share:
            rows.append(_flow("cost", "capex", month, amount * capex_share, "Project cost"))
        rows.append(_flow("cost", "opex", month, amount * (1 - capex_share), "Project cost"))
    run_cost = spec.budget_k * 1000 * 0.06 / 12
    benefit = spec.benefit_k * 1000 / 12
    category = BENEFIT_FLOW[spec.category]
    for month in range(spec.months, spec.months + 60):
        rows.append(_flow("cost", "opex", month, run_cost, "Running cost"))
        if benefit:
            ramp = min(1.0, (month - spec.months + 1) / 9)
            rows.append(_flow("benefit", category, month, benefit * ramp, "Benefit"))
    return rows


def _flow(kind: str, category: str, month: int, amount: float, description: str) -> CashFlowLine:
    return CashFlowLine(
        kind=kind,
        category=category,
        month_index=month,
        amount=quantize_money(round(amount, 2)),
        description=description,
    )


def npv_of(spec: ProjectSpec, rate: float = 0.08) -> float:
    """Net present value of the project's latest case, as the demo built it (for scoring)."""
    monthly = (1 + rate) ** (1 / 12) - 1
    value = 0.0
    for line in _cash_flows(spec, 1.0):
        sign = 1 if line.kind == "benefit" else -1
        value += sign * float(line.amount) / (1 + monthly) ** line.month_index
    return value


# -- scoring -------------------------------------------------------------------------------


def _scores_and_contributions(context: DemoContext) -> None:
    organisation = context.organisation
    criteria = ScoringCriterion.objects.bulk_create(
        [
            ScoringCriterion(
                organisation=organisation,
                code=code,
                name=name,
                description=description,
                weight=Decimal(weight),
                scale_type="ordinal",
                direction=direction,
                min_value=Decimal("1"),
                max_value=Decimal("5"),
                levels=[
                    {"value": value, "label": label}
                    for value, label in enumerate(LEVELS_1_TO_5, start=1)
                ],
                order=order,
            )
            for order, (code, name, description, weight, direction) in enumerate(CRITERIA, start=1)
        ]
    )
    by_code = {criterion.code: criterion for criterion in criteria}
    objectives = StrategicObjective.objects.bulk_create(
        [
            StrategicObjective(
                organisation=organisation,
                code=code,
                name=name,
                description=description,
                weight=Decimal(weight),
                period_start=dt.date(2026, 1, 1),
                period_end=dt.date(2030, 12, 31),
            )
            for code, name, description, weight in catalogue.OBJECTIVES
        ]
    )
    objective = {row.code: row for row in objectives}
    scores: list[ProjectScore] = []
    contributions: list[ObjectiveContribution] = []
    for spec in catalogue.PROJECTS:
        rng = rng_for("score", spec.code)
        project = context.projects[spec.code]
        consensus = _consensus(spec, rng)
        for code, value in consensus.items():
            scores.append(
                ProjectScore(project=project, criterion=by_code[code], value=Decimal(value))
            )
            if spec.stage in ("idea", "proposal"):
                for rater in ("portfolio", "exec"):
                    rated = max(1, min(5, value + rng.choice([-1, 0, 0, 1])))
                    scores.append(
                        ProjectScore(
                            project=project,
                            criterion=by_code[code],
                            rater=context.users[rater],
                            value=Decimal(rated),
                        )
                    )
        for code, strength in _contributions(spec, rng).items():
            contributions.append(
                ObjectiveContribution(
                    project=project, objective=objective[code], contribution=strength
                )
            )
    ProjectScore.objects.bulk_create(scores)
    ObjectiveContribution.objects.bulk_create(contributions)
    _ahp(context, criteria)


def _consensus(spec: ProjectSpec, rng: random.Random) -> dict[str, int]:
    npv = npv_of(spec)
    roi = npv / (spec.budget_k * 1000)
    financial = 5 if roi > 1.5 else 4 if roi > 0.6 else 3 if roi > 0.1 else 2 if roi > -0.3 else 1
    risk = 2 + (spec.budget_k >= 1500) + (spec.budget_k >= 3500) + (spec.kind == "software")
    return {
        "STRAT": max(1, min(5, 6 - spec.priority + rng.choice([-1, 0, 0, 0, 1]))),
        "FIN": financial,
        "RISK": max(1, min(5, risk + rng.choice([-1, 0, 0]))),
        "URG": 5 if spec.mandatory else max(1, min(5, 5 - spec.priority + rng.choice([0, 1]))),
        "CUST": 4 + (spec.business_unit == "RET") if spec.category == "GROW" else rng.randint(1, 3),
        "REG": 5 if spec.category == "REG" else 3 if spec.category == "RUN" else 1,
    }


def _contributions(spec: ProjectSpec, rng: random.Random) -> dict[str, int]:
    main = {"GROW": "O1", "EFF": "O2", "SUS": "O3", "REG": "O4", "RUN": "O4", "INN": "O1"}
    result = {main[spec.category]: 3 if spec.priority <= 2 else 2}
    if spec.kind == "data":
        result["O5"] = 3
    if spec.business_unit == "LOG" and spec.category != "EFF":
        result.setdefault("O2", 1)
    if spec.category == "GROW" and spec.business_unit == "WHS":
        result["O1"] = 1
    if rng.random() < 0.3:
        result.setdefault(rng.choice(["O2", "O3", "O5"]), 1)
    return result


SAATY = [1 / 9, 1 / 7, 1 / 5, 1 / 3, 1, 3, 5, 7, 9]


def _ahp(context: DemoContext, criteria: list[ScoringCriterion]) -> None:
    """The portfolio manager's pairwise judgements, close to (not exactly) the weights."""
    rows = []
    nudges = {("STRAT", "REG"): 3.0, ("CUST", "URG"): 1 / 3}
    for a, b in combinations(criteria, 2):
        ratio = float(a.weight) / float(b.weight) * nudges.get((a.code, b.code), 1.0)
        value = min(SAATY, key=lambda option: abs(math.log(option) - math.log(ratio)))
        rows.append(
            AhpComparison(
                organisation=context.organisation,
                set_name="2027 planning round",
                rater=context.users["portfolio"],
                criterion_a=a,
                criterion_b=b,
                value=Decimal(f"{value:.6f}"),
            )
        )
    AhpComparison.objects.bulk_create(rows)


# -- scenarios -----------------------------------------------------------------------------


def build_scenarios(context: DemoContext) -> None:
    organisation = context.organisation
    open_stages = {"idea", "proposal", "approved", "in_execution", "closing", "on_hold"}
    plan_rows: list[ScenarioProject] = []
    current: dict[str, Scenario] = {}
    for code, portfolio in context.portfolios.items():
        scenario = Scenario.objects.create(
            organisation=organisation,
            portfolio=portfolio,
            name="Current plan 2027",
            description=(
                "The portfolio as approved by the investment committee on 4 November 2026: "
                "running projects, approved starts and the proposals pencilled in for 2027."
            ),
            status=Scenario.Status.PROMOTED,
            horizon_start=dt.date(2026, 12, 1),
            horizon_months=36,
            created_by=context.users["portfolio"],
            promoted_by=context.users["exec"],
            promoted_at=dates.aware(dt.date(2026, 11, 4), 16),
            promotion_reason="Agreed at the investment committee of 4 November 2026.",
        )
        current[code] = scenario
        for spec in catalogue.PROJECTS:
            if spec.portfolio != code or spec.stage not in open_stages:
                continue
            committed = spec.stage in {"approved", "in_execution", "closing", "on_hold"}
            mode = (
                "forced_in"
                if spec.mandatory or spec.stage in {"in_execution", "closing"}
                else "candidate"
            )
            included = committed or (spec.stage == "proposal" and spec.priority <= 2)
            plan_rows.append(
                ScenarioProject(
                    scenario=scenario,
                    project=context.projects[spec.code],
                    mode=mode,
                    included=included,
                    selected_start_month=spec.start if included else None,
                    exclusive_group="NORDIC-WEB" if spec.code in {"GRO-303", "GRO-323"} else "",
                )
            )
    digital = context.portfolios["DIG"]
    hire = Scenario.objects.create(
        organisation=organisation,
        portfolio=digital,
        name="What-if: three more data engineers from February 2027",
        description=(
            "Data engineers are over-booked from February 2027, when two contractors have "
            "left. What could the portfolio deliver with three more from February?"
        ),
        based_on=current["DIG"],
        horizon_start=dt.date(2026, 12, 1),
        horizon_months=36,
        created_by=context.users["resources"],
    )
    cut = Scenario.objects.create(
        organisation=organisation,
        portfolio=digital,
        name="What-if: 15% lower budget in 2027",
        description=(
            "The CFO asked every portfolio to show the effect of a 15% cut in 2027. Which "
            "projects move or stop?"
        ),
        based_on=current["DIG"],
        horizon_start=dt.date(2026, 12, 1),
        horizon_months=36,
        budget_overrides={
            f"{month:%Y-%m}": {"capex": "442000.00", "opex": "280500.00"}
            for month in dates.month_range(dt.date(2027, 1, 1), dt.date(2027, 12, 1))
        },
        created_by=context.users["portfolio"],
    )
    for scenario in (hire, cut):
        for row in [r for r in plan_rows if r.scenario is current["DIG"]]:
            plan_rows.append(
                ScenarioProject(
                    scenario=scenario,
                    project=row.project,
                    mode=row.mode,
                    exclusive_group=row.exclusive_group,
                )
            )
    ScenarioProject.objects.bulk_create(plan_rows)
    HiringPlan.objects.create(
        scenario=hire,
        role=context.roles["DE"],
        month=dt.date(2027, 2, 1),
        fte_delta=Decimal("3.00"),
        note="Two permanent hires and one contractor.",
    )
