"""The audit trail of the weeks before the status date, as the services would have written it."""

from __future__ import annotations

import datetime as dt

from steerco.core.models import AuditEntry
from steerco.demo import dates
from steerco.demo.bulk import insert_objects
from steerco.demo.context import DemoContext
from steerco.finance.models import Budget
from steerco.governance.models import ChangeRequest, GateReview
from steerco.projects.models import Baseline
from steerco.resources.models import LockedPeriod, Timesheet

SINCE = dt.date(2026, 9, 1)


def build_audit_trail(context: DemoContext) -> None:
    organisation = context.organisation
    rows: list[AuditEntry] = []

    def entry(
        actor_username: str | None,
        action: str,
        entity_type: str,
        entity_id: object,
        summary: str,
        at: dt.datetime,
        after: dict[str, object] | None = None,
    ) -> None:
        rows.append(
            AuditEntry(
                organisation=organisation,
                actor=context.users[actor_username] if actor_username else None,
                at=at,
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id),
                summary=summary[:300],
                after=after or {},
            )
        )

    since = dates.aware(SINCE, 0)
    for review in GateReview.objects.filter(
        project__organisation=organisation, decided_at__gte=since
    ).select_related("project", "gate", "decision_by"):
        assert review.decided_at is not None
        entry(
            review.decision_by.username if review.decision_by else None,
            AuditEntry.Action.ACTION,
            "governance.gatereview",
            review.pk,
            f"{review.gate.code} {review.gate.name} {review.get_status_display().lower()} for "
            f"{review.project.code}",
            review.decided_at,
            {"status": review.status},
        )
    for change in ChangeRequest.objects.filter(organisation=organisation).select_related(
        "project", "decided_by", "requested_by"
    ):
        if change.submitted_at and change.submitted_at >= since:
            entry(
                change.requested_by.username if change.requested_by else None,
                AuditEntry.Action.UPDATE,
                "governance.changerequest",
                change.pk,
                f"{change.project.code} {change.ref} submitted",
                change.submitted_at,
                {"status": "submitted"},
            )
        if change.decided_at and change.decided_at >= since:
            entry(
                change.decided_by.username if change.decided_by else None,
                AuditEntry.Action.UPDATE,
                "governance.changerequest",
                change.pk,
                f"{change.project.code} {change.ref} {change.get_status_display().lower()}",
                change.decided_at,
                {"status": change.status},
            )
    for budget in Budget.objects.filter(
        project__organisation=organisation, approved_at__gte=since
    ).select_related("project"):
        assert budget.approved_at is not None
        entry(
            "exec",
            AuditEntry.Action.ACTION,
            "finance.budget",
            budget.pk,
            f"Budget v{budget.version} of {budget.project.code} approved ({budget.total:,} EUR)",
            budget.approved_at,
            {"status": "approved", "total": str(budget.total)},
        )
    for baseline in Baseline.objects.filter(
        project__organisation=organisation, captured_at__gte=since
    ).select_related("project", "captured_by"):
        entry(
            baseline.captured_by.username if baseline.captured_by else None,
            AuditEntry.Action.CREATE,
            "projects.baseline",
            baseline.pk,
            f"Baseline {baseline.number} captured for {baseline.project.code}",
            baseline.captured_at,
        )
    for locked in LockedPeriod.objects.filter(organisation=organisation):
        entry(
            "pmo",
            AuditEntry.Action.CREATE,
            "resources.lockedperiod",
            locked.pk,
            f"Time and cost locked until {locked.until:%d %B %Y}",
            dates.aware(dt.date(2026, 11, 4), 17),
        )
    for week in (dt.date(2026, 10, 26), dt.date(2026, 11, 2)):
        approved = Timesheet.objects.filter(
            organisation=organisation, week_start=week, status="approved"
        ).count()
        entry(
            "resources",
            AuditEntry.Action.ACTION,
            "resources.timesheet",
            f"{week:%Y-%m-%d}",
            f"{approved} timesheets approved for the week of {week:%d %B}",
            dates.aware(week + dt.timedelta(days=7), 10, 30),
            {"approved": approved},
        )
    entry(
        None,
        AuditEntry.Action.ACTION,
        "resources.capacityperiod",
        "2025-06+43",
        "Capacity refreshed for 43 months from 2025-06",
        dates.aware(dates.STATUS_DATE, 6, 0),
    )
    entry(
        "admin",
        AuditEntry.Action.UPDATE,
        "accounts.user",
        context.users["resources"].pk,
        "Role of Sofia Lindqvist set to resource manager",
        dates.aware(dt.date(2026, 9, 14), 9, 20),
        {"role": "resource_manager"},
    )
    rows.sort(key=lambda row: (row.at, row.entity_type, row.entity_id))
    insert_objects(rows, keep_timestamps=True)
