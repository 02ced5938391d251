"""The Northwind Delivery Framework: lifecycle stages, gates, checklists, templates, guidance."""

from __future__ import annotations

from decimal import Decimal

from steerco.demo.context import DemoContext
from steerco.demo.templates import TEMPLATE_NAMES, TEMPLATES
from steerco.governance.models import (
    Gate,
    GateChecklistItem,
    GuidancePage,
    LifecycleStage,
    MethodologyTemplate,
    PhaseTemplate,
    ProjectTemplate,
    TaskTemplate,
)

STAGES = [
    ("IDEA", "Idea", "idea", "Capture the problem or opportunity and who owns it."),
    ("PROPOSAL", "Proposal", "proposal", "Build the business case: options, costs, benefits, risks."),
    ("PLAN", "Plan and mobilise", "approved", "Plan, baseline, book people and approve the budget."),
    ("DELIVER", "Deliver", "in_execution", "Build, test and go live; report monthly."),
    ("CLOSE", "Transition and close", "closing", "Hand over to operations and the benefit owner."),
    ("CLOSED", "Closed", "closed", "Review what the project delivered and learnt."),
]  # fmt: skip

# code, name, from, to, approver permission roles, approver usernames, description
GATES = [
    ("G0", "Idea screening", "IDEA", "PROPOSAL", ["portfolio_manager", "pmo_analyst"],
     ["portfolio"], "Is the idea worth the effort of a business case?"),
    ("G1", "Investment decision", "PROPOSAL", "PLAN", ["executive", "portfolio_manager"],
     ["exec", "portfolio"], "Do we fund it, and when does it start?"),
    ("G2", "Ready to deliver", "PLAN", "DELIVER", ["portfolio_manager"],
     ["portfolio"], "Is the plan credible, baselined and staffed?"),
    ("G3", "Go-live and handover", "DELIVER", "CLOSE", ["executive", "portfolio_manager"],
     ["exec", "portfolio"], "Is the solution ready for the business to use and support?"),
    ("G4", "Project closure", "CLOSE", "CLOSED", ["pmo_analyst", "portfolio_manager"],
     ["pmo"], "Is everything handed over, paid and learnt?"),
]  # fmt: skip

# gate, text, kind, automatic rule, params, required, help text
CHECKLIST = [
    ("G0", "Problem or opportunity described, with its business owner", "field", "", {}, True,
     "One paragraph a director understands; name the person who feels the pain."),
    ("G0", "Order-of-magnitude costs and benefits estimated", "manual", "", {}, True,
     "Within 50%: enough to decide whether a business case is worth writing."),
    ("G0", "Strategic objectives the idea serves identified", "automatic",
     "objective_contribution_present", {}, True, ""),
    ("G1", "Business case submitted with monthly costs and benefits", "document", "", {}, True,
     "Use the business case form; attach supplier quotes."),
    ("G1", "Net present value is positive, or the project is mandatory", "automatic",
     "business_case_npv_positive", {}, True, ""),
    ("G1", "At least three key risks identified and assessed", "automatic",
     "risk_register_has_risks", {"minimum": 3}, True, ""),
    ("G1", "Resource demand by role entered for the plan period", "automatic",
     "role_demand_present", {}, True, ""),
    ("G1", "Finance business partner has reviewed the costs", "manual", "", {}, True, ""),
    ("G2", "Schedule baselined", "automatic", "baseline_set", {}, True, ""),
    ("G2", "Budget approved by cost category and month", "automatic", "budget_approved", {},
     True, ""),
    ("G2", "Named people booked for the first three months", "manual", "", {}, True,
     "Hard bookings agreed with the resource manager."),
    ("G2", "Project board and sponsor confirmed", "field", "", {}, True, ""),
    ("G2", "Risk register reviewed in the last 30 days", "automatic",
     "risk_register_reviewed_30_days", {"days": 30}, True, ""),
    ("G3", "User acceptance testing signed off", "document", "", {}, True, ""),
    ("G3", "No open critical or high defects", "manual", "", {}, True,
     "Medium defects need a fix date agreed with the business owner."),
    ("G3", "Operations and support teams have accepted the service", "document", "", {}, True,
     ""),
    ("G3", "End users trained", "manual", "", {}, True, ""),
    ("G3", "Rollback plan tested", "manual", "", {}, False, ""),
    ("G4", "Post-implementation review scheduled", "automatic", "pir_scheduled", {}, True, ""),
    ("G4", "Lessons learned recorded", "automatic", "lessons_recorded", {"minimum": 1}, True,
     ""),
    ("G4", "All costs booked and purchase orders closed", "manual", "", {}, True, ""),
    ("G4", "Benefit owner has accepted the benefits plan", "document", "", {}, True, ""),
]  # fmt: skip

