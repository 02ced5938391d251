"""Business-case finance: worked textbook examples and input checking.

Annual textbook cash flows are written month by month (year k at month 12k, or spread evenly
over the months of year k), which must give back the textbook figures because the monthly rate
is the exact compound equivalent of the annual one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest

from steerco.engine.errors import InputError
from steerco.engine.portfolio.finance import (
    BusinessCase,
    CashFlowLine,
    CostCategory,
    FlowKind,
    Timing,
    annual_rate,
    benefit_cost_ratio,
    business_case_metrics,
    discount_factors,
    discounted_payback,
    irr,
    mirr,
    monthly_rate,
    npv,
    npv_sensitivity,
    payback,
    remaining_npv,
    roi,
)


def yearly_at_month_ends(flows: Sequence[float]) -> list[float]:
    """Year k's flow placed at month 12k (year 0 at month 0)."""
    months = [0.0] * (12 * (len(flows) - 1) + 1)
    for year, amount in enumerate(flows):
        months[12 * year] = amount
    return months


def yearly_spread_evenly(flows: Sequence[float]) -> list[float]:
    """Year 0's flow at month 0; year k's flow spread evenly over months 12k-11 .. 12k."""
    months = [flows[0]]
    for amount in flows[1:]:
        months.extend([amount / 12] * 12)
    return months


# --- rates -----------------------------------------------------------------------------------


def test_monthly_rate_compounds_back_to_the_annual_rate() -> None:
    assert monthly_rate(0.12) == pytest.approx(1.12 ** (1 / 12) - 1, rel=1e-15)
    assert monthly_rate(0.12) < 0.01  # not the nominal 12 % / 12
    assert annual_rate(monthly_rate(0.07)) == pytest.approx(0.07, rel=1e-14)
    assert monthly_rate(0.0) == 0.0


def test_discount_factors_follow_the_timing_convention() -> None:
    start = discount_factors(13, 0.10)
    end = discount_factors(13, 0.10, timing=Timing.END_OF_MONTH)
    assert start[0] == 1.0
    assert start[12] == pytest.approx(1 / 1.10, rel=1e-15)
    assert end[0] == pytest.approx(1.10 ** (-1 / 12))
    assert end[11] == pytest.approx(1 / 1.10, rel=1e-15)


def test_rates_at_or_below_minus_100_percent_are_rejected() -> None:
    with pytest.raises(InputError, match="-100%"):
        npv([1.0, 2.0], -1.0)
    with pytest.raises(InputError, match="finite"):
        npv([1.0, 2.0], math.nan)


# --- NPV -------------------------------------------------------------------------------------


def test_npv_office_building_example() -> None:
    # Brealey, Myers & Allen, Principles of Corporate Finance, ch. 2: build an office block
    # for $700,000, sell it for $800,000 a year later; opportunity cost of capital 7 %:
    # NPV = -700,000 + 800,000 / 1.07 = $47,664.
    flows = yearly_at_month_ends([-700_000, 800_000])
    assert npv(flows, 0.07) == pytest.approx(47_663.55, abs=0.01)


def test_npv_end_of_month_discounts_everything_one_more_month() -> None:
    flows = [-1000.0, 300.0, 400.0, 500.0]
    start = npv(flows, 0.09)
    end = npv(flows, 0.09, timing=Timing.END_OF_MONTH)
    assert end == pytest.approx(start / 1.09 ** (1 / 12), rel=1e-14)
    # Excel's NPV() is end-of-period: sum(c_t / (1+m)^(t+1)), checked with a plain loop.
    m = 1.09 ** (1 / 12) - 1
    assert end == pytest.approx(sum(c / (1 + m) ** (t + 1) for t, c in enumerate(flows)))


def test_npv_of_an_annuity_matches_the_closed_form() -> None:
    # 36 monthly payments of 100 received at months 1..36, 6 % a year:
    # PV = 100 * (1 - (1+m)^-36) / m.
    m = monthly_rate(0.06)
    expected = 100 * (1 - (1 + m) ** -36) / m
    assert npv([0.0] + [100.0] * 36, 0.06) == pytest.approx(expected, rel=1e-13)


def test_remaining_npv_ignores_sunk_months_and_restarts_discounting() -> None:
    flows = [-500.0, -500.0, 200.0, 300.0, 400.0]
    assert remaining_npv(flows, 2, 0.10) == pytest.approx(npv([200.0, 300.0, 400.0], 0.10))
    assert remaining_npv(flows, 5, 0.10) == 0.0
    with pytest.raises(InputError, match="between 0 and 5"):
        remaining_npv(flows, 6, 0.10)


