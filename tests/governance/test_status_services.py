"""Status reports: periods, suggestions beside the manager's call, submission, reminders."""

from __future__ import annotations

import datetime
from decimal import Decimal
from unittest import mock

import pytest

from steerco.comms.models import Notification
from steerco.core.errors import Conflict, ValidationFailed
from steerco.governance import services
from steerco.governance.job_handlers import status_report_reminders as reminder_job
from steerco.governance.models import StatusReport
from steerco.governance.status_services import period_for, previous_period
from steerco.projects.models import Project
from tests.factories import MilestoneFactory, RaidItemFactory

TODAY = datetime.date(2026, 5, 4)  # a Monday


@pytest.mark.parametrize(
    ("cadence", "day", "start", "end", "due"),
    [
        ("monthly", "2026-02-14", "2026-02-01", "2026-02-28", "2026-03-05"),
        ("weekly", "2026-05-07", "2026-05-04", "2026-05-10", "2026-05-12"),
        ("fortnightly", "2026-05-07", "2026-05-04", "2026-05-17", "2026-05-20"),
        ("fortnightly", "2024-01-14", "2024-01-01", "2024-01-14", "2024-01-17"),
    ],
)
def test_periods(cadence, day, start, end, due):
    period = period_for(cadence, datetime.date.fromisoformat(day))
    assert (period.start.isoformat(), period.end.isoformat(), period.due.isoformat()) == (
        start,
        end,
        due,
    )


def test_previous_period_is_the_one_before():
    assert previous_period("monthly", datetime.date(2026, 1, 10)).start == datetime.date(
        2025, 12, 1
    )
    assert previous_period("weekly", datetime.date(2026, 5, 4)).start == datetime.date(2026, 4, 27)


@pytest.fixture
def running(make_project, method):
    return make_project(
        code="OPS-1",
        stage=Project.Stage.IN_EXECUTION,
        start_date=datetime.date(2026, 1, 1),
        health="green",
    )


def today_is(day):
    return mock.patch("django.utils.timezone.localdate", return_value=day)


@pytest.mark.django_db
def test_a_new_report_starts_from_the_suggestion_and_the_milestones(org, running):
    RaidItemFactory(project=running, probability=Decimal("0.6"), impact=4)
    RaidItemFactory(project=running, probability=Decimal("0.8"), impact=5)
    MilestoneFactory(
        project=running, name="Go-live", is_key=True, due_date=datetime.date(2026, 9, 1)
    )
    MilestoneFactory(project=running, name="Design done", due_date=datetime.date(2026, 6, 1))
    with today_is(TODAY):
        report = services.status_report_create(
            acting_user=org.user("project_manager"), project_id=running.pk
        )
    # On 4 May April's report is not yet overdue, so April is the default period.
    assert (report.period_start, report.period_end) == (
        datetime.date(2026, 4, 1),
        datetime.date(2026, 4, 30),
    )
    assert report.suggested_risk == "red" and report.risk == "red"
    assert report.suggested_schedule == "green"  # key milestones on their dates
    assert report.suggested_cost == "" and report.cost == "green"  # no budget, no baseline
    assert report.suggested_overall == "red" and report.overall == "red"
    assert report.key_milestones == [
        {"name": "Go-live", "due": "2026-09-01", "forecast": "2026-09-01"}
    ]
    assert report.status == StatusReport.Status.DRAFT
    with today_is(TODAY), pytest.raises(Conflict):
        services.status_report_create(
            acting_user=org.user("project_manager"),
            project_id=running.pk,
            period_start=datetime.date(2026, 4, 1),
        )
    with pytest.raises(ValidationFailed) as error:
        services.status_report_create(
            acting_user=org.user("project_manager"),
            project_id=running.pk,
            period_start=datetime.date(2026, 4, 15),
        )
    assert "starts on 2026-04-01" in error.value.errors["period_start"][0]


@pytest.mark.django_db
def test_submitting_needs_a_narrative_freezes_the_report_and_sets_the_health(org, running):
    manager = org.user("project_manager")
    with today_is(TODAY):
        report = services.status_report_create(acting_user=manager, project_id=running.pk)
    services.status_report_update(
        acting_user=manager, report_id=report.pk, changes={"overall": "amber", "cost": "amber"}
    )
    with pytest.raises(ValidationFailed) as error:
        services.status_report_submit(acting_user=manager, report_id=report.pk)
    assert "Explain why your overall call differs" in error.value.errors["narrative"][0]
    with pytest.raises(ValidationFailed):
        services.status_report_update(
            acting_user=manager,
            report_id=report.pk,
            changes={"key_milestones": [{"name": "", "due": "soon"}]},
        )
    services.status_report_update(
        acting_user=manager,
        report_id=report.pk,
        changes={"narrative": "Vendor invoices run ahead of the plan."},
    )
    services.status_report_submit(acting_user=manager, report_id=report.pk)
    running.refresh_from_db()
    report.refresh_from_db()
    assert report.status == StatusReport.Status.SUBMITTED and report.submitted_at is not None
    assert running.health == "amber"
    with pytest.raises(Conflict):
        services.status_report_update(
            acting_user=manager, report_id=report.pk, changes={"overall": "green"}
        )
    with pytest.raises(Conflict):
        services.status_report_delete(acting_user=manager, report_id=report.pk)


@pytest.mark.django_db
def test_reminders_go_once_per_period_to_managers_of_running_projects(org, running, make_project):
    make_project(code="IDEA-1", stage=Project.Stage.PROPOSAL)
    late_starter = make_project(
        code="NEW-1", stage=Project.Stage.IN_EXECUTION, start_date=datetime.date(2026, 5, 2)
    )
    reported = make_project(
        code="OK-1", stage=Project.Stage.IN_EXECUTION, start_date=datetime.date(2026, 1, 1)
    )
    StatusReport.objects.create(
        project=reported,
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 4, 30),
        status="submitted",
    )
    first = services.status_report_reminders(today=datetime.date(2026, 5, 8))
    assert [due.project.code for due in first.due] == ["OPS-1"]
    assert first.due[0].overdue  # due on 5 May
    assert [due.project.code for due in first.notified] == ["OPS-1"]
    note = Notification.objects.get(kind="status_report_due")
    assert note.recipient == org.user("project_manager")
    assert note.url.endswith(
        f"/governance/projects/{running.pk}/status-reports/new/?period=2026-04-01"
    )
    again = services.status_report_reminders(today=datetime.date(2026, 5, 9))
    assert len(again.due) == 1 and again.notified == []
    assert Notification.objects.filter(kind="status_report_due").count() == 1
    assert late_starter.pk not in {due.project.pk for due in again.due}


@pytest.mark.django_db
def test_the_reminder_job_and_a_dry_run(org, running):
    dry = services.status_report_reminders(today=datetime.date(2026, 5, 8), dry_run=True)
    assert len(dry.due) == 1 and dry.notified == []
    progress = mock.Mock()
    result = reminder_job({"today": "2026-05-08", "organisation_id": org.organisation.pk}, progress)
    assert result == {"due": 1, "reminded": ["OPS-1"]}
    progress.assert_called_with(100, "1 reminders sent")
