from django.contrib import admin

from steerco.portfolios.models import (
    AhpComparison,
    BalanceRule,
    ObjectiveContribution,
    OptimiserRun,
    Portfolio,
    PortfolioBudget,
    Program,
    ProjectScore,
    Scenario,
    ScenarioProject,
    ScoringCriterion,
    StrategicObjective,
)


class PortfolioBudgetInline(admin.TabularInline):
    model = PortfolioBudget
    extra = 0


class BalanceRuleInline(admin.TabularInline):
    model = BalanceRule
    extra = 0


@admin.register(Portfolio)
class PortfolioAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "organisation", "owner", "is_active"]
    list_filter = ["organisation", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["owner"]
    inlines = [PortfolioBudgetInline, BalanceRuleInline]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "portfolio", "manager"]
    list_filter = ["organisation", "portfolio"]
    search_fields = ["code", "name"]
    raw_id_fields = ["portfolio", "manager"]


@admin.register(StrategicObjective)
class StrategicObjectiveAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "weight", "period_start", "period_end", "is_active"]
    list_filter = ["organisation", "is_active"]
    search_fields = ["code", "name"]


@admin.register(ScoringCriterion)
class ScoringCriterionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "weight", "scale_type", "direction", "order", "is_active"]
    list_filter = ["organisation", "scale_type", "direction", "is_active"]
    search_fields = ["code", "name"]


@admin.register(AhpComparison)
class AhpComparisonAdmin(admin.ModelAdmin):
    list_display = ["set_name", "rater", "criterion_a", "criterion_b", "value"]
    list_filter = ["organisation", "set_name"]
    raw_id_fields = ["rater", "criterion_a", "criterion_b"]


@admin.register(ProjectScore)
class ProjectScoreAdmin(admin.ModelAdmin):
    list_display = ["project", "criterion", "rater", "value"]
    list_filter = ["criterion"]
    search_fields = ["project__code", "project__name"]
    raw_id_fields = ["project", "criterion", "rater"]


@admin.register(ObjectiveContribution)
class ObjectiveContributionAdmin(admin.ModelAdmin):
    list_display = ["project", "objective", "contribution"]
    list_filter = ["objective"]
    search_fields = ["project__code", "project__name"]
    raw_id_fields = ["project", "objective"]


class ScenarioProjectInline(admin.TabularInline):
    model = ScenarioProject
    extra = 0
    raw_id_fields = ["project"]


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ["name", "portfolio", "status", "created_by", "created_at", "promoted_at"]
    list_filter = ["organisation", "status", "portfolio"]
    search_fields = ["name"]
    raw_id_fields = ["portfolio", "based_on", "created_by", "promoted_by"]
    inlines = [ScenarioProjectInline]


@admin.register(OptimiserRun)
class OptimiserRunAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "scenario",
        "status",
        "objective",
        "value",
        "gap",
        "seconds",
        "created_at",
    ]
    list_filter = ["organisation", "status", "objective"]
    raw_id_fields = ["scenario", "job", "created_by"]
    readonly_fields = ["result"]
