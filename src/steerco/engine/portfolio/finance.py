"""Business-case finance: monthly cash flows, NPV, IRR/MIRR, payback, ROI, sensitivity.

Conventions (every function in this module follows them)
--------------------------------------------------------
* Cash flows are **monthly**: index 0 is the first month of the case. Money is a ``float`` inside
  the engine; the caller converts its ``Decimal`` amounts and rounds the results.
* A discount rate is given **per year** and turned into the equivalent compound monthly rate
  ``m = (1 + r) ** (1 / 12) - 1``, so twelve months discounted at ``m`` equal one year at ``r``
  exactly: an annual textbook example written month by month gives the same NPV.
* Timing (:class:`Timing`): by default the flow of month ``t`` happens at instant ``t`` (months from
  the start), so month 0 is not discounted (``START_OF_MONTH``, the spreadsheet "t = 0" layout).
  ``END_OF_MONTH`` puts it at ``t + 1``, as Excel's ``NPV()`` does.
* Rates of return (IRR, MIRR) are found on the monthly grid and reported both monthly and
  annualised with ``(1 + m) ** 12 - 1``. They do not depend on the timing convention, because
  shifting every flow by one month scales every NPV by the same factor.
* Net cash flow = benefits - costs. Cost and benefit lines hold non-negative amounts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from steerco.engine.errors import InputError

FloatArray = npt.NDArray[np.float64]
CashFlows = Sequence[float] | FloatArray

MONTHS_PER_YEAR = 12

__all__ = [
    "BusinessCase",
    "BusinessCaseMetrics",
    "CashFlowLine",
    "CostCategory",
    "FlowKind",
    "IrrResult",
    "NpvSensitivity",
    "PaybackResult",
    "RateOfReturn",
    "SensitivityRow",
    "Timing",
    "annual_rate",
    "benefit_cost_ratio",
    "business_case_metrics",
    "discount_factors",
    "discounted_payback",
    "irr",
    "mirr",
    "monthly_rate",
    "npv",
    "npv_sensitivity",
    "payback",
    "remaining_npv",
    "roi",
]


class Timing(StrEnum):
    """When, inside its month, a monthly cash flow is counted."""

    START_OF_MONTH = "start_of_month"
    """Month ``t`` is discounted ``t`` months: month 0 is not discounted (default)."""

    END_OF_MONTH = "end_of_month"
    """Month ``t`` is discounted ``t + 1`` months (end-of-period convention)."""

    @property
    def offset(self) -> int:
        return 0 if self is Timing.START_OF_MONTH else 1


class FlowKind(StrEnum):
    COST = "cost"
    BENEFIT = "benefit"


class CostCategory(StrEnum):
    """Accounting category of a line (for a benefit line: the budget it relieves)."""

    CAPEX = "capex"
    OPEX = "opex"


# --------------------------------------------------------------------------------------------
# Input checking helpers
# --------------------------------------------------------------------------------------------


def _check_rate(rate: float, field_name: str) -> float:
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not math.isfinite(rate):
        raise InputError(f"must be a finite number, got {rate!r}", field=field_name)
    if rate <= -1.0:
        raise InputError(
            f"an annual rate must be greater than -100%, got {rate:.4%}", field=field_name
        )
    return float(rate)


def _as_flows(cash_flows: CashFlows, field_name: str = "cash_flows") -> FloatArray:
    try:
        flows = np.asarray(cash_flows, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InputError("must be a list of numbers, one per month", field=field_name) from exc
    if flows.ndim != 1:
        raise InputError("must be a flat list of numbers, one per month", field=field_name)
    if flows.size == 0:
        raise InputError("needs at least one month", field=field_name)
    bad = np.flatnonzero(~np.isfinite(flows))
    if bad.size:
        raise InputError(f"month {int(bad[0])} is not a finite number", field=field_name)
    return flows


def _total(amounts: float | CashFlows, field_name: str) -> float:
    if isinstance(amounts, bool):
        raise InputError("must be a number or a list of numbers", field=field_name)
    if isinstance(amounts, int | float):
        if not math.isfinite(amounts):
            raise InputError("must be a finite number", field=field_name)
        return float(amounts)
    return float(_as_flows(amounts, field_name).sum())


def _pad(flows: FloatArray, months: int) -> FloatArray:
    if flows.size >= months:
        return flows
    return np.concatenate([flows, np.zeros(months - flows.size)])


def _shift(flows: FloatArray, months: int) -> FloatArray:
    """Move every flow ``months`` later (a delay), growing the array."""
    return np.concatenate([np.zeros(months), flows]) if months > 0 else flows


# --------------------------------------------------------------------------------------------
# Rates and discounting
# --------------------------------------------------------------------------------------------


def monthly_rate(annual: float) -> float:
    """Monthly compound rate equivalent to an annual rate: ``(1 + annual) ** (1/12) - 1``.

    Parameters
    ----------
    annual:
        Annual rate as a fraction (0.08 for 8 %), greater than -1.

    Returns
    -------
    float
        The monthly rate ``m`` with ``(1 + m) ** 12 == 1 + annual``.
    """
    rate = _check_rate(annual, "annual_rate")
    return math.expm1(math.log1p(rate) / MONTHS_PER_YEAR)


def _annual_from_log_growth(log_growth: float) -> float:
    exponent = MONTHS_PER_YEAR * log_growth
    return math.expm1(exponent) if exponent < 709.0 else math.inf


def annual_rate(monthly: float) -> float:
    """Annual rate equivalent to a monthly compound rate: ``(1 + monthly) ** 12 - 1``.

    Returns ``inf`` when the annual figure does not fit in a float.
    """
    if not math.isfinite(monthly) or monthly <= -1.0:
        raise InputError(f"must be greater than -100%, got {monthly!r}", field="monthly_rate")
    return _annual_from_log_growth(math.log1p(monthly))


def discount_factors(
    months: int, annual_discount_rate: float, *, timing: Timing = Timing.START_OF_MONTH
) -> FloatArray:
    """Discount factor of each month ``0 .. months-1``.

    Parameters
    ----------
    months:
        Number of months.
    annual_discount_rate:
        Annual discount rate (fraction), greater than -1.
    timing:
        :class:`Timing` convention; by default month 0 has factor 1.

    Returns
    -------
    numpy.ndarray
        ``(1 + r) ** (-(t + offset) / 12)`` for each month ``t``.
    """
    rate = _check_rate(annual_discount_rate, "annual_discount_rate")
    if months < 0:
        raise InputError("must not be negative", field="months")
    exponents = (np.arange(months, dtype=np.float64) + timing.offset) / MONTHS_PER_YEAR
    # Powers of the annual rate (not of the rounded monthly one) keep month 12 exactly 1/(1+r).
    factors: FloatArray = np.power(1.0 + rate, -exponents)
    return factors


def npv(
    cash_flows: CashFlows,
    annual_discount_rate: float,
    *,
    timing: Timing = Timing.START_OF_MONTH,
) -> float:
    """Net present value of monthly net cash flows.

    Parameters
    ----------
    cash_flows:
        Net cash flow of each month (benefit - cost), month 0 first.
    annual_discount_rate:
        Annual discount rate as a fraction; converted to the monthly rate
        ``(1 + r) ** (1/12) - 1``.
    timing:
        ``START_OF_MONTH`` (default: month 0 undiscounted) or ``END_OF_MONTH``.

    Returns
    -------
    float
        Sum of every flow times its discount factor.

    Examples
    --------
    >>> round(npv([-700_000] + [0] * 11 + [800_000], 0.07), 2)
    47663.55
    """
    flows = _as_flows(cash_flows)
    return float(flows @ discount_factors(flows.size, annual_discount_rate, timing=timing))


def remaining_npv(
    cash_flows: CashFlows,
    as_of_month: int,
    annual_discount_rate: float,
    *,
    timing: Timing = Timing.START_OF_MONTH,
) -> float:
    """NPV, seen from ``as_of_month``, of the flows from that month on.

    Sunk flows (before ``as_of_month``) are ignored: what was spent cannot be recovered, so only
    future money should drive a continue / stop decision.

    Parameters
    ----------
    cash_flows:
        Net monthly cash flows of the whole case, month 0 first.
    as_of_month:
        First month still to come (0 <= as_of_month <= len(cash_flows)).
    annual_discount_rate, timing:
        As in :func:`npv`; discounting restarts at ``as_of_month``.

    Returns
    -------
    float
        The remaining NPV (0 when no month is left).
    """
    flows = _as_flows(cash_flows)
    if not 0 <= as_of_month <= flows.size:
        raise InputError(f"must be between 0 and {flows.size}", field="as_of_month")
    if as_of_month == flows.size:
        return 0.0
    return npv(flows[as_of_month:], annual_discount_rate, timing=timing)


# --------------------------------------------------------------------------------------------
# Rates of return
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateOfReturn:
    """A rate given both per month and annualised (``(1 + monthly) ** 12 - 1``)."""

    monthly: float
    annual: float


@dataclass(frozen=True, slots=True)
class IrrResult:
    """Outcome of :func:`irr`.

    Attributes
    ----------
    monthly_rate, annual_rate:
        The IRR when it is unique; otherwise the MIRR.
    method:
        ``"irr"`` or ``"mirr"``.
    irr_is_unique:
        False when the flows change sign more than once (several IRRs may exist).
    sign_changes:
        Number of sign changes in the flows (zeros skipped).
    candidate_monthly_rates:
        Every monthly rate where NPV is zero found on a scan of -63 % .. +172 % a month,
        when the IRR is not unique (for information: it may miss double roots).
    message:
        A sentence to show next to the figure.
    """

    monthly_rate: float
    annual_rate: float
    method: str
    irr_is_unique: bool
    sign_changes: int
    message: str
    candidate_monthly_rates: tuple[float, ...] = ()

    @property
    def candidate_annual_rates(self) -> tuple[float, ...]:
        return tuple(annual_rate(rate) for rate in self.candidate_monthly_rates)


def _sign_changes(flows: FloatArray) -> int:
    signs = np.sign(flows[flows != 0.0])
    return int(np.count_nonzero(signs[1:] != signs[:-1]))


def _scaled_npv_and_slope(flows: FloatArray, log_growth: float) -> tuple[float, float]:
    """NPV at monthly rate ``exp(log_growth) - 1``, rescaled so it never overflows.

    For a positive rate every term is at most its flow. For a negative rate the NPV is multiplied
    by ``(1 + rate) ** T`` (T = last month), turning it into a future value whose terms are also
    bounded. The scale factor is positive, so the sign (all the root search needs) is kept.
    Returns the scaled value and its derivative with respect to ``log_growth``.
    """
    months = np.arange(flows.size, dtype=np.float64)
    if log_growth >= 0.0:
        powers = np.exp(-log_growth * months)
        return float(flows @ powers), float(-(months * flows) @ powers)
    remaining = months[-1] - months
    powers = np.exp(log_growth * remaining)
    return float(flows @ powers), float((remaining * flows) @ powers)


# Brackets stop at |log(1 + monthly rate)| = 1024: far beyond any real project, and where
# exp() of the bound still does not overflow after scaling.
_LOG_GROWTH_LIMIT = 1024.0


def _solve_single_irr(flows: FloatArray) -> float:
    """Log-growth ``v = log(1 + monthly IRR)`` of flows with exactly one sign change.

    By Descartes' rule of signs the NPV polynomial in ``1 / (1 + rate)`` then has exactly one
    positive root, so a bracketed search cannot pick a wrong one. Newton steps are taken while
    they stay inside the bracket; otherwise the bracket is bisected.
    """
    nonzero = flows[flows != 0.0]
    sign_far_future = math.copysign(1.0, nonzero[0])  # rate -> +inf: only the first flow is left
    sign_near_minus_one = -sign_far_future  # rate -> -100 %: the last flow dominates

    low, high = -1.0, 1.0
    while (value_low := _scaled_npv_and_slope(flows, low)[0]) * sign_near_minus_one <= 0.0:
        if value_low == 0.0:
            return low
        low *= 2.0
        if low < -_LOG_GROWTH_LIMIT:
            raise InputError("the IRR is -100% a month to machine precision", field="cash_flows")
    while (value_high := _scaled_npv_and_slope(flows, high)[0]) * sign_far_future <= 0.0:
        if value_high == 0.0:
            return high
        high *= 2.0
        if high > _LOG_GROWTH_LIMIT:
            raise InputError("the IRR is too large to represent", field="cash_flows")

    guess = 0.5 * (low + high)
    for _ in range(300):
        value, slope = _scaled_npv_and_slope(flows, guess)
        if value == 0.0:
            return guess
        if math.copysign(1.0, value) == sign_near_minus_one:
            low = guess
        else:
            high = guess
        step_ok = slope != 0.0
        candidate = guess - value / slope if step_ok else guess
        if not step_ok or not low < candidate < high:
            candidate = 0.5 * (low + high)
        if abs(candidate - guess) <= 1e-15 * max(1.0, abs(guess)) or high - low <= 1e-16:
            return candidate
        guess = candidate
    return guess


def _scan_roots(flows: FloatArray) -> tuple[float, ...]:
    """Monthly rates with NPV = 0 on a grid of log-growth in [-1, 1], each refined by bisection."""
    grid = np.linspace(-1.0, 1.0, 4001)
    months = np.arange(flows.size, dtype=np.float64)
    remaining = months[-1] - months
    # Same scaling as _scaled_npv_and_slope, vectorised: positive per-row factors keep signs.
    exponents = np.where(grid[:, None] >= 0.0, -grid[:, None] * months, grid[:, None] * remaining)
    values = np.exp(exponents) @ flows
    roots: list[float] = []
    for index in range(grid.size - 1):
        left, right = values[index], values[index + 1]
        if left == 0.0:
            roots.append(math.expm1(float(grid[index])))
            continue
        if left * right < 0.0:
            low, high = float(grid[index]), float(grid[index + 1])
            sign_low = math.copysign(1.0, left)
            for _ in range(80):
                middle = 0.5 * (low + high)
                value = _scaled_npv_and_slope(flows, middle)[0]
                if math.copysign(1.0, value) == sign_low:
                    low = middle
                else:
                    high = middle
            roots.append(math.expm1(0.5 * (low + high)))
    if values[-1] == 0.0:
        roots.append(math.expm1(float(grid[-1])))
    return tuple(roots)


def mirr(cash_flows: CashFlows, *, finance_rate: float, reinvestment_rate: float) -> RateOfReturn:
    """Modified internal rate of return of monthly cash flows.

    Negative flows are discounted to month 0 at the finance rate, positive flows are compounded
    to the last month at the reinvestment rate, and the MIRR is the monthly rate that grows the
    first into the second over ``len(cash_flows) - 1`` months (as spreadsheet ``MIRR`` does, so
    trailing zero months count).

    Parameters
    ----------
    cash_flows:
        Net monthly cash flows, month 0 first, with at least one negative and one positive flow.
    finance_rate:
        Annual rate paid on the money invested (cost of capital).
    reinvestment_rate:
        Annual rate earned when the positive flows are reinvested.

    Returns
    -------
    RateOfReturn
        Monthly and annualised MIRR.
    """
    flows = _as_flows(cash_flows)
    finance_monthly = monthly_rate(_check_rate(finance_rate, "finance_rate"))
    reinvest_monthly = monthly_rate(_check_rate(reinvestment_rate, "reinvestment_rate"))
    if flows.size < 2:
        raise InputError("MIRR needs at least two months", field="cash_flows")
    if not (flows < 0).any() or not (flows > 0).any():
        raise InputError(
            "MIRR needs at least one negative and one positive cash flow", field="cash_flows"
        )
    last = flows.size - 1
    months = np.arange(flows.size, dtype=np.float64)
    negative = np.where(flows < 0, flows, 0.0)
    positive = np.where(flows > 0, flows, 0.0)
    present_cost = -float(negative @ np.exp(-math.log1p(finance_monthly) * months))
    future_value = float(positive @ np.exp(math.log1p(reinvest_monthly) * (last - months)))
    log_growth = (math.log(future_value) - math.log(present_cost)) / last
    return RateOfReturn(monthly=math.expm1(log_growth), annual=_annual_from_log_growth(log_growth))


def irr(
    cash_flows: CashFlows,
    *,
    finance_rate: float | None = None,
    reinvestment_rate: float | None = None,
) -> IrrResult:
    """Internal rate of return of monthly cash flows, or the MIRR when the IRR is not unique.

    Parameters
    ----------
    cash_flows:
        Net monthly cash flows, month 0 first.
    finance_rate, reinvestment_rate:
        Annual rates for the MIRR; needed only when the flows change sign more than once.

    Returns
    -------
    IrrResult
        With one sign change: the exact IRR (``method == "irr"``), solved by a bracketed Newton
        search on the monthly rate. With several: the MIRR (``method == "mirr"``), a message that
        the IRR is not unique, and the zero-NPV rates found on a scan.

    Raises
    ------
    InputError
        If the flows never change sign (IRR is undefined), or change sign several times and a
        finance or reinvestment rate is missing.

    Examples
    --------
    >>> result = irr([-4000] + [0] * 11 + [2000] + [0] * 11 + [4000])
    >>> round(result.annual_rate, 4)
    0.2808
    """
    flows = _as_flows(cash_flows)
    changes = _sign_changes(flows)
    if changes == 0:
        raise InputError("cash flows never change sign: IRR is undefined", field="cash_flows")
    if changes == 1:
        log_growth = _solve_single_irr(flows)
        return IrrResult(
            monthly_rate=math.expm1(log_growth),
            annual_rate=_annual_from_log_growth(log_growth),
            method="irr",
            irr_is_unique=True,
            sign_changes=1,
            message="IRR is unique: the cash flows change sign once",
        )
    candidates = _scan_roots(flows)
    found = (
        "rates with zero NPV: " + ", ".join(f"{annual_rate(rate):.2%}" for rate in candidates)
        if candidates
        else "no rate between -100% and a very high rate gives zero NPV"
    )
    if finance_rate is None or reinvestment_rate is None:
        raise InputError(
            f"cash flows change sign {changes} times, so the IRR is not unique ({found} a "
            "year); give finance_rate and reinvestment_rate to get the MIRR instead",
            field="cash_flows",
        )
    modified = mirr(flows, finance_rate=finance_rate, reinvestment_rate=reinvestment_rate)
    return IrrResult(
        monthly_rate=modified.monthly,
        annual_rate=modified.annual,
        method="mirr",
        irr_is_unique=False,
        sign_changes=changes,
        message=(
            f"IRR is not unique: the cash flows change sign {changes} times ({found} a year); "
            f"showing the MIRR at a {finance_rate:.2%} finance rate and a "
            f"{reinvestment_rate:.2%} reinvestment rate"
        ),
        candidate_monthly_rates=candidates,
    )


# --------------------------------------------------------------------------------------------
# Payback, ROI, benefit-cost ratio
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaybackResult:
    """Payback time in months from the start, or ``None`` with the reason.

    ``months`` is the instant after which the cumulative cash flow stays at or above zero; the
    flow of a month is taken to arrive evenly during that month (linear interpolation).
    """

    months: float | None
    reason: str

    @property
    def years(self) -> float | None:
        return None if self.months is None else self.months / MONTHS_PER_YEAR


def _payback_of(flows: FloatArray, timing: Timing, label: str) -> PaybackResult:
    cumulative = np.cumsum(flows)
    # Below this, a negative running total is rounding noise, not money still to recover.
    tolerance = 1e-9 * float(np.abs(flows).max(initial=0.0))
    negative = np.flatnonzero(cumulative < -tolerance)
    if negative.size == 0:
        return PaybackResult(0.0, f"the cumulative {label}cash flow is never negative")
    last_negative = int(negative[-1])
    if last_negative == flows.size - 1:
        return PaybackResult(
            None,
            f"never pays back: the cumulative {label}cash flow is still "
            f"{cumulative[-1]:,.2f} after month {flows.size - 1}",
        )
    still_owed = -float(cumulative[last_negative])
    recovered_in = float(flows[last_negative + 1])
    # With start-of-month timing month t's flow lands by instant t, accruing over (t-1, t].
    months = last_negative + timing.offset + still_owed / recovered_in
    return PaybackResult(months, f"the cumulative {label}cash flow turns non-negative for good")


def payback(cash_flows: CashFlows, *, timing: Timing = Timing.START_OF_MONTH) -> PaybackResult:
    """Payback period of monthly net cash flows.

    Parameters
    ----------
    cash_flows:
        Net monthly cash flows, month 0 first.
    timing:
        ``START_OF_MONTH``: month 0 is at the start and month ``t`` accrues over months
        ``(t-1, t]``, so an annual textbook case spread evenly over months gives its textbook
        interpolated payback x 12. ``END_OF_MONTH`` moves everything one month later.

    Returns
    -------
    PaybackResult
        Months (fractional) after which the cumulative cash flow stays non-negative; 0 when it
        is never negative; ``None`` with the reason when it is still negative at the end.
    """
    return _payback_of(_as_flows(cash_flows), timing, "")


def discounted_payback(
    cash_flows: CashFlows,
    annual_discount_rate: float,
    *,
    timing: Timing = Timing.START_OF_MONTH,
) -> PaybackResult:
    """Payback period of the discounted monthly cash flows (see :func:`payback`).

    Parameters
    ----------
    cash_flows:
        Net monthly cash flows, month 0 first.
    annual_discount_rate:
        Annual discount rate (fraction).
    timing:
        :class:`Timing` convention, used both to discount and to place the months.
    """
    flows = _as_flows(cash_flows)
    discounted = flows * discount_factors(flows.size, annual_discount_rate, timing=timing)
    return _payback_of(discounted, timing, "discounted ")


def roi(costs: float | CashFlows, benefits: float | CashFlows) -> float:
    """Return on investment ``(total benefits - total costs) / total costs``, undiscounted.

    Parameters
    ----------
    costs, benefits:
        Totals, or monthly amounts that are summed.

    Raises
    ------
    InputError
        When the total cost is not positive.
    """
    total_cost = _total(costs, "costs")
    total_benefit = _total(benefits, "benefits")
    if total_cost <= 0.0:
        raise InputError("total cost must be positive for ROI to be defined", field="costs")
    return (total_benefit - total_cost) / total_cost


def benefit_cost_ratio(
    costs: CashFlows,
    benefits: CashFlows,
    annual_discount_rate: float,
    *,
    timing: Timing = Timing.START_OF_MONTH,
) -> float:
    """Present value of benefits divided by present value of costs.

    Parameters
    ----------
    costs, benefits:
        Monthly amounts (non-negative), month 0 first; the shorter is padded with zeros.
    annual_discount_rate, timing:
        As in :func:`npv`.

    Raises
    ------
    InputError
        When the present value of costs is not positive.
    """
    cost_flows = _as_flows(costs, "costs")
    benefit_flows = _as_flows(benefits, "benefits")
    months = max(cost_flows.size, benefit_flows.size)
    factors = discount_factors(months, annual_discount_rate, timing=timing)
    present_cost = float(_pad(cost_flows, months) @ factors)
    if present_cost <= 0.0:
        raise InputError("the present value of costs must be positive", field="costs")
    return float(_pad(benefit_flows, months) @ factors) / present_cost


# --------------------------------------------------------------------------------------------
# Business case
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CashFlowLine:
    """One cost or benefit line of a business case.

    Parameters
    ----------
    name:
        Label shown to users ("Licences", "Headcount saving", ...).
    kind:
        :class:`FlowKind` (cost or benefit).
    amounts:
        Non-negative amount per month, starting at ``start_month``.
    start_month:
        Month index of ``amounts[0]`` (0 = first month of the case).
    category:
        :class:`CostCategory`; capex or opex.
    """

    name: str
    kind: FlowKind
    amounts: tuple[float, ...]
    start_month: int = 0
    category: CostCategory = CostCategory.OPEX

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise InputError("a cash-flow line needs a name", field="name")
        field_name = f"lines[{self.name}].amounts"
        try:
            kind = FlowKind(self.kind)
            category = CostCategory(self.category)
        except ValueError as exc:
            raise InputError(str(exc), field=f"lines[{self.name}]") from exc
        amounts = tuple(float(value) for value in _as_flows(self.amounts, field_name))
        if any(value < 0.0 for value in amounts):
            raise InputError(
                "amounts must not be negative: enter a cost as a positive amount and a saving "
                "as a benefit line",
                field=field_name,
            )
        if isinstance(self.start_month, bool) or not isinstance(self.start_month, int):
            raise InputError("must be a whole month index", field=f"lines[{self.name}].start_month")
        if self.start_month < 0:
            raise InputError("must not be negative", field=f"lines[{self.name}].start_month")
        object.__setattr__(self, "amounts", amounts)
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "category", category)

    @property
    def end_month(self) -> int:
        """One past the last month this line covers."""
        return self.start_month + len(self.amounts)

    def monthly(self, months: int) -> FloatArray:
        """Amounts laid on months ``0 .. months-1``."""
        flows = np.zeros(months)
        flows[self.start_month : self.end_month] = self.amounts
        return flows


@dataclass(frozen=True, slots=True)
class BusinessCase:
    """Monthly cost and benefit lines with the rates used to value them.

    Parameters
    ----------
    lines:
        Cost and benefit lines (at least one).
    annual_discount_rate:
        Annual discount rate (fraction), e.g. the organisation's hurdle rate.
    timing:
        :class:`Timing` convention for discounting and payback.
    finance_rate, reinvestment_rate:
        Annual rates for the MIRR; default to ``annual_discount_rate``.
    horizon_months:
        Number of months valued; defaults to the end of the last line.
    """

    lines: tuple[CashFlowLine, ...]
    annual_discount_rate: float
    timing: Timing = Timing.START_OF_MONTH
    finance_rate: float | None = None
    reinvestment_rate: float | None = None
    horizon_months: int | None = None

    def __post_init__(self) -> None:
        lines = tuple(self.lines)
        if not lines:
            raise InputError(
                "a business case needs at least one cost or benefit line", field="lines"
            )
        names = [line.name for line in lines]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise InputError(f"line names must be unique: {', '.join(duplicates)}", field="lines")
        _check_rate(self.annual_discount_rate, "annual_discount_rate")
        for rate_field in ("finance_rate", "reinvestment_rate"):
            value = getattr(self, rate_field)
            if value is not None:
                _check_rate(value, rate_field)
        last = max(line.end_month for line in lines)
        if self.horizon_months is not None:
            if self.horizon_months < 1:
                raise InputError("must be at least one month", field="horizon_months")
            if self.horizon_months < last:
                raise InputError(
                    f"is {self.horizon_months} but a line runs to month {last - 1}",
                    field="horizon_months",
                )
        object.__setattr__(self, "lines", lines)
        object.__setattr__(self, "timing", Timing(self.timing))

    @property
    def months(self) -> int:
        """Number of months valued."""
        if self.horizon_months is not None:
            return self.horizon_months
        return max(1, max(line.end_month for line in self.lines))

    def flows(
        self, kind: FlowKind, category: CostCategory | None = None, *, months: int | None = None
    ) -> FloatArray:
        """Monthly total of the lines of one kind (and category, when given)."""
        span = self.months if months is None else months
        total = np.zeros(span)
        for line in self.lines:
            if line.kind is kind and (category is None or line.category is category):
                total += line.monthly(span)
        return total

    def cost_flows(self) -> FloatArray:
        return self.flows(FlowKind.COST)

    def benefit_flows(self) -> FloatArray:
        return self.flows(FlowKind.BENEFIT)

    def net_flows(self) -> FloatArray:
        """Benefit minus cost per month."""
        return self.benefit_flows() - self.cost_flows()


@dataclass(frozen=True, slots=True)
class BusinessCaseMetrics:
    """Every headline figure of a business case (see :func:`business_case_metrics`).

    ``irr`` is ``None`` when undefined, with ``irr_message`` saying why; ``roi`` and
    ``benefit_cost_ratio`` are ``None`` when the case has no cost.
    """

    months: int
    total_costs: float
    total_benefits: float
    capex: float
    opex: float
    present_value_costs: float
    present_value_benefits: float
    npv: float
    irr: IrrResult | None
    irr_message: str
    mirr: RateOfReturn | None
    payback: PaybackResult
    discounted_payback: PaybackResult
    roi: float | None
    benefit_cost_ratio: float | None
    net_cash_flows: tuple[float, ...]
    cumulative_net_cash_flows: tuple[float, ...]
    cumulative_discounted_cash_flows: tuple[float, ...]


def business_case_metrics(case: BusinessCase) -> BusinessCaseMetrics:
    """NPV, IRR (or MIRR), payback, ROI and benefit-cost ratio of a business case.

    Parameters
    ----------
    case:
        The :class:`BusinessCase`.

    Returns
    -------
    BusinessCaseMetrics
        All figures; figures that are undefined for this case are ``None`` with a reason instead
        of an exception, so a page can always show the rest.
    """
    costs = case.cost_flows()
    benefits = case.benefit_flows()
    net = benefits - costs
    factors = discount_factors(case.months, case.annual_discount_rate, timing=case.timing)
    finance_rate = case.annual_discount_rate if case.finance_rate is None else case.finance_rate
    reinvestment_rate = (
        case.annual_discount_rate if case.reinvestment_rate is None else case.reinvestment_rate
    )

    irr_result: IrrResult | None
    try:
        irr_result = irr(net, finance_rate=finance_rate, reinvestment_rate=reinvestment_rate)
        irr_message = irr_result.message
    except InputError as exc:
        irr_result, irr_message = None, exc.detail

    mirr_result: RateOfReturn | None = None
    if (net < 0).any() and (net > 0).any() and net.size >= 2:
        mirr_result = mirr(net, finance_rate=finance_rate, reinvestment_rate=reinvestment_rate)

    total_costs = float(costs.sum())
    present_costs = float(costs @ factors)
    present_benefits = float(benefits @ factors)
    return BusinessCaseMetrics(
        months=case.months,
        total_costs=total_costs,
        total_benefits=float(benefits.sum()),
        capex=float(case.flows(FlowKind.COST, CostCategory.CAPEX).sum()),
        opex=float(case.flows(FlowKind.COST, CostCategory.OPEX).sum()),
        present_value_costs=present_costs,
        present_value_benefits=present_benefits,
        npv=float(net @ factors),
        irr=irr_result,
        irr_message=irr_message,
        mirr=mirr_result,
        payback=payback(net, timing=case.timing),
        discounted_payback=discounted_payback(net, case.annual_discount_rate, timing=case.timing),
        roi=roi(total_costs, float(benefits.sum())) if total_costs > 0 else None,
        benefit_cost_ratio=present_benefits / present_costs if present_costs > 0 else None,
        net_cash_flows=tuple(float(value) for value in net),
        cumulative_net_cash_flows=tuple(float(value) for value in np.cumsum(net)),
        cumulative_discounted_cash_flows=tuple(float(v) for v in np.cumsum(net * factors)),
    )


# --------------------------------------------------------------------------------------------
# Sensitivity
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SensitivityRow:
    """One bar of a tornado chart: NPV under the unfavourable and favourable value of a driver."""

    driver: str
    low_case: str
    high_case: str
    low_npv: float
    high_npv: float
    base_npv: float

    @property
    def swing(self) -> float:
        """Width of the bar: ``|high_npv - low_npv|``."""
        return abs(self.high_npv - self.low_npv)

    @property
    def low_change(self) -> float:
        return self.low_npv - self.base_npv

    @property
    def high_change(self) -> float:
        return self.high_npv - self.base_npv


@dataclass(frozen=True, slots=True)
class NpvSensitivity:
    """Tornado table: rows sorted by swing, widest first."""

    base_npv: float
    rows: tuple[SensitivityRow, ...] = field(default_factory=tuple)


def npv_sensitivity(
    case: BusinessCase,
    *,
    cost_change: float = 0.10,
    benefit_change: float = 0.10,
    benefit_delay_months: int | Sequence[int] = 3,
    discount_rate_change: float | None = None,
) -> NpvSensitivity:
    """NPV when costs, benefits, benefit timing (and optionally the discount rate) move.

    Parameters
    ----------
    case:
        The :class:`BusinessCase`.
    cost_change:
        Relative change of every cost, e.g. 0.10 for -10 % / +10 %.
    benefit_change:
        Relative change of every benefit.
    benefit_delay_months:
        One or several delays (whole months) applied to every benefit line; each gives a row
        comparing the delayed NPV with the base NPV.
    discount_rate_change:
        Absolute change of the annual discount rate (0.02 for +/- 2 points); no row if ``None``.

    Returns
    -------
    NpvSensitivity
        Base NPV and one :class:`SensitivityRow` per driver, widest swing first.
    """
    for name, value in (("cost_change", cost_change), ("benefit_change", benefit_change)):
        if not math.isfinite(value) or not 0.0 <= value <= 1.0:
            raise InputError("must be a fraction between 0 and 1", field=name)
    delays = (
        (benefit_delay_months,)
        if isinstance(benefit_delay_months, int)
        else tuple(benefit_delay_months)
    )
    if any(isinstance(d, bool) or not isinstance(d, int) or d < 0 for d in delays):
        raise InputError("delays must be whole, non-negative months", field="benefit_delay_months")

    costs, benefits = case.cost_flows(), case.benefit_flows()
    rate, timing = case.annual_discount_rate, case.timing

    def value_of(cost_flows: FloatArray, benefit_flows: FloatArray, at_rate: float = rate) -> float:
        months = max(cost_flows.size, benefit_flows.size)
        return npv(_pad(benefit_flows, months) - _pad(cost_flows, months), at_rate, timing=timing)

    base = value_of(costs, benefits)
    percent_cost, percent_benefit = f"{cost_change:.0%}", f"{benefit_change:.0%}"
    rows = [
        SensitivityRow(
            driver="costs",
            low_case=f"costs +{percent_cost}",
            high_case=f"costs -{percent_cost}",
            low_npv=value_of(costs * (1 + cost_change), benefits),
            high_npv=value_of(costs * (1 - cost_change), benefits),
            base_npv=base,
        ),
        SensitivityRow(
            driver="benefits",
            low_case=f"benefits -{percent_benefit}",
            high_case=f"benefits +{percent_benefit}",
            low_npv=value_of(costs, benefits * (1 - benefit_change)),
            high_npv=value_of(costs, benefits * (1 + benefit_change)),
            base_npv=base,
        ),
    ]
    for delay in delays:
        rows.append(
            SensitivityRow(
                driver=f"benefit delay {delay} months",
                low_case=f"benefits {delay} months later",
                high_case="benefits on time",
                low_npv=value_of(costs, _shift(benefits, delay)),
                high_npv=base,
                base_npv=base,
            )
        )
    if discount_rate_change is not None:
        if not math.isfinite(discount_rate_change) or discount_rate_change < 0:
            raise InputError("must be a non-negative number", field="discount_rate_change")
        lower_rate = rate - discount_rate_change
        _check_rate(lower_rate, "discount_rate_change")
        higher, lower = (
            value_of(costs, benefits, rate + discount_rate_change),
            value_of(costs, benefits, lower_rate),
        )
        points = f"{discount_rate_change * 100:g} points"
        rows.append(
            SensitivityRow(
                driver="discount rate",
                low_case=f"rate +{points}" if higher <= lower else f"rate -{points}",
                high_case=f"rate -{points}" if higher <= lower else f"rate +{points}",
                low_npv=min(higher, lower),
                high_npv=max(higher, lower),
                base_npv=base,
            )
        )
    rows.sort(key=lambda row: row.swing, reverse=True)
    return NpvSensitivity(base_npv=base, rows=tuple(rows))
