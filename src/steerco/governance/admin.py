from django.contrib import admin

from steerco.governance.models import (
    ChangeRequest,
    Gate,
    GateChecklistItem,
    GateReview,
    GateReviewItem,
    GuidancePage,
    LessonLearned,
    LifecycleStage,
    MethodologyTemplate,
    PhaseTemplate,
    PostImplementationReview,
    ProjectTemplate,
    QaFinding,
    QaReview,
    RaidItem,
    StatusReport,
    TaskTemplate,
)


class LifecycleStageInline(admin.TabularInline):
    model = LifecycleStage
    extra = 0


@admin.register(MethodologyTemplate)
class MethodologyTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "organisation", "status_report_cadence", "is_default"]
    list_filter = ["organisation", "is_active"]
    search_fields = ["code", "name"]
    inlines = [LifecycleStageInline]


class GateChecklistItemInline(admin.TabularInline):
    model = GateChecklistItem
    extra = 0


@admin.register(Gate)
class GateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "template", "from_stage", "to_stage", "order"]
    list_filter = ["template"]
    search_fields = ["code", "name"]
    raw_id_fields = ["template", "from_stage", "to_stage"]
    filter_horizontal = ["approvers"]
    inlines = [GateChecklistItemInline]


class PhaseTemplateInline(admin.TabularInline):
    model = PhaseTemplate
    extra = 0


@admin.register(ProjectTemplate)
class ProjectTemplateAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "template"]
    list_filter = ["template"]
    search_fields = ["code", "name"]
    inlines = [PhaseTemplateInline]


@admin.register(TaskTemplate)
class TaskTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "phase", "order", "duration_days", "role_code", "work_hours"]
    list_filter = ["phase__project_template"]
    search_fields = ["name"]
    raw_id_fields = ["phase"]
    filter_horizontal = ["predecessors"]


@admin.register(GuidancePage)
class GuidancePageAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "template", "stage", "order"]
    list_filter = ["template"]
    search_fields = ["title", "body"]
    prepopulated_fields = {"slug": ["title"]}


class GateReviewItemInline(admin.TabularInline):
    model = GateReviewItem
    extra = 0
    raw_id_fields = ["checklist_item", "checked_by"]


@admin.register(GateReview)
class GateReviewAdmin(admin.ModelAdmin):
    list_display = ["project", "gate", "status", "requested_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["project__code", "gate__name"]
    raw_id_fields = ["project", "gate", "requested_by", "decision_by"]
    inlines = [GateReviewItemInline]


class QaFindingInline(admin.TabularInline):
    model = QaFinding
    extra = 0
    raw_id_fields = ["owner"]


@admin.register(QaReview)
class QaReviewAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "scheduled_for", "status", "rating", "reviewer"]
    list_filter = ["status", "rating"]
    search_fields = ["title", "project__code"]
    raw_id_fields = ["project", "reviewer"]
    inlines = [QaFindingInline]


@admin.register(RaidItem)
class RaidItemAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "project", "kind", "status", "probability", "impact", "owner"]
    list_filter = ["organisation", "kind", "status", "response_strategy"]
    search_fields = ["ref", "title", "description", "project__code"]
    raw_id_fields = ["project", "owner", "raised_by", "depends_on_project"]


@admin.register(ChangeRequest)
class ChangeRequestAdmin(admin.ModelAdmin):
    list_display = ["ref", "title", "project", "status", "cost_impact", "schedule_impact_days"]
    list_filter = ["organisation", "status"]
    search_fields = ["ref", "title", "project__code"]
    raw_id_fields = ["project", "requested_by", "decided_by"]


@admin.register(StatusReport)
class StatusReportAdmin(admin.ModelAdmin):
    list_display = ["project", "period_start", "period_end", "status", "overall", "author"]
    list_filter = ["status", "overall"]
    search_fields = ["project__code", "narrative"]
    raw_id_fields = ["project", "author"]


@admin.register(PostImplementationReview)
class PostImplementationReviewAdmin(admin.ModelAdmin):
    list_display = ["project", "status", "completed_at", "benefits_realisation_ratio"]
    list_filter = ["status"]
    search_fields = ["project__code", "summary"]
    raw_id_fields = ["project", "reviewer"]


@admin.register(LessonLearned)
class LessonLearnedAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "category", "impact", "created_at"]
    list_filter = ["organisation", "impact", "category"]
    search_fields = ["title", "description", "recommendation"]
    raw_id_fields = ["project", "post_implementation_review", "category", "created_by"]