# --- IRR and MIRR ----------------------------------------------------------------------------


def test_irr_textbook_example_two_years() -> None:
    # Brealey, Myers & Allen, ch. 5: C0 = -4,000, C1 = +2,000, C2 = +4,000 -> IRR = 28.08 %.
    result = irr(yearly_at_month_ends([-4000, 2000, 4000]))
    assert result.method == "irr" and result.irr_is_unique
    assert result.annual_rate == pytest.approx(0.2808, abs=5e-5)
    assert (1 + result.monthly_rate) ** 12 - 1 == pytest.approx(result.annual_rate, rel=1e-12)
    assert npv(yearly_at_month_ends([-4000, 2000, 4000]), result.annual_rate) == pytest.approx(
        0.0, abs=1e-8
    )


@pytest.mark.parametrize(
    ("flows", "expected"),
    [
        # Microsoft Excel IRR() documentation example: a business costing 70,000 with five
        # years of net income; IRR after five years 8.7 % (8.66 %), after four years -2.1 %.
        ([-70_000, 12_000, 15_000, 18_000, 21_000, 26_000], 0.086631),
        ([-70_000, 12_000, 15_000, 18_000, 21_000], -0.021245),
    ],
)
def test_irr_spreadsheet_documentation_examples(flows: list[float], expected: float) -> None:
    assert irr(yearly_at_month_ends(flows)).annual_rate == pytest.approx(expected, abs=1e-6)


def test_irr_with_several_sign_changes_returns_mirr_and_every_irr() -> None:
    # Lorie & Savage (1955) "pump" problem, reproduced in Brealey, Myers & Allen ch. 5:
    # C0 = -1,600, C1 = +10,000, C2 = -10,000 has two IRRs, 25 % and 400 %.
    flows = yearly_at_month_ends([-1600, 10_000, -10_000])
    result = irr(flows, finance_rate=0.10, reinvestment_rate=0.10)
    assert result.method == "mirr"
    assert not result.irr_is_unique
    assert result.sign_changes == 2
    assert "not unique" in result.message
    assert result.candidate_annual_rates == pytest.approx([0.25, 4.0], rel=1e-9)
    expected = mirr(flows, finance_rate=0.10, reinvestment_rate=0.10)
    assert (result.monthly_rate, result.annual_rate) == (expected.monthly, expected.annual)


def test_irr_with_several_sign_changes_needs_the_mirr_rates() -> None:
    with pytest.raises(InputError, match=r"not unique.*finance_rate"):
        irr([-1600.0, 10_000.0, -10_000.0])


def test_irr_is_undefined_without_a_sign_change() -> None:
    with pytest.raises(InputError, match="cash flows never change sign: IRR is undefined"):
        irr([100.0, 0.0, 50.0])
    with pytest.raises(InputError, match="never change sign"):
        irr([-100.0, -50.0])


def test_irr_ignores_leading_and_trailing_zero_months() -> None:
    core = irr([-1000.0, 600.0, 600.0]).monthly_rate
    assert irr([0.0, 0.0, -1000.0, 600.0, 600.0, 0.0]).monthly_rate == pytest.approx(
        core, rel=1e-12
    )


def test_irr_of_a_heavy_loss_and_of_a_huge_gain() -> None:
    loss = irr([-1000.0, 1.0])  # lose 99.9 % in a month
    assert loss.monthly_rate == pytest.approx(-0.999, rel=1e-12)
    gain = irr([-1.0, 1000.0])
    assert gain.monthly_rate == pytest.approx(999.0, rel=1e-12)


@pytest.mark.parametrize(
    ("years", "reinvest", "expected"),
    [
        # Microsoft Excel MIRR() documentation example: loan of 120,000 at 10 %, five years of
        # income reinvested at 12 % -> 12.61 %; after three years -> -4.80 %; at 14 % -> 13.48 %.
        (5, 0.12, 0.126094),
        (3, 0.12, -0.048044),
        (5, 0.14, 0.134759),
    ],
)
def test_mirr_spreadsheet_documentation_examples(
    years: int, reinvest: float, expected: float
) -> None:
    flows = [-120_000, 39_000, 30_000, 21_000, 37_000, 46_000][: years + 1]
    result = mirr(yearly_at_month_ends(flows), finance_rate=0.10, reinvestment_rate=reinvest)
    assert result.annual == pytest.approx(expected, abs=1e-6)


def test_mirr_needs_both_signs() -> None:
    with pytest.raises(InputError, match="one negative and one positive"):
        mirr([100.0, 50.0], finance_rate=0.1, reinvestment_rate=0.1)


