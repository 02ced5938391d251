from django.contrib import admin
from django.db import models

from steerco.comms.models import (
    ActivityEvent,
    CalendarFeedToken,
    Comment,
    Mention,
    Notification,
    NotificationPreference,
    Subscription,
    Webhook,
    WebhookDelivery,
)


class MentionInline(admin.TabularInline):
    model = Mention
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ["id", "author", "content_type", "object_id", "project", "created_at"]
    list_filter = ["organisation", "content_type"]
    search_fields = ["body"]
    raw_id_fields = ["author", "project", "parent"]
    inlines = [MentionInline]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "kind", "title", "created_at", "read_at", "emailed_at"]
    list_filter = ["organisation", "kind"]
    search_fields = ["title", "recipient__username"]
    raw_id_fields = ["recipient", "actor"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "in_app", "email", "digest"]
    list_filter = ["kind", "digest"]
    raw_id_fields = ["user"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "frequency", "content_type", "object_id", "portfolio"]
    list_filter = ["organisation", "kind", "frequency"]
    raw_id_fields = ["user", "portfolio"]


@admin.register(ActivityEvent)
class ActivityEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "verb", "target_label", "project", "portfolio"]
    list_filter = ["organisation", "verb"]
    search_fields = ["verb", "target_label"]
    raw_id_fields = ["actor", "project", "portfolio"]


@admin.register(CalendarFeedToken)
class CalendarFeedTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at", "last_used_at", "revoked_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["token_hash", "last_used_at"]


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "organisation", "is_active"]
    list_filter = ["organisation", "is_active"]
    search_fields = ["name", "url"]
    raw_id_fields = ["created_by"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["webhook", "event", "status", "attempts", "response_code", "next_attempt_at"]
    list_filter = ["status", "event"]
    raw_id_fields = ["webhook"]
    readonly_fields = ["payload", "last_error"]
