from django.contrib import admin

from steerco.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "organisation", "state", "progress", "created_at"]
    list_filter = ["state", "kind", "organisation"]
    search_fields = ["title"]
