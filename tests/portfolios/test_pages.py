"""Portfolio and program pages through the Django test client."""

from __future__ import annotations

import pytest
from django.test import Client

from steerco.core.models import AuditEntry
from steerco.portfolios.models import Portfolio, Program
from tests.factories import PortfolioFactory, ProgramFactory, ProjectFactory

pytestmark = pytest.mark.django_db

RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "results"}


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def digital(org):
    portfolio = PortfolioFactory(organisation=org.organisation, code="DIGITAL", name="Digital")
    program = ProgramFactory(portfolio=portfolio, code="CLOUD", name="Cloud migration")
    ProjectFactory(portfolio=portfolio, program=program, code="P-RED", health="red")
    return portfolio


def test_list_page_searches_and_answers_htmx_with_the_table_only(org, digital):
    PortfolioFactory(organisation=org.organisation, code="OPS", name="Operations")
    client = client_for(org.user("portfolio_manager"))
    page = client.get("/portfolios/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<html" in html and "DIGITAL" in html and "OPS" in html
    assert 'hx-get="/portfolios/"' in html and 'hx-push-url="true"' in html
    fragment = client.get("/portfolios/?search=oper", **RESULTS)
    text = fragment.content.decode()
    assert "<html" not in text
    assert "OPS" in text and "DIGITAL" not in text
    assert "HX-Request" in fragment["Vary"]


def test_list_page_sorts_and_pages(org):
    for n in range(30):
        PortfolioFactory(organisation=org.organisation, code=f"P{n:02d}", name=f"Portfolio {n:02d}")
    client = client_for(org.user("executive"))
    first = client.get("/portfolios/?sort=-code", **RESULTS).content.decode()
    assert first.index("P29") < first.index("P28")
    assert "P04" not in first  # 25 a page
    assert "page=2" in first
    second = client.get("/portfolios/?sort=-code&page=2", **RESULTS).content.decode()
    assert "P04" in second and "P29" not in second


def test_a_bad_sort_on_the_page_falls_back_to_the_default(org, digital):
    response = client_for(org.user("executive")).get("/portfolios/?sort=nonsense")
    assert response.status_code == 200
    assert "DIGITAL" in response.content.decode()


def test_detail_page_lists_programs_and_projects_with_health(org, digital):
    html = client_for(org.user("executive")).get(f"/portfolios/{digital.pk}/").content.decode()
    assert "Cloud migration" in html
    assert "P-RED" in html and 'class="rag rag-red"' in html
    assert "New program" not in html  # executives read, they do not edit


def test_create_form_shows_errors_beside_fields_and_writes_nothing(org, digital):
    client = client_for(org.user("pmo_analyst"))
    response = client.post("/portfolios/new/", {"code": "digital", "name": "Again"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"code": ["Another portfolio already uses the code digital."]}
    html = response.content.decode()
    # The message sits inside the code field's block, before its input.
    code_block = html[html.index('for="id_code"') : html.index('name="code"')]
    assert "Another portfolio already uses the code digital." in code_block
    assert Portfolio.objects.count() == 1


def test_create_form_saves_and_redirects_to_the_new_portfolio(org):
    client = client_for(org.user("portfolio_manager"))
    response = client.post(
        "/portfolios/new/", {"code": "GROWTH", "name": "Growth", "is_active": "on", "owner_id": ""}
    )
    portfolio = Portfolio.objects.get(code="GROWTH")
    assert response.status_code == 302
    assert response["Location"] == f"/portfolios/{portfolio.pk}/"
    assert portfolio.owner_id is None


def test_edit_form_changes_the_portfolio(org, digital):
    client = client_for(org.user("administrator"))
    form = client.get(f"/portfolios/{digital.pk}/edit/")
    assert form.context["form"].initial["code"] == "DIGITAL"
    response = client.post(
        f"/portfolios/{digital.pk}/edit/",
        {
            "code": "DIGITAL",
            "name": "Digital channels",
            "owner_id": digital.owner_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    digital.refresh_from_db()
    assert digital.name == "Digital channels"
    assert AuditEntry.objects.get(entity_type="portfolios.portfolio").after == {
        "name": "Digital channels"
    }


def test_program_create_from_the_portfolio_page(org, digital):
    client = client_for(org.user("portfolio_manager"))
    page = client.get(f"/portfolios/programs/new/?portfolio={digital.pk}")
    assert page.context["form"].initial["portfolio_id"] == str(digital.pk)
    response = client.post(
        "/portfolios/programs/new/",
        {"portfolio_id": digital.pk, "code": "DATA", "name": "Data platform"},
    )
    program = Program.objects.get(code="DATA")
    assert response["Location"] == f"/portfolios/programs/{program.pk}/"
    assert "Data platform" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize("role", ["team_member", "project_manager", "executive"])
def test_other_roles_get_403_on_forms_and_deletes(org, digital, role):
    client = client_for(org.user(role))
    program = Program.objects.get()
    assert client.get("/portfolios/new/").status_code == 403
    assert client.get(f"/portfolios/{digital.pk}/edit/").status_code == 403
    assert client.get("/portfolios/programs/new/").status_code == 403
    assert client.post(f"/portfolios/{digital.pk}/delete/").status_code == 403
    assert client.post(f"/portfolios/programs/{program.pk}/delete/").status_code == 403
    assert Portfolio.objects.count() == 1


def test_deleting_a_portfolio_with_content_explains_why_not(org, digital):
    client = client_for(org.user("administrator"))
    response = client.post(f"/portfolios/{digital.pk}/delete/", follow=True)
    assert "still holds" in response.content.decode()
    assert Portfolio.objects.filter(pk=digital.pk).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/portfolios/{portfolio}/",
        "/portfolios/{portfolio}/edit/",
        "/portfolios/programs/{program}/",
        "/portfolios/programs/{program}/edit/",
    ],
)
def test_an_outsider_gets_404_on_every_page_of_another_organisation(other_org, digital, path):
    url = path.format(portfolio=digital.pk, program=Program.objects.get().pk)
    assert client_for(other_org.user("administrator")).get(url).status_code == 404


def test_the_list_page_of_an_outsider_shows_nothing_of_another_organisation(other_org, digital):
    html = client_for(other_org.user("administrator")).get("/portfolios/").content.decode()
    assert "DIGITAL" not in html


@pytest.mark.parametrize("size", [2, 7])
def test_list_page_runs_a_fixed_number_of_queries(org, django_assert_num_queries, size):
    for _ in range(size):
        portfolio = PortfolioFactory(organisation=org.organisation)
        ProjectFactory(portfolio=portfolio, program=ProgramFactory(portfolio=portfolio))
    client = client_for(org.user("portfolio_manager"))
    # session, user, page count, page of rows, the organisation's name in the page header
    with django_assert_num_queries(5):
        response = client.get("/portfolios/")
    assert response.context["page"].paginator.count == size


def test_the_edit_form_keeps_an_owner_who_has_left(org, digital):
    digital.owner.is_active = False
    digital.owner.save()
    client = client_for(org.user("administrator"))
    form = client.get(f"/portfolios/{digital.pk}/edit/").context["form"]
    assert (digital.owner_id, str(digital.owner)) in form.fields["owner_id"].choices
    response = client.post(
        f"/portfolios/{digital.pk}/edit/",
        {"code": "DIGITAL", "name": "Digital 2", "owner_id": digital.owner_id, "is_active": "on"},
    )
    assert response.status_code == 302
    digital.refresh_from_db()
    assert digital.name == "Digital 2" and digital.owner_id is not None
