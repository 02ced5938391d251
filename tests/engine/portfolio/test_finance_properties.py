"""Finance properties checked against independent reference computations.

References are deliberately computed another way than the engine does: NPV by a plain Python
discounting loop, IRR from the roots of the NPV polynomial (numpy.roots), payback by simulating
the cumulative cash flow on a fine time grid.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from steerco.engine.portfolio.finance import (
    Timing,
    discounted_payback,
    irr,
    mirr,
    npv,
    payback,
)

amounts = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
rates = st.floats(min_value=-0.5, max_value=2.0, allow_nan=False)
timings = st.sampled_from(list(Timing))
fast = settings(max_examples=60, deadline=None)


def brute_npv(flows: list[float], annual: float, offset: int = 0) -> float:
    monthly = (1.0 + annual) ** (1.0 / 12.0) - 1.0
    total = 0.0
    for month, amount in enumerate(flows):
        total += amount / (1.0 + monthly) ** (month + offset)
    return total


@fast
@given(st.lists(amounts, min_size=1, max_size=60), rates, timings)
def test_npv_matches_a_plain_discounting_loop(
    flows: list[float], rate: float, timing: Timing
) -> None:
    expected = brute_npv(flows, rate, timing.offset)
    scale = sum(abs(f) for f in flows) * (1 + rate) ** (60 / 12 if rate < 0 else 0) + 1.0
    assert npv(flows, rate, timing=timing) == pytest.approx(expected, abs=1e-9 * scale)


@fast
@given(
    st.lists(amounts, min_size=1, max_size=30),
    st.lists(amounts, min_size=1, max_size=30),
    rates,
)
def test_npv_is_linear(first: list[float], second: list[float], rate: float) -> None:
    size = max(len(first), len(second))
    a = first + [0.0] * (size - len(first))
    b = second + [0.0] * (size - len(second))
    combined = npv([x + 2.5 * y for x, y in zip(a, b, strict=True)], rate)
    scale = (sum(map(abs, a)) + 2.5 * sum(map(abs, b)) + 1.0) * 4
    assert combined == pytest.approx(npv(a, rate) + 2.5 * npv(b, rate), abs=1e-9 * scale)


# Conventional projects: investment months first, then returns (exactly one sign change).
investments = st.lists(st.floats(min_value=10.0, max_value=1e5), min_size=1, max_size=4)
# Amounts are 0 or at least 1: numpy.roots is unreliable with a leading coefficient of 1e-60.
returns = st.lists(
    st.one_of(st.just(0.0), st.floats(min_value=1.0, max_value=1e5)), min_size=1, max_size=30
)


def roots_reference(flows: list[float]) -> list[float]:
    """Monthly rates r with sum c_t x^t = 0, x = 1/(1+r) > 0, from numpy's polynomial roots."""
    coefficients = np.trim_zeros(np.array(flows[::-1], dtype=float), "f")  # highest power first
    roots = np.roots(coefficients)
    real = roots[(np.abs(roots.imag) <= 1e-9 * np.maximum(1.0, np.abs(roots))) & (roots.real > 0)]
    return sorted(1.0 / x - 1.0 for x in real.real)


@settings(max_examples=80, deadline=None)
@given(investments, returns)
def test_single_sign_change_irr_matches_numpy_polynomial_roots(
    invested: list[float], returned: list[float]
) -> None:
    assume(sum(returned) > 0)
    flows = [-x for x in invested] + returned
    assume(sum(returned) > 1e-3 * sum(invested))  # keep the root where numpy.roots is accurate
    result = irr(flows)
    reference = roots_reference(flows)
    assert len(reference) >= 1
    closest = min(reference, key=lambda r: abs(r - result.monthly_rate))
    assert result.monthly_rate == pytest.approx(closest, rel=1e-6, abs=1e-8)
    assert result.method == "irr" and result.irr_is_unique
    assert result.annual_rate == pytest.approx((1 + result.monthly_rate) ** 12 - 1, rel=1e-9)
    # And the NPV at the IRR is zero to rounding.
    discounted = sum(c / (1 + result.monthly_rate) ** t for t, c in enumerate(flows))
    assert abs(discounted) <= 1e-8 * sum(abs(c) for c in flows)


