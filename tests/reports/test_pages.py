"""The dashboard and pack pages through the test client: content, CSP, access, query counts."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from steerco.accounts.models import User
from steerco.comms.models import Subscription
from steerco.finance.models import Budget
from steerco.governance.models import StatusReport
from steerco.jobs.models import Job
from steerco.projects.models import BusinessCase
from tests.factories import (
    BudgetFactory,
    BudgetLineFactory,
    BusinessCaseFactory,
    CashFlowLineFactory,
    CostLineFactory,
    MilestoneFactory,
    PortfolioFactory,
    ProjectFactory,
    RaidItemFactory,
    RoleDemandFactory,
    StatusReportFactory,
    nth_month,
)
from tests.reports.conftest import sheet_rows

pytestmark = pytest.mark.django_db

CHART_IDS = [
    "chart-rag-heatmap",
    "chart-value-risk",
    "chart-roadmap",
    "chart-budget-burn",
    "chart-capacity",
    "chart-slippage",
]


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_embeds_every_chart_spec(world):
    response = client_for(world.org.user("executive")).get("/reports/?as_of=2026-03-15")

    assert response.status_code == 200
    html = response.content.decode()
    for chart_id in CHART_IDS:
        assert f'data-spec-id="{chart_id}"' in html
        match = re.search(rf'<script id="{chart_id}" type="application/json">(.*?)</script>', html)
        assert match, chart_id
        spec = json.loads(match.group(1))
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert spec["usermeta"]["embedOptions"]["defaultStyle"] is False
    assert 'data-testid="watch-list"' in html and "Go-live" in html
    assert "DIG-1" in html and "OPS-9" not in html  # the idea is not on the dashboard


def test_import_map_is_the_only_inline_script_and_its_hash_is_allowed(world):
    response = client_for(world.org.user("executive")).get("/reports/")
    html = response.content.decode()

    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html, re.S)
    executable = [body for attributes, body in inline if "application/json" not in attributes]
    assert len(executable) == 1
    digest = base64.b64encode(hashlib.sha256(executable[0].encode()).digest()).decode()
    policy = response["Content-Security-Policy"]
    script_sources = next(p for p in policy.split(";") if p.strip().startswith("script-src"))
    assert f"'sha256-{digest}'" in script_sources
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    imports = json.loads(executable[0])["imports"]
    assert imports["vega-interpreter"].endswith("vega-interpreter/build/vega-interpreter.js")


def test_other_pages_keep_the_strict_policy(world):
    response = client_for(world.org.user("executive")).get("/reports/pack/")

    assert "sha256-" not in response["Content-Security-Policy"]


def test_project_manager_sees_their_projects_and_no_pack_link(world):
    response = client_for(world.org.user("project_manager")).get("/reports/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "My projects" in html and "DIG-1" in html and "DIG-2" not in html
    assert 'data-testid="pack-link"' not in html


def test_outsiders(world, other_org):
    assert Client().get("/reports/").status_code == 302  # to the login page
    homeless = User.objects.create_user(username="nobody", password="x" * 12)
    assert client_for(homeless).get("/reports/").status_code == 403
    other = client_for(other_org.user("executive"))
    assert other.get(f"/reports/?portfolio={world.digital.pk}").status_code == 404
    page = other.get("/reports/").content.decode()
    assert "DIG-1" not in page


def test_dashboard_xlsx_has_a_sheet_per_table(world):
    response = client_for(world.org.user("executive")).get("/reports/?format=xlsx&as_of=2026-03-15")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == [
        "Health", "Watch list", "Milestones", "Budget burn", "Capacity", "Slippage",
    ]  # fmt: skip
    health = sheet_rows(response.content, "Health")
    assert [row[0] for row in health[1:]] == ["DIG-1", "DIG-2", "OPS-1"]
    assert health[1][6] == "red"
    assert sheet_rows(response.content, "Budget burn")[-1][3] == 1000


@pytest.mark.parametrize(
    "name",
    ["projects", "portfolios", "people", "roles", "raid-items", "status-reports", "milestones"],
)
def test_every_list_exports(world, name):
    response = client_for(world.org.user("executive")).get(f"/reports/export/{name}.xlsx")

    assert response.status_code == 200
    assert f"steerco-{name}-" in response["Content-Disposition"]
    assert len(sheet_rows(response.content)) >= 2


def test_list_export_follows_the_list_filters_and_access(world):
    manager = client_for(world.org.user("project_manager"))
    rows = sheet_rows(manager.get("/reports/export/projects.xlsx").content)
    assert [row[0] for row in rows[1:]] == ["DIG-1"]

    executive = client_for(world.org.user("executive"))
    filtered = executive.get("/reports/export/projects.xlsx?stage=on_hold")
    rows = sheet_rows(filtered.content)
    assert [row[0] for row in rows[1:]] == ["OPS-1"]
    assert executive.get("/reports/export/portfolios.xlsx?sort=nonsense").status_code == 400
    assert executive.get("/reports/export/secrets.xlsx").status_code == 404


def test_pack_page_is_for_pack_readers(world):
    assert client_for(world.org.user("project_manager")).get("/reports/pack/").status_code == 403
    response = client_for(world.org.user("executive")).get("/reports/pack/")
    assert response.status_code == 200
    assert 'data-testid="pack-form"' in response.content.decode()


def test_subscribe_and_unsubscribe_from_the_page(world):
    executive = world.org.user("executive")
    client = client_for(executive)

    response = client.post(
        "/reports/subscriptions/", {"portfolio": world.digital.pk, "frequency": "monthly"}
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get(user=executive)
    assert (subscription.portfolio, subscription.frequency) == (world.digital, "monthly")
    assert "Digital" in client.get("/reports/pack/").content.decode()

    client.post(f"/reports/subscriptions/{subscription.pk}/delete/")
    assert not Subscription.objects.filter(user=executive).exists()


def add_projects(org, count: int) -> None:
    """``count`` running projects, each with every figure the dashboard reads."""
    portfolio = PortfolioFactory(organisation=org.organisation)
    for index in range(count):
        project = ProjectFactory(portfolio=portfolio, mission_critical=index % 2 == 0)
        StatusReportFactory(project=project, status=StatusReport.Status.SUBMITTED, overall="amber")
        case = BusinessCaseFactory(project=project, status=BusinessCase.Status.APPROVED)
        CashFlowLineFactory(business_case=case, month_index=0)
        CashFlowLineFactory(
            business_case=case, kind="benefit", category="cost_saving", month_index=6
        )
        budget = BudgetFactory(project=project, status=Budget.Status.APPROVED, total=Decimal(24000))
        BudgetLineFactory(budget=budget, month=nth_month(0))
        BudgetLineFactory(budget=budget, month=nth_month(1))
        CostLineFactory(project=project, month=nth_month(0))
        RaidItemFactory(project=project)
        MilestoneFactory(project=project, is_key=True, baseline_date=nth_month(2))
        RoleDemandFactory(project=project, month=nth_month(2))


def dashboard_queries(org) -> int:
    client = client_for(org.user("executive"))
    client.get("/reports/?as_of=2026-02-15")  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/reports/?as_of=2026-02-15")
    assert response.status_code == 200
    return len(queries)


def test_dashboard_queries_do_not_grow_with_the_portfolio(org):
    add_projects(org, 2)
    small = dashboard_queries(org)
    add_projects(org, 8)
    large = dashboard_queries(org)

    assert (small, large) == (14, 14)


def test_pack_page_queues_a_job_and_follows_it(world):
    client = client_for(world.org.user("executive"))

    response = client.post("/reports/pack/", {"portfolio": world.ops.pk})

    job = Job.objects.get(kind="reports.executive_pack")
    assert response.status_code == 302
    assert response["Location"] == f"/reports/pack/?job={job.pk}"
    assert job.params["portfolio_id"] == world.ops.pk
    status = client.get(f"/reports/pack/{job.pk}/status/").content.decode()
    assert 'data-state="queued"' in status and "hx-get" in status
    assert client.get(f"/reports/pack/{job.pk}/download/").status_code == 409
    manager = client_for(world.org.user("project_manager"))
    assert manager.get(f"/reports/pack/{job.pk}/status/").status_code == 403
    assert manager.get("/reports/pack.pdf").status_code == 403
