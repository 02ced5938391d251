"""The governance API through the HTTP client: flows, permissions, problem details, queries."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from steerco.governance import api as governance_api
from steerco.governance import reporting_api
from steerco.governance.models import (
    ChangeRequest,
    GateReview,
    LessonLearned,
    PostImplementationReview,
    QaFinding,
    QaReview,
    RaidItem,
    StatusReport,
)
from steerco.projects.models import Project, ProjectMember
from tests.factories import (
    BaselineFactory,
    ChangeRequestFactory,
    GuidancePageFactory,
    PhaseTemplateFactory,
    ProjectTemplateFactory,
    RaidItemFactory,
    TaskTemplateFactory,
    UserFactory,
)
from tests.governance.conftest import business_case

pytestmark = pytest.mark.django_db
API = "/api/v1"


def send(client, method, path, body=None):
    if method == "get":
        return client.get(f"{API}{path}")
    return getattr(client, method)(
        f"{API}{path}", json.dumps(body or {}), content_type="application/json"
    )


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["instance"].startswith(API)
    return body


def test_a_gate_through_the_api(org, proposal, method, api_client):
    business_case(proposal)
    RaidItemFactory(project=proposal)
    manager, pmo = api_client(org.user("project_manager")), api_client(org.user("pmo_analyst"))
    gates = send(manager, "get", f"/projects/{proposal.pk}/gates").json()
    assert gates["lifecycle_stage"] == "Proposal"
    assert [(gate["code"], gate["state"]) for gate in gates["gates"]] == [
        ("G0", "passed"),
        ("G1", "next"),
        ("G2", "ahead"),
        ("G3", "ahead"),
        ("G4", "ahead"),
    ]
    created = send(
        manager, "post", f"/projects/{proposal.pk}/gate-reviews", {"gate_id": method.gates["G1"].pk}
    )
    assert created.status_code == 201
    review = created.json()
    assert review["missing"] == ["Finance has reviewed the costs"]
    assert review["can_decide"] is False
    awaiting = send(pmo, "get", "/gate-reviews?awaiting_me=true").json()
    assert [row["id"] for row in awaiting["items"]] == [review["id"]]
    body = assert_problem(
        send(pmo, "post", f"/gate-reviews/{review['id']}/decision", {"decision": "approved"}), 422
    )
    assert "Finance has reviewed the costs" in body["errors"]["decision"][0]
    manual = next(item for item in review["items"] if item["kind"] == "manual")
    checked = send(
        manager,
        "patch",
        f"/gate-review-items/{manual['id']}",
        {"satisfied": True, "evidence": "Signed"},
    )
    assert checked.json()["satisfied"] is True
    decided = send(pmo, "post", f"/gate-reviews/{review['id']}/decision", {"decision": "approved"})
    assert decided.json()["status"] == "approved" and decided.json()["missing"] == []
    proposal.refresh_from_db()
    assert proposal.stage == Project.Stage.APPROVED
    assert (
        send(manager, "get", f"/projects/{proposal.pk}/gates").json()["lifecycle_stage"] == "Plan"
    )
    assert_problem(send(pmo, "post", f"/gate-reviews/{review['id']}/withdraw"), 409)


def test_raid_and_change_requests_through_the_api(org, make_project, method, api_client):
    project = make_project(stage=Project.Stage.IN_EXECUTION)
    BaselineFactory(project=project)
    manager = api_client(org.user("project_manager"))
    risk = send(
        manager,
        "post",
        f"/projects/{project.pk}/raid-items",
        {"kind": "risk", "title": "Vendor late", "probability": "0.6", "impact": 4},
    )
    assert risk.status_code == 201 and risk.json()["ref"] == "R-001" and risk.json()["score"] == 12
    body = assert_problem(
        send(manager, "post", f"/projects/{project.pk}/raid-items", {"kind": "risk", "title": "x"}),
        422,
    )
    assert set(body["errors"]) == {"probability", "impact"}
    patched = send(manager, "patch", f"/raid-items/{risk.json()['id']}", {"impact": 5})
    assert patched.json()["trend"] == "up" and patched.json()["score"] == 15
    listed = send(
        manager, "get", f"/projects/{project.pk}/raid-items?kind=risk&search=vendor"
    ).json()
    assert listed["count"] == 1
    assert (
        send(manager, "post", f"/projects/{project.pk}/raid-items/reviewed").json()["open_items"]
        == 1
    )

    change = send(
        manager,
        "post",
        f"/projects/{project.pk}/change-requests",
        {"title": "SSO", "reason": "Audit", "cost_impact": "5000.00", "schedule_impact_days": 5},
    ).json()
    assert change["ref"] == "CR-001" and change["status"] == "draft"
    assert (
        send(manager, "post", f"/change-requests/{change['id']}/submit").json()["status"]
        == "submitted"
    )
    assert_problem(send(manager, "post", f"/change-requests/{change['id']}/approve"), 403)
    board = api_client(org.user("executive"))
    assert send(board, "get", "/change-requests?status=submitted").json()["count"] == 1
    approved = send(board, "post", f"/change-requests/{change['id']}/approve", {"reason": "Yes"})
    assert approved.json()["status"] == "applied"
    assert project.baselines.count() == 2


def test_status_reports_pir_and_lessons_through_the_api(org, make_project, method, api_client):
    project = make_project(stage=Project.Stage.IN_EXECUTION, start_date=datetime.date(2026, 1, 1))
    manager = api_client(org.user("project_manager"))
    suggestion = send(manager, "get", f"/projects/{project.pk}/rag-suggestion?as_of=2026-03-31")
    assert suggestion.json()["scope"] == {"rag": "green", "reasons": ["no open change request"]}
    created = send(
        manager,
        "post",
        f"/projects/{project.pk}/status-reports",
        {"period_start": "2026-03-01", "narrative": "On track."},
    )
    assert created.status_code == 201
    report = created.json()
    assert (report["period_end"], report["suggested_scope"]) == ("2026-03-31", "green")
    assert_problem(
        send(
            manager,
            "post",
            f"/projects/{project.pk}/status-reports",
            {"period_start": "2026-03-01"},
        ),
        409,
    )
    submitted = send(manager, "post", f"/status-reports/{report['id']}/submit")
    assert submitted.json()["status"] == "submitted"
    assert send(manager, "get", f"/projects/{project.pk}/status-reports").json()["count"] == 1
    assert_problem(
        send(manager, "patch", f"/status-reports/{report['id']}", {"overall": "red"}), 409
    )
    assert_problem(send(manager, "post", "/status-reports/reminders"), 403)
    started = send(api_client(org.user("pmo_analyst")), "post", "/status-reports/reminders")
    assert started.status_code == 202 and started.json()["job_id"]

    Project.objects.filter(pk=project.pk).update(stage=Project.Stage.CLOSING)
    pir = send(
        manager, "post", f"/projects/{project.pk}/pir", {"scheduled_for": "2026-09-01"}
    ).json()
    send(
        manager,
        "patch",
        f"/pirs/{pir['id']}",
        {
            "went_well": "Testing",
            "went_badly": "Data",
            "benefits_planned": "1000",
            "benefits_realised": "850",
        },
    )
    completed = send(manager, "post", f"/pirs/{pir['id']}/complete").json()
    assert completed["benefits_realisation_ratio"] == "0.8500"
    lesson = send(
        manager,
        "post",
        "/lessons",
        {"project_id": project.pk, "title": "Test with real data", "tags": ["data"]},
    )
    assert lesson.status_code == 201
    detail = send(manager, "get", f"/projects/{project.pk}/pir").json()
    assert detail["review"]["status"] == "completed" and len(detail["lessons"]) == 1
    assert send(manager, "get", "/lessons?search=real").json()["count"] == 1
    realisation = send(manager, "get", "/benefits-realisation").json()
    assert realisation["overall"]["ratio"] == "0.8500"


def test_methodology_editing_through_the_api(org, method, api_client):
    pmo = api_client(org.user("pmo_analyst"))
    manager = api_client(org.user("project_manager"))
    assert_problem(
        send(manager, "post", "/governance/methodologies", {"code": "X", "name": "X"}), 403
    )
    created = send(pmo, "post", "/governance/methodologies", {"code": "AGILE", "name": "Agile"})
    assert created.status_code == 201
    template_id = created.json()["id"]
    stage_a = send(
        pmo,
        "post",
        f"/governance/methodologies/{template_id}/stages",
        {"code": "A", "name": "A", "project_stage": "idea"},
    ).json()
    stage_b = send(
        pmo,
        "post",
        f"/governance/methodologies/{template_id}/stages",
        {"code": "B", "name": "B", "project_stage": "proposal"},
    ).json()
    gate = send(
        pmo,
        "post",
        f"/governance/methodologies/{template_id}/gates",
        {
            "code": "G",
            "name": "Go",
            "from_stage_id": stage_a["id"],
            "to_stage_id": stage_b["id"],
            "approver_roles": ["executive"],
        },
    ).json()
    item = send(
        pmo,
        "post",
        f"/governance/gates/{gate['id']}/checklist-items",
        {
            "text": "Reviewed",
            "kind": "automatic",
            "automatic_rule": "risk_register_reviewed_within_days",
            "params": {"days": 14},
        },
    )
    assert item.json()["params"] == {"days": 14}
    body = assert_problem(
        send(
            pmo,
            "post",
            f"/governance/gates/{gate['id']}/checklist-items",
            {"text": "x", "kind": "automatic", "automatic_rule": "nope"},
        ),
        422,
    )
    assert "automatic_rule" in body["errors"]
    detail = send(manager, "get", f"/governance/methodologies/{template_id}").json()
    assert detail["can_edit"] is False
    assert [stage["code"] for stage in detail["stages"]] == ["A", "B"]
    assert (
        detail["gates"][0]["checklist_items"][0]["automatic_rule"]
        == "risk_register_reviewed_within_days"
    )
    rules = send(manager, "get", "/governance/criteria").json()
    assert "business_case_npv_positive" in {rule["code"] for rule in rules}


def test_team_members_read_their_projects_but_do_not_write(org, proposal, method, api_client):
    ProjectMember.objects.create(project=proposal, user=org.user("team_member"))
    RaidItemFactory(project=proposal)
    member = api_client(org.user("team_member"))
    assert send(member, "get", f"/projects/{proposal.pk}/raid-items").json()["count"] == 1
    assert_problem(
        send(
            member, "post", f"/projects/{proposal.pk}/raid-items", {"kind": "issue", "title": "x"}
        ),
        403,
    )
    assert_problem(send(member, "post", f"/projects/{proposal.pk}/status-reports"), 403)
    assert_problem(
        send(
            member,
            "post",
            f"/projects/{proposal.pk}/gate-reviews",
            {"gate_id": method.gates["G1"].pk},
        ),
        403,
    )
    stranger = api_client(UserFactory(organisation=org.organisation, role="team_member"))
    assert_problem(send(stranger, "get", f"/projects/{proposal.pk}/raid-items"), 404)


def every_operation_count() -> int:
    return sum(
        len(view.operations)
        for router in (governance_api.router, reporting_api.router)
        for view in router.path_operations.values()
    )


def test_outsider_gets_404_on_every_endpoint(org, other_org, proposal, method, api_client):
    p = proposal.pk
    template = method.template
    gate = method.gates["G1"]
    stage = method.stages["IDEA"]
    item = gate.checklist_items.first()
    project_template = ProjectTemplateFactory(template=template)
    phase = PhaseTemplateFactory(project_template=project_template)
    task_template = TaskTemplateFactory(phase=phase)
    page = GuidancePageFactory(template=template)
    review = GateReview.objects.create(
        project=proposal,
        gate=gate,
        requested_by=org.user("project_manager"),
        requested_at=proposal.created_at,
    )
    review_item = review.items.create(checklist_item=item)
    qa = QaReview.objects.create(
        project=proposal, title="QA", scheduled_for=datetime.date(2026, 5, 1)
    )
    finding = QaFinding.objects.create(review=qa, description="x")
    raid = RaidItemFactory(project=proposal)
    change = ChangeRequestFactory(project=proposal, status="submitted")
    report = StatusReport.objects.create(
        project=proposal,
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 4, 30),
    )
    pir = PostImplementationReview.objects.create(project=proposal)
    lesson = LessonLearned.objects.create(
        organisation=org.organisation, project=proposal, title="x"
    )
    t, g = template.pk, gate.pk
    requests = [
        ("get", f"/governance/methodologies/{t}"),
        ("patch", f"/governance/methodologies/{t}"),
        ("delete", f"/governance/methodologies/{t}"),
        ("post", f"/governance/methodologies/{t}/stages"),
        ("patch", f"/governance/stages/{stage.pk}"),
        ("delete", f"/governance/stages/{stage.pk}"),
        ("post", f"/governance/methodologies/{t}/gates"),
        ("patch", f"/governance/gates/{g}"),
        ("delete", f"/governance/gates/{g}"),
        ("post", f"/governance/gates/{g}/checklist-items"),
        ("patch", f"/governance/checklist-items/{item.pk}"),
        ("delete", f"/governance/checklist-items/{item.pk}"),
        ("post", f"/governance/methodologies/{t}/project-templates"),
        ("patch", f"/governance/project-templates/{project_template.pk}"),
        ("delete", f"/governance/project-templates/{project_template.pk}"),
        ("post", f"/governance/project-templates/{project_template.pk}/apply"),
        ("post", f"/governance/project-templates/{project_template.pk}/phases"),
        ("patch", f"/governance/phases/{phase.pk}"),
        ("delete", f"/governance/phases/{phase.pk}"),
        ("post", f"/governance/phases/{phase.pk}/tasks"),
        ("patch", f"/governance/task-templates/{task_template.pk}"),
        ("delete", f"/governance/task-templates/{task_template.pk}"),
        ("post", f"/governance/methodologies/{t}/guidance"),
        ("get", f"/governance/guidance/{page.pk}"),
        ("patch", f"/governance/guidance/{page.pk}"),
        ("delete", f"/governance/guidance/{page.pk}"),
        ("get", f"/projects/{p}/gates"),
        ("get", f"/projects/{p}/gate-reviews"),
        ("post", f"/projects/{p}/gate-reviews"),
        ("get", f"/gate-reviews/{review.pk}"),
        ("post", f"/gate-reviews/{review.pk}/evaluate"),
        ("patch", f"/gate-review-items/{review_item.pk}"),
        ("post", f"/gate-reviews/{review.pk}/decision"),
        ("post", f"/gate-reviews/{review.pk}/withdraw"),
        ("get", f"/projects/{p}/qa-reviews"),
        ("post", f"/projects/{p}/qa-reviews"),
        ("get", f"/qa-reviews/{qa.pk}"),
        ("patch", f"/qa-reviews/{qa.pk}"),
        ("post", f"/qa-reviews/{qa.pk}/findings"),
        ("patch", f"/qa-findings/{finding.pk}"),
        ("get", f"/projects/{p}/raid-items"),
        ("post", f"/projects/{p}/raid-items"),
        ("post", f"/projects/{p}/raid-items/reviewed"),
        ("get", f"/raid-items/{raid.pk}"),
        ("patch", f"/raid-items/{raid.pk}"),
        ("get", f"/projects/{p}/change-requests"),
        ("post", f"/projects/{p}/change-requests"),
        ("get", f"/change-requests/{change.pk}"),
        ("patch", f"/change-requests/{change.pk}"),
        ("delete", f"/change-requests/{change.pk}"),
        ("post", f"/change-requests/{change.pk}/submit"),
        ("post", f"/change-requests/{change.pk}/approve"),
        ("post", f"/change-requests/{change.pk}/reject"),
        ("post", f"/change-requests/{change.pk}/apply"),
        ("get", f"/projects/{p}/rag-suggestion"),
        ("get", f"/projects/{p}/status-reports"),
        ("post", f"/projects/{p}/status-reports"),
        ("get", f"/status-reports/{report.pk}"),
        ("patch", f"/status-reports/{report.pk}"),
        ("delete", f"/status-reports/{report.pk}"),
        ("post", f"/status-reports/{report.pk}/refresh-suggestions"),
        ("post", f"/status-reports/{report.pk}/submit"),
        ("get", f"/projects/{p}/pir"),
        ("post", f"/projects/{p}/pir"),
        ("patch", f"/pirs/{pir.pk}"),
        ("post", f"/pirs/{pir.pk}/complete"),
        ("get", f"/lessons/{lesson.pk}"),
        ("patch", f"/lessons/{lesson.pk}"),
        ("delete", f"/lessons/{lesson.pk}"),
        ("get", f"/projects/{p}/lesson-suggestions"),
        ("get", f"/projects/{p}/calibration"),
    ]
    bodies = {
        f"/governance/methodologies/{t}/stages": {
            "code": "X",
            "name": "X",
            "project_stage": "idea",
        },
        f"/governance/methodologies/{t}/gates": {
            "code": "X",
            "name": "X",
            "from_stage_id": 1,
            "to_stage_id": 2,
        },
        f"/governance/gates/{g}/checklist-items": {"text": "x"},
        f"/governance/methodologies/{t}/project-templates": {"code": "X", "name": "X"},
        f"/governance/project-templates/{project_template.pk}/apply": {"project_id": p},
        f"/governance/project-templates/{project_template.pk}/phases": {"name": "X"},
        f"/governance/phases/{phase.pk}/tasks": {"name": "X"},
        f"/governance/methodologies/{t}/guidance": {"title": "X"},
        f"/projects/{p}/gate-reviews": {"gate_id": g},
        f"/gate-review-items/{review_item.pk}": {"satisfied": True},
        f"/gate-reviews/{review.pk}/decision": {"decision": "rejected", "comments": "x"},
        f"/projects/{p}/qa-reviews": {"title": "x", "scheduled_for": "2026-05-01"},
        f"/qa-reviews/{qa.pk}/findings": {"description": "x"},
        f"/projects/{p}/raid-items": {"kind": "issue", "title": "x"},
        f"/projects/{p}/change-requests": {"title": "x"},
        f"/change-requests/{change.pk}/reject": {"reason": "x"},
        f"/lessons/{lesson.pk}": {"title": "x"},
    }
    # Every operation is listed, but the lists that show only the caller's own organisation,
    # the organisation-wide creations and the catalogue (checked below).
    own_lists = [
        "/governance/criteria",
        "/governance/methodologies",
        "/gate-reviews",
        "/qa-findings",
        "/raid-items",
        "/change-requests",
        "/status-reports/due",
        "/status-reports",
        "/lessons",
        "/benefits-realisation",
    ]
    creations = [
        ("post", "/governance/methodologies"),
        ("post", "/status-reports/reminders"),
        ("post", "/lessons"),
    ]
    assert every_operation_count() == len(requests) + len(own_lists) + len(creations)
    outsider = api_client(other_org.user("administrator"))
    for method_name, path in requests:
        response = send(outsider, method_name, path, bodies.get(path))
        assert_problem(response, 404)
    for path in own_lists:
        listed = send(outsider, "get", path).json()
        if isinstance(listed, dict) and "count" in listed:
            assert listed["count"] == 0, path
        elif isinstance(listed, list) and path != "/governance/criteria":
            assert listed == [], path
    assert send(outsider, "get", "/benefits-realisation").json()["overall"]["reviews"] == 0
    # An outsider's lesson cannot name a project it does not see.
    assert_problem(send(outsider, "post", "/lessons", {"title": "x", "project_id": p}), 404)
    # Nothing changed on the way.
    proposal.refresh_from_db()
    assert proposal.stage == "proposal" and RaidItem.objects.count() == 1
    assert ChangeRequest.objects.get().status == "submitted"
    assert GateReview.objects.get().status == "requested"


def test_raid_list_runs_the_same_queries_for_3_and_30_items(
    org, make_project, method, api_client, django_assert_num_queries
):
    project = make_project(stage=Project.Stage.IN_EXECUTION)
    other = make_project()
    client = api_client(org.user("project_manager"))
    client.get(f"{API}/projects/{project.pk}/raid-items")  # the token's first use is written once
    for size in (3, 30):
        while RaidItem.objects.filter(project=project).count() < size:
            RaidItemFactory(
                project=project,
                owner=UserFactory(organisation=org.organisation),
                kind="dependency",
                depends_on_project=other,
                probability=Decimal("0.5"),
            )
        # the token with its user, the project, the count, the page with owners and dependencies
        with django_assert_num_queries(4):
            response = client.get(f"{API}/projects/{project.pk}/raid-items?search=&open_only=true")
        assert response.json()["count"] == size


def test_status_report_list_runs_the_same_queries_for_2_and_20_reports(
    org, make_project, method, api_client, django_assert_num_queries
):
    project = make_project(stage=Project.Stage.IN_EXECUTION)
    client = api_client(org.user("pmo_analyst"))
    client.get(f"{API}/projects/{project.pk}/status-reports")
    start = datetime.date(2024, 1, 1)
    for size in (2, 20):
        while StatusReport.objects.filter(project=project).count() < size:
            count = StatusReport.objects.filter(project=project).count()
            month = datetime.date(start.year + count // 12, count % 12 + 1, 1)
            StatusReport.objects.create(
                project=project,
                period_start=month,
                period_end=month + datetime.timedelta(days=27),
                author=UserFactory(organisation=org.organisation),
                key_milestones=[{"name": "Go-live", "due": "2026-01-01"}],
            )
        # the token with its user, the project, the count, the page with authors
        with django_assert_num_queries(4):
            response = client.get(f"{API}/projects/{project.pk}/status-reports")
        assert response.json()["count"] == size
