"""Budgets, cost lines, forecasts and exchange rates: what the services write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.finance import selectors, services
from steerco.finance.models import Budget, CostLine, ExchangeRate, Forecast
from tests.factories import LockedPeriodFactory
from tests.finance.conftest import APR, AS_OF, FEB, JAN, MAR

pytestmark = pytest.mark.django_db
D = Decimal


def test_a_budget_is_drafted_as_the_next_version_and_approval_supersedes_the_last(world):
    pmo = world.org.user("pmo_analyst")
    draft = services.budget_create(
        acting_user=pmo,
        project_id=world.alpha.pk,
        note="Re-plan",
        lines=[
            services.BudgetLineInput(world.labour.pk, MAR, D("1500")),
            services.BudgetLineInput(world.hardware.pk, APR, D("500.50")),
        ],
    )
    assert (draft.version, draft.status, draft.total) == (3, "draft", D("2000.50"))
    assert draft.lines.get(cost_category=world.hardware).expense_type == "capex"
    approved = services.budget_approve(acting_user=pmo, budget_id=draft.pk)
    assert approved.status == "approved" and approved.approved_by == pmo
    statuses = dict(Budget.objects.filter(project=world.alpha).values_list("version", "status"))
    assert statuses == {1: "superseded", 2: "superseded", 3: "approved"}
    assert selectors.project_financials(pmo, world.alpha.pk, as_of=AS_OF).bac == D("2000.50")
    with pytest.raises(Conflict):
        services.budget_approve(acting_user=pmo, budget_id=draft.pk)
    assert AuditEntry.objects.filter(entity_type="finance.budget").count() == 3


def test_a_budget_names_every_bad_line(world):
    with pytest.raises(ValidationFailed) as failure:
        services.budget_create(
            acting_user=world.org.user("portfolio_manager"),
            project_id=world.alpha.pk,
            lines=[
                services.BudgetLineInput(world.labour.pk, dt.date(2026, 3, 5), D("10")),
                services.BudgetLineInput(99999, MAR, D("-1")),
                services.BudgetLineInput(world.labour.pk, MAR, D("10"), expense_type="both"),
            ],
        )
    assert set(failure.value.errors) == {
        "lines[0].month",
        "lines[1].cost_category_id",
        "lines[1].amount",
        "lines[2].expense_type",
    }
    assert Budget.objects.filter(project=world.alpha).count() == 2


def test_only_the_pmo_portfolio_managers_and_administrators_change_budgets(world):
    line = [services.BudgetLineInput(world.labour.pk, MAR, D("1"))]
    for role in ("project_manager", "executive"):
        user = world.pm if role == "project_manager" else world.org.user(role)
        with pytest.raises(AccessDenied):
            services.budget_create(acting_user=user, project_id=world.alpha.pk, lines=line)


def test_a_cost_line_converts_at_its_months_rate_and_respects_closed_books(world):
    pmo = world.org.user("pmo_analyst")
    line = services.cost_line_create(
        acting_user=pmo,
        project_id=world.bravo.pk,
        cost_category_id=world.labour.pk,
        month=MAR,
        amount=D("100"),
        reference="INV-1",
    )
    # BRAVO is in USD: the line defaults to it, at March's 0.80.
    assert (line.currency, line.amount_org_currency, line.source) == ("USD", D("80.00"), "manual")
    with pytest.raises(ValidationFailed) as failure:
        services.cost_line_create(
            acting_user=pmo,
            project_id=world.alpha.pk,
            cost_category_id=world.labour.pk,
            month=MAR,
            amount=D("1.234"),
            currency="GBP",
        )
    assert set(failure.value.errors) == {"amount", "currency"}
    LockedPeriodFactory(organisation=world.org.organisation, until=dt.date(2026, 2, 28))
    with pytest.raises(ValidationFailed) as closed:
        services.cost_line_create(
            acting_user=pmo,
            project_id=world.alpha.pk,
            cost_category_id=world.labour.pk,
            month=FEB,
            amount=D("5"),
        )
    assert "closed until 2026-02-28" in closed.value.errors["month"][0]
    with pytest.raises(AccessDenied):
        services.cost_line_create(
            acting_user=world.pm,
            project_id=world.alpha.pk,
            cost_category_id=world.labour.pk,
            month=MAR,
            amount=D("5"),
        )


def test_a_cpi_forecast_is_stored_by_month_with_its_method_and_date(world):
    result = services.forecast_compute(
        acting_user=world.pm, project_id=world.alpha.pk, method="cpi", as_of=AS_OF
    )
    assert (result.label, result.formula) == ("Earned value (CPI)", "EAC = BAC / CPI")
    assert (result.actual, result.etc, result.eac) == (D("4240.00"), D("1817.14"), D("6057.14"))
    rows = list(
        Forecast.objects.filter(project=world.alpha).values_list(
            "as_of", "month", "expense_type", "amount", "method"
        )
    )
    # The remaining budget is all March labour: the estimate to complete goes there.
    assert rows == [(AS_OF, MAR, "opex", D("1817.14"), "cpi")]
    figures = selectors.project_financials(world.pm, world.alpha.pk, as_of=AS_OF)
    assert (figures.eac, figures.eac_method_label, figures.forecast_as_of) == (
        D("6057.14"),
        "Earned value (CPI)",
        AS_OF,
    )
    # The same day again replaces that day's forecast.
    services.forecast_compute(
        acting_user=world.pm, project_id=world.alpha.pk, method="run_rate", as_of=AS_OF
    )
    run_rate = list(
        Forecast.objects.filter(project=world.alpha)
        .order_by("month", "expense_type")
        .values_list("month", "expense_type", "amount")
    )
    # Even over March and April, split 40/60 between capex and opex like the budget.
    assert run_rate == [
        (MAR, "capex", D("565.33")),
        (MAR, "opex", D("848.00")),
        (APR, "capex", D("565.33")),
        (APR, "opex", D("848.01")),
    ]
    assert selectors.project_financials(world.pm, world.alpha.pk, as_of=AS_OF).eac == D("7066.67")


def test_a_manual_forecast_is_stored_in_the_projects_currency(world):
    pmo = world.org.user("pmo_analyst")
    services.forecast_compute(
        acting_user=pmo,
        project_id=world.bravo.pk,
        method="manual",
        as_of=AS_OF,
        estimate_to_complete=D("900"),
    )
    assert list(Forecast.objects.filter(project=world.bravo).values_list("month", "amount")) == [
        (MAR, D("1125.00"))  # 900 EUR at 0.80
    ]
    figures = selectors.project_financials(pmo, world.bravo.pk, as_of=AS_OF)
    assert (figures.etc, figures.eac, figures.eac_method_label) == (
        D("900.00"),
        D("1350.00"),
        "New estimate (manual)",
    )
    with pytest.raises(ValidationFailed) as failure:
        services.forecast_compute(acting_user=pmo, project_id=world.bravo.pk, method="manual")
    assert "estimate_to_complete" in failure.value.errors
    with pytest.raises(ValidationFailed):
        services.forecast_compute(acting_user=pmo, project_id=world.bravo.pk, method="guess")


def test_a_method_that_does_not_apply_is_refused_with_its_reason(world):
    with pytest.raises(ValidationFailed) as failure:
        services.forecast_compute(
            acting_user=world.org.user("pmo_analyst"),
            project_id=world.charlie.pk,
            method="cpi",
            as_of=AS_OF,
        )
    assert "No approved budget" in failure.value.errors["method"][0]


def test_only_the_projects_manager_or_the_pmo_forecast(world):
    with pytest.raises(AccessDenied):
        services.forecast_compute(
            acting_user=world.org.user("executive"), project_id=world.alpha.pk, method="cpi"
        )
    with pytest.raises(NotFound):
        services.forecast_compute(acting_user=world.pm, project_id=world.bravo.pk, method="cpi")


def test_an_exchange_rate_is_set_replaced_and_deleted_by_the_pmo(world):
    pmo = world.org.user("pmo_analyst")
    rate = services.exchange_rate_set(
        acting_user=pmo, currency="gbp", effective_date=JAN, rate_to_org_currency=D("1.15")
    )
    assert (rate.currency, rate.rate_to_org_currency) == ("GBP", D("1.15"))
    again = services.exchange_rate_set(
        acting_user=pmo, currency="GBP", effective_date=JAN, rate_to_org_currency=D("1.16")
    )
    assert again.pk == rate.pk and ExchangeRate.objects.get(pk=rate.pk).rate_to_org_currency == D(
        "1.16"
    )
    with pytest.raises(ValidationFailed) as failure:
        services.exchange_rate_set(
            acting_user=pmo, currency="EUR", effective_date=JAN, rate_to_org_currency=D("0")
        )
    assert set(failure.value.errors) == {"currency", "rate_to_org_currency"}
    with pytest.raises(AccessDenied):
        services.exchange_rate_set(
            acting_user=world.org.user("portfolio_manager"),
            currency="GBP",
            effective_date=FEB,
            rate_to_org_currency=D("1"),
        )
    services.exchange_rate_delete(acting_user=pmo, rate_id=rate.pk)
    assert not ExchangeRate.objects.filter(currency="GBP").exists()
    assert CostLine.objects.count() == 5
