"""A PMO analyst's journey in a real browser: import an actuals file, see every bad row,
fix the file, import it, and open the project's financials."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from steerco.finance.models import Budget, CostLine
from tests.browser import login, screenshot
from tests.factories import BudgetLineFactory, CostLineFactory, ForecastFactory
from tests.fixtures_people import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "project,cost_category,month,amount,currency,reference,description\n"
BAD = HEADER + (
    "ALPHA,LAB,2026-09,4200.00,EUR,INV-901,Contractor September\n"
    "ALPHA,LAB,2026-09,four hundred,EUR,INV-902,Cloud September\n"
    "ALPAH,HW,2026-09,1800.00,EUR,INV-903,Laptops\n"
    "ALPHA,HW,2026-09,950.00,GBP,INV-904,Training in London\n"
)
FIXED = HEADER + (
    "ALPHA,LAB,2026-09,4200.00,EUR,INV-901,Contractor September\n"
    "ALPHA,LAB,2026-09,400.00,EUR,INV-902,Cloud September\n"
    "ALPHA,HW,2026-09,1800.00,EUR,INV-903,Laptops\n"
    "ALPHA,HW,2026-09,950.00,USD,INV-904,Training in London\n"
)


def _a_year_of_money(world):
    """Budget from January to December and actuals to August, so the charts have a shape."""
    budget = Budget.objects.get(project=world.alpha, status=Budget.Status.APPROVED)
    for month_number in range(4, 13):
        month = dt.date(2026, month_number, 1)
        BudgetLineFactory(
            budget=budget,
            cost_category=world.labour,
            month=month,
            amount=Decimal(3000 + 400 * (month_number % 5)),
        )
        if month_number <= 8:
            CostLineFactory(
                project=world.alpha,
                cost_category=world.labour,
                month=month,
                amount=Decimal(3100 + 450 * (month_number % 4)),
            )
    for month_number in range(10, 13):
        ForecastFactory(
            project=world.alpha,
            as_of=dt.date(2026, 9, 30),
            month=dt.date(2026, month_number, 1),
            amount=Decimal("4100"),
            method="cpi",
        )
    world.alpha.finish_date = dt.date(2026, 12, 31)
    world.alpha.save()


def _upload(page, content: str) -> None:
    page.select_option("select[name=kind]", "actuals")
    page.set_input_files(
        "input[name=file]",
        files=[
            {"name": "ledger-september.csv", "mimeType": "text/csv", "buffer": content.encode()}
        ],
    )
    page.click("[data-testid=check-file]")


def test_pmo_imports_actuals_fixes_the_file_and_opens_the_financials(
    live_server, page, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    _a_year_of_money(world)
    login(page, live_server.url, world.org.user("pmo_analyst").username, PASSWORD)

    page.click("nav.sidebar >> text=Finance")
    page.click("[data-testid=nav-import]")
    _upload(page, BAD)
    page.wait_for_selector("[data-testid=import-errors]")
    rows = page.locator("[data-testid=import-errors] tbody tr").all_inner_texts()
    assert [" ".join(row.split()) for row in rows] == [
        "3 amount 'four hundred' is not an amount: use digits and a point.",
        "4 project No project with the code ALPAH.",
        "5 currency No exchange rate for GBP in effect on 2026-09-01: add one on the exchange "
        "rates page first.",
    ]
    assert "Nothing was written" in page.inner_text("[data-testid=import-report]")
    assert not CostLine.objects.filter(reference="INV-901").exists()
    screenshot(page, "import-dry-run")

    _upload(page, FIXED)
    page.wait_for_selector("[data-testid=confirm-import]")
    assert "4 to create" in page.inner_text("[data-testid=dry-run-summary]")
    page.click("[data-testid=confirm-import]")
    page.wait_for_selector("[data-testid=import-done]")
    assert CostLine.objects.filter(reference__startswith="INV-90").count() == 4

    page.click("[data-testid=touched-ALPHA]")
    page.wait_for_selector("[data-testid=financials-title]")
    page.wait_for_selector("[data-testid=chart-cumulative] svg")
    page.wait_for_selector("[data-testid=chart-monthly] svg")
    assert "Earned value (CPI)" in page.inner_text("[data-testid=eac-method]")
    assert "INV-904" in page.inner_text("[data-testid=cost-lines-table]")
    # The USD line converted at September's rate (0.70 since 15 March).
    assert "665.00" in page.inner_text("[data-testid=cost-lines-table]")
    screenshot(page, "financials")
    assert page.console_errors == []
