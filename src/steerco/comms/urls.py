"""Comms pages, mounted at /comms/."""

from django.urls import path

from steerco.comms import views

app_name = "comms"

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        views.notification_read,
        name="notification_read",
    ),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("preferences/", views.preferences_save, name="preferences"),
    path("calendar-feeds/new/", views.calendar_feed_create, name="calendar_feed_create"),
    path(
        "calendar-feeds/<int:token_id>/revoke/",
        views.calendar_feed_revoke,
        name="calendar_feed_revoke",
    ),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
    path(
        "comments/<str:content_type>/<int:object_id>/",
        views.comments_panel,
        name="comments",
    ),
    path(
        "mentions/<str:content_type>/<int:object_id>/",
        views.mention_suggestions,
        name="mention_suggestions",
    ),
    path("comments/<int:comment_id>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:comment_id>/delete/", views.comment_delete, name="comment_delete"),
    path("projects/<int:project_id>/activity/", views.project_activity, name="project_activity"),
    path(
        "portfolios/<int:portfolio_id>/activity/",
        views.portfolio_activity,
        name="portfolio_activity",
    ),
    path("webhooks/", views.webhooks, name="webhooks"),
    path(
        "webhooks/<int:webhook_id>/deliveries/",
        views.webhook_deliveries,
        name="webhook_deliveries",
    ),
    path("webhooks/<int:webhook_id>/delete/", views.webhook_delete, name="webhook_delete"),
]
