"""The finance pages: what each role sees, the forecast form, rates, and the import flow."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from steerco.finance.models import CostLine, ExchangeRate, Forecast
from tests.factories import BudgetFactory

pytestmark = pytest.mark.django_db


def test_project_financials_page(world, client, other_org):
    draft = BudgetFactory(project=world.alpha, version=3)
    client.force_login(world.pm)
    page = client.get(f"/finance/projects/{world.alpha.pk}/", {"as_of": "2026-03-10"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="bac">5,000<' in html and 'data-testid="actual">4,240<' in html
    assert "Earned value (CPI x SPI)" in html and "EAC = BAC / CPI" in html
    assert 'data-testid="forecast-form"' in html
    assert f"/budgets/{draft.pk}/approve/" not in html  # a project manager approves no budget
    response = client.post(
        f"/finance/projects/{world.alpha.pk}/forecast/",
        {"method": "run_rate", "as_of": "2026-03-10"},
        follow=True,
    )
    assert "Forecast stored: Run rate, EAC 7,067" in response.content.decode()
    assert Forecast.objects.filter(project=world.alpha, method="run_rate").exists()

    client.force_login(world.org.user("portfolio_manager"))
    html = client.get(f"/finance/projects/{world.alpha.pk}/").content.decode()
    assert f"/budgets/{draft.pk}/approve/" in html
    client.force_login(world.org.user("team_member"))
    assert client.get(f"/finance/projects/{world.alpha.pk}/").status_code == 404
    assert client.get("/finance/").status_code == 403
    client.force_login(world.org.user("resource_manager"))
    assert client.get(f"/finance/projects/{world.alpha.pk}/").status_code == 403
    client.force_login(other_org.user("administrator"))
    assert client.get(f"/finance/projects/{world.alpha.pk}/").status_code == 404
    assert client.get(f"/finance/portfolios/{world.portfolio.pk}/").status_code == 404


def test_overview_and_rollup_pages(world, client):
    client.force_login(world.org.user("executive"))
    home = client.get("/finance/", {"as_of": "2026-03-10"}).content.decode()
    assert 'data-testid="portfolio-table"' in home and "Change" in home
    rollup = client.get(f"/finance/portfolios/{world.portfolio.pk}/", {"as_of": "2026-03-10"})
    html = rollup.content.decode()
    assert 'data-testid="rollup-bac">6,700<' in html
    assert "Platform" in html and "Not in a program" in html
    assert client.get(f"/finance/programs/{world.program.pk}/").status_code == 200
    client.force_login(world.pm)
    assert client.get(f"/finance/portfolios/{world.portfolio.pk}/").status_code == 403
    mine = client.get("/finance/").content.decode()
    assert "ALPHA" in mine and "BRAVO" not in mine


def test_exchange_rates_page(world, client):
    client.force_login(world.org.user("pmo_analyst"))
    response = client.post(
        "/finance/exchange-rates/",
        {"currency": "gbp", "effective_date": "2026-01-01", "rate_to_org_currency": "1.15"},
        follow=True,
    )
    assert "GBP from 2026-01-01: 1.15" in response.content.decode()
    bad = client.post(
        "/finance/exchange-rates/",
        {"currency": "EUR", "effective_date": "2026-01-01", "rate_to_org_currency": "1"},
    )
    assert "the organisation&#x27;s own currency" in bad.content.decode()
    client.force_login(world.org.user("executive"))
    page = client.get("/finance/exchange-rates/").content.decode()
    assert "GBP" in page and 'data-testid="rate-form"' not in page
    rate = ExchangeRate.objects.get(currency="GBP")
    assert client.post(f"/finance/exchange-rates/{rate.pk}/delete/").status_code == 403


def test_import_page_checks_then_imports_on_confirmation(world, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.org.user("pmo_analyst"))
    header = "project,cost_category,month,amount,reference\n"
    bad = header + "ALPHA,LAB,2026-03,ten,P1\nALPHA,LAB,2026-03,5,P2\n"
    page = client.post(
        "/finance/import/",
        {"kind": "actuals", "file": SimpleUploadedFile("costs.csv", bad.encode())},
    ).content.decode()
    assert 'data-testid="import-errors"' in page and "&#x27;ten&#x27; is not an amount" in page
    assert 'data-testid="confirm-import"' not in page
    good = header + "ALPHA,LAB,2026-03,10,P1\nALPHA,LAB,2026-03,5,P2\n"
    page = client.post(
        "/finance/import/",
        {"kind": "actuals", "file": SimpleUploadedFile("costs.csv", good.encode())},
    ).content.decode()
    assert "2 to create" in page and not CostLine.objects.filter(reference="P1").exists()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = client.post("/finance/import/confirm/", {"token": token}).content.decode()
    assert 'data-testid="import-done"' in done and 'data-testid="touched-ALPHA"' in done
    assert CostLine.objects.filter(reference__in=["P1", "P2"]).count() == 2
    assert not list(tmp_path.joinpath("imports").iterdir())  # the kept file is gone
    again = client.post("/finance/import/confirm/", {"token": token}, follow=True)
    assert "expired" in again.content.decode()

    client.force_login(world.org.user("resource_manager"))
    form = client.get("/finance/import/").content.decode()
    assert 'value="people"' in form and 'value="actuals"' not in form
    assert client.get("/finance/import/templates/people.csv").content.startswith(b"name,role")
    assert client.get("/finance/export/people/?format=xlsx").status_code == 200
    assert client.get("/finance/export/actuals/").status_code == 403


def test_a_large_file_is_checked_and_imported_by_a_job(
    world, client, settings, tmp_path, monkeypatch, django_capture_on_commit_callbacks
):
    from steerco.finance import views
    from steerco.jobs.models import Job

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(views, "INLINE_ROWS", 1)
    client.force_login(world.org.user("pmo_analyst"))
    good = "project,cost_category,month,amount,reference\nALPHA,LAB,2026-03,10,J1\nBRAVO,LAB,2026-03,5,J2\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/finance/import/",
            {"kind": "actuals", "file": SimpleUploadedFile("big.csv", good.encode())},
        )
    job = Job.objects.get(kind="finance.import")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.state == "succeeded" and job.result["written"] is True
    assert job.result["created"] == 2
    assert CostLine.objects.filter(reference__in=["J1", "J2"]).count() == 2
    assert not list(tmp_path.joinpath("imports").iterdir())
