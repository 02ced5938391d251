"""Comments and mentions, notifications and preferences, subscriptions, activity, webhooks.

Organisation scoping: ``Comment``, ``Notification``, ``Subscription``,
``ActivityEvent`` and ``Webhook`` carry a direct ``organisation`` foreign key.
Child rows inherit it from their parent: ``Mention`` (comment),
``WebhookDelivery`` (webhook). ``NotificationPreference`` and
``CalendarFeedToken`` belong to a user, who belongs to one organisation.

Comments, subscriptions and activity point at any object (project, task, RAID
item, gate review, status report) through a generic foreign key; they also
carry the ``project`` the object belongs to, when there is one, so that
"who may see this" is a single project access check and project feeds need no
per-type joins.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q

from steerco.core.models import TimeStampedModel


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Mentioned in a comment"
    COMMENT = "comment", "Comment on something I follow"
    ASSIGNMENT = "assignment", "Assigned to a task or a RAID item"
    GATE_REVIEW_REQUESTED = "gate_review_requested", "Gate review requested"
    GATE_REVIEW_DECIDED = "gate_review_decided", "Gate review decided"
    GATE_REVIEW_WITHDRAWN = "gate_review_withdrawn", "Gate review withdrawn"
    CHANGE_REQUEST_SUBMITTED = "change_request_submitted", "Change request submitted"
    CHANGE_REQUEST_DECIDED = "change_request_decided", "Change request decided"
    TIMESHEET_SUBMITTED = "timesheet_submitted", "Timesheet submitted"
    TIMESHEET_DECIDED = "timesheet_decided", "Timesheet approved or rejected"
    RESOURCE_REQUEST_SUBMITTED = "resource_request_submitted", "Resource request submitted"
    RESOURCE_REQUEST_DECIDED = "resource_request_decided", "Resource request decided"
    STATUS_REPORT_DUE = "status_report_due", "Status report due"
    MILESTONE_SLIPPED = "milestone_slipped", "Milestone slipped"
    RISK_ESCALATED = "risk_escalated", "Risk escalated"
    JOB_FINISHED = "job_finished", "Background job finished"
    REPORT_PACK_READY = "report_pack_ready", "Executive pack ready"


class Comment(TimeStampedModel):
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="comments",
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
    )
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="replies"
    )
    body = models.TextField()
    edited_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="comment_target_idx"),
            models.Index(fields=["project", "-created_at"], name="comment_project_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:60]}"


class Mention(TimeStampedModel):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentions"
    )

    class Meta:
        ordering = ["comment_id", "user_id"]
        constraints = [models.UniqueConstraint(fields=["comment", "user"], name="mention_unique")]

    def __str__(self) -> str:
        return f"@{self.user} in comment {self.comment_id}"


class Notification(TimeStampedModel):
    """One thing to tell one user, in the app and by e-mail as their preferences say.

    ``emailed_at`` is when it left by e-mail (alone or in a digest); ``email_skipped`` marks a
    row that will never be e-mailed, decided when it was written (the recipient had e-mail off
    for its kind, or no address), so that switching e-mail on later never mails the backlog.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_skipped = models.BooleanField(
        default=False, help_text="Never to be e-mailed: the recipient did not want it by e-mail"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at"], name="notification_recent_idx"),
            # The e-mail sweep reads only the recent rows still waiting for an e-mail.
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True, email_skipped=False),
                name="notification_email_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient}: {self.title}"


class NotificationPreference(TimeStampedModel):
    """How a user wants one kind of notification; no row means in-app and email, no digest."""

    class Digest(models.TextChoices):
        NONE = "none", "Send each one"
        DAILY = "daily", "Daily digest"
        WEEKLY = "weekly", "Weekly digest"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40, choices=NotificationKind.choices)
    in_app = models.BooleanField(default=True)
    email = models.BooleanField(default=True)
    digest = models.CharField(max_length=6, choices=Digest.choices, default=Digest.NONE)

    class Meta:
        ordering = ["user_id", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"


class Subscription(TimeStampedModel):
    """A user follows an object, or receives a portfolio's executive pack on a schedule."""

    class Kind(models.TextChoices):
        FOLLOW = "follow", "Follow"
        EXECUTIVE_PACK = "executive_pack", "Executive pack"

    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", "As it happens"
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="subscriptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    kind = models.CharField(max_length=15, choices=Kind.choices, default=Kind.FOLLOW)
    frequency = models.CharField(
        max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    portfolio = models.ForeignKey(
        "portfolios.Portfolio",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="subscriptions",
    )

    class Meta:
        ordering = ["user_id", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__isnull=False, object_id__isnull=False)
                | Q(portfolio__isnull=False),
                name="subscription_has_target",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "content_type", "object_id"],
                condition=Q(content_type__isnull=False),
                name="subscription_object_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "kind", "portfolio"],
                condition=Q(content_type__isnull=True),
                name="subscription_portfolio_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="subscription_target_idx")
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind}"


class ActivityEvent(TimeStampedModel):
    """Something that happened, for feeds: "Ana approved gate G2 of PRJ-014"."""

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="activity_events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=60)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    target_label = models.CharField(
        max_length=200, blank=True, help_text="The target's name when it happened"
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activity_events",
    )
    portfolio = models.ForeignKey(
        "portfolios.Portfolio",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="activity_events",
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organisation", "-created_at"], name="activity_org_idx"),
            models.Index(fields=["project", "-created_at"], name="activity_project_idx"),
            models.Index(fields=["portfolio", "-created_at"], name="activity_portfolio_idx"),
            models.Index(fields=["content_type", "object_id"], name="activity_target_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.verb} {self.target_label}"


class CalendarFeedToken(TimeStampedModel):
    """A secret URL for a user's iCalendar feed; only a SHA-256 hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed_tokens"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"


class Webhook(TimeStampedModel):
    """An outside URL told about events; payloads are signed with ``secret`` (HMAC-SHA256).

    The secret is stored as given (not hashed) because signing needs it.
    """

    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="webhooks"
    )
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=128)
    events = models.JSONField(default=list, blank=True, help_text="Event names; empty = all")
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDelivery(TimeStampedModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "webhook deliveries"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx"),
            # The webhooks page reads each webhook's latest deliveries, newest first.
            models.Index(fields=["webhook", "-created_at"], name="webhook_delivery_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} -> {self.webhook} ({self.status})"
