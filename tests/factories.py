"""factory_boy factories for every Steerco model, organisation-consistent.

Every object a factory creates, and every object it creates along the way,
belongs to one organisation:

- ``ProjectFactory()`` makes a new organisation with a portfolio, a manager and
  the project in it;
- ``ProjectFactory(organisation=org)`` puts all of those in ``org``;
- ``ProjectFactory(portfolio=p)`` (or ``RaidItemFactory(project=p)``...) takes the
  organisation from the parent it is given.

The last rule applies to top-level factory calls; inside a ``SubFactory`` pass
``organisation=SelfAttribute("..organisation")`` as the factories below do.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, ClassVar, TypeVar

import factory
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from factory.django import DjangoModelFactory

from steerco.accounts.models import BusinessUnit, Organisation, Role, User
from steerco.comms import models as comms
from steerco.finance import models as finance
from steerco.governance import models as governance
from steerco.portfolios import models as portfolios
from steerco.projects import models as projects
from steerco.resources import models as resources

ModelT = TypeVar("ModelT", bound=models.Model)

SAME_ORG = factory.SelfAttribute("..organisation")
FIRST_MONTH = datetime.date(2026, 1, 1)
FIRST_MONDAY = datetime.date(2026, 1, 5)
NOW = datetime.datetime(2026, 1, 5, 9, 0, tzinfo=datetime.UTC)


def nth_month(n: int) -> datetime.date:
    return datetime.date(FIRST_MONTH.year + n // 12, n % 12 + 1, 1)


def nth_monday(n: int) -> datetime.date:
    return FIRST_MONDAY + datetime.timedelta(weeks=n)


class OrganisationScopedFactory(DjangoModelFactory[ModelT]):
    """Takes the organisation from the first parent given in ``_organisation_from``."""

    _organisation_from: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    @classmethod
    def _generate(cls, strategy: Any, params: dict[str, Any]) -> Any:
        if "organisation" not in params:
            for name in cls._organisation_from:
                parent = params.get(name)
                if parent is not None:
                    params = {**params, "organisation": parent.organisation}
                    break
        return super()._generate(strategy, params)


# accounts


class OrganisationFactory(DjangoModelFactory[Organisation]):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"ORG{n}")
    name = factory.Sequence(lambda n: f"Organisation {n}")
    currency = "EUR"


class BusinessUnitFactory(DjangoModelFactory[BusinessUnit]):
    class Meta:
        model = BusinessUnit

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"BU{n}")
    name = factory.Sequence(lambda n: f"Business unit {n}")


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    role = Role.PROJECT_MANAGER
    password = factory.django.Password("correct-horse-battery-staple")


# projects (calendars and categories first: portfolios and resources refer to them)


class CategoryFactory(DjangoModelFactory[projects.Category]):
    class Meta:
        model = projects.Category

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CAT{n}")
    name = factory.Sequence(lambda n: f"Category {n}")


class CalendarFactory(DjangoModelFactory[projects.Calendar]):
    class Meta:
        model = projects.Calendar

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Calendar {n}")


class CalendarExceptionFactory(DjangoModelFactory[projects.CalendarException]):
    class Meta:
        model = projects.CalendarException

    calendar = factory.SubFactory(CalendarFactory)
    name = "Public holiday"
    start_date = datetime.date(2026, 5, 1)
    finish_date = datetime.date(2026, 5, 1)


# portfolios


class PortfolioFactory(DjangoModelFactory[portfolios.Portfolio]):
    class Meta:
        model = portfolios.Portfolio

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"PF{n}")
    name = factory.Sequence(lambda n: f"Portfolio {n}")
    owner = factory.SubFactory(UserFactory, organisation=SAME_ORG, role=Role.PORTFOLIO_MANAGER)


class ProgramFactory(OrganisationScopedFactory[portfolios.Program]):
    _organisation_from = ("portfolio",)

    class Meta:
        model = portfolios.Program

    organisation = factory.SubFactory(OrganisationFactory)
    portfolio = factory.SubFactory(PortfolioFactory, organisation=SAME_ORG)
    code = factory.Sequence(lambda n: f"PG{n}")
    name = factory.Sequence(lambda n: f"Program {n}")
    manager = factory.SubFactory(UserFactory, organisation=SAME_ORG)


class StrategicObjectiveFactory(DjangoModelFactory[portfolios.StrategicObjective]):
    class Meta:
        model = portfolios.StrategicObjective

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"OBJ{n}")
    name = factory.Sequence(lambda n: f"Objective {n}")
    weight = Decimal("1")


class ScoringCriterionFactory(DjangoModelFactory[portfolios.ScoringCriterion]):
    class Meta:
        model = portfolios.ScoringCriterion

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CRIT{n}")
    name = factory.Sequence(lambda n: f"Criterion {n}")
    weight = Decimal("1")
    levels = factory.LazyFunction(
        lambda: [{"value": v, "label": label} for v, label in enumerate("LMH", start=1)]
    )


class AhpComparisonFactory(DjangoModelFactory[portfolios.AhpComparison]):
    class Meta:
        model = portfolios.AhpComparison

    organisation = factory.SubFactory(OrganisationFactory)
    rater = factory.SubFactory(UserFactory, organisation=SAME_ORG)
    criterion_a = factory.SubFactory(ScoringCriterionFactory, organisation=SAME_ORG)
    criterion_b = factory.SubFactory(ScoringCriterionFactory, organisation=SAME_ORG)
    value = Decimal("3")


# governance templates (projects refer to a methodology)


class MethodologyTemplateFactory(DjangoModelFactory[governance.MethodologyTemplate]):
    class Meta:
        model = governance.MethodologyTemplate

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"METH{n}")
    name = factory.Sequence(lambda n: f"Methodology {n}")


class LifecycleStageFactory(DjangoModelFactory[governance.LifecycleStage]):
    class Meta:
        model = governance.LifecycleStage

    template = factory.SubFactory(MethodologyTemplateFactory)
    code = factory.Sequence(lambda n: f"ST{n}")
    name = factory.Sequence(lambda n: f"Stage {n}")
    order = factory.Sequence(int)
    project_stage = projects.Project.Stage.PROPOSAL


# projects


class ProjectFactory(OrganisationScopedFactory[projects.Project]):
    _organisation_from = ("portfolio", "program")

    class Meta:
        model = projects.Project

    organisation = factory.SubFactory(OrganisationFactory)
    portfolio = factory.SubFactory(PortfolioFactory, organisation=SAME_ORG)
    code = factory.Sequence(lambda n: f"PRJ-{n:04d}")
    name = factory.Sequence(lambda n: f"Project {n}")
    stage = projects.Project.Stage.IN_EXECUTION
    manager = factory.SubFactory(UserFactory, organisation=SAME_ORG)
    start_date = datetime.date(2026, 1, 1)
    finish_date = datetime.date(2026, 12, 31)


class ProjectMemberFactory(DjangoModelFactory[projects.ProjectMember]):
    class Meta:
        model = projects.ProjectMember

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(
        UserFactory,
        organisation=factory.SelfAttribute("..project.organisation"),
        role="team_member",
    )


class BusinessCaseFactory(DjangoModelFactory[projects.BusinessCase]):
    class Meta:
        model = projects.BusinessCase

    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: n + 1)
    summary = "Automate invoice matching"
    start_month = FIRST_MONTH


class CashFlowLineFactory(DjangoModelFactory[projects.CashFlowLine]):
    class Meta:
        model = projects.CashFlowLine

    business_case = factory.SubFactory(BusinessCaseFactory)
    kind = projects.CashFlowLine.Kind.COST
    category = projects.CashFlowLine.FlowCategory.OPEX
    month_index = factory.Sequence(lambda n: n % 600)
    amount = Decimal("10000.00")


class TaskFactory(DjangoModelFactory[projects.Task]):
    class Meta:
        model = projects.Task

    project = factory.SubFactory(ProjectFactory)
    uid = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Task {n}")
    sort_order = factory.SelfAttribute("uid")
    duration_minutes = 5 * 8 * 60


class TaskLinkFactory(DjangoModelFactory[projects.TaskLink]):
    class Meta:
        model = projects.TaskLink

    project = factory.SubFactory(ProjectFactory)
    predecessor = factory.SubFactory(TaskFactory, project=factory.SelfAttribute("..project"))
    successor = factory.SubFactory(TaskFactory, project=factory.SelfAttribute("..project"))


class MilestoneFactory(DjangoModelFactory[projects.Milestone]):
    class Meta:
        model = projects.Milestone

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = datetime.date(2026, 6, 30)


class BaselineFactory(DjangoModelFactory[projects.Baseline]):
    class Meta:
        model = projects.Baseline

    project = factory.SubFactory(ProjectFactory)
    number = 0
    captured_at = NOW


class BaselineTaskFactory(DjangoModelFactory[projects.BaselineTask]):
    class Meta:
        model = projects.BaselineTask

    baseline = factory.SubFactory(BaselineFactory)
    task = factory.SubFactory(TaskFactory, project=factory.SelfAttribute("..baseline.project"))
    task_uid = factory.SelfAttribute("task.uid")
    name = factory.SelfAttribute("task.name")
    duration_minutes = factory.SelfAttribute("task.duration_minutes")


# portfolios, project-level rows


class ProjectScoreFactory(DjangoModelFactory[portfolios.ProjectScore]):
    class Meta:
        model = portfolios.ProjectScore

    project = factory.SubFactory(ProjectFactory)
    criterion = factory.SubFactory(
        ScoringCriterionFactory, organisation=factory.SelfAttribute("..project.organisation")
    )
    value = Decimal("3")


class ObjectiveContributionFactory(DjangoModelFactory[portfolios.ObjectiveContribution]):
    class Meta:
        model = portfolios.ObjectiveContribution

    project = factory.SubFactory(ProjectFactory)
    objective = factory.SubFactory(
        StrategicObjectiveFactory, organisation=factory.SelfAttribute("..project.organisation")
    )
    contribution = 2


class ScenarioFactory(OrganisationScopedFactory[portfolios.Scenario]):
    _organisation_from = ("portfolio",)

    class Meta:
        model = portfolios.Scenario

    organisation = factory.SubFactory(OrganisationFactory)
    portfolio = factory.SubFactory(PortfolioFactory, organisation=SAME_ORG)
    name = factory.Sequence(lambda n: f"Scenario {n}")
    horizon_start = FIRST_MONTH
    created_by = factory.SubFactory(UserFactory, organisation=SAME_ORG)


class ScenarioProjectFactory(DjangoModelFactory[portfolios.ScenarioProject]):
    class Meta:
        model = portfolios.ScenarioProject

    scenario = factory.SubFactory(ScenarioFactory)
    project = factory.SubFactory(
        ProjectFactory,
        organisation=factory.SelfAttribute("..scenario.organisation"),
        portfolio=factory.SelfAttribute("..scenario.portfolio"),
    )


class OptimiserRunFactory(OrganisationScopedFactory[portfolios.OptimiserRun]):
    _organisation_from = ("scenario",)

    class Meta:
        model = portfolios.OptimiserRun

    organisation = factory.SubFactory(OrganisationFactory)
    scenario = factory.SubFactory(ScenarioFactory, organisation=SAME_ORG)


class PortfolioBudgetFactory(DjangoModelFactory[portfolios.PortfolioBudget]):
    class Meta:
        model = portfolios.PortfolioBudget

    portfolio = factory.SubFactory(PortfolioFactory)
    month = factory.Sequence(nth_month)
    capex = Decimal("100000.00")
    opex = Decimal("50000.00")


class BalanceRuleFactory(DjangoModelFactory[portfolios.BalanceRule]):
    class Meta:
        model = portfolios.BalanceRule

    portfolio = factory.SubFactory(PortfolioFactory)
    dimension = portfolios.BalanceRule.Dimension.CATEGORY
    key = factory.Sequence(lambda n: f"CAT{n}")
    min_share = Decimal("0.1")
    max_share = Decimal("0.5")


# resources


class RoleFactory(DjangoModelFactory[resources.Role]):
    class Meta:
        model = resources.Role

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"ROLE{n}")
    name = factory.Sequence(lambda n: f"Data Engineer {n}")
    default_cost_rate = Decimal("95.00")


class SkillFactory(DjangoModelFactory[resources.Skill]):
    class Meta:
        model = resources.Skill

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Skill {n}")


class PersonFactory(OrganisationScopedFactory[resources.Person]):
    _organisation_from = ("role",)

    class Meta:
        model = resources.Person

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.com")
    role = factory.SubFactory(RoleFactory, organisation=SAME_ORG)


class PersonSkillFactory(DjangoModelFactory[resources.PersonSkill]):
    class Meta:
        model = resources.PersonSkill

    person = factory.SubFactory(PersonFactory)
    skill = factory.SubFactory(
        SkillFactory, organisation=factory.SelfAttribute("..person.organisation")
    )
    level = 3


class CostRateFactory(OrganisationScopedFactory[resources.CostRate]):
    """A role's default rate; pass ``person=...`` and ``role=None`` for a personal rate."""

    _organisation_from = ("role", "person")

    class Meta:
        model = resources.CostRate

    organisation = factory.SubFactory(OrganisationFactory)
    role = factory.SubFactory(RoleFactory, organisation=SAME_ORG)
    person = None
    rate = Decimal("90.00")
    currency = factory.SelfAttribute("organisation.currency")
    effective_from = FIRST_MONTH


