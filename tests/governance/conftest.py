"""Fixtures for the governance tests: a methodology of six stages and four gates, a project."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from steerco.governance.models import (
    Gate,
    GateChecklistItem,
    LifecycleStage,
    MethodologyTemplate,
)
from steerco.projects.models import BusinessCase, CashFlowLine, Project
from tests.factories import PortfolioFactory, ProjectFactory

STAGES = [
    ("IDEA", "Idea", "idea"),
    ("PROPOSAL", "Proposal", "proposal"),
    ("PLAN", "Plan", "approved"),
    ("DELIVER", "Deliver", "in_execution"),
    ("CLOSE", "Close", "closing"),
    ("CLOSED", "Closed", "closed"),
]


GATE_NAMES = {
    "G0": "Idea screening",
    "G1": "Investment decision",
    "G2": "Ready to deliver",
    "G3": "Go-live",
    "G4": "Closure",
}


@dataclass
class Method:
    template: MethodologyTemplate
    stages: dict[str, LifecycleStage]
    gates: dict[str, Gate]


def build_methodology(organisation: Any, *, cadence: str = "monthly") -> Method:
    template = MethodologyTemplate.objects.create(
        organisation=organisation,
        code="NDF",
        name="Delivery framework",
        status_report_cadence=cadence,
        is_default=True,
    )
    stages = {
        code: LifecycleStage.objects.create(
            template=template, code=code, name=name, order=order, project_stage=stage
        )
        for order, (code, name, stage) in enumerate(STAGES)
    }

    def gate(code: str, source: str, target: str, order: int, **extra: Any) -> Gate:
        return Gate.objects.create(
            template=template,
            code=code,
            name=GATE_NAMES[code],
            from_stage=stages[source],
            to_stage=stages[target],
            order=order,
            **extra,
        )

    gates = {
        "G0": gate("G0", "IDEA", "PROPOSAL", 0, approver_roles=["portfolio_manager"]),
        "G1": gate("G1", "PROPOSAL", "PLAN", 1, approver_roles=["pmo_analyst"]),
        "G2": gate("G2", "PLAN", "DELIVER", 2),
        "G3": gate("G3", "DELIVER", "CLOSE", 3, approver_roles=["executive", "pmo_analyst"]),
        "G4": gate("G4", "CLOSE", "CLOSED", 4, approver_roles=["pmo_analyst"]),
    }
    items = [
        ("G1", "NPV is positive", "automatic", "business_case_npv_positive", {}),
        ("G1", "Risks identified", "automatic", "risk_register_has_risks", {"minimum": 1}),
        ("G1", "Finance has reviewed the costs", "manual", "", {}),
        ("G2", "Schedule baselined", "automatic", "baseline_set", {}),
        ("G4", "Lessons recorded", "automatic", "lessons_recorded", {"minimum": 1}),
    ]
    for order, (code, text, kind, rule, params) in enumerate(items):
        GateChecklistItem.objects.create(
            gate=gates[code], order=order, text=text, kind=kind, automatic_rule=rule, params=params
        )
    return Method(template, stages, gates)


@pytest.fixture
def method(org: Any) -> Method:
    return build_methodology(org.organisation)


@pytest.fixture
def portfolio(org: Any) -> Any:
    return PortfolioFactory(
        organisation=org.organisation, owner=org.user("portfolio_manager"), name="Digital"
    )


@pytest.fixture
def make_project(org: Any, portfolio: Any) -> Any:
    def make(**fields: Any) -> Project:
        fields.setdefault("portfolio", portfolio)
        fields.setdefault("manager", org.user("project_manager"))
        return ProjectFactory(**fields)

    return make


@pytest.fixture
def proposal(make_project: Any, method: Method) -> Project:
    """A proposal of the project manager, at the methodology's Proposal stage."""
    return make_project(code="FIN-001", name="Invoice automation", stage=Project.Stage.PROPOSAL)


def business_case(
    project: Project, *, cost: str = "100000", benefit: str = "30000", months: int = 6
) -> BusinessCase:
    """A business case costing ``cost`` in month 0 and bringing ``benefit`` a month after."""
    case = BusinessCase.objects.create(
        project=project,
        version=1,
        summary="Automate matching",
        start_month=datetime.date(2026, 1, 1),
    )
    CashFlowLine.objects.create(
        business_case=case, kind="cost", category="capex", month_index=0, amount=Decimal(cost)
    )
    for month in range(1, months + 1):
        CashFlowLine.objects.create(
            business_case=case,
            kind="benefit",
            category="cost_saving",
            month_index=month,
            amount=Decimal(benefit),
        )
    return case
