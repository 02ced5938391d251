"""Benchmark of the exact portfolio optimiser on generated, realistic portfolios.

Run: ``.venv/bin/python benchmarks/portfolio.py [--json] [--cases small,large,frontier]``

Cases (targets from the issue, 2 threads):

* ``200x36x12``: 200 candidates, 36 months, 12 roles: within 0.5% of the
  proven bound in under 10 s;
* ``1000x36x20``: 1,000 candidates, 36 months, 20 roles, 200 dependencies: a
  feasible plan in under 2 s, within 1% of the proven bound in under 60 s;
* ``frontier-200x36x12``: a 20-point efficient frontier on the first instance
  in under 60 s, with the proven gap at each point.

Each case also runs the greedy ranked-list cut line (rank by value, take each
project at its earliest start that fits) on the same instance and reports the
optimiser's gain over it.

``--json`` prints one line per case with the keys ``case, projects, months,
roles, seconds, value, bound, gap, first_feasible_seconds, cutline_value,
gain_over_cutline_pct``. For the frontier case, ``seconds`` is the whole
frontier and the other figures are those of its worst-gap point.

The generator is seeded and self-contained: cost profiles ramp up to a
plateau and down, role demand follows the same shape over a sub-window of the
project, values are correlated with cost with noise, some projects depend on
others, some are alternatives, a few are mandatory or already running, and
capacities and budgets are set so that roughly half of the demand fits.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from typing import Literal

import numpy as np

from steerco.engine.portfolio.frontier import frontier
from steerco.engine.portfolio.model import (
    BalanceRule,
    BudgetRule,
    Dependency,
    ExclusiveGroup,
    Objective,
    Portfolio,
    Project,
)
from steerco.engine.portfolio.optimiser import cutline, optimise

ROLE_NAMES = [
    "Business Analyst",
    "Data Engineer",
    "Software Engineer",
    "Test Engineer",
    "Project Manager",
    "Solution Architect",
    "Data Scientist",
    "UX Designer",
    "DevOps Engineer",
    "Security Engineer",
    "Change Manager",
    "Scrum Master",
    "Product Owner",
    "Network Engineer",
    "DBA",
    "ERP Consultant",
    "Trainer",
    "Legal Counsel",
    "Procurement Officer",
    "Finance Analyst",
]
CATEGORIES = ["Run", "Grow", "Transform", "Regulatory"]
BUSINESS_UNITS = ["Retail", "Operations", "Corporate", "Digital"]
FTE_MONTH_COST = 12_000.0


def _shape(length: int, rng: np.random.Generator) -> np.ndarray:
    """Ramp up, plateau, ramp down; sums to 1."""
    up = max(1, round(length * rng.uniform(0.1, 0.3)))
    down = max(1, round(length * rng.uniform(0.05, 0.2)))
    values = np.ones(length)
    for j in range(min(up, length)):
        values[j] = (j + 1) / (up + 1)
    for j in range(min(down, length)):
        values[length - 1 - j] = min(values[length - 1 - j], (j + 1) / (down + 1))
    return values / values.sum()


def generate_portfolio(
    projects: int = 200,
    months: int = 36,
    roles: int = 12,
    dependencies: int | None = None,
    seed: int = 1,
) -> Portfolio:
    """A seeded, realistic portfolio (see the module docstring)."""
    rng = np.random.default_rng(seed)
    role_names = ROLE_NAMES[:roles]
    role_popularity = 1.0 / np.arange(1, roles + 1) ** 0.6
    role_popularity /= role_popularity.sum()
    items: list[Project] = []
    durations = []
    for i in range(projects):
        duration = int(np.clip(round(math.exp(rng.normal(math.log(9), 0.5))), 3, 24))
        # Spend rate, not total cost, is what a team of a given size burns:
        # long projects cost more.
        monthly_burn = float(min(600_000.0, math.exp(rng.normal(math.log(110_000.0), 0.5))))
        cost = monthly_burn * duration
        shape = _shape(duration, rng)
        capex_share = 0.0 if rng.random() < 0.2 else float(rng.beta(2, 2))
        capex_shape = _shape(max(1, math.ceil(duration * 0.7)), rng)
        capex = np.zeros(duration)
        capex[: capex_shape.shape[0]] = capex_shape * cost * capex_share
        opex = shape * cost * (1.0 - capex_share)
        labour_months = cost * rng.uniform(0.4, 0.8) / FTE_MONTH_COST
        role_count = int(rng.integers(2, min(5, roles) + 1))
        chosen = rng.choice(roles, size=role_count, replace=False, p=role_popularity)
        split = rng.dirichlet(np.ones(role_count))
        demand = {}
        for r, share in zip(chosen, split, strict=True):
            # Each role works over most of the project (analysts early,
            # testers late), never a burst of one month.
            length = int(rng.integers(max(1, math.ceil(0.6 * duration)), duration + 1))
            begin = int(rng.integers(0, duration - length + 1))
            end = begin + length
            window = _shape(length, rng) * labour_months * share
            profile = np.zeros(end)
            profile[begin:end] = np.round(window, 2)
            demand[role_names[int(r)]] = tuple(float(v) for v in profile)
        npv = cost * (math.exp(rng.normal(-0.4, 0.6)) - 0.15)
        ratio = npv / cost
        score = float(np.clip(50 + 30 * ratio + rng.normal(0, 15), 0, 100))
        earliest = 0 if rng.random() < 0.7 else int(rng.integers(0, 13))
        kind = rng.random()
        in_flight = "fixed" if kind < 0.05 else ("pausable" if kind < 0.08 else "no")
        if in_flight != "no":
            earliest = 0
        category = CATEGORIES[int(rng.integers(len(CATEGORIES)))]
        mandatory = in_flight == "no" and category == "Regulatory" and rng.random() < 0.12
        items.append(
            Project(
                id=f"P{i + 1:04d}",
                duration=duration,
                costs={
                    "capex": tuple(float(v) for v in np.round(capex, 0)),
                    "opex": tuple(float(v) for v in np.round(opex, 0)),
                },
                demand=demand,
                npv=round(npv, 0),
                score=round(score, 1),
                probability_of_success=round(float(rng.uniform(0.6, 0.95)), 2),
                earliest_start=earliest,
                category=category,
                business_unit=BUSINESS_UNITS[int(rng.integers(len(BUSINESS_UNITS)))],
                mandatory=mandatory,
                in_flight=in_flight,  # type: ignore[arg-type]
            )
        )
        durations.append(duration)

    dependency_count = projects // 10 if dependencies is None else dependencies
    links: list[Dependency] = []
    seen: set[tuple[int, int]] = set()
    candidates = [i for i, p in enumerate(items) if p.in_flight == "no"]
    attempts = 0
    while len(links) < dependency_count and attempts < 100 * max(1, dependency_count):
        attempts += 1
        a, b = sorted(int(x) for x in rng.choice(candidates, size=2, replace=False))
        if (a, b) in seen or durations[a] + durations[b] > months - 6:
            continue
        if items[b].mandatory and not items[a].mandatory:
            continue
        seen.add((a, b))
        link_kind: Literal["requires", "finish_to_start"] = (
            "finish_to_start" if rng.random() < 0.7 else "requires"
        )
        links.append(Dependency(items[a].id, items[b].id, link_kind))

    groups: list[ExclusiveGroup] = []
    free = [i for i in candidates if not items[i].mandatory]
    rng.shuffle(free)
    position = 0
    for g in range(max(1, projects // 40)):
        size = int(rng.integers(2, 4))
        members = free[position : position + size]
        position += size
        if len(members) >= 2:
            groups.append(ExclusiveGroup(f"G{g + 1}", [items[m].id for m in members]))

    # Running projects occupy the first months: limits leave them room (a
    # portfolio whose commitments already break its limits is a different test).
    # The total budget funds about half of the demand; each role's pool is
    # sized differently, so that a few roles are bottlenecks and others are not.
    fit = 0.5
    role_fit = rng.uniform(0.45, 1.2, size=len(role_names))
    fixed = [p for p in items if p.in_flight == "fixed" or p.mandatory]
    capacity: dict[str, float] = {}
    for role, role_share in zip(role_names, role_fit, strict=True):
        role_total = sum(sum(p.demand.get(role, ())) for p in items)
        role_load = np.zeros(months)
        for p in fixed:
            profile = np.asarray(p.demand.get(role, ()))[:months]
            role_load[: profile.shape[0]] += profile
        pool = role_share * role_total / months
        capacity[role] = round(max(1.0, pool, 1.3 * float(role_load.max())), 1)
    quarters = math.ceil(months / 3)
    limits: dict[str, float] = {}
    for cost_type in ("capex", "opex"):
        type_total = sum(sum(p.costs[cost_type]) for p in items)
        quarter_load = np.zeros(quarters)
        for p in fixed:
            for j, amount in enumerate(p.costs[cost_type][:months]):
                quarter_load[j // 3] += amount
        limits[cost_type] = round(
            max(fit * 1.15 * type_total / quarters, 1.3 * float(quarter_load.max())), -3
        )
    total_cost = sum(sum(p.costs["capex"]) + sum(p.costs["opex"]) for p in items)
    budgets = [
        BudgetRule(limits["capex"], "capex", "quarter"),
        BudgetRule(limits["opex"], "opex", "quarter"),
        BudgetRule(round(fit * total_cost, -3)),
    ]
    return Portfolio(
        projects=items,
        months=months,
        capacity=capacity,
        budgets=budgets,
        dependencies=links,
        exclusive_groups=groups,
        balance_rules=[
            BalanceRule("category", "Regulatory", min_share=0.1),
            BalanceRule("category", "Transform", max_share=0.4),
        ],
        max_starts_per_month=max(2, math.ceil(projects * fit / months * 2)),
        objective=Objective(risk="probability", monthly_discount_rate=0.008),
        first_month="2027-01",
    )


def _gain(value: float, baseline: float) -> float:
    if baseline == 0:
        return 0.0
    return 100.0 * (value - baseline) / abs(baseline)


def run_case(
    name: str,
    projects: int,
    months: int,
    roles: int,
    dependencies: int | None,
    *,
    time_limit: float,
    gap_target: float,
    threads: int,
    seed: int,
) -> dict[str, object]:
    portfolio = generate_portfolio(projects, months, roles, dependencies, seed)
    baseline = cutline(portfolio)
    result = optimise(
        portfolio,
        time_limit=time_limit,
        threads=threads,
        mip_rel_gap=gap_target,
        shadow_prices=False,
        seed=seed,
    )
    return {
        "case": name,
        "projects": projects,
        "months": months,
        "roles": roles,
        "seconds": round(result.seconds, 3),
        "value": round(result.value, 2),
        "bound": round(result.bound, 2),
        "gap": round(result.gap, 6),
        "first_feasible_seconds": round(result.first_feasible_seconds, 3),
        "cutline_value": round(baseline.value, 2),
        "gain_over_cutline_pct": round(_gain(result.value, baseline.value), 3),
    }


def run_frontier_case(
    name: str, projects: int, months: int, roles: int, *, points: int, threads: int, seed: int
) -> tuple[dict[str, object], list[dict[str, float]]]:
    portfolio = generate_portfolio(projects, months, roles, None, seed)
    # The "current portfolio" is what a PMO ranking by score would have funded.
    current = cutline(portfolio, rank_by="score").starts()
    started = time.perf_counter()
    result = frontier(
        portfolio, points=points, threads=threads, time_limit_per_point=2.5, current=current
    )
    seconds = time.perf_counter() - started
    worst = max(result.points, key=lambda point: point.gap)
    rows = [
        {
            "budget": point.budget,
            "value": point.value,
            "bound": point.bound,
            "gap": point.gap,
            "cutline": point.cutline_value,
            "current": point.current_value,
            "seconds": point.seconds,
        }
        for point in result.points
    ]
    line = {
        "case": name,
        "projects": projects,
        "months": months,
        "roles": roles,
        "seconds": round(seconds, 3),
        "value": round(worst.value, 2),
        "bound": round(worst.bound, 2),
        "gap": round(worst.gap, 6),
        "first_feasible_seconds": round(result.points[0].first_feasible_seconds, 3),
        "cutline_value": round(worst.cutline_value, 2),
        "gain_over_cutline_pct": round(_gain(worst.value, worst.cutline_value), 3),
    }
    return line, rows


def _warm_up() -> None:
    """Compile the numba kernels (cached on disk after the first run) off the clock."""
    optimise(generate_portfolio(12, 12, 3, 2, seed=99), time_limit=2.0, shadow_prices=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON line per case")
    parser.add_argument("--cases", default="small,large,frontier")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    cases = set(args.cases.split(","))
    _warm_up()
    lines = []
    if "small" in cases:
        lines.append(
            run_case(
                "200x36x12",
                200,
                36,
                12,
                None,
                time_limit=10.0,
                gap_target=0.005,
                threads=args.threads,
                seed=args.seed,
            )
        )
        _emit(lines[-1], args.json)
    if "large" in cases:
        lines.append(
            run_case(
                "1000x36x20",
                1000,
                36,
                20,
                200,
                time_limit=60.0,
                gap_target=0.01,
                threads=args.threads,
                seed=args.seed,
            )
        )
        _emit(lines[-1], args.json)
    if "frontier" in cases:
        line, rows = run_frontier_case(
            "frontier-200x36x12", 200, 36, 12, points=20, threads=args.threads, seed=args.seed
        )
        _emit(line, args.json)
        if not args.json:
            print(
                f"{'budget':>14} {'value':>14} {'bound':>14} {'gap %':>7} "
                f"{'cut line':>14} {'current':>14} {'s':>6}"
            )
            for row in rows:
                print(
                    f"{row['budget']:>14,.0f} {row['value']:>14,.0f} {row['bound']:>14,.0f} "
                    f"{100 * row['gap']:>7.3f} {row['cutline']:>14,.0f} "
                    f"{row['current']:>14,.0f} {row['seconds']:>6.2f}"
                )
    return 0


def _emit(line: dict[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(line), flush=True)
        return
    print(
        f"{line['case']}: {line['projects']} projects x {line['months']} months x "
        f"{line['roles']} roles: value {line['value']:,.0f}, bound {line['bound']:,.0f}, "
        f"gap {100 * float(line['gap']):.3f}% in {line['seconds']} s "  # type: ignore[arg-type]
        f"(first feasible {line['first_feasible_seconds']} s); cut line "
        f"{line['cutline_value']:,.0f}, gain {line['gain_over_cutline_pct']}%",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
