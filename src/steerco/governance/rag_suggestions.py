"""The RAG a project's data suggests, beside the project manager's own call.

Two halves: :func:`suggest_rag` turns plain facts (SPI, CPI, milestone slippage, spend
against budget, open change requests, risk exposure) into a colour per dimension with the
reasons, and needs no database; :func:`rag_facts_for` loads those facts for one project.

Thresholds (the PMO's usual tolerances, kept here so a reader finds them in one place):

- schedule: SPI below 0.95 is amber and below 0.85 red; a key milestone forecast more than
  7 days after its baseline is amber, more than 30 days red. The worse of the two counts.
- cost: CPI below 0.95 amber, below 0.85 red; actual spend more than 5% above the budget
  planned to date amber, more than 15% red. The worse of the two counts.
- scope: one or two change requests awaiting a decision (or approved and not yet applied)
  amber, three or more red.
- risk: risks are scored on the familiar 5 x 5 matrix, probability level (1-5, from the
  probability in fifths) times impact (1-5). A score of 12 or more is a high risk (the
  escalation threshold of the demo methodology's RAID guidance); 20 or more is severe.
  Two high risks or one severe risk are red; one high risk, an escalated item or an open
  issue of impact 4 or 5 is amber.
- overall: the worst of the dimensions that have a suggestion.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, Sum

from steerco.engine.errors import EngineError
from steerco.finance.models import Budget, BudgetLine, CostLine
from steerco.governance.models import ChangeRequest, RaidItem
from steerco.projects.engine_io import earned_value_input, schedule_graph_load
from steerco.projects.models import Milestone, Project, Rag

GREEN, AMBER, RED = Rag.GREEN.value, Rag.AMBER.value, Rag.RED.value
ORDER = {"": -1, GREEN: 0, AMBER: 1, RED: 2}
DIMENSIONS = ("schedule", "cost", "scope", "risk")

PERFORMANCE_AMBER_BELOW = 0.95
PERFORMANCE_RED_BELOW = 0.85
MILESTONE_SLIP_AMBER_DAYS = 7
MILESTONE_SLIP_RED_DAYS = 30
OVERSPEND_AMBER_ABOVE = 1.05
OVERSPEND_RED_ABOVE = 1.15
OPEN_CHANGES_RED = 3
HIGH_RISK_SCORE = 12
SEVERE_RISK_SCORE = 20
SERIOUS_ISSUE_IMPACT = 4


def probability_level(probability: Decimal | float) -> int:
    """The 1-5 row of the risk matrix a probability falls in (0.2 per row)."""
    return max(1, min(5, math.ceil(float(probability) * 5 - 1e-9)))


def risk_score(probability: Decimal | float | None, impact: int | None) -> int | None:
    """Probability level x impact on the 5 x 5 matrix (1-25), or None if either is missing."""
    if probability is None or impact is None:
        return None
    return probability_level(probability) * int(impact)


def risk_band(score: int | None) -> str:
    if score is None:
        return ""
    if score >= HIGH_RISK_SCORE:
        return RED
    if score >= 6:
        return AMBER
    return GREEN


@dataclass(frozen=True, slots=True)
class RagFacts:
    """What the suggestion is computed from; ``None`` where the project has no such data."""

    spi: float | None = None
    cpi: float | None = None
    earned_value_unit: str = ""
    milestone_slip_days: int | None = None
    slipped_milestone: str = ""
    spend_ratio: float | None = None
    open_change_requests: int = 0
    open_risks: int = 0
    high_risks: int = 0
    severe_risks: int = 0
    escalated_items: int = 0
    serious_issues: int = 0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DimensionSuggestion:
    rag: str  # "" when there is nothing to judge by
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RagSuggestion:
    overall: DimensionSuggestion
    schedule: DimensionSuggestion
    cost: DimensionSuggestion
    scope: DimensionSuggestion
    risk: DimensionSuggestion
    facts: RagFacts = field(default_factory=RagFacts)

    def as_fields(self) -> dict[str, str]:
        """The ``suggested_*`` values of a status report."""
        return {f"suggested_{name}": getattr(self, name).rag for name in ("overall", *DIMENSIONS)}

    def dimensions(self) -> list[tuple[str, DimensionSuggestion]]:
        return [(name, getattr(self, name)) for name in ("overall", *DIMENSIONS)]


def worst(rags: Iterable[str]) -> str:
    result = ""
    for rag in rags:
        if ORDER[rag] > ORDER[result]:
            result = rag
    return result


def _performance(index: float | None, name: str) -> tuple[str, str] | None:
    if index is None:
        return None
    if index < PERFORMANCE_RED_BELOW:
        rag = RED
    elif index < PERFORMANCE_AMBER_BELOW:
        rag = AMBER
    else:
        rag = GREEN
    return rag, f"{name} {index:.2f}"


def _schedule(facts: RagFacts) -> DimensionSuggestion:
    judged: list[tuple[str, str]] = []
    by_spi = _performance(facts.spi, "SPI")
    if by_spi is not None:
        judged.append(by_spi)
    if facts.milestone_slip_days is not None:
        slip = facts.milestone_slip_days
        if slip > MILESTONE_SLIP_RED_DAYS:
            rag = RED
        elif slip > MILESTONE_SLIP_AMBER_DAYS:
            rag = AMBER
        else:
            rag = GREEN
        if slip > 0:
            reason = f"{facts.slipped_milestone} {slip} days behind its baseline"
        else:
            reason = "key milestones on their baseline dates"
        judged.append((rag, reason))
    return _combine(judged)


def _cost(facts: RagFacts) -> DimensionSuggestion:
    judged: list[tuple[str, str]] = []
    by_cpi = _performance(facts.cpi, "CPI")
    if by_cpi is not None:
        judged.append(by_cpi)
    if facts.spend_ratio is not None:
        ratio = facts.spend_ratio
        if ratio > OVERSPEND_RED_ABOVE:
            rag = RED
        elif ratio > OVERSPEND_AMBER_ABOVE:
            rag = AMBER
        else:
            rag = GREEN
        judged.append((rag, f"spend {ratio:.0%} of the budget planned to date"))
    return _combine(judged)


def _scope(facts: RagFacts) -> DimensionSuggestion:
    count = facts.open_change_requests
    if count >= OPEN_CHANGES_RED:
        rag = RED
    elif count:
        rag = AMBER
    else:
        rag = GREEN
    noun = "change request" if count == 1 else "change requests"
    reason = f"{count} open {noun}" if count else "no open change request"
    return DimensionSuggestion(rag, (reason,))


def _risk(facts: RagFacts) -> DimensionSuggestion:
    reasons: list[str] = []
    if facts.severe_risks or facts.high_risks >= 2:
        rag = RED
    elif facts.high_risks or facts.escalated_items or facts.serious_issues:
        rag = AMBER
    else:
        rag = GREEN
    if facts.high_risks:
        reasons.append(f"{facts.high_risks} high risk{'s' if facts.high_risks > 1 else ''}")
    if facts.severe_risks:
        reasons.append(f"{facts.severe_risks} severe")
    if facts.escalated_items:
        reasons.append(f"{facts.escalated_items} escalated")
    if facts.serious_issues:
        reasons.append(
            f"{facts.serious_issues} serious issue{'s' if facts.serious_issues > 1 else ''}"
        )
    if not reasons:
        reasons.append(f"{facts.open_risks} open risks, none high")
    return DimensionSuggestion(rag, tuple(reasons))


def _combine(judged: list[tuple[str, str]]) -> DimensionSuggestion:
    if not judged:
        return DimensionSuggestion("", ("no data to judge by",))
    return DimensionSuggestion(
        worst(rag for rag, _ in judged), tuple(reason for _, reason in judged)
    )


def suggest_rag(facts: RagFacts) -> RagSuggestion:
    """The suggested RAG of each dimension, and overall, from ``facts``."""
    schedule, cost, scope, risk = _schedule(facts), _cost(facts), _scope(facts), _risk(facts)
    parts = [("schedule", schedule), ("cost", cost), ("scope", scope), ("risk", risk)]
    overall_rag = worst(part.rag for _, part in parts)
    driving = [name for name, part in parts if part.rag and part.rag == overall_rag]
    overall = DimensionSuggestion(
        overall_rag, (f"worst of the dimensions: {', '.join(driving)}",) if driving else ()
    )
    return RagSuggestion(overall, schedule, cost, scope, risk, facts)


# Loading the facts of one project


def _status_moment(project: Project, as_of: datetime.date) -> datetime.datetime:
    end_of_day = datetime.datetime.combine(as_of, datetime.time(23, 59), tzinfo=datetime.UTC)
    if project.schedule_status_date is not None:
        # Progress is only known as of the status date the schedule was last updated to.
        return min(project.schedule_status_date, end_of_day)
    return end_of_day


def _earned_value(project: Project, as_of: datetime.date) -> tuple[RagFacts, list[str]]:
    notes: list[str] = []
    graph = schedule_graph_load(project, with_baseline=True)
    try:
        build = earned_value_input(graph, _status_moment(project, as_of))
    except EngineError as error:
        return RagFacts(), [f"earned value could not be computed: {error}"]
    if build is None:
        return RagFacts(), ["no baseline: capture one to get SPI and CPI"]
    result = build.result
    if result.cpi is None:
        notes.append("no actual cost on the tasks yet")
    return RagFacts(spi=result.spi, cpi=result.cpi, earned_value_unit=build.unit), notes


def _milestone_slip(project: Project, as_of: datetime.date) -> tuple[int | None, str]:
    milestones = list(Milestone.objects.filter(project=project))
    watched = [milestone for milestone in milestones if milestone.is_key] or milestones
    worst_slip: int | None = None
    name = ""
    for milestone in watched:
        promised = milestone.baseline_date or milestone.due_date
        if milestone.achieved_date is not None:
            expected = milestone.achieved_date
        else:
            expected = milestone.forecast_date or milestone.due_date
            # A milestone that should have happened and has not is late by at least today.
            expected = max(expected, as_of)
        slip = (expected - promised).days
        if worst_slip is None or slip > worst_slip:
            worst_slip, name = slip, milestone.name
    return worst_slip, name


def _spend_ratio(project: Project, as_of: datetime.date) -> float | None:
    month = as_of.replace(day=1)
    budget = Budget.objects.filter(project=project, status=Budget.Status.APPROVED).first()
    if budget is None:
        return None
    planned = BudgetLine.objects.filter(budget=budget, month__lte=month).aggregate(
        total=Sum("amount")
    )["total"] or Decimal(0)
    actual = CostLine.objects.filter(project=project, month__lte=month).aggregate(
        total=Sum("amount_org_currency")
    )["total"] or Decimal(0)
    if planned <= 0:
        return None
    return float(actual / planned)


def _raid_facts(project: Project) -> dict[str, int]:
    rows = RaidItem.objects.filter(project=project).exclude(status=RaidItem.Status.CLOSED)
    counts = {
        "open_risks": 0,
        "high_risks": 0,
        "severe_risks": 0,
        "escalated_items": 0,
        "serious_issues": 0,
    }
    for kind, status, probability, impact in rows.values_list(
        "kind", "status", "probability", "impact"
    ):
        if status == RaidItem.Status.ESCALATED:
            counts["escalated_items"] += 1
        if kind == RaidItem.Kind.RISK:
            counts["open_risks"] += 1
            score = risk_score(probability, impact)
            if score is not None and score >= SEVERE_RISK_SCORE:
                counts["severe_risks"] += 1
            if score is not None and score >= HIGH_RISK_SCORE:
                counts["high_risks"] += 1
        elif kind == RaidItem.Kind.ISSUE and (impact or 0) >= SERIOUS_ISSUE_IMPACT:
            counts["serious_issues"] += 1
    return counts


def open_change_request_filter() -> Q:
    """Change requests that still move the scope: awaiting a decision, or approved, not applied."""
    return Q(status__in=[ChangeRequest.Status.SUBMITTED, ChangeRequest.Status.APPROVED])


def rag_facts_for(project: Project, as_of: datetime.date) -> RagFacts:
    """Load the facts of ``project`` as of ``as_of`` (a fixed number of queries)."""
    earned, notes = _earned_value(project, as_of)
    slip, slipped = _milestone_slip(project, as_of)
    open_changes = (
        ChangeRequest.objects.filter(project=project).filter(open_change_request_filter()).count()
    )
    return RagFacts(
        spi=earned.spi,
        cpi=earned.cpi,
        earned_value_unit=earned.earned_value_unit,
        milestone_slip_days=slip,
        slipped_milestone=slipped,
        spend_ratio=_spend_ratio(project, as_of),
        open_change_requests=open_changes,
        notes=tuple(notes),
        **_raid_facts(project),
    )


def rag_suggestion_for(project: Project, as_of: datetime.date) -> RagSuggestion:
    return suggest_rag(rag_facts_for(project, as_of))
