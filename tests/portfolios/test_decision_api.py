"""The decisions API: scenarios, runs, frontier, recommendations, scores, AHP and metrics.

Permissions are checked on every endpoint for an outsider (another organisation: 404), a
reader (executive: reads, may not change) and a role outside portfolio decisions (team
member: 403). Errors are RFC 9457 problem details.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from steerco.jobs.models import Job
from steerco.portfolios.models import OptimiserRun, Scenario
from steerco.projects.models import BusinessCase
from tests.portfolios.decision_support import build_small_portfolio

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"


def send(client: Any, method: str, path: str, body: Any = None) -> Any:
    call = getattr(client, method.lower())
    if body is None:
        return call(path)
    return call(path, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def small(org):
    return build_small_portfolio(org)


def endpoints(small) -> list[tuple[str, str, Any]]:
    scenario, portfolio = small.plan.pk, small.portfolio.pk
    run = OptimiserRun.objects.create(organisation=small.plan.organisation, scenario=small.plan)
    case = BusinessCase.objects.filter(project=small.projects["NEW-A"]).get().pk
    project, criterion = small.projects["NEW-A"].pk, small.criterion.pk
    return [
        ("GET", f"/api/v1/scenarios/{scenario}", None),
        ("PATCH", f"/api/v1/scenarios/{scenario}", {"name": "X"}),
        ("DELETE", f"/api/v1/scenarios/{scenario}", None),
        ("POST", f"/api/v1/scenarios/{scenario}/optimise", {}),
        ("GET", f"/api/v1/scenarios/{scenario}/runs", None),
        ("GET", f"/api/v1/scenarios/{scenario}/runs/{run.pk}", None),
        ("POST", f"/api/v1/scenarios/{scenario}/promote", {"reason": "x"}),
        ("GET", f"/api/v1/scenarios/compare?ids={scenario}", None),
        ("POST", "/api/v1/scenarios", {"portfolio_id": portfolio, "name": "X"}),
        ("GET", f"/api/v1/portfolios/{portfolio}/frontier", None),
        ("POST", f"/api/v1/portfolios/{portfolio}/frontier", {}),
        ("GET", f"/api/v1/portfolios/{portfolio}/recommendations", None),
        ("GET", f"/api/v1/prioritisation?portfolio_id={portfolio}", None),
        (
            "PUT",
            "/api/v1/scores",
            {"scores": [{"project_id": project, "criterion_id": criterion, "value": 2}]},
        ),
        ("PUT", "/api/v1/criteria/weights", {"weights": {str(criterion): 2}}),
        (
            "PUT",
            "/api/v1/ahp",
            {"judgments": [{"criterion_a_id": criterion, "criterion_b_id": criterion, "value": 2}]},
        ),
        ("GET", f"/api/v1/business-cases/{case}/metrics", None),
        ("POST", f"/api/v1/business-cases/{case}/metrics", {"lines": []}),
    ]


def test_an_outsider_finds_nothing_on_any_endpoint(small, other_org, api_client):
    client = api_client(other_org.user("administrator"))
    for method, path, body in endpoints(small):
        response = send(client, method, path, body)
        assert response.status_code == 404, (method, path, response.content)
        assert response["Content-Type"] == PROBLEM
        assert response.json()["status"] == 404


def test_a_team_member_is_refused_portfolio_decisions(small, org, api_client):
    client = api_client(org.user("team_member"))
    for method, path, body in endpoints(small):
        if "business-cases" in path or "recommendations" in path:
            continue  # these follow the projects the member may see
        response = send(client, method, path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert response["Content-Type"] == PROBLEM


def test_an_executive_reads_but_may_not_change(small, org, api_client):
    client = api_client(org.user("executive"))
    for method, path, body in endpoints(small):
        response = send(client, method, path, body)
        changes = method != "GET" and "frontier" not in path and "metrics" not in path
        if changes:
            assert response.status_code == 403, (method, path, response.content)
        else:
            assert response.status_code in (200, 202), (method, path, response.content)


def test_scenario_list_runs_the_same_queries_for_few_and_many(
    small, org, api_client, django_assert_num_queries
):
    client = api_client(org.user("executive"))
    client.get("/api/v1/scenarios")  # stamps the token's last use (once a minute)
    for count in (2, 12):
        while Scenario.objects.count() < count:
            Scenario.objects.create(
                organisation=org.organisation,
                portfolio=small.portfolio,
                name=f"S{Scenario.objects.count()}",
            )
        # token and its user, count, one page with project counts and latest runs
        with django_assert_num_queries(3):
            response = client.get("/api/v1/scenarios")
        assert response.status_code == 200
        assert response.json()["count"] == count


def test_create_change_optimise_and_promote_through_the_api(
    small, org, api_client, django_capture_on_commit_callbacks
):
    client = api_client(org.user("portfolio_manager"))
    created = send(
        client, "POST", "/api/v1/scenarios", {"portfolio_id": small.portfolio.pk, "name": "API"}
    )
    assert created.status_code == 201, created.content
    scenario = created.json()["id"]
    patched = send(
        client,
        "PATCH",
        f"/api/v1/scenarios/{scenario}",
        {
            "projects": [{"project_id": small.projects["NEW-C"].pk, "mode": "forced_out"}],
            "hires": [{"role_id": small.role.pk, "month": "2027-03-01", "fte_delta": 1}],
        },
    )
    assert patched.status_code == 200, patched.content
    detail = client.get(f"/api/v1/scenarios/{scenario}").json()
    modes = {row["code"]: row["mode"] for row in detail["projects"]}
    assert modes["NEW-C"] == "forced_out" and modes["NEW-A"] == "candidate"
    assert detail["hires"][0]["fte_delta"] == 1.0
    with django_capture_on_commit_callbacks(execute=True):
        started = send(
            client, "POST", f"/api/v1/scenarios/{scenario}/optimise", {"time_limit_seconds": 2}
        )
    assert started.status_code == 202, started.content
    body = started.json()
    assert body["job_url"].endswith(f"/api/v1/jobs/{body['job_id']}")
    assert Job.objects.get(pk=body["job_id"]).state == Job.State.SUCCEEDED
    runs = client.get(f"/api/v1/scenarios/{scenario}/runs").json()
    assert runs["count"] == 1 and runs["items"][0]["status"] == "optimal"
    run = client.get(f"/api/v1/scenarios/{scenario}/runs/{runs['items'][0]['id']}").json()
    assert {item["project"] for item in run["result"]["plan"]} == {"RUN-1", "NEW-A", "NEW-B"}
    assert run["result"]["inputs"]["portfolio"]["months"] == 12
    compared = client.get(f"/api/v1/scenarios/compare?ids={small.plan.pk}&ids={scenario}")
    assert compared.status_code == 200
    differences = {row["project"]: row for row in compared.json()["differences"]}
    assert differences["NEW-B"]["differs"] and differences["NEW-B"]["starts"] == ["—", "2027-04"]
    refused = send(client, "POST", f"/api/v1/scenarios/{scenario}/promote", {"reason": ""})
    assert refused.status_code == 422 and refused["Content-Type"] == PROBLEM
    assert "reason" in refused.json()["errors"]
    promoted = send(
        client, "POST", f"/api/v1/scenarios/{scenario}/promote", {"reason": "More value"}
    )
    assert promoted.status_code == 200 and promoted.json()["status"] == "promoted"


def test_validation_errors_are_problem_details_naming_fields(small, org, api_client):
    client = api_client(org.user("portfolio_manager"))
    response = send(
        client,
        "POST",
        f"/api/v1/scenarios/{small.plan.pk}/optimise",
        {"objective": "hope", "time_limit_seconds": 0},
    )
    assert response.status_code == 422 and response["Content-Type"] == PROBLEM
    assert set(response.json()["errors"]) == {"objective", "time_limit_seconds"}
    conflict = send(client, "PATCH", f"/api/v1/scenarios/{small.plan.pk}", {"name": "X"})
    assert conflict.status_code == 409 and conflict["Content-Type"] == PROBLEM


def test_business_case_metrics_and_a_preview_without_saving(small, org, api_client):
    client = api_client(org.user("project_manager"))
    case = BusinessCase.objects.get(project=small.projects["NEW-A"])
    metrics = client.get(f"/api/v1/business-cases/{case.pk}/metrics").json()
    assert metrics["npv"] > 0 and metrics["irr"]["method"] == "irr"
    assert metrics["payback_months"] == pytest.approx(6.0)
    assert metrics["total_costs"] == 60_000 and metrics["capex"] == 60_000
    assert {row["driver"] for row in metrics["sensitivity"]} >= {"costs", "benefits"}
    preview = send(
        client,
        "POST",
        f"/api/v1/business-cases/{case.pk}/metrics",
        {
            "discount_rate": 0,
            "lines": [
                {"month_index": 0, "kind": "cost", "category": "capex", "amount": 100},
                {"month_index": 1, "kind": "benefit", "category": "revenue", "amount": 150},
            ],
        },
    ).json()
    assert preview["npv"] == pytest.approx(50.0) and preview["roi"] == pytest.approx(0.5)
    assert case.cash_flow_lines.count() == 21  # nothing saved


def test_recommendations_cover_the_projects_a_user_may_see(small, org, api_client):
    everyone = api_client(org.user("executive")).get(
        f"/api/v1/portfolios/{small.portfolio.pk}/recommendations"
    )
    assert everyone.status_code == 200
    items = {item["code"]: item for item in everyone.json()["items"]}
    assert set(items) == {"RUN-1", "NEW-A", "NEW-B", "NEW-C"}
    assert all(
        item["action"] in {"invest_more", "continue", "pause", "delay", "kill"}
        for item in items.values()
    )
    assert all(item["reasons"] for item in items.values())
    # NEW-C loses money and is not in the plan: kill, freeing its whole cost.
    assert items["NEW-C"]["action"] == "kill"
    assert items["NEW-C"]["effect"]["budget_freed"] == pytest.approx(36_000)
    team_member = org.user("team_member")
    small.projects["NEW-A"].members.create(user=team_member)
    mine = api_client(team_member).get(f"/api/v1/portfolios/{small.portfolio.pk}/recommendations")
    assert [item["code"] for item in mine.json()["items"]] == ["NEW-A"]


def test_scores_weights_and_ahp_round_trip(small, org, api_client):
    client = api_client(org.user("pmo_analyst"))
    new_c, criterion = small.projects["NEW-C"], small.criterion
    response = send(
        client,
        "PUT",
        "/api/v1/scores",
        {"scores": [{"project_id": new_c.pk, "criterion_id": criterion.pk, "value": 3}]},
    )
    assert response.json() == {"changed": 1}
    ranking = client.get(f"/api/v1/prioritisation?portfolio_id={small.portfolio.pk}").json()
    scores = {row["code"]: row["score"] for row in ranking["ranking"]}
    assert scores["NEW-C"] == pytest.approx(100.0) and scores["NEW-B"] == pytest.approx(50.0)
    bad = send(
        client,
        "PUT",
        "/api/v1/scores",
        {"scores": [{"project_id": new_c.pk, "criterion_id": criterion.pk, "value": 7}]},
    )
    assert bad.status_code == 422 and "scores[0].value" in bad.json()["errors"]
    ahp = client.get("/api/v1/ahp").json()
    assert ahp["criteria"] == ["VALUE"] and ahp["mine"] is None
