"""Gate reviews, QA reviews, RAID logs, change requests, status reports, PIRs and lessons."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from steerco.core.money import quantize_money
from steerco.demo import catalogue, dates, texts
from steerco.demo.bulk import insert_objects
from steerco.demo.catalogue import ProjectSpec
from steerco.demo.context import DemoContext, ProjectPlan, TaskInfo, rng_for
from steerco.demo.money import realised_benefits
from steerco.demo.portfolio import gate_dates
from steerco.governance.models import (
    ChangeRequest,
    GateChecklistItem,
    GateReview,
    GateReviewItem,
    LessonLearned,
    PostImplementationReview,
    QaFinding,
    QaReview,
    RaidItem,
    StatusReport,
)

PASSED_GATES = {
    "idea": [],
    "proposal": ["G0"],
    "approved": ["G0", "G1"],
    "in_execution": ["G0", "G1", "G2"],
    "on_hold": ["G0", "G1", "G2"],
    "closing": ["G0", "G1", "G2", "G3"],
    "closed": ["G0", "G1", "G2", "G3", "G4"],
    "cancelled": ["G0", "G1", "G2"],
}
PENDING_REVIEW = ("DIG-116", "G1")
DECIDERS = {"G0": "portfolio", "G1": "exec", "G2": "portfolio", "G3": "exec", "G4": "pmo"}
RAG_LEVELS = ["green", "amber", "red"]


def build_governance(context: DemoContext) -> None:
    _gate_reviews(context)
    _qa_reviews(context)
    _raid(context)
    _change_requests(context)
    _status_reports(context)
    _reviews_and_lessons(context)


# -- gates -----------------------------------------------------------------------------------


def _gate_decision_dates(context: DemoContext, spec: ProjectSpec) -> dict[str, dt.date]:
    result = dict(gate_dates(spec))
    plan = context.plans.get(spec.code)
    if plan is not None:
        result["G3"] = plan.go_live - dt.timedelta(days=3)
        result["G4"] = min(plan.finish + dt.timedelta(days=25), dt.date(2026, 11, 12))
    return result


def _gate_reviews(context: DemoContext) -> None:
    items_by_gate: dict[int, list[GateChecklistItem]] = {}
    for item in GateChecklistItem.objects.filter(gate__template=context.methodology).order_by(
        "order"
    ):
        items_by_gate.setdefault(item.gate_id, []).append(item)
    reviews: list[GateReview] = []
    answers: list[GateReviewItem] = []
    for spec in catalogue.PROJECTS:
        decided_on = _gate_decision_dates(context, spec)
        gates = list(PASSED_GATES[spec.stage])
        if spec.code == "OPS-225":
            gates = ["G0", "G1"]
        if spec.code == PENDING_REVIEW[0]:
            gates.append(PENDING_REVIEW[1])
        for gate_code in gates:
            gate = context.gates[gate_code]
            decided = decided_on[gate_code]
            pending = (spec.code, gate_code) == PENDING_REVIEW
            status = GateReview.Status.APPROVED
            comments = "Approved."
            conditions = ""
            conditions_due = None
            if pending:
                status = GateReview.Status.REQUESTED
                comments = ""
                decided = dt.date(2026, 11, 9)
            elif spec.code == "OPS-225" and gate_code == "G1":
                status = GateReview.Status.REJECTED
                comments = (
                    "Rejected: the lakehouse and the renegotiated hosting contract remove most "
                    "of the benefits. Bring back the remaining servers as a smaller proposal."
                )
            elif spec.code == "OPS-202" and gate_code == "G2":
                status = GateReview.Status.APPROVED_WITH_CONDITIONS
                comments = "Approved with conditions."
                conditions = (
                    "Agree the data migration approach and rehearsal dates with the vendor."
                )
                conditions_due = decided + dt.timedelta(days=30)
            elif gate_code == "G1":
                comments = "Funded as proposed; start month confirmed in the portfolio plan."
            requested = decided - dt.timedelta(days=7)
            review = GateReview(
                project=context.projects[spec.code],
                gate=gate,
                status=status,
                requested_by=context.managers[spec.code],
                requested_at=dates.aware(requested, 10),
                decision_by=None if pending else context.users[DECIDERS[gate_code]],
                decided_at=None if pending else dates.aware(decided, 16),
                comments=comments,
                conditions=conditions,
                conditions_due=conditions_due,
            )
            reviews.append(review)
            for item in items_by_gate[gate.pk]:
                answers.append(_answer(context, review, item, pending, requested, spec))
    insert_objects(reviews)
    insert_objects(answers)


def _answer(
    context: DemoContext,
    review: GateReview,
    item: GateChecklistItem,
    pending: bool,
    requested: dt.date,
    spec: ProjectSpec,
) -> GateReviewItem:
    automatic = item.kind == GateChecklistItem.Kind.AUTOMATIC
    satisfied: bool | None = True
    evidence = {
        "document": f"Attached to the project: {item.text.split(' ')[0].lower()} pack, "
        f"{requested:%d %B %Y}.",
        "field": "Recorded on the project page.",
        "automatic": "Checked by Steerco.",
        "manual": "Confirmed at the gate meeting.",
    }[item.kind]
    if pending and not automatic:
        satisfied = None
        evidence = ""
    if pending and item.automatic_rule == "risk_register_has_risks":
        evidence = "Three risks recorded."
    checker = context.managers[spec.code] if not automatic else None
    return GateReviewItem(
        review=review,
        checklist_item=item,
        satisfied=satisfied,
        evidence=evidence,
        checked_automatically=automatic,
        checked_by=None if satisfied is None else checker,
        checked_at=None if satisfied is None else dates.aware(requested, 11),
    )


# -- QA --------------------------------------------------------------------------------------

QA_PROJECTS = [
    "DIG-111",
    "OPS-202",
    "DIG-101",
    "OPS-211",
    "GRO-301",
    "OPS-201",
    "DIG-121",
    "GRO-322",
]


def _qa_reviews(context: DemoContext) -> None:
    reviews: list[QaReview] = []
    findings: list[QaFinding] = []
    reviewers = ["pmo", "portfolio"]
    for number, code in enumerate(QA_PROJECTS):
        spec = context.specs[code]
        rng = rng_for("qa", code)
        held = dt.date(2026, 6, 8) + dt.timedelta(weeks=3 * number)
        review = QaReview(
            project=context.projects[code],
            title="Independent assurance review",
            scheduled_for=held,
            completed_at=dates.aware(held + dt.timedelta(days=9), 15),
            reviewer=context.users[reviewers[number % 2]],
            status=QaReview.Status.COMPLETED,
            rating=spec.health,
            summary=(
                f"The team knows its plan and risks. Main concerns: "
                f"{'schedule and vendor performance' if spec.health != 'green' else 'few; keep the current discipline'}."
            ),
        )
        reviews.append(review)
        for severity, description, action in rng.sample(texts.QA_FINDINGS, k=rng.randint(2, 4)):
            due = held + dt.timedelta(days=rng.choice([21, 30, 45]))
            closed = due < dt.date(2026, 10, 15) and rng.random() < 0.7
            findings.append(
                QaFinding(
                    review=review,
                    severity=severity,
                    description=description,
                    action=action,
                    owner=context.managers[code],
                    due_date=due,
                    status=QaFinding.Status.CLOSED
                    if closed
                    else rng.choice([QaFinding.Status.OPEN, QaFinding.Status.IN_PROGRESS]),
                    closed_at=dates.aware(due - dt.timedelta(days=3), 12) if closed else None,
                )
            )
    reviews.append(
        QaReview(
            project=context.projects["OPS-216"],
            title="Assurance readiness review",
            scheduled_for=dt.date(2026, 12, 7),
            reviewer=context.users["pmo"],
            status=QaReview.Status.PLANNED,
        )
    )
    reviews.append(
        QaReview(
            project=context.projects["OPS-211"],
            title="Cutover readiness review",
            scheduled_for=dt.date(2026, 11, 11),
            reviewer=context.users["portfolio"],
            status=QaReview.Status.IN_PROGRESS,
            summary="Interviews done; reading the cutover plan.",
        )
    )
    insert_objects(reviews)
    insert_objects(findings)


# -- RAID ------------------------------------------------------------------------------------


def _applies(spec: ProjectSpec, scope: set[str]) -> bool:
    return not scope or bool(scope & {spec.kind, spec.category, spec.business_unit, spec.code})


def _raid(context: DemoContext) -> None:
    rows: list[RaidItem] = []
    stale = {"OPS-221", "GRO-313"}
    for spec in catalogue.PROJECTS:
        rng = rng_for("raid", spec.code)
        project = context.projects[spec.code]
        manager = context.managers[spec.code]
        plan = context.plans.get(spec.code)
        team_users = [
            context.person_users[person_id]
            for people in (plan.team.values() if plan else [])
            for person_id in people
        ]
        owners = [manager, *team_users[:4]]
        counts = _raid_counts(spec)
        closed_project = spec.stage in ("closed", "cancelled")
        reviewed = dt.date(2026, 10, 2) if spec.code in stale else dt.date(2026, 11, 2)
        risks = [risk for risk in texts.RISKS if _applies(spec, risk[2])]
        rng.shuffle(risks)
        for number, (title, description, _scope, response) in enumerate(
            risks[: counts[0]], start=1
        ):
            probability = rng.choice([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7])
            impact = rng.randint(2, 5)
            worsening = spec.health == "red" and number == 1
            status = (
                "closed"
                if closed_project
                else "escalated"
                if worsening
                else rng.choice(["open", "open", "in_progress"])
            )
            rows.append(
                RaidItem(
                    organisation=context.organisation,
                    project=project,
                    kind="risk",
                    ref=f"R-{number:03d}",
                    title=title,
                    description=description,
                    owner=rng.choice(owners),
                    raised_by=manager,
                    status=status,
                    probability=Decimal(str(max(probability, 0.6) if worsening else probability)),
                    impact=max(impact, 4) if worsening else impact,
                    cost_impact=quantize_money(spec.budget_k * 1000 * rng.uniform(0.02, 0.1)),
                    schedule_impact_days=rng.choice([5, 10, 15, 20, 30]),
                    response_strategy=rng.choice(
                        ["mitigate", "mitigate", "avoid", "transfer", "accept"]
                    ),
                    response=response,
                    trend="up"
                    if worsening or (spec.health == "amber" and number == 1)
                    else rng.choice(["steady", "steady", "down"]),
                    due_date=dt.date(2026, 12, 15) + dt.timedelta(days=7 * number),
                    last_reviewed_at=dates.aware(reviewed, 14),
                    closed_at=dates.aware(dt.date(2026, 5, 1), 12) if status == "closed" else None,
                )
            )
        for kind, prefix, pool, count in (
            ("issue", "I", texts.ISSUES, counts[1]),
            ("assumption", "A", texts.ASSUMPTIONS, counts[2]),
            ("decision", "D", texts.DECISIONS, counts[3]),
        ):
            for number, (title, description) in enumerate(rng.sample(pool, k=count), start=1):
                status = (
                    "closed"
                    if closed_project or kind == "decision"
                    else rng.choice(["open", "in_progress"])
                )
                rows.append(
                    RaidItem(
                        organisation=context.organisation,
                        project=project,
                        kind=kind,
                        ref=f"{prefix}-{number:03d}",
                        title=title,
                        description=description,
                        owner=rng.choice(owners),
                        raised_by=manager,
                        status=status,
                        impact=rng.randint(2, 4) if kind == "issue" else None,
                        due_date=dt.date(2026, 11, 30) + dt.timedelta(days=10 * number)
                        if kind == "issue"
                        else None,
                        last_reviewed_at=dates.aware(reviewed, 14),
                        closed_at=dates.aware(dt.date(2026, 6, 1), 12)
                        if status == "closed"
                        else None,
                    )
                )
        for number, (_, other, description) in enumerate(
            [dependency for dependency in texts.DEPENDENCIES if dependency[0] == spec.code], start=1
        ):
            rows.append(
                RaidItem(
                    organisation=context.organisation,
                    project=project,
                    kind="dependency",
                    ref=f"DEP-{number:03d}",
                    title=f"Depends on {other} {context.specs[other].name}",
                    description=description,
                    owner=manager,
                    raised_by=manager,
                    status="open",
                    depends_on_project=context.projects[other],
                    due_date=context.plans[other].go_live if other in context.plans else None,
                    last_reviewed_at=dates.aware(reviewed, 14),
                )
            )
    insert_objects(rows)


def _raid_counts(spec: ProjectSpec) -> tuple[int, int, int, int]:
    """Risks, issues, assumptions and decisions a project of this stage would log."""
    if spec.stage == "idea":
        return (1, 0, 1, 0)
    if spec.stage in ("proposal", "approved"):
        return (3, 0, 1, 1)
    if spec.stage in ("closed", "cancelled"):
        return (3, 1, 1, 2)
    if spec.health == "red":
        return (6, 3, 2, 3)
    return (4, 1, 2, 2)


# -- change requests -------------------------------------------------------------------------


def _change_requests(context: DemoContext) -> None:
    rows = []
    for (code, ref, title, description, reason, cost, days, scope, status, submitted, decided,
         decision) in texts.CHANGE_REQUESTS:  # fmt: skip
        submitted_at = dates.aware(dt.date(*submitted), 11) if submitted else None
        decided_at = dates.aware(dt.date(*decided), 16) if decided else None
        rows.append(
            ChangeRequest(
                organisation=context.organisation,
                project=context.projects[code],
                ref=ref,
                title=title,
                description=description,
                reason=reason,
                cost_impact=Decimal(cost),
                schedule_impact_days=days,
                scope_impact=scope,
                status=status,
                requested_by=context.managers[code],
                submitted_at=submitted_at,
                decided_by=context.users["exec"] if decided else None,
                decided_at=decided_at,
                decision_reason=decision,
                applied_at=decided_at + dt.timedelta(days=2)
                if decided_at and status == "applied"
                else None,
            )
        )
    ChangeRequest.objects.bulk_create(rows)


# -- status reports --------------------------------------------------------------------------


def _level(final: str, position: int, count: int) -> str:
    """RAG of an older report: projects usually slide into trouble a step at a time."""
    steps_back = (count - 1 - position) // 2
    return RAG_LEVELS[max(0, RAG_LEVELS.index(final) - steps_back)]


def _share_done(start: dt.date, finish: dt.date, day: dt.date) -> float:
    if day >= finish:
        return 1.0
    if day < start:
        return 0.0
    return (day - start).days / max(1, (finish - start).days)


def _progress_at(plan: ProjectPlan, day: dt.date) -> tuple[float, float]:
    """Percent complete reached, and planned by the baseline, on ``day`` (weighted by duration)."""
    weight = actual = planned = 0.0
    for task in plan.tasks:
        if task.is_milestone:
            continue
        size = max(1, task.working_days)
        weight += size
        if task.actual_start is not None:
            end = task.actual_finish
            if end is None:
                # In progress: it reached its percent complete on the status date.
                reached = task.percent_complete / 100
                actual += size * reached * _share_done(task.actual_start, dates.STATUS_DATE, day)
            else:
                actual += size * _share_done(task.actual_start, end, day)
        planned += size * _share_done(task.baseline_start, task.baseline_finish, day)
    if not weight:
        return 0.0, 0.0
    return 100 * actual / weight, 100 * planned / weight


def _status_reports(context: DemoContext) -> None:
    rows: list[StatusReport] = []
    report_months = list(dates.month_range(dt.date(2026, 5, 1), dt.date(2026, 10, 1)))
    for spec in catalogue.PROJECTS:
        if spec.stage not in catalogue.RUNNING_STAGES:
            continue
        plan = context.plans[spec.code]
        months = [month for month in report_months if month >= dates.month_start(plan.start)]
        if spec.stopped is not None:
            months = [month for month in months if month <= spec.stopped]
        schedule_final = "red" if spec.slip >= 1.15 else "amber" if spec.slip >= 1.06 else "green"
        cost_final = (
            "red" if spec.cost_factor >= 1.1 else "amber" if spec.cost_factor >= 1.04 else "green"
        )
        scope_final = "amber" if any(cr[0] == spec.code and cr[8] in ("applied", "submitted") for cr in texts.CHANGE_REQUESTS) else "green"  # fmt: skip
        risk_final = spec.health
        for position, month in enumerate(months):
            end = dates.month_end(month)
            overall = _level(spec.health, position, len(months))
            schedule = _level(schedule_final, position, len(months))
            cost = _level(cost_final, position, len(months))
            scope = _level(scope_final, position, len(months))
            risk = _level(risk_final, position, len(months))
            actual, planned = _progress_at(plan, end)
            suggested_schedule = schedule
            if position == len(months) - 1 and spec.code == "GRO-313":
                suggested_schedule = "red"
            rows.append(
                StatusReport(
                    project=context.projects[spec.code],
                    period_start=month,
                    period_end=end,
                    status=StatusReport.Status.SUBMITTED,
                    overall=overall,
                    schedule=schedule,
                    cost=cost,
                    scope=scope,
                    risk=risk,
                    suggested_overall=overall,
                    suggested_schedule=suggested_schedule,
                    suggested_cost=cost,
                    suggested_scope=scope,
                    suggested_risk=risk,
                    narrative=_narrative(spec, plan, overall, actual, planned, month),
                    achievements=_achievements(plan, month, end),
                    next_steps=_next_steps(plan, end),
                    key_milestones=_key_milestones(plan, end),
                    author=context.managers[spec.code],
                    submitted_at=dates.aware(
                        dates.working_days("uk")[
                            dates.working_day_on_or_after("uk", dates.add_months(month, 1)) + 3
                        ],
                        17,
                    ),
                )
            )
        if spec.stage == "in_execution" and int(spec.code[-1]) % 3 == 1:
            actual, planned = _progress_at(plan, dates.STATUS_DATE)
            rows.append(
                StatusReport(
                    project=context.projects[spec.code],
                    period_start=dt.date(2026, 11, 1),
                    period_end=dt.date(2026, 11, 30),
                    status=StatusReport.Status.DRAFT,
                    overall=spec.health,
                    schedule=schedule_final,
                    cost=cost_final,
                    scope=scope_final,
                    risk=risk_final,
                    suggested_overall=spec.health,
                    suggested_schedule=schedule_final,
                    suggested_cost=cost_final,
                    suggested_scope=scope_final,
                    suggested_risk=risk_final,
                    narrative=f"Draft. {actual:.0f}% complete at mid-month.",
                    author=context.managers[spec.code],
                )
            )
    insert_objects(rows)


def _narrative(
    spec: ProjectSpec,
    plan: ProjectPlan,
    overall: str,
    actual: float,
    planned: float,
    month: dt.date,
) -> str:
    sentences = [texts.NARRATIVE_OPENINGS[overall]]
    sentences.append(
        f"{actual:.0f}% complete at the end of {month:%B}, against {planned:.0f}% in the baseline."
    )
    slip = (plan.finish - plan.baseline_finish).days
    if slip > 7:
        sentences.append(
            f"The forecast finish is {plan.finish:%d %B %Y}, {slip} days after the baseline."
        )
    else:
        sentences.append(f"The forecast finish of {plan.finish:%d %B %Y} holds.")
    if spec.cost_factor >= 1.04:
        sentences.append(
            f"Spend runs about {round((spec.cost_factor - 1) * 100)}% above budget; the "
            "forecast at completion has been raised accordingly."
        )
    else:
        sentences.append("Spend is in line with the budget.")
    if overall == "red":
        sentences.append("We ask the board to decide on the change request in front of it.")
    return " ".join(sentences)


def _label(task: TaskInfo) -> str:
    return f"{task.group}: {task.name}" if task.group else task.name


def _achievements(plan: ProjectPlan, month: dt.date, end: dt.date) -> str:
    done = [
        task
        for task in plan.tasks
        if task.actual_finish is not None and month <= task.actual_finish <= end
    ]
    done.sort(key=lambda task: (not task.is_milestone, task.actual_finish or end))
    lines = [
        f"- {_label(task)}" + (" (milestone)" if task.is_milestone else "") for task in done[:5]
    ]
    return "\n".join(lines) or "- Work continued on the tasks in progress."


def _next_steps(plan: ProjectPlan, end: dt.date) -> str:
    upcoming = [task for task in plan.tasks if task.actual_finish is None and task.start > end]
    upcoming.sort(key=lambda task: task.start)
    lines = [f"- {_label(task)} (from {task.start:%d %b})" for task in upcoming[:4]]
    return "\n".join(lines)


def _key_milestones(plan: ProjectPlan, end: dt.date) -> list[dict[str, str]]:
    upcoming = [task for task in plan.tasks if task.is_milestone and task.finish > end]
    upcoming.sort(key=lambda task: task.finish)
    return [
        {
            "name": task.name,
            "due": task.baseline_finish.isoformat(),
            "forecast": task.finish.isoformat(),
        }
        for task in upcoming[:3]
    ]


# -- post-implementation reviews and lessons ---------------------------------------------------


def _reviews_and_lessons(context: DemoContext) -> None:
    lessons: list[LessonLearned] = []
    for code, (summary, well, badly, project_lessons) in texts.REVIEWS.items():
        spec = context.specs[code]
        review = None
        if spec.stage == "closed":
            plan = context.plans[code]
            planned, realised = realised_benefits(context, code)
            status = {"GRO-312": "in_progress", "OPS-215": "planned"}.get(code, "completed")
            review = PostImplementationReview.objects.create(
                project=context.projects[code],
                status=status,
                scheduled_for=min(plan.finish + dt.timedelta(days=90), dt.date(2026, 12, 10)),
                completed_at=dates.aware(plan.finish + dt.timedelta(days=95), 15)
                if status == "completed"
                else None,
                reviewer=context.users["pmo"],
                summary=summary,
                went_well=well,
                went_badly=badly,
                benefits_planned=planned if planned else None,
                benefits_realised=realised if planned else None,
                benefits_realisation_ratio=(realised / planned).quantize(Decimal("0.0001"))
                if planned
                else None,
            )
        for title, description, impact, recommendation, tags in project_lessons:
            lessons.append(
                LessonLearned(
                    organisation=context.organisation,
                    project=context.projects[code],
                    post_implementation_review=review,
                    category=context.categories[spec.category],
                    title=title,
                    description=description,
                    impact=impact,
                    recommendation=recommendation,
                    tags=tags,
                    created_by=context.managers[code],
                )
            )
    insert_objects(lessons)
