"""Post-implementation reviews and the lessons learned library.

A review compares the benefits a project realised with those it planned: the financial
benefits recorded in finance (``Benefit`` / ``BenefitValue``), over the months that have a
realised value so far, so that a review held six months after go-live is not measured
against five years of plan. Projects without benefit records may type the two figures.
The realisation ratio is realised / planned.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypedDict

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from steerco.accounts.models import User
from steerco.comms import events
from steerco.comms.services import activity_record
from steerco.core.access import has_role, organisation_id_of
from steerco.core.audit import audit_record, snapshot
from steerco.core.errors import AccessDenied, Conflict
from steerco.core.models import AuditEntry
from steerco.core.money import quantize_money
from steerco.finance.models import Benefit, BenefitValue
from steerco.governance.access import (
    LESSON_CURATORS,
    access_governed_project,
    access_lesson_by_id,
    access_pir_by_id,
)
from steerco.governance.models import LessonLearned, PostImplementationReview
from steerco.governance.validation import (
    Errors,
    as_decimal,
    check_choice,
    check_date,
    check_money,
    check_person,
    check_reference,
    check_text,
    differs,
    reject_unknown,
)
from steerco.projects.access import can_edit_project
from steerco.projects.models import Category, Project

Action = AuditEntry.Action
REVIEWABLE_STAGES = (Project.Stage.CLOSING, Project.Stage.CLOSED)
RATIO_PLACES = Decimal("0.0001")
MAX_TAGS = 12


class PirFields(TypedDict, total=False):
    scheduled_for: datetime.date | None
    reviewer_id: int | None
    status: str
    summary: str
    went_well: str
    went_badly: str
    benefits_planned: Decimal | None
    benefits_realised: Decimal | None


class LessonFields(TypedDict, total=False):
    title: str
    description: str
    impact: str
    recommendation: str
    tags: list[str]
    category_id: int | None


PIR_FIELDS = frozenset(PirFields.__optional_keys__)
LESSON_FIELDS = frozenset(LessonFields.__optional_keys__)


@dataclass(frozen=True, slots=True)
class BenefitLine:
    name: str
    category: str
    category_label: str
    planned: Decimal
    realised: Decimal
    months: int

    @property
    def ratio(self) -> Decimal | None:
        return realisation_ratio(self.planned, self.realised)


@dataclass(frozen=True, slots=True)
class BenefitsRealised:
    lines: list[BenefitLine]
    planned: Decimal
    realised: Decimal

    @property
    def ratio(self) -> Decimal | None:
        return realisation_ratio(self.planned, self.realised)

    @property
    def recorded(self) -> bool:
        return any(line.months for line in self.lines)


def realisation_ratio(planned: Decimal | None, realised: Decimal | None) -> Decimal | None:
    if planned is None or realised is None or planned <= 0:
        return None
    return (realised / planned).quantize(RATIO_PLACES)


def benefits_realised(project: Project) -> BenefitsRealised:
    """Planned vs realised financial benefits of ``project`` over months with a realised value."""
    benefits = list(
        Benefit.objects.filter(project=project, kind=Benefit.Kind.FINANCIAL).order_by("name")
    )
    values = BenefitValue.objects.filter(benefit__in=benefits, realised__isnull=False).values_list(
        "benefit_id", "planned", "realised"
    )
    sums: dict[int, list[Decimal]] = {
        benefit.pk: [Decimal(0), Decimal(0), Decimal(0)] for benefit in benefits
    }
    for benefit_id, planned, realised in values:
        row = sums[benefit_id]
        row[0] += planned
        row[1] += realised or Decimal(0)
        row[2] += 1
    lines = [
        BenefitLine(
            name=benefit.name,
            category=benefit.category,
            category_label=benefit.get_category_display(),
            planned=quantize_money(sums[benefit.pk][0]),
            realised=quantize_money(sums[benefit.pk][1]),
            months=int(sums[benefit.pk][2]),
        )
        for benefit in benefits
    ]
    return BenefitsRealised(
        lines=lines,
        planned=sum((line.planned for line in lines), Decimal(0)),
        realised=sum((line.realised for line in lines), Decimal(0)),
    )


def _pir_errors(values: dict[str, Any], check: set[str], organisation_id: int) -> None:
    errors = Errors()
    if "scheduled_for" in check:
        check_date(errors, "scheduled_for", values.get("scheduled_for"))
    if "reviewer_id" in check:
        check_person(errors, "reviewer_id", values.get("reviewer_id"), organisation_id)
    if "status" in check:
        allowed = [
            PostImplementationReview.Status.PLANNED,
            PostImplementationReview.Status.IN_PROGRESS,
        ]
        status = values.get("status")
        known = check_choice(errors, "status", status, PostImplementationReview.Status.values)
        if known and status not in allowed:
            errors.add("status", "Complete the review with its own action.")
    for name in ("summary", "went_well", "went_badly"):
        if name in check:
            check_text(errors, name, values.get(name), max_length=20000)
    for name in ("benefits_planned", "benefits_realised"):
        if name in check:
            values[name] = as_decimal(values.get(name))
            check_money(errors, name, values[name], required=False)
    errors.raise_if_any()


@transaction.atomic
def pir_schedule(
    *, acting_user: User, project_id: int, fields: PirFields
) -> PostImplementationReview:
    """Plan the review of a closing or closed project."""
    project = access_governed_project(acting_user, project_id, for_edit=True)
    if project.stage not in REVIEWABLE_STAGES:
        raise Conflict(
            f"{project.code} is {project.get_stage_display().lower()}: a post-implementation "
            "review follows go-live, once the project is closing or closed."
        )
    errors = Errors()
    reject_unknown(errors, fields, PIR_FIELDS - {"status"})
    errors.raise_if_any()
    values: dict[str, Any] = {"summary": "", "went_well": "", "went_badly": "", **fields}
    _pir_errors(values, set(values), project.organisation_id)
    try:
        with transaction.atomic():
            review = PostImplementationReview.objects.create(project=project, **values)
    except IntegrityError as error:
        raise Conflict(f"{project.code} already has a post-implementation review.") from error
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=review,
        organisation_id=project.organisation_id,
        after=snapshot(review),
        summary=f"Scheduled the post-implementation review of {project.code}",
    )
    return review


@transaction.atomic
def pir_update(
    *, acting_user: User, review_id: int, changes: PirFields
) -> PostImplementationReview:
    review = access_pir_by_id(acting_user, review_id, for_edit=True)
    if review.status == PostImplementationReview.Status.COMPLETED:
        raise Conflict("This review is completed: it no longer changes.")
    errors = Errors()
    reject_unknown(errors, changes, PIR_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(review, name) for name in PIR_FIELDS} | dict(changes)
    _pir_errors(values, set(changes), review.project.organisation_id)
    cleaned = {name: values[name] for name in changes}
    if not differs(review, cleaned):
        return review
    before = snapshot(review)
    for name, value in cleaned.items():
        setattr(review, name, value)
    review.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=review,
        organisation_id=review.project.organisation_id,
        before=before,
        after=snapshot(review),
        summary=f"Updated the post-implementation review of {review.project.code}",
    )
    return review


@transaction.atomic
def pir_complete(*, acting_user: User, review_id: int) -> PostImplementationReview:
    """Close the review: benefits from finance (else the typed figures) and their ratio."""
    review = access_pir_by_id(acting_user, review_id, for_edit=True)
    if review.status == PostImplementationReview.Status.COMPLETED:
        raise Conflict("This review is already completed.")
    errors = Errors()
    if not review.went_well.strip():
        errors.add("went_well", "Say what went well.")
    if not review.went_badly.strip():
        errors.add("went_badly", "Say what went badly (there is always something).")
    errors.raise_if_any()
    realised = benefits_realised(review.project)
    before = snapshot(review)
    if realised.recorded:
        review.benefits_planned = realised.planned
        review.benefits_realised = realised.realised
    review.benefits_realisation_ratio = realisation_ratio(
        review.benefits_planned, review.benefits_realised
    )
    review.status = PostImplementationReview.Status.COMPLETED
    review.completed_at = timezone.now()
    review.reviewer = review.reviewer or acting_user
    review.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=review,
        organisation_id=review.project.organisation_id,
        before=before,
        after=snapshot(review),
        summary=f"Completed the post-implementation review of {review.project.code}",
    )
    activity_record(
        actor=acting_user,
        verb="completed the post-implementation review",
        target=review,
        label=review.project.code,
        project=review.project,
        data={"url": reverse("governance:pir", args=[review.project_id])},
        event=events.PIR_COMPLETED,
    )
    return review


# Lessons


def _lesson_errors(values: dict[str, Any], check: set[str], organisation_id: int) -> None:
    errors = Errors()
    if "title" in check:
        check_text(errors, "title", values.get("title"), max_length=200, required=True)
    for name in ("description", "recommendation"):
        if name in check:
            check_text(errors, name, values.get(name), max_length=20000)
    if "impact" in check:
        check_choice(errors, "impact", values.get("impact"), LessonLearned.Impact.values)
    if "category_id" in check:
        check_reference(
            errors,
            "category_id",
            values.get("category_id"),
            Category,
            organisation_id=organisation_id,
        )
    if "tags" in check:
        tags = values.get("tags")
        if not isinstance(tags, list) or not all(isinstance(tag, str) for tag in tags):
            errors.add("tags", "Give a list of short words.")
        elif len(tags) > MAX_TAGS or any(not tag.strip() or len(tag) > 40 for tag in tags):
            errors.add("tags", f"At most {MAX_TAGS} tags of 1 to 40 characters.")
        else:
            values["tags"] = sorted({tag.strip().lower() for tag in tags})
    errors.raise_if_any()


@transaction.atomic
def lesson_create(
    *, acting_user: User, fields: LessonFields, project_id: int | None = None
) -> LessonLearned:
    """Record a lesson, on a project (its category by default) or for the whole organisation."""
    organisation_id = organisation_id_of(acting_user)
    project = None
    if project_id is not None:
        project = access_governed_project(acting_user, project_id)
        if not can_edit_project(acting_user, project) and not has_role(
            acting_user, LESSON_CURATORS
        ):
            raise AccessDenied("Only the project's manager or the PMO may record its lessons.")
    elif not has_role(acting_user, LESSON_CURATORS):
        raise AccessDenied("Lessons not tied to a project are recorded by the PMO.")
    errors = Errors()
    reject_unknown(errors, fields, LESSON_FIELDS)
    errors.raise_if_any()
    values: dict[str, Any] = {
        "description": "",
        "recommendation": "",
        "impact": LessonLearned.Impact.NEGATIVE,
        "tags": [],
        **fields,
    }
    if "category_id" not in values and project is not None:
        values["category_id"] = project.category_id
    _lesson_errors(values, set(values) | {"title"}, organisation_id)
    review = (
        PostImplementationReview.objects.filter(project=project).first()
        if project is not None
        else None
    )
    lesson = LessonLearned.objects.create(
        organisation_id=organisation_id,
        project=project,
        post_implementation_review=review,
        created_by=acting_user,
        **values,
    )
    audit_record(
        actor=acting_user,
        action=Action.CREATE,
        instance=lesson,
        after=snapshot(lesson),
        summary=f"Recorded the lesson '{lesson.title[:80]}'"
        + (f" of {project.code}" if project is not None else ""),
    )
    return lesson


@transaction.atomic
def lesson_update(*, acting_user: User, lesson_id: int, changes: LessonFields) -> LessonLearned:
    lesson = access_lesson_by_id(acting_user, lesson_id, for_edit=True)
    errors = Errors()
    reject_unknown(errors, changes, LESSON_FIELDS)
    errors.raise_if_any()
    values = {name: getattr(lesson, name) for name in LESSON_FIELDS} | dict(changes)
    _lesson_errors(values, set(changes), lesson.organisation_id)
    cleaned = {name: values[name] for name in changes}
    if not differs(lesson, cleaned):
        return lesson
    before = snapshot(lesson)
    for name, value in cleaned.items():
        setattr(lesson, name, value)
    lesson.save()
    audit_record(
        actor=acting_user,
        action=Action.UPDATE,
        instance=lesson,
        before=before,
        after=snapshot(lesson),
        summary=f"Updated the lesson '{lesson.title[:80]}'",
    )
    return lesson


@transaction.atomic
def lesson_delete(*, acting_user: User, lesson_id: int) -> None:
    lesson = access_lesson_by_id(acting_user, lesson_id, for_edit=True)
    before, pk = snapshot(lesson), lesson.pk
    lesson.delete()
    audit_record(
        actor=acting_user,
        action=Action.DELETE,
        entity_type=LessonLearned._meta.label_lower,
        entity_id=pk,
        organisation_id=lesson.organisation_id,
        before=before,
        summary=f"Deleted the lesson '{before['title'][:80]}'",
    )
