"""Earned value management (EVM) and earned schedule.

Inputs are a time-phased baseline (the planned value curve), the value earned and the cost
incurred to the status date; :func:`earned_value` returns every classic metric (PV, EV, AC,
SV, CV, SPI, CPI), three named estimates at completion with their ETC, VAC and TCPI, the
TCPI to BAC, and Lipke's earned schedule metrics (ES, SPI(t), SV(t), IEAC(t)).
:func:`earned_value_by_task` does the same per task from budgets and percent complete and
rolls the tasks up into the project.

Time is counted in periods (weeks, months...) from the baseline start: the status period
``k`` means "at the end of period k". Money is a float in one currency; the web layer converts
from and to ``Decimal`` at its boundary.

A metric that would divide by zero is ``None`` and ``undefined`` says why; no ``inf`` or
``NaN`` ever leaves this module.

References: PMI, *Practice Standard for Earned Value Management* (2nd ed., 2011) for the
classic formulas; W. Lipke, "Schedule is different", *The Measurable News*, March 2003, for
earned schedule.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from steerco.engine.errors import InputError

__all__ = [
    "EarnedValueInput",
    "EarnedValueResult",
    "EarnedValueRollup",
    "EstimateAtCompletion",
    "PlannedValueCurve",
    "TaskProgress",
    "earned_value",
    "earned_value_by_task",
]

EstimateMethod = Literal["cpi", "cpi_spi", "new_estimate"]

# Money is compared with this relative slack, so that EV = BAC typed from a report that
# rounded both to cents is not rejected as "EV above BAC".
_RELATIVE_SLACK = 1e-9


def _number(value: object, name: str, *, minimum: float | None = 0.0) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"must be a number, got {value!r}", field=name) from None
    if not math.isfinite(number):
        raise InputError(f"must be a finite number, got {value!r}", field=name)
    if minimum is not None and number < minimum:
        raise InputError(f"cannot be below {minimum:g}, got {number:g}", field=name)
    return number


def _set(instance: object, name: str, value: object) -> None:
    # Frozen dataclasses normalise their own fields (Decimal/int -> float, list -> tuple) in
    # __post_init__, the one place allowed to bypass the freeze.
    object.__setattr__(instance, name, value)


@dataclass(frozen=True, slots=True)
class PlannedValueCurve:
    """The baseline's planned value, time-phased by period.

    ``cumulative[k - 1]`` is the cumulative planned value at the end of period ``k``; the
    planned value at time 0 is 0. Build it with :meth:`from_cumulative` or
    :meth:`from_per_period` so that which one you hold is explicit.
    """

    cumulative: tuple[float, ...]

    def __post_init__(self) -> None:
        values = tuple(
            _number(value, f"planned value of period {k + 1}")
            for k, value in enumerate(self.cumulative)
        )
        if not values:
            raise InputError("the planned value curve has no period", field="planned_value")
        for k in range(1, len(values)):
            if values[k] < values[k - 1]:
                raise InputError(
                    f"cumulative planned value falls from {values[k - 1]:g} to {values[k]:g}",
                    field=f"planned value of period {k + 1}",
                )
        _set(self, "cumulative", values)

    @classmethod
    def from_cumulative(cls, values: Iterable[float]) -> PlannedValueCurve:
        """From cumulative planned values at the end of periods 1, 2, ..."""
        return cls(tuple(values))

    @classmethod
    def from_per_period(cls, values: Iterable[float]) -> PlannedValueCurve:
        """From the planned value of each period (not cumulated)."""
        running = 0.0
        cumulative = []
        for k, value in enumerate(values):
            running += _number(value, f"planned value of period {k + 1}")
            cumulative.append(running)
        return cls(tuple(cumulative))

    @property
    def budget_at_completion(self) -> float:
        return self.cumulative[-1]

    @property
    def periods(self) -> int:
        return len(self.cumulative)

    @property
    def planned_duration(self) -> float:
        """The first period by whose end the whole budget is planned (Lipke's PD)."""
        total = self.cumulative[-1]
        for k, value in enumerate(self.cumulative):
            if value >= total:
                return float(k + 1)
        return float(len(self.cumulative))  # pragma: no cover - the last value always qualifies

    def at(self, time: float) -> float:
        """Cumulative planned value at ``time`` (periods), linear inside a period."""
        if time <= 0:
            return 0.0
        whole = math.floor(time)
        if whole >= len(self.cumulative):
            return self.cumulative[-1]
        before = self.cumulative[whole - 1] if whole > 0 else 0.0
        after = self.cumulative[whole]
        return before + (after - before) * (time - whole)

    def earned_schedule(self, earned_value: float) -> float:
        """Time at which the baseline planned to have earned ``earned_value`` (Lipke 2003).

        ES = C + (EV - PV_C) / (PV_C+1 - PV_C), where C is the number of whole periods whose
        cumulative planned value does not exceed EV. Counting stops at the planned duration,
        so ES never exceeds it.
        """
        planned_duration = int(self.planned_duration)
        whole = 0
        while whole < planned_duration and self.cumulative[whole] <= earned_value:
            whole += 1
        if whole >= planned_duration:
            return float(planned_duration)
        before = self.cumulative[whole - 1] if whole > 0 else 0.0
        step = self.cumulative[whole] - before
        # step > 0 here: cumulative[whole] > EV >= before.
        return whole + (earned_value - before) / step


@dataclass(frozen=True, slots=True)
class EarnedValueInput:
    """Project status at one status date.

    Parameters
    ----------
    planned_value:
        The baseline's time-phased planned value, to its end.
    earned_value:
        Budgeted cost of the work performed to the status date (EV).
    actual_cost:
        Actual cost of that work (AC).
    status_period:
        Elapsed time at the status date in periods (AT), e.g. 4 at the end of period 4.
    estimate_to_complete:
        The team's new bottom-up estimate of the cost to complete, when there is one.
    budget_at_completion:
        BAC; defaults to the curve's last value, and must equal it when given.
    """

    planned_value: PlannedValueCurve
    earned_value: float
    actual_cost: float
    status_period: float
    estimate_to_complete: float | None = None
    budget_at_completion: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.planned_value, PlannedValueCurve):
            raise InputError("must be a PlannedValueCurve", field="planned_value")
        curve_total = self.planned_value.budget_at_completion
        if self.budget_at_completion is None:
            _set(self, "budget_at_completion", curve_total)
        else:
            budget = _number(self.budget_at_completion, "budget_at_completion")
            if not math.isclose(budget, curve_total, rel_tol=_RELATIVE_SLACK, abs_tol=1e-9):
                raise InputError(
                    f"BAC {budget:g} differs from the planned value curve's total {curve_total:g}",
                    field="budget_at_completion",
                )
            _set(self, "budget_at_completion", budget)
        earned = _number(self.earned_value, "earned_value")
        if earned > curve_total * (1 + _RELATIVE_SLACK) + 1e-9:
            raise InputError(
                f"EV {earned:g} is above BAC {curve_total:g}: no more than the budget can be "
                "earned",
                field="earned_value",
            )
        _set(self, "earned_value", min(earned, curve_total))
        _set(self, "actual_cost", _number(self.actual_cost, "actual_cost"))
        _set(self, "status_period", _number(self.status_period, "status_period"))
        if self.estimate_to_complete is not None:
            _set(
                self,
                "estimate_to_complete",
                _number(self.estimate_to_complete, "estimate_to_complete"),
            )


