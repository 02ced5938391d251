"""Budget lines and hand-typed costs: the pages and the API, who may, all or nothing, queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from steerco.finance.models import Budget, BudgetLine, CostLine
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    CostCategoryFactory,
    CostLineFactory,
    PortfolioFactory,
    ProjectFactory,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"
JAN, FEB = dt.date(2026, 1, 1), dt.date(2026, 2, 1)


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def money(org):
    o = org.organisation
    labour = CostCategoryFactory(organisation=o, code="LAB", name="Labour", expense_type="opex")
    hardware = CostCategoryFactory(organisation=o, code="HW", name="Hardware", expense_type="capex")
    portfolio = PortfolioFactory(organisation=o)
    alpha = ProjectFactory(
        portfolio=portfolio, code="ALPHA", currency="EUR", manager=org.user("project_manager")
    )
    approved = BudgetFactory(project=alpha, version=1, status=Budget.Status.APPROVED)
    BudgetLineFactory(budget=approved, cost_category=labour, month=JAN, amount=Decimal("1000"))
    return {"labour": labour, "hardware": hardware, "alpha": alpha, "approved": approved}


def budget_url(money):
    return f"/finance/projects/{money['alpha'].pk}/budget/"


def grid(rows):
    data = {"rows": str(len(rows))}
    for index, (category, month, kind, amount) in enumerate(rows):
        data.update(
            {
                f"line-{index}-category": str(category.pk) if category else "",
                f"line-{index}-month": month,
                f"line-{index}-expense_type": kind,
                f"line-{index}-amount": amount,
            }
        )
    return data


def test_a_pmo_analyst_drafts_the_next_version_from_the_approved_one(org, money):
    client = client_for(org.user("pmo_analyst"))
    page = client.get(budget_url(money))
    assert page.status_code == 200
    assert 'value="2026-01"' in page.content.decode()

    response = client.post(
        budget_url(money),
        grid([(money["labour"], "2026-01", "", "1200"), (money["hardware"], "2026-02", "", "500")]),
    )

    assert response.status_code == 302
    draft = Budget.objects.get(project=money["alpha"], version=2)
    assert (draft.status, draft.total) == ("draft", Decimal("1700.00"))
    assert {(line.cost_category.code, line.expense_type) for line in draft.lines.all()} == {
        ("LAB", "opex"),
        ("HW", "capex"),
    }
    # Saving again edits that draft rather than drafting v3.
    again = client.post(budget_url(money), grid([(money["labour"], "2026-01", "capex", "900")]))
    assert again.status_code == 302
    draft.refresh_from_db()
    assert (Budget.objects.count(), draft.total) == (2, Decimal("900.00"))
    assert draft.lines.get().expense_type == "capex"


def test_a_bad_row_is_marked_and_nothing_is_saved(org, money):
    client = client_for(org.user("portfolio_manager"))
    response = client.post(
        budget_url(money),
        grid(
            [
                (money["labour"], "2026-01", "", "1200"),
                (money["hardware"], "2026-02", "", "-5"),
                (None, "", "", ""),
                (money["labour"], "March", "", "10"),
            ]
        ),
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "1 problem: nothing was saved" in html
    assert 'class="row-error" data-testid="budget-row-3"' in html
    assert 'data-testid="budget-row-0">' in html
    assert 'value="March"' in html
    # The month corrected, the service's own checks mark the negative amount's row.
    fixed = client.post(
        budget_url(money),
        grid(
            [
                (money["labour"], "2026-01", "", "1200"),
                (money["hardware"], "2026-02", "", "-5"),
                (None, "", "", ""),
                (money["labour"], "2026-03", "", "10"),
            ]
        ),
    )
    assert fixed.status_code == 422
    html = fixed.content.decode()
    assert 'class="row-error" data-testid="budget-row-1"' in html
    assert 'class="row-error" data-testid="budget-row-3"' not in html
    assert "A budget amount is zero or more." in html
    assert Budget.objects.count() == 1


@pytest.mark.parametrize("role", ["project_manager", "resource_manager", "executive"])
def test_others_may_not_edit_budget_lines(org, money, role):
    client = client_for(org.user(role))
    assert client.get(budget_url(money)).status_code == 403
    assert client.post(budget_url(money), grid([])).status_code == 403


def test_the_budget_page_takes_a_fixed_number_of_queries(org, money, django_assert_max_num_queries):
    for month in range(1, 13):
        BudgetLineFactory(
            budget=money["approved"],
            cost_category=money["hardware"],
            month=dt.date(2026, month, 1),
            amount=Decimal("10"),
        )
    client = client_for(org.user("pmo_analyst"))
    with django_assert_max_num_queries(8):
        assert client.get(budget_url(money)).status_code == 200


def test_budget_lines_through_the_api_are_all_or_nothing(org, money, api_client):
    client = api_client(org.user("pmo_analyst"))
    draft = BudgetFactory(project=money["alpha"], version=2, status=Budget.Status.DRAFT)
    url = f"/api/v1/finance/budgets/{draft.pk}/lines"
    bad = client.put(
        url,
        {
            "lines": [
                {"cost_category_id": money["labour"].pk, "month": "2026-01-01", "amount": "5"},
                {"cost_category_id": 999999, "month": "2026-01-15", "amount": "5"},
            ]
        },
        content_type=JSON,
    )
    assert bad.status_code == 422
    assert {"lines[1].cost_category_id", "lines[1].month"} <= set(str(bad.json()).split("'"))
    assert not BudgetLine.objects.filter(budget=draft).exists()
    good = client.put(
        url,
        {"lines": [{"cost_category_id": money["labour"].pk, "month": "2026-01-01", "amount": "5"}]},
        content_type=JSON,
    )
    assert good.status_code == 200
    assert good.json()["budget"]["total"] == "5.00"
    approved = client.put(
        f"/api/v1/finance/budgets/{money['approved'].pk}/lines", {"lines": []}, content_type=JSON
    )
    assert approved.status_code == 409
    outsider = api_client(org.user("project_manager")).put(url, {"lines": []}, content_type=JSON)
    assert outsider.status_code == 403


# -- cost lines --------------------------------------------------------------------------------


def test_a_pmo_analyst_records_corrects_and_removes_a_cost(org, money):
    client = client_for(org.user("pmo_analyst"))
    new_url = f"/finance/projects/{money['alpha'].pk}/costs/new/"
    assert client.get(new_url).status_code == 200
    created = client.post(
        new_url,
        {
            "category": money["hardware"].pk,
            "month": "2026-02",
            "amount": "250.50",
            "reference": "INV-7",
        },
    )
    assert created.status_code == 302
    line = CostLine.objects.get()
    assert (line.amount, line.expense_type, line.source) == (Decimal("250.50"), "capex", "manual")

    bad = client.post(
        f"/finance/costs/{line.pk}/",
        {"category": money["hardware"].pk, "month": "2026-02", "amount": "many"},
    )
    assert bad.status_code == 422
    assert 'data-testid="error-amount"' in bad.content.decode()
    fixed = client.post(
        f"/finance/costs/{line.pk}/",
        {"category": money["labour"].pk, "month": "2026-01", "amount": "300", "reference": "INV-7"},
    )
    assert fixed.status_code == 302
    line.refresh_from_db()
    assert (line.amount, line.month, line.cost_category) == (
        Decimal("300.00"),
        JAN,
        money["labour"],
    )
    assert client.post(f"/finance/costs/{line.pk}/delete/").status_code == 302
    assert not CostLine.objects.exists()


def test_imported_costs_are_corrected_at_their_source(org, money, api_client):
    imported = CostLineFactory(
        project=money["alpha"], cost_category=money["labour"], source="import"
    )
    client = api_client(org.user("pmo_analyst"))
    response = client.delete(f"/api/v1/finance/cost-lines/{imported.pk}")
    assert response.status_code == 409
    assert CostLine.objects.filter(pk=imported.pk).exists()


@pytest.mark.parametrize("role", ["project_manager", "portfolio_manager", "team_member"])
def test_only_the_pmo_and_administrators_record_costs(org, money, role, api_client):
    line = CostLineFactory(project=money["alpha"], cost_category=money["labour"], source="manual")
    client = client_for(org.user(role))
    assert client.get(f"/finance/projects/{money['alpha'].pk}/costs/new/").status_code in (
        403,
        404,
    )
    assert client.post(f"/finance/costs/{line.pk}/delete/").status_code in (403, 404)
    response = api_client(org.user(role)).put(
        f"/api/v1/finance/cost-lines/{line.pk}",
        {"cost_category_id": money["labour"].pk, "month": "2026-01-01", "amount": "1"},
        content_type=JSON,
    )
    assert response.status_code in (403, 404)
    assert CostLine.objects.get(pk=line.pk).amount == line.amount


def test_another_organisation_does_not_find_the_cost(org, other_org, money, api_client):
    line = CostLineFactory(project=money["alpha"], cost_category=money["labour"], source="manual")
    response = api_client(other_org.user("pmo_analyst")).delete(
        f"/api/v1/finance/cost-lines/{line.pk}"
    )
    assert response.status_code == 404


def test_a_cost_update_through_the_api(org, money, api_client):
    line = CostLineFactory(project=money["alpha"], cost_category=money["labour"], source="manual")
    response = api_client(org.user("administrator")).put(
        f"/api/v1/finance/cost-lines/{line.pk}",
        {"cost_category_id": money["hardware"].pk, "month": "2026-02-01", "amount": "-40"},
        content_type=JSON,
    )
    assert response.status_code == 200
    assert (response.json()["amount"], response.json()["expense_type"]) == ("-40.00", "capex")


def test_the_financials_page_links_the_editors(org, money, django_assert_max_num_queries):
    CostLineFactory(project=money["alpha"], cost_category=money["labour"], source="manual")
    html = client_for(org.user("pmo_analyst")).get(f"/finance/projects/{money['alpha'].pk}/")
    text = html.content.decode()
    assert 'data-testid="edit-budget-lines"' in text and 'data-testid="add-cost-line"' in text
    pm = client_for(org.user("project_manager")).get(f"/finance/projects/{money['alpha'].pk}/")
    assert 'data-testid="edit-budget-lines"' not in pm.content.decode()
    assert 'data-testid="add-cost-line"' not in pm.content.decode()


def test_the_cost_form_takes_a_fixed_number_of_queries(org, money, django_assert_max_num_queries):
    line = CostLineFactory(project=money["alpha"], cost_category=money["labour"], source="manual")
    client = client_for(org.user("pmo_analyst"))
    with django_assert_max_num_queries(6):
        assert client.get(f"/finance/projects/{money['alpha'].pk}/costs/new/").status_code == 200
    with django_assert_max_num_queries(8):
        assert client.get(f"/finance/costs/{line.pk}/").status_code == 200


@pytest.mark.parametrize("category", ["²", "9" * 40])
def test_a_category_that_is_not_a_plain_id_is_a_field_error_not_a_crash(org, money, category):
    client = client_for(org.user("pmo_analyst"))
    answer = client.post(
        f"/finance/projects/{money['alpha'].pk}/costs/new/",
        {"category": category, "month": "2026-02", "amount": "10"},
    )
    assert answer.status_code == 422
    assert "Choose a cost category." in answer.content.decode()
    assert not CostLine.objects.exists()


def test_money_far_outside_any_plausible_month_is_refused(org, money, api_client):
    client = api_client(org.user("pmo_analyst"))
    draft = BudgetFactory(project=money["alpha"], version=2, status=Budget.Status.DRAFT)
    answer = client.put(
        f"/api/v1/finance/budgets/{draft.pk}/lines",
        {
            "lines": [
                {"cost_category_id": money["labour"].pk, "month": "0001-01-01", "amount": "5"},
                {"cost_category_id": money["labour"].pk, "month": "9999-12-01", "amount": "5"},
            ]
        },
        content_type=JSON,
    )
    assert answer.status_code == 422
    assert {"lines[0].month", "lines[1].month"} <= set(str(answer.json()).split("'"))
    assert not BudgetLine.objects.filter(budget=draft).exists()
    cost = client_for(org.user("pmo_analyst")).post(
        f"/finance/projects/{money['alpha'].pk}/costs/new/",
        {"category": money["hardware"].pk, "month": "2999-02", "amount": "10"},
    )
    assert cost.status_code == 422
    assert "Use a month from 1990-01 to 2100-12." in cost.content.decode()