class AbsenceFactory(DjangoModelFactory[resources.Absence]):
    class Meta:
        model = resources.Absence

    person = factory.SubFactory(PersonFactory)
    start_date = datetime.date(2026, 8, 3)
    finish_date = datetime.date(2026, 8, 14)


class CapacityPeriodFactory(OrganisationScopedFactory[resources.CapacityPeriod]):
    """A person's month; pass ``person=None`` for a role's total."""

    _organisation_from = ("role", "person")

    class Meta:
        model = resources.CapacityPeriod

    organisation = factory.SubFactory(OrganisationFactory)
    role = factory.SubFactory(RoleFactory, organisation=SAME_ORG)
    person = factory.SubFactory(
        PersonFactory, organisation=SAME_ORG, role=factory.SelfAttribute("..role")
    )
    month = factory.Sequence(nth_month)
    hours = Decimal("140.00")


class RoleDemandFactory(DjangoModelFactory[resources.RoleDemand]):
    class Meta:
        model = resources.RoleDemand

    project = factory.SubFactory(ProjectFactory)
    role = factory.SubFactory(
        RoleFactory, organisation=factory.SelfAttribute("..project.organisation")
    )
    month = factory.Sequence(nth_month)
    hours = Decimal("80.00")


class BookingFactory(DjangoModelFactory[resources.Booking]):
    class Meta:
        model = resources.Booking

    project = factory.SubFactory(ProjectFactory)
    person = factory.SubFactory(
        PersonFactory, organisation=factory.SelfAttribute("..project.organisation")
    )
    month = factory.Sequence(nth_month)
    hours = Decimal("40.00")


