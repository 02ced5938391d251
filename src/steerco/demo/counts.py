"""Row counts of one organisation, table by table: the demo's and the seed's report."""

from __future__ import annotations

from django.db.models import Model, Q

from steerco.accounts.models import BusinessUnit, Organisation, User
from steerco.comms.models import ActivityEvent, Comment, Mention, Notification
from steerco.core.models import AuditEntry
from steerco.finance.models import Benefit, BenefitValue, Budget, BudgetLine, CostLine, Forecast
from steerco.governance.models import (
    ChangeRequest,
    GateReview,
    GuidancePage,
    LessonLearned,
    PostImplementationReview,
    QaFinding,
    QaReview,
    RaidItem,
    StatusReport,
)
from steerco.portfolios.models import (
    ObjectiveContribution,
    Portfolio,
    Program,
    ProjectScore,
    Scenario,
    ScoringCriterion,
    StrategicObjective,
)
from steerco.projects.models import (
    Baseline,
    BusinessCase,
    CashFlowLine,
    Milestone,
    Project,
    Task,
    TaskLink,
)
from steerco.resources.models import (
    Absence,
    Assignment,
    Booking,
    CapacityPeriod,
    Person,
    PersonSkill,
    ResourceRequest,
    Role,
    RoleDemand,
    Timesheet,
    TimesheetEntry,
)

# name shown, model, path from the model to its organisation
COUNTED: list[tuple[str, type[Model], str]] = [
    ("business_units", BusinessUnit, "organisation"),
    ("users", User, "organisation"),
    ("portfolios", Portfolio, "organisation"),
    ("programs", Program, "organisation"),
    ("strategic_objectives", StrategicObjective, "organisation"),
    ("scoring_criteria", ScoringCriterion, "organisation"),
    ("project_scores", ProjectScore, "project__organisation"),
    ("objective_contributions", ObjectiveContribution, "project__organisation"),
    ("scenarios", Scenario, "organisation"),
    ("projects", Project, "organisation"),
    ("business_cases", BusinessCase, "project__organisation"),
    ("cash_flow_lines", CashFlowLine, "business_case__project__organisation"),
    ("tasks", Task, "project__organisation"),
    ("task_links", TaskLink, "project__organisation"),
    ("milestones", Milestone, "project__organisation"),
    ("baselines", Baseline, "project__organisation"),
    ("roles", Role, "organisation"),
    ("people", Person, "organisation"),
    ("person_skills", PersonSkill, "person__organisation"),
    ("absences", Absence, "person__organisation"),
    ("capacity_periods", CapacityPeriod, "organisation"),
    ("role_demands", RoleDemand, "project__organisation"),
    ("bookings", Booking, "project__organisation"),
    ("assignments", Assignment, "task__project__organisation"),
    ("resource_requests", ResourceRequest, "organisation"),
    ("timesheets", Timesheet, "organisation"),
    ("timesheet_entries", TimesheetEntry, "timesheet__organisation"),
    ("budgets", Budget, "project__organisation"),
    ("budget_lines", BudgetLine, "budget__project__organisation"),
    ("cost_lines", CostLine, "organisation"),
    ("forecasts", Forecast, "project__organisation"),
    ("benefits", Benefit, "project__organisation"),
    ("benefit_values", BenefitValue, "benefit__project__organisation"),
    ("guidance_pages", GuidancePage, "template__organisation"),
    ("gate_reviews", GateReview, "project__organisation"),
    ("qa_reviews", QaReview, "project__organisation"),
    ("qa_findings", QaFinding, "review__project__organisation"),
    ("raid_items", RaidItem, "organisation"),
    ("change_requests", ChangeRequest, "organisation"),
    ("status_reports", StatusReport, "project__organisation"),
    ("post_implementation_reviews", PostImplementationReview, "project__organisation"),
    ("lessons_learned", LessonLearned, "organisation"),
    ("comments", Comment, "organisation"),
    ("mentions", Mention, "comment__organisation"),
    ("notifications", Notification, "organisation"),
    ("activity_events", ActivityEvent, "organisation"),
    ("audit_entries", AuditEntry, "organisation"),
]


def count_rows(organisation: Organisation) -> dict[str, int]:
    """How many rows of each kind belong to ``organisation``."""
    return {
        name: model._default_manager.filter(Q(**{path: organisation})).count()
        for name, model, path in COUNTED
    }
