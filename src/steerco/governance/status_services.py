"""Status reports: one per project per period, at the cadence of the project's methodology.

A new report carries the RAG the project's data suggests for each dimension (see
``rag_suggestions``) beside the project manager's own call, which starts from the
suggestion. Submitting freezes the report and sets the project's health to its overall
RAG. Reminders go to the manager of every running project whose report for the last
complete period is missing, once per period.

Periods: monthly reports cover calendar months; weekly ones Monday to Sunday; fortnightly
ones two weeks from Monday 1 January 2024 (any fixed Monday would do: it only has to stay
the same). A report is due a few days after its period ends (``GRACE_DAYS``).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from steerco.accounts.models import User
from steerco.comms import events
from steerco.comms.models import Notification, NotificationKind
from steerco.comms.services import activity_record, notification_send
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import Conflict, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.governance.access import access_governed_project, access_status_report_by_id
from steerco.governance.models import MethodologyTemplate, StatusReport
from steerco.governance.rag_suggestions import rag_suggestion_for
from steerco.governance.validation import (
    Errors,
    check_choice,
    check_date,
    check_text,
    differs,
    reject_unknown,
)
from steerco.projects import services as project_services
from steerco.projects.models import Milestone, Project, Rag

Action = AuditEntry.Action
Cadence = MethodologyTemplate.Cadence
FORTNIGHT_ANCHOR = datetime.date(2024, 1, 1)  # a Monday
GRACE_DAYS = {Cadence.WEEKLY: 2, Cadence.FORTNIGHTLY: 3, Cadence.MONTHLY: 5}
REPORTING_STAGES = (Project.Stage.IN_EXECUTION, Project.Stage.CLOSING)
RAG_FIELDS = ("overall", "schedule", "cost", "scope", "risk")
KEY_MILESTONES_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime.date
    end: datetime.date
    cadence: str

    @property
    def due(self) -> datetime.date:
        return self.end + datetime.timedelta(days=GRACE_DAYS[Cadence(self.cadence)])

    @property
    def label(self) -> str:
        if self.cadence == Cadence.MONTHLY:
            return f"{self.start:%B %Y}"
        return f"{self.start:%d %b} – {self.end:%d %b %Y}"


def period_for(cadence: str, day: datetime.date) -> Period:
    """The reporting period of ``cadence`` that contains ``day``."""
    if cadence == Cadence.WEEKLY:
        start = day - datetime.timedelta(days=day.weekday())
        return Period(start, start + datetime.timedelta(days=6), cadence)
    if cadence == Cadence.FORTNIGHTLY:
        index = (day - FORTNIGHT_ANCHOR).days // 14
        start = FORTNIGHT_ANCHOR + datetime.timedelta(days=14 * index)
        return Period(start, start + datetime.timedelta(days=13), cadence)
    last = calendar.monthrange(day.year, day.month)[1]
    return Period(day.replace(day=1), day.replace(day=last), Cadence.MONTHLY)


def previous_period(cadence: str, day: datetime.date) -> Period:
    return period_for(cadence, period_for(cadence, day).start - datetime.timedelta(days=1))


def cadence_of(project: Project, default_methodology: MethodologyTemplate | None = None) -> str:
    methodology = project.methodology if project.methodology_id else default_methodology
    if methodology is None and project.methodology_id is None:
        methodology = MethodologyTemplate.objects.filter(
            organisation_id=project.organisation_id, is_default=True
        ).first()
    return methodology.status_report_cadence if methodology is not None else Cadence.MONTHLY


class StatusReportFields(TypedDict, total=False):
    overall: str
    schedule: str
    cost: str
    scope: str
    risk: str
    narrative: str
    achievements: str
    next_steps: str
    key_milestones: list[dict[str, Any]]


REPORT_FIELDS = frozenset(StatusReportFields.__optional_keys__)
MILESTONE_KEYS = frozenset({"name", "due", "forecast", "achieved", "note"})


def _key_milestones(project: Project, after: datetime.date) -> list[dict[str, str]]:
    milestones = list(
        Milestone.objects.filter(project=project, achieved_date__isnull=True).order_by(
            "due_date", "name"
        )
    )
    watched = [milestone for milestone in milestones if milestone.is_key] or milestones
    return [
        {
            "name": milestone.name,
            "due": (milestone.baseline_date or milestone.due_date).isoformat(),
            "forecast": (milestone.forecast_date or milestone.due_date).isoformat(),
        }
        for milestone in watched
        if (milestone.forecast_date or milestone.due_date) >= after
    ][:KEY_MILESTONES_SHOWN]


def _check_milestones(errors: Errors, value: object) -> None:
    if not isinstance(value, list):
        errors.add("key_milestones", "Give a list of milestones.")
        return
    for index, row in enumerate(value):
        where = f"key_milestones[{index}]"
        if not isinstance(row, dict):
            errors.add(where, "Give each milestone as an object.")
            continue
        unknown = set(row) - MILESTONE_KEYS
        if unknown:
            errors.add(where, "Unknown keys: " + ", ".join(sorted(unknown)) + ".")
        if not isinstance(row.get("name"), str) or not row["name"].strip():
            errors.add(f"{where}.name", "Name the milestone.")
        for key in ("due", "forecast", "achieved"):
            text = row.get(key)
            if text in (None, ""):
                continue
            try:
                datetime.date.fromisoformat(str(text))
            except ValueError:
                errors.add(f"{where}.{key}", "Use a date such as 2026-03-31.")


def _report_errors(values: dict[str, Any], check: set[str]) -> None:
    errors = Errors()
    for name in RAG_FIELDS:
        if name in check:
            check_choice(errors, name, values.get(name), Rag.values)
    for name in ("narrative", "achievements", "next_steps"):
        if name in check:
            check_text(errors, name, values.get(name), max_length=20000)
    if "key_milestones" in check:
        _check_milestones(errors, values.get("key_milestones"))
    errors.raise_if_any()


def _default_period(project: Project, cadence: str, today: datetime.date) -> Period:
    """Last period while its report is still unwritten and not yet overdue, else this one."""
    previous = previous_period(cadence, today)
    written = StatusReport.objects.filter(project=project, period_start=previous.start).exists()
    if not written and today <= previous.due:
        return previous
    return period_for(cadence, today)


@transaction.atomic
def status_report_create(
    *,
    acting_user: User,
    project_id: int,
    period_start: datetime.date | None = None,
    fields: StatusReportFields | None = None,
) -> StatusReport:
    """Start the report of a period (by default the one due now), with suggestions filled in."""
    project = access_governed_project(acting_user, project_id, for_edit=True)
    fields = fields or {}
    errors = Errors()
    reject_unknown(errors, fields, REPORT_FIELDS)
    check_date(errors, "period_start", period_start)
    errors.raise_if_any()
    cadence = cadence_of(project)
    today = timezone.localdate()
    if period_start is None:
        period = _default_period(project, cadence, today)
    else:
        period = period_for(cadence, period_start)
        if period.start != period_start:
            raise ValidationFailed(
                {
                    "period_start": [
                        f"{project.code} reports {Cadence(cadence).label.lower()}: the period "
                        f"containing {period_start} starts on {period.start}."
                    ]
                }
            )
    if StatusReport.objects.filter(project=project, period_start=period.start).exists():
        raise Conflict(f"{project.code} already has a report for {period.label}.")
    suggestion = rag_suggestion_for(project, min(period.end, today))
    previous = (
        StatusReport.objects.filter(project=project, period_start__lt=period.start)
        .order_by("-period_start")
        .first()
    )
    calls = {
        name: getattr(suggestion, name).rag
        or (getattr(previous, name) if previous is not None else Rag.GREEN)
        for name in RAG_FIELDS
    }
    values: dict[str, Any] = {
        **calls,
        "narrative": "",
        "achievements": "",
        "next_steps": previous.next_steps if previous is not None else "",
        "key_milestones": _key_milestones(project, period.start),
        **fields,
    }
    _report_errors(values, set(values))
    try:
        with transaction.atomic():
            report = StatusReport.objects.create(
                project=project,
                period_start=period.start,
                period_end=period.end,
                author=acting_user,
                **suggestion.as_fields(),
                **values,
            )
    except IntegrityError as error:
        raise Conflict(f"{project.code} already has a report for {period.label}.") from error
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=report,
        organisation_id=project.organisation_id,
        after=snapshot(report),
        summary=f"Started the status report of {project.code} for {period.label}",
    )
    return report


def _require_draft(report: StatusReport) -> None:
    if report.status != StatusReport.Status.DRAFT:
        raise Conflict("This report has been submitted: it no longer changes.")


@transaction.atomic
def status_report_update(
    *, acting_user: User, report_id: int, changes: StatusReportFields
) -> StatusReport:
    report = access_status_report_by_id(acting_user, report_id, for_edit=True)
    _require_draft(report)
    errors = Errors()
    reject_unknown(errors, changes, REPORT_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(report, name) for name in REPORT_FIELDS} | dict(changes)
    _report_errors(values, set(changes))
    if not differs(report, changes):
        return report
    before = snapshot(report)
    for name, value in changes.items():
        setattr(report, name, value)
    report.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=report,
        organisation_id=report.project.organisation_id,
        before=before,
        after=snapshot(report),
        summary=f"Updated the status report of {report.project.code} from {report.period_start}",
    )
    return report


@transaction.atomic
def status_report_refresh_suggestions(*, acting_user: User, report_id: int) -> StatusReport:
    """Compute the suggestions again from today's data (the author's calls stay)."""
    report = access_status_report_by_id(acting_user, report_id, for_edit=True)
    _require_draft(report)
    as_of = min(report.period_end, timezone.localdate())
    fields = rag_suggestion_for(report.project, as_of).as_fields()
    before = snapshot(report, list(fields))
    for name, value in fields.items():
        setattr(report, name, value)
    report.save(update_fields=[*fields, "updated_at"])
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=report,
        organisation_id=report.project.organisation_id,
        before=before,
        after=snapshot(report, list(fields)),
        summary=f"Refreshed the suggested RAG of {report.project.code}'s report",
    )
    return report


@transaction.atomic
def status_report_submit(*, acting_user: User, report_id: int) -> StatusReport:
    """Freeze the report and set the project's health to its overall RAG."""
    report = access_status_report_by_id(acting_user, report_id, for_edit=True)
    _require_draft(report)
    if not report.narrative.strip():
        differing = [
            name
            for name in RAG_FIELDS
            if getattr(report, f"suggested_{name}")
            and getattr(report, f"suggested_{name}") != getattr(report, name)
        ]
        message = "Write the narrative: what changed, what is at risk, what you need."
        if differing:
            calls = "call differs" if len(differing) == 1 else "calls differ"
            message += f" Explain why your {', '.join(differing)} {calls} from the suggestion."
        raise ValidationFailed({"narrative": [message]})
    before = snapshot(report, ["status", "submitted_at"])
    report.status = StatusReport.Status.SUBMITTED
    report.submitted_at = timezone.now()
    report.save(update_fields=["status", "submitted_at", "updated_at"])
    project = report.project
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=report,
        organisation_id=project.organisation_id,
        before=before,
        after=snapshot(report, ["status", "submitted_at"]),
        summary=f"Submitted the status report of {project.code} for {report.period_start}",
    )
    latest = (
        StatusReport.objects.filter(project=project, status=StatusReport.Status.SUBMITTED)
        .order_by("-period_start")
        .values_list("pk", flat=True)
        .first()
    )
    if latest == report.pk and project.health != report.overall:
        project_services.project_update(
            acting_user=acting_user, project_id=project.pk, changes={"health": report.overall}
        )
    activity_record(
        actor=acting_user,
        verb="submitted status report",
        target=report,
        label=f"{project.code} {report.period_start:%Y-%m-%d}: {report.get_overall_display()}",
        project=project,
        data={
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "overall": report.overall,
            "url": reverse("governance:status_report", args=[report.pk]),
        },
        event=events.STATUS_REPORT_SUBMITTED,
    )
    return report