class AssignmentFactory(DjangoModelFactory[resources.Assignment]):
    class Meta:
        model = resources.Assignment

    task = factory.SubFactory(TaskFactory)
    person = factory.SubFactory(
        PersonFactory, organisation=factory.SelfAttribute("..task.project.organisation")
    )
    role = None
    work_minutes = 2400


class ResourceRequestFactory(OrganisationScopedFactory[resources.ResourceRequest]):
    _organisation_from = ("project",)

    class Meta:
        model = resources.ResourceRequest

    organisation = factory.SubFactory(OrganisationFactory)
    project = factory.SubFactory(ProjectFactory, organisation=SAME_ORG)
    role = factory.SubFactory(RoleFactory, organisation=SAME_ORG)
    start_date = datetime.date(2026, 3, 1)
    finish_date = datetime.date(2026, 5, 31)
    hours = Decimal("200.00")
    requested_by = factory.SelfAttribute("project.manager")


class TimesheetFactory(OrganisationScopedFactory[resources.Timesheet]):
    _organisation_from = ("person",)

    class Meta:
        model = resources.Timesheet

    organisation = factory.SubFactory(OrganisationFactory)
    person = factory.SubFactory(PersonFactory, organisation=SAME_ORG)
    week_start = factory.Sequence(nth_monday)