# --- payback ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flows", "years"),
    [
        # Brealey, Myers & Allen, ch. 5 payback table (projects A, B, C), with each year's
        # flow arriving evenly through the year: A recovers 1,000 of year 3's 5,000 -> 2.2 y,
        # B 1,500 of year 2's 1,800 -> 1.83 y, C 200 of year 2's 500 -> 1.4 y.
        ([-2000, 500, 500, 5000], 2.2),
        ([-2000, 500, 1800], 1 + 1500 / 1800),
        ([-2000, 1800, 500], 1.4),
    ],
)
def test_payback_textbook_projects(flows: list[float], years: float) -> None:
    result = payback(yearly_spread_evenly(flows))
    assert result.years == pytest.approx(years, rel=1e-12)


def test_payback_interpolates_inside_the_month() -> None:
    assert payback([-100.0, 40.0, 40.0, 40.0]).months == pytest.approx(2.5)
    assert payback([-100.0, 40.0, 40.0, 40.0], timing=Timing.END_OF_MONTH).months == pytest.approx(
        3.5
    )


def test_payback_waits_until_the_cumulative_stays_non_negative() -> None:
    # Recovered by month 2, dragged negative again by month 3, recovered for good in month 4.
    result = payback([-100.0, 50.0, 60.0, -30.0, 40.0])
    assert result.months == pytest.approx(3 + 20 / 40)


def test_payback_never_and_immediately() -> None:
    never = payback([-100.0, 30.0, 30.0])
    assert never.months is None
    assert "never pays back" in never.reason and "-40.00" in never.reason
    assert payback([10.0, -5.0, 20.0]).months == 0.0


def test_discounted_payback_is_later_than_payback() -> None:
    flows = [-1000.0] + [100.0] * 24
    simple = payback(flows).months
    discounted = discounted_payback(flows, 0.12).months
    assert simple == pytest.approx(10.0)
    assert discounted is not None and simple is not None and discounted > simple
    # Check the discounted payback with an explicit loop over the discounted flows.
    m = 1.12 ** (1 / 12) - 1
    cumulative, month = -1000.0, 0
    while cumulative + 100 / (1 + m) ** (month + 1) < 0:
        month += 1
        cumulative += 100 / (1 + m) ** month
    expected = month + (-cumulative) / (100 / (1 + m) ** (month + 1))
    assert discounted == pytest.approx(expected, rel=1e-12)
    assert discounted_payback([-1000.0] + [10.0] * 24, 0.12).months is None


# --- ROI and benefit-cost ratio ----------------------------------------------------------------


def test_roi_and_benefit_cost_ratio() -> None:
    assert roi(200.0, 260.0) == pytest.approx(0.30)
    assert roi([100.0, 100.0], [0.0, 130.0, 130.0]) == pytest.approx(0.30)
    with pytest.raises(InputError, match="ROI"):
        roi(0.0, 10.0)
    costs, benefits = [1000.0, 0.0], [0.0] * 12 + [1100.0]
    assert benefit_cost_ratio(costs, benefits, 0.10) == pytest.approx(1.0, rel=1e-14)
    with pytest.raises(InputError, match="present value of costs"):
        benefit_cost_ratio([0.0], [5.0], 0.1)


# --- business case ---------------------------------------------------------------------------


def crm_case(**kwargs: object) -> BusinessCase:
    return BusinessCase(
        lines=(
            CashFlowLine("Servers", FlowKind.COST, (60_000.0,), category=CostCategory.CAPEX),
            CashFlowLine("Licences", FlowKind.COST, (2_000.0,) * 24, start_month=1),
            CashFlowLine("Sales uplift", FlowKind.BENEFIT, (6_000.0,) * 18, start_month=7),
        ),
        annual_discount_rate=0.10,
        **kwargs,  # type: ignore[arg-type]
    )


def test_business_case_metrics_of_a_small_crm_case() -> None:
    case = crm_case()
    metrics = business_case_metrics(case)
    net = np.zeros(25)
    net[0] -= 60_000
    net[1:25] -= 2_000
    net[7:25] += 6_000
    assert metrics.months == 25
    assert metrics.net_cash_flows == pytest.approx(net.tolist())
    assert metrics.total_costs == 108_000 and metrics.total_benefits == 108_000
    assert (metrics.capex, metrics.opex) == (60_000, 48_000)
    assert metrics.roi == 0.0
    assert metrics.npv == pytest.approx(npv(net, 0.10))
    assert metrics.npv < 0  # undiscounted break-even loses money once discounted
    assert metrics.benefit_cost_ratio == pytest.approx(
        metrics.present_value_benefits / metrics.present_value_costs
    )
    assert metrics.irr is not None and metrics.irr.method == "irr"
    assert metrics.irr.annual_rate == pytest.approx(0.0, abs=1e-12)  # ROI 0 -> IRR 0
    # Cumulative is -60,000 - 2,000 x 6 = -72,000 after month 6, then +4,000 a month.
    assert metrics.payback.months == pytest.approx(6 + 72_000 / 4_000)
    assert metrics.discounted_payback.months is None
    assert metrics.mirr is not None
    assert metrics.cumulative_net_cash_flows[-1] == pytest.approx(0.0)


