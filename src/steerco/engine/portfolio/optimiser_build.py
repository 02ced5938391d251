"""Compile a :class:`Portfolio` into the time-indexed model shared by every method.

One binary column per (project, start month) that can be feasible at all; one
row per business constraint (capacity of a role in a month, a budget period,
a balance rule, the new starts of a month, an exclusive group, a dependency).
The greedy, the local search and the HiGHS MILP all read this one structure, so
a plan that one of them calls feasible is feasible for the others.

Tightening done here, before any solver sees the model:

* starts are filtered per project: inside its window, finishing within the
  planning window, after the earliest possible end of its predecessors, and
  fitting each capacity / budget / new-start row on its own next to the
  projects that are fixed anyway (in-flight fixed, mandatory with one start);
* finish-to-start dependencies use the cumulative (disaggregated) form
  ``sum_{s' <= t} x[B, s'] <= sum_{s' <= t - dur_A - lag} x[A, s']`` for every
  start t of B, whose LP relaxation is much tighter than the big-M form;
* rows are scaled so that their largest coefficient is 1, which keeps one
  absolute feasibility tolerance meaningful for FTE and money alike.

Mandatory and fixed projects that cannot fit raise :class:`InfeasibleError`
here, naming the constraint in business terms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from steerco.engine.errors import InfeasibleError
from steerco.engine.portfolio.model import TOTAL_SPEND, Portfolio, Project

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

INFINITY = float("inf")
FEASIBILITY_TOLERANCE = 1e-9
"""Absolute tolerance on scaled rows (largest coefficient 1) for our own checks."""

# Row kinds. Resource rows have non-negative coefficients and an upper limit.
CAPACITY = "capacity"
BUDGET = "budget"
STARTS = "starts"
EXCLUSIVE = "exclusive"
BALANCE = "balance"
DEPENDENCY = "dependency"
RESOURCE_KINDS = (CAPACITY, BUDGET, STARTS, EXCLUSIVE)


@dataclass(slots=True)
class RowInfo:
    """A row of the model in business terms.

    ``group`` gathers rows that come from one input rule (all months of one
    role's capacity, all periods of one budget rule, ...): infeasibility
    analysis removes whole groups before it looks at single rows.
    """

    name: str
    kind: str
    group: str
    limit: float
    role: str | None = None
    month: int | None = None


@dataclass(slots=True)
class CompiledPortfolio:
    """The portfolio as columns (project, start) and scaled rows.

    Columns of one project are contiguous, in increasing start order:
    ``project_col_ptr[p]:project_col_ptr[p + 1]``. The matrix is stored by
    column (``col_ptr``, ``row_index``, ``coef``) with scaled coefficients;
    ``row_scale`` converts a scaled activity back to business units.
    """

    portfolio: Portfolio
    projects: list[Project]
    must_run: BoolArray
    must_run_reason: list[str]
    project_col_ptr: IntArray
    col_project: Int32Array
    col_start: Int32Array
    col_value: FloatArray
    col_ptr: IntArray
    row_index: Int32Array
    coef: FloatArray
    row_lo: FloatArray
    row_hi: FloatArray
    row_scale: FloatArray
    rows: list[RowInfo]
    capacity_rows: dict[tuple[str, int], int]
    budget_rows: dict[tuple[int, int], int]
    predecessors: list[list[int]]
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def column_count(self) -> int:
        return int(self.col_project.shape[0])

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def project_index(self) -> dict[str, int]:
        """Project id -> index of the compiled project."""
        return {project.id: i for i, project in enumerate(self.projects)}

    def columns_of_plan(self, plan: dict[str, int]) -> list[int]:
        """Columns of a plan (project id -> start); unknown entries are skipped."""
        index = self.project_index()
        columns = []
        for project_id, start in plan.items():
            p = index.get(project_id)
            if p is None:
                continue
            for c in range(int(self.project_col_ptr[p]), int(self.project_col_ptr[p + 1])):
                if int(self.col_start[c]) == start:
                    columns.append(c)
                    break
        return columns

    def activity(self, columns: list[int] | Int32Array) -> FloatArray:
        """Scaled row activities of a set of columns."""
        activity = np.zeros(len(self.rows))
        for c in columns:
            begin, end = int(self.col_ptr[c]), int(self.col_ptr[c + 1])
            np.add.at(activity, self.row_index[begin:end], self.coef[begin:end])
        return activity

    def violations(self, columns: list[int] | Int32Array, tolerance: float = 1e-6) -> list[int]:
        """Rows a set of columns breaks (scaled tolerance)."""
        activity = self.activity(columns)
        bad = (activity > self.row_hi + tolerance) | (activity < self.row_lo - tolerance)
        return [int(r) for r in np.flatnonzero(bad)]


def _window_starts(portfolio: Portfolio, project: Project) -> tuple[list[int], str]:
    """Starts allowed by the project's own window, and why none are when empty."""
    months = portfolio.months
    if project.excluded:
        return [], "excluded"
    if project.in_flight == "fixed":
        return [0], ""
    latest = months - 1 if project.latest_start is None else min(project.latest_start, months - 1)
    starts = []
    for start in range(project.earliest_start, latest + 1):
        continuing = project.in_flight != "no" and start == 0
        if portfolio.finish_within_window and not continuing and start + project.duration > months:
            continue
        starts.append(start)
    if starts:
        return starts, ""
    if project.earliest_start >= months:
        return [], f"its earliest start (month {project.earliest_start}) is after the window"
    return [], (
        f"it lasts {project.duration} months and cannot finish within the "
        f"{months}-month window when started from month {project.earliest_start}"
    )


def compile_portfolio(portfolio: Portfolio) -> CompiledPortfolio:
    """Build the time-indexed model of ``portfolio`` (see the module docstring).

    Raises
    ------
    InfeasibleError
        When a mandatory or fixed in-flight project cannot be placed at all, or
        fixed projects together break a capacity or budget.
    """
    projects = list(portfolio.projects)
    index = {project.id: i for i, project in enumerate(projects)}
    count = len(projects)
    starts: list[list[int]] = []
    dropped: dict[str, str] = {}
    must_run = [project.must_run for project in projects]
    reason = [
        "mandatory project" if project.mandatory else "fixed in-flight project"
        for project in projects
    ]
    for project in projects:
        allowed, why = _window_starts(portfolio, project)
        starts.append(allowed)
        if not allowed:
            dropped[project.id] = why
            if project.must_run:
                raise InfeasibleError(
                    f"{_must_label(project, 'mandatory project')} {project.id} cannot be "
                    f"planned: {why}",
                    constraints=[
                        _must_constraint(_must_label(project, ""), project.id),
                        f"window of {project.id}",
                    ],
                )

    predecessors: list[list[int]] = [[] for _ in range(count)]
    for dependency in portfolio.dependencies:
        a, b = index[dependency.predecessor], index[dependency.successor]
        predecessors[b].append(a)

    rows = _RowBuilder(portfolio)
    coo = _build_entries(portfolio, projects, starts, rows)
    col_project, col_start, entry_col, entry_row, entry_coef = coo
    first_columns = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(col_project, minlength=count), out=first_columns[1:])
    column_alive = np.ones(col_project.shape[0], dtype=bool)

    # Alternate logical propagation (dependencies, exclusive groups) and
    # resource filtering until nothing changes: each can remove starts that
    # make the other remove more.
    while True:
        changed = _propagate_logic(portfolio, projects, index, starts, must_run, reason, dropped)
        changed |= _sync_columns(starts, col_project, col_start, column_alive, portfolio.months)
        removed = _filter_by_resources(
            portfolio,
            projects,
            rows,
            must_run,
            reason,
            first_columns,
            col_project,
            col_start,
            column_alive,
            entry_col,
            entry_row,
            entry_coef,
        )
        if removed:
            for p in range(count):
                span = slice(int(first_columns[p]), int(first_columns[p + 1]))
                kept = [int(s) for s in col_start[span][column_alive[span]]]
                if kept != starts[p]:
                    starts[p] = kept
                    if not kept and projects[p].id not in dropped:
                        dropped[projects[p].id] = (
                            "it does not fit any capacity or budget at any start"
                        )
            changed = True
        if not changed:
            break

    return _assemble(
        portfolio,
        projects,
        starts,
        must_run,
        reason,
        predecessors,
        dropped,
        rows,
        col_project,
        col_start,
        column_alive,
        entry_col,
        entry_row,
        entry_coef,
    )