class TimesheetEntryFactory(DjangoModelFactory[resources.TimesheetEntry]):
    """An entry on a project; pass ``project=None, non_project_category=...`` otherwise."""

    class Meta:
        model = resources.TimesheetEntry

    timesheet = factory.SubFactory(TimesheetFactory)
    project = factory.SubFactory(
        ProjectFactory, organisation=factory.SelfAttribute("..timesheet.organisation")
    )
    date = factory.SelfAttribute("timesheet.week_start")
    hours = Decimal("7.50")


class LockedPeriodFactory(DjangoModelFactory[resources.LockedPeriod]):
    class Meta:
        model = resources.LockedPeriod

    organisation = factory.SubFactory(OrganisationFactory)
    until = datetime.date(2025, 12, 31)


class HiringPlanFactory(DjangoModelFactory[resources.HiringPlan]):
    class Meta:
        model = resources.HiringPlan

    scenario = factory.SubFactory(ScenarioFactory)
    role = factory.SubFactory(
        RoleFactory, organisation=factory.SelfAttribute("..scenario.organisation")
    )
    month = factory.Sequence(nth_month)
    fte_delta = Decimal("1.00")


# finance


class CostCategoryFactory(DjangoModelFactory[finance.CostCategory]):
    class Meta:
        model = finance.CostCategory

    organisation = factory.SubFactory(OrganisationFactory)
    code = factory.Sequence(lambda n: f"CC{n}")
    name = factory.Sequence(lambda n: f"Cost category {n}")


