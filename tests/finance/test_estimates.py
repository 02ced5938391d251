"""Money arithmetic without the database: rates of the month, estimates, spreading."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.finance.estimates import (
    EstimateInputs,
    RateTable,
    computed_estimates,
    planned_to_date,
    spread,
    spread_weights,
)

D = Decimal
JAN, FEB, MAR, APR = (dt.date(2026, m, 1) for m in (1, 2, 3, 4))
AS_OF = dt.date(2026, 3, 10)


def example() -> EstimateInputs:
    return EstimateInputs(
        as_of=AS_OF,
        budget_by_month={JAN: D(3000), FEB: D(1000), MAR: D(1000)},
        actual_by_month={JAN: D(3000), FEB: D(1240)},
        percent_complete=D(70),
        finish_month=APR,
    )


def test_a_month_converts_at_the_rate_in_effect_on_its_first_day():
    rates = RateTable(
        "EUR",
        [
            ("USD", JAN, D("0.90")),
            ("USD", MAR, D("0.80")),
            ("USD", dt.date(2026, 3, 15), D("0.70")),
        ],
    )
    assert rates.rate_for("EUR", JAN) == 1
    assert rates.rate_for("USD", FEB) == D("0.90")
    assert rates.rate_for("USD", MAR) == D("0.80")  # the 15 March rate starts with April
    assert rates.rate_for("USD", APR) == D("0.70")
    assert rates.convert(D(1000), "USD", MAR).amount == D("800.00")
    assert rates.to_currency(D(800), "USD", MAR) == D(1000)


def test_a_month_before_any_rate_uses_the_first_rate_and_says_so():
    rates = RateTable("EUR", [("USD", FEB, D("0.90"))])
    assert rates.rate_for("USD", JAN) is None
    conversion = rates.convert(D(100), "USD", JAN)
    assert conversion.amount == D("90.00")
    assert "No USD rate in effect on 2026-01-01" in (conversion.warning or "")
    missing = rates.convert(D(100), "GBP", JAN)
    assert missing.amount == 0 and "No exchange rate for GBP" in (missing.warning or "")


def test_planned_to_date_counts_the_elapsed_share_of_the_current_month():
    assert planned_to_date({JAN: D(3000), FEB: D(1000), MAR: D(1000)}, AS_OF) == D("4322.58")


def test_every_method_is_named_with_its_formula_and_figures():
    earned, estimates = computed_estimates(example())
    assert (earned.ev, earned.pv, earned.cpi, earned.spi) == (
        D("3500.00"),
        D("4322.58"),
        D("0.8255"),
        D("0.8097"),
    )
    assert list(estimates) == ["cpi", "cpi_spi", "budget_remaining", "run_rate"]
    cpi = estimates["cpi"]
    assert (cpi.label, cpi.formula) == ("Earned value (CPI)", "EAC = BAC / CPI")
    assert (cpi.eac, cpi.etc, cpi.vac) == (D("6057.14"), D("1817.14"), D("-1057.14"))
    cpi_spi = estimates["cpi_spi"]
    pv = 3000 + 1000 + 1000 * 10 / 31
    expected = 4240 + 1500 / ((3500 / 4240) * (3500 / pv))
    assert abs(float(cpi_spi.eac or 0) - expected) < 0.01
    assert cpi_spi.formula == "EAC = AC + (BAC - EV) / (CPI x SPI)"
    assert estimates["budget_remaining"].eac == D("5000.00")
    # Run rate: (0 + 3000 + 1240) / 3 a month for March and April.
    assert estimates["run_rate"].eac == D("7066.67")


def test_methods_that_do_not_apply_say_why():
    inputs = EstimateInputs(
        as_of=AS_OF,
        budget_by_month={JAN: D(3000)},
        actual_by_month={},
        percent_complete=None,
        finish_month=FEB,
    )
    _, estimates = computed_estimates(inputs)
    assert estimates["cpi"].eac is None
    assert "No schedule progress" in estimates["cpi"].reason
    assert estimates["run_rate"].eac is None
    assert "No planned finish after the status date" in estimates["run_rate"].reason
    _, unbudgeted = computed_estimates(EstimateInputs(AS_OF, {}, {JAN: D(10)}, D(50), APR))
    assert unbudgeted["budget_remaining"].reason == "No approved budget."


def test_spread_follows_the_weights_and_adds_up_to_the_cent():
    cells = spread(
        D("2826.67"),
        spread_weights(as_of=AS_OF, remaining=[MAR, APR], budget_cells={}, capex_share=D("0.4")),
    )
    assert cells == [
        (MAR, "capex", D("565.33")),
        (MAR, "opex", D("848.00")),
        (APR, "capex", D("565.33")),
        (APR, "opex", D("848.01")),
    ]


def test_spread_uses_the_remaining_budget_profile_when_there_is_one():
    weights = spread_weights(
        as_of=AS_OF,
        remaining=[MAR, APR],
        budget_cells={(FEB, "opex"): D(500), (MAR, "opex"): D(300), (APR, "capex"): D(100)},
        capex_share=D(0),
    )
    assert weights == [((MAR, "opex"), D(300)), ((APR, "capex"), D(100))]


@settings(max_examples=60, deadline=None)
@given(
    total=st.decimals(min_value=0, max_value=10**9, places=2),
    weights=st.lists(st.decimals(min_value=0, max_value=10**6, places=2), min_size=1, max_size=24),
)
def test_spread_always_adds_up_to_the_total(total, weights):
    keyed = [((dt.date(2026, 1, 1), f"{index}"), weight) for index, weight in enumerate(weights)]
    cells = spread(total, keyed)
    assert sum(amount for _, _, amount in cells) == total
    assert len(cells) == len(weights)
