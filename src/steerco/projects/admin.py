from django.contrib import admin

from steerco.projects.models import (
    Baseline,
    BaselineTask,
    BusinessCase,
    Calendar,
    CalendarException,
    CashFlowLine,
    Category,
    Milestone,
    Project,
    ProjectMember,
    Task,
    TaskLink,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["code", "name"]


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "base_calendar", "hours_per_day", "timezone"]
    list_filter = ["organisation", "is_default"]
    search_fields = ["name"]
    raw_id_fields = ["base_calendar"]
    inlines = [CalendarExceptionInline]


class ProjectMemberInline(admin.TabularInline):
    model = ProjectMember
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "portfolio", "stage", "health", "priority", "manager"]
    list_filter = ["organisation", "stage", "health", "mission_critical", "portfolio", "category"]
    search_fields = ["code", "name", "description"]
    raw_id_fields = [
        "portfolio",
        "program",
        "sponsor",
        "manager",
        "business_unit",
        "category",
        "methodology",
        "lifecycle_stage",
        "calendar",
        "created_by",
    ]
    inlines = [ProjectMemberInline]


class CashFlowLineInline(admin.TabularInline):
    model = CashFlowLine
    extra = 0


@admin.register(BusinessCase)
class BusinessCaseAdmin(admin.ModelAdmin):
    list_display = ["project", "version", "status", "start_month", "approved_at"]
    list_filter = ["status"]
    search_fields = ["project__code", "project__name", "summary"]
    raw_id_fields = ["project", "created_by", "approved_by"]
    inlines = [CashFlowLineInline]


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["project", "uid", "wbs", "name", "duration_minutes", "percent_complete"]
    list_filter = ["is_milestone", "is_summary", "is_critical", "constraint_type"]
    search_fields = ["name", "wbs", "project__code"]
    raw_id_fields = ["project", "parent", "calendar"]
    list_select_related = ["project"]


@admin.register(TaskLink)
class TaskLinkAdmin(admin.ModelAdmin):
    list_display = ["project", "predecessor", "successor", "type", "lag_minutes"]
    list_filter = ["type"]
    search_fields = ["project__code"]
    raw_id_fields = ["project", "predecessor", "successor"]


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "due_date", "forecast_date", "achieved_date", "is_key"]
    list_filter = ["is_key"]
    search_fields = ["name", "project__code"]
    raw_id_fields = ["project", "task"]


@admin.register(Baseline)
class BaselineAdmin(admin.ModelAdmin):
    list_display = ["project", "number", "name", "captured_at", "captured_by"]
    search_fields = ["project__code", "name"]
    raw_id_fields = ["project", "captured_by"]


@admin.register(BaselineTask)
class BaselineTaskAdmin(admin.ModelAdmin):
    list_display = ["baseline", "task_uid", "name", "start", "finish", "cost"]
    search_fields = ["name"]
    raw_id_fields = ["baseline", "task"]
