"""The finance API: numbers, writes, files, permissions for every endpoint, and the roll-up's
pinned query count."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from steerco.finance.models import Budget, CostLine, Forecast
from steerco.resources.models import Timesheet
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    CostLineFactory,
    ForecastFactory,
    PersonFactory,
    PortfolioFactory,
    ProjectFactory,
    ProjectMemberFactory,
    TaskFactory,
    TimesheetEntryFactory,
    TimesheetFactory,
)
from tests.finance.conftest import AS_OF, MAR

pytestmark = pytest.mark.django_db
JSON = "application/json"


def test_the_project_summary_in_json(world, api_client):
    body = (
        api_client(world.pm)
        .get(f"/api/v1/finance/projects/{world.alpha.pk}/summary", {"as_of": AS_OF.isoformat()})
        .json()
    )
    assert (body["currency"], body["bac"], body["actual"], body["eac"]) == (
        "EUR",
        "5000.00",
        "4240.00",
        "5000.00",
    )
    assert (body["eac_method"], body["eac_method_label"]) == (
        "budget_remaining",
        "Remaining budget",
    )
    assert {e["method"]: e["eac"] for e in body["estimates"]}["cpi"] == "6057.14"
    assert [m["month"] for m in body["months"]] == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert body["earned_value"]["cpi"] == "0.8255"


def test_budget_forecast_and_cost_line_writes(world, api_client):
    pmo = api_client(world.org.user("pmo_analyst"))
    created = pmo.post(
        f"/api/v1/finance/projects/{world.alpha.pk}/budgets",
        {
            "note": "v3",
            "lines": [
                {"cost_category_id": world.labour.pk, "month": "2026-04-01", "amount": "100"}
            ],
        },
        content_type=JSON,
    )
    assert created.status_code == 201 and created.json()["version"] == 3
    budget_id = created.json()["id"]
    detail = pmo.get(f"/api/v1/finance/budgets/{budget_id}").json()
    assert detail["lines"][0]["cost_category_code"] == "LAB"
    assert pmo.post(f"/api/v1/finance/budgets/{budget_id}/approve").json()["status"] == "approved"
    assert pmo.post(f"/api/v1/finance/budgets/{budget_id}/approve").status_code == 409

    bad = pmo.post(
        f"/api/v1/finance/projects/{world.alpha.pk}/budgets",
        {"lines": [{"cost_category_id": world.labour.pk, "month": "2026-04-02", "amount": "1"}]},
        content_type=JSON,
    )
    assert bad.status_code == 422 and "lines[0].month" in bad.json()["errors"]

    line = pmo.post(
        f"/api/v1/finance/projects/{world.bravo.pk}/cost-lines",
        {"cost_category_id": world.labour.pk, "month": "2026-03-01", "amount": "10"},
        content_type=JSON,
    )
    assert line.status_code == 201
    assert (line.json()["currency"], line.json()["amount_org_currency"]) == ("USD", "8.00")
    listed = pmo.get(f"/api/v1/finance/projects/{world.bravo.pk}/cost-lines").json()
    assert listed["count"] == 2

    forecast = api_client(world.pm).post(
        f"/api/v1/finance/projects/{world.alpha.pk}/forecasts",
        {"method": "budget_remaining", "as_of": AS_OF.isoformat()},
        content_type=JSON,
    )
    assert forecast.status_code == 201
    assert (forecast.json()["label"], forecast.json()["formula"]) == (
        "Remaining budget",
        "EAC = AC + max(0, BAC - AC)",
    )
    rows = api_client(world.pm).get(f"/api/v1/finance/projects/{world.alpha.pk}/forecasts").json()
    assert {row["method"] for row in rows["items"]} == {"budget_remaining"}


def test_rollups_and_rates(world, api_client):
    reader = api_client(world.org.user("executive"))
    rollup = reader.get(
        f"/api/v1/finance/portfolios/{world.portfolio.pk}/rollup", {"as_of": AS_OF.isoformat()}
    ).json()
    assert (rollup["totals"]["projects"], rollup["totals"]["bac"]) == (3, "6700.00")
    assert [g["label"] for g in rollup["groups"]] == ["Platform", "Not in a program"]
    program = reader.get(f"/api/v1/finance/programs/{world.program.pk}/rollup").json()
    assert [p["project"]["code"] for p in program["projects"]] == ["ALPHA", "BRAVO"]
    rates = reader.get("/api/v1/finance/exchange-rates").json()
    assert [(r["currency"], r["effective_date"]) for r in rates] == [
        ("USD", "2026-03-15"),
        ("USD", "2026-03-01"),
        ("USD", "2026-01-01"),
    ]
    assert (
        reader.post(
            "/api/v1/finance/exchange-rates",
            {"currency": "GBP", "effective_date": "2026-01-01", "rate_to_org_currency": "1.15"},
            content_type=JSON,
        ).status_code
        == 403
    )
    pmo = api_client(world.org.user("pmo_analyst"))
    set_rate = pmo.post(
        "/api/v1/finance/exchange-rates",
        {"currency": "GBP", "effective_date": "2026-01-01", "rate_to_org_currency": "1.15"},
        content_type=JSON,
    )
    assert set_rate.status_code == 200
    assert pmo.delete(f"/api/v1/finance/exchange-rates/{set_rate.json()['id']}").status_code == 204
    categories = reader.get("/api/v1/finance/cost-categories").json()
    assert [c["code"] for c in categories] == ["HW", "LAB"]


def test_import_dry_run_and_import_through_the_api(world, api_client):
    pmo = api_client(world.org.user("pmo_analyst"))
    bad = b"project,cost_category,month,amount,reference\nALPHA,LAB,2026-03,x,R1\nNOPE,LAB,2026-03,1,R2\n"
    good = b"project,cost_category,month,amount,reference\nALPHA,LAB,2026-03,10,R1\n"

    def upload(content, dry_run):
        return pmo.post(
            "/api/v1/finance/imports/actuals",
            {"file": io.BytesIO(content), "dry_run": "true" if dry_run else "false"},
        )

    dry = upload(bad, True)
    assert dry.status_code == 200, dry.json()
    assert [(e["row"], e["column"]) for e in dry.json()["errors"]] == [
        (2, "amount"),
        (3, "project"),
    ]
    rejected = upload(bad, False)
    assert rejected.status_code == 422
    assert set(rejected.json()["errors"]) == {"row 2, column amount", "row 3, column project"}
    assert not CostLine.objects.filter(reference="R1").exists()
    done = upload(good, False).json()
    assert (done["written"], done["created"]) == (True, 1)
    assert upload(good, False).json()["skipped"] == 1
    assert (
        api_client(world.org.user("resource_manager"))
        .post("/api/v1/finance/imports/actuals", {"file": io.BytesIO(good)})
        .status_code
        == 403
    )
    assert (
        pmo.post("/api/v1/finance/imports/budgets", {"file": io.BytesIO(good)}).status_code == 404
    )


def test_exports_in_both_formats(world, api_client):
    pmo = api_client(world.org.user("pmo_analyst"))
    text = pmo.get("/api/v1/finance/exports/actuals", {"project": "BRAVO"}).content.decode()
    header, *lines = text.strip().splitlines()
    assert header.startswith("project,cost_category,month,amount,currency,reference")
    assert lines == [
        next(line for line in lines if line.startswith("BRAVO,LAB,2026-02,500.00,USD"))
    ]
    xlsx = pmo.get("/api/v1/finance/exports/people", {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("name", "role", "email")
    assert ("Ada", "DEV", "ada@acme.test") in [row[:3] for row in rows]
    assert pmo.get("/api/v1/finance/exports/actuals", {"format": "pdf"}).status_code == 422
    assert api_client(world.pm).get("/api/v1/finance/exports/people").status_code == 403


def test_every_endpoint_is_not_found_for_an_outsider(world, other_org, api_client):
    outsider = api_client(other_org.user("administrator"))
    budget = Budget.objects.filter(project=world.alpha).first()
    rate_id = world.org.organisation.exchange_rates.first().pk
    alpha, portfolio, program = world.alpha.pk, world.portfolio.pk, world.program.pk
    requests = [
        ("get", f"/api/v1/finance/projects/{alpha}/summary", None),
        ("get", f"/api/v1/finance/projects/{alpha}/budgets", None),
        ("post", f"/api/v1/finance/projects/{alpha}/budgets", {"lines": []}),
        ("get", f"/api/v1/finance/budgets/{budget.pk}", None),
        ("post", f"/api/v1/finance/budgets/{budget.pk}/approve", None),
        ("post", f"/api/v1/finance/budgets/{budget.pk}/reject", {"reason": "no"}),
        ("get", f"/api/v1/finance/projects/{alpha}/cost-lines", None),
        (
            "post",
            f"/api/v1/finance/projects/{alpha}/cost-lines",
            {"cost_category_id": world.labour.pk, "month": "2026-03-01", "amount": "1"},
        ),
        ("get", f"/api/v1/finance/projects/{alpha}/forecasts", None),
        ("post", f"/api/v1/finance/projects/{alpha}/forecasts", {"method": "cpi"}),
        ("get", f"/api/v1/finance/portfolios/{portfolio}/rollup", None),
        ("get", f"/api/v1/finance/programs/{program}/rollup", None),
        ("delete", f"/api/v1/finance/exchange-rates/{rate_id}", None),
    ]
    for method, url, body in requests:
        call = getattr(outsider, method)
        response = call(url, body, content_type=JSON) if body is not None else call(url)
        assert response.status_code == 404, (method, url, response.status_code)
    # Lists and files without an object in the path answer the outsider's own organisation.
    assert outsider.get("/api/v1/finance/exchange-rates").json() == []
    assert outsider.get("/api/v1/finance/exports/actuals").content.decode().count("\n") == 1
    report = outsider.post(
        "/api/v1/finance/imports/actuals",
        {"file": io.BytesIO(b"project,cost_category,month,amount\nALPHA,LAB,2026-03,1\n")},
    ).json()
    assert report["errors"][0]["reason"] == "No project with the code ALPHA."


def test_roles_inside_the_organisation(world, api_client):
    org = world.org
    summary = f"/api/v1/finance/projects/{world.alpha.pk}/summary"
    member = org.user("team_member")
    assert api_client(member).get(summary).status_code == 404
    ProjectMemberFactory(project=world.alpha, user=member)
    assert api_client(member).get(summary).status_code == 403
    for role in ("administrator", "pmo_analyst", "portfolio_manager", "executive"):
        assert api_client(org.user(role)).get(summary).status_code == 200, role
    assert api_client(org.user("resource_manager")).get(summary).status_code == 403
    assert api_client(world.pm).get(summary).status_code == 200
    bravo = f"/api/v1/finance/projects/{world.bravo.pk}/summary"
    assert api_client(world.pm).get(bravo).status_code == 404
    rollup = f"/api/v1/finance/portfolios/{world.portfolio.pk}/rollup"
    assert api_client(world.pm).get(rollup).status_code == 403
    assert (
        api_client(org.user("executive"))
        .post(
            f"/api/v1/finance/projects/{world.alpha.pk}/forecasts",
            {"method": "cpi"},
            content_type=JSON,
        )
        .status_code
        == 403
    )
    assert (
        api_client(world.pm)
        .post(
            f"/api/v1/finance/projects/{world.alpha.pk}/budgets",
            {
                "lines": [
                    {"cost_category_id": world.labour.pk, "month": "2026-04-01", "amount": "1"}
                ]
            },
            content_type=JSON,
        )
        .status_code
        == 403
    )


def _portfolio_of(org, size):
    portfolio = PortfolioFactory(organisation=org.organisation)
    person = PersonFactory(organisation=org.organisation)
    for index in range(size):
        project = ProjectFactory(portfolio=portfolio, currency="USD" if index % 3 == 0 else "")
        budget = BudgetFactory(project=project, version=1, status=Budget.Status.APPROVED)
        for month in (dt.date(2026, 1, 1), dt.date(2026, 2, 1), MAR):
            BudgetLineFactory(budget=budget, month=month, amount=Decimal("1000"))
        CostLineFactory(project=project, month=dt.date(2026, 1, 1))
        ForecastFactory(project=project, as_of=dt.date(2026, 3, 1), month=MAR)
        TaskFactory(project=project, work_minutes=60, percent_complete=Decimal("40"))
        sheet = TimesheetFactory(
            person=person,
            week_start=dt.date(2026, 2, 2) + dt.timedelta(weeks=index),
            status=Timesheet.Status.APPROVED,
        )
        TimesheetEntryFactory(timesheet=sheet, project=project, hours=Decimal("4"))
    return portfolio


def test_the_portfolio_rollup_costs_the_same_queries_at_any_size(world, api_client):
    client = api_client(world.org.user("executive"))
    counts = []
    for size in (3, 12):
        portfolio = _portfolio_of(world.org, size)
        url = f"/api/v1/finance/portfolios/{portfolio.pk}/rollup"
        client.get(url)  # the token's first use writes its last-used time
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"as_of": AS_OF.isoformat()})
        assert response.status_code == 200 and response.json()["totals"]["projects"] == size
        counts.append(len(queries.captured_queries))
    assert counts == [14, 14]
    assert Forecast.objects.count() >= 15
