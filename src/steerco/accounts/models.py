"""Organisations, business units, users with their PMO role, and API tokens."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from steerco.core.models import TimeStampedModel

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
    "Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
)


class Organisation(TimeStampedModel):
    """A tenant. Nothing is ever shared across organisations."""

    name = models.CharField(max_length=200)
    code = models.CharField(max_length=40, unique=True, validators=[code_validator])
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code")
    discount_rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=Decimal("0.0800"),
        validators=[MinValueValidator(Decimal("-0.5")), MaxValueValidator(Decimal("1"))],
        help_text="Annual discount rate for NPV, e.g. 0.08 for 8%",
    )
    fiscal_year_start_month = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fiscal_year_start_month__gte=1, fiscal_year_start_month__lte=12),
                name="organisation_fiscal_month_range",
            ),
            models.CheckConstraint(
                condition=Q(discount_rate__gte=Decimal("-0.5"), discount_rate__lte=Decimal("1")),
                name="organisation_discount_rate_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BusinessUnit(TimeStampedModel):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="business_units"
    )
    code = models.CharField(max_length=40, validators=[code_validator])
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="business_unit_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """What a user does in the PMO; decides what they may see and change."""

    ADMINISTRATOR = "administrator", "Administrator"
    PMO_ANALYST = "pmo_analyst", "PMO analyst"
    PORTFOLIO_MANAGER = "portfolio_manager", "Portfolio manager"
    RESOURCE_MANAGER = "resource_manager", "Resource manager"
    PROJECT_MANAGER = "project_manager", "Project manager"
    TEAM_MEMBER = "team_member", "Team member"
    EXECUTIVE = "executive", "Executive"


class User(AbstractUser):
    """A person who logs in. Belongs to exactly one organisation."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.TEAM_MEMBER)
    business_unit = models.ForeignKey(
        BusinessUnit, on_delete=models.SET_NULL, null=True, blank=True, related_name="users"
    )
    title = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def display_name(self) -> str:
        return str(self)


class ApiToken(TimeStampedModel):
    """A personal API token. Only a SHA-256 hash is stored; the key is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
