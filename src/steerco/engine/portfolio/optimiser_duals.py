"""Shadow prices: what one more FTE of a role in a month is worth.

The marginal values come from the duals of the LP relaxation (HiGHS), which
price every capacity row at once. An LP dual is an estimate for an integer
plan, so the top few can be confirmed by re-solving the plan with one more
FTE in that role-month, warm-started from the current plan (so the gain is
never negative) with a short time limit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from steerco.engine.portfolio.optimiser_build import CompiledPortfolio, FloatArray


@dataclass(frozen=True, slots=True)
class ShadowPrice:
    """Marginal value of one more FTE of ``role`` in ``month``.

    ``value`` is the LP-relaxation dual of the capacity row (per FTE).
    ``confirmed_gain`` is the value gained by re-solving with one more FTE
    (None when not re-solved); it is what the integer plan actually gains
    within the re-solve's time limit.
    """

    role: str
    month: int
    constraint: str
    value: float
    confirmed_gain: float | None = None


def capacity_shadow_prices(model: CompiledPortfolio, row_duals: FloatArray) -> list[ShadowPrice]:
    """One shadow price per role-month with a capacity, from LP duals of scaled rows."""
    prices = []
    for (role, month), row in sorted(model.capacity_rows.items()):
        per_fte = float(row_duals[row]) / float(model.row_scale[row])
        prices.append(
            ShadowPrice(
                role=role,
                month=month,
                constraint=model.rows[row].name,
                value=max(0.0, per_fte),
            )
        )
    return prices


def confirm_shadow_prices(
    model: CompiledPortfolio,
    prices: list[ShadowPrice],
    *,
    count: int,
    base_value: float,
    resolve: Callable[[FloatArray], float],
) -> list[ShadowPrice]:
    """Re-solve with one more FTE for the ``count`` highest prices.

    ``resolve(row_hi)`` returns the plan value with the given (scaled) row
    limits; it must be warm-started from the current plan.
    """
    ranked = sorted(
        (i for i, price in enumerate(prices) if price.value > 0.0),
        key=lambda i: -prices[i].value,
    )[:count]
    confirmed = list(prices)
    for i in ranked:
        price = prices[i]
        row = model.capacity_rows[(price.role, price.month)]
        row_hi = model.row_hi.copy()
        row_hi[row] += 1.0 / float(model.row_scale[row])
        gain = max(0.0, resolve(row_hi) - base_value)
        confirmed[i] = ShadowPrice(
            role=price.role,
            month=price.month,
            constraint=price.constraint,
            value=price.value,
            confirmed_gain=gain,
        )
    return confirmed
