"""Inputs of the portfolio optimiser: projects, constraints and the objective.

A :class:`Portfolio` describes one planning window of ``months`` months. Each
:class:`Project` has a cost profile (amount per month relative to its start,
split by cost type such as ``"capex"`` and ``"opex"``) and a demand profile
(FTE per month relative to its start, by role). The optimiser chooses which
projects to run and in which month of the window each one starts.

Months are 0-based indices into the window. When ``first_month`` is given
("2027-01"), constraints are named with calendar labels ("capacity Data
Engineer 2027-03", "capex 2027-Q1"); otherwise with indices ("month 3").

Every dataclass validates itself and raises :class:`InputError` naming the
field at fault.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from steerco.engine.errors import InputError

TOTAL_SPEND = "total"
"""The spend type of a budget rule that limits the sum of every cost type."""

Period = Literal["month", "quarter", "year", "window"]
RiskAdjustment = Literal["none", "probability", "penalty"]
InFlight = Literal["no", "fixed", "pausable"]
DependencyKind = Literal["requires", "finish_to_start"]
GroupField = Literal["category", "business_unit"]


def _finite(value: float, name: str, *, minimum: float | None = None) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise InputError(f"must be a finite number, got {value!r}", field=name)
    if minimum is not None and number < minimum:
        raise InputError(f"must be at least {minimum:g}, got {number:g}", field=name)
    return number


def _profile(values: Sequence[float], name: str) -> tuple[float, ...]:
    if isinstance(values, str | bytes):
        raise InputError("must be a sequence of numbers", field=name)
    return tuple(_finite(v, f"{name}[{i}]", minimum=0.0) for i, v in enumerate(values))


@dataclass(frozen=True, slots=True)
class Project:
    """A candidate (or running) project.

    Parameters
    ----------
    id:
        Unique identifier, used in plans and messages.
    duration:
        Months the project runs from its start; profiles may not be longer.
    costs:
        Cost type (``"capex"``, ``"opex"`` or any budget line) -> amount per
        month relative to the start (index 0 = the start month).
    demand:
        Role -> FTE per month relative to the start.
    npv:
        Net present value if the project starts at ``earliest_start``.
    score:
        Strategic score (any scale), used when the objective weights it.
    probability_of_success:
        In [0, 1]; multiplies the value when the objective is risk-adjusted by
        probability.
    risk_penalty:
        Subtracted from the value when the objective is risk-adjusted by penalty.
    npv_by_start:
        Optional NPV for each start month of the window (length ``months``),
        for business cases whose value depends on timing in ways a discount
        rate does not capture. Replaces ``npv`` and the objective's discounting.
    delay_penalty:
        Value lost per month the start is later than ``earliest_start``.
    earliest_start, latest_start:
        Window of allowed start months (``latest_start`` None = any).
    category, business_unit:
        Groups used by balance rules.
    mandatory:
        The project must be in the plan.
    excluded:
        The project must stay out of the plan (forced out).
    in_flight:
        ``"no"`` for a new project. ``"fixed"``: already running and cannot
        stop; its profiles are the *remaining* profiles and occupy the window
        from month 0. ``"pausable"``: already running but may be paused; the
        optimiser either continues it at month 0, resumes it at a later month
        (remaining profiles shifted, value discounted like any delay), or pauses
        it for the whole window, which frees its profiles and forfeits its value.
        In-flight projects never count as new starts.
    name:
        Display name (defaults to ``id``).
    """

    id: str
    duration: int
    costs: Mapping[str, Sequence[float]] = field(default_factory=dict)
    demand: Mapping[str, Sequence[float]] = field(default_factory=dict)
    npv: float = 0.0
    score: float = 0.0
    probability_of_success: float = 1.0
    risk_penalty: float = 0.0
    npv_by_start: Sequence[float] | None = None
    delay_penalty: float = 0.0
    earliest_start: int = 0
    latest_start: int | None = None
    category: str = ""
    business_unit: str = ""
    mandatory: bool = False
    excluded: bool = False
    in_flight: InFlight = "no"
    name: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id.strip():
            raise InputError("a project needs a non-empty id", field="id")
        where = f"project {self.id}"
        if isinstance(self.duration, bool) or not isinstance(self.duration, int):
            raise InputError("must be a whole number of months", field=f"{where} duration")
        if self.duration < 1:
            raise InputError("must be at least 1 month", field=f"{where} duration")
        costs = {}
        for kind, values in dict(self.costs).items():
            if not isinstance(kind, str) or not kind or kind == TOTAL_SPEND:
                raise InputError(
                    f"cost type must be a non-empty name other than {TOTAL_SPEND!r}",
                    field=f"{where} costs",
                )
            costs[kind] = _profile(values, f"{where} costs[{kind}]")
        demand = {}
        for role, values in dict(self.demand).items():
            if not isinstance(role, str) or not role:
                raise InputError("role must be a non-empty name", field=f"{where} demand")
            demand[role] = _profile(values, f"{where} demand[{role}]")
        for label, profiles in (("costs", costs), ("demand", demand)):
            for key, values in profiles.items():
                if len(values) > self.duration:
                    raise InputError(
                        f"profile has {len(values)} months but the project lasts {self.duration}",
                        field=f"{where} {label}[{key}]",
                    )
        object.__setattr__(self, "costs", costs)
        object.__setattr__(self, "demand", demand)
        object.__setattr__(self, "npv", _finite(self.npv, f"{where} npv"))
        object.__setattr__(self, "score", _finite(self.score, f"{where} score"))
        probability = _finite(self.probability_of_success, f"{where} probability_of_success")
        if not 0.0 <= probability <= 1.0:
            raise InputError("must be between 0 and 1", field=f"{where} probability_of_success")
        object.__setattr__(self, "probability_of_success", probability)
        object.__setattr__(
            self, "risk_penalty", _finite(self.risk_penalty, f"{where} risk_penalty")
        )
        object.__setattr__(
            self, "delay_penalty", _finite(self.delay_penalty, f"{where} delay_penalty")
        )
        if self.npv_by_start is not None:
            object.__setattr__(
                self,
                "npv_by_start",
                tuple(
                    _finite(v, f"{where} npv_by_start[{i}]")
                    for i, v in enumerate(self.npv_by_start)
                ),
            )
        if not isinstance(self.earliest_start, int) or self.earliest_start < 0:
            raise InputError("must be a month index >= 0", field=f"{where} earliest_start")
        if self.latest_start is not None and (
            not isinstance(self.latest_start, int) or self.latest_start < self.earliest_start
        ):
            raise InputError(
                "must be a month index >= earliest_start", field=f"{where} latest_start"
            )
        if self.in_flight not in ("no", "fixed", "pausable"):
            raise InputError("must be 'no', 'fixed' or 'pausable'", field=f"{where} in_flight")
        if self.mandatory and self.excluded:
            raise InputError("cannot be both mandatory and excluded", field=f"{where} mandatory")
        if self.in_flight != "no" and self.earliest_start != 0:
            raise InputError(
                "an in-flight project is already running: earliest_start must be 0",
                field=f"{where} earliest_start",
            )
        if self.in_flight == "fixed" and self.excluded:
            raise InputError(
                "a fixed in-flight project cannot be excluded (make it pausable)",
                field=f"{where} excluded",
            )

    @property
    def label(self) -> str:
        """The display name, or the id when there is none."""
        return self.name or self.id

    @property
    def must_run(self) -> bool:
        """Mandatory, or in flight and not allowed to pause."""
        return self.mandatory or self.in_flight == "fixed"

    def spend_profile(self, cost_type: str = TOTAL_SPEND) -> tuple[float, ...]:
        """Amount per month from the start for one cost type, or all of them."""
        if cost_type != TOTAL_SPEND:
            return tuple(self.costs.get(cost_type, ()))
        total = [0.0] * self.duration
        for values in self.costs.values():
            for month, amount in enumerate(values):
                total[month] += amount
        while total and total[-1] == 0.0:
            total.pop()
        return tuple(total)


@dataclass(frozen=True, slots=True)
class Dependency:
    """``successor`` needs ``predecessor``.

    ``"requires"``: the successor may be selected only if the predecessor is.
    ``"finish_to_start"``: in addition, the successor starts no earlier than
    ``lag`` months after the predecessor ends (start_B >= start_A + duration_A
    + lag).
    """

    predecessor: str
    successor: str
    kind: DependencyKind = "finish_to_start"
    lag: int = 0

    def __post_init__(self) -> None:
        if self.kind not in ("requires", "finish_to_start"):
            raise InputError("must be 'requires' or 'finish_to_start'", field="dependency kind")
        if self.predecessor == self.successor:
            raise InputError(
                f"project {self.predecessor} cannot depend on itself", field="dependency"
            )
        if not isinstance(self.lag, int) or self.lag < 0:
            raise InputError("must be a whole number of months >= 0", field="dependency lag")

    @property
    def name(self) -> str:
        """The dependency in business terms."""
        if self.kind == "requires":
            return f"{self.successor} requires {self.predecessor}"
        lag = f" + {self.lag} months" if self.lag else ""
        return f"{self.successor} starts after {self.predecessor} ends{lag}"


@dataclass(frozen=True, slots=True)
class ExclusiveGroup:
    """At most ``at_most`` of ``projects`` may be selected (alternatives)."""

    name: str
    projects: Sequence[str]
    at_most: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "projects", tuple(self.projects))
        if not self.name:
            raise InputError("an exclusive group needs a name", field="exclusive group")
        if len(set(self.projects)) != len(self.projects):
            raise InputError("lists a project twice", field=f"exclusive group {self.name}")
        if not isinstance(self.at_most, int) or self.at_most < 1:
            raise InputError("must be at least 1", field=f"exclusive group {self.name} at_most")


@dataclass(frozen=True, slots=True)
class BalanceRule:
    """Share of total spend in the window that one group must (not) exceed.

    The group is the projects whose ``field`` (category or business unit)
    equals ``group``. The rule is linear: spend(group) >= min_share x spend(all)
    and spend(group) <= max_share x spend(all), counting every selected project
    (in-flight ones included) and every cost type, within the window.
    """

    field: GroupField
    group: str
    min_share: float | None = None
    max_share: float | None = None

    def __post_init__(self) -> None:
        where = f"balance rule {self.field} {self.group}"
        if self.field not in ("category", "business_unit"):
            raise InputError("must be 'category' or 'business_unit'", field=f"{where} field")
        if self.min_share is None and self.max_share is None:
            raise InputError("needs min_share or max_share", field=where)
        for attribute in ("min_share", "max_share"):
            share = getattr(self, attribute)
            if share is not None:
                share = _finite(share, f"{where} {attribute}")
                if not 0.0 <= share <= 1.0:
                    raise InputError("must be between 0 and 1", field=f"{where} {attribute}")
                object.__setattr__(self, attribute, share)
        if (
            self.min_share is not None
            and self.max_share is not None
            and self.min_share > self.max_share
        ):
            raise InputError("min_share is above max_share", field=where)

    def names(self) -> tuple[str, str]:
        """Constraint names of the minimum and the maximum side."""
        base = f"balance {self.field.replace('_', ' ')} {self.group}"
        low = f"{base} >= {100 * (self.min_share or 0):g}% of spend"
        high = f"{base} <= {100 * (self.max_share or 0):g}% of spend"
        return low, high


@dataclass(frozen=True, slots=True)
class BudgetRule:
    """Limit on spend of one cost type (or the total) per period.

    Parameters
    ----------
    limits:
        One limit per period of the window (in order), or a single number that
        applies to every period.
    spend:
        A cost type (``"capex"``, ``"opex"``, ...) or ``"total"`` for all of them.
    period:
        ``"month"``, ``"quarter"``, ``"year"`` (calendar periods when the
        portfolio has ``first_month``, blocks from month 0 otherwise) or
        ``"window"`` (the whole window: one limit).
    """

    limits: float | Sequence[float]
    spend: str = TOTAL_SPEND
    period: Period = "window"

    def __post_init__(self) -> None:
        where = f"budget rule {self.spend} per {self.period}"
        if self.period not in ("month", "quarter", "year", "window"):
            raise InputError("must be month, quarter, year or window", field=f"{where} period")
        if not isinstance(self.spend, str) or not self.spend:
            raise InputError("must name a cost type or 'total'", field=f"{where} spend")
        if isinstance(self.limits, int | float):
            limits: float | tuple[float, ...] = _finite(self.limits, where, minimum=0.0)
        else:
            limits = tuple(
                _finite(v, f"{where} limits[{i}]", minimum=0.0) for i, v in enumerate(self.limits)
            )
            if not limits:
                raise InputError("needs at least one limit", field=where)
        object.__setattr__(self, "limits", limits)

    @property
    def prefix(self) -> str:
        """How constraint names start: 'budget' for total spend, else the cost type."""
        return "budget" if self.spend == TOTAL_SPEND else self.spend


@dataclass(frozen=True, slots=True)
class Objective:
    """What the optimiser maximises.

    value(project, start) = adjust(npv_weight x NPV(start) + score_weight x score)
    - delay_penalty x delay, where delay = start - earliest_start, NPV(start) is
    ``npv_by_start[start]`` when given, else ``npv / (1 + monthly_discount_rate) **
    delay``, and adjust is the identity (``risk="none"``), multiplication by the
    probability of success (``"probability"``) or subtraction of the project's
    risk penalty (``"penalty"``).
    """

    npv_weight: float = 1.0
    score_weight: float = 0.0
    risk: RiskAdjustment = "none"
    monthly_discount_rate: float = 0.0

    def __post_init__(self) -> None:
        _finite(self.npv_weight, "objective npv_weight")
        _finite(self.score_weight, "objective score_weight")
        rate = _finite(self.monthly_discount_rate, "objective monthly_discount_rate")
        if rate <= -1.0:
            raise InputError("must be above -1", field="objective monthly_discount_rate")
        if self.risk not in ("none", "probability", "penalty"):
            raise InputError("must be 'none', 'probability' or 'penalty'", field="objective risk")

    def value(self, project: Project, start: int) -> float:
        """Value of running ``project`` from month ``start``."""
        delay = max(0, start - project.earliest_start)
        if project.npv_by_start is not None and start < len(project.npv_by_start):
            npv = project.npv_by_start[start]
        else:
            npv = project.npv / (1.0 + self.monthly_discount_rate) ** delay
        value = self.npv_weight * npv + self.score_weight * project.score
        if self.risk == "probability":
            value *= project.probability_of_success
        elif self.risk == "penalty":
            value -= project.risk_penalty
        return value - project.delay_penalty * delay


@dataclass(frozen=True, slots=True)
class Portfolio:
    """One portfolio decision: candidates, constraints and objective.

    Parameters
    ----------
    projects:
        Candidates, mandatory projects and in-flight projects.
    months:
        Length of the planning window; every start is a month in [0, months).
    capacity:
        Role -> FTE available per month (one number for every month, or one per
        month). Roles without a capacity are not limited.
    budgets:
        Spend limits (see :class:`BudgetRule`).
    dependencies, exclusive_groups, balance_rules:
        Logical and balance constraints.
    max_starts_per_month:
        Most new projects that may start in one month (one number, or one per
        month); in-flight projects do not count.
    objective:
        What to maximise.
    first_month:
        "YYYY-MM" of month 0, used to name months, quarters and years.
    finish_within_window:
        New starts must end within the window (so that no spend escapes the
        budgets by running past the window's end). In-flight projects
        continuing at month 0 are exempt.
    """

    projects: Sequence[Project]
    months: int
    capacity: Mapping[str, float | Sequence[float]] = field(default_factory=dict)
    budgets: Sequence[BudgetRule] = ()
    dependencies: Sequence[Dependency] = ()
    exclusive_groups: Sequence[ExclusiveGroup] = ()
    balance_rules: Sequence[BalanceRule] = ()
    max_starts_per_month: int | Sequence[int] | None = None
    objective: Objective = field(default_factory=Objective)
    first_month: str | None = None
    finish_within_window: bool = True
    _index: dict[str, Project] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if isinstance(self.months, bool) or not isinstance(self.months, int) or self.months < 1:
            raise InputError("must be a whole number of months >= 1", field="months")
        object.__setattr__(self, "projects", tuple(self.projects))
        object.__setattr__(self, "budgets", tuple(self.budgets))
        object.__setattr__(self, "dependencies", tuple(self.dependencies))
        object.__setattr__(self, "exclusive_groups", tuple(self.exclusive_groups))
        object.__setattr__(self, "balance_rules", tuple(self.balance_rules))
        seen: set[str] = set()
        for project in self.projects:
            if not isinstance(project, Project):
                raise InputError("every entry must be a Project", field="projects")
            if project.id in seen:
                raise InputError(f"project id {project.id} appears twice", field="projects")
            seen.add(project.id)
            if project.npv_by_start is not None and len(project.npv_by_start) != self.months:
                raise InputError(
                    f"needs one value per month of the window ({self.months})",
                    field=f"project {project.id} npv_by_start",
                )
        object.__setattr__(self, "_index", {project.id: project for project in self.projects})
        if self.first_month is not None:
            _parse_first_month(self.first_month)
        capacity: dict[str, tuple[float, ...]] = {}
        for role, value in dict(self.capacity).items():
            where = f"capacity[{role}]"
            if isinstance(value, int | float):
                capacity[role] = (_finite(value, where, minimum=0.0),) * self.months
            else:
                values = tuple(
                    _finite(v, f"{where}[{i}]", minimum=0.0) for i, v in enumerate(value)
                )
                if len(values) != self.months:
                    raise InputError(f"needs one value per month ({self.months})", field=where)
                capacity[role] = values
        object.__setattr__(self, "capacity", capacity)
        for rule in self.budgets:
            if not isinstance(rule.limits, float):
                count = len(self.period_months(rule.period))
                if len(rule.limits) != count:
                    raise InputError(
                        f"needs {count} limits, one per {rule.period} of the window, "
                        f"got {len(rule.limits)}",
                        field=f"budget rule {rule.spend} per {rule.period}",
                    )
        for dependency in self.dependencies:
            for project_id in (dependency.predecessor, dependency.successor):
                if project_id not in seen:
                    raise InputError(
                        f"unknown project {project_id}", field=f"dependency {dependency.name}"
                    )
        group_names: set[str] = set()
        for group in self.exclusive_groups:
            if group.name in group_names:
                raise InputError("appears twice", field=f"exclusive group {group.name}")
            group_names.add(group.name)
            for project_id in group.projects:
                if project_id not in seen:
                    raise InputError(
                        f"unknown project {project_id}", field=f"exclusive group {group.name}"
                    )
        starts = self.max_starts_per_month
        if starts is not None:
            if isinstance(starts, int) and not isinstance(starts, bool):
                limits = (starts,) * self.months
            else:
                limits = tuple(starts)  # type: ignore[arg-type]
            if len(limits) != self.months or any(not isinstance(v, int) or v < 0 for v in limits):
                raise InputError(
                    f"needs a whole number >= 0 (or one per month, {self.months})",
                    field="max_starts_per_month",
                )
            object.__setattr__(self, "max_starts_per_month", limits)
        if not isinstance(self.objective, Objective):
            raise InputError("must be an Objective", field="objective")

    # --- lookups -----------------------------------------------------------

    def project(self, project_id: str) -> Project:
        """The project with this id (raises KeyError when unknown)."""
        return self._index[project_id]

    def capacity_of(self, role: str) -> tuple[float, ...] | None:
        """FTE per month of ``role``, or None when the role is not limited."""
        values = self.capacity.get(role)
        return None if values is None else tuple(values)  # type: ignore[arg-type]

    def starts_limit(self) -> tuple[int, ...] | None:
        """Most new starts per month, one per month, or None when unlimited."""
        starts = self.max_starts_per_month
        return None if starts is None else tuple(starts)  # type: ignore[arg-type]

    def budget_limits(self, rule: BudgetRule) -> tuple[float, ...]:
        """One limit per period of ``rule``."""
        count = len(self.period_months(rule.period))
        if isinstance(rule.limits, float):
            return (rule.limits,) * count
        return tuple(rule.limits)

    def value(self, project: Project, start: int) -> float:
        """Value of ``project`` started at ``start`` under this portfolio's objective."""
        return self.objective.value(project, start)

    # --- calendar ----------------------------------------------------------

    def month_label(self, month: int) -> str:
        """'2027-03' when ``first_month`` is set, else 'month 3'."""
        if self.first_month is None:
            return f"month {month}"
        year, first = _parse_first_month(self.first_month)
        absolute = first - 1 + month
        return f"{year + absolute // 12}-{absolute % 12 + 1:02d}"

    def period_months(self, period: Period) -> list[tuple[str, tuple[int, ...]]]:
        """The periods of the window as (label, months in it), in order."""
        if period == "window":
            return [("total", tuple(range(self.months)))]
        if period == "month":
            return [(self.month_label(t), (t,)) for t in range(self.months)]
        size = 3 if period == "quarter" else 12
        groups: dict[str, list[int]] = {}
        for t in range(self.months):
            if self.first_month is None:
                index = t // size
                label = f"{period} {index}"
            else:
                year, first = _parse_first_month(self.first_month)
                absolute = first - 1 + t
                calendar_year = year + absolute // 12
                if size == 3:
                    label = f"{calendar_year}-Q{(absolute % 12) // 3 + 1}"
                else:
                    label = str(calendar_year)
            groups.setdefault(label, []).append(t)
        return [(label, tuple(months)) for label, months in groups.items()]

    def group_of(self, project: Project, group_field: GroupField) -> str:
        """The category or business unit of a project."""
        return project.category if group_field == "category" else project.business_unit


def _parse_first_month(text: str) -> tuple[int, int]:
    try:
        year_text, month_text = text.split("-")
        year, month = int(year_text), int(month_text)
    except (ValueError, AttributeError):
        raise InputError("must look like 2027-01", field="first_month") from None
    if not 1 <= month <= 12:
        raise InputError("month must be 01 to 12", field="first_month")
    return year, month
