"""Money arithmetic of the finance module, without the database.

Months, exchange-rate conversion, the estimates at completion and the spreading
of an estimate to complete over the remaining months. Selectors load rows into
plain values and call these; services call the same functions before writing
``Forecast`` rows, so that what a page shows and what a forecast stores agree.

Amounts are ``Decimal`` throughout; only the earned value engine works in
floats, and its results are turned back into ``Decimal`` cents here.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from steerco.core.money import quantize_money
from steerco.engine import evm
from steerco.engine.errors import InputError

ZERO = Decimal("0")
RUN_RATE_MONTHS = 3

# Methods a forecast can be computed by; "manual" is the project manager's new estimate.
METHOD_LABELS = {
    "cpi": "Earned value (CPI)",
    "cpi_spi": "Earned value (CPI x SPI)",
    "budget_remaining": "Remaining budget",
    "run_rate": "Run rate",
    "manual": "New estimate (manual)",
}
METHOD_FORMULAS = {
    "cpi": "EAC = BAC / CPI",
    "cpi_spi": "EAC = AC + (BAC - EV) / (CPI x SPI)",
    "budget_remaining": "EAC = AC + max(0, BAC - AC)",
    "run_rate": f"EAC = AC + average monthly cost of the last {RUN_RATE_MONTHS} months "
    "x months to the planned finish",
    "manual": "EAC = AC + the project manager's estimate to complete",
}
COMPUTED_METHODS = ("cpi", "cpi_spi", "budget_remaining", "run_rate")


# -- months --------------------------------------------------------------------------------------


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def months_between(first: dt.date, last: dt.date) -> int:
    """Whole months from ``first``'s month to ``last``'s month (0 in the same month)."""
    return (last.year - first.year) * 12 + last.month - first.month


def month_range(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """First-of-month dates from ``first``'s month to ``last``'s month, both included."""
    month = first_of_month(first)
    while month <= last:
        yield month
        month = add_months(month, 1)


def fraction_of_month_elapsed(day: dt.date) -> Decimal:
    """Share of ``day``'s month that has gone by at the end of ``day``."""
    days = calendar.monthrange(day.year, day.month)[1]
    return Decimal(day.day) / Decimal(days)


def month_label(month: dt.date) -> str:
    return f"{month:%Y-%m}"


# -- exchange rates ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conversion:
    amount: Decimal
    rate: Decimal | None
    warning: str | None = None


class RateTable:
    """Units of organisation currency per unit of each currency, by effective date.

    A month converts at the rate in effect on its first day (the rate with the
    latest effective date on or before it), the convention of monthly
    management accounts. Without one, :meth:`convert` falls back to the
    currency's earliest later rate and says so; :meth:`rate_for` answers ``None``.
    """

    def __init__(
        self, organisation_currency: str, rates: Iterable[tuple[str, dt.date, Decimal]]
    ) -> None:
        self.organisation_currency = organisation_currency
        by_currency: dict[str, list[tuple[dt.date, Decimal]]] = {}
        for currency, effective, rate in rates:
            by_currency.setdefault(currency, []).append((effective, rate))
        self._dates: dict[str, list[dt.date]] = {}
        self._rates: dict[str, list[Decimal]] = {}
        for currency, rows in by_currency.items():
            rows.sort()
            self._dates[currency] = [day for day, _ in rows]
            self._rates[currency] = [rate for _, rate in rows]

    def rate_for(self, currency: str, month: dt.date) -> Decimal | None:
        if not currency or currency == self.organisation_currency:
            return Decimal(1)
        dates = self._dates.get(currency)
        if not dates:
            return None
        index = bisect.bisect_right(dates, first_of_month(month)) - 1
        return self._rates[currency][index] if index >= 0 else None

    def convert(self, amount: Decimal, currency: str, month: dt.date) -> Conversion:
        """``amount`` of ``currency`` in organisation currency, at ``month``'s rate."""
        rate = self.rate_for(currency, month)
        if rate is not None:
            return Conversion(amount * rate, rate)
        dates = self._dates.get(currency)
        if not dates:
            return Conversion(
                ZERO,
                None,
                f"No exchange rate for {currency}: {month_label(month)} amounts in {currency} "
                "are left out.",
            )
        fallback = self._rates[currency][0]
        return Conversion(
            amount * fallback,
            fallback,
            f"No {currency} rate in effect on {first_of_month(month)}: used the rate from "
            f"{dates[0]}.",
        )

    def to_currency(self, amount: Decimal, currency: str, month: dt.date) -> Decimal:
        """The inverse of :meth:`convert`: organisation currency into ``currency``."""
        conversion = self.convert(Decimal(1), currency, month)
        if conversion.rate is None or conversion.rate == 0:
            return amount
        return amount / conversion.rate


