"""OR-Library multidimensional knapsack files (``mknap1.txt``, ``mknapcb*.txt``).

Format (Beasley's OR-Library, whitespace-separated numbers)::

    K                         number of problems
    then for each problem:
    n m optimum               items, constraints, optimal value (0 when unknown)
    p_1 ... p_n               profit of each item
    r_i1 ... r_in             weight of each item in constraint i (m lines)
    b_1 ... b_m               capacity of each constraint

:func:`knapsack_portfolio` turns a problem into a one-month portfolio: each
item a project with that profit as its value, each constraint a budget line
with its capacity as limit, so that the portfolio optimiser solves it through
its ordinary entry point.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from steerco.engine.errors import InputError
from steerco.engine.portfolio.model import BudgetRule, Portfolio, Project


@dataclass(frozen=True, slots=True)
class KnapsackProblem:
    """One multidimensional knapsack: maximise profit subject to every capacity.

    ``weights[i][j]`` is the weight of item j in constraint i. ``optimum`` is
    the value the file states (None when it says 0, i.e. unknown).
    """

    profits: tuple[float, ...]
    weights: tuple[tuple[float, ...], ...]
    capacities: tuple[float, ...]
    optimum: float | None = None

    def __post_init__(self) -> None:
        items = len(self.profits)
        if items == 0:
            raise InputError("a knapsack problem needs at least one item", field="profits")
        if len(self.weights) != len(self.capacities):
            raise InputError("needs one capacity per constraint", field="capacities")
        for i, row in enumerate(self.weights):
            if len(row) != items:
                raise InputError(f"needs {items} weights, got {len(row)}", field=f"weights[{i}]")
        for name, values in (("profits", self.profits), ("capacities", self.capacities)):
            if any(not math.isfinite(v) for v in values):
                raise InputError("must be finite numbers", field=name)

    @property
    def items(self) -> int:
        return len(self.profits)

    @property
    def constraints(self) -> int:
        return len(self.capacities)


def parse_mknap(text: str) -> list[KnapsackProblem]:
    """Parse the text of an OR-Library mknap file.

    Raises
    ------
    InputError
        When the numbers do not add up to the declared problems.
    """
    tokens = text.split()
    position = 0

    def number(what: str) -> float:
        nonlocal position
        if position >= len(tokens):
            raise InputError(f"file ends while reading {what}", field="mknap")
        token = tokens[position]
        position += 1
        try:
            return float(token)
        except ValueError:
            raise InputError(
                f"expected a number for {what}, got {token!r}", field="mknap"
            ) from None

    def count(what: str) -> int:
        value = number(what)
        if value != int(value) or value < 0:
            raise InputError(f"{what} must be a whole number, got {value:g}", field="mknap")
        return int(value)

    problems = []
    total = count("the number of problems")
    for k in range(total):
        items = count(f"problem {k}: number of items")
        constraints = count(f"problem {k}: number of constraints")
        optimum = number(f"problem {k}: optimum")
        profits = tuple(number(f"problem {k}: profit {j}") for j in range(items))
        weights = tuple(
            tuple(number(f"problem {k}: weight {i},{j}") for j in range(items))
            for i in range(constraints)
        )
        capacities = tuple(number(f"problem {k}: capacity {i}") for i in range(constraints))
        problems.append(
            KnapsackProblem(profits, weights, capacities, optimum if optimum > 0 else None)
        )
    if position != len(tokens):
        raise InputError(
            f"{len(tokens) - position} numbers left after {total} problems", field="mknap"
        )
    return problems


def read_mknap(path: str | Path) -> list[KnapsackProblem]:
    """Read an OR-Library mknap file."""
    return parse_mknap(Path(path).read_text(encoding="ascii", errors="replace"))


def knapsack_portfolio(problem: KnapsackProblem) -> Portfolio:
    """The knapsack as a one-month portfolio.

    Item j becomes project ``str(j)`` (value = profit, one month long, a cost
    of its weight on budget line ``constraint i`` for each constraint i);
    constraint i becomes a budget rule on that line over the window.
    """
    projects = []
    for j, profit in enumerate(problem.profits):
        costs = {
            f"constraint {i + 1}": (float(row[j]),)
            for i, row in enumerate(problem.weights)
            if row[j] != 0
        }
        projects.append(Project(id=str(j), duration=1, costs=costs, npv=float(profit)))
    budgets = [
        BudgetRule(float(capacity), f"constraint {i + 1}", "window")
        for i, capacity in enumerate(problem.capacities)
    ]
    return Portfolio(projects=projects, months=1, budgets=budgets)
