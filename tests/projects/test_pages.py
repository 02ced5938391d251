"""Project pages through the test client: htmx fragments, forms with field errors, access."""

from __future__ import annotations

import pytest
from django.test import Client

from steerco.core.models import AuditEntry
from steerco.projects.models import BusinessCase, Project, ProjectMember
from tests.factories import BusinessCaseFactory, CashFlowLineFactory, CategoryFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grid(rows: list[dict[str, str]], **extra: str) -> dict[str, str]:
    """The business case form's POST data with ``rows`` in its cash-flow grid."""
    data = {
        "lines-TOTAL_FORMS": str(len(rows)),
        "lines-INITIAL_FORMS": "0",
        "summary": "Automate invoice matching",
        "start_month": "2026-01",
        **extra,
    }
    for index, row in enumerate(rows):
        for name in ("month_index", "kind", "category", "amount", "description"):
            data[f"lines-{index}-{name}"] = row.get(name, "")
    return data


COST = {"month_index": "0", "kind": "cost", "category": "capex", "amount": "40000"}
BENEFIT = {"month_index": "2", "kind": "benefit", "category": "revenue", "amount": "9000.50"}


def test_list_page_and_its_htmx_fragment(org, make_project):
    make_project(code="ERP-1", name="Ledger")
    make_project(code="WEB-1", name="Shop")
    client = client_for(org.user("project_manager"))
    page = client.get("/projects/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<html" in html and 'id="project-table"' in html and "ERP-1" in html
    assert 'hx-push-url="true"' in html
    fragment = client.get("/projects/?search=shop", HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "<html" not in body and "WEB-1" in body and "ERP-1" not in body
    assert 'data-testid="project-count">1 project<' in body
    assert "HX-Request" in fragment["Vary"]
    restore = client.get(
        "/projects/?search=shop", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true"
    )
    assert "<html" in restore.content.decode()
    # Sorting links keep the filters and toggle the direction.
    sorted_page = client.get("/projects/?search=1&sort=name").content.decode()
    assert "?search=1&amp;sort=-name" in sorted_page
    assert client.get("/projects/?sort=bogus&stage=nope").status_code == 200


def test_list_page_paginates(org, make_project):
    for number in range(27):
        make_project(code=f"P-{number:02d}")
    client = client_for(org.user("executive"))
    first = client.get("/projects/").content.decode()
    assert "Page 1 of 2" in first and "P-24" in first and "P-25" not in first
    second = client.get("/projects/?page=2").content.decode()
    assert "P-25" in second and "P-26" in second and "P-00" not in second


@pytest.mark.parametrize("role", ["pmo_analyst", "team_member"])
def test_list_page_runs_the_same_queries_for_3_and_30_projects(
    org, make_project, role, django_assert_num_queries
):
    user = org.user(role)
    client = client_for(user)
    for size in (3, 30):
        while Project.objects.count() < size:
            project = make_project(category=CategoryFactory(organisation=org.organisation))
            ProjectMember.objects.create(project=project, user=org.user("team_member"))
        # session, user, 4 filter option lists, organisation name, count, page of projects
        with django_assert_num_queries(9):
            response = client.get("/projects/?sort=-stage")
        assert response.context["page"].paginator.count == size
        assert len(response.context["page"].object_list) == min(size, 25)


def test_create_form_shows_errors_beside_fields_and_writes_nothing(org, portfolio):
    client = client_for(org.user("project_manager"))
    assert client.get("/projects/new/").status_code == 200
    before = (Project.objects.count(), AuditEntry.objects.count())
    response = client.post(
        "/projects/new/",
        {"code": "", "name": "Robots", "portfolio_id": portfolio.pk, "discount_rate": "3"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="error-code"' in html and "This field is required." in html
    assert 'data-testid="error-discount_rate"' in html
    assert 'value="Robots"' in html  # what was typed is kept
    assert (Project.objects.count(), AuditEntry.objects.count()) == before
    created = client.post(
        "/projects/new/", {"code": "OPS-9", "name": "Robots", "portfolio_id": portfolio.pk}
    )
    project = Project.objects.get(code="OPS-9")
    assert created.status_code == 302 and created["Location"] == f"/projects/{project.pk}/"
    assert project.manager == org.user("project_manager")


def test_edit_form_sends_only_changes_and_proposes_an_idea(org, project):
    client = client_for(org.user("project_manager"))
    form = client.get(f"/projects/{project.pk}/edit/")
    assert form.status_code == 200
    assert 'type="date" name="start_date" value="2026-01-01"' in form.content.decode()
    data = {
        name: value if value is not None else ""
        for name, value in form.context["form"].initial.items()
        if name in form.context["form"].fields
    }
    data.update({"name": "Invoice robots", "stage": "proposal"})
    data = {k: v for k, v in data.items() if v is not False}
    response = client.post(f"/projects/{project.pk}/edit/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    project.refresh_from_db()
    assert (project.name, project.stage) == ("Invoice robots", "proposal")
    entry = AuditEntry.objects.get(action="update", entity_id=str(project.pk))
    assert set(entry.after) == {"name", "stage", "stage_changed_at"}
    # Past the idea, the stage is no longer on the form.
    assert "stage" not in client.get(f"/projects/{project.pk}/edit/").context["form"].fields


def test_pages_are_404_for_outsiders_and_403_for_insufficient_roles(
    org, other_org, project, second_manager
):
    case = BusinessCaseFactory(project=project)
    pages = [
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/edit/",
        f"/projects/{project.pk}/business-cases/new/",
        f"/projects/business-cases/{case.pk}/edit/",
    ]
    outsider = client_for(other_org.user("administrator"))
    for url in pages:
        assert outsider.get(url).status_code == 404, url
    assert outsider.post(f"/projects/{project.pk}/delete/").status_code == 404
    assert outsider.post(f"/projects/business-cases/{case.pk}/submit/").status_code == 404
    another_manager = client_for(second_manager)
    assert another_manager.get(pages[0]).status_code == 404  # not theirs: invisible
    executive = client_for(org.user("executive"))
    assert executive.get(pages[0]).status_code == 200
    for url in pages[1:]:
        response = executive.get(url)
        assert response.status_code == 403, url
        assert 'data-testid="forbidden"' in response.content.decode()
    assert client_for(org.user("team_member")).get("/projects/new/").status_code == 403
    assert Project.objects.filter(pk=project.pk).exists()


def test_business_case_grid_adds_rows_reports_line_errors_and_saves(org, project):
    client = client_for(org.user("project_manager"))
    url = f"/projects/{project.pk}/business-cases/new/"
    assert len(client.get(url).context["formset"].forms) == 3
    added = client.post(url, grid([COST], add_row="1"))
    assert len(added.context["formset"].forms) == 2
    assert added.context["formset"].forms[0]["amount"].value() == "40000"
    assert BusinessCase.objects.count() == 0

    bad = client.post(url, grid([COST, {**BENEFIT, "amount": "-3"}, {}]))
    html = bad.content.decode()
    assert bad.status_code == 200
    assert 'data-testid="error-lines-1-amount"' in html
    assert 'data-testid="error-lines-0-amount"' not in html
    assert BusinessCase.objects.count() == 0

    # Blank rows in between are skipped, and errors still land on the right row.
    mismatch = client.post(url, grid([{}, COST, {**BENEFIT, "category": "opex"}]))
    assert 'data-testid="error-lines-2-category"' in mismatch.content.decode()

    saved = client.post(url, grid([COST, {}, BENEFIT]))
    assert saved.status_code == 302
    case = BusinessCase.objects.get(project=project)
    assert sorted(str(line.amount) for line in case.cash_flow_lines.all()) == [
        "40000.00",
        "9000.50",
    ]
    detail = client.get(f"/projects/{project.pk}/").content.decode()
    assert "Automate invoice matching" in detail and "40,000.00" in detail
    assert "Jan 2026" in detail and "Mar 2026" in detail


def test_business_case_is_submitted_approved_and_no_longer_editable(org, project):
    case = BusinessCaseFactory(project=project, version=1)
    CashFlowLineFactory(business_case=case)
    manager = client_for(org.user("project_manager"))
    edit = manager.get(f"/projects/business-cases/{case.pk}/edit/")
    assert edit.context["formset"].forms[0]["amount"].value() == case.cash_flow_lines.get().amount
    manager.post(f"/projects/business-cases/{case.pk}/submit/")
    case.refresh_from_db()
    assert case.status == "submitted"
    assert manager.post(f"/projects/business-cases/{case.pk}/approve/").status_code == 403
    client_for(org.user("portfolio_manager")).post(f"/projects/business-cases/{case.pk}/approve/")
    case.refresh_from_db()
    assert case.status == "approved"
    refused = manager.get(f"/projects/business-cases/{case.pk}/edit/")
    assert refused.status_code == 302


@pytest.mark.parametrize("role", ["project_manager", "team_member", "executive"])
def test_project_page_links_its_other_pages_and_loads_its_comments(org, project, role):
    # Given a user who may see the project (a team member through membership)
    from steerco.projects.models import ProjectMember

    if role == "team_member":
        ProjectMember.objects.create(project=project, user=org.user(role))
    client = client_for(org.user(role))
    # When they open it, the page links the project's schedule, governance and activity pages,
    page = client.get(f"/projects/{project.id}/")
    assert page.status_code == 200
    html = page.content.decode()
    for url in (
        f"/projects/{project.id}/schedule/",
        f"/governance/projects/{project.id}/",
        f"/comms/projects/{project.id}/activity/",
        f"/resources/projects/{project.id}/demand/",
    ):
        assert url in html
        assert client.get(url).status_code == 200
    # financials only for roles that may see money,
    assert (f"/finance/projects/{project.id}/" in html) == (role != "team_member")
    # and the comments panel it loads answers with a fragment.
    panel = client.get(f"/comms/comments/projects.project/{project.id}/", HTTP_HX_REQUEST="true")
    assert panel.status_code == 200
