from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from steerco.resources.models import (
    Absence,
    Assignment,
    Booking,
    CapacityPeriod,
    CostRate,
    HiringPlan,
    LockedPeriod,
    Person,
    PersonSkill,
    ResourceRequest,
    Role,
    RoleDemand,
    Skill,
    Timesheet,
    TimesheetEntry,
)


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "organisation", "default_cost_rate", "is_active"]
    list_filter = ["organisation", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name"]


class PersonSkillInline(admin.TabularInline):
    model = PersonSkill
    extra = 0
    raw_id_fields = ["skill"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "role", "business_unit", "fte", "is_active"]
    list_filter = ["organisation", "role", "business_unit", "is_active"]
    search_fields = ["name", "email"]
    raw_id_fields = ["user", "role", "business_unit", "calendar", "manager"]
    inlines = [PersonSkillInline]


@admin.register(CostRate)
class CostRateAdmin(admin.ModelAdmin):
    list_display = ["person", "role", "rate", "currency", "effective_from"]
    list_filter = ["organisation", "currency"]
    raw_id_fields = ["person", "role"]


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["person", "start_date", "finish_date", "hours_per_day", "reason"]
    list_filter = ["reason"]
    search_fields = ["person__name"]
    raw_id_fields = ["person"]

    # Changing an absence here changes the person's capacity, as the service does.
    def save_model(self, request: HttpRequest, obj: Absence, form: Any, change: bool) -> None:
        previous = Absence.objects.filter(pk=obj.pk).values_list("person_id", flat=True).first()
        super().save_model(request, obj, form, change)
        _capacity_changed(obj.person, previous)

    def delete_model(self, request: HttpRequest, obj: Absence) -> None:
        person = obj.person
        super().delete_model(request, obj)
        _capacity_changed(person, None)


def _capacity_changed(person: Person, previous_person_id: int | None) -> None:
    from steerco.resources.capacity_services import capacity_changed

    capacity_changed(
        organisation_id=person.organisation_id,
        person_ids={person.pk, previous_person_id or person.pk},
    )


@admin.register(CapacityPeriod)
class CapacityPeriodAdmin(admin.ModelAdmin):
    list_display = ["month", "role", "person", "hours"]
    list_filter = ["organisation", "role"]
    raw_id_fields = ["role", "person"]


@admin.register(RoleDemand)
class RoleDemandAdmin(admin.ModelAdmin):
    list_display = ["project", "role", "month", "hours", "source"]
    list_filter = ["source", "role"]
    search_fields = ["project__code"]
    raw_id_fields = ["project", "role"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = ["project", "person", "month", "hours", "kind"]
    list_filter = ["kind"]
    search_fields = ["project__code", "person__name"]
    raw_id_fields = ["project", "person"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["task", "person", "role", "units", "work_minutes", "actual_work_minutes"]
    search_fields = ["task__name", "person__name"]
    raw_id_fields = ["task", "person", "role"]


@admin.register(ResourceRequest)
class ResourceRequestAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "project",
        "role",
        "skill",
        "start_date",
        "finish_date",
        "hours",
        "status",
    ]
    list_filter = ["organisation", "status"]
    search_fields = ["project__code", "reason"]
    raw_id_fields = [
        "project",
        "role",
        "skill",
        "requested_person",
        "approved_person",
        "requested_by",
        "decided_by",
    ]


class TimesheetEntryInline(admin.TabularInline):
    model = TimesheetEntry
    extra = 0
    raw_id_fields = ["project", "task"]


@admin.register(Timesheet)
class TimesheetAdmin(admin.ModelAdmin):
    list_display = ["person", "week_start", "status", "submitted_at", "decided_by"]
    list_filter = ["organisation", "status"]
    search_fields = ["person__name"]
    raw_id_fields = ["person", "decided_by"]
    inlines = [TimesheetEntryInline]


@admin.register(LockedPeriod)
class LockedPeriodAdmin(admin.ModelAdmin):
    list_display = ["organisation", "until", "locked_by", "reason"]
    list_filter = ["organisation"]
    raw_id_fields = ["locked_by"]


@admin.register(HiringPlan)
class HiringPlanAdmin(admin.ModelAdmin):
    list_display = ["scenario", "role", "month", "fte_delta"]
    list_filter = ["role"]
    raw_id_fields = ["scenario", "role"]
