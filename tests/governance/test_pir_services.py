"""Post-implementation reviews, the realisation ratio and its calibration, lessons."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, Conflict, ValidationFailed
from steerco.governance import selectors, services
from steerco.governance.models import PostImplementationReview
from steerco.governance.pir_services import benefits_realised, realisation_ratio
from steerco.projects.models import Project
from tests.factories import (
    BenefitFactory,
    BenefitValueFactory,
    BusinessUnitFactory,
    CategoryFactory,
)
from tests.governance.conftest import business_case

pytestmark = pytest.mark.django_db


def month(n):
    return datetime.date(2026, n, 1)


def benefit_values(project, rows, **benefit):
    made = BenefitFactory(project=project, **benefit)
    for number, (planned, realised) in enumerate(rows, start=1):
        BenefitValueFactory(
            benefit=made,
            month=month(number),
            planned=Decimal(planned),
            realised=None if realised is None else Decimal(realised),
        )
    return made


def test_benefits_are_compared_over_the_months_measured(make_project, method):
    project = make_project(stage=Project.Stage.CLOSED)
    benefit_values(
        project,
        [("1000", "800"), ("1000", "700"), ("1000", None), ("5000", None)],
        name="Fewer manual checks",
        category="cost_saving",
    )
    benefit_values(project, [("500", "600")], name="Upsell", category="revenue")
    benefit_values(project, [("9", "9")], name="NPS", kind="non_financial")
    realised = benefits_realised(project)
    assert [(line.name, line.planned, line.realised, line.months) for line in realised.lines] == [
        ("Fewer manual checks", Decimal("2000.00"), Decimal("1500.00"), 2),
        ("Upsell", Decimal("500.00"), Decimal("600.00"), 1),
    ]
    assert realised.ratio == Decimal("0.8400")
    assert realisation_ratio(Decimal(0), Decimal(5)) is None


def test_a_review_is_planned_for_closing_projects_and_completed_with_the_ratio(
    org, make_project, method
):
    manager = org.user("project_manager")
    running = make_project(stage=Project.Stage.IN_EXECUTION)
    with pytest.raises(Conflict):
        services.pir_schedule(acting_user=manager, project_id=running.pk, fields={})
    closing = make_project(stage=Project.Stage.CLOSING)
    benefit_values(closing, [("1000", "900"), ("1000", "600")])
    review = services.pir_schedule(
        acting_user=manager,
        project_id=closing.pk,
        fields={
            "scheduled_for": datetime.date(2026, 9, 1),
            "reviewer_id": org.user("pmo_analyst").pk,
        },
    )
    with pytest.raises(Conflict):
        services.pir_schedule(acting_user=manager, project_id=closing.pk, fields={})
    with pytest.raises(ValidationFailed) as error:
        services.pir_complete(acting_user=manager, review_id=review.pk)
    assert set(error.value.errors) == {"went_well", "went_badly"}
    services.pir_update(
        acting_user=manager,
        review_id=review.pk,
        changes={"went_well": "Early user testing", "went_badly": "Data migration slipped"},
    )
    services.pir_complete(acting_user=manager, review_id=review.pk)
    review.refresh_from_db()
    assert review.status == PostImplementationReview.Status.COMPLETED
    assert (review.benefits_planned, review.benefits_realised) == (
        Decimal("2000.00"),
        Decimal("1500.00"),
    )
    assert review.benefits_realisation_ratio == Decimal("0.7500")
    with pytest.raises(Conflict):
        services.pir_update(acting_user=manager, review_id=review.pk, changes={"summary": "x"})
    with pytest.raises(AccessDenied):
        services.pir_update(
            acting_user=org.user("executive"), review_id=review.pk, changes={"summary": "x"}
        )


def completed_review(project, planned, realised):
    return PostImplementationReview.objects.create(
        project=project,
        status="completed",
        benefits_planned=Decimal(planned),
        benefits_realised=Decimal(realised),
    )


def test_realisation_by_category_and_business_unit_calibrates_new_cases(org, make_project, method):
    crm = CategoryFactory(organisation=org.organisation, name="CRM")
    erp = CategoryFactory(organisation=org.organisation, name="ERP")
    retail = BusinessUnitFactory(organisation=org.organisation, name="Retail")
    completed_review(
        make_project(category=crm, business_unit=retail, stage="closed"), "1000", "600"
    )
    completed_review(make_project(category=crm, stage="closed"), "3000", "2400")
    completed_review(
        make_project(category=erp, business_unit=retail, stage="closed"), "1000", "1000"
    )
    summary = selectors.realisation_summary(org.user("executive"))
    by_category = {row.label: (row.ratio, row.reviews) for row in summary.by_category}
    assert by_category == {"CRM": (Decimal("0.7500"), 2), "ERP": (Decimal("1.0000"), 1)}
    by_unit = {row.label: row.ratio for row in summary.by_business_unit}
    assert by_unit["Retail"] == Decimal("0.8000")
    assert summary.overall.ratio == Decimal("0.8000") and summary.overall.reviews == 3

    idea = make_project(category=crm, stage=Project.Stage.PROPOSAL)
    business_case(idea, cost="100000", benefit="20000", months=6)
    calibration = selectors.calibration_for(idea)
    assert (calibration.basis, calibration.label, calibration.ratio) == (
        "category",
        "CRM",
        Decimal("0.7500"),
    )
    expected = sum(20000 * 0.75 * 1.08 ** (-m / 12) for m in range(1, 7)) - 100000
    assert calibration.calibrated_npv == pytest.approx(expected)
    assert calibration.npv > 0 > calibration.calibrated_npv
    # Without a category, the business unit's history is used; without either, everyone's.
    assert selectors.calibration_for(make_project(business_unit=retail)).basis == "business unit"
    assert selectors.calibration_for(make_project()).basis == "organisation"


def test_lessons_are_searched_and_suggested_to_projects_of_the_same_category(
    org, make_project, method
):
    crm = CategoryFactory(organisation=org.organisation, name="CRM")
    done = make_project(category=crm, stage=Project.Stage.CLOSED)
    manager = org.user("project_manager")
    lesson = services.lesson_create(
        acting_user=manager,
        project_id=done.pk,
        fields={
            "title": "Clean the customer data before migrating",
            "recommendation": "Budget a data steward from month one",
            "tags": ["Data migration", "vendor "],
        },
    )
    assert lesson.category == crm and lesson.tags == ["data migration", "vendor"]
    services.lesson_create(
        acting_user=org.user("pmo_analyst"),
        fields={"title": "Hold go-lives outside the retail peak", "impact": "positive"},
    )
    with pytest.raises(AccessDenied):
        services.lesson_create(acting_user=manager, fields={"title": "Organisation-wide"})
    member = org.user("team_member")

    def titles(**filters):
        rows = selectors.lesson_search(member, selectors.LessonFilters(**filters))
        return [row.title for row in rows]

    assert titles(search="customer steward") == ["Clean the customer data before migrating"]
    assert titles(search="vendor") == ["Clean the customer data before migrating"]
    assert titles(tag="data migration") == ["Clean the customer data before migrating"]
    assert titles(impact="positive") == ["Hold go-lives outside the retail peak"]
    assert titles(category_id=crm.pk) == ["Clean the customer data before migrating"]
    new = make_project(category=crm, stage=Project.Stage.IDEA)
    assert [row.pk for row in selectors.suggestions_for(new)] == [lesson.pk]
    assert selectors.suggestions_for(done) == []
    with pytest.raises(ValidationFailed):
        services.lesson_update(acting_user=manager, lesson_id=lesson.pk, changes={"tags": "one"})
    with pytest.raises(AccessDenied):
        services.lesson_delete(acting_user=member, lesson_id=lesson.pk)