# -- estimates at completion ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Estimate:
    """One way of forecasting the final cost, with its name and formula."""

    method: str
    label: str
    formula: str
    eac: Decimal | None
    etc: Decimal | None
    vac: Decimal | None
    reason: str = ""

    @property
    def available(self) -> bool:
        return self.eac is not None


@dataclass(frozen=True, slots=True)
class EarnedValue:
    percent_complete: Decimal | None
    ev: Decimal | None
    pv: Decimal
    cpi: Decimal | None
    spi: Decimal | None
    estimates: dict[str, Estimate] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EstimateInputs:
    """What every method reads, in organisation currency.

    ``budget_by_month`` and ``actual_by_month`` cover every month with money;
    ``percent_complete`` is the schedule's progress (0-100) when there is one;
    ``finish_month`` the planned finish, when known.
    """

    as_of: dt.date
    budget_by_month: Mapping[dt.date, Decimal]
    actual_by_month: Mapping[dt.date, Decimal]
    percent_complete: Decimal | None
    finish_month: dt.date | None

    @property
    def bac(self) -> Decimal:
        return sum(self.budget_by_month.values(), ZERO)

    @property
    def ac(self) -> Decimal:
        return sum(self.actual_by_month.values(), ZERO)


def _estimate(
    method: str, eac: Decimal | None, ac: Decimal, bac: Decimal, reason: str = ""
) -> Estimate:
    if eac is None:
        return Estimate(
            method, METHOD_LABELS[method], METHOD_FORMULAS[method], None, None, None, reason
        )
    eac = quantize_money(eac)
    return Estimate(
        method,
        METHOD_LABELS[method],
        METHOD_FORMULAS[method],
        eac,
        quantize_money(eac - ac),
        quantize_money(bac - eac),
        reason,
    )


def planned_to_date(budget_by_month: Mapping[dt.date, Decimal], as_of: dt.date) -> Decimal:
    """Budget of the months before ``as_of``'s month plus the elapsed share of its month (PV)."""
    current = first_of_month(as_of)
    total = ZERO
    for month, amount in budget_by_month.items():
        if month < current:
            total += amount
        elif month == current:
            total += amount * fraction_of_month_elapsed(as_of)
    return quantize_money(total)


def _status_period(first: dt.date, as_of: dt.date) -> float:
    if as_of < first:
        return 0.0
    return months_between(first, as_of) + float(fraction_of_month_elapsed(as_of))


def earned_value_status(inputs: EstimateInputs) -> EarnedValue:
    """PV, EV, CPI and SPI, and the engine's two index-based estimates at completion.

    The planned value curve is the approved budget by month; EV is BAC times the
    schedule's percent complete (see ``steerco.engine.evm``).
    """
    pv = planned_to_date(inputs.budget_by_month, inputs.as_of)
    bac, ac = inputs.bac, inputs.ac
    if not inputs.budget_by_month or bac <= 0:
        reason = "No approved budget to earn value against."
        return EarnedValue(
            inputs.percent_complete,
            None,
            pv,
            None,
            None,
            {m: _estimate(m, None, ac, bac, reason) for m in ("cpi", "cpi_spi")},
        )
    if inputs.percent_complete is None:
        reason = "No schedule progress (percent complete) to measure earned value."
        return EarnedValue(
            None,
            None,
            pv,
            None,
            None,
            {m: _estimate(m, None, ac, bac, reason) for m in ("cpi", "cpi_spi")},
        )
    months = sorted(inputs.budget_by_month)
    first, last = months[0], months[-1]
    per_period = [
        float(inputs.budget_by_month.get(month, ZERO)) for month in month_range(first, last)
    ]
    earned = float(bac) * float(inputs.percent_complete) / 100
    try:
        result = evm.earned_value(
            evm.EarnedValueInput(
                planned_value=evm.PlannedValueCurve.from_per_period(per_period),
                earned_value=earned,
                actual_cost=max(0.0, float(ac)),
                status_period=_status_period(first, inputs.as_of),
            )
        )
    except InputError as error:
        reason = f"Earned value could not be computed: {error}"
        return EarnedValue(
            inputs.percent_complete,
            None,
            pv,
            None,
            None,
            {m: _estimate(m, None, ac, bac, reason) for m in ("cpi", "cpi_spi")},
        )
    estimates: dict[str, Estimate] = {}
    methods: tuple[evm.EstimateMethod, ...] = ("cpi", "cpi_spi")
    for method in methods:
        engine_estimate = result.estimate(method)
        eac = None if engine_estimate.eac is None else Decimal(str(engine_estimate.eac))
        # With an EAC, the engine's note is about the TCPI, not a reason the estimate is missing.
        reason = "" if eac is not None else engine_estimate.reason or ""
        estimates[method] = _estimate(method, eac, ac, bac, reason)
    return EarnedValue(
        inputs.percent_complete,
        quantize_money(Decimal(str(result.ev))),
        pv,
        None if result.cpi is None else Decimal(str(round(result.cpi, 4))),
        None if result.spi is None else Decimal(str(round(result.spi, 4))),
        estimates,
    )


