"""API: comments, notifications and preferences, activity feeds, calendar feeds, webhooks.

Every endpoint makes one service or selector call; lists are paginated (``?page=&page_size=``,
responses ``{items, count}``); errors are problem details. Objects the user cannot see, and
anything of another organisation, are 404; notifications and feeds are the caller's own.
"""

# No "from __future__ import annotations": Ninja's @paginate re-reads the view's
# annotations outside this module, so they must be objects rather than strings.

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from steerco.api.helpers import request_user
from steerco.comms import selectors, services
from steerco.comms.access import access_comment_target, access_webhook_by_id
from steerco.comms.events import WEBHOOK_EVENTS
from steerco.comms.models import ActivityEvent, Comment, Notification, Webhook, WebhookDelivery

router = Router(tags=["comms"])


# Comments


class CommentOut(Schema):
    id: int
    content_type: str
    object_id: int
    project_id: int | None
    parent_id: int | None
    author: str | None
    body: str
    mentions: list[str]
    created_at: datetime.datetime
    edited_at: datetime.datetime | None

    @staticmethod
    def resolve_content_type(comment: Comment) -> str:
        return f"{comment.content_type.app_label}.{comment.content_type.model}"

    @staticmethod
    def resolve_author(comment: Comment) -> str | None:
        return comment.author.username if comment.author else None

    @staticmethod
    def resolve_mentions(comment: Comment) -> list[str]:
        return [mention.user.username for mention in comment.mentions.all()]


class CommentFilter(Schema):
    content_type: str
    object_id: int


class CommentIn(Schema):
    content_type: str
    object_id: int
    body: str
    parent_id: int | None = None


class CommentEdit(Schema):
    body: str


@router.get("/comments", response=list[CommentOut])
@paginate
def comment_list(request: HttpRequest, filters: Query[CommentFilter]) -> QuerySet[Comment]:
    target = access_comment_target(request_user(request), filters.content_type, filters.object_id)
    return (
        selectors.comments_of(target)
        .select_related("content_type")
        .prefetch_related("mentions__user")
    )


@router.post("/comments", response={201: CommentOut})
def comment_create(request: HttpRequest, payload: CommentIn) -> Status[Comment]:
    return Status(
        201, services.comment_create(acting_user=request_user(request), **payload.model_dump())
    )


@router.patch("/comments/{comment_id}", response=CommentOut)
def comment_update(request: HttpRequest, comment_id: int, payload: CommentEdit) -> Comment:
    return services.comment_update(
        acting_user=request_user(request), comment_id=comment_id, body=payload.body
    )


@router.delete("/comments/{comment_id}", response={204: None})
def comment_delete(request: HttpRequest, comment_id: int) -> Status[None]:
    services.comment_delete(acting_user=request_user(request), comment_id=comment_id)
    return Status(204, None)


# Notifications and preferences


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    url: str
    actor: str | None
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    emailed_at: datetime.datetime | None

    @staticmethod
    def resolve_actor(notification: Notification) -> str | None:
        return notification.actor.username if notification.actor else None


class NotificationFilter(Schema):
    unread: bool = False


class MarkedRead(Schema):
    marked: int


@router.get("/notifications", response=list[NotificationOut])
@paginate
def notification_list(
    request: HttpRequest, filters: Query[NotificationFilter]
) -> QuerySet[Notification]:
    return selectors.notifications_of(request_user(request), unread_only=filters.unread)


@router.post("/notifications/read-all", response=MarkedRead)
def notification_mark_all_read(request: HttpRequest) -> dict[str, int]:
    return {"marked": services.notification_mark_all_read(acting_user=request_user(request))}


@router.post("/notifications/{notification_id}/read", response=NotificationOut)
def notification_mark_read(request: HttpRequest, notification_id: int) -> Notification:
    return services.notification_mark_read(
        acting_user=request_user(request), notification_id=notification_id
    )


class PreferenceOut(Schema):
    kind: str
    label: str
    in_app: bool
    email: bool
    digest: str


class PreferenceIn(Schema):
    in_app: bool = True
    email: bool = True
    digest: str = "none"


@router.get("/notification-preferences", response=list[PreferenceOut])
def preference_list(request: HttpRequest) -> list[selectors.PreferenceRow]:
    return selectors.preferences_of(request_user(request))


@router.put("/notification-preferences/{kind}", response=PreferenceOut)
def preference_set(request: HttpRequest, kind: str, payload: PreferenceIn) -> dict[str, Any]:
    preference = services.preference_set(
        acting_user=request_user(request), kind=kind, **payload.model_dump()
    )
    return {
        "kind": preference.kind,
        "label": preference.get_kind_display(),
        "in_app": preference.in_app,
        "email": preference.email,
        "digest": preference.digest,
    }


# Activity feeds