def _must_label(project: Project, default: str) -> str:
    if project.mandatory:
        return "mandatory project"
    if project.in_flight == "fixed":
        return "fixed in-flight project"
    return default


class _RowBuilder:
    """Rows of the model with their names, limits and groups."""

    def __init__(self, portfolio: Portfolio) -> None:
        self.info: list[RowInfo] = []
        self.lo: list[float] = []
        self.hi: list[float] = []
        self.capacity: dict[tuple[str, int], int] = {}
        self.budget: dict[tuple[int, int], int] = {}
        self.budget_period_of: list[tuple[int, list[tuple[int, int]]]] = []
        self.budget_bounds: list[tuple[IntArray, IntArray, IntArray]] = []
        months = portfolio.months
        for role in sorted(portfolio.capacity):
            limits = portfolio.capacity_of(role) or ()
            for t in range(months):
                self.capacity[(role, t)] = self.add(
                    RowInfo(
                        f"capacity {role} {portfolio.month_label(t)}",
                        CAPACITY,
                        f"capacity {role}",
                        limits[t],
                        role=role,
                        month=t,
                    ),
                    -INFINITY,
                    limits[t],
                )
        for b, rule in enumerate(portfolio.budgets):
            limits = portfolio.budget_limits(rule)
            group = (
                f"{rule.prefix} per {rule.period}"
                if rule.period != "window"
                else (f"{rule.prefix} total")
            )
            periods = []
            for q, (label, period_months) in enumerate(portfolio.period_months(rule.period)):
                row = self.add(
                    RowInfo(f"{rule.prefix} {label}", BUDGET, group, limits[q]),
                    -INFINITY,
                    limits[q],
                )
                self.budget[(b, q)] = row
                periods.append((period_months[0], period_months[-1] + 1))
            self.budget_period_of.append((b, periods))
            self.budget_bounds.append(
                (
                    np.array([begin for begin, _ in periods], dtype=np.int64),
                    np.array([end for _, end in periods], dtype=np.int64),
                    np.array([self.budget[(b, q)] for q in range(len(periods))], dtype=np.int64),
                )
            )
        self.balance: list[tuple[int, float, int]] = []
        for index, balance in enumerate(portfolio.balance_rules):
            low_name, high_name = balance.names()
            group = f"balance {balance.field.replace('_', ' ')} {balance.group}"
            if balance.min_share is not None and balance.min_share > 0.0:
                row = self.add(RowInfo(low_name, BALANCE, group, 0.0), 0.0, INFINITY)
                self.balance.append((row, balance.min_share, index))
            if balance.max_share is not None and balance.max_share < 1.0:
                row = self.add(RowInfo(high_name, BALANCE, group, 0.0), -INFINITY, 0.0)
                self.balance.append((row, balance.max_share, index))
        self.starts: dict[int, int] = {}
        limits_of_starts = portfolio.starts_limit()
        if limits_of_starts is not None:
            for t in range(months):
                self.starts[t] = self.add(
                    RowInfo(
                        f"new starts {portfolio.month_label(t)}",
                        STARTS,
                        "new starts per month",
                        float(limits_of_starts[t]),
                        month=t,
                    ),
                    -INFINITY,
                    float(limits_of_starts[t]),
                )
        self.exclusive: dict[str, int] = {}
        for group_rule in portfolio.exclusive_groups:
            self.exclusive[group_rule.name] = self.add(
                RowInfo(
                    f"exclusive group {group_rule.name}",
                    EXCLUSIVE,
                    f"exclusive group {group_rule.name}",
                    float(group_rule.at_most),
                ),
                -INFINITY,
                float(group_rule.at_most),
            )

    def add(self, info: RowInfo, lo: float, hi: float) -> int:
        self.info.append(info)
        self.lo.append(lo)
        self.hi.append(hi)
        return len(self.info) - 1


