"""Schedule templates: the phases, steps and links a project of each kind is planned with.

A phase is a summary task. Its ``steps`` are leaf tasks or milestones; its
``unit`` is a block of steps repeated once per workstream (a feature, a data
domain, a site, a wave), each repetition under its own summary task. The
repetitions are what make a schedule 30 or 300 tasks long.

A step's ``after`` names earlier steps of the same group with the link type and
a lag in days (a lag in percent of the predecessor's duration when
``percent`` is true). A step with no ``after`` follows the previous step
finish-to-start, and the first step of a phase follows the previous phase's
last milestone.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class After:
    step: str
    type: str = "FS"
    lag_days: float = 0
    percent: bool = False


@dataclass(frozen=True)
class Step:
    name: str
    role: str
    days: float
    milestone: bool = False
    after: tuple[After, ...] | None = None
    constraint: str = ""
    """``SNET`` (a date the supplier gave), ``FNLT`` (a date a regulator gave) or ``ALAP``."""
    notes: str = ""


@dataclass(frozen=True)
class Unit:
    label: str
    steps: tuple[Step, ...]
    stagger: float = 0.5
    """Each repetition starts when this share of the previous one's first step is done."""


@dataclass(frozen=True)
class Phase:
    name: str
    steps: tuple[Step, ...] = ()
    unit: Unit | None = None
    closing_steps: tuple[Step, ...] = field(default=())
    """Steps after every repetition of the unit (usually the phase's milestone)."""


def _ms(name: str, *after: After) -> Step:
    return Step(name, "PM", 0, milestone=True, after=after or None)


INITIATION = Phase(
    "Initiation",
    steps=(
        Step("Project kick-off", "PM", 1),
        Step("Project charter and plan", "PM", 5),
        Step("Stakeholder analysis", "BA", 3, after=(After("Project kick-off"),)),
        _ms("Plan approved", After("Project charter and plan"), After("Stakeholder analysis")),
    ),
)

CLOSURE = Phase(
    "Closure",
    steps=(
        Step("Benefits handover to business owner", "PM", 2),
        Step("Lessons learned workshop", "PM", 1, after=(After("Benefits handover to business owner", "SS", 1),)),
        Step("Project closure report", "PM", 3, after=(After("Lessons learned workshop"),)),
        _ms("Project closed", After("Project closure report"), After("Benefits handover to business owner")),
    ),
)  # fmt: skip

SOFTWARE = (
    INITIATION,
    Phase(
        "Analysis and design",
        steps=(
            Step("Current-state process analysis", "BA", 10),
            Step("Requirements workshops", "BA", 10, after=(After("Current-state process analysis", "SS", 5),)),
            Step("Solution architecture", "ARCH", 10, after=(After("Requirements workshops", "SS", 5),)),
            Step("UX concepts and prototypes", "UX", 12, after=(After("Requirements workshops", "SS", 3),)),
            Step("Security and privacy assessment", "SEC", 5, after=(After("Solution architecture"),)),
            _ms("Design signed off", After("Solution architecture"), After("UX concepts and prototypes"), After("Security and privacy assessment")),
        ),
    ),
    Phase(
        "Build",
        steps=(
            Step("Development environments", "DEVOPS", 5),
            Step("CI/CD pipeline", "DEVOPS", 5, after=(After("Development environments", "SS", 2),)),
        ),
        unit=Unit(
            "feature",
            (
                Step("Refine user stories", "BA", 3),
                Step("Build", "DEV", 12),
                Step("Write test cases", "TEST", 4, after=(After("Build", "SS", 25, percent=True),)),
                Step("Code review and fixes", "DEV", 3, after=(After("Build"),)),
                Step("Update documentation", "DEV", 2, after=(After("Build", "FF", 1),)),
                Step("System test", "TEST", 5, after=(After("Code review and fixes"), After("Write test cases"))),
            ),
        ),
        closing_steps=(_ms("Build complete"),),
    ),
    Phase(
        "Test",
        steps=(
            Step("Integration testing", "TEST", 10),
            Step("Performance testing", "TEST", 5, after=(After("Integration testing", "SS", 3),)),
            Step("Penetration test", "SEC", 5, after=(After("Integration testing", "SS", 5),)),
            Step("User acceptance testing", "BA", 10, after=(After("Integration testing"),)),
            Step("Defect fixing", "DEV", 10, after=(After("User acceptance testing", "SS", 2),)),
            _ms("UAT signed off", After("User acceptance testing"), After("Defect fixing"), After("Performance testing"), After("Penetration test")),
        ),
    ),
    Phase(
        "Deployment",
        steps=(
            Step("Training materials", "CM", 5),
            Step("End-user training", "CM", 5, constraint="ALAP", notes="Trained as close to go-live as the plan allows, so that people remember."),
            Step("Cutover rehearsal", "DEVOPS", 2, after=(After("Training materials", "SS"),)),
            _ms("Go-live", After("End-user training"), After("Cutover rehearsal")),
            Step("Hypercare", "DEV", 10, after=(After("Go-live"),)),
            Step("Legacy system support", "DEV", 10, after=(After("Go-live", "SF"),), notes="The old system stays supported until the new one is live."),
        ),
    ),
    CLOSURE,
)  # fmt: skip