@transaction.atomic
def status_report_delete(*, acting_user: User, report_id: int) -> None:
    report = access_status_report_by_id(acting_user, report_id, for_edit=True)
    _require_draft(report)
    before, pk, project = snapshot(report), report.pk, report.project
    report.delete()
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=StatusReport._meta.label_lower,
        entity_id=pk,
        organisation_id=project.organisation_id,
        before=before,
        summary=f"Deleted the draft status report of {project.code} from {before['period_start']}",
    )


# Reports due and reminders


@dataclass(frozen=True, slots=True)
class DueReport:
    project: Project
    period: Period
    overdue: bool
    draft_id: int | None

    @property
    def new_report_url(self) -> str:
        url = reverse("governance:status_report_new", args=[self.project.pk])
        return f"{url}?period={self.period.start.isoformat()}"


def due_reports(projects: Iterable[Project], today: datetime.date) -> list[DueReport]:
    """Reports of the last complete period not yet submitted, for running projects.

    ``projects`` should come with ``methodology`` selected; three more queries in all.
    """
    running = [project for project in projects if project.stage in REPORTING_STAGES]
    if not running:
        return []
    defaults = {
        template.organisation_id: template
        for template in MethodologyTemplate.objects.filter(
            organisation_id__in={project.organisation_id for project in running},
            is_default=True,
        )
    }
    wanted: dict[int, Period] = {}
    for project in running:
        cadence = cadence_of(project, defaults.get(project.organisation_id))
        period = previous_period(cadence, today)
        started = project.start_date is None or project.start_date <= period.end
        entered = project.stage_changed_at is None or project.stage_changed_at.date() <= period.end
        if started and entered:
            wanted[project.pk] = period
    reports = StatusReport.objects.filter(
        project_id__in=list(wanted), period_start__in={period.start for period in wanted.values()}
    ).values_list("project_id", "period_start", "status", "pk")
    submitted: set[int] = set()
    drafts: dict[int, int] = {}
    for project_id, start, status, pk in reports:
        if wanted[project_id].start != start:
            continue
        if status == StatusReport.Status.SUBMITTED:
            submitted.add(project_id)
        else:
            drafts[project_id] = pk
    return [
        DueReport(
            project, wanted[project.pk], today > wanted[project.pk].due, drafts.get(project.pk)
        )
        for project in running
        if project.pk in wanted and project.pk not in submitted
    ]


