from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

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


class CalendarExceptionFormSet(BaseInlineFormSet):
    """The calendar's holidays as the admin is about to save them: no two may overlap.

    The admin writes rows without the calendar services, so it runs their overlap check over
    the rows kept (a row marked for deletion frees its days for another row).
    """

    def clean(self) -> None:
        from steerco.projects.calendar_services import exception_overlap_problem

        super().clean()
        kept: list[CalendarException] = []
        for form in self.forms:
            # A row with its own errors is refused anyway, and an empty extra row is not saved.
            if form.errors or (form.instance.pk is None and not form.has_changed()):
                continue
            if self.can_delete and form.cleaned_data.get("DELETE", False):
                continue
            exception = form.instance
            if exception.start_date is None or exception.finish_date is None:
                continue
            problem = exception_overlap_problem(exception.start_date, exception.finish_date, kept)
            if problem:
                form.add_error("start_date", problem)
            kept.append(exception)


class CalendarExceptionInline(admin.TabularInline):
    model = CalendarException
    formset = CalendarExceptionFormSet
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "base_calendar", "hours_per_day", "timezone"]
    list_filter = ["organisation", "is_default"]
    search_fields = ["name"]
    raw_id_fields = ["base_calendar"]
    inlines = [CalendarExceptionInline]

    # Edits here bypass the calendar services, so capacity and schedules are told explicitly.
    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        from steerco.projects.calendar_services import calendar_changed_outside_services

        super().save_related(request, form, formsets, change)
        effects = calendar_changed_outside_services(
            acting_user=request.user,  # type: ignore[arg-type]
            calendar=form.instance,
            reason=f"calendar {form.instance.name} changed in the admin",
        )
        if effects.summary():
            self.message_user(request, effects.summary(), messages.INFO)

    def delete_model(self, request: HttpRequest, obj: Calendar) -> None:
        from steerco.projects.calendar_services import follow_calendar_deletion

        organisation_id, calendar_id, was_default = obj.organisation_id, obj.pk, obj.is_default
        super().delete_model(request, obj)
        follow_calendar_deletion(
            organisation_id=organisation_id, calendar_id=calendar_id, was_default=was_default
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Calendar]) -> None:
        from steerco.projects.calendar_services import follow_calendar_deletion

        deleted = list(queryset.values_list("organisation_id", "pk", "is_default"))
        super().delete_queryset(request, queryset)
        for organisation_id, calendar_id, was_default in deleted:
            follow_calendar_deletion(
                organisation_id=organisation_id, calendar_id=calendar_id, was_default=was_default
            )


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