def _build_entries(
    portfolio: Portfolio,
    projects: list[Project],
    starts: list[list[int]],
    rows: _RowBuilder,
) -> tuple[Int32Array, Int32Array, IntArray, IntArray, FloatArray]:
    """Every (column, row, coefficient), columns grouped by project then start."""
    months = portfolio.months
    col_project_parts: list[Int32Array] = []
    col_start_parts: list[Int32Array] = []
    entry_cols: list[IntArray] = []
    entry_rows: list[IntArray] = []
    entry_coefs: list[FloatArray] = []
    group_members: dict[str, list[str]] = {}
    for group_rule in portfolio.exclusive_groups:
        for project_id in group_rule.projects:
            group_members.setdefault(project_id, []).append(group_rule.name)
    balance_groups = [
        (row, share, portfolio.balance_rules[rule_index]) for row, share, rule_index in rows.balance
    ]
    first_column: list[int] = []
    next_column = 0
    for p, project in enumerate(projects):
        first_column.append(next_column)
        allowed = np.asarray(starts[p], dtype=np.int64)
        n = allowed.shape[0]
        col_project_parts.append(np.full(n, p, dtype=np.int32))
        col_start_parts.append(allowed.astype(np.int32))
        if n == 0:
            continue
        columns = next_column + np.arange(n, dtype=np.int64)
        next_column += n
        length = project.duration
        offsets = np.arange(length, dtype=np.int64)
        month_of = allowed[:, None] + offsets[None, :]
        inside = month_of < months
        for role, profile in project.demand.items():
            if role not in portfolio.capacity:
                continue
            values = np.zeros(length)
            values[: len(profile)] = profile
            mask = inside & (values[None, :] > 0.0)
            base = rows.capacity[(role, 0)]
            entry_cols.append(np.broadcast_to(columns[:, None], mask.shape)[mask])
            entry_rows.append(base + month_of[mask])
            entry_coefs.append(np.broadcast_to(values[None, :], mask.shape)[mask])
        spend_cache: dict[str, FloatArray] = {}

        for b, _periods in rows.budget_period_of:
            rule = portfolio.budgets[b]
            if rule.spend != TOTAL_SPEND and rule.spend not in project.costs:
                continue
            cum = _cumulative_spend(project, rule.spend, spend_cache)
            bounds = rows.budget_bounds[b]
            # Spend of each start (rows) in each period (columns), at once.
            low = np.minimum(np.maximum(bounds[0][None, :] - allowed[:, None], 0), length)
            high = np.minimum(np.maximum(bounds[1][None, :] - allowed[:, None], 0), length)
            amount = cum[high] - cum[low]
            mask = amount > 0.0
            if mask.any():
                start_index, period_index = np.nonzero(mask)
                entry_cols.append(columns[start_index])
                entry_rows.append(bounds[2][period_index])
                entry_coefs.append(amount[mask])
        if balance_groups:
            cum = _cumulative_spend(project, TOTAL_SPEND, spend_cache)
            window_spend = cum[np.clip(months - allowed, 0, length)]
            for row, share, balance in balance_groups:
                member = portfolio.group_of(project, balance.field) == balance.group
                amount = ((1.0 if member else 0.0) - share) * window_spend
                mask = amount != 0.0
                if mask.any():
                    entry_cols.append(columns[mask])
                    entry_rows.append(np.full(int(mask.sum()), row, np.int64))
                    entry_coefs.append(amount[mask])
        if rows.starts and project.in_flight == "no":
            entry_cols.append(columns)
            entry_rows.append(np.array([rows.starts[int(s)] for s in allowed], dtype=np.int64))
            entry_coefs.append(np.ones(n))
        for group_name in group_members.get(project.id, ()):
            entry_cols.append(columns)
            entry_rows.append(np.full(n, rows.exclusive[group_name], np.int64))
            entry_coefs.append(np.ones(n))

    index = {project.id: i for i, project in enumerate(projects)}
    for dependency in portfolio.dependencies:
        a, b = index[dependency.predecessor], index[dependency.successor]
        starts_a = np.asarray(starts[a], dtype=np.int64)
        starts_b = np.asarray(starts[b], dtype=np.int64)
        columns_a = first_column[a] + np.arange(starts_a.shape[0], dtype=np.int64)
        columns_b = first_column[b] + np.arange(starts_b.shape[0], dtype=np.int64)
        group = f"dependency {dependency.name}"
        if dependency.kind == "requires" or starts_b.shape[0] == 0:
            row = rows.add(RowInfo(dependency.name, DEPENDENCY, group, 0.0), -INFINITY, 0.0)
            entry_cols.extend([columns_b, columns_a])
            entry_rows.extend(
                [
                    np.full(columns_b.shape[0], row, np.int64),
                    np.full(columns_a.shape[0], row, np.int64),
                ]
            )
            entry_coefs.extend([np.ones(columns_b.shape[0]), -np.ones(columns_a.shape[0])])
            continue
        gap = projects[a].duration + dependency.lag
        first_row = len(rows.info)
        for t in starts_b:
            rows.add(
                RowInfo(
                    f"{dependency.name} (by {portfolio.month_label(int(t))})",
                    DEPENDENCY,
                    group,
                    0.0,
                    month=int(t),
                ),
                -INFINITY,
                0.0,
            )
        # Row k (start t_k of B): +x[B, s] for s <= t_k, -x[A, s] for s + gap <= t_k.
        row_of_b, column_of_b = np.nonzero(starts_b[None, :] <= starts_b[:, None])
        row_of_a, column_of_a = np.nonzero(starts_a[None, :] + gap <= starts_b[:, None])
        entry_cols.extend([columns_b[column_of_b], columns_a[column_of_a]])
        entry_rows.extend([first_row + row_of_b, first_row + row_of_a])
        entry_coefs.extend([np.ones(row_of_b.shape[0]), -np.ones(row_of_a.shape[0])])

    col_project = np.concatenate(col_project_parts) if col_project_parts else np.zeros(0, np.int32)
    col_start = np.concatenate(col_start_parts) if col_start_parts else np.zeros(0, np.int32)
    if entry_cols:
        cols = np.concatenate(entry_cols).astype(np.int64)
        rws = np.concatenate(entry_rows).astype(np.int64)
        coefs = np.concatenate(entry_coefs).astype(np.float64)
    else:
        cols = np.zeros(0, np.int64)
        rws = np.zeros(0, np.int64)
        coefs = np.zeros(0)
    return col_project, col_start, cols, rws, coefs