DATA = (
    INITIATION,
    Phase(
        "Discovery and design",
        steps=(
            Step("Data source inventory", "BA", 8),
            Step("Data architecture", "ARCH", 10, after=(After("Data source inventory", "SS", 4),)),
            Step("Data model design", "DE", 10, after=(After("Data architecture", "SS", 5),)),
            Step("Privacy impact assessment", "SEC", 5, after=(After("Data source inventory"),)),
            _ms("Design signed off", After("Data model design"), After("Privacy impact assessment")),
        ),
    ),
    Phase(
        "Build",
        steps=(
            Step("Platform landing zone", "DEVOPS", 8),
            Step("Access and security set-up", "SEC", 4, after=(After("Platform landing zone", "SS", 3),)),
        ),
        unit=Unit(
            "domain",
            (
                Step("Source analysis", "BA", 4),
                Step("Ingestion pipelines", "DE", 10),
                Step("Curated data model", "DE", 8),
                Step("Data quality rules", "DE", 4, after=(After("Curated data model", "SS", 3),)),
                Step("Analytics and models", "DS", 6, after=(After("Curated data model", "SS", 4),)),
                Step("Semantic layer and reports", "DE", 6, after=(After("Curated data model"),)),
                Step("Reconcile with legacy", "TEST", 5, after=(After("Semantic layer and reports"), After("Data quality rules"), After("Analytics and models", "FF", 1))),
            ),
            stagger=0.4,
        ),
        closing_steps=(_ms("Domains built"),),
    ),
    Phase(
        "Test",
        steps=(
            Step("Performance and load tests", "TEST", 5),
            Step("Business validation", "BA", 10, after=(After("Performance and load tests", "SS", 2),)),
            _ms("Data quality signed off", After("Business validation"), After("Performance and load tests")),
        ),
    ),
    Phase(
        "Deployment",
        steps=(
            Step("Training for analysts", "CM", 4, constraint="ALAP"),
            Step("Cutover and switch-over", "DEVOPS", 3),
            _ms("Go-live", After("Cutover and switch-over"), After("Training for analysts")),
            Step("Hypercare", "DE", 10, after=(After("Go-live"),)),
            Step("Legacy feed support", "DE", 10, after=(After("Go-live", "SF"),), notes="Old feeds keep running until consumers are switched over."),
        ),
    ),
    CLOSURE,
)  # fmt: skip

