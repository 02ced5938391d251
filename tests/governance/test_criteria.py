"""The automatic gate criteria, each with and without the data it looks for."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from steerco.core.errors import ValidationFailed
from steerco.governance import criteria
from steerco.governance.models import (
    ChangeRequest,
    LessonLearned,
    PostImplementationReview,
    QaFinding,
    StatusReport,
)
from tests.factories import (
    BaselineFactory,
    BudgetFactory,
    ChangeRequestFactory,
    ObjectiveContributionFactory,
    QaFindingFactory,
    RaidItemFactory,
    TaskFactory,
)
from tests.governance.conftest import business_case

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


def check(code, project, **params):
    return criteria.evaluate(code, project, params, NOW)


def test_npv_positive_reads_the_business_case_at_its_discount_rate(proposal):
    assert check("business_case_npv_positive", proposal) == criteria.Outcome(
        False, "No business case yet."
    )
    business_case(proposal, cost="100000", benefit="30000", months=6)
    outcome = check("business_case_npv_positive", proposal)
    # 6 x 30,000 discounted monthly at 8% a year, less 100,000 in month 0.
    expected = sum(30000 * 1.08 ** (-month / 12) for month in range(1, 7)) - 100000
    assert outcome.satisfied
    assert f"{expected:,.2f}" in outcome.evidence and "8.00%" in outcome.evidence


def test_negative_npv_fails_unless_the_project_is_mandatory(proposal):
    business_case(proposal, cost="100000", benefit="10000", months=3)
    assert not check("business_case_npv_positive", proposal).satisfied
    proposal.mandatory = True
    assert check("business_case_npv_positive", proposal).satisfied
    assert "mandatory" in check("business_case_npv_positive", proposal).evidence
    assert not check("business_case_npv_positive", proposal, allow_mandatory=False).satisfied


def test_business_case_approved_and_submitted(proposal):
    case = business_case(proposal)
    assert not check("business_case_approved", proposal).satisfied
    assert not check("business_case_submitted", proposal).satisfied
    case.status = "submitted"
    case.save()
    assert check("business_case_submitted", proposal).satisfied
    assert not check("business_case_approved", proposal).satisfied
    case.status = "approved"
    case.save()
    assert check("business_case_approved", proposal).evidence.startswith("Business case v1")


def test_risk_register_counts_assessed_risks(proposal):
    RaidItemFactory(project=proposal, probability=None, impact=None)
    outcome = check("risk_register_has_risks", proposal, minimum=1)
    assert not outcome.satisfied and "0 assessed risks" in outcome.evidence
    RaidItemFactory(project=proposal)
    assert check("risk_register_has_risks", proposal, minimum=1).satisfied
    assert not check("risk_register_has_risks", proposal, minimum=2).satisfied


def test_register_reviewed_within_days_and_its_old_name(proposal):
    assert not check("risk_register_reviewed_within_days", proposal).satisfied
    RaidItemFactory(project=proposal, last_reviewed_at=NOW - datetime.timedelta(days=31))
    stale = check("risk_register_reviewed_within_days", proposal, days=30)
    assert not stale.satisfied and "31 days ago" in stale.evidence
    assert check("risk_register_reviewed_within_days", proposal, days=45).satisfied
    # The demo methodology's name for the same rule, with its own params.
    assert not check("risk_register_reviewed_30_days", proposal, days=30).satisfied


def test_no_open_red_risks_ignores_closed_and_low_risks(proposal):
    RaidItemFactory(project=proposal, ref="R-001", probability=Decimal("0.9"), impact=5)
    RaidItemFactory(project=proposal, ref="R-002", probability=Decimal("0.1"), impact=5)
    outcome = check("no_open_red_risks", proposal)
    assert not outcome.satisfied and outcome.evidence == "Open red risks: R-001 (25)."
    proposal.raid_items.filter(ref="R-001").update(status="closed")
    assert check("no_open_red_risks", proposal).satisfied


def test_plan_budget_and_reports(proposal):
    assert not check("baseline_captured", proposal).satisfied
    BaselineFactory(project=proposal, number=0)
    assert check("baseline_set", proposal).evidence.startswith("Baseline 0 captured")
    assert not check("schedule_has_tasks", proposal).satisfied
    TaskFactory(project=proposal)
    assert check("schedule_has_tasks", proposal).satisfied
    BudgetFactory(project=proposal, status="draft")
    assert not check("budget_approved", proposal).satisfied
    BudgetFactory(project=proposal, version=2, status="approved", total=Decimal("500"))
    assert check("budget_approved", proposal).satisfied
    StatusReport.objects.create(
        project=proposal,
        period_start=datetime.date(2026, 4, 1),
        period_end=datetime.date(2026, 4, 30),
        status="submitted",
        submitted_at=NOW - datetime.timedelta(days=50),
    )
    assert not check("status_report_submitted_within_days", proposal).satisfied
    assert check("status_report_submitted_within_days", proposal, days=60).satisfied


def test_changes_qa_objectives_and_closure(proposal):
    ChangeRequestFactory(project=proposal, ref="CR-001", status=ChangeRequest.Status.SUBMITTED)
    assert check("change_requests_decided", proposal).evidence == (
        "Waiting for a decision: CR-001."
    )
    QaFindingFactory(review__project=proposal, severity=QaFinding.Severity.HIGH)
    assert not check("no_open_critical_qa_findings", proposal).satisfied
    assert not check("objective_contribution_present", proposal).satisfied
    ObjectiveContributionFactory(project=proposal, objective__name="Grow online sales")
    assert check("objective_contribution_present", proposal).evidence == (
        "Serves: Grow online sales."
    )
    assert not check("pir_scheduled", proposal).satisfied
    PostImplementationReview.objects.create(project=proposal)
    assert "no date" in check("pir_scheduled", proposal).evidence
    assert not check("lessons_recorded", proposal).satisfied
    LessonLearned.objects.create(
        organisation=proposal.organisation, project=proposal, title="Book the testers early"
    )
    assert check("lessons_recorded", proposal).satisfied
    assert timezone.is_aware(NOW)


def test_field_checks_read_the_project(proposal):
    assert not criteria.evaluate_field(proposal, "sponsor").satisfied
    assert criteria.evaluate_field(proposal, "manager").satisfied
    assert not criteria.evaluate_field(proposal, "budget").satisfied


def test_unknown_rules_and_bad_params_fail_safe_and_are_rejected_on_save(proposal):
    outcome = check("crystal_ball", proposal)
    assert not outcome.satisfied and "Unknown rule" in outcome.evidence
    assert not check("risk_register_has_risks", proposal, minimum="three").satisfied
    with pytest.raises(ValidationFailed) as error:
        criteria.clean_params("risk_register_reviewed_within_days", {"days": 0, "weeks": 2})
    assert set(error.value.errors) == {"params.days", "params.weeks"}
    assert criteria.clean_params("risk_register_has_risks", {}) == {"minimum": 1}
