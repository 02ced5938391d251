"""Money is stored in cents: an amount finer than that is refused by name, never rounded.

Every entry point (the API, the pages, the imports) goes through the services, so each
answers the same message naming the field or the row.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from steerco.core.errors import ValidationFailed
from steerco.finance import services
from steerco.finance.imports import ImportRejected, import_file
from steerco.finance.models import Budget, BudgetLine, CostLine, Forecast
from steerco.projects.models import BusinessCase
from tests.finance.conftest import AS_OF
from tests.finance.test_imports import ACTUALS_HEADER, GOOD_ACTUALS, csv_bytes

pytestmark = pytest.mark.django_db
JSON = "application/json"
TOO_FINE = "at most 2 decimal places"


def test_budget_lines_with_fractions_of_a_cent_are_refused_through_the_api(world, api_client):
    pmo = api_client(world.org.user("pmo_analyst"))
    budgets_before = Budget.objects.count()
    bad = pmo.post(
        f"/api/v1/finance/projects/{world.alpha.pk}/budgets",
        {
            "lines": [
                {"cost_category_id": world.labour.pk, "month": "2026-04-01", "amount": "100"},
                {"cost_category_id": world.hardware.pk, "month": "2026-04-01", "amount": "12.345"},
            ]
        },
        content_type=JSON,
    )
    assert bad.status_code == 422
    errors = bad.json()["errors"]
    assert list(errors) == ["lines[1].amount"]
    assert TOO_FINE in errors["lines[1].amount"][0] and "12.345" in errors["lines[1].amount"][0]
    assert Budget.objects.count() == budgets_before

    # Trailing zeros do not make an amount finer: 12.340 is 12.34.
    good = pmo.post(
        f"/api/v1/finance/projects/{world.alpha.pk}/budgets",
        {
            "lines": [
                {"cost_category_id": world.hardware.pk, "month": "2026-04-01", "amount": "12.340"}
            ]
        },
        content_type=JSON,
    )
    assert good.status_code == 201
    assert BudgetLine.objects.get(budget_id=good.json()["id"]).amount == Decimal("12.34")


def test_a_cost_line_with_fractions_of_a_cent_is_refused_through_the_api(world, api_client):
    before = CostLine.objects.count()
    bad = api_client(world.org.user("pmo_analyst")).post(
        f"/api/v1/finance/projects/{world.alpha.pk}/cost-lines",
        {"cost_category_id": world.labour.pk, "month": "2026-03-01", "amount": "10.005"},
        content_type=JSON,
    )
    assert bad.status_code == 422
    assert TOO_FINE in bad.json()["errors"]["amount"][0]
    assert CostLine.objects.count() == before


def test_the_budget_page_marks_the_row_with_fractions_of_a_cent(world):
    client = Client()
    client.force_login(world.org.user("pmo_analyst"))
    budgets_before = Budget.objects.count()
    response = client.post(
        f"/finance/projects/{world.alpha.pk}/budget/",
        {
            "rows": "2",
            "line-0-category": str(world.labour.pk),
            "line-0-month": "2026-04",
            "line-0-amount": "100",
            "line-1-category": str(world.hardware.pk),
            "line-1-month": "2026-04",
            "line-1-amount": "99.999",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="row-error" data-testid="budget-row-1"' in html
    assert 'class="row-error" data-testid="budget-row-0"' not in html
    assert "Use at most 2 decimal places: 99.999 would have to be rounded." in html
    assert Budget.objects.count() == budgets_before


def test_the_cost_page_names_the_amount_with_fractions_of_a_cent(world):
    client = Client()
    client.force_login(world.org.user("pmo_analyst"))
    before = CostLine.objects.count()
    response = client.post(
        f"/finance/projects/{world.alpha.pk}/costs/new/",
        {"category": world.labour.pk, "month": "2026-03", "amount": "250.505"},
    )
    assert response.status_code == 422
    assert 'data-testid="error-amount"' in response.content.decode()
    assert TOO_FINE in response.content.decode()
    assert CostLine.objects.count() == before


def test_an_actuals_file_with_one_amount_finer_than_cents_imports_nothing(world):
    before = CostLine.objects.count()
    rows = [ACTUALS_HEADER, *GOOD_ACTUALS, ["ALPHA", "LAB", "2026-03", "10.001", "", "INV-9"]]
    with pytest.raises(ImportRejected) as rejected:
        import_file(
            acting_user=world.org.user("pmo_analyst"),
            kind="actuals",
            filename="actuals.csv",
            content=csv_bytes(rows),
            dry_run=False,
        )
    assert rejected.value.errors == {
        "row 6, column amount": ["Use at most 2 decimal places: 10.001 would have to be rounded."]
    }
    assert CostLine.objects.count() == before


def test_a_manual_forecast_finer_than_cents_is_refused(world):
    with pytest.raises(ValidationFailed) as failure:
        services.forecast_compute(
            acting_user=world.pm,
            project_id=world.alpha.pk,
            method="manual",
            as_of=AS_OF,
            estimate_to_complete=Decimal("500.125"),
        )
    assert TOO_FINE in failure.value.errors["estimate_to_complete"][0]
    assert not Forecast.objects.filter(project=world.alpha, as_of=AS_OF).exists()


def test_business_case_cash_flows_finer_than_cents_are_refused_through_the_api(world, api_client):
    manager = api_client(world.pm)
    url = f"/api/v1/projects/{world.alpha.pk}/business-cases"
    line = {"month_index": 0, "kind": "cost", "category": "capex"}
    bad = manager.post(
        url,
        {
            "summary": "s",
            "lines": [{**line, "amount": "1000"}, {**line, "month_index": 1, "amount": "0.125"}],
        },
        content_type=JSON,
    )
    assert bad.status_code == 422
    assert list(bad.json()["errors"]) == ["lines[1].amount"]
    assert TOO_FINE in bad.json()["errors"]["lines[1].amount"][0]
    assert not BusinessCase.objects.filter(project=world.alpha).exists()
    good = manager.post(
        url, {"summary": "s", "lines": [{**line, "amount": "0.500"}]}, content_type=JSON
    )
    assert good.status_code == 201
    assert good.json()["lines"][0]["amount"] == "0.50"
