"""Project services: validation before any write, access, audit rows, stages, cycles."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.projects import selectors, services
from steerco.projects.models import BusinessCase, CashFlowLine, Project, ProjectMember, Task
from tests.factories import (
    BusinessUnitFactory,
    CategoryFactory,
    ProgramFactory,
    TaskFactory,
    TaskLinkFactory,
)

pytestmark = pytest.mark.django_db


def counts() -> tuple[int, ...]:
    """How many rows the services could have written; unchanged means nothing was written."""
    return (
        Project.objects.count(),
        BusinessCase.objects.count(),
        CashFlowLine.objects.count(),
        Task.objects.count(),
        AuditEntry.objects.count(),
    )


def test_project_manager_creates_an_idea_they_manage_with_an_audit_row(org, portfolio):
    manager = org.user("project_manager")
    project = services.project_create(
        acting_user=manager,
        fields={"code": "CRM-7", "name": "CRM refresh", "portfolio_id": portfolio.pk},
    )
    assert project.manager == manager
    assert project.stage == Project.Stage.IDEA
    assert project.stage_changed_at is not None
    entry = AuditEntry.objects.get(entity_type="projects.project", entity_id=str(project.pk))
    assert entry.action == "create"
    assert entry.actor == manager
    assert entry.organisation == org.organisation
    assert entry.after["code"] == "CRM-7"
    assert entry.after["manager_id"] == manager.pk


def test_every_invalid_field_is_reported_at_once_and_nothing_is_written(
    org, other_org, other_portfolio, project
):
    before = counts()
    with pytest.raises(ValidationFailed) as caught:
        services.project_create(
            acting_user=org.user("pmo_analyst"),
            fields={
                "code": project.code,  # taken
                "name": " ",
                "portfolio_id": other_portfolio.pk,  # another organisation's
                "manager_id": other_org.user("project_manager").pk,
                "sponsor_id": other_org.user("executive").pk,
                "business_unit_id": BusinessUnitFactory(organisation=other_org.organisation).pk,
                "category_id": CategoryFactory(organisation=other_org.organisation).pk,
                "priority": 9,
                "start_date": datetime.date(2026, 5, 1),
                "finish_date": datetime.date(2026, 4, 1),
                "currency": "euro",
                "discount_rate": Decimal("2"),
                "stage": Project.Stage.APPROVED,
            },
        )
    errors = caught.value.errors
    assert errors["code"] == [f"Another project already uses the code {project.code}."]
    assert errors["name"] == ["This field is required."]
    for field in ("portfolio_id", "manager_id", "sponsor_id", "business_unit_id", "category_id"):
        assert errors[field] == ["Not found."], field
    assert errors["priority"] == ["Enter a whole number from 1 to 5."]
    assert errors["finish_date"] == ["The finish is before the start."]
    assert "currency" in errors and "discount_rate" in errors
    assert errors["stage"] == ["A new project starts as an idea or a proposal."]
    assert counts() == before


def test_program_must_belong_to_the_chosen_portfolio(org, portfolio):
    program = ProgramFactory(organisation=org.organisation)  # in a portfolio of its own
    with pytest.raises(ValidationFailed) as caught:
        services.project_create(
            acting_user=org.user("pmo_analyst"),
            fields={
                "code": "P-1",
                "name": "x",
                "portfolio_id": portfolio.pk,
                "program_id": program.pk,
            },
        )
    assert caught.value.errors == {
        "program_id": [f"The program {program.code} belongs to another portfolio."]
    }


def test_only_project_creating_roles_create_and_a_manager_cannot_name_another(
    org, portfolio, second_manager
):
    fields = {"code": "X-1", "name": "X", "portfolio_id": portfolio.pk}
    for role in ("team_member", "executive", "resource_manager"):
        with pytest.raises(AccessDenied):
            services.project_create(acting_user=org.user(role), fields=fields)
    with pytest.raises(ValidationFailed) as caught:
        services.project_create(
            acting_user=org.user("project_manager"),
            fields={**fields, "manager_id": second_manager.pk},
        )
    assert list(caught.value.errors) == ["manager_id"]
    # The PMO may hand it to anyone of the organisation.
    project = services.project_create(
        acting_user=org.user("pmo_analyst"), fields={**fields, "manager_id": second_manager.pk}
    )
    assert project.manager == second_manager


def test_manager_edits_own_project_audit_keeps_only_changed_fields(org, project):
    manager = org.user("project_manager")
    updated = services.project_update(
        acting_user=manager,
        project_id=project.pk,
        changes={"name": "Invoice matching", "health": "amber", "priority": project.priority},
    )
    assert (updated.name, updated.health) == ("Invoice matching", "amber")
    entry = AuditEntry.objects.get(action="update", entity_id=str(project.pk))
    assert entry.before == {"name": "Invoice automation", "health": "green"}
    assert entry.after == {"name": "Invoice matching", "health": "amber"}
    # Saving the same values again writes nothing, not even an audit row.
    services.project_update(
        acting_user=manager, project_id=project.pk, changes={"name": "Invoice matching"}
    )
    assert AuditEntry.objects.filter(action="update").count() == 1


def test_manager_cannot_edit_another_managers_project_and_outsider_gets_not_found(
    org, other_org, make_project, second_manager
):
    theirs = make_project(manager=second_manager)
    with pytest.raises(NotFound):  # not theirs, not a member: invisible
        services.project_update(
            acting_user=org.user("project_manager"), project_id=theirs.pk, changes={"name": "x"}
        )
    ProjectMember.objects.create(project=theirs, user=org.user("project_manager"))
    with pytest.raises(AccessDenied):  # a plain member sees it but may not change it
        services.project_update(
            acting_user=org.user("project_manager"), project_id=theirs.pk, changes={"name": "x"}
        )
    with pytest.raises(NotFound):
        services.project_update(
            acting_user=other_org.user("administrator"), project_id=theirs.pk, changes={}
        )
    assert Project.objects.get(pk=theirs.pk).name == theirs.name


def test_visibility_team_member_sees_own_executive_sees_all_outsider_none(
    org, other_org, make_project
):
    member_of = make_project(code="A-1")
    make_project(code="A-2")
    make_project(code="A-3")
    ProjectMember.objects.create(project=member_of, user=org.user("team_member"))
    visible = {
        role: sorted(p.code for p in selectors.project_list(org.user(role)))
        for role in ("team_member", "executive", "project_manager")
    }
    assert visible["team_member"] == ["A-1"]
    assert visible["executive"] == ["A-1", "A-2", "A-3"]
    assert visible["project_manager"] == ["A-1", "A-2", "A-3"]  # manages all three
    assert list(selectors.project_list(other_org.user("executive"))) == []
    with pytest.raises(NotFound):
        selectors.project_detail(other_org.user("executive"), member_of.pk)


def test_stage_idea_to_proposal_by_update_later_stages_need_a_gate(org, project):
    manager = org.user("project_manager")
    services.project_update(
        acting_user=manager, project_id=project.pk, changes={"stage": "proposal"}
    )
    project.refresh_from_db()
    assert project.stage == "proposal"
    with pytest.raises(Conflict, match="gate"):
        services.project_update(
            acting_user=org.user("pmo_analyst"),
            project_id=project.pk,
            changes={"stage": "approved"},
        )
    with pytest.raises(AccessDenied):
        services.project_change_stage(
            acting_user=manager, project=project, stage="approved", reason="go", via_gate=False
        )
    with pytest.raises(ValidationFailed) as caught:
        services.project_change_stage(
            acting_user=org.user("pmo_analyst"),
            project=project,
            stage="approved",
            reason=" ",
            via_gate=False,
        )
    assert list(caught.value.errors) == ["reason"]
    services.project_change_stage(
        acting_user=org.user("pmo_analyst"),
        project=project,
        stage="approved",
        reason="Board decision of 3 March",
        via_gate=False,
    )
    assert project.stage == "approved"
    entry = AuditEntry.objects.filter(entity_id=str(project.pk)).first()
    assert entry.before["stage"] == "proposal" and entry.after["stage"] == "approved"
    assert "Board decision of 3 March" in entry.summary
    # A gate decided by a sponsor (who may not edit the project) still moves it.
    services.project_change_stage(
        acting_user=org.user("executive"),
        project=project,
        stage="in_execution",
        reason="",
        via_gate=True,
    )
    project.refresh_from_db()
    assert project.stage == "in_execution"


def test_delete_only_empty_ideas_and_proposals(org, make_project, project):
    manager = org.user("project_manager")
    running = make_project(stage=Project.Stage.IN_EXECUTION)
    with pytest.raises(Conflict, match="Cancel it instead"):
        services.project_delete(acting_user=manager, project_id=running.pk)
    with_task = make_project(stage=Project.Stage.PROPOSAL)
    TaskFactory(project=with_task)
    with pytest.raises(Conflict, match="1 task"):
        services.project_delete(acting_user=manager, project_id=with_task.pk)
    services.project_delete(acting_user=manager, project_id=project.pk)
    assert not Project.objects.filter(pk=project.pk).exists()
    entry = AuditEntry.objects.get(action="delete", entity_id=str(project.pk))
    assert entry.before["code"] == "FIN-001"


def test_members_join_and_leave_within_the_organisation(org, other_org, project):
    manager = org.user("project_manager")
    member = services.project_member_add(
        acting_user=manager, project_id=project.pk, user_id=org.user("team_member").pk
    )
    assert member.role == "member"
    with pytest.raises(ValidationFailed) as caught:
        services.project_member_add(
            acting_user=manager, project_id=project.pk, user_id=org.user("team_member").pk
        )
    assert "already on" in caught.value.errors["user_id"][0]
    with pytest.raises(ValidationFailed) as caught:
        services.project_member_add(
            acting_user=manager, project_id=project.pk, user_id=other_org.user("team_member").pk
        )
    assert caught.value.errors == {"user_id": ["Not found."]}
    services.project_member_remove(
        acting_user=manager, project_id=project.pk, user_id=org.user("team_member").pk
    )
    assert not project.members.exists()
    assert AuditEntry.objects.filter(entity_type="projects.projectmember").count() == 2


LINES = [
    {"month_index": 0, "kind": "cost", "category": "capex", "amount": Decimal("50000")},
    {"month_index": 6, "kind": "benefit", "category": "cost_saving", "amount": Decimal("8000")},
]


def test_business_case_lines_are_checked_one_by_one_and_nothing_is_written(org, project):
    before = counts()
    bad_lines = [
        LINES[0],
        {"month_index": 601, "kind": "cost", "category": "revenue", "amount": Decimal("-1")},
        {"month_index": 1, "kind": "gift", "category": "opex", "amount": Decimal("1.234")},
        {"month_index": 0, "kind": "cost", "category": "capex", "amount": Decimal("5")},
        {"kind": "benefit", "category": "revenue"},
    ]
    with pytest.raises(ValidationFailed) as caught:
        services.business_case_create(
            acting_user=org.user("project_manager"),
            project_id=project.pk,
            fields={"summary": "Automate", "start_month": datetime.date(2026, 3, 15)},
            lines=bad_lines,
        )
    errors = caught.value.errors
    assert errors["start_month"] == ["Use the first day of the month."]
    assert errors["lines[1].month_index"] == ["Use a month from 0 (the first month) to 600."]
    assert errors["lines[1].category"] == ["A cost is capital or operating expenditure."]
    assert "positive" in errors["lines[1].amount"][0]
    assert errors["lines[2].kind"] == ["Choose one of: cost, benefit."]
    assert "at most 2 decimal places" in errors["lines[2].amount"][0]
    assert errors["lines[3].month_index"] == [
        "Same month, kind, category and description as line 1."
    ]
    assert errors["lines[4].month_index"] == ["This field is required."]
    assert errors["lines[4].amount"] == ["This field is required."]
    assert "lines[0].amount" not in errors
    assert counts() == before


def test_business_case_update_replaces_lines_and_audits_before_and_after(org, project):
    manager = org.user("project_manager")
    case = services.business_case_create(
        acting_user=manager, project_id=project.pk, fields={"summary": "v1"}, lines=LINES
    )
    assert case.version == 1 and case.cash_flow_lines.count() == 2
    services.business_case_update(
        acting_user=manager,
        business_case_id=case.pk,
        fields={"summary": "Automate matching"},
        lines=[{**LINES[0], "amount": Decimal("45000.50")}],
    )
    assert [line.amount for line in case.cash_flow_lines.all()] == [Decimal("45000.50")]
    entry = AuditEntry.objects.get(entity_type="projects.businesscase", action="update")
    assert entry.before["summary"] == "v1" and entry.after["summary"] == "Automate matching"
    assert len(entry.before["lines"]) == 2
    assert entry.after["lines"] == [
        {
            "kind": "cost",
            "category": "capex",
            "month_index": 0,
            "amount": "45000.50",
            "description": "",
        }
    ]


def test_approval_supersedes_the_previous_approved_version(org, project):
    manager, pmo = org.user("project_manager"), org.user("pmo_analyst")
    first = services.business_case_create(
        acting_user=manager, project_id=project.pk, fields={"summary": "v1"}, lines=LINES
    )
    with pytest.raises(ValidationFailed) as caught:
        empty = services.business_case_create(acting_user=manager, project_id=project.pk, fields={})
        services.business_case_submit(acting_user=manager, business_case_id=empty.pk)
    assert set(caught.value.errors) == {"summary", "lines"}
    services.business_case_submit(acting_user=manager, business_case_id=first.pk)
    with pytest.raises(Conflict):
        services.business_case_update(acting_user=manager, business_case_id=first.pk, fields={})
    with pytest.raises(AccessDenied):
        services.business_case_approve(acting_user=manager, business_case_id=first.pk)
    services.business_case_approve(acting_user=pmo, business_case_id=first.pk)
    second = services.business_case_create(
        acting_user=manager, project_id=project.pk, fields={"summary": "v3"}, lines=LINES
    )
    assert second.version == 3
    services.business_case_submit(acting_user=manager, business_case_id=second.pk)
    services.business_case_approve(
        acting_user=org.user("portfolio_manager"), business_case_id=second.pk
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == ("superseded", "approved")
    assert second.approved_by == org.user("portfolio_manager")
    with pytest.raises(Conflict):
        services.business_case_reject(acting_user=pmo, business_case_id=second.pk, reason="no")


def test_rejection_needs_a_reason(org, project):
    manager, pmo = org.user("project_manager"), org.user("pmo_analyst")
    case = services.business_case_create(
        acting_user=manager, project_id=project.pk, fields={"summary": "s"}, lines=LINES
    )
    services.business_case_submit(acting_user=manager, business_case_id=case.pk)
    with pytest.raises(ValidationFailed):
        services.business_case_reject(acting_user=pmo, business_case_id=case.pk, reason="")
    services.business_case_reject(
        acting_user=pmo, business_case_id=case.pk, reason="Benefits unproven"
    )
    case.refresh_from_db()
    assert case.status == "rejected"
    assert "Benefits unproven" in AuditEntry.objects.filter(entity_id=str(case.pk)).first().summary


def test_tasks_get_numbers_and_cannot_sit_under_themselves(org, project):
    manager = org.user("project_manager")
    phase = services.task_create(
        acting_user=manager, project_id=project.pk, fields={"name": "Phase"}
    )
    build = services.task_create(
        acting_user=manager,
        project_id=project.pk,
        fields={"name": "Build", "parent_id": phase.pk, "duration_minutes": 2400},
    )
    assert (phase.uid, build.uid, build.outline_level) == (1, 2, 2)
    with pytest.raises(ValidationFailed) as caught:
        services.task_update(acting_user=manager, task_id=phase.pk, changes={"parent_id": build.pk})
    assert "parent_id" in caught.value.errors
    with pytest.raises(ValidationFailed) as caught:
        services.task_create(
            acting_user=manager,
            project_id=project.pk,
            fields={
                "name": "",
                "uid": 1,
                "constraint_type": "MSO",
                "percent_complete": Decimal(120),
            },
        )
    assert set(caught.value.errors) == {"name", "uid", "constraint_date", "percent_complete"}
    with pytest.raises(Conflict, match="sub-task"):
        services.task_delete(acting_user=manager, task_id=phase.pk)
    services.task_delete(acting_user=manager, task_id=build.pk)
    assert list(project.tasks.values_list("name", flat=True)) == ["Phase"]


def test_link_that_closes_a_cycle_names_the_tasks_in_order(org, project):
    manager = org.user("project_manager")
    design, build, test = (
        TaskFactory(project=project, name=name) for name in ("Design", "Build", "Test")
    )
    services.link_create(
        acting_user=manager, project_id=project.pk, predecessor_id=design.pk, successor_id=build.pk
    )
    services.link_create(
        acting_user=manager, project_id=project.pk, predecessor_id=build.pk, successor_id=test.pk
    )
    before = counts()
    with pytest.raises(services.DependencyCycle) as caught:
        services.link_create(
            acting_user=manager,
            project_id=project.pk,
            predecessor_id=test.pk,
            successor_id=design.pk,
        )
    assert caught.value.tasks == ["Test", "Design", "Build"]
    assert caught.value.errors == {
        "successor_id": ["This link would close a dependency cycle: Test → Design → Build → Test."]
    }
    assert counts() == before


def test_links_reject_self_duplicates_other_projects_and_cyclic_updates(org, project, make_project):
    manager = org.user("project_manager")
    first, second = TaskFactory(project=project, name="A"), TaskFactory(project=project, name="B")
    elsewhere = TaskFactory(project=make_project(), name="Elsewhere")

    def link(predecessor, successor, **extra):
        return services.link_create(
            acting_user=manager,
            project_id=project.pk,
            predecessor_id=predecessor.pk,
            successor_id=successor.pk,
            **extra,
        )

    with pytest.raises(ValidationFailed, match="itself"):
        link(first, first)
    with pytest.raises(ValidationFailed) as caught:
        link(first, elsewhere)
    assert "same project" in caught.value.errors["successor_id"][0]
    with pytest.raises(ValidationFailed) as caught:
        link(first, second, type="XX")
    assert list(caught.value.errors) == ["type"]
    created = link(first, second, type="SS", lag_minutes=-480)
    with pytest.raises(ValidationFailed, match="already linked"):
        link(first, second)
    third = TaskFactory(project=project, name="C")
    other = link(second, third)
    with pytest.raises(services.DependencyCycle) as cycle:
        services.link_update(
            acting_user=manager, link_id=other.pk, changes={"successor_id": first.pk}
        )
    assert cycle.value.tasks == ["B", "A"]
    # Moving the same link where nothing closes a loop is fine.
    services.link_update(
        acting_user=manager,
        link_id=other.pk,
        changes={"predecessor_id": first.pk, "successor_id": third.pk},
    )
    services.link_delete(acting_user=manager, link_id=created.pk)
    assert project.task_links.count() == 1


def test_team_member_may_read_but_not_change_the_schedule(org, project):
    ProjectMember.objects.create(project=project, user=org.user("team_member"))
    link = TaskLinkFactory(project=project)
    assert list(selectors.task_list(org.user("team_member"), project.pk))
    with pytest.raises(AccessDenied):
        services.task_create(
            acting_user=org.user("team_member"), project_id=project.pk, fields={"name": "x"}
        )
    with pytest.raises(AccessDenied):
        services.link_delete(acting_user=org.user("team_member"), link_id=link.pk)