@dataclass(frozen=True, slots=True)
class TaskProgress:
    """One task's baseline and progress, for :func:`earned_value_by_task`.

    Give either ``percent_complete`` (0-100; EV = BAC x percent / 100) or ``earned_value``.
    """

    id: str
    planned_value: PlannedValueCurve
    actual_cost: float
    percent_complete: float | None = None
    earned_value: float | None = None
    estimate_to_complete: float | None = None

    def __post_init__(self) -> None:
        where = f"task {self.id!r}"
        if not isinstance(self.planned_value, PlannedValueCurve):
            raise InputError("planned_value must be a PlannedValueCurve", field=where)
        if (self.percent_complete is None) == (self.earned_value is None):
            raise InputError("give exactly one of percent_complete and earned_value", field=where)
        if self.percent_complete is not None:
            percent = _number(self.percent_complete, f"{where} percent_complete")
            if percent > 100:
                raise InputError(f"percent complete {percent:g} is above 100", field=where)
            _set(self, "percent_complete", percent)
        else:
            _set(self, "earned_value", _number(self.earned_value, f"{where} earned_value"))
        _set(self, "actual_cost", _number(self.actual_cost, f"{where} actual_cost"))
        if self.estimate_to_complete is not None:
            _set(
                self,
                "estimate_to_complete",
                _number(self.estimate_to_complete, f"{where} estimate_to_complete"),
            )

    def status(self, status_period: float) -> EarnedValueInput:
        """This task's own status, as project-level input."""
        budget = self.planned_value.budget_at_completion
        if self.percent_complete is not None:
            earned = budget * self.percent_complete / 100
        else:
            assert self.earned_value is not None
            earned = self.earned_value
        try:
            return EarnedValueInput(
                planned_value=self.planned_value,
                earned_value=earned,
                actual_cost=self.actual_cost,
                status_period=status_period,
                estimate_to_complete=self.estimate_to_complete,
            )
        except InputError as error:
            raise InputError(error.detail, field=f"task {self.id!r} {error.field}") from None


