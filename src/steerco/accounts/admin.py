from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from steerco.accounts.models import ApiToken, BusinessUnit, Organisation, User


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "currency", "discount_rate"]
    search_fields = ["name", "code"]


@admin.register(BusinessUnit)
class BusinessUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "organisation"]
    list_filter = ["organisation"]
    search_fields = ["name", "code"]


@admin.register(User)
class SteercoUserAdmin(UserAdmin):
    list_display = ["username", "email", "first_name", "last_name", "organisation", "role"]
    list_filter = ["organisation", "role", "is_active"]
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Steerco", {"fields": ("organisation", "role", "business_unit", "title")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]