class BudgetFactory(DjangoModelFactory[finance.Budget]):
    class Meta:
        model = finance.Budget

    project = factory.SubFactory(ProjectFactory)
    version = factory.Sequence(lambda n: n + 1)


class BudgetLineFactory(DjangoModelFactory[finance.BudgetLine]):
    class Meta:
        model = finance.BudgetLine

    budget = factory.SubFactory(BudgetFactory)
    cost_category = factory.SubFactory(
        CostCategoryFactory, organisation=factory.SelfAttribute("..budget.project.organisation")
    )
    month = factory.Sequence(nth_month)
    expense_type = factory.SelfAttribute("cost_category.expense_type")
    amount = Decimal("12000.00")


class CostLineFactory(OrganisationScopedFactory[finance.CostLine]):
    _organisation_from = ("project",)

    class Meta:
        model = finance.CostLine

    organisation = factory.SubFactory(OrganisationFactory)
    project = factory.SubFactory(ProjectFactory, organisation=SAME_ORG)
    cost_category = factory.SubFactory(CostCategoryFactory, organisation=SAME_ORG)
    month = factory.Sequence(nth_month)
    expense_type = factory.SelfAttribute("cost_category.expense_type")
    amount = Decimal("1500.00")
    currency = factory.SelfAttribute("organisation.currency")
    amount_org_currency = factory.SelfAttribute("amount")
    source = finance.CostLine.Source.IMPORT
    reference = factory.Sequence(lambda n: f"INV-{n:06d}")


class ForecastFactory(DjangoModelFactory[finance.Forecast]):
    class Meta:
        model = finance.Forecast

    project = factory.SubFactory(ProjectFactory)
    as_of = FIRST_MONTH
    month = factory.Sequence(nth_month)
    amount = Decimal("9000.00")


class BenefitFactory(DjangoModelFactory[finance.Benefit]):
    class Meta:
        model = finance.Benefit

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Benefit {n}")
    category = finance.Benefit.Category.COST_SAVING


class BenefitValueFactory(DjangoModelFactory[finance.BenefitValue]):
    class Meta:
        model = finance.BenefitValue

    benefit = factory.SubFactory(BenefitFactory)
    month = factory.Sequence(nth_month)
    planned = Decimal("2500")


class ExchangeRateFactory(DjangoModelFactory[finance.ExchangeRate]):
    class Meta:
        model = finance.ExchangeRate

    organisation = factory.SubFactory(OrganisationFactory)
    currency = "USD"
    effective_date = factory.Sequence(nth_month)
    rate_to_org_currency = Decimal("0.92000000")


# governance


class GateFactory(DjangoModelFactory[governance.Gate]):
    class Meta:
        model = governance.Gate

    template = factory.SubFactory(MethodologyTemplateFactory)
    code = factory.Sequence(lambda n: f"G{n}")
    name = factory.Sequence(lambda n: f"Gate {n}")
    from_stage = factory.SubFactory(
        LifecycleStageFactory, template=factory.SelfAttribute("..template")
    )
    to_stage = factory.SubFactory(
        LifecycleStageFactory, template=factory.SelfAttribute("..template")
    )


