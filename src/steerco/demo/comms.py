"""Comments with @mentions, notifications, the activity feed and subscriptions."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse

from steerco.accounts.models import User
from steerco.comms import events
from steerco.comms.models import (
    ActivityEvent,
    Comment,
    Mention,
    Notification,
    NotificationKind,
    NotificationPreference,
    Subscription,
    Webhook,
    WebhookDelivery,
)
from steerco.demo import catalogue, dates
from steerco.demo.bulk import insert_objects
from steerco.demo.context import DemoContext, rng_for
from steerco.governance.models import ChangeRequest, GateReview, RaidItem, StatusReport
from steerco.projects.models import Project, Task
from steerco.resources.models import ResourceRequest

MENTION = re.compile(r"@([a-z0-9._-]+[a-z0-9])")
UNREAD_FROM = dt.date(2026, 11, 9)


@dataclass
class Thread:
    """A comment and its replies; ``{pm}``, ``{owner}``... are filled in per project."""

    messages: list[tuple[str, str]]  # (author key, body)


PROJECT_THREADS = [
    Thread([
        ("sponsor", "@{pm} can the revised forecast go into Friday's board pack? I want the "
         "board to see the trend, not just this month."),
        ("pm", "Yes, @{sponsor}. Forecast finish is {finish}; I'll add the baseline comparison."),
    ]),
    Thread([
        ("pmo", "@{pm} the October status report says amber on cost but the forecast hasn't "
         "changed since September. Can you update it before the portfolio review?"),
        ("pm", "Updated this morning, thanks @pmo."),
    ]),
    Thread([
        ("pm", "@{member} thanks for covering the weekend cutover rehearsal. Let's capture what "
         "we learnt in the runbook."),
    ]),
    Thread([
        ("portfolio", "Heads-up @{pm}: the heatmap shows your {role} bookings above capacity in "
         "the first quarter. Can we talk about sequencing?"),
        ("pm", "@resources could we swap one of the bookings with the approved request on "
         "another project?"),
        ("resources", "@{pm} I'll propose an option by Thursday."),
    ]),
]  # fmt: skip

RISK_THREADS = [
    Thread([
        ("pm", "@{owner} the vendor confirmed the new delivery date yesterday. Can we lower the "
         "probability on this one?"),
        ("owner", "Lowered to 30%. Trend stays steady until the first delivery actually lands."),
    ]),
    Thread([
        ("portfolio", "@{pm} this risk now threatens a key milestone. Please bring it to the "
         "portfolio board next week."),
    ]),
]  # fmt: skip

TASK_THREADS = [
    Thread([
        ("pm", "@{member} this task is on the critical path now: any slip moves go-live. Can you "
         "give me a realistic finish date by Friday?"),
        ("member", "@{pm} realistic finish is two days after plan; I'll update the percent "
         "complete tonight."),
    ]),
    Thread([
        ("pmo", "@{pm} the actual hours booked here are well above the estimate. Is the "
         "remaining duration still right?"),
        ("pm", "Good catch @pmo, re-estimated: three more days. The schedule is updated."),
    ]),
]  # fmt: skip

GATE_THREADS = [
    Thread([
        ("pm", "@{decider} the conditions are in hand: the open checklist items will be closed "
         "before the due date."),
        ("decider", "Thanks @{pm}. Please attach the evidence to the checklist so that the PMO "
         "can close the conditions."),
    ]),
]  # fmt: skip

REPORT_THREADS = [
    Thread([
        ("exec", "@{pm} good, clear report. For the board, can you put a number on the cost of "
         "the delay?"),
        ("pm", "About EUR {delay_cost} per month of delay, mostly vendor day rates. I've added "
         "it to the narrative."),
    ]),
]  # fmt: skip


def build_comms(context: DemoContext) -> None:
    types = ContentType.objects.get_for_models(
        Project, RaidItem, StatusReport, GateReview, ChangeRequest, Task, ResourceRequest, Comment
    )
    comments, mentions = _comments(context, types)
    insert_objects(comments, keep_timestamps=True)
    insert_objects(mentions)
    notifications = _notifications(context, comments, mentions)
    insert_objects(notifications, keep_timestamps=True)
    activity = _activity(context, types, comments)
    insert_objects(activity, keep_timestamps=True)
    _subscriptions(context, types)
    _webhooks(context, activity)


def _comments(
    context: DemoContext, types: dict[type[models.Model], ContentType]
) -> tuple[list[Comment], list[Mention]]:
    comments: list[Comment] = []
    mentions: list[Mention] = []
    risks = {
        code: list(RaidItem.objects.filter(project=project, kind="risk").order_by("ref")[:2])
        for code, project in context.projects.items()
        if context.specs[code].stage in catalogue.RUNNING_STAGES
    }
    reports = {
        report.project_id: report
        for report in StatusReport.objects.filter(
            project__organisation=context.organisation, period_start=dt.date(2026, 10, 1)
        )
    }
    for spec in catalogue.PROJECTS:
        if spec.stage not in catalogue.RUNNING_STAGES:
            continue
        rng = rng_for("comments", spec.code)
        project = context.projects[spec.code]
        plan = context.plans[spec.code]
        team = [context.person_users[pk] for people in plan.team.values() for pk in people]
        names = {
            "pm": context.managers[spec.code],
            "sponsor": context.users[spec.sponsor],
            "member": rng.choice(team) if team else context.managers[spec.code],
            "pmo": context.users["pmo"],
            "portfolio": context.users["portfolio"],
            "resources": context.users["resources"],
            "exec": context.users["exec"],
        }
        if spec.code in {"DIG-101", "DIG-102", "OPS-216"}:
            names["member"] = context.users["member"]
        values = {
            "finish": f"{plan.finish:%d %B %Y}",
            "role": rng.choice(sorted(plan.team)) if plan.team else "developer",
            "delay_cost": f"{round(spec.budget_k * 1000 / spec.months / 1000) * 1000:,}",
        }
        moment = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dates.LONDON) + dt.timedelta(
            days=rng.randint(0, 30), hours=rng.randint(0, 7)
        )
        picked = rng.sample(PROJECT_THREADS, k=2)
        targets: list[tuple[Thread, models.Model, dict[str, User]]] = [
            (thread, project, names) for thread in picked
        ]
        for risk in risks.get(spec.code, [])[:1]:
            owner = risk.owner or names["pm"]
            targets.append((rng.choice(RISK_THREADS), risk, {**names, "owner": owner}))
        report = reports.get(project.pk)
        if report is not None and spec.health != "green":
            targets.append((REPORT_THREADS[0], report, names))
        targets.extend(_task_and_gate_targets(context, spec.code, names))
        for thread, target, people in targets:
            parent: Comment | None = None
            for author_key, template in thread.messages:
                moment += dt.timedelta(hours=rng.randint(2, 30))
                moment = min(moment, dt.datetime(2026, 11, 16, 7, 30, tzinfo=dates.LONDON))
                body = template.format(
                    **{key: user.username for key, user in people.items()}, **values
                )
                comment = Comment(
                    organisation=context.organisation,
                    author=people[author_key],
                    content_type=types[type(target)],
                    object_id=target.pk,
                    project=project,
                    parent=parent,
                    body=body,
                    created_at=moment,
                    updated_at=moment,
                )
                comments.append(comment)
                parent = parent or comment
                for username in sorted(set(MENTION.findall(body))):
                    user = context.users.get(username)
                    if user is not None and user != people[author_key]:
                        mentions.append(Mention(comment=comment, user=user))
    _gate_and_change_comments(context, types, comments, mentions)
    return comments, mentions


def _task_and_gate_targets(
    context: DemoContext, code: str, names: dict[str, User]
) -> list[tuple[Thread, models.Model, dict[str, User]]]:
    """A conversation on a task under way (every other project) and on a conditional gate."""
    rng = rng_for("task-and-gate-comments", code)
    targets: list[tuple[Thread, models.Model, dict[str, User]]] = []
    under_way = [
        info
        for info in context.plans[code].tasks
        if info.actual_start and not info.actual_finish and not info.is_milestone
    ]
    if under_way and int(code[-1]) % 2 == 0:
        info = rng.choice(under_way)
        task = Task(pk=info.task_id, project=context.projects[code])
        people = dict(names)
        if info.person_id is not None and info.person_id in context.person_users:
            people["member"] = context.person_users[info.person_id]
        targets.append((rng.choice(TASK_THREADS), task, people))
    review = (
        GateReview.objects.filter(
            project=context.projects[code], status=GateReview.Status.APPROVED_WITH_CONDITIONS
        )
        .select_related("decision_by")
        .order_by("-decided_at")
        .first()
    )
    if review is not None and review.decision_by is not None:
        targets.append((GATE_THREADS[0], review, {**names, "decider": review.decision_by}))
    return targets


def _gate_and_change_comments(
    context: DemoContext,
    types: dict[type[models.Model], ContentType],
    comments: list[Comment],
    mentions: list[Mention],
) -> None:
    review = GateReview.objects.get(project=context.projects["DIG-116"], status="requested")
    change = ChangeRequest.objects.get(project=context.projects["DIG-111"], ref="CR-003")
    manager = context.managers["DIG-116"]
    scripted: list[tuple[models.Model, Project, list[tuple[User, str, dt.datetime]]]] = [
        (
            review,
            context.projects["DIG-116"],
            [
                (manager, "@exec @portfolio the business case is ready for the investment "
                 "committee on 18 November.", dt.datetime(2026, 11, 9, 10, 5, tzinfo=dates.LONDON)),
                (context.users["resources"], "@portfolio before we approve: data engineers are "
                 "over-booked from February 2027, and this project adds to it.",
                 dt.datetime(2026, 11, 10, 14, 40, tzinfo=dates.LONDON)),
                (context.users["portfolio"], "Thanks @resources. I've started a what-if with "
                 "three more data engineers; @exec let's look at it together before the "
                 "committee.", dt.datetime(2026, 11, 11, 9, 15, tzinfo=dates.LONDON)),
            ],
        ),
        (
            change,
            context.projects["DIG-111"],
            [
                (context.managers["DIG-111"], "@i.moreno can finance confirm the fee saving of "
                 "EUR 300,000 a year before the board decides?",
                 dt.datetime(2026, 11, 6, 11, 30, tzinfo=dates.LONDON)),
                (context.users["i.moreno"], "@pm confirmed with treasury: 0.4% lower fees on "
                 "EUR 75m of card volume.", dt.datetime(2026, 11, 12, 16, 10, tzinfo=dates.LONDON)),
            ],
        ),
    ]  # fmt: skip
    member_task = _member_task(context)
    if member_task is not None:
        scripted.append(
            (
                member_task,
                member_task.project,
                [
                    (context.managers[member_task.project.code], "@member the nightly load "
                     "failed twice this week on this one. Can you look at it before Thursday's "
                     "reconciliation?", dt.datetime(2026, 11, 12, 8, 45, tzinfo=dates.LONDON)),
                    (context.users["member"], "On it, @pm: a schema change in the source. Fix "
                     "goes in tonight.", dt.datetime(2026, 11, 12, 10, 20, tzinfo=dates.LONDON)),
                    (context.users["pmo"], "@member please book the extra hours to this task "
                     "so that the actuals are right.", dt.datetime(2026, 11, 13, 9, 5,
                     tzinfo=dates.LONDON)),
                ],
            )
        )  # fmt: skip
    for target, project, messages in scripted:
        parent: Comment | None = None
        for author, body, moment in messages:
            comment = Comment(
                organisation=context.organisation,
                author=author,
                content_type=types[type(target)],
                object_id=target.pk,
                project=project,
                parent=parent,
                body=body,
                created_at=moment,
                updated_at=moment,
            )
            comments.append(comment)
            parent = parent or comment
            for username in sorted(set(MENTION.findall(body))):
                user = context.users.get(username)
                if user is not None and user != author:
                    mentions.append(Mention(comment=comment, user=user))


def member_person_id(context: DemoContext) -> int:
    return next(pk for pk, user in context.person_users.items() if user.username == "member")


def _member_task(context: DemoContext) -> Task | None:
    """A task of the ``member`` login that is under way, to hang a conversation on."""
    person_id = member_person_id(context)
    for code in ("DIG-101", "DIG-102", "OPS-216"):
        for info in context.plans[code].tasks:
            if info.person_id == person_id and info.actual_start and not info.actual_finish:
                return Task.objects.select_related("project").get(pk=info.task_id)
    return None


def _notification(
    context: DemoContext,
    *,
    recipient: User,
    actor: User | None,
    kind: str,
    title: str,
    body: str,
    moment: dt.datetime,
    url: str,
) -> Notification:
    return Notification(
        organisation=context.organisation,
        recipient=recipient,
        actor=actor,
        kind=kind,
        title=title[:200],
        body=body,
        url=url,
        read_at=None if moment.date() >= UNREAD_FROM else moment + dt.timedelta(hours=3),
        emailed_at=moment + dt.timedelta(minutes=5),
        created_at=moment,
        updated_at=moment,
    )


# The page each kind of commented object opens on, as ``comms.access.COMMENT_TARGETS`` gives it
# to real mentions (change requests take comments only in the demo's scripted threads).
COMMENT_PAGES = {
    "project": lambda comment: reverse("projects:detail", args=[comment.object_id]),
    "task": lambda comment: (
        reverse("schedule:page", args=[comment.project_id]) + f"?task={comment.object_id}"
    ),
    "raiditem": lambda comment: reverse("governance:raid_edit", args=[comment.object_id]),
    "gatereview": lambda comment: reverse("governance:gate_review", args=[comment.object_id]),
    "statusreport": lambda comment: reverse("governance:status_report", args=[comment.object_id]),
    "changerequest": lambda comment: reverse("governance:change_request", args=[comment.object_id]),
}


def _comment_url(comment: Comment) -> str:
    return COMMENT_PAGES[comment.content_type.model](comment)


def _first_risk_url(project: Project) -> str:
    risk = RaidItem.objects.filter(project=project, kind="risk", ref="R-001").first()
    if risk is None:
        return reverse("projects:detail", args=[project.pk])
    return reverse("governance:raid_edit", args=[risk.pk])


def _notifications(
    context: DemoContext, comments: list[Comment], mentions: list[Mention]
) -> list[Notification]:
    """What real services would have sent, each with the link the real one carries."""
    rows: list[Notification] = []
    for mention in mentions:
        comment = mention.comment
        author = comment.author
        project = comment.project
        where = project.code if project is not None else "Steerco"
        rows.append(
            _notification(
                context,
                recipient=mention.user,
                actor=author,
                kind=NotificationKind.MENTION,
                title=f"{author} mentioned you on {where}",
                body=comment.body[:300],
                moment=comment.created_at,
                url=_comment_url(comment),
            )
        )
    person_id = member_person_id(context)
    upcoming = sorted(
        (info for plan in context.plans.values() for info in plan.tasks
         if info.person_id == person_id and info.actual_start is None),
        key=lambda info: info.start,
    )  # fmt: skip
    for info in upcoming[:2]:
        rows.append(
            _notification(
                context,
                recipient=context.users["member"],
                actor=context.managers[info.project_code],
                kind=NotificationKind.ASSIGNMENT,
                title=f"You are assigned to '{info.name}' on {info.project_code}",
                body=f"Planned from {info.start:%d %B} to {info.finish:%d %B %Y}.",
                moment=dt.datetime(2026, 11, 10, 9, 0, tzinfo=dates.LONDON),
                url=reverse("schedule:page", args=[context.projects[info.project_code].pk])
                + f"?task={info.task_id}",
            )
        )
    at = dt.datetime(2026, 11, 9, 10, 0, tzinfo=dates.LONDON)
    requested = GateReview.objects.get(project=context.projects["DIG-116"], status="requested")
    for username in ("exec", "portfolio"):
        rows.append(
            _notification(
                context,
                recipient=context.users[username],
                actor=context.managers["DIG-116"],
                kind=NotificationKind.GATE_REVIEW_REQUESTED,
                title="Gate G1 Investment decision requested for DIG-116 Personalised "
                "recommendations",
                body="The business case and checklist are ready for your decision.",
                moment=at,
                url=reverse("governance:gate_review", args=[requested.pk]),
            )
        )
    for code, ref, title, when in (
        ("DIG-111", "CR-003", "Re-platform payments to the group payment provider", (2026, 11, 6)),
        ("OPS-202", "CR-002", "Defer the labour management module to phase 2", (2026, 11, 10)),
        ("DIG-121", "CR-001", "Extend zero-trust access to suppliers", (2026, 11, 4)),
    ):
        change = ChangeRequest.objects.get(project=context.projects[code], ref=ref)
        for username in ("exec", "portfolio"):
            rows.append(
                _notification(
                    context,
                    recipient=context.users[username],
                    actor=context.managers[code],
                    kind=NotificationKind.CHANGE_REQUEST_SUBMITTED,
                    title=f"Change request {ref} submitted on {code}: {title}",
                    body="Waiting for a decision of the change board.",
                    moment=dt.datetime(*when, 11, 0, tzinfo=dates.LONDON),
                    url=reverse("governance:change_request", args=[change.pk]),
                )
            )
    rows.append(
        _notification(
            context,
            recipient=context.users["resources"],
            actor=None,
            kind=NotificationKind.TIMESHEET_SUBMITTED,
            title="Timesheets for the week of 9 November are waiting for approval",
            body="Open the approval queue to review them.",
            moment=dt.datetime(2026, 11, 13, 17, 0, tzinfo=dates.LONDON),
            # One notice for the whole week: the queue, where each real one opens one timesheet.
            url=reverse("timesheets:approvals"),
        )
    )
    pending_requests = {
        request.project_id: request.pk
        for request in ResourceRequest.objects.filter(
            organisation=context.organisation, status=ResourceRequest.Status.PENDING
        ).order_by("-pk")
    }
    for code in ("DIG-103", "DIG-107", "GRO-302"):
        request_id = pending_requests.get(context.projects[code].pk)
        rows.append(
            _notification(
                context,
                recipient=context.users["resources"],
                actor=context.managers[code],
                kind=NotificationKind.RESOURCE_REQUEST_SUBMITTED,
                title=f"Resource request for {code} {context.specs[code].name}",
                body="A project manager asks for people; see the requests page.",
                moment=dt.datetime(2026, 11, 10, 9, 30, tzinfo=dates.LONDON),
                url=reverse("capacity:request", args=[request_id])
                if request_id is not None
                else reverse("capacity:requests"),
            )
        )
    for spec in catalogue.PROJECTS:
        if spec.stage == "in_execution" and int(spec.code[-1]) % 3 == 1:
            rows.append(
                _notification(
                    context,
                    recipient=context.managers[spec.code],
                    actor=None,
                    kind=NotificationKind.STATUS_REPORT_DUE,
                    title=f"November status report due for {spec.code}",
                    body="Submit by the fifth working day of December.",
                    moment=dt.datetime(2026, 11, 16, 7, 0, tzinfo=dates.LONDON),
                    url=reverse(
                        "governance:status_report_new", args=[context.projects[spec.code].pk]
                    )
                    + "?period=2026-11-01",
                )
            )
    for code in ("DIG-111", "OPS-202"):
        plan = context.plans[code]
        for username in ("exec", context.managers[code].username):
            rows.append(
                _notification(
                    context,
                    recipient=context.users[username],
                    actor=None,
                    kind=NotificationKind.MILESTONE_SLIPPED,
                    title=f"Go-live of {code} slipped to {plan.go_live:%d %B %Y}",
                    body=f"Baseline finish was {plan.baseline_finish:%d %B %Y}.",
                    moment=dt.datetime(2026, 11, 2, 8, 0, tzinfo=dates.LONDON),
                    url=reverse("schedule:page", args=[context.projects[code].pk]),
                )
            )
        rows.append(
            _notification(
                context,
                recipient=context.users["portfolio"],
                actor=context.managers[code],
                kind=NotificationKind.RISK_ESCALATED,
                title=f"Risk R-001 escalated on {code}",
                body="The project manager asks the portfolio board for a decision.",
                moment=dt.datetime(2026, 10, 28, 15, 0, tzinfo=dates.LONDON),
                url=_first_risk_url(context.projects[code]),
            )
        )
    rows.sort(key=lambda row: (row.created_at, row.recipient.username))
    return rows


def _activity(
    context: DemoContext,
    types: dict[type[models.Model], ContentType],
    comments: list[Comment],
) -> list[ActivityEvent]:
    rows: list[ActivityEvent] = []
    project_type = types[Project]

    def event(
        actor: User | None,
        verb: str,
        target: models.Model,
        label: str,
        project: Project | None,
        moment: dt.datetime,
        data: dict[str, object] | None = None,
    ) -> None:
        rows.append(
            ActivityEvent(
                organisation=context.organisation,
                actor=actor,
                verb=verb,
                content_type=types.get(type(target), project_type),
                object_id=target.pk,
                target_label=label[:200],
                project=project,
                portfolio=project.portfolio if project is not None else None,
                data=data or {},
                created_at=moment,
                updated_at=moment,
            )
        )

    for code, project in context.projects.items():
        assert project.stage_changed_at is not None
        event(
            project.manager,
            f"moved the project to {project.get_stage_display().lower()}",
            project,
            f"{code} {project.name}",
            project,
            project.stage_changed_at,
            {"stage": project.stage},
        )
    for review in GateReview.objects.filter(
        project__organisation=context.organisation
    ).select_related("project", "gate", "decision_by", "requested_by"):
        label = f"{review.gate.code} {review.gate.name} of {review.project.code}"
        if review.decided_at is not None:
            event(review.decision_by, f"{review.get_status_display().lower()} gate", review, label,
                  review.project, review.decided_at)  # fmt: skip
        else:
            event(review.requested_by, "requested gate review", review, label, review.project,
                  review.requested_at)  # fmt: skip
    for report in StatusReport.objects.filter(
        project__organisation=context.organisation, period_start__gte=dt.date(2026, 9, 1)
    ).select_related("project", "author"):
        if report.submitted_at is None:
            continue
        event(report.author, "submitted status report", report,
              f"{report.project.code} {report.period_start:%B %Y}", report.project,
              report.submitted_at, {"overall": report.overall})  # fmt: skip
    for change in ChangeRequest.objects.filter(organisation=context.organisation).select_related(
        "project", "requested_by", "decided_by"
    ):
        if change.submitted_at is not None:
            event(change.requested_by, "submitted change request", change,
                  f"{change.project.code} {change.ref} {change.title}", change.project,
                  change.submitted_at)  # fmt: skip
        if change.decided_at is not None:
            event(change.decided_by, f"{change.get_status_display().lower()} change request",
                  change, f"{change.project.code} {change.ref} {change.title}", change.project,
                  change.decided_at)  # fmt: skip
    for risk in RaidItem.objects.filter(
        organisation=context.organisation, status="escalated"
    ).select_related("project", "owner"):
        event(risk.owner, "escalated risk", risk, f"{risk.project.code} {risk.ref} {risk.title}",
              risk.project, dates.aware(dt.date(2026, 10, 28), 15))  # fmt: skip
    for comment in comments:
        if comment.parent is not None:
            continue
        event(comment.author, "commented on", comment, comment.body[:80], comment.project,
              comment.created_at)  # fmt: skip
    rows.sort(key=lambda row: (row.created_at, row.verb, row.target_label))
    return rows


def _subscriptions(context: DemoContext, types: dict[type[models.Model], ContentType]) -> None:
    rows: list[Subscription] = []
    for portfolio in context.portfolios.values():
        rows.append(
            Subscription(
                organisation=context.organisation,
                user=context.users["exec"],
                kind=Subscription.Kind.EXECUTIVE_PACK,
                frequency=Subscription.Frequency.MONTHLY,
                portfolio=portfolio,
            )
        )
        owner = portfolio.owner
        if owner is not None and owner.username != "exec":
            rows.append(
                Subscription(
                    organisation=context.organisation,
                    user=owner,
                    kind=Subscription.Kind.EXECUTIVE_PACK,
                    frequency=Subscription.Frequency.WEEKLY,
                    portfolio=portfolio,
                )
            )
    followed: set[tuple[int, int]] = set()
    for spec in catalogue.PROJECTS:
        project = context.projects[spec.code]
        followers = []
        if spec.stage in catalogue.RUNNING_STAGES or spec.stage == "approved":
            followers.append(context.managers[spec.code])
        if spec.mission_critical:
            followers.append(context.users["exec"])
        if spec.code in {"DIG-101", "DIG-102", "OPS-216"}:
            followers.append(context.users["member"])
        for user in followers:
            if (user.pk, project.pk) in followed:
                continue
            followed.add((user.pk, project.pk))
            rows.append(
                Subscription(
                    organisation=context.organisation,
                    user=user,
                    kind=Subscription.Kind.FOLLOW,
                    frequency=Subscription.Frequency.IMMEDIATE,
                    content_type=types[Project],
                    object_id=project.pk,
                )
            )
    Subscription.objects.bulk_create(rows)
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(
                user=context.users["exec"],
                kind=NotificationKind.COMMENT,
                email=True,
                digest="weekly",
            ),
            NotificationPreference(
                user=context.users["exec"],
                kind=NotificationKind.MENTION,
                email=True,
                digest="daily",
            ),
            NotificationPreference(
                user=context.users["resources"],
                kind=NotificationKind.TIMESHEET_SUBMITTED,
                email=False,
            ),
            NotificationPreference(
                user=context.users["pm"], kind=NotificationKind.COMMENT, digest="daily"
            ),
        ]
    )


# Webhooks: a chat channel of the PMO and the intranet's status page, with a short history of
# deliveries made from the feed's own events. Nothing is sent while loading: the rows say what
# was sent, as ``comms.services.webhook_deliver`` would have recorded it.

VERB_EVENTS = {
    "requested gate review": events.GATE_REVIEW_REQUESTED,
    "submitted change request": events.CHANGE_REQUEST_SUBMITTED,
    "escalated risk": events.RAID_ITEM_ESCALATED,
    "submitted status report": events.STATUS_REPORT_SUBMITTED,
}
HISTORY_FROM = dt.datetime(2026, 10, 19, 0, 0, tzinfo=dates.LONDON)


def _event_of(verb: str) -> str | None:
    if verb in VERB_EVENTS:
        return VERB_EVENTS[verb]
    if verb.endswith(" change request"):
        return events.CHANGE_REQUEST_DECIDED
    if verb.endswith(" gate"):
        return events.GATE_REVIEW_DECIDED
    return None


def _demo_secret(name: str) -> str:
    # Deterministic, so that two loads give the same rows; a real webhook's is random.
    return hashlib.sha256(f"steerco-demo-webhook:{name}".encode()).hexdigest()


def _payload(activity: ActivityEvent, event: str) -> dict[str, Any]:
    """The payload ``activity_record`` sends, without database ids (they differ per load)."""
    return {
        "event": event,
        "occurred_at": activity.created_at.isoformat(),
        "actor": activity.actor.username if activity.actor else None,
        "verb": activity.verb,
        "target": {
            "type": activity.content_type.model if activity.content_type else None,
            "label": activity.target_label,
        },
        "project": {"code": activity.project.code} if activity.project else None,
        "data": activity.data,
    }


def _webhooks(context: DemoContext, activity: list[ActivityEvent]) -> None:
    chat = Webhook.objects.create(
        organisation=context.organisation,
        name="PMO channel (team chat)",
        url="https://chat.example.com/hooks/steerco-pmo",
        secret=_demo_secret("chat"),
        events=[
            events.GATE_REVIEW_REQUESTED,
            events.GATE_REVIEW_DECIDED,
            events.CHANGE_REQUEST_SUBMITTED,
            events.CHANGE_REQUEST_DECIDED,
            events.RAID_ITEM_ESCALATED,
            events.RISK_HIGH_RAISED,
        ],
        created_by=context.users["pmo"],
    )
    intranet = Webhook.objects.create(
        organisation=context.organisation,
        name="Intranet status page",
        url="https://intranet.example.org/steerco/status-reports",
        secret=_demo_secret("intranet"),
        events=[events.STATUS_REPORT_SUBMITTED, events.STATUS_REPORT_DUE],
        created_by=context.users["pmo"],
    )
    deliveries: list[WebhookDelivery] = []
    for row in sorted(activity, key=lambda row: (row.created_at, row.verb, row.target_label)):
        event = _event_of(row.verb)
        if event is None or row.created_at < HISTORY_FROM:
            continue
        webhook = chat if event in chat.events else intranet
        if event not in webhook.events:
            continue
        sent = row.created_at + dt.timedelta(seconds=2)
        deliveries.append(
            WebhookDelivery(
                webhook=webhook,
                event=event,
                payload=_payload(row, event),
                status=WebhookDelivery.Status.SUCCEEDED,
                attempts=1,
                response_code=200,
                delivered_at=sent,
                created_at=row.created_at,
                updated_at=sent,
            )
        )
    intranet_rows = [row for row in deliveries if row.webhook is intranet]
    if len(intranet_rows) >= 2:
        # The intranet was down for maintenance one evening: the first attempt of one
        # delivery got a 503 and the retry a minute later went through.
        retried = intranet_rows[-2]
        retried.attempts = 2
        retried.delivered_at = retried.created_at + dt.timedelta(minutes=1, seconds=3)
        retried.updated_at = retried.delivered_at
        # And one was given up after six attempts (1, 2, 4, 8 and 16 minutes apart) while
        # the page was being moved; the PMO re-posted it by hand.
        failed = intranet_rows[-1]
        failed.status = WebhookDelivery.Status.FAILED
        failed.attempts = 6
        failed.response_code = 503
        failed.last_error = "HTTP 503 Service Unavailable"
        failed.delivered_at = None
        failed.updated_at = failed.created_at + dt.timedelta(minutes=31)
    insert_objects(deliveries, keep_timestamps=True)