@dataclass(frozen=True, slots=True)
class ReminderRun:
    due: list[DueReport]
    notified: list[DueReport]


def status_report_reminders(
    *,
    today: datetime.date | None = None,
    organisation_ids: Sequence[int] | None = None,
    dry_run: bool = False,
) -> ReminderRun:
    """Remind each manager once per period of a missing status report (a scheduled job)."""
    today = today or timezone.localdate()
    projects = Project.objects.filter(stage__in=REPORTING_STAGES, manager__isnull=False)
    if organisation_ids is not None:
        projects = projects.filter(organisation_id__in=list(organisation_ids))
    due = due_reports(projects.select_related("methodology", "manager"), today)
    if dry_run or not due:
        return ReminderRun(due, [])
    already = set(
        Notification.objects.filter(
            kind=NotificationKind.STATUS_REPORT_DUE,
            url__in=[report.new_report_url for report in due],
        ).values_list("recipient_id", "url")
    )
    notified: list[DueReport] = []
    with transaction.atomic():
        for report in due:
            manager = report.project.manager
            if manager is None or (manager.pk, report.new_report_url) in already:
                continue
            when = "was due" if report.overdue else "is due"
            title = f"Status report of {report.project.code} for {report.period.label} {when}"
            sent = notification_send(
                recipients=[manager],
                actor=None,
                kind=NotificationKind.STATUS_REPORT_DUE,
                title=title,
                body=f"Due on {report.period.due:%A %d %B %Y}.",
                url=report.new_report_url,
                organisation_id=report.project.organisation_id,
            )
            if sent:
                notified.append(report)
                activity_record(
                    actor=None,
                    verb="was reminded of the status report due",
                    target=report.project,
                    label=title,
                    project=report.project,
                    data={
                        "manager": manager.username,
                        "period": report.period.label,
                        "period_start": report.period.start.isoformat(),
                        "due": report.period.due.isoformat(),
                        "overdue": report.overdue,
                        "url": report.new_report_url,
                    },
                    event=events.STATUS_REPORT_DUE,
                )
        if notified:
            audit_record(
                actor=None,
                action=Action.ACTION,
                entity_type="governance.statusreport",
                entity_id="reminders",
                organisation_id=notified[0].project.organisation_id
                if len({report.project.organisation_id for report in notified}) == 1
                else None,
                after={"projects": [report.project.code for report in notified]},
                summary=f"Reminded {len(notified)} managers of status reports due",
            )
    return ReminderRun(due, notified)