def _cumulative_spend(project: Project, kind: str, cache: dict[str, FloatArray]) -> FloatArray:
    """0, then the running total of a cost type over the project's months."""
    if kind not in cache:
        values = np.zeros(project.duration)
        profile = project.spend_profile(kind)
        values[: len(profile)] = profile
        cache[kind] = np.concatenate(([0.0], np.cumsum(values)))
    return cache[kind]


def _propagate_logic(
    portfolio: Portfolio,
    projects: list[Project],
    index: dict[str, int],
    starts: list[list[int]],
    must_run: list[bool],
    reason: list[str],
    dropped: dict[str, str],
) -> bool:
    """Dependencies and exclusive groups: shrink start sets, spread must-run."""
    changed_any = False
    changed = True
    while changed:
        changed = False
        for dependency in portfolio.dependencies:
            a, b = index[dependency.predecessor], index[dependency.successor]
            project_a, project_b = projects[a], projects[b]
            if not starts[b]:
                continue
            if not starts[a]:
                if must_run[b]:
                    raise InfeasibleError(
                        f"{reason[b]} {project_b.id} needs {project_a.id}, which cannot be "
                        f"planned: {dropped.get(project_a.id, 'no start fits')}",
                        constraints=[
                            _must_constraint(reason[b], project_b.id),
                            dependency.name,
                            f"{project_a.id}: {dropped.get(project_a.id, 'no start fits')}",
                        ],
                    )
                starts[b] = []
                dropped[project_b.id] = f"it needs {project_a.id}, which cannot be planned"
                changed = True
                continue
            if dependency.kind == "finish_to_start":
                gap = project_a.duration + dependency.lag
                earliest = starts[a][0] + gap
                kept = [s for s in starts[b] if s >= earliest]
                if kept != starts[b]:
                    if not kept and must_run[b]:
                        raise InfeasibleError(
                            f"{reason[b]} {project_b.id} must start after {project_a.id} ends, "
                            f"but {project_a.id} ends at the earliest in "
                            f"{portfolio.month_label(earliest)} and {project_b.id} can start "
                            f"at the latest in {portfolio.month_label(starts[b][-1])}",
                            constraints=[
                                _must_constraint(reason[b], project_b.id),
                                dependency.name,
                            ],
                        )
                    starts[b] = kept
                    changed = True
                    if not kept:
                        dropped[project_b.id] = (
                            f"it must start after {project_a.id} ends, which leaves no start"
                        )
                        continue
            if must_run[b]:
                if not must_run[a]:
                    must_run[a] = True
                    reason[a] = f"project (required by {reason[b]} {project_b.id})"
                    changed = True
                if dependency.kind == "finish_to_start":
                    latest = starts[b][-1] - project_a.duration - dependency.lag
                    kept = [s for s in starts[a] if s <= latest]
                    if kept != starts[a]:
                        if not kept:
                            raise InfeasibleError(
                                f"{reason[b]} {project_b.id} must start after {project_a.id} "
                                f"ends, and no start of {project_a.id} ends early enough",
                                constraints=[
                                    _must_constraint(reason[b], project_b.id),
                                    dependency.name,
                                ],
                            )
                        starts[a] = kept
                        changed = True
        for group in portfolio.exclusive_groups:
            members = [index[m] for m in group.projects if starts[index[m]]]
            forced = [m for m in members if must_run[m]]
            if len(forced) > group.at_most:
                names = ", ".join(projects[m].id for m in forced)
                raise InfeasibleError(
                    f"projects {names} must all run but exclusive group {group.name} allows "
                    f"at most {group.at_most}",
                    constraints=[_must_constraint(reason[m], projects[m].id) for m in forced]
                    + [f"exclusive group {group.name}"],
                )
            if len(forced) == group.at_most:
                for m in members:
                    if not must_run[m]:
                        starts[m] = []
                        dropped[projects[m].id] = (
                            f"exclusive group {group.name} is filled by must-run projects"
                        )
                        changed = True
            changed_any |= changed
    return changed_any