@dataclass(frozen=True, slots=True)
class EstimateAtCompletion:
    """One way of forecasting the final cost.

    Attributes
    ----------
    method:
        ``"cpi"`` (BAC / CPI: the cost efficiency so far continues), ``"cpi_spi"``
        (AC + (BAC - EV) / (CPI x SPI): late work will also cost more) or ``"new_estimate"``
        (AC + the team's new ETC).
    formula:
        The formula, for display.
    eac, etc, vac:
        Estimate at completion, estimate to complete (EAC - AC), variance at completion
        (BAC - EAC); ``None`` when the method does not apply (see ``reason``).
    tcpi:
        Cost efficiency the remaining work needs to finish at this EAC: (BAC - EV) / (EAC - AC).
    reason:
        Why a value is ``None`` (the EAC's, or only the TCPI's when the EAC is there).
    """

    method: EstimateMethod
    formula: str
    eac: float | None
    etc: float | None
    vac: float | None
    tcpi: float | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class EarnedValueResult:
    """Every earned value metric at one status date.

    Attributes
    ----------
    status_period:
        AT, the elapsed time in periods.
    bac, pv, ev, ac:
        Budget at completion, planned value at AT, earned value, actual cost.
    sv, cv:
        Schedule variance EV - PV and cost variance EV - AC (money).
    spi, cpi:
        Schedule performance index EV / PV and cost performance index EV / AC.
    percent_complete, percent_spent:
        EV / BAC and AC / BAC, in percent.
    estimates:
        The three estimates at completion, in the order cpi, cpi_spi, new_estimate.
    tcpi_bac:
        Cost efficiency the remaining work needs to finish within BAC: (BAC - EV) / (BAC - AC).
    planned_duration:
        PD, the period by which the baseline plans the whole budget.
    es, spi_t, sv_t, ieac_t:
        Earned schedule (the time at which the baseline planned today's EV), SPI(t) = ES / AT,
        SV(t) = ES - AT (periods) and the independent estimate of duration IEAC(t) = PD / SPI(t).
    undefined:
        For each metric that is ``None``, why: keys are field names, ``eac_<method>`` for an
        estimate without EAC and ``tcpi_<method>`` for one with an EAC but no TCPI.
    """

    status_period: float
    bac: float
    pv: float
    ev: float
    ac: float
    sv: float
    cv: float
    spi: float | None
    cpi: float | None
    percent_complete: float | None
    percent_spent: float | None
    estimates: tuple[EstimateAtCompletion, ...]
    tcpi_bac: float | None
    planned_duration: float
    es: float | None
    spi_t: float | None
    sv_t: float | None
    ieac_t: float | None
    undefined: Mapping[str, str]

    def estimate(self, method: EstimateMethod) -> EstimateAtCompletion:
        """The estimate at completion of one method: "cpi", "cpi_spi" or "new_estimate"."""
        for estimate in self.estimates:
            if estimate.method == method:
                return estimate
        raise InputError(f"unknown EAC method {method!r}", field="method")


@dataclass(frozen=True, slots=True)
class EarnedValueRollup:
    """Per-task results and the project result they roll up to."""

    project: EarnedValueResult
    tasks: Mapping[str, EarnedValueResult]


def _ratio(numerator: float, denominator: float) -> float | None:
    """numerator / denominator, or None when that is not a finite number (0 or tiny divisor)."""
    if denominator == 0:
        return None
    value = numerator / denominator
    return value if math.isfinite(value) else None