def estimate_budget_remaining(inputs: EstimateInputs) -> Estimate:
    bac, ac = inputs.bac, inputs.ac
    if bac <= 0:
        return _estimate("budget_remaining", None, ac, bac, "No approved budget.")
    return _estimate("budget_remaining", ac + max(ZERO, bac - ac), ac, bac)


def run_rate(inputs: EstimateInputs) -> Decimal:
    """Average monthly actual cost over the complete months just before ``as_of``'s month."""
    current = first_of_month(inputs.as_of)
    recent = [add_months(current, -k) for k in range(1, RUN_RATE_MONTHS + 1)]
    return (
        sum((inputs.actual_by_month.get(month, ZERO) for month in recent), ZERO) / RUN_RATE_MONTHS
    )


def remaining_months(inputs: EstimateInputs) -> list[dt.date]:
    """Months from ``as_of``'s month to the planned finish (or the last budget month)."""
    current = first_of_month(inputs.as_of)
    last = inputs.finish_month or (max(inputs.budget_by_month) if inputs.budget_by_month else None)
    if last is None or last < current:
        return []
    return list(month_range(current, last))


def estimate_run_rate(inputs: EstimateInputs) -> Estimate:
    bac, ac = inputs.bac, inputs.ac
    months = remaining_months(inputs)
    if not months:
        return _estimate(
            "run_rate", None, ac, bac, "No planned finish after the status date to run to."
        )
    rate = run_rate(inputs)
    if rate <= 0:
        return _estimate(
            "run_rate", None, ac, bac, f"No actual cost in the last {RUN_RATE_MONTHS} months."
        )
    return _estimate("run_rate", ac + rate * len(months), ac, bac)


def computed_estimates(inputs: EstimateInputs) -> tuple[EarnedValue, dict[str, Estimate]]:
    """Earned value and every computed estimate at completion, by method."""
    earned = earned_value_status(inputs)
    estimates = dict(earned.estimates)
    estimates["budget_remaining"] = estimate_budget_remaining(inputs)
    estimates["run_rate"] = estimate_run_rate(inputs)
    return earned, {method: estimates[method] for method in COMPUTED_METHODS}


# -- spreading an estimate to complete -----------------------------------------------------------


def spread(
    total: Decimal,
    weights: Sequence[tuple[tuple[dt.date, str], Decimal]],
) -> list[tuple[dt.date, str, Decimal]]:
    """Split ``total`` over (month, expense type) cells in proportion to ``weights``.

    Every cell is rounded to cents and the rounding rest goes to the last cell,
    so that the cells add up to ``total`` exactly.
    """
    total = quantize_money(total)
    if not weights:
        raise ValueError("nothing to spread over")
    weight_sum = sum((weight for _, weight in weights), ZERO)
    cells: list[tuple[dt.date, str, Decimal]] = []
    running = ZERO
    for index, ((month, expense_type), weight) in enumerate(weights):
        if index == len(weights) - 1:
            amount = total - running
        elif weight_sum > 0:
            amount = quantize_money(total * weight / weight_sum)
        else:
            amount = quantize_money(total / len(weights))
        running += amount
        cells.append((month, expense_type, amount))
    return cells


def spread_weights(
    *,
    as_of: dt.date,
    remaining: Sequence[dt.date],
    budget_cells: Mapping[tuple[dt.date, str], Decimal],
    capex_share: Decimal,
    even: bool = False,
) -> list[tuple[tuple[dt.date, str], Decimal]]:
    """Weights for :func:`spread`: the remaining budget's profile, else even months.

    ``even`` spreads evenly over ``remaining`` (the run rate's assumption); the
    split between capex and opex then follows ``capex_share``.
    """
    current = first_of_month(as_of)
    if not even:
        profile = sorted(
            (key, amount)
            for key, amount in budget_cells.items()
            if key[0] >= current and amount > 0
        )
        if profile:
            return profile
    months = list(remaining) or [current]
    weights: list[tuple[tuple[dt.date, str], Decimal]] = []
    for month in months:
        if capex_share > 0:
            weights.append(((month, "capex"), capex_share))
        if capex_share < 1:
            weights.append(((month, "opex"), Decimal(1) - capex_share))
    return weights
