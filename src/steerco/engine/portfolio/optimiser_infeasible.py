"""Explain an infeasible portfolio: an irreducible set of conflicting constraints.

The cheap checks (a must-run project that does not fit on its own, must-run
projects that together exceed a limit) run while the model is compiled. When
the MILP itself is infeasible, this module finds an irreducible infeasible
subset by *deletion filtering* (Chinneck): drop one constraint group at a time
and keep it dropped when the rest is still infeasible. What remains is a set
in which every member is needed for the conflict. Groups are the input rules
(one project's "must run", one role's capacity, one budget rule, one
dependency, ...); groups of a few dozen rows are then refined to single rows
(a role in one month) the same way, within a time budget.

Each test first solves the LP relaxation (infeasible LP => infeasible MILP)
and only then, when the LP is feasible, the MILP for feasibility.
"""

from __future__ import annotations

import time

import numpy as np

from steerco.engine.errors import InfeasibleError
from steerco.engine.portfolio.optimiser_build import CompiledPortfolio
from steerco.engine.portfolio.optimiser_milp import build_lp, configure, new_highs, run_highs

_REFINE_MAX_ROWS = 48


class _Tester:
    def __init__(self, model: CompiledPortfolio, threads: int, time_limit: float) -> None:
        self.model = model
        self.threads = threads
        self.time_limit = time_limit
        self.calls = 0

    def infeasible(self, relaxed_rows: np.ndarray, relaxed_must_run: np.ndarray) -> bool:
        """True when the model with these rows / must-run flags dropped is infeasible.

        A test that runs out of time counts as feasible, so that the set we
        report only contains proven conflicts.
        """
        self.calls += 1
        for integer in (False, True):
            highs = new_highs()
            configure(highs, time_limit=self.time_limit, threads=self.threads)
            highs.passModel(
                build_lp(
                    self.model,
                    integer=integer,
                    relaxed_rows=relaxed_rows,
                    relaxed_must_run=relaxed_must_run,
                    zero_objective=True,
                )
            )
            if integer:
                highs.setOptionValue("mip_rel_gap", 1.0)
            run_highs(highs)
            status = highs.modelStatusToString(highs.getModelStatus())
            if status == "Infeasible":
                return True
            if status != "Optimal":
                return False
        return False


def explain_infeasibility(
    model: CompiledPortfolio, *, threads: int = 1, time_budget: float = 30.0
) -> InfeasibleError:
    """An :class:`InfeasibleError` naming an irreducible set of conflicting constraints.

    Call only when the model is known to be infeasible.
    """
    deadline = time.perf_counter() + time_budget
    tester = _Tester(model, threads, time_limit=max(1.0, time_budget / 10))
    rows = model.rows
    row_groups: dict[str, list[int]] = {}
    for r, info in enumerate(rows):
        row_groups.setdefault(info.group, []).append(r)
    must_projects = [int(p) for p in np.flatnonzero(model.must_run)]
    relaxed_rows = np.zeros(len(rows), dtype=bool)
    relaxed_must = np.zeros(len(model.projects), dtype=bool)

    # Must-run flags first, so the conflict names the fewest projects.
    for p in must_projects:
        if time.perf_counter() > deadline:
            break
        relaxed_must[p] = True
        if not tester.infeasible(relaxed_rows, relaxed_must):
            relaxed_must[p] = False
    for _name, members in row_groups.items():
        if time.perf_counter() > deadline:
            break
        relaxed_rows[members] = True
        if not tester.infeasible(relaxed_rows, relaxed_must):
            relaxed_rows[members] = False
    for _name, members in row_groups.items():
        kept = [r for r in members if not relaxed_rows[r]]
        if len(kept) <= 1 or len(kept) > _REFINE_MAX_ROWS:
            continue
        for r in kept:
            if time.perf_counter() > deadline:
                break
            relaxed_rows[r] = True
            if not tester.infeasible(relaxed_rows, relaxed_must):
                relaxed_rows[r] = False

    names = [f"mandatory {model.projects[p].id}" for p in must_projects if not relaxed_must[p]]
    for group, members in row_groups.items():
        kept = [r for r in members if not relaxed_rows[r] and _touched(model, r)]
        if 0 < len(kept) <= 3:
            names += [rows[r].name for r in kept]
        elif kept:
            names.append(f"{group} ({len(kept)} rows)")
    message = "no plan satisfies all of these together: " + "; ".join(names)
    return InfeasibleError(message, constraints=names)


def _touched(model: CompiledPortfolio, row: int) -> bool:
    """Rows no column uses cannot be part of a conflict (they are always met)."""
    return bool(np.any(model.row_index == row)) or model.row_lo[row] > 0 or model.row_hi[row] < 0