def earned_value(status: EarnedValueInput) -> EarnedValueResult:
    """Compute every earned value and earned schedule metric at a status date.

    Parameters
    ----------
    status:
        Baseline curve, EV, AC, status period and optionally a new estimate to complete.

    Returns
    -------
    EarnedValueResult
        All metrics; those that would divide by zero are ``None`` with a reason in
        ``undefined``.

    Examples
    --------
    >>> curve = PlannedValueCurve.from_cumulative([25_000, 50_000, 75_000, 100_000])
    >>> result = earned_value(EarnedValueInput(curve, 40_000, 45_000, status_period=2))
    >>> round(result.cpi, 3), result.spi, result.estimate("cpi").eac
    (0.889, 0.8, 112500.0)
    """
    curve = status.planned_value
    at = status.status_period
    bac = curve.budget_at_completion
    pv = curve.at(at)
    ev = status.earned_value
    ac = status.actual_cost
    undefined: dict[str, str] = {}

    spi = _ratio(ev, pv)
    if spi is None:
        undefined["spi"] = (
            "PV is zero: no work was planned by the status date"
            if pv == 0
            else "PV is too close to zero to divide by"
        )
    cpi = _ratio(ev, ac)
    if cpi is None:
        undefined["cpi"] = (
            "AC is zero: no cost has been recorded yet"
            if ac == 0
            else "AC is too close to zero to divide by"
        )
    percent_complete = _ratio(100 * ev, bac)
    percent_spent = _ratio(100 * ac, bac)
    if percent_complete is None:
        undefined["percent_complete"] = "BAC is zero" if bac == 0 else "BAC is too close to zero"
    if percent_spent is None:
        undefined["percent_spent"] = "BAC is zero" if bac == 0 else "BAC is too close to zero"

    remaining_work = bac - ev
    tcpi_bac: float | None = None
    if bac - ac > 0:
        tcpi_bac = _ratio(remaining_work, bac - ac)
        if tcpi_bac is None:
            undefined["tcpi_bac"] = "BAC - AC is too close to zero to divide by"
    else:
        undefined["tcpi_bac"] = (
            "AC has reached BAC: the remaining work cannot be done within budget"
            if remaining_work > 0
            else "AC has reached BAC and no work remains"
        )

    estimates = (
        _estimate_cpi(bac, ev, ac, cpi),
        _estimate_cpi_spi(bac, ev, ac, cpi, spi),
        _estimate_new(bac, ev, ac, status.estimate_to_complete),
    )
    for estimate in estimates:
        if estimate.reason is None:
            continue
        if estimate.eac is None:
            undefined[f"eac_{estimate.method}"] = estimate.reason
        else:
            undefined[f"tcpi_{estimate.method}"] = estimate.reason

    planned_duration = curve.planned_duration
    es: float | None = None
    spi_t: float | None = None
    sv_t: float | None = None
    ieac_t: float | None = None
    if bac == 0:
        reason = "BAC is zero: the baseline plans no value to measure time against"
        for name in ("es", "sv_t", "spi_t", "ieac_t"):
            undefined[name] = reason
    else:
        es = curve.earned_schedule(ev)
        sv_t = es - at
        if at == 0:
            undefined["spi_t"] = undefined["ieac_t"] = "the status period is 0: no time has elapsed"
        else:
            spi_t = _ratio(es, at)
            if spi_t is None:
                undefined["spi_t"] = "the status period is too close to 0 to divide by"
                undefined["ieac_t"] = undefined["spi_t"]
            elif spi_t == 0:
                undefined["ieac_t"] = "SPI(t) is zero: no schedule has been earned yet"
            else:
                ieac_t = _ratio(planned_duration, spi_t)
                if ieac_t is None:
                    undefined["ieac_t"] = "SPI(t) is too close to zero to divide by"

    return EarnedValueResult(
        status_period=at,
        bac=bac,
        pv=pv,
        ev=ev,
        ac=ac,
        sv=ev - pv,
        cv=ev - ac,
        spi=spi,
        cpi=cpi,
        percent_complete=percent_complete,
        percent_spent=percent_spent,
        estimates=estimates,
        tcpi_bac=tcpi_bac,
        planned_duration=planned_duration,
        es=es,
        spi_t=spi_t,
        sv_t=sv_t,
        ieac_t=ieac_t,
        undefined=undefined,
    )


def _complete(
    method: EstimateMethod, formula: str, bac: float, ev: float, ac: float, eac: float
) -> EstimateAtCompletion:
    etc = eac - ac
    remaining_work = bac - ev
    tcpi: float | None = None
    reason: str | None = None
    if etc > 0:
        tcpi = _ratio(remaining_work, etc)
        if tcpi is None:
            reason = "TCPI: the estimate to complete is too close to zero to divide by"
    elif remaining_work > 0:
        reason = "TCPI: the estimate leaves no money for the remaining work"
    else:
        reason = "TCPI: no work remains"
    return EstimateAtCompletion(method, formula, eac, etc, bac - eac, tcpi, reason)