class GateChecklistItemFactory(DjangoModelFactory[governance.GateChecklistItem]):
    class Meta:
        model = governance.GateChecklistItem

    gate = factory.SubFactory(GateFactory)
    text = "Business case approved by the sponsor"


class ProjectTemplateFactory(DjangoModelFactory[governance.ProjectTemplate]):
    class Meta:
        model = governance.ProjectTemplate

    template = factory.SubFactory(MethodologyTemplateFactory)
    code = factory.Sequence(lambda n: f"PT{n}")
    name = factory.Sequence(lambda n: f"Project template {n}")


class PhaseTemplateFactory(DjangoModelFactory[governance.PhaseTemplate]):
    class Meta:
        model = governance.PhaseTemplate

    project_template = factory.SubFactory(ProjectTemplateFactory)
    name = factory.Sequence(lambda n: f"Phase {n}")


class TaskTemplateFactory(DjangoModelFactory[governance.TaskTemplate]):
    class Meta:
        model = governance.TaskTemplate

    phase = factory.SubFactory(PhaseTemplateFactory)
    name = factory.Sequence(lambda n: f"Template task {n}")
    duration_days = Decimal("5")


class GuidancePageFactory(DjangoModelFactory[governance.GuidancePage]):
    class Meta:
        model = governance.GuidancePage

    template = factory.SubFactory(MethodologyTemplateFactory)
    title = factory.Sequence(lambda n: f"How to write a business case ({n})")
    slug = factory.Sequence(lambda n: f"business-case-{n}")


class GateReviewFactory(DjangoModelFactory[governance.GateReview]):
    class Meta:
        model = governance.GateReview

    project = factory.SubFactory(ProjectFactory)
    gate = factory.SubFactory(
        GateFactory, template__organisation=factory.SelfAttribute("...project.organisation")
    )
    requested_by = factory.SelfAttribute("project.manager")
    requested_at = NOW


class GateReviewItemFactory(DjangoModelFactory[governance.GateReviewItem]):
    class Meta:
        model = governance.GateReviewItem

    review = factory.SubFactory(GateReviewFactory)
    checklist_item = factory.SubFactory(
        GateChecklistItemFactory, gate=factory.SelfAttribute("..review.gate")
    )


class QaReviewFactory(DjangoModelFactory[governance.QaReview]):
    class Meta:
        model = governance.QaReview

    project = factory.SubFactory(ProjectFactory)
    title = "Quarterly assurance"
    scheduled_for = datetime.date(2026, 4, 1)


class QaFindingFactory(DjangoModelFactory[governance.QaFinding]):
    class Meta:
        model = governance.QaFinding

    review = factory.SubFactory(QaReviewFactory)
    description = "Risk register not reviewed for 60 days"


class RaidItemFactory(OrganisationScopedFactory[governance.RaidItem]):
    _organisation_from = ("project",)

    class Meta:
        model = governance.RaidItem

    organisation = factory.SubFactory(OrganisationFactory)
    project = factory.SubFactory(ProjectFactory, organisation=SAME_ORG)
    kind = governance.RaidItem.Kind.RISK
    ref = factory.Sequence(lambda n: f"R-{n:03d}")
    title = factory.Sequence(lambda n: f"Vendor may deliver late ({n})")
    probability = Decimal("0.300")
    impact = 4
    owner = factory.SelfAttribute("project.manager")


class ChangeRequestFactory(OrganisationScopedFactory[governance.ChangeRequest]):
    _organisation_from = ("project",)

    class Meta:
        model = governance.ChangeRequest

    organisation = factory.SubFactory(OrganisationFactory)
    project = factory.SubFactory(ProjectFactory, organisation=SAME_ORG)
    ref = factory.Sequence(lambda n: f"CR-{n:03d}")
    title = factory.Sequence(lambda n: f"Add SSO to the portal ({n})")
    cost_impact = Decimal("15000.00")
    schedule_impact_days = 10
    requested_by = factory.SelfAttribute("project.manager")


class StatusReportFactory(DjangoModelFactory[governance.StatusReport]):
    class Meta:
        model = governance.StatusReport

    project = factory.SubFactory(ProjectFactory)
    period_start = factory.Sequence(nth_month)
    period_end = factory.LazyAttribute(
        lambda o: (
            nth_month((o.period_start.year - FIRST_MONTH.year) * 12 + o.period_start.month)
            - datetime.timedelta(days=1)
        )
    )
    author = factory.SelfAttribute("project.manager")