def test_business_case_metrics_reports_undefined_figures_instead_of_raising() -> None:
    case = BusinessCase(
        lines=(CashFlowLine("Grant", FlowKind.BENEFIT, (100.0, 100.0)),), annual_discount_rate=0.05
    )
    metrics = business_case_metrics(case)
    assert metrics.irr is None
    assert metrics.irr_message == "cash flows never change sign: IRR is undefined"
    assert metrics.roi is None and metrics.benefit_cost_ratio is None and metrics.mirr is None


def test_business_case_horizon_and_validation() -> None:
    assert crm_case(horizon_months=36).months == 36
    with pytest.raises(InputError, match="runs to month 24"):
        crm_case(horizon_months=12)
    with pytest.raises(InputError, match="must not be negative"):
        CashFlowLine("Refund", FlowKind.COST, (-5.0,))
    with pytest.raises(InputError, match="unique"):
        BusinessCase(
            lines=(
                CashFlowLine("A", FlowKind.COST, (1.0,)),
                CashFlowLine("A", FlowKind.BENEFIT, (2.0,)),
            ),
            annual_discount_rate=0.1,
        )
    with pytest.raises(InputError, match="at least one"):
        BusinessCase(lines=(), annual_discount_rate=0.1)
    with pytest.raises(InputError, match="start_month"):
        CashFlowLine("Late", FlowKind.COST, (1.0,), start_month=-1)


# --- sensitivity -----------------------------------------------------------------------------


def scaled_case(case: BusinessCase, kind: FlowKind, factor: float, delay: int = 0) -> BusinessCase:
    lines = tuple(
        CashFlowLine(
            line.name,
            line.kind,
            tuple(a * factor for a in line.amounts) if line.kind is kind else line.amounts,
            line.start_month + (delay if line.kind is kind else 0),
            line.category,
        )
        for line in case.lines
    )
    return BusinessCase(lines=lines, annual_discount_rate=case.annual_discount_rate)


def test_npv_sensitivity_rows_match_rebuilt_cases() -> None:
    case = crm_case()
    table = npv_sensitivity(case, cost_change=0.2, benefit_change=0.1, benefit_delay_months=(3, 6))
    rows = {row.driver: row for row in table.rows}
    assert table.base_npv == pytest.approx(business_case_metrics(case).npv)
    assert rows["costs"].low_npv == pytest.approx(
        npv(scaled_case(case, FlowKind.COST, 1.2).net_flows(), 0.1)
    )
    assert rows["costs"].high_npv == pytest.approx(
        npv(scaled_case(case, FlowKind.COST, 0.8).net_flows(), 0.1)
    )
    assert rows["benefits"].low_npv == pytest.approx(
        npv(scaled_case(case, FlowKind.BENEFIT, 0.9).net_flows(), 0.1)
    )
    for delay in (3, 6):
        row = rows[f"benefit delay {delay} months"]
        delayed = scaled_case(case, FlowKind.BENEFIT, 1.0, delay)
        assert row.low_npv == pytest.approx(npv(delayed.net_flows(), 0.1))
        assert row.high_npv == table.base_npv
    swings = [row.swing for row in table.rows]
    assert swings == sorted(swings, reverse=True)
    assert all(row.low_npv <= row.high_npv for row in table.rows)
    assert rows["costs"].low_case == "costs +20%"


def test_npv_sensitivity_discount_rate_row() -> None:
    case = crm_case()
    table = npv_sensitivity(case, discount_rate_change=0.02)
    row = next(r for r in table.rows if r.driver == "discount rate")
    net = case.net_flows()
    assert row.low_npv == pytest.approx(npv(net, 0.12))  # this case gains money late
    assert row.high_npv == pytest.approx(npv(net, 0.08))
    assert (row.low_case, row.high_case) == ("rate +2 points", "rate -2 points")
    with pytest.raises(InputError, match="fraction"):
        npv_sensitivity(case, cost_change=1.5)
    with pytest.raises(InputError, match="whole"):
        npv_sensitivity(case, benefit_delay_months=-1)