INFRASTRUCTURE = (
    INITIATION,
    Phase(
        "Design and procurement",
        steps=(
            Step("Site surveys", "ARCH", 8),
            Step("High-level design", "ARCH", 10, after=(After("Site surveys", "SS", 4),)),
            Step("Security architecture review", "SEC", 4, after=(After("High-level design"),)),
            Step("Tender and supplier selection", "PM", 15, after=(After("High-level design", "SS", 5),)),
            _ms("Contract signed", After("Tender and supplier selection"), After("Security architecture review")),
        ),
    ),
    Phase(
        "Build",
        steps=(
            Step("Equipment order and delivery", "PM", 20, constraint="SNET", notes="Delivery date confirmed by the supplier."),
            Step("Core platform build and configuration", "DEVOPS", 10, after=(After("Equipment order and delivery", "SS", 5),)),
        ),
        unit=Unit(
            "site",
            (
                Step("Site preparation", "DEVOPS", 5),
                Step("Installation", "DEVOPS", 8),
                Step("Commissioning tests", "TEST", 4),
                Step("Operations handover", "CM", 2, after=(After("Commissioning tests", "FF", 1),)),
            ),
            stagger=0.6,
        ),
        closing_steps=(_ms("All sites installed"),),
    ),
    Phase(
        "Test and acceptance",
        steps=(
            Step("End-to-end testing", "TEST", 8),
            Step("Failover tests", "TEST", 4, after=(After("End-to-end testing", "SS", 2),)),
            Step("Security testing", "SEC", 4, after=(After("End-to-end testing", "SS", 2),)),
            _ms("Acceptance signed off", After("End-to-end testing"), After("Failover tests"), After("Security testing")),
        ),
    ),
    Phase(
        "Transition",
        steps=(
            Step("Operational readiness review", "PM", 2),
            _ms("Go-live", After("Operational readiness review")),
            Step("Hypercare", "DEVOPS", 10, after=(After("Go-live"),)),
            Step("Decommission old equipment", "DEVOPS", 8, after=(After("Go-live", "FS", 10),)),
        ),
    ),
    CLOSURE,
)  # fmt: skip

PROCESS = (
    INITIATION,
    Phase(
        "Analysis",
        steps=(
            Step("Current-state process mapping", "BA", 8),
            Step("Stakeholder interviews", "BA", 6, after=(After("Current-state process mapping", "SS", 2),)),
            Step("Future-state design", "BA", 10, after=(After("Stakeholder interviews"),)),
            Step("Change impact assessment", "CM", 5, after=(After("Future-state design", "SS", 5),)),
            _ms("Design approved", After("Future-state design"), After("Change impact assessment")),
        ),
    ),
    Phase(
        "Build and pilot",
        unit=Unit(
            "area",
            (
                Step("Detailed procedures", "BA", 5),
                Step("Configure workflow", "DEV", 6, after=(After("Detailed procedures", "SS", 2),)),
                Step("Test with users", "TEST", 3, after=(After("Configure workflow"),)),
                Step("Pilot", "CM", 10),
                Step("Adjust after pilot", "BA", 3, after=(After("Pilot", "FF", 2),)),
            ),
            stagger=0.5,
        ),
        closing_steps=(_ms("Ready to roll out"),),
    ),
    Phase(
        "Roll-out",
        steps=(
            Step("Communication campaign", "CM", 5),
            Step("Training", "CM", 10, after=(After("Communication campaign", "SS", 3),)),
            Step("Roll out", "CM", 10, after=(After("Training", "SS", 5),)),
            _ms("Go-live", After("Roll out"), After("Training")),
        ),
    ),
    CLOSURE,
)  # fmt: skip

ROLLOUT = (
    INITIATION,
    Phase(
        "Preparation",
        steps=(
            Step("Roll-out strategy", "PM", 5),
            Step("Technical design", "DEVOPS", 8, after=(After("Roll-out strategy", "SS", 2),)),
            Step("Pilot site selection", "BA", 3, after=(After("Roll-out strategy"),)),
            Step("Pilot", "CM", 10, after=(After("Technical design"), After("Pilot site selection"))),
            Step("Pilot evaluation", "BA", 3),
            _ms("Go decision"),
        ),
    ),
    Phase(
        "Waves",
        unit=Unit(
            "wave",
            (
                Step("Prepare wave", "PM", 3),
                Step("Train users", "CM", 4, after=(After("Prepare wave", "SS", 1),)),
                Step("Deploy", "DEVOPS", 5, after=(After("Prepare wave"),)),
                Step("Wave support", "DEV", 5, after=(After("Deploy"), After("Train users"))),
            ),
            stagger=0.8,
        ),
        closing_steps=(_ms("All waves deployed"),),
    ),
    Phase(
        "Transition",
        steps=(
            Step("Handover to service desk", "CM", 3),
            Step("Decommission legacy", "DEVOPS", 5, after=(After("Handover to service desk", "SS", 1),)),
            _ms("Go-live", After("Handover to service desk")),
        ),
    ),
    CLOSURE,
)  # fmt: skip