GUIDANCE = [
    (
        "writing-a-business-case",
        "Writing a business case",
        "PROPOSAL",
        """A business case answers one question: **is this worth more than it costs, compared
with the other things we could do with the same money and people?**

## What the investment committee reads first

1. The problem, in the words of the person who has it.
2. The options you considered, including *do nothing*.
3. Monthly costs (capex and opex) and benefits for at least five years after go-live.
4. The three risks most likely to change the answer.

## Costs

- Enter internal effort as **hours by role and month**; Steerco prices them with the
  role's standard rate, so that the case and the capacity plan agree.
- Keep contingency as its own line; do not hide it in estimates.

## Benefits

- Every financial benefit has an owner in the business, not in the project.
- Say how it will be measured and from which system, before you start.
- Benefits usually ramp up over three to twelve months after go-live: model the ramp.

The organisation discounts cash flows at 8% a year. A negative net present value is not
a refusal: mandatory and strategic projects can still go ahead, but the committee will
want to see the cheapest way to meet the obligation.
""",
    ),
    (
        "estimating",
        "Estimating effort and duration",
        "PROPOSAL",
        """Estimate **effort by role**, then derive duration from the people you can actually get.

- Use three-point estimates (optimistic, most likely, pessimistic) for the ten largest
  tasks; Steerco's Monte Carlo simulation turns them into P50 and P80 dates.
- Add the non-project time people really have: a full-time colleague gives a project about
  6.5 hours a day, not 8.
- Compare with closed projects of the same kind in the lessons library.
""",
    ),
    (
        "planning-and-baselines",
        "Planning, baselines and the critical path",
        "PLAN",
        """## The plan

Build the work breakdown structure from a project template, then link the tasks. Prefer
finish-to-start links; use start-to-start with a lag for work that overlaps, and
finish-to-finish where two pieces of work must end together (documentation with build).

Use date constraints sparingly: a *start no earlier than* for a supplier's delivery date, a
*finish no later than* for a regulatory deadline. Everything else should follow from links.

## The baseline

Capture baseline 0 when gate G2 approves the plan. Re-baseline only after an approved change
request, and keep the old baseline: the executive dashboard compares forecast with the
first promise.

## The critical path

Tasks with zero total float drive the finish date. Review them every week; a task with
negative float means the plan already misses a constraint or deadline.
""",
    ),
    (
        "raid-management",
        "Managing risks, assumptions, issues and decisions",
        "DELIVER",
        """Keep one RAID log per project and review it at least every 30 days (gate G2 checks).

| item | when | what to record |
|---|---|---|
| Risk | something that may happen | probability, impact 1-5, owner, response, trend |
| Assumption | something you take as true | how and when it will be confirmed |
| Issue | something that has happened | owner, action, due date |
| Decision | something agreed | who decided, when, why |
| Dependency | something another project must deliver | the other project, the date needed |

Escalate a risk to the portfolio board when its exposure (probability x impact) reaches 12
or when it threatens a key milestone of a mission-critical project.
""",
    ),
    (
        "status-reporting",
        "Monthly status reports",
        "DELIVER",
        """Submit the status report by the fifth working day of the month.

Steerco suggests a RAG for schedule, cost, scope and risk from the data (milestone slippage,
cost performance index, open change requests, risk exposure). You decide the final colours;
explain any difference from the suggestion in the narrative.

- **Green**: on track, no help needed.
- **Amber**: off track, the project can recover within its tolerances.
- **Red**: off track beyond tolerance, or the project needs a decision from the board.

Write for a reader with two minutes: what changed, what is at risk, what you need.
""",
    ),
    (
        "change-control",
        "Change control",
        "DELIVER",
        """Any change to scope, a key milestone, or cost beyond 5% of the budget needs a change
request.

The project board decides changes up to 10% of budget; above that, the portfolio board.
An approved change request updates the budget and, if needed, the baseline.
""",
    ),
    (
        "go-live-readiness",
        "Go-live readiness",
        "DELIVER",
        """Before gate G3 the business owner, service owner and project manager walk through:

- acceptance test results and open defects;
- training completion;
- support model, runbooks and monitoring;
- the cutover plan and a tested rollback.

Avoid go-lives in the retail peak (mid-November to early January) unless the board agrees.
""",
    ),
    (
        "benefits-realisation",
        "Benefits realisation and closure",
        "CLOSED",
        """A project closes when its products are handed over; its benefits keep being measured.

The post-implementation review, three to six months after go-live, compares realised
benefits with the business case and records lessons for the next projects. Benefit owners
keep reporting realised values monthly until the benefit has reached its target or has been
written off.
""",
    ),
]