def _sync_columns(
    starts: list[list[int]],
    col_project: Int32Array,
    col_start: Int32Array,
    column_alive: BoolArray,
    months: int,
) -> bool:
    """Kill columns whose start was removed by logical propagation."""
    allowed = np.zeros((len(starts), months), dtype=bool)
    for p, project_starts in enumerate(starts):
        allowed[p, project_starts] = True
    keep = column_alive & allowed[col_project, col_start]
    changed = bool((keep != column_alive).any())
    column_alive[:] = keep
    return changed


def _filter_by_resources(
    portfolio: Portfolio,
    projects: list[Project],
    rows: _RowBuilder,
    must_run: list[bool],
    reason: list[str],
    first_columns: IntArray,
    col_project: Int32Array,
    col_start: Int32Array,
    column_alive: BoolArray,
    entry_col: IntArray,
    entry_row: IntArray,
    entry_coef: FloatArray,
) -> bool:
    """Remove columns that break a resource row on their own next to fixed projects."""
    count = len(projects)
    alive_per_project = np.bincount(col_project[column_alive], minlength=count)
    fixed_project = np.array(must_run, dtype=bool) & (alive_per_project == 1)
    fixed_column = column_alive & fixed_project[col_project]
    resource_row = np.array([info.kind in RESOURCE_KINDS for info in rows.info], dtype=bool)
    hi = np.array(rows.hi)
    alive_entry = column_alive[entry_col] & resource_row[entry_row]
    fixed_entry = alive_entry & fixed_column[entry_col]
    fixed_usage = np.bincount(
        entry_row[fixed_entry], weights=entry_coef[fixed_entry], minlength=len(rows.info)
    ).astype(np.float64)
    tolerance = 1e-9 * np.maximum(1.0, np.abs(hi))
    over = np.flatnonzero(fixed_usage > hi + tolerance)
    if over.shape[0]:
        row = int(over[0])
        in_row = fixed_entry & (entry_row == row)
        members = sorted({int(col_project[c]) for c in entry_col[in_row]})
        info = rows.info[row]
        need = (
            f"{_amount(info, float(fixed_usage[row]))} in {_where(info)}, "
            f"{_limit_word(info)} {_number(info, info.limit)}"
        )
        if len(members) == 1:
            p = members[0]
            message = f"{reason[p]} {projects[p].id} cannot fit: needs {need}"
        else:
            names = ", ".join(projects[p].id for p in members)
            message = f"projects that must run ({names}) together need {need}"
        raise InfeasibleError(
            message,
            constraints=[_must_constraint(reason[p], projects[p].id) for p in members]
            + [info.name],
        )
    residual: FloatArray = (hi - fixed_usage).astype(np.float64)
    candidate_entry = alive_entry & ~fixed_column[entry_col]
    too_big = candidate_entry & (entry_coef > residual[entry_row] + tolerance[entry_row])
    if not too_big.any():
        return False
    bad_columns = np.unique(entry_col[too_big])
    for p in np.unique(col_project[bad_columns]):
        p = int(p)
        span = np.arange(int(first_columns[p]), int(first_columns[p + 1]))
        project_columns = span[column_alive[span]]
        remaining = np.setdiff1d(project_columns, bad_columns)
        if must_run[p] and remaining.shape[0] == 0:
            _raise_cannot_fit(
                portfolio,
                projects[p],
                reason[p],
                rows,
                project_columns,
                too_big,
                entry_col,
                entry_row,
                entry_coef,
                residual,
                fixed_usage,
                col_start,
            )
    column_alive[bad_columns] = False
    return True