class ActivityOut(Schema):
    id: int
    actor: str | None
    verb: str
    target_label: str
    target_type: str | None
    object_id: int | None
    project_id: int | None
    project_code: str | None
    portfolio_id: int | None
    data: dict[str, Any]
    created_at: datetime.datetime

    @staticmethod
    def resolve_actor(event: ActivityEvent) -> str | None:
        return event.actor.username if event.actor else None

    @staticmethod
    def resolve_target_type(event: ActivityEvent) -> str | None:
        return event.content_type.model if event.content_type else None

    @staticmethod
    def resolve_project_code(event: ActivityEvent) -> str | None:
        return event.project.code if event.project else None


@router.get("/projects/{project_id}/activity", response=list[ActivityOut])
@paginate
def project_activity(request: HttpRequest, project_id: int) -> QuerySet[ActivityEvent]:
    return selectors.activity_of_project(request_user(request), project_id).select_related(
        "content_type"
    )


@router.get("/portfolios/{portfolio_id}/activity", response=list[ActivityOut])
@paginate
def portfolio_activity(request: HttpRequest, portfolio_id: int) -> QuerySet[ActivityEvent]:
    return selectors.activity_of_portfolio(request_user(request), portfolio_id).select_related(
        "content_type"
    )


# Calendar feeds


class CalendarFeedOut(Schema):
    id: int
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None


class CalendarFeedCreated(CalendarFeedOut):
    url: str


@router.get("/calendar-feeds", response=list[CalendarFeedOut])
def calendar_feed_list(request: HttpRequest) -> Any:
    return selectors.calendar_feed_tokens_of(request_user(request))


@router.post("/calendar-feeds", response={201: CalendarFeedCreated})
def calendar_feed_create(request: HttpRequest) -> Status[dict[str, Any]]:
    token, raw = services.calendar_feed_token_create(acting_user=request_user(request))
    return Status(
        201,
        {
            "id": token.pk,
            "created_at": token.created_at,
            "last_used_at": None,
            "revoked_at": None,
            "url": request.build_absolute_uri(f"/comms/calendar/{raw}.ics"),
        },
    )


@router.delete("/calendar-feeds/{token_id}", response={204: None})
def calendar_feed_revoke(request: HttpRequest, token_id: int) -> Status[None]:
    services.calendar_feed_token_revoke(acting_user=request_user(request), token_id=token_id)
    return Status(204, None)


# Webhooks


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    events: list[str]
    is_active: bool
    created_at: datetime.datetime


class WebhookCreated(WebhookOut):
    secret: str


class WebhookIn(Schema):
    name: str
    url: str
    events: list[str] = []


class WebhookEdit(Schema):
    name: str | None = None
    url: str | None = None
    events: list[str] | None = None
    is_active: bool | None = None


class DeliveryOut(Schema):
    id: int
    event: str
    status: str
    attempts: int
    response_code: int | None
    last_error: str
    next_attempt_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    created_at: datetime.datetime


class WebhookEventOut(Schema):
    name: str
    description: str


@router.get("/webhook-events", response=list[WebhookEventOut])
def webhook_event_list(request: HttpRequest) -> list[dict[str, str]]:
    """The events a webhook may listen to (the catalogue is the same for everyone)."""
    request_user(request)
    return [{"name": event.name, "description": event.description} for event in WEBHOOK_EVENTS]


@router.get("/webhooks", response=list[WebhookOut])
@paginate
def webhook_list(request: HttpRequest) -> QuerySet[Webhook]:
    return selectors.webhooks_of(request_user(request))


@router.post("/webhooks", response={201: WebhookCreated})
def webhook_create(request: HttpRequest, payload: WebhookIn) -> Status[dict[str, Any]]:
    webhook, secret = services.webhook_create(
        acting_user=request_user(request), **payload.model_dump()
    )
    return Status(
        201,
        {
            "id": webhook.pk,
            "name": webhook.name,
            "url": webhook.url,
            "events": webhook.events,
            "is_active": webhook.is_active,
            "created_at": webhook.created_at,
            "secret": secret,
        },
    )


@router.patch("/webhooks/{webhook_id}", response=WebhookOut)
def webhook_update(request: HttpRequest, webhook_id: int, payload: WebhookEdit) -> Webhook:
    return services.webhook_update(
        acting_user=request_user(request),
        webhook_id=webhook_id,
        **payload.model_dump(exclude_unset=True),
    )


@router.delete("/webhooks/{webhook_id}", response={204: None})
def webhook_delete(request: HttpRequest, webhook_id: int) -> Status[None]:
    services.webhook_delete(acting_user=request_user(request), webhook_id=webhook_id)
    return Status(204, None)


@router.get("/webhooks/{webhook_id}/deliveries", response=list[DeliveryOut])
@paginate
def webhook_deliveries(request: HttpRequest, webhook_id: int) -> QuerySet[WebhookDelivery]:
    return selectors.deliveries_of(access_webhook_by_id(request_user(request), webhook_id))