def build_methodology(context: DemoContext) -> None:
    template = MethodologyTemplate.objects.create(
        organisation=context.organisation,
        code="NDF",
        name="Northwind Delivery Framework",
        description=(
            "Six stages and five gates for every project above EUR 100,000 or 200 days of "
            "effort. Smaller changes follow the lighter change process of the service desk."
        ),
        status_report_cadence=MethodologyTemplate.Cadence.MONTHLY,
        is_default=True,
    )
    context.methodology = template
    stages = LifecycleStage.objects.bulk_create(
        [
            LifecycleStage(
                template=template,
                code=code,
                name=name,
                order=order,
                project_stage=project_stage,
                guidance=guidance,
            )
            for order, (code, name, project_stage, guidance) in enumerate(STAGES, start=1)
        ]
    )
    context.lifecycle_stages = {stage.code: stage for stage in stages}
    gates = Gate.objects.bulk_create(
        [
            Gate(
                template=template,
                code=code,
                name=name,
                description=description,
                from_stage=context.lifecycle_stages[source],
                to_stage=context.lifecycle_stages[target],
                order=order,
                approver_roles=roles,
            )
            for order, (code, name, source, target, roles, _users, description) in enumerate(
                GATES, start=1
            )
        ]
    )
    context.gates = {gate.code: gate for gate in gates}
    through = Gate.approvers.through
    through.objects.bulk_create(
        [
            through(gate_id=context.gates[code].pk, user_id=context.users[username].pk)
            for code, *_middle, usernames, _description in GATES
            for username in usernames
        ]
    )
    GateChecklistItem.objects.bulk_create(
        [
            GateChecklistItem(
                gate=context.gates[gate],
                order=order,
                text=text,
                help_text=help_text,
                kind=kind,
                automatic_rule=rule,
                params=params,
                required=required,
            )
            for order, (gate, text, kind, rule, params, required, help_text) in enumerate(
                CHECKLIST, start=1
            )
        ]
    )
    GuidancePage.objects.bulk_create(
        [
            GuidancePage(
                template=template,
                stage=context.lifecycle_stages[stage],
                title=title,
                slug=slug,
                body=body,
                order=order,
            )
            for order, (slug, title, stage, body) in enumerate(GUIDANCE, start=1)
        ]
    )
    _project_templates(context, template)


def _project_templates(context: DemoContext, template: MethodologyTemplate) -> None:
    """One starting plan per kind of project, from the same templates the demo plans with."""
    stage_for_phase = {
        "Initiation": "PLAN",
        "Closure": "CLOSE",
    }
    for kind, phases in TEMPLATES.items():
        code, name, description = TEMPLATE_NAMES[kind]
        project_template = ProjectTemplate.objects.create(
            template=template, code=code, name=name, description=description
        )
        phase_rows = PhaseTemplate.objects.bulk_create(
            [
                PhaseTemplate(
                    project_template=project_template,
                    stage=context.lifecycle_stages[stage_for_phase.get(phase.name, "DELIVER")],
                    name=phase.name,
                    order=order,
                )
                for order, phase in enumerate(phases, start=1)
            ]
        )
        task_rows: list[TaskTemplate] = []
        predecessors: list[tuple[int, int]] = []
        for phase_row, phase in zip(phase_rows, phases, strict=True):
            steps = list(phase.steps)
            if phase.unit is not None:
                steps += list(phase.unit.steps)
            steps += list(phase.closing_steps)
            first = len(task_rows)
            for order, step in enumerate(steps, start=1):
                task_rows.append(
                    TaskTemplate(
                        phase=phase_row,
                        name=step.name,
                        order=order,
                        duration_days=Decimal(str(step.days)),
                        is_milestone=step.milestone,
                        role_code="" if step.milestone else step.role,
                        work_hours=Decimal(str(step.days * 8)),
                    )
                )
                if order > 1:
                    predecessors.append((first + order - 2, first + order - 1))
        TaskTemplate.objects.bulk_create(task_rows)
        through = TaskTemplate.predecessors.through
        through.objects.bulk_create(
            [
                through(
                    from_tasktemplate_id=task_rows[successor].pk,
                    to_tasktemplate_id=task_rows[predecessor].pk,
                )
                for predecessor, successor in predecessors
            ]
        )