def _amount(info: RowInfo, value: float) -> str:
    if info.kind == CAPACITY:
        return f"{value:.1f} FTE {info.role}"
    if info.kind == BUDGET:
        return f"{value:,.0f}"
    if info.kind == STARTS:
        return f"{value:.0f} new starts"
    return f"{value:g}"


def _number(info: RowInfo, value: float) -> str:
    """A limit without its unit (the need before it already names it)."""
    if info.kind == CAPACITY:
        return f"{value:.1f}"
    return _amount(info, value)


def _must_constraint(reason: str, project_id: str) -> str:
    """Business name of the constraint that makes a project run."""
    if reason.startswith("fixed in-flight"):
        return f"in-flight {project_id} (fixed)"
    return f"mandatory {project_id}"


def _where(info: RowInfo) -> str:
    if info.kind == CAPACITY and info.month is not None:
        return info.name.removeprefix(f"capacity {info.role} ")
    return info.name


def _limit_word(info: RowInfo) -> str:
    return {CAPACITY: "capacity", BUDGET: "limit", STARTS: "limit"}.get(info.kind, "limit")


def _raise_cannot_fit(
    portfolio: Portfolio,
    project: Project,
    reason: str,
    rows: _RowBuilder,
    project_columns: IntArray,
    too_big: BoolArray,
    entry_col: IntArray,
    entry_row: IntArray,
    entry_coef: FloatArray,
    residual: FloatArray,
    fixed_usage: FloatArray,
    col_start: Int32Array,
) -> None:
    """Explain why no start of a must-run project fits, at its least bad start."""
    best: tuple[int, int] | None = None
    for c in project_columns:
        broken = int((too_big & (entry_col == c)).sum())
        if best is None or broken < best[0]:
            best = (broken, int(c))
    assert best is not None
    column = best[1]
    broken_entries = np.flatnonzero(too_big & (entry_col == column))
    names = []
    details = []
    for k in broken_entries:
        info = rows.info[int(entry_row[k])]
        names.append(info.name)
        taken = float(fixed_usage[int(entry_row[k])])
        detail = (
            f"needs {_amount(info, float(entry_coef[k]))} in {_where(info)}, "
            f"{_limit_word(info)} {_number(info, info.limit)}"
        )
        if taken > 0.0:
            detail += f" of which {_number(info, taken)} is taken by projects that must run"
        details.append(detail)
    if project_columns.shape[0] == 1:
        message = f"{reason} {project.id} cannot fit: {details[0]}"
    else:
        first = int(col_start[project_columns[0]])
        last = int(col_start[project_columns[-1]])
        message = (
            f"{reason} {project.id} cannot fit at any start from "
            f"{portfolio.month_label(first)} to {portfolio.month_label(last)}: starting in "
            f"{portfolio.month_label(int(col_start[column]))} it {details[0]}"
        )
    if len(details) > 1:
        message += f" (and {len(details) - 1} more)"
    raise InfeasibleError(message, constraints=[_must_constraint(reason, project.id), *names])


