from django.contrib import admin

from steerco.core.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "organisation", "actor", "action", "entity_type", "entity_id", "summary"]
    list_filter = ["action", "entity_type", "organisation"]
    search_fields = ["entity_id", "summary"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
