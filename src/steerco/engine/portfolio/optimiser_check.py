"""An independent checker of portfolio plans.

:func:`check_plan` reads the :class:`Portfolio` directly with plain loops and
shares no code with the model the optimiser builds, so that a bug in the
compiled rows cannot hide itself: the tests check every optimiser plan with it.
"""

from __future__ import annotations

from collections.abc import Mapping

from steerco.engine.portfolio.model import TOTAL_SPEND, Portfolio


def _over(amount: float, limit: float, tolerance: float) -> bool:
    return amount > limit + tolerance * max(1.0, abs(limit))


def check_plan(
    portfolio: Portfolio, plan: Mapping[str, int], *, tolerance: float = 1e-6
) -> list[str]:
    """Every constraint of ``portfolio`` that ``plan`` breaks, in business terms.

    Parameters
    ----------
    portfolio:
        The decision problem.
    plan:
        Project id -> start month (0-based) of every selected project.
    tolerance:
        Relative tolerance on limits (``limit x (1 + tolerance)`` is allowed).

    Returns
    -------
    list of str
        One message per violation; empty when the plan is feasible.
    """
    violations: list[str] = []
    months = portfolio.months
    known = {project.id: project for project in portfolio.projects}
    for project_id, start in plan.items():
        project = known.get(project_id)
        if project is None:
            violations.append(f"unknown project {project_id}")
            continue
        if project.excluded:
            violations.append(f"excluded project {project_id} is in the plan")
        if not 0 <= start < months:
            violations.append(f"{project_id} starts outside the window (month {start})")
        if start < project.earliest_start:
            violations.append(f"{project_id} starts before its earliest start")
        if project.latest_start is not None and start > project.latest_start:
            violations.append(f"{project_id} starts after its latest start")
        if project.in_flight == "fixed" and start != 0:
            violations.append(f"in-flight project {project_id} must continue at month 0")
        continuing = project.in_flight != "no" and start == 0
        late = start + project.duration > months
        if portfolio.finish_within_window and not continuing and late:
            violations.append(f"{project_id} does not finish within the window")
    for project in portfolio.projects:
        if project.mandatory and project.id not in plan:
            violations.append(f"mandatory project {project.id} is not in the plan")
        elif project.in_flight == "fixed" and project.id not in plan:
            violations.append(f"fixed in-flight project {project.id} is not in the plan")
    selected = [(known[pid], start) for pid, start in plan.items() if pid in known]

    for role in portfolio.capacity:
        limits = portfolio.capacity_of(role) or ()
        usage = [0.0] * months
        for project, start in selected:
            for offset, fte in enumerate(project.demand.get(role, ())):
                month = start + offset
                if 0 <= month < months:
                    usage[month] += fte
        for month in range(months):
            if _over(usage[month], limits[month], tolerance):
                violations.append(
                    f"capacity {role} {portfolio.month_label(month)}: {usage[month]:.2f} FTE "
                    f"planned, capacity {limits[month]:.2f}"
                )

    spend_by_month: dict[str, list[float]] = {}

    def monthly(kind: str) -> list[float]:
        if kind not in spend_by_month:
            totals = [0.0] * months
            for project, start in selected:
                kinds = project.costs.keys() if kind == TOTAL_SPEND else [kind]
                for cost_type in kinds:
                    for offset, amount in enumerate(project.costs.get(cost_type, ())):
                        month = start + offset
                        if 0 <= month < months:
                            totals[month] += amount
            spend_by_month[kind] = totals
        return spend_by_month[kind]

    for rule in portfolio.budgets:
        limits = portfolio.budget_limits(rule)
        totals = monthly(rule.spend)
        for (label, period), limit in zip(
            portfolio.period_months(rule.period), limits, strict=True
        ):
            spent = sum(totals[t] for t in period)
            if _over(spent, limit, tolerance):
                violations.append(
                    f"{rule.prefix} {label}: {spent:,.2f} planned, limit {limit:,.2f}"
                )

    start_of = dict(plan)
    for dependency in portfolio.dependencies:
        if dependency.successor not in start_of:
            continue
        if dependency.predecessor not in start_of:
            violations.append(
                f"{dependency.name}: {dependency.successor} is planned without "
                f"{dependency.predecessor}"
            )
            continue
        if dependency.kind == "finish_to_start":
            predecessor = known[dependency.predecessor]
            earliest = start_of[dependency.predecessor] + predecessor.duration + dependency.lag
            if start_of[dependency.successor] < earliest:
                violations.append(
                    f"{dependency.name}: {dependency.successor} starts in month "
                    f"{start_of[dependency.successor]}, before month {earliest}"
                )

    for group in portfolio.exclusive_groups:
        count = sum(1 for project_id in group.projects if project_id in plan)
        if count > group.at_most:
            violations.append(
                f"exclusive group {group.name}: {count} selected, at most {group.at_most}"
            )

    if portfolio.balance_rules:
        window_spend: dict[str, float] = {}
        for project, start in selected:
            total = 0.0
            for values in project.costs.values():
                for offset, amount in enumerate(values):
                    if 0 <= start + offset < months:
                        total += amount
            window_spend[project.id] = total
        overall = sum(window_spend.values())
        for balance in portfolio.balance_rules:
            in_group = sum(
                spend
                for project_id, spend in window_spend.items()
                if portfolio.group_of(known[project_id], balance.field) == balance.group
            )
            scale = tolerance * max(1.0, overall)
            low_name, high_name = balance.names()
            if balance.min_share is not None and in_group < balance.min_share * overall - scale:
                violations.append(
                    f"{low_name}: {in_group:,.2f} of {overall:,.2f} "
                    f"({100 * in_group / overall:.2f}%)"
                )
            if balance.max_share is not None and in_group > balance.max_share * overall + scale:
                violations.append(
                    f"{high_name}: {in_group:,.2f} of {overall:,.2f} "
                    f"({100 * in_group / overall:.2f}%)"
                )

    limits_of_starts = portfolio.starts_limit()
    if limits_of_starts is not None:
        starts = [0] * months
        for project, start in selected:
            if project.in_flight == "no" and 0 <= start < months:
                starts[start] += 1
        for month in range(months):
            if starts[month] > limits_of_starts[month]:
                violations.append(
                    f"new starts {portfolio.month_label(month)}: {starts[month]}, "
                    f"at most {limits_of_starts[month]}"
                )
    return violations


def plan_value(portfolio: Portfolio, plan: Mapping[str, int]) -> float:
    """Objective value of a plan (project id -> start month)."""
    return sum(portfolio.value(portfolio.project(pid), start) for pid, start in plan.items())
