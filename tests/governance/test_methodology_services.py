"""Methodology templates edited by the PMO, and project templates applied to a schedule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.governance import selectors, services
from steerco.governance.models import MethodologyTemplate
from steerco.projects.models import Project, Task, TaskLink

pytestmark = pytest.mark.django_db


def test_only_the_pmo_edits_templates_and_one_is_the_default(org, method):
    for role in ("project_manager", "portfolio_manager", "executive"):
        with pytest.raises(AccessDenied):
            services.methodology_create(
                acting_user=org.user(role), fields={"code": "AGILE", "name": "Agile"}
            )
    agile = services.methodology_create(
        acting_user=org.user("pmo_analyst"),
        fields={
            "code": "AGILE",
            "name": "Agile",
            "is_default": True,
            "status_report_cadence": "fortnightly",
        },
    )
    method.template.refresh_from_db()
    assert agile.is_default and not method.template.is_default
    with pytest.raises(ValidationFailed) as error:
        services.methodology_create(
            acting_user=org.user("administrator"),
            fields={"code": "AGILE", "name": "", "status_report_cadence": "daily"},
        )
    assert set(error.value.errors) == {"code", "name", "status_report_cadence"}
    assert AuditEntry.objects.filter(entity_type="governance.methodologytemplate").count() == 1


def test_stages_and_gates_are_checked(org, method):
    pmo = org.user("pmo_analyst")
    stage = services.stage_create(
        acting_user=pmo,
        template_id=method.template.pk,
        fields={"code": "HYPERCARE", "name": "Hypercare", "project_stage": "closing"},
    )
    assert stage.order == len(method.stages)
    with pytest.raises(ValidationFailed) as error:
        services.gate_create(
            acting_user=pmo,
            template_id=method.template.pk,
            fields={
                "code": "G0",
                "name": "Loop",
                "from_stage_id": stage.pk,
                "to_stage_id": stage.pk,
                "approver_roles": ["wizard"],
                "approver_ids": [999999],
            },
        )
    assert set(error.value.errors) == {"code", "to_stage_id", "approver_roles", "approver_ids"}
    gate = services.gate_create(
        acting_user=pmo,
        template_id=method.template.pk,
        fields={
            "code": "G5",
            "name": "Hypercare exit",
            "from_stage_id": method.stages["CLOSE"].pk,
            "to_stage_id": stage.pk,
            "approver_ids": [org.user("executive").pk],
        },
    )
    assert list(gate.approvers.all()) == [org.user("executive")]
    services.gate_update(acting_user=pmo, gate_id=gate.pk, changes={"approver_ids": []})
    assert not gate.approvers.exists()
    with pytest.raises(Conflict):
        services.stage_delete(acting_user=pmo, stage_id=stage.pk)  # the gate leads to it
    services.gate_delete(acting_user=pmo, gate_id=gate.pk)
    services.stage_delete(acting_user=pmo, stage_id=stage.pk)


def test_checklist_items_name_known_rules_with_valid_params(org, method):
    pmo = org.user("pmo_analyst")
    gate = method.gates["G2"]
    with pytest.raises(ValidationFailed) as error:
        services.checklist_item_create(
            acting_user=pmo,
            gate_id=gate.pk,
            fields={"text": "Reviewed", "kind": "automatic", "automatic_rule": "crystal_ball"},
        )
    assert "Unknown rule 'crystal_ball'" in error.value.errors["automatic_rule"][0]
    with pytest.raises(ValidationFailed):
        services.checklist_item_create(
            acting_user=pmo,
            gate_id=gate.pk,
            fields={
                "text": "Reviewed",
                "kind": "automatic",
                "automatic_rule": "risk_register_reviewed_within_days",
                "params": {"days": -1},
            },
        )
    item = services.checklist_item_create(
        acting_user=pmo,
        gate_id=gate.pk,
        fields={
            "text": "Reviewed",
            "kind": "automatic",
            "automatic_rule": "risk_register_reviewed_within_days",
        },
    )
    assert item.params == {"days": 30}
    with pytest.raises(ValidationFailed):
        services.checklist_item_update(acting_user=pmo, item_id=item.pk, changes={"kind": "manual"})
    services.checklist_item_update(
        acting_user=pmo,
        item_id=item.pk,
        changes={"kind": "manual", "automatic_rule": "", "params": {}},
    )
    field = services.checklist_item_create(
        acting_user=pmo,
        gate_id=gate.pk,
        fields={"text": "Sponsor named", "kind": "field", "params": {"field": "sponsor"}},
    )
    assert field.params == {"field": "sponsor"}
    with pytest.raises(ValidationFailed):
        services.checklist_item_create(
            acting_user=pmo,
            gate_id=gate.pk,
            fields={"text": "Budget", "kind": "field", "params": {"field": "password"}},
        )


def test_applying_a_project_template_builds_the_schedule(org, make_project, method):
    pmo = org.user("pmo_analyst")
    project_template = services.project_template_create(
        acting_user=pmo, template_id=method.template.pk, fields={"code": "WEB", "name": "Website"}
    )
    design = services.phase_create(
        acting_user=pmo, project_template_id=project_template.pk, fields={"name": "Design"}
    )
    build = services.phase_create(
        acting_user=pmo, project_template_id=project_template.pk, fields={"name": "Build"}
    )
    wireframes = services.task_template_create(
        acting_user=pmo,
        phase_id=design.pk,
        fields={"name": "Wireframes", "duration_days": Decimal("2.5"), "work_hours": Decimal("20")},
    )
    code = services.task_template_create(
        acting_user=pmo,
        phase_id=build.pk,
        fields={"name": "Code", "duration_days": Decimal("10"), "predecessor_ids": [wireframes.pk]},
    )
    live = services.task_template_create(
        acting_user=pmo,
        phase_id=build.pk,
        fields={"name": "Live", "is_milestone": True, "predecessor_ids": [code.pk]},
    )
    with pytest.raises(ValidationFailed):  # would close a loop
        services.task_template_update(
            acting_user=pmo, task_template_id=wireframes.pk, changes={"predecessor_ids": [live.pk]}
        )
    project = make_project(stage=Project.Stage.APPROVED)
    with pytest.raises(AccessDenied):
        services.project_template_apply(
            acting_user=org.user("executive"),
            project_template_id=project_template.pk,
            project_id=project.pk,
        )
    tasks = services.project_template_apply(
        acting_user=org.user("project_manager"),
        project_template_id=project_template.pk,
        project_id=project.pk,
    )
    assert [(task.name, task.is_summary, task.duration_minutes) for task in tasks] == [
        ("Design", True, 0),
        ("Wireframes", False, 1200),  # 2.5 days of 8 hours
        ("Build", True, 0),
        ("Code", False, 4800),
        ("Live", False, 0),
    ]
    wireframes_task = Task.objects.get(project=project, name="Wireframes")
    assert wireframes_task.parent.name == "Design" and wireframes_task.work_minutes == 1200
    links = TaskLink.objects.filter(project=project).values_list(
        "predecessor__name", "successor__name"
    )
    assert sorted(links) == [("Code", "Live"), ("Wireframes", "Code")]
    with pytest.raises(Conflict):
        services.project_template_apply(
            acting_user=org.user("project_manager"),
            project_template_id=project_template.pk,
            project_id=project.pk,
        )


def test_guidance_is_markdown_rendered_safely(org, other_org, method):
    pmo = org.user("pmo_analyst")
    page = services.guidance_create(
        acting_user=pmo,
        template_id=method.template.pk,
        fields={
            "title": "Writing a business case",
            "stage_id": method.stages["PROPOSAL"].pk,
            "body": "## Costs\n\n**Monthly**, please. <script>alert(1)</script>"
            '[x](javascript:alert(1)) <img src=x onerror="alert(1)">',
        },
    )
    assert page.slug == "writing-a-business-case"
    _, html = selectors.guidance_page(org.user("team_member"), page.pk)
    assert "<h2>Costs</h2>" in html and "<strong>Monthly</strong>" in html
    assert "script" not in html and "javascript" not in html and "onerror" not in html
    assert "<img" not in html
    with pytest.raises(NotFound):
        selectors.guidance_page(other_org.user("administrator"), page.pk)
    with pytest.raises(ValidationFailed):
        services.guidance_create(
            acting_user=pmo,
            template_id=method.template.pk,
            fields={"title": "Writing a business case"},
        )


def test_a_methodology_in_use_cannot_be_deleted(org, make_project, method):
    make_project(methodology=method.template)
    with pytest.raises(Conflict):
        services.methodology_delete(
            acting_user=org.user("pmo_analyst"), template_id=method.template.pk
        )
    spare = MethodologyTemplate.objects.create(
        organisation=org.organisation, code="X", name="Spare"
    )
    services.methodology_delete(acting_user=org.user("pmo_analyst"), template_id=spare.pk)
    assert not MethodologyTemplate.objects.filter(pk=spare.pk).exists()
