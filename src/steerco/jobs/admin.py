from django.contrib import admin

from steerco.jobs.models import Job, PeriodicSchedule


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "organisation", "state", "progress", "created_at"]
    list_filter = ["state", "kind", "organisation"]
    search_fields = ["title"]


@admin.register(PeriodicSchedule)
class PeriodicScheduleAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "enabled", "next_due_at", "last_run_at"]
    list_filter = ["enabled", "name", "organisation"]
    list_editable = ["enabled"]
