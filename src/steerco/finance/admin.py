from django.contrib import admin

from steerco.finance.models import (
    Benefit,
    BenefitValue,
    Budget,
    BudgetLine,
    CostCategory,
    CostLine,
    ExchangeRate,
    Forecast,
)


@admin.register(CostCategory)
class CostCategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "organisation", "expense_type", "is_labour"]
    list_filter = ["organisation", "expense_type", "is_labour"]
    search_fields = ["code", "name"]


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    raw_id_fields = ["cost_category"]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["project", "version", "status", "total", "approved_at"]
    list_filter = ["status"]
    search_fields = ["project__code", "project__name"]
    raw_id_fields = ["project", "created_by", "approved_by"]
    inlines = [BudgetLineInline]


@admin.register(CostLine)
class CostLineAdmin(admin.ModelAdmin):
    list_display = [
        "project",
        "month",
        "cost_category",
        "amount",
        "currency",
        "source",
        "reference",
    ]
    list_filter = ["organisation", "source", "expense_type", "currency"]
    search_fields = ["project__code", "reference", "description", "import_batch"]
    raw_id_fields = ["project", "cost_category", "created_by"]


@admin.register(Forecast)
class ForecastAdmin(admin.ModelAdmin):
    list_display = ["project", "as_of", "month", "expense_type", "amount", "method"]
    list_filter = ["method", "expense_type"]
    search_fields = ["project__code"]
    raw_id_fields = ["project", "made_by"]


class BenefitValueInline(admin.TabularInline):
    model = BenefitValue
    extra = 0


@admin.register(Benefit)
class BenefitAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "category", "kind", "unit", "owner"]
    list_filter = ["category", "kind"]
    search_fields = ["name", "project__code"]
    raw_id_fields = ["project", "owner"]
    inlines = [BenefitValueInline]


@admin.register(ExchangeRate)
class ExchangeRateAdmin(admin.ModelAdmin):
    list_display = ["currency", "effective_date", "rate_to_org_currency", "organisation"]
    list_filter = ["organisation", "currency"]
