"""Northwind Holdings: who they are and the sixty projects in their portfolios.

Northwind is a food distribution and retail group: a UK head office, a Dutch
logistics arm and a wholesale business expanding into the Nordics. Every
number here is invented; the shape of the portfolio (a few large programmes,
many mid-sized projects, a steady stream of ideas) is that of a typical
mid-sized European PMO.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

ORGANISATION_CODE = "DEMO"
ORGANISATION_NAME = "Northwind Holdings"

BUSINESS_UNITS = [
    ("RET", "Northwind Retail"),
    ("LOG", "Northwind Logistics"),
    ("WHS", "Northwind Wholesale"),
    ("GRP", "Group Functions"),
]

CATEGORIES = [
    ("REG", "Regulatory and compliance", "Required by law or a regulator.", "#b91c1c"),
    ("GROW", "Revenue growth", "New customers, markets and products.", "#15803d"),
    ("EFF", "Cost efficiency", "Lower cost to serve, automation.", "#1d4ed8"),
    ("RUN", "Keep the lights on", "Replace ageing systems, stay supported and secure.", "#6b7280"),
    ("INN", "Innovation", "Small bets that test new ideas.", "#7c3aed"),
    ("SUS", "Sustainability", "Emissions, waste and energy.", "#0f766e"),
]

PORTFOLIOS = [
    (
        "DIG",
        "Digital",
        "Data, customer-facing channels and the technology platform.",
        "portfolio",
    ),
    (
        "OPS",
        "Operations",
        "Warehouses, transport, finance and the back office.",
        "j.berg",
    ),
    (
        "GRO",
        "Growth",
        "New markets, new propositions and the sustainability agenda.",
        "t.walsh",
    ),
]

PROGRAMS = [
    (
        "DPM",
        "DIG",
        "Data Platform Modernisation",
        "Move analytics to a cloud lakehouse and make data a product.",
    ),
    (
        "CDX",
        "DIG",
        "Customer Digital Experience",
        "One modern shopping journey across web, app and stores.",
    ),
    (
        "WHA",
        "OPS",
        "Warehouse Automation",
        "Automate picking and storage in the Dutch distribution centres.",
    ),
    (
        "FIN",
        "OPS",
        "Finance Transformation",
        "One finance system and a five-day close by 2027.",
    ),
    (
        "NEX",
        "GRO",
        "Nordic Expansion",
        "Enter Sweden, then Denmark and Finland, through wholesale first.",
    ),
    (
        "S30",
        "GRO",
        "Sustainability 2030",
        "Halve scope 1 and 2 emissions by 2030 and cut packaging and food waste.",
    ),
]

OBJECTIVES = [
    ("O1", "Grow online revenue to 30% of retail sales", "Online share of retail sales.", "0.30"),
    ("O2", "Cut cost to serve by 15%", "Logistics and back-office cost per order.", "0.25"),
    ("O3", "Halve operational emissions by 2030", "Scope 1 and 2, against 2022.", "0.15"),
    ("O4", "Stay compliant and resilient", "Regulation, security and supported systems.", "0.20"),
    ("O5", "Become a data-driven business", "Decisions made on trusted, timely data.", "0.10"),
]

# role code, name, people, default hourly cost rate (EUR), description
ROLES = [
    ("DE", "Data Engineer", 9, 95, "Builds and runs data pipelines and the lakehouse."),
    ("BA", "Business Analyst", 15, 80, "Turns business needs into requirements and processes."),
    ("DEV", "Developer", 25, 85, "Builds and maintains applications and integrations."),
    ("ARCH", "Architect", 6, 120, "Owns solution and enterprise architecture."),
    ("TEST", "Tester", 12, 65, "Plans and runs functional, performance and acceptance tests."),
    ("PM", "Project Manager", 12, 100, "Runs projects: plan, budget, risks, reporting."),
    ("UX", "UX Designer", 6, 85, "Researches users and designs journeys and interfaces."),
    ("DEVOPS", "DevOps Engineer", 9, 95, "Platforms, pipelines, infrastructure and operations."),
    ("DS", "Data Scientist", 6, 105, "Forecasting, optimisation and machine-learning models."),
    ("CM", "Change Manager", 7, 80, "Training, communication and adoption."),
    ("SEC", "Security Analyst", 5, 110, "Threat models, security testing and compliance."),
    ("PO", "Product Owner", 8, 90, "Owns the backlog and the benefits of a product."),
]

ROLE_SKILLS: dict[str, list[str]] = {
    "DE": ["Python", "SQL", "Apache Spark", "dbt", "Azure Data Factory", "Kafka", "Data modelling"],
    "BA": [
        "Requirements elicitation",
        "Process mapping (BPMN)",
        "SQL",
        "Stakeholder management",
        "SAP S/4HANA",
    ],
    "DEV": ["Java", "Python", "TypeScript", "React", "Kotlin", "REST API design", "SQL"],
    "ARCH": ["Solution architecture", "Azure", "Integration patterns", "TOGAF", "Data modelling"],
    "TEST": ["Test automation", "Performance testing", "Playwright", "Test management", "SQL"],
    "PM": ["PRINCE2", "Agile delivery (Scrum)", "Stakeholder management", "Budget control"],
    "UX": ["User research", "Figma", "Accessibility (WCAG 2.2)", "Service design"],
    "DEVOPS": ["Kubernetes", "Terraform", "Azure", "CI/CD pipelines", "Observability"],
    "DS": ["Python", "Machine learning", "Forecasting", "Optimisation", "SQL"],
    "CM": ["Change management (ADKAR)", "Training design", "Stakeholder management"],
    "SEC": ["Penetration testing", "ISO 27001", "Threat modelling", "Identity and access"],
    "PO": ["Backlog management", "Agile delivery (Scrum)", "Stakeholder management", "Power BI"],
}

# Share of a project's labour hours by role, for each kind of project.
ROLE_MIX: dict[str, dict[str, float]] = {
    "software": {
        "DEV": 0.32, "TEST": 0.14, "BA": 0.12, "ARCH": 0.06, "UX": 0.08, "DEVOPS": 0.07,
        "PM": 0.09, "PO": 0.06, "SEC": 0.03, "CM": 0.03,
    },
    "data": {
        "DE": 0.42, "DS": 0.08, "BA": 0.11, "ARCH": 0.07, "TEST": 0.07, "DEVOPS": 0.06,
        "PM": 0.09, "PO": 0.05, "SEC": 0.02, "DEV": 0.03,
    },
    "infrastructure": {
        "DEVOPS": 0.30, "ARCH": 0.12, "SEC": 0.10, "TEST": 0.12, "PM": 0.14, "BA": 0.06,
        "DEV": 0.06, "CM": 0.10,
    },
    "process": {
        "BA": 0.30, "CM": 0.22, "DEV": 0.12, "PM": 0.14, "PO": 0.08, "TEST": 0.08, "UX": 0.06,
    },
    "rollout": {
        "CM": 0.28, "DEVOPS": 0.18, "BA": 0.14, "PM": 0.14, "TEST": 0.12, "DEV": 0.08, "UX": 0.06,
    },
}  # fmt: skip

# When in its life a project needs a role: centre and spread of the demand on 0..1.
ROLE_TIMING: dict[str, tuple[float, float]] = {
    "BA": (0.25, 0.30),
    "ARCH": (0.20, 0.25),
    "UX": (0.25, 0.25),
    "DEV": (0.55, 0.25),
    "DE": (0.50, 0.30),
    "DS": (0.60, 0.25),
    "TEST": (0.75, 0.20),
    "DEVOPS": (0.60, 0.30),
    "SEC": (0.65, 0.25),
    "CM": (0.80, 0.20),
    "PM": (0.50, 1.00),
    "PO": (0.50, 0.60),
}

# Logins: username, first name, last name, permission role, title, business unit.
MAIN_USERS = [
    ("admin", "Priya", "Raman", "administrator", "IT Service Owner, Steerco", "GRP"),
    ("pmo", "Hannah", "Fischer", "pmo_analyst", "PMO Analyst", "GRP"),
    ("portfolio", "Marco", "Bianchi", "portfolio_manager", "Head of Portfolio Office", "GRP"),
    ("resources", "Sofia", "Lindqvist", "resource_manager", "Resource Manager, Technology", "GRP"),
    ("pm", "Daniel", "Okafor", "project_manager", "Senior Project Manager", "GRP"),
    ("member", "Emma", "de Vries", "team_member", "Data Engineer", "GRP"),
    ("exec", "Charlotte", "Hughes", "executive", "Chief Digital Officer", "GRP"),
]

EXECUTIVES = [
    ("j.berg", "Jonas", "Berg", "Chief Operating Officer", "LOG"),
    ("i.moreno", "Isabel", "Moreno", "Chief Financial Officer", "GRP"),
    ("t.walsh", "Thomas", "Walsh", "Managing Director, Wholesale", "WHS"),
    ("a.kowalska", "Anna", "Kowalska", "Managing Director, Retail", "RET"),
]

DEMO_PASSWORD = "steerco-demo"


@dataclass(frozen=True)
class ProjectSpec:
    """Everything the demo needs to know to grow one project."""

    code: str
    name: str
    portfolio: str
    program: str | None
    business_unit: str
    category: str
    stage: str
    kind: str
    start: dt.date
    months: int
    tasks: int
    budget_k: int
    benefit_k: int
    description: str
    priority: int = 3
    health: str = "green"
    mission_critical: bool = False
    mandatory: bool = False
    slip: float = 1.0
    cost_factor: float = 1.0
    manager: str | None = None
    sponsor: str = "exec"
    stopped: dt.date | None = None
    """When an on-hold or cancelled project stopped."""
    benefit_names: tuple[str, ...] = field(default=())


def _d(year: int, month: int) -> dt.date:
    return dt.date(year, month, 1)


PROJECTS: list[ProjectSpec] = [
    # ---- Digital: Data Platform Modernisation -------------------------------------------
    ProjectSpec(
        "DIG-101", "Cloud data platform (lakehouse)", "DIG", "DPM", "GRP", "EFF",
        "in_execution", "data", _d(2025, 9), 18, 280, 2400, 900,
        "Replace the on-premises Teradata warehouse with a lakehouse on Azure (Databricks and "
        "dbt). Every reporting feed moves domain by domain; the old warehouse is switched off "
        "when the last domain is reconciled.",
        priority=1, health="amber", mission_critical=True, slip=1.12, cost_factor=1.06,
        manager="pm", sponsor="exec",
        benefit_names=("Warehouse licence and hardware savings", "Faster month-end reporting"),
    ),
    ProjectSpec(
        "DIG-102", "Customer 360 data product", "DIG", "DPM", "RET", "GROW",
        "in_execution", "data", _d(2026, 3), 14, 160, 1100, 800,
        "One trusted view of every customer across stores, web, app and loyalty, published as "
        "a data product for marketing and service teams.",
        priority=2, health="amber", slip=1.08, cost_factor=1.04, sponsor="a.kowalska",
        benefit_names=("Incremental margin from targeted campaigns",),
    ),
    ProjectSpec(
        "DIG-103", "Demand forecasting with machine learning", "DIG", "DPM", "WHS", "EFF",
        "approved", "data", _d(2027, 1), 12, 120, 850, 1200,
        "Forecast demand per product and depot with gradient-boosted models to cut stock-outs "
        "and write-offs of fresh products.",
        priority=2, sponsor="t.walsh",
        benefit_names=("Lower fresh-food write-offs", "Fewer stock-outs"),
    ),
    ProjectSpec(
        "DIG-104", "Product master data management", "DIG", "DPM", "WHS", "EFF",
        "in_execution", "data", _d(2026, 1), 16, 140, 900, 400,
        "A single product master for 48,000 items with supplier onboarding workflows and data "
        "quality rules, feeding the e-commerce platform and the warehouses.",
        priority=2, health="green", cost_factor=0.98, sponsor="t.walsh",
        benefit_names=("Less manual item set-up",),
    ),
    ProjectSpec(
        "DIG-105", "Self-service BI rollout", "DIG", "DPM", "GRP", "EFF",
        "closing", "rollout", _d(2025, 11), 12, 70, 420, 250,
        "Roll out Power BI with certified datasets to 600 business users and retire the legacy "
        "reporting portal.",
        priority=3, health="green", cost_factor=0.96, sponsor="i.moreno",
        benefit_names=("Retired reporting portal licences",),
    ),
    ProjectSpec(
        "DIG-106", "Legacy warehouse decommissioning", "DIG", "DPM", "GRP", "RUN",
        "proposal", "infrastructure", _d(2027, 6), 8, 0, 300, 450,
        "Switch off and archive the Teradata appliance once the lakehouse carries every "
        "workload; saves the 2028 support renewal.",
        priority=2, sponsor="exec",
    ),
    ProjectSpec(
        "DIG-107", "Real-time inventory visibility", "DIG", "DPM", "LOG", "GROW",
        "approved", "data", _d(2027, 2), 12, 110, 1000, 700,
        "Stream stock movements from the warehouse management system so that web and app show "
        "true availability per store and depot.",
        priority=1, mission_critical=True, manager="pm", sponsor="j.berg",
        benefit_names=("Recovered online sales from accurate availability",),
    ),
    ProjectSpec(
        "DIG-108", "Data governance and catalogue", "DIG", "DPM", "GRP", "REG",
        "in_execution", "process", _d(2026, 5), 10, 60, 380, 0,
        "Data owners, a business glossary and a catalogue for the lakehouse, so that GDPR "
        "requests and audits can be answered in days rather than weeks.",
        priority=3, health="green", sponsor="i.moreno",
        benefit_names=("Time to answer data subject requests",),
    ),
    # ---- Digital: Customer Digital Experience -------------------------------------------
    ProjectSpec(
        "DIG-111", "New e-commerce platform", "DIG", "CDX", "RET", "GROW",
        "in_execution", "software", _d(2025, 7), 20, 300, 3600, 2500,
        "Replace the ten-year-old web shop with a headless commerce platform: new catalogue, "
        "search, checkout and order management, integrated with stores and loyalty.",
        priority=1, health="red", mission_critical=True, slip=1.22, cost_factor=1.14,
        manager="pm", sponsor="a.kowalska",
        benefit_names=("Online gross margin uplift", "Conversion rate"),
    ),
    ProjectSpec(
        "DIG-112", "Mobile app 2.0", "DIG", "CDX", "RET", "GROW",
        "in_execution", "software", _d(2026, 2), 13, 180, 1300, 900,
        "Rebuild the shopping app in Kotlin and Swift with scan-and-go, digital coupons and "
        "the loyalty card built in.",
        priority=2, health="green", slip=1.02, cost_factor=1.0, sponsor="a.kowalska",
        benefit_names=("App sales growth",),
    ),
    ProjectSpec(
        "DIG-113", "Loyalty programme relaunch", "DIG", "CDX", "RET", "GROW",
        "approved", "software", _d(2026, 12), 10, 90, 800, 1100,
        "Move the loyalty scheme from points to personalised offers, with a new rules engine "
        "and partner rewards.",
        priority=2, sponsor="a.kowalska",
        benefit_names=("Higher visit frequency of members",),
    ),
    ProjectSpec(
        "DIG-114", "Customer service chatbot", "DIG", "CDX", "RET", "INN",
        "idea", "software", _d(2027, 5), 8, 0, 350, 300,
        "Answer the thirty most common contact-centre questions (order status, returns, "
        "opening hours) with a chatbot on web and app.",
        priority=4, sponsor="a.kowalska",
    ),
    ProjectSpec(
        "DIG-115", "Accessibility compliance (European Accessibility Act)", "DIG", "CDX", "RET",
        "REG", "closed", "software", _d(2024, 11), 8, 60, 460, 0,
        "Bring web shop and app to WCAG 2.1 AA before the European Accessibility Act applied "
        "on 28 June 2025.",
        priority=1, mandatory=True, cost_factor=1.03, sponsor="a.kowalska",
        benefit_names=("Accessibility audit findings",),
    ),
    ProjectSpec(
        "DIG-116", "Personalised recommendations", "DIG", "CDX", "RET", "GROW",
        "proposal", "data", _d(2027, 3), 9, 0, 650, 900,
        "Product recommendations on web, app and in e-mails, trained on Customer 360 data.",
        priority=2, sponsor="a.kowalska",
    ),
    ProjectSpec(
        "DIG-117", "Click-and-collect lockers", "DIG", "CDX", "RET", "INN",
        "cancelled", "rollout", _d(2025, 10), 9, 0, 700, 350,
        "Parcel lockers at 40 stores for click-and-collect orders. Cancelled after the pilot: "
        "customers preferred the service desk and the locker lease was too expensive.",
        priority=4, sponsor="a.kowalska", stopped=_d(2026, 4),
    ),
    ProjectSpec(
        "DIG-118", "Digital receipts", "DIG", "CDX", "RET", "INN",
        "idea", "software", _d(2027, 6), 5, 0, 180, 120,
        "Offer loyalty members an e-mailed receipt instead of paper at the till.",
        priority=5, sponsor="a.kowalska",
    ),
    # ---- Digital: platform and security --------------------------------------------------
    ProjectSpec(
        "DIG-121", "Zero-trust network access", "DIG", None, "GRP", "RUN",
        "in_execution", "infrastructure", _d(2026, 4), 12, 130, 950, 0,
        "Replace the VPN with identity-aware access to every internal application, after the "
        "2025 penetration test findings.",
        priority=1, health="amber", mission_critical=True, slip=1.1, cost_factor=1.05,
        sponsor="exec",
        benefit_names=("Critical penetration test findings closed",),
    ),
    ProjectSpec(
        "DIG-122", "Identity and access management renewal", "DIG", None, "GRP", "REG",
        "closed", "infrastructure", _d(2025, 1), 11, 50, 620, 120,
        "New joiner-mover-leaver process and single sign-on for 45 applications.",
        priority=2, cost_factor=1.08, sponsor="exec",
        benefit_names=("Service desk password resets avoided",),
    ),
    ProjectSpec(
        "DIG-123", "Windows 11 migration", "DIG", None, "GRP", "RUN",
        "closed", "rollout", _d(2025, 3), 8, 40, 540, 0,
        "Upgrade 3,200 laptops and store PCs before Windows 10 support ended in October 2025.",
        priority=1, mandatory=True, cost_factor=0.97, manager="pm", sponsor="exec",
        benefit_names=("Unsupported devices",),
    ),
    ProjectSpec(
        "DIG-124", "Generative AI assistant for staff", "DIG", None, "GRP", "INN",
        "idea", "software", _d(2027, 4), 6, 0, 280, 400,
        "An assistant that answers staff questions from policies, product data and "
        "procedures, with a pilot in the contact centre.",
        priority=3, sponsor="exec",
    ),
    ProjectSpec(
        "DIG-125", "Internal developer platform", "DIG", None, "GRP", "EFF",
        "on_hold", "infrastructure", _d(2026, 3), 12, 100, 760, 350,
        "Golden paths, templates and self-service environments for the 60 developers. Paused "
        "in September 2026: its DevOps and data engineers were moved to the lakehouse.",
        priority=3, health="amber", sponsor="exec", stopped=_d(2026, 9),
        benefit_names=("Developer hours saved on environments",),
    ),
    ProjectSpec(
        "DIG-126", "API gateway consolidation", "DIG", None, "GRP", "EFF",
        "proposal", "infrastructure", _d(2027, 2), 7, 0, 420, 260,
        "Move 140 integrations from three gateways to one, with one way to publish and "
        "secure an API.",
        priority=3, sponsor="exec",
    ),
    # ---- Operations: Warehouse Automation -------------------------------------------------
    ProjectSpec(
        "OPS-201", "Automated small-parts warehouse (Tilburg DC)", "OPS", "WHA", "LOG", "EFF",
        "in_execution", "infrastructure", _d(2025, 10), 20, 260, 5200, 1600,
        "A shuttle-based automated storage system with 24 goods-to-person picking stations "
        "in the Tilburg distribution centre.",
        priority=1, health="amber", mission_critical=True, slip=1.1, cost_factor=1.03,
        sponsor="j.berg",
        benefit_names=("Picking labour savings", "Picking accuracy"),
    ),
    ProjectSpec(
        "OPS-202", "Warehouse management system upgrade", "OPS", "WHA", "LOG", "RUN",
        "in_execution", "software", _d(2026, 1), 15, 200, 1800, 500,
        "Upgrade Manhattan WMS to the cloud version in three distribution centres before "
        "on-premises support ends.",
        priority=1, health="red", mission_critical=True, slip=1.25, cost_factor=1.18,
        manager="pm", sponsor="j.berg",
        benefit_names=("Avoided extended support fees",),
    ),
    ProjectSpec(
        "OPS-203", "Voice picking rollout", "OPS", "WHA", "LOG", "EFF",
        "closed", "rollout", _d(2025, 2), 11, 45, 480, 420,
        "Voice-directed picking for chilled and frozen zones in all three distribution "
        "centres.",
        priority=2, cost_factor=0.95, sponsor="j.berg",
        benefit_names=("Picking labour cost savings", "Picks per hour"),
    ),
    ProjectSpec(
        "OPS-204", "Yard management and dock scheduling", "OPS", "WHA", "LOG", "EFF",
        "approved", "software", _d(2027, 1), 9, 80, 600, 350,
        "Carriers book dock slots online; the yard system directs trucks to doors.",
        priority=3, sponsor="j.berg",
        benefit_names=("Lower truck waiting time",),
    ),
    ProjectSpec(
        "OPS-205", "Autonomous mobile robots pilot", "OPS", "WHA", "LOG", "INN",
        "idea", "infrastructure", _d(2027, 4), 8, 0, 900, 500,
        "Pilot twenty mobile robots for pallet moves in the Venlo cross-dock.",
        priority=4, sponsor="j.berg",
    ),
    ProjectSpec(
        "OPS-206", "Cold chain monitoring", "OPS", "WHA", "LOG", "REG",
        "in_execution", "rollout", _d(2026, 6), 9, 75, 540, 200,
        "Temperature sensors in every chilled zone and trailer, with alerts and the records "
        "food safety auditors ask for.",
        priority=2, health="green", sponsor="j.berg",
        benefit_names=("Fewer temperature-related write-offs",),
    ),
    ProjectSpec(
        "OPS-207", "Fleet telematics", "OPS", "WHA", "LOG", "EFF",
        "closing", "rollout", _d(2025, 12), 11, 60, 520, 380,
        "Telematics in 310 trucks: routes, fuel, driving style and proof of delivery.",
        priority=3, health="green", cost_factor=0.99, sponsor="j.berg",
        benefit_names=("Fuel savings",),
    ),
    # ---- Operations: Finance Transformation ----------------------------------------------
    ProjectSpec(
        "OPS-211", "S/4HANA finance migration", "OPS", "FIN", "GRP", "RUN",
        "in_execution", "software", _d(2025, 6), 24, 300, 6800, 900,
        "Move general ledger, controlling, fixed assets and payables from ECC 6 to S/4HANA, "
        "with one chart of accounts for all entities.",
        priority=1, health="amber", mission_critical=True, slip=1.08, cost_factor=1.07,
        sponsor="i.moreno",
        benefit_names=("Avoided ECC extended maintenance", "Faster close"),
    ),
    ProjectSpec(
        "OPS-212", "Procure-to-pay automation", "OPS", "FIN", "GRP", "EFF",
        "in_execution", "process", _d(2026, 4), 11, 110, 700, 600,
        "Automate invoice capture, three-way matching and approvals for 180,000 supplier "
        "invoices a year.",
        priority=2, health="green", cost_factor=0.97, sponsor="i.moreno",
        benefit_names=("Accounts payable effort saved",),
    ),
    ProjectSpec(
        "OPS-213", "E-invoicing compliance (ViDA)", "OPS", "FIN", "GRP", "REG",
        "approved", "software", _d(2027, 1), 12, 100, 650, 80,
        "Send and receive structured e-invoices as the EU's VAT in the Digital Age package and "
        "national mandates require.",
        priority=1, mandatory=True, sponsor="i.moreno",
        benefit_names=("Penalties avoided",),
    ),
    ProjectSpec(
        "OPS-214", "Treasury management system", "OPS", "FIN", "GRP", "EFF",
        "proposal", "software", _d(2027, 4), 8, 0, 480, 300,
        "Cash positioning, bank connectivity and FX hedging in one system instead of "
        "spreadsheets.",
        priority=3, sponsor="i.moreno",
    ),
    ProjectSpec(
        "OPS-215", "Financial close acceleration", "OPS", "FIN", "GRP", "EFF",
        "closed", "process", _d(2025, 4), 11, 50, 380, 260,
        "Cut the month-end close from nine working days to six with a close calendar, "
        "reconciliation tooling and fewer manual journals.",
        priority=2, cost_factor=1.02, sponsor="i.moreno",
        benefit_names=("Overtime in finance avoided", "Close duration"),
    ),
    ProjectSpec(
        "OPS-216", "CSRD sustainability reporting", "OPS", "FIN", "GRP", "REG",
        "in_execution", "data", _d(2026, 2), 12, 120, 780, 0,
        "Collect, control and report the ESRS data points of the Corporate Sustainability "
        "Reporting Directive, with the audit trail the assurance provider needs.",
        priority=1, health="amber", mission_critical=True, mandatory=True, slip=1.06,
        cost_factor=1.08, sponsor="i.moreno",
        benefit_names=("Limited assurance opinion obtained",),
    ),
    # ---- Operations: other ---------------------------------------------------------------
    ProjectSpec(
        "OPS-221", "HR core system replacement", "OPS", None, "GRP", "RUN",
        "on_hold", "software", _d(2026, 2), 14, 140, 1400, 300,
        "Replace the HR and payroll system. On hold since August 2026: the chosen vendor was "
        "acquired and its roadmap is being reviewed.",
        priority=2, health="amber", sponsor="i.moreno", stopped=_d(2026, 8),
        benefit_names=("HR administration effort saved",),
    ),
    ProjectSpec(
        "OPS-222", "Workforce scheduling for stores", "OPS", None, "RET", "EFF",
        "in_execution", "software", _d(2026, 7), 10, 95, 820, 700,
        "Schedule 9,000 store colleagues from forecast footfall and their availability, "
        "replacing spreadsheets in 180 stores.",
        priority=2, health="green", sponsor="a.kowalska",
        benefit_names=("Store labour hours matched to demand",),
    ),
    ProjectSpec(
        "OPS-223", "Contract lifecycle management", "OPS", None, "GRP", "EFF",
        "idea", "process", _d(2027, 5), 6, 0, 260, 150,
        "One repository and workflow for supplier and property contracts, with renewal "
        "alerts.",
        priority=4, sponsor="i.moreno",
    ),
    ProjectSpec(
        "OPS-224", "Store network refresh (SD-WAN)", "OPS", None, "RET", "RUN",
        "closing", "infrastructure", _d(2025, 11), 12, 85, 1150, 150,
        "Replace MPLS lines and routers in 180 stores with SD-WAN and 5G backup.",
        priority=2, health="green", cost_factor=1.01, sponsor="a.kowalska",
        benefit_names=("Network cost savings",),
    ),
    ProjectSpec(
        "OPS-225", "Data centre exit", "OPS", None, "GRP", "EFF",
        "cancelled", "infrastructure", _d(2026, 6), 14, 0, 1600, 800,
        "Move the remaining servers out of the Reading data centre. Cancelled at the "
        "investment gate: the lakehouse and a renegotiated hosting contract cover most of it.",
        priority=3, sponsor="exec", stopped=_d(2026, 3),
    ),
    ProjectSpec(
        "OPS-226", "Returns processing centre", "OPS", None, "LOG", "EFF",
        "proposal", "infrastructure", _d(2027, 3), 10, 0, 1300, 700,
        "One returns centre for web and store returns, with grading and resale.",
        priority=3, sponsor="j.berg",
    ),
    ProjectSpec(
        "OPS-227", "Supplier portal", "OPS", None, "WHS", "EFF",
        "in_execution", "software", _d(2026, 8), 9, 85, 560, 300,
        "Suppliers see orders, forecasts, invoices and payments, and update their product "
        "data themselves.",
        priority=3, health="green", sponsor="t.walsh",
        benefit_names=("Supplier queries avoided",),
    ),
    # ---- Growth: Nordic Expansion ---------------------------------------------------------
    ProjectSpec(
        "GRO-301", "Nordic market entry (Sweden)", "GRO", "NEX", "WHS", "GROW",
        "in_execution", "rollout", _d(2026, 1), 18, 220, 4200, 3500,
        "A wholesale business in Sweden: a leased depot near Jönköping, a local sales team, "
        "Swedish VAT and food-safety registration, and the first 400 trade customers.",
        priority=1, health="amber", mission_critical=True, slip=1.1, cost_factor=1.05,
        sponsor="t.walsh",
        benefit_names=("Swedish wholesale gross margin", "Trade customers served"),
    ),
    ProjectSpec(
        "GRO-302", "Danish distribution partnership", "GRO", "NEX", "WHS", "GROW",
        "approved", "process", _d(2027, 3), 10, 70, 900, 1400,
        "Serve Danish trade customers through a partner's depot in Kolding.",
        priority=2, sponsor="t.walsh",
        benefit_names=("Danish gross margin",),
    ),
    ProjectSpec(
        "GRO-303", "Nordic e-commerce storefronts", "GRO", "NEX", "RET", "GROW",
        "proposal", "software", _d(2027, 5), 9, 0, 950, 1100,
        "Swedish and Danish storefronts on the new e-commerce platform.",
        priority=3, sponsor="t.walsh",
    ),
    ProjectSpec(
        "GRO-304", "Norway feasibility study", "GRO", "NEX", "WHS", "GROW",
        "closed", "process", _d(2025, 10), 5, 25, 120, 0,
        "Market, tax and customs study for a Norwegian entry. Recommendation: not before "
        "2029.",
        priority=4, cost_factor=0.92, sponsor="t.walsh",
    ),
    ProjectSpec(
        "GRO-305", "Finnish wholesale acquisition integration", "GRO", "NEX", "WHS", "GROW",
        "idea", "process", _d(2027, 7), 12, 0, 1800, 2200,
        "Integrate a Finnish food-service wholesaler if the acquisition goes ahead.",
        priority=3, sponsor="t.walsh",
    ),
    # ---- Growth: Sustainability 2030 ------------------------------------------------------
    ProjectSpec(
        "GRO-311", "Fleet electrification, phase 1", "GRO", "S30", "LOG", "SUS",
        "in_execution", "infrastructure", _d(2026, 3), 18, 170, 3900, 700,
        "60 electric trucks for urban deliveries, with chargers at three depots and a grid "
        "upgrade in Tilburg.",
        priority=2, health="green", mission_critical=True, slip=1.03, cost_factor=1.01,
        sponsor="j.berg",
        benefit_names=("Diesel cost avoided", "CO2e avoided"),
    ),
    ProjectSpec(
        "GRO-312", "Solar panels on distribution centres", "GRO", "S30", "LOG", "SUS",
        "closed", "infrastructure", _d(2025, 3), 15, 40, 2100, 380,
        "4.2 MWp of rooftop solar on the Tilburg and Venlo distribution centres.",
        priority=2, cost_factor=1.04, sponsor="j.berg",
        benefit_names=("Electricity cost savings",),
    ),
    ProjectSpec(
        "GRO-313", "Packaging reduction programme", "GRO", "S30", "WHS", "SUS",
        "in_execution", "process", _d(2026, 5), 12, 80, 450, 500,
        "Redesign private-label packaging to remove 1,200 tonnes of plastic a year.",
        priority=3, health="amber", slip=1.12, cost_factor=1.0, sponsor="t.walsh",
        benefit_names=("Packaging material savings",),
    ),
    ProjectSpec(
        "GRO-314", "Scope 3 emissions supplier data", "GRO", "S30", "GRP", "SUS",
        "proposal", "data", _d(2027, 2), 10, 0, 560, 0,
        "Collect product-level emissions from the top 300 suppliers through the supplier "
        "portal and the lakehouse.",
        priority=2, sponsor="i.moreno",
    ),
    ProjectSpec(
        "GRO-315", "Food waste reduction in stores", "GRO", "S30", "RET", "SUS",
        "on_hold", "process", _d(2026, 4), 10, 60, 420, 650,
        "Dynamic markdowns and donation partnerships for short-dated food. On hold since "
        "July 2026 pending consultation with the works council on the new store routines.",
        priority=3, health="amber", sponsor="a.kowalska", stopped=_d(2026, 7),
        benefit_names=("Food waste write-offs avoided",),
    ),
    ProjectSpec(
        "GRO-316", "Heat pump retrofit (head office)", "GRO", "S30", "GRP", "SUS",
        "cancelled", "infrastructure", _d(2026, 1), 8, 0, 680, 90,
        "Replace the head office gas boilers with heat pumps. Cancelled in June 2026 when the "
        "landlord announced a sale of the building.",
        priority=4, sponsor="i.moreno", stopped=_d(2026, 6),
    ),
    # ---- Growth: propositions -------------------------------------------------------------
    ProjectSpec(
        "GRO-321", "Private label range expansion", "GRO", None, "WHS", "GROW",
        "in_execution", "process", _d(2026, 6), 10, 65, 600, 1800,
        "Add 350 private-label products for restaurants and caterers.",
        priority=2, health="green", sponsor="t.walsh",
        benefit_names=("Private-label gross margin",),
    ),
    ProjectSpec(
        "GRO-322", "B2B ordering portal for restaurants", "GRO", None, "WHS", "GROW",
        "in_execution", "software", _d(2026, 4), 12, 150, 1200, 1500,
        "A web and app ordering portal for restaurant customers, with their own price lists, "
        "order guides and delivery slots.",
        priority=1, health="amber", slip=1.15, cost_factor=1.09, manager="pm",
        sponsor="t.walsh",
        benefit_names=("Online share of wholesale orders", "Order-desk effort saved"),
    ),
    ProjectSpec(
        "GRO-323", "Marketplace for third-party sellers", "GRO", None, "RET", "GROW",
        "idea", "software", _d(2027, 9), 14, 0, 2200, 1900,
        "Let selected brands sell on the Northwind web shop, with Northwind taking a "
        "commission.",
        priority=3, sponsor="a.kowalska",
    ),
    ProjectSpec(
        "GRO-324", "Retail media network", "GRO", None, "RET", "GROW",
        "proposal", "software", _d(2027, 4), 9, 0, 900, 1600,
        "Sell sponsored products and in-store screen advertising to suppliers, measured on "
        "loyalty data.",
        priority=2, sponsor="a.kowalska",
    ),
    ProjectSpec(
        "GRO-325", "Franchise store pilot", "GRO", None, "RET", "GROW",
        "closing", "rollout", _d(2025, 12), 11, 55, 480, 600,
        "Open five franchise convenience stores on Northwind's wholesale supply and systems.",
        priority=3, health="green", cost_factor=1.02, sponsor="a.kowalska",
        benefit_names=("Franchise fee income",),
    ),
    ProjectSpec(
        "GRO-326", "Price optimisation engine", "GRO", None, "WHS", "GROW",
        "approved", "data", _d(2027, 2), 10, 100, 950, 1300,
        "Set wholesale prices per customer segment from elasticity models instead of "
        "cost-plus rules.",
        priority=2, sponsor="t.walsh",
        benefit_names=("Wholesale margin uplift",),
    ),
    ProjectSpec(
        "GRO-327", "Customer insights panel", "GRO", None, "RET", "GROW",
        "idea", "process", _d(2027, 6), 6, 0, 150, 100,
        "A standing panel of 5,000 loyalty members for quick surveys and concept tests.",
        priority=5, sponsor="a.kowalska",
    ),
]  # fmt: skip

RUNNING_STAGES = ("in_execution", "closing", "on_hold")
SCHEDULED_STAGES = ("approved", "in_execution", "closing", "on_hold", "closed")
