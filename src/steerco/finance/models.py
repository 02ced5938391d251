"""Budgets, actual costs, forecasts, benefits and exchange rates.

Organisation scoping: ``CostCategory``, ``CostLine`` and ``ExchangeRate``
carry a direct ``organisation`` foreign key (cost lines are imported and
reconciled organisation-wide, by batch and by month). Child rows inherit it:
``Budget``, ``Forecast`` and ``Benefit`` (project), ``BudgetLine`` (budget),
``BenefitValue`` (benefit).

Amounts are in the project's currency (the organisation's unless the project
overrides it), except ``CostLine.amount`` which is in the line's own
``currency`` and is converted once, at import, into ``amount_org_currency``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from steerco.accounts.models import code_validator
from steerco.core.models import TimeStampedModel
from steerco.core.money import MoneyField
from steerco.projects.validators import validate_first_of_month

currency_validator = RegexValidator(r"^[A-Z]{3}$", "Use a three-letter ISO 4217 code, e.g. EUR.")


class ExpenseType(models.TextChoices):
    CAPEX = "capex", "Capital expenditure"
    OPEX = "opex", "Operating expenditure"


class CostCategory(TimeStampedModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="cost_categories"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    expense_type = models.CharField(
        max_length=5, choices=ExpenseType.choices, default=ExpenseType.OPEX
    )
    is_labour = models.BooleanField(default=False, help_text="Costs that come from timesheets")

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "cost categories"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="cost_category_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Budget(TimeStampedModel):
    """A version of a project's budget; at most one approved version at a time."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="budgets"
    )
    version = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    total = MoneyField(default=Decimal("0"), help_text="Sum of the lines, kept by the service")
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["project", "version"], name="budget_version_unique"),
            models.UniqueConstraint(
                fields=["project"],
                condition=Q(status="approved"),
                name="budget_one_approved_per_project",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="budget_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} budget v{self.version} ({self.status})"


class BudgetLine(TimeStampedModel):
    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    cost_category = models.ForeignKey(
        CostCategory, on_delete=models.PROTECT, related_name="budget_lines"
    )
    month = models.DateField(validators=[validate_first_of_month])
    expense_type = models.CharField(max_length=5, choices=ExpenseType.choices)
    amount = MoneyField()

    class Meta:
        ordering = ["budget_id", "month", "cost_category_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "cost_category", "month", "expense_type"],
                name="budget_line_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_line_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.cost_category} {self.month:%Y-%m}: {self.amount}"


class CostLine(TimeStampedModel):
    """An actual cost: from approved timesheets, a finance-system import, or typed in.

    Negative amounts are credits. ``reference`` (an invoice or ledger number)
    is unique per project and source so that re-running an import cannot
    double-count.
    """

    class Source(models.TextChoices):
        TIMESHEET = "timesheet", "Timesheet"
        IMPORT = "import", "Import"
        MANUAL = "manual", "Manual"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="cost_lines"
    )
    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="cost_lines"
    )
    cost_category = models.ForeignKey(
        CostCategory, on_delete=models.PROTECT, related_name="cost_lines"
    )
    month = models.DateField(validators=[validate_first_of_month])
    date = models.DateField(null=True, blank=True, help_text="Transaction date, when known")
    expense_type = models.CharField(max_length=5, choices=ExpenseType.choices)
    amount = MoneyField()
    currency = models.CharField(max_length=3, validators=[currency_validator])
    amount_org_currency = MoneyField()
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    reference = models.CharField(max_length=100, blank=True)
    description = models.CharField(max_length=300, blank=True)
    import_batch = models.CharField(max_length=64, blank=True, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["project_id", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "source", "reference"],
                condition=~Q(reference=""),
                name="cost_line_reference_unique",
            )
        ]
        indexes = [
            models.Index(fields=["project", "month"], name="cost_line_project_month_idx"),
            models.Index(fields=["organisation", "month"], name="cost_line_org_month_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m} {self.amount} {self.currency}"


class Forecast(TimeStampedModel):
    """Expected cost of a future month, as judged on ``as_of``; older forecasts are kept."""

    class Method(models.TextChoices):
        MANUAL = "manual", "Manual"
        BUDGET_REMAINING = "budget_remaining", "Remaining budget"
        CPI = "cpi", "Earned value (CPI)"
        CPI_SPI = "cpi_spi", "Earned value (CPI x SPI)"
        RUN_RATE = "run_rate", "Run rate"

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="forecasts"
    )
    as_of = models.DateField()
    month = models.DateField(validators=[validate_first_of_month])
    expense_type = models.CharField(
        max_length=5, choices=ExpenseType.choices, default=ExpenseType.OPEX
    )
    amount = MoneyField()
    method = models.CharField(max_length=20, choices=Method.choices, default=Method.MANUAL)
    note = models.CharField(max_length=300, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["project_id", "-as_of", "month"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "as_of", "month", "expense_type"], name="forecast_unique"
            )
        ]
        indexes = [models.Index(fields=["project", "month"], name="forecast_project_month_idx")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.month:%Y-%m} as of {self.as_of}: {self.amount}"


class Benefit(TimeStampedModel):
    """An outcome a project promises, tracked month by month through ``BenefitValue`` rows."""

    class Category(models.TextChoices):
        REVENUE = "revenue", "Revenue"
        COST_SAVING = "cost_saving", "Cost saving"
        COST_AVOIDANCE = "cost_avoidance", "Cost avoidance"
        PRODUCTIVITY = "productivity", "Productivity"
        CUSTOMER = "customer", "Customer satisfaction"
        COMPLIANCE = "compliance", "Compliance"
        RISK_REDUCTION = "risk_reduction", "Risk reduction"
        STRATEGIC = "strategic", "Strategic"

    class Kind(models.TextChoices):
        FINANCIAL = "financial", "Financial"
        NON_FINANCIAL = "non_financial", "Non-financial"

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="benefits"
    )
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=15, choices=Category.choices)
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.FINANCIAL)
    measure = models.CharField(max_length=200, blank=True, help_text="How it is measured")
    unit = models.CharField(max_length=30, blank=True, help_text="Currency code or unit")
    baseline_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    target_value = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_benefits",
    )

    class Meta:
        ordering = ["project_id", "name"]

    def __str__(self) -> str:
        return self.name


class BenefitValue(TimeStampedModel):
    """Planned and realised amount of a benefit in one month."""

    benefit = models.ForeignKey(Benefit, on_delete=models.CASCADE, related_name="values")
    month = models.DateField(validators=[validate_first_of_month])
    planned = models.DecimalField(max_digits=18, decimal_places=4, default=Decimal("0"))
    realised = models.DecimalField(max_digits=18, decimal_places=4, null=True, blank=True)

    class Meta:
        ordering = ["benefit_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["benefit", "month"], name="benefit_value_unique")
        ]

    def __str__(self) -> str:
        return f"{self.benefit} {self.month:%Y-%m}: {self.planned} / {self.realised}"


class ExchangeRate(TimeStampedModel):
    """Units of organisation currency for one unit of ``currency``, from ``effective_date`` on."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="exchange_rates"
    )
    currency = models.CharField(max_length=3, validators=[currency_validator])
    effective_date = models.DateField()
    rate_to_org_currency = models.DecimalField(max_digits=18, decimal_places=8)

    class Meta:
        ordering = ["currency", "-effective_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "currency", "effective_date"],
                name="exchange_rate_unique",
            ),
            models.CheckConstraint(
                condition=Q(rate_to_org_currency__gt=0), name="exchange_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} {self.rate_to_org_currency} from {self.effective_date}"