class PostImplementationReviewFactory(DjangoModelFactory[governance.PostImplementationReview]):
    class Meta:
        model = governance.PostImplementationReview

    project = factory.SubFactory(ProjectFactory, stage=projects.Project.Stage.CLOSED)


class LessonLearnedFactory(OrganisationScopedFactory[governance.LessonLearned]):
    _organisation_from = ("project",)

    class Meta:
        model = governance.LessonLearned

    organisation = factory.SubFactory(OrganisationFactory)
    project = factory.SubFactory(ProjectFactory, organisation=SAME_ORG)
    title = "Book the vendor's experts before the kick-off"


# comms


class CommentFactory(OrganisationScopedFactory[comms.Comment]):
    """A comment on a project (the target defaults to ``project``)."""

    _organisation_from = ("project",)

    class Meta:
        model = comms.Comment

    organisation = factory.SubFactory(OrganisationFactory)
    project = factory.SubFactory(ProjectFactory, organisation=SAME_ORG)
    author = factory.SubFactory(UserFactory, organisation=SAME_ORG)
    content_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.project))
    object_id = factory.SelfAttribute("project.pk")
    body = "Can we bring the pilot forward?"


class MentionFactory(DjangoModelFactory[comms.Mention]):
    class Meta:
        model = comms.Mention

    comment = factory.SubFactory(CommentFactory)
    user = factory.SubFactory(
        UserFactory, organisation=factory.SelfAttribute("..comment.organisation")
    )


class NotificationFactory(OrganisationScopedFactory[comms.Notification]):
    _organisation_from = ("recipient",)

    class Meta:
        model = comms.Notification

    organisation = factory.SubFactory(OrganisationFactory)
    recipient = factory.SubFactory(UserFactory, organisation=SAME_ORG)
    kind = comms.NotificationKind.MENTION
    title = "You were mentioned"


class NotificationPreferenceFactory(DjangoModelFactory[comms.NotificationPreference]):
    class Meta:
        model = comms.NotificationPreference

    user = factory.SubFactory(UserFactory)
    kind = comms.NotificationKind.MENTION


class SubscriptionFactory(OrganisationScopedFactory[comms.Subscription]):
    """An executive pack subscription to a portfolio."""

    _organisation_from = ("user", "portfolio")

    class Meta:
        model = comms.Subscription

    organisation = factory.SubFactory(OrganisationFactory)
    user = factory.SubFactory(UserFactory, organisation=SAME_ORG, role=Role.EXECUTIVE)
    kind = comms.Subscription.Kind.EXECUTIVE_PACK
    frequency = comms.Subscription.Frequency.MONTHLY
    portfolio = factory.SubFactory(PortfolioFactory, organisation=SAME_ORG)


class ActivityEventFactory(OrganisationScopedFactory[comms.ActivityEvent]):
    _organisation_from = ("project",)

    class Meta:
        model = comms.ActivityEvent

    organisation = factory.SubFactory(OrganisationFactory)
    project = factory.SubFactory(ProjectFactory, organisation=SAME_ORG)
    portfolio = factory.SelfAttribute("project.portfolio")
    actor = factory.SelfAttribute("project.manager")
    verb = "project.updated"
    target_label = factory.SelfAttribute("project.name")


class CalendarFeedTokenFactory(DjangoModelFactory[comms.CalendarFeedToken]):
    class Meta:
        model = comms.CalendarFeedToken

    user = factory.SubFactory(UserFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


class WebhookFactory(DjangoModelFactory[comms.Webhook]):
    class Meta:
        model = comms.Webhook

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Hook {n}")
    url = "https://hooks.example.com/steerco"
    secret = "s3cret-for-tests"
    events = factory.LazyFunction(lambda: ["project.updated"])


class WebhookDeliveryFactory(DjangoModelFactory[comms.WebhookDelivery]):
    class Meta:
        model = comms.WebhookDelivery

    webhook = factory.SubFactory(WebhookFactory)
    event = "project.updated"
    payload = factory.LazyFunction(lambda: {"project": "PRJ-0001"})
    next_attempt_at = factory.LazyFunction(timezone.now)