@fast
@given(investments, returns, st.floats(min_value=0.0, max_value=0.3))
def test_irr_is_where_npv_crosses_the_discount_rate(
    invested: list[float], returned: list[float], rate: float
) -> None:
    # For a conventional project, NPV > 0 exactly when the discount rate is below the IRR.
    flows = [-x for x in invested] + returned
    assume(sum(returned) > 0)
    result = irr(flows)
    assume(abs(result.annual_rate - rate) > 1e-6)
    assert (npv(flows, rate) > 0) == (rate < result.annual_rate)


@fast
@given(
    st.lists(st.floats(min_value=-1e4, max_value=1e4), min_size=1, max_size=24),
    st.floats(min_value=0.0, max_value=0.3),
    st.floats(min_value=0.0, max_value=0.3),
)
def test_mirr_matches_the_definition(middle: list[float], finance: float, reinvest: float) -> None:
    flows = [-1.0 - abs(middle[0]), *middle[1:], 1.0 + abs(middle[-1])]
    last = len(flows) - 1
    fm = (1 + finance) ** (1 / 12) - 1
    rm = (1 + reinvest) ** (1 / 12) - 1
    cost = -sum(f / (1 + fm) ** t for t, f in enumerate(flows) if f < 0)
    gain = sum(f * (1 + rm) ** (last - t) for t, f in enumerate(flows) if f > 0)
    expected = (gain / cost) ** (1 / last) - 1
    assert mirr(flows, finance_rate=finance, reinvestment_rate=reinvest).monthly == pytest.approx(
        expected, rel=1e-9, abs=1e-12
    )


@fast
@given(st.lists(st.floats(min_value=-1e4, max_value=1e4), min_size=3, max_size=36))
def test_every_reported_candidate_rate_zeroes_the_npv(flows: list[float]) -> None:
    signs = [math.copysign(1, f) for f in flows if f != 0]
    assume(sum(a != b for a, b in itertools.pairwise(signs)) >= 2)
    result = irr(flows, finance_rate=0.1, reinvestment_rate=0.1)
    assert result.method == "mirr" and not result.irr_is_unique
    for rate in result.candidate_monthly_rates:
        growth = 1 + rate
        scale = max(
            growth**-t if growth > 1 else growth ** (len(flows) - 1 - t) for t in range(len(flows))
        )
        value = sum(c / growth**t for t, c in enumerate(flows))
        if growth < 1:  # compare in future-value terms to stay in range
            value *= growth ** (len(flows) - 1)
        assert abs(value) <= 1e-7 * sum(abs(c) for c in flows) * max(1.0, scale)


def fine_grid_payback(flows: list[float], offset: int, steps: int = 400) -> float | None:
    """Simulate: month 0's flow at instant `offset`, month t's flow accrues over (t-1, t]."""
    cumulative = flows[0]
    last_negative_time: float | None = float(offset) if cumulative < 0 else None
    for month in range(1, len(flows)):
        for step in range(1, steps + 1):
            cumulative += flows[month] / steps
            if cumulative < -1e-9:
                last_negative_time = month - 1 + offset + step / steps
    if cumulative < -1e-9:
        return None
    return 0.0 if last_negative_time is None else last_negative_time


@fast
@given(
    st.lists(st.floats(min_value=-1000, max_value=1000), min_size=1, max_size=12),
    timings,
)
def test_payback_matches_a_fine_time_simulation(flows: list[float], timing: Timing) -> None:
    assume(all(abs(f) > 1e-3 or f == 0 for f in flows))
    result = payback(flows, timing=timing)
    expected = fine_grid_payback(flows, timing.offset)
    if expected is None:
        assert result.months is None and "never pays back" in result.reason
    else:
        assert result.months is not None
        assert result.months == pytest.approx(expected, abs=1 / 400 + 1e-9)


@fast
@given(
    st.lists(st.floats(min_value=-1000, max_value=1000), min_size=1, max_size=24),
    st.floats(min_value=0.0, max_value=0.5),
)
def test_discounted_payback_never_comes_before_payback(flows: list[float], rate: float) -> None:
    # Only meaningful for a conventional profile: costs first, then returns.
    negatives = sorted(f for f in flows if f < 0)
    positives = [f for f in flows if f >= 0]
    profile = negatives + positives
    simple = payback(profile).months
    discounted = discounted_payback(profile, rate).months
    if discounted is not None:
        assert simple is not None and discounted >= simple - 1e-9
