"""RAID log and change control, including how an approved change reaches the baseline."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from steerco.comms.models import Notification
from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.governance import services
from steerco.governance.models import ChangeRequest, RaidItem
from steerco.projects.models import Baseline, Project
from tests.factories import BaselineFactory, BaselineTaskFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db
DAY = datetime.timedelta(days=1)


@pytest.fixture
def running(make_project, method):
    return make_project(code="OPS-1", stage=Project.Stage.IN_EXECUTION)


def raise_item(org, project, **fields):
    return services.raid_item_create(
        acting_user=org.user("project_manager"), project_id=project.pk, fields=fields
    )


def test_items_are_numbered_per_kind_and_risks_must_be_scored(org, running):
    first = raise_item(
        org, running, kind="risk", title="Vendor late", probability=Decimal("0.4"), impact=4
    )
    second = raise_item(
        org, running, kind="risk", title="Key user leaves", probability=Decimal("0.2"), impact=3
    )
    issue = raise_item(org, running, kind="issue", title="Test rig broken", impact=4)
    assert [first.ref, second.ref, issue.ref] == ["R-001", "R-002", "I-001"]
    assert first.owner == running.manager and first.last_reviewed_at is not None
    with pytest.raises(ValidationFailed) as error:
        raise_item(org, running, kind="risk", title="Unscored")
    assert set(error.value.errors) == {"probability", "impact"}
    with pytest.raises(ValidationFailed) as error:
        raise_item(org, running, kind="risk", title="x", probability=Decimal("1.5"), impact=6)
    assert set(error.value.errors) == {"probability", "impact"}


def test_dependencies_name_another_project_of_the_organisation(
    org, other_org, running, make_project
):
    other = make_project(code="OPS-2")
    with pytest.raises(ValidationFailed):
        raise_item(org, running, kind="dependency", title="Needs the API")
    with pytest.raises(ValidationFailed):
        raise_item(org, running, kind="dependency", title="x", depends_on_project_id=running.pk)
    foreign = ProjectFactory(organisation=other_org.organisation)
    with pytest.raises(ValidationFailed):
        raise_item(org, running, kind="dependency", title="x", depends_on_project_id=foreign.pk)
    with pytest.raises(ValidationFailed):
        raise_item(org, running, kind="issue", title="x", depends_on_project_id=other.pk)
    item = raise_item(
        org, running, kind="dependency", title="Needs the API", depends_on_project_id=other.pk
    )
    assert item.ref == "DEP-001" and item.depends_on_project == other


def test_rescoring_sets_the_trend_and_closing_stamps_it(org, running):
    risk = raise_item(
        org, running, kind="risk", title="Vendor late", probability=Decimal("0.2"), impact=3
    )
    manager = org.user("project_manager")
    services.raid_item_update(
        acting_user=manager, item_id=risk.pk, changes={"probability": Decimal("0.7")}
    )
    risk.refresh_from_db()
    assert risk.trend == RaidItem.Trend.UP
    services.raid_item_update(acting_user=manager, item_id=risk.pk, changes={"impact": 1})
    risk.refresh_from_db()
    assert risk.trend == RaidItem.Trend.DOWN
    with pytest.raises(ValidationFailed):
        services.raid_item_update(acting_user=manager, item_id=risk.pk, changes={"kind": "issue"})
    services.raid_item_update(acting_user=manager, item_id=risk.pk, changes={"status": "closed"})
    risk.refresh_from_db()
    assert risk.closed_at is not None
    services.raid_item_update(acting_user=manager, item_id=risk.pk, changes={"status": "open"})
    risk.refresh_from_db()
    assert risk.closed_at is None


def test_escalation_and_assignment_notify(org, running):
    running.sponsor = org.user("executive")
    running.save()
    risk = raise_item(
        org,
        running,
        kind="risk",
        title="Vendor late",
        probability=Decimal("0.5"),
        impact=4,
        owner_id=org.user("team_member").pk,
    )
    assert Notification.objects.filter(
        kind="assignment", recipient=org.user("team_member")
    ).exists()
    services.raid_item_update(
        acting_user=org.user("project_manager"), item_id=risk.pk, changes={"status": "escalated"}
    )
    escalated = Notification.objects.filter(kind="risk_escalated")
    assert set(escalated.values_list("recipient__username", flat=True)) == {
        "acme-executive",
        "acme-portfolio_manager",
    }


def test_marking_the_register_reviewed_touches_open_items_only(org, running):
    old = timezone.now() - 40 * DAY
    open_item = raise_item(org, running, kind="issue", title="Open")
    closed = raise_item(org, running, kind="issue", title="Closed", status="closed")
    RaidItem.objects.update(last_reviewed_at=old)
    assert (
        services.raid_register_review(
            acting_user=org.user("project_manager"), project_id=running.pk
        )
        == 1
    )
    open_item.refresh_from_db()
    closed.refresh_from_db()
    assert open_item.last_reviewed_at > old and closed.last_reviewed_at == old
    with pytest.raises(AccessDenied):
        services.raid_register_review(acting_user=org.user("executive"), project_id=running.pk)


# Change requests


def draft(org, project, **fields):
    values = {
        "title": "Add single sign-on",
        "reason": "Security audit finding",
        "cost_impact": Decimal("15000.00"),
        "schedule_impact_days": 10,
        **fields,
    }
    return services.change_request_create(
        acting_user=org.user("project_manager"), project_id=project.pk, fields=values
    )


def submitted(org, project, **fields):
    change = draft(org, project, **fields)
    return services.change_request_submit(
        acting_user=org.user("project_manager"), change_request_id=change.pk
    )


def baseline_with_tasks(project):
    """Baseline 0: one finished task, one in progress, one not started (costs 1000/2000/3000)."""
    now = timezone.now()
    baseline = BaselineFactory(project=project, number=0)
    rows = []
    for uid, (start, finish, cost) in enumerate(
        [(-30, -10, "1000.00"), (-5, 20, "2000.00"), (30, 60, "3000.00")], start=1
    ):
        task = TaskFactory(project=project, uid=uid)
        rows.append(
            BaselineTaskFactory(
                baseline=baseline,
                task=task,
                start=now + start * DAY,
                finish=now + finish * DAY,
                cost=Decimal(cost),
            )
        )
    return baseline, rows


def test_an_approved_change_becomes_a_new_baseline_version(org, running):
    baseline, rows = baseline_with_tasks(running)
    change = submitted(org, running, cost_impact=Decimal("1000.00"), schedule_impact_days=10)
    services.change_request_approve(
        acting_user=org.user("executive"), change_request_id=change.pk, reason="Required by audit"
    )
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.APPLIED and change.applied_at is not None
    new = Baseline.objects.get(project=running, number=1)
    assert new.name == f"After {change.ref}"
    copies = {row.task_uid: row for row in new.tasks.all()}
    # Finished work stays; work in progress finishes later; work not started moves.
    assert copies[1].start == rows[0].start and copies[1].finish == rows[0].finish
    assert copies[2].start == rows[1].start and copies[2].finish == rows[1].finish + 10 * DAY
    assert copies[3].start == rows[2].start + 10 * DAY
    assert copies[3].finish == rows[2].finish + 10 * DAY
    # The cost goes to the unfinished work in proportion to its cost: 2000:3000.
    assert copies[1].cost == Decimal("1000.00")
    assert copies[2].cost == Decimal("2400.00") and copies[3].cost == Decimal("3600.00")
    # Baseline 0 is kept as it was.
    assert {row.cost for row in baseline.tasks.all()} == {
        Decimal("1000.00"),
        Decimal("2000.00"),
        Decimal("3000.00"),
    }


def test_a_saving_is_spread_to_the_cent(org, running):
    baseline_with_tasks(running)
    change = submitted(org, running, cost_impact=Decimal("-100.01"), schedule_impact_days=0)
    services.change_request_approve(
        acting_user=org.user("pmo_analyst"), change_request_id=change.pk
    )
    costs = sum(row.cost for row in Baseline.objects.get(number=1).tasks.all())
    assert costs == Decimal("6000.00") - Decimal("100.01")
    too_much = submitted(org, running, cost_impact=Decimal("-9000.00"))
    with pytest.raises(ValidationFailed):
        services.change_request_approve(
            acting_user=org.user("pmo_analyst"), change_request_id=too_much.pk
        )


def test_without_a_baseline_an_approved_change_waits(org, running):
    change = submitted(org, running)
    services.change_request_approve(
        acting_user=org.user("pmo_analyst"), change_request_id=change.pk
    )
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.APPROVED
    with pytest.raises(Conflict):
        services.change_request_apply(
            acting_user=org.user("project_manager"), change_request_id=change.pk
        )
    baseline_with_tasks(running)
    new = services.change_request_apply(
        acting_user=org.user("project_manager"), change_request_id=change.pk
    )
    assert new.number == 1
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.APPLIED


def test_rejection_keeps_the_baseline_and_the_board_decides(org, running):
    baseline_with_tasks(running)
    change = submitted(org, running)
    for role, refused in (("project_manager", AccessDenied), ("team_member", NotFound)):
        with pytest.raises(refused):
            services.change_request_approve(acting_user=org.user(role), change_request_id=change.pk)
    with pytest.raises(ValidationFailed):
        services.change_request_reject(
            acting_user=org.user("executive"), change_request_id=change.pk, reason=" "
        )
    services.change_request_reject(
        acting_user=org.user("executive"), change_request_id=change.pk, reason="Not this year"
    )
    change.refresh_from_db()
    assert change.status == ChangeRequest.Status.REJECTED
    assert Baseline.objects.filter(project=running).count() == 1
    assert Notification.objects.filter(kind="change_request_decided").exists()


def test_drafts_change_submitted_ones_do_not(org, running):
    change = draft(org, running, reason="", cost_impact=Decimal(0), schedule_impact_days=0)
    with pytest.raises(ValidationFailed) as error:
        services.change_request_submit(
            acting_user=org.user("project_manager"), change_request_id=change.pk
        )
    assert set(error.value.errors) == {"reason", "scope_impact"}
    services.change_request_update(
        acting_user=org.user("project_manager"),
        change_request_id=change.pk,
        changes={"reason": "Audit", "scope_impact": "SSO for the portal"},
    )
    services.change_request_submit(
        acting_user=org.user("project_manager"), change_request_id=change.pk
    )
    with pytest.raises(Conflict):
        services.change_request_update(
            acting_user=org.user("project_manager"),
            change_request_id=change.pk,
            changes={"title": "Something else"},
        )
    assert draft(org, running).ref == "CR-002"
