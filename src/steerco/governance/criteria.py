"""Automatic gate criteria: checks a gate review runs on the project's own data.

A checklist item of kind "automatic" names a rule of this registry in
``automatic_rule`` and gives its ``params``; a "field" item with ``params["field"]``
checks that a project field is filled. Each rule returns whether it is satisfied and the
evidence a reviewer reads ("NPV of business case v2 is 47,663.55 at 8%").

Rules are plain functions registered with :func:`criterion`; a new rule is one function.
Names used by earlier templates (``risk_register_reviewed_30_days``, ``baseline_set``)
are kept as aliases.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Max

from steerco.core.errors import ValidationFailed
from steerco.engine.portfolio.finance import npv
from steerco.finance.models import Budget
from steerco.governance.models import (
    ChangeRequest,
    LessonLearned,
    PostImplementationReview,
    QaFinding,
    RaidItem,
    StatusReport,
)
from steerco.governance.rag_suggestions import HIGH_RISK_SCORE, risk_score
from steerco.portfolios.models import ObjectiveContribution
from steerco.projects.models import Baseline, BusinessCase, CashFlowLine, Project
from steerco.resources.models import RoleDemand


@dataclass(frozen=True, slots=True)
class Outcome:
    satisfied: bool
    evidence: str


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: type  # int or bool
    default: int | bool
    minimum: int = 0
    maximum: int = 3650
    help: str = ""


Check = Callable[[Project, Mapping[str, Any], datetime.datetime], Outcome]


@dataclass(frozen=True, slots=True)
class Criterion:
    code: str
    label: str
    description: str
    params: tuple[Param, ...]
    check: Check


CRITERIA: dict[str, Criterion] = {}
ALIASES = {
    "risk_register_reviewed_30_days": "risk_register_reviewed_within_days",
    "baseline_set": "baseline_captured",
}

# Project fields a "field" checklist item may require, with the label a reviewer reads.
PROJECT_FIELDS = {
    "description": "Description",
    "sponsor": "Sponsor",
    "manager": "Manager",
    "business_unit": "Business unit",
    "category": "Category",
    "program": "Program",
    "start_date": "Start date",
    "finish_date": "Finish date",
    "calendar": "Calendar",
}


def criterion(
    code: str, label: str, description: str, params: tuple[Param, ...] = ()
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        CRITERIA[code] = Criterion(code, label, description, params, check)
        return check

    return register


def resolve(code: str) -> Criterion | None:
    return CRITERIA.get(ALIASES.get(code, code))


def clean_params(code: str, params: object, *, field: str = "params") -> dict[str, Any]:
    """The params of rule ``code`` with defaults filled in; raises ``ValidationFailed``."""
    rule = resolve(code)
    if rule is None:
        known = ", ".join(sorted(CRITERIA))
        raise ValidationFailed({"automatic_rule": [f"Unknown rule {code!r}. Known: {known}."]})
    if not isinstance(params, Mapping):
        raise ValidationFailed({field: ["Give the parameters as an object."]})
    expected = {param.name: param for param in rule.params}
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in params:
        if name not in expected:
            errors.setdefault(f"{field}.{name}", []).append(f"{rule.label} takes no {name!r}.")
    for name, param in expected.items():
        value = params.get(name, param.default)
        if param.kind is bool:
            if not isinstance(value, bool):
                errors.setdefault(f"{field}.{name}", []).append("Enter true or false.")
        elif isinstance(value, bool) or not isinstance(value, int):
            errors.setdefault(f"{field}.{name}", []).append("Enter a whole number.")
        elif not param.minimum <= value <= param.maximum:
            errors.setdefault(f"{field}.{name}", []).append(
                f"Use a number from {param.minimum} to {param.maximum}."
            )
        clean[name] = value
    if errors:
        raise ValidationFailed(errors)
    return clean


def evaluate(
    code: str, project: Project, params: Mapping[str, Any], now: datetime.datetime
) -> Outcome:
    """Run rule ``code`` on ``project``; an unknown rule or bad params is unsatisfied."""
    rule = resolve(code)
    if rule is None:
        return Outcome(False, f"Unknown rule {code!r}: ask the PMO to correct the checklist.")
    try:
        clean = clean_params(code, params)
    except ValidationFailed as error:
        return Outcome(False, f"The checklist's parameters are invalid: {error}")
    return rule.check(project, clean, now)


def evaluate_field(project: Project, name: str) -> Outcome:
    """Whether the project field ``name`` is filled."""
    label = PROJECT_FIELDS.get(name)
    if label is None:
        return Outcome(False, f"Unknown project field {name!r}: ask the PMO to correct it.")
    value = getattr(project, name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return Outcome(False, f"{label} is empty on the project.")
    return Outcome(True, f"{label}: {value}.")


# Money and business cases


def business_case_of(project: Project) -> BusinessCase | None:
    """The approved business case, else the latest version."""
    cases = list(BusinessCase.objects.filter(project=project).order_by("-version"))
    approved = [case for case in cases if case.status == BusinessCase.Status.APPROVED]
    return approved[0] if approved else (cases[0] if cases else None)


def discount_rate_of(case: BusinessCase, project: Project) -> Decimal:
    if case.discount_rate is not None:
        return case.discount_rate
    if project.discount_rate is not None:
        return project.discount_rate
    return project.organisation.discount_rate


def net_flows(lines: list[CashFlowLine], benefit_factor: float = 1.0) -> list[float]:
    """Benefit minus cost per month; ``benefit_factor`` scales benefits (calibration)."""
    if not lines:
        return []
    months = [0.0] * (max(line.month_index for line in lines) + 1)
    for line in lines:
        amount = float(line.amount)
        if line.kind == CashFlowLine.Kind.BENEFIT:
            months[line.month_index] += amount * benefit_factor
        else:
            months[line.month_index] -= amount
    return months


def business_case_npv(
    case: BusinessCase, project: Project, benefit_factor: float = 1.0
) -> float | None:
    flows = net_flows(list(case.cash_flow_lines.all()), benefit_factor)
    if not flows:
        return None
    return npv(flows, float(discount_rate_of(case, project)))


def _money(value: float) -> str:
    return f"{value:,.2f}"


@criterion(
    "business_case_npv_positive",
    "Business case NPV is positive",
    "The approved business case (else the latest version) has a positive net present value "
    "at its discount rate; a mandatory project passes when allow_mandatory is true.",
    (Param("allow_mandatory", bool, True, help="Mandatory projects pass whatever their NPV"),),
)
def _npv_positive(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    case = business_case_of(project)
    if case is None:
        return Outcome(False, "No business case yet.")
    value = business_case_npv(case, project)
    if value is None:
        return Outcome(False, f"Business case v{case.version} has no cash flows.")
    rate = discount_rate_of(case, project)
    said = f"NPV of business case v{case.version} is {_money(value)} at {rate:.2%}"
    if value > 0:
        return Outcome(True, said + ".")
    if project.mandatory and params["allow_mandatory"]:
        return Outcome(True, said + ", but the project is mandatory.")
    return Outcome(False, said + ": not positive.")


@criterion(
    "business_case_approved",
    "Business case approved",
    "A version of the business case has been approved.",
)
def _case_approved(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    case = BusinessCase.objects.filter(project=project, status=BusinessCase.Status.APPROVED).first()
    if case is None:
        return Outcome(False, "No approved business case.")
    when = f" on {case.approved_at:%Y-%m-%d}" if case.approved_at else ""
    return Outcome(True, f"Business case v{case.version} approved{when}.")


@criterion(
    "business_case_submitted",
    "Business case submitted",
    "A version of the business case has been submitted for a decision (or approved).",
)
def _case_submitted(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    case = (
        BusinessCase.objects.filter(
            project=project,
            status__in=[BusinessCase.Status.SUBMITTED, BusinessCase.Status.APPROVED],
        )
        .order_by("-version")
        .first()
    )
    if case is None:
        return Outcome(False, "No business case submitted yet.")
    return Outcome(True, f"Business case v{case.version} is {case.get_status_display().lower()}.")


# RAID


@criterion(
    "risk_register_has_risks",
    "Risks identified",
    "The RAID log holds at least `minimum` risks with a probability and an impact.",
    (Param("minimum", int, 1, minimum=1, maximum=100),),
)
def _has_risks(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    count = RaidItem.objects.filter(
        project=project,
        kind=RaidItem.Kind.RISK,
        probability__isnull=False,
        impact__isnull=False,
    ).count()
    minimum = params["minimum"]
    said = f"{count} assessed risk{'s' if count != 1 else ''} recorded (at least {minimum} needed)."
    return Outcome(count >= minimum, said)


@criterion(
    "risk_register_reviewed_within_days",
    "Risk register reviewed recently",
    "The project's RAID log was reviewed in the last `days` days.",
    (Param("days", int, 30, minimum=1),),
)
def _reviewed(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    last = RaidItem.objects.filter(project=project).aggregate(last=Max("last_reviewed_at"))["last"]
    days = params["days"]
    if last is None:
        return Outcome(False, "The RAID log has never been reviewed.")
    age = (now - last).days
    said = f"Last reviewed {last:%Y-%m-%d}, {age} day{'s' if age != 1 else ''} ago"
    if age <= days:
        return Outcome(True, f"{said}.")
    return Outcome(False, f"{said}: more than {days} days.")


@criterion(
    "no_open_red_risks",
    "No open red risks",
    "No open risk scores `score` or more on the 5 x 5 matrix (probability level x impact).",
    (Param("score", int, HIGH_RISK_SCORE, minimum=1, maximum=25),),
)
def _no_red_risks(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    red = []
    for ref, probability, impact in (
        RaidItem.objects.filter(project=project, kind=RaidItem.Kind.RISK)
        .exclude(status=RaidItem.Status.CLOSED)
        .values_list("ref", "probability", "impact")
    ):
        score = risk_score(probability, impact)
        if score is not None and score >= params["score"]:
            red.append(f"{ref} ({score})")
    if red:
        return Outcome(False, "Open red risks: " + ", ".join(sorted(red)) + ".")
    return Outcome(True, f"No open risk scores {params['score']} or more.")


# Plan, budget and reports


@criterion(
    "baseline_captured",
    "Schedule baselined",
    "The schedule has at least one baseline.",
)
def _baseline(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    baseline = Baseline.objects.filter(project=project).order_by("number").first()
    if baseline is None:
        return Outcome(False, "No baseline captured.")
    return Outcome(True, f"Baseline {baseline.number} captured on {baseline.captured_at:%Y-%m-%d}.")


@criterion(
    "schedule_has_tasks",
    "Schedule planned",
    "The schedule holds at least `minimum` tasks.",
    (Param("minimum", int, 1, minimum=1, maximum=100000),),
)
def _has_tasks(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    count = project.tasks.count()
    return Outcome(count >= params["minimum"], f"{count} task{'s' if count != 1 else ''}.")


@criterion("budget_approved", "Budget approved", "A version of the budget has been approved.")
def _budget(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    budget = Budget.objects.filter(project=project, status=Budget.Status.APPROVED).first()
    if budget is None:
        return Outcome(False, "No approved budget.")
    return Outcome(True, f"Budget v{budget.version} approved, total {_money(float(budget.total))}.")


@criterion(
    "status_report_submitted_within_days",
    "Status reported recently",
    "A status report was submitted in the last `days` days.",
    (Param("days", int, 45, minimum=1),),
)
def _reported(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    last = StatusReport.objects.filter(
        project=project, status=StatusReport.Status.SUBMITTED
    ).aggregate(last=Max("submitted_at"))["last"]
    if last is None:
        return Outcome(False, "No status report submitted yet.")
    age = (now - last).days
    said = f"Last report submitted {last:%Y-%m-%d}"
    if age <= params["days"]:
        return Outcome(True, said + ".")
    return Outcome(False, f"{said}, more than {params['days']} days ago.")


@criterion(
    "change_requests_decided",
    "Change requests decided",
    "No change request is waiting for a decision.",
)
def _changes_decided(
    project: Project, params: Mapping[str, Any], now: datetime.datetime
) -> Outcome:
    waiting = list(
        ChangeRequest.objects.filter(
            project=project, status=ChangeRequest.Status.SUBMITTED
        ).values_list("ref", flat=True)
    )
    if waiting:
        return Outcome(False, "Waiting for a decision: " + ", ".join(waiting) + ".")
    return Outcome(True, "No change request waiting for a decision.")


@criterion(
    "objective_contribution_present",
    "Strategic objectives identified",
    "The project contributes to at least one strategic objective.",
)
def _objectives(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    names = list(
        ObjectiveContribution.objects.filter(project=project, contribution__gt=0)
        .order_by("objective__name")
        .values_list("objective__name", flat=True)
    )
    if not names:
        return Outcome(False, "No strategic objective recorded.")
    return Outcome(True, "Serves: " + ", ".join(names) + ".")


@criterion(
    "role_demand_present",
    "Resource demand entered",
    "Demand for at least one role and month has been entered.",
)
def _demand(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    count = RoleDemand.objects.filter(project=project).count()
    if not count:
        return Outcome(False, "No role demand entered.")
    return Outcome(True, f"{count} role-month{'s' if count != 1 else ''} of demand entered.")


@criterion(
    "no_open_critical_qa_findings",
    "QA findings closed",
    "No QA finding of high or critical severity is still open.",
)
def _qa_clear(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    count = (
        QaFinding.objects.filter(
            review__project=project,
            severity__in=[QaFinding.Severity.HIGH, QaFinding.Severity.CRITICAL],
        )
        .exclude(status=QaFinding.Status.CLOSED)
        .count()
    )
    if count:
        return Outcome(
            False, f"{count} high or critical QA finding{'s' if count > 1 else ''} open."
        )
    return Outcome(True, "No high or critical QA finding open.")


@criterion(
    "pir_scheduled",
    "Post-implementation review scheduled",
    "A post-implementation review has a date (or has been held).",
)
def _pir(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    review = PostImplementationReview.objects.filter(project=project).first()
    if review is None:
        return Outcome(False, "No post-implementation review scheduled.")
    if review.status == PostImplementationReview.Status.COMPLETED:
        return Outcome(True, "The post-implementation review has been held.")
    if review.scheduled_for is None:
        return Outcome(False, "The post-implementation review has no date yet.")
    return Outcome(True, f"Scheduled for {review.scheduled_for:%Y-%m-%d}.")


@criterion(
    "lessons_recorded",
    "Lessons recorded",
    "At least `minimum` lessons learned are recorded for the project.",
    (Param("minimum", int, 1, minimum=1, maximum=100),),
)
def _lessons(project: Project, params: Mapping[str, Any], now: datetime.datetime) -> Outcome:
    count = LessonLearned.objects.filter(project=project).count()
    said = f"{count} lesson{'s' if count != 1 else ''} recorded (at least {params['minimum']})."
    return Outcome(count >= params["minimum"], said)