def _estimate_cpi(bac: float, ev: float, ac: float, cpi: float | None) -> EstimateAtCompletion:
    formula = "BAC / CPI"
    if cpi is None or cpi == 0:
        reason = (
            "CPI is undefined: no cost has been recorded yet"
            if cpi is None
            else "CPI is zero: nothing has been earned yet"
        )
        return EstimateAtCompletion("cpi", formula, None, None, None, None, reason)
    # BAC / CPI written as BAC x AC / EV: one rounding fewer, so textbook figures come out exact.
    eac = _ratio(bac * ac, ev)
    if eac is None:
        reason = "CPI is too close to zero to divide by"
        return EstimateAtCompletion("cpi", formula, None, None, None, None, reason)
    return _complete("cpi", formula, bac, ev, ac, eac)


def _estimate_cpi_spi(
    bac: float, ev: float, ac: float, cpi: float | None, spi: float | None
) -> EstimateAtCompletion:
    formula = "AC + (BAC - EV) / (CPI x SPI)"
    if cpi is None or spi is None or cpi * spi == 0:
        if cpi is None:
            reason = "CPI is undefined: no cost has been recorded yet"
        elif spi is None:
            reason = "SPI is undefined: no work was planned by the status date"
        else:
            reason = "CPI x SPI is zero: nothing has been earned yet"
        return EstimateAtCompletion("cpi_spi", formula, None, None, None, None, reason)
    rest = _ratio(bac - ev, cpi * spi)
    if rest is None:
        reason = "CPI x SPI is too close to zero to divide by"
        return EstimateAtCompletion("cpi_spi", formula, None, None, None, None, reason)
    return _complete("cpi_spi", formula, bac, ev, ac, ac + rest)


def _estimate_new(
    bac: float, ev: float, ac: float, estimate_to_complete: float | None
) -> EstimateAtCompletion:
    formula = "AC + new ETC"
    if estimate_to_complete is None:
        return EstimateAtCompletion(
            "new_estimate", formula, None, None, None, None, "no new estimate to complete given"
        )
    return _complete("new_estimate", formula, bac, ev, ac, ac + estimate_to_complete)


def earned_value_by_task(tasks: Sequence[TaskProgress], status_period: float) -> EarnedValueRollup:
    """Earned value of each task and of the project they make up.

    The project's planned value curve is the sum of the tasks' curves (a task's cumulative
    planned value stays at its budget after its last period), its EV and AC the sums of the
    tasks', and its new estimate to complete the sum of the tasks' when every task has one.

    Parameters
    ----------
    tasks:
        Each task's baseline curve, progress (percent complete or EV) and actual cost.
    status_period:
        Elapsed time at the status date, in periods, common to every task.

    Returns
    -------
    EarnedValueRollup
        ``project`` and ``tasks`` (by id) results.
    """
    if not tasks:
        raise InputError("no task to roll up", field="tasks")
    seen: set[str] = set()
    for task in tasks:
        if not isinstance(task, TaskProgress):
            raise InputError(f"expected TaskProgress, got {task!r}", field="tasks")
        if task.id in seen:
            raise InputError("two tasks have this id", field=f"task {task.id!r}")
        seen.add(task.id)
    statuses = {task.id: task.status(status_period) for task in tasks}
    periods = max(task.planned_value.periods for task in tasks)
    cumulative = [
        sum(task.planned_value.cumulative[min(k, task.planned_value.periods - 1)] for task in tasks)
        for k in range(periods)
    ]
    missing = [task.id for task in tasks if task.estimate_to_complete is None]
    project_etc = None if missing else sum(task.estimate_to_complete or 0.0 for task in tasks)
    project_status = EarnedValueInput(
        planned_value=PlannedValueCurve.from_cumulative(cumulative),
        earned_value=sum(status.earned_value for status in statuses.values()),
        actual_cost=sum(status.actual_cost for status in statuses.values()),
        status_period=status_period,
        estimate_to_complete=project_etc,
    )
    project = earned_value(project_status)
    if missing and len(missing) < len(tasks):
        reason = "no new estimate to complete for task(s) " + ", ".join(missing)
        estimates = tuple(
            EstimateAtCompletion(e.method, e.formula, None, None, None, None, reason)
            if e.method == "new_estimate"
            else e
            for e in project.estimates
        )
        undefined = dict(project.undefined)
        undefined.pop("tcpi_new_estimate", None)
        undefined["eac_new_estimate"] = reason
        project = replace(project, estimates=estimates, undefined=undefined)
    return EarnedValueRollup(
        project=project,
        tasks={task_id: earned_value(status) for task_id, status in statuses.items()},
    )