def _assemble(
    portfolio: Portfolio,
    projects: list[Project],
    starts: list[list[int]],
    must_run: list[bool],
    reason: list[str],
    predecessors: list[list[int]],
    dropped: dict[str, str],
    rows: _RowBuilder,
    col_project: Int32Array,
    col_start: Int32Array,
    column_alive: BoolArray,
    entry_col: IntArray,
    entry_row: IntArray,
    entry_coef: FloatArray,
) -> CompiledPortfolio:
    """Keep live columns and projects that have any, scale rows, build CSC."""
    live_projects = [p for p in range(len(projects)) if starts[p]]
    new_project = np.full(len(projects), -1, dtype=np.int64)
    new_project[live_projects] = np.arange(len(live_projects))
    alive = column_alive & (new_project[col_project] >= 0)
    new_column = np.full(col_project.shape[0], -1, dtype=np.int64)
    new_column[alive] = np.arange(int(alive.sum()))
    keep_entry = alive[entry_col]
    cols = new_column[entry_col[keep_entry]]
    rws = entry_row[keep_entry]
    coefs = entry_coef[keep_entry]
    order = np.argsort(cols, kind="stable")
    cols, rws, coefs = cols[order], rws[order], coefs[order]
    column_count = int(alive.sum())
    row_count = len(rows.info)
    col_ptr = np.zeros(column_count + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=column_count), out=col_ptr[1:])

    scale = np.zeros(row_count)
    np.maximum.at(scale, rws, np.abs(coefs))
    scale[scale == 0.0] = 1.0
    lo = np.array(rows.lo) / scale
    hi = np.array(rows.hi) / scale

    kept_projects = [projects[p] for p in live_projects]
    new_col_project = new_project[col_project[alive]].astype(np.int32)
    project_col_ptr = np.zeros(len(kept_projects) + 1, dtype=np.int64)
    np.cumsum(np.bincount(new_col_project, minlength=len(kept_projects)), out=project_col_ptr[1:])
    new_col_start = col_start[alive].astype(np.int32)
    values = np.array(
        [
            portfolio.value(kept_projects[int(p)], int(s))
            for p, s in zip(new_col_project, new_col_start, strict=True)
        ],
        dtype=np.float64,
    )
    kept_predecessors = [
        [int(new_project[a]) for a in predecessors[p] if new_project[a] >= 0] for p in live_projects
    ]
    return CompiledPortfolio(
        portfolio=portfolio,
        projects=kept_projects,
        must_run=np.array([must_run[p] for p in live_projects], dtype=bool),
        must_run_reason=[reason[p] for p in live_projects],
        project_col_ptr=project_col_ptr,
        col_project=new_col_project,
        col_start=new_col_start,
        col_value=values,
        col_ptr=col_ptr,
        row_index=rws.astype(np.int32),
        coef=coefs / scale[rws],
        row_lo=lo,
        row_hi=hi,
        row_scale=scale,
        rows=rows.info,
        capacity_rows=rows.capacity,
        budget_rows=rows.budget,
        predecessors=kept_predecessors,
        dropped=dropped,
    )