TEMPLATES: dict[str, tuple[Phase, ...]] = {
    "software": SOFTWARE,
    "data": DATA,
    "infrastructure": INFRASTRUCTURE,
    "process": PROCESS,
    "rollout": ROLLOUT,
}

TEMPLATE_NAMES = {
    "software": ("SOFTWARE", "Software delivery", "Analyse, design, build in features, test, go live."),
    "data": ("DATA", "Data product", "Design a data platform and migrate it domain by domain."),
    "infrastructure": ("INFRA", "Infrastructure roll-out", "Design, procure and install site by site."),
    "process": ("PROCESS", "Business change", "Redesign processes, pilot and roll out."),
    "rollout": ("ROLLOUT", "Roll-out in waves", "Pilot, then deploy to sites wave by wave."),
}  # fmt: skip

GO_LIVE_MILESTONES = {"Go-live"}

# How the n-th repetition of a workstream is told apart once the names run out.
REPEAT_LABEL = {
    "software": "release",
    "data": "increment",
    "infrastructure": "phase",
    "process": "wave",
    "rollout": "wave",
}

UNIT_NAMES: dict[str, list[str]] = {
    "software": [
        "Product catalogue", "Search", "Basket and checkout", "Payments", "Order management",
        "Customer accounts", "Promotions", "Store stock lookup", "Returns", "Delivery slots",
        "Notifications", "Content management", "Loyalty integration", "Management reporting",
        "Pricing", "Invoicing", "Ratings and reviews", "Gift cards", "Approvals workflow",
        "ERP integration", "Mobile scan-and-go", "Accessibility fixes", "Analytics tagging",
        "Consent management",
    ],
    "data": [
        "Sales", "Inventory", "Customer", "Product", "Supplier", "Finance", "Logistics",
        "Loyalty", "Store operations", "Pricing", "Web analytics", "Purchasing", "Workforce",
        "Fleet", "Energy", "Promotions",
    ],
    "infrastructure": [
        "Tilburg DC", "Venlo DC", "Doncaster DC", "Reading head office", "Stores London",
        "Stores South East", "Stores Midlands", "Stores North", "Stores Scotland",
        "Jönköping depot", "Data centre", "Cross-dock Venlo", "Stores Wales",
        "Stores South West", "Stores East Anglia", "Stores North West",
    ],
    "process": [
        "Order-to-cash", "Procure-to-pay", "Record-to-report", "Store routines",
        "Supplier onboarding", "Product development", "Customer service", "Markdowns",
        "Quality control", "Trade sales",
    ],
    "rollout": [
        "Pilot region", "London", "South East", "Midlands", "North", "Scotland", "Wales",
        "South West", "Netherlands", "Head office", "Distribution centres", "Remaining sites",
    ],
}  # fmt: skip

# Workstreams named after what the project really does, where the kind's list would be odd.
PROJECT_UNIT_NAMES: dict[str, list[str]] = {
    "OPS-211": [
        "General ledger", "Accounts payable", "Accounts receivable", "Fixed assets",
        "Controlling", "Consolidation", "Bank statements", "Intercompany", "Tax",
        "Management reporting", "Treasury interfaces", "Data migration",
    ],
    "OPS-201": [
        "Shuttle aisles 1-4", "Shuttle aisles 5-8", "Shuttle aisles 9-12",
        "Picking stations 1-12", "Picking stations 13-24", "Conveyor loop", "Tote handling",
        "Control software", "Fire protection", "Order consolidation", "Inbound decanting",
    ],
    "GRO-301": [
        "Jönköping", "Gothenburg", "Stockholm South", "Stockholm North", "Malmö", "Uppsala",
        "Västerås", "Örebro", "Linköping", "Norrköping", "Helsingborg", "Borås",
    ],
    "GRO-311": [
        "Tilburg depot", "Venlo depot", "Doncaster depot", "Reading depot", "Leeds depot",
        "Bristol depot", "Utrecht depot", "Rotterdam depot", "Manchester depot",
    ],
    "OPS-202": [
        "Receiving", "Put-away", "Replenishment", "Picking", "Packing", "Shipping",
        "Inventory control", "Labour management", "Interfaces to ERP", "Interfaces to transport",
        "Reporting", "Data migration",
    ],
}  # fmt: skip
