"""Comms pages, mounted at /comms/: notifications and preferences, the comments panel,
activity feeds, the calendar feed and webhooks."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from steerco.comms import ical, selectors, services
from steerco.comms.access import (
    CommentTarget,
    access_comment_by_id,
    access_comment_target,
    access_webhook_by_id,
    can_manage_webhooks,
)
from steerco.comms.events import WEBHOOK_EVENTS
from steerco.comms.models import NotificationKind, NotificationPreference
from steerco.core.errors import NotFound, ValidationFailed
from steerco.portfolios.access import access_portfolio_by_id
from steerco.projects.access import access_project_by_id
from steerco.web.decorators import member_required, steerco_user

PAGE_SIZE = 50


@member_required
def notifications(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    unread_only = request.GET.get("unread") == "1"
    page = Paginator(selectors.notifications_of(user, unread_only=unread_only), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "comms/notifications.html",
        {
            "page": page,
            "unread_only": unread_only,
            "unread_count": selectors.unread_count(user),
            "preferences": selectors.preferences_of(user),
            "digest_choices": NotificationPreference.Digest.choices,
            "feeds": selectors.calendar_feed_tokens_of(user),
            "new_feed_url": request.session.pop("comms_new_feed_url", None),
        },
    )


@require_POST
@member_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification = services.notification_mark_read(
        acting_user=steerco_user(request), notification_id=notification_id
    )
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, "comms/_notification.html", {"notification": notification})
    # Stored URLs are ours, but a row written before they were checked must not send anyone
    # to another site.
    path = _local_path(request, notification.url)
    return redirect(path) if path else redirect("comms:notifications")


@require_POST
@member_required
def notification_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.notification_mark_all_read(acting_user=steerco_user(request))
    messages.success(request, f"{marked} notification(s) marked read.")
    return redirect("comms:notifications")


@require_POST
@member_required
def preferences_save(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    for kind in NotificationKind.values:
        services.preference_set(
            acting_user=user,
            kind=kind,
            in_app=request.POST.get(f"{kind}-in_app") == "on",
            email=request.POST.get(f"{kind}-email") == "on",
            digest=request.POST.get(f"{kind}-digest", NotificationPreference.Digest.NONE),
        )
    messages.success(request, "Preferences saved.")
    return redirect("comms:notifications")


@require_POST
@member_required
def calendar_feed_create(request: HttpRequest) -> HttpResponse:
    _, raw = services.calendar_feed_token_create(acting_user=steerco_user(request))
    # Shown once on the next page, never stored in clear.
    request.session["comms_new_feed_url"] = request.build_absolute_uri(f"/comms/calendar/{raw}.ics")
    return redirect("comms:notifications")


@require_POST
@member_required
def calendar_feed_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    services.calendar_feed_token_revoke(acting_user=steerco_user(request), token_id=token_id)
    messages.success(request, "Calendar feed revoked.")
    return redirect("comms:notifications")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCalendar feed: the token in the address is the only credential."""
    try:
        body = ical.milestone_calendar(token, base_url=request.build_absolute_uri("/").rstrip("/"))
    except NotFound as error:
        raise Http404(str(error)) from error
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _local_path(request: HttpRequest, url: str) -> str:
    """``url`` reduced to a path (and query) on this site, or "" if it could lead elsewhere.

    A browser reads "//host/x" (and "/\\host/x") as another site, so such paths are refused
    even when the address they came in names this host.
    """
    if not url or not url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return ""
    if not url_has_allowed_host_and_scheme(path, allowed_hosts={request.get_host()}):
        return ""
    return path


def _page_of(request: HttpRequest, target: CommentTarget) -> str:
    """Where a notification about a comment should lead: the object's own page.

    Every kind of target has one; the page the panel sits on (``HX-Current-URL``, a header
    the client writes) is only a fallback, and only as a path on this site.
    """
    if target.url:
        return target.url
    current = _local_path(request, request.headers.get("HX-Current-URL", ""))
    return current or reverse("comms:comments", args=[target.content_type, target.object.pk])


def _comments_context(
    request: HttpRequest, content_type: str, object_id: int, target: CommentTarget | None = None
) -> dict[str, object]:
    user = steerco_user(request)
    target = target or access_comment_target(user, content_type, object_id)
    return {
        "target": target,
        "comments": selectors.comments_of(target),
        "me": user,
    }


@require_http_methods(["GET", "POST"])
@member_required
def comments_panel(request: HttpRequest, content_type: str, object_id: int) -> HttpResponse:
    """The comments of one object, as a fragment that any page may load with htmx."""
    error = None
    body = ""
    target = access_comment_target(steerco_user(request), content_type, object_id)
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            services.comment_create(
                acting_user=steerco_user(request),
                content_type=content_type,
                object_id=object_id,
                body=body,
                url=_page_of(request, target),
            )
            body = ""
        except ValidationFailed as failure:
            error = "; ".join(m for messages_ in failure.errors.values() for m in messages_)
    context = _comments_context(request, content_type, object_id, target)
    context.update({"error": error, "body": body})
    template = "comms/_comments.html" if request.htmx else "comms/comments.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_GET
@member_required
def mention_suggestions(request: HttpRequest, content_type: str, object_id: int) -> JsonResponse:
    """Who the author may mention on this object, for the comment box's suggestions."""
    user = steerco_user(request)
    target = access_comment_target(user, content_type, object_id)
    suggestions = selectors.mention_suggestions(target, typed=request.GET.get("q", ""), author=user)
    return JsonResponse({"people": [{"username": s.username, "name": s.name} for s in suggestions]})


@require_POST
@member_required
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    """The author rewrites a comment; the panel comes back with it (or with the error)."""
    user = steerco_user(request)
    comment = access_comment_by_id(user, comment_id, for_edit=True)
    content_type = f"{comment.content_type.app_label}.{comment.content_type.model}"
    object_id = comment.object_id
    target = access_comment_target(user, content_type, object_id)
    error = None
    try:
        services.comment_update(
            acting_user=user,
            comment_id=comment_id,
            body=request.POST.get("body", ""),
            url=_page_of(request, target),
        )
    except ValidationFailed as failure:
        error = "; ".join(m for messages_ in failure.errors.values() for m in messages_)
    context = _comments_context(request, content_type, object_id, target)
    context.update({"error": error, "body": ""})
    template = "comms/_comments.html" if request.htmx else "comms/comments.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_POST
@member_required
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    user = steerco_user(request)
    comment = access_comment_by_id(user, comment_id, for_edit=True)
    content_type = f"{comment.content_type.app_label}.{comment.content_type.model}"
    object_id = comment.object_id
    services.comment_delete(acting_user=user, comment_id=comment_id)
    context = _comments_context(request, content_type, object_id)
    context.update({"error": None, "body": ""})
    template = "comms/_comments.html" if request.htmx else "comms/comments.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@member_required
def project_activity(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access_project_by_id(user, project_id)
    page = Paginator(selectors.activity_of_project(user, project_id), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "comms/activity.html",
        {"page": page, "heading": f"Activity of {project.code} {project.name}", "project": project},
    )


@member_required
def portfolio_activity(request: HttpRequest, portfolio_id: int) -> HttpResponse:
    user = steerco_user(request)
    portfolio = access_portfolio_by_id(user, portfolio_id)
    page = Paginator(selectors.activity_of_portfolio(user, portfolio_id), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "comms/activity.html",
        {"page": page, "heading": f"Activity of portfolio {portfolio.name}", "project": None},
    )


@require_http_methods(["GET", "POST"])
@member_required
def webhooks(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    new_secret = None
    error = None
    if request.method == "POST":
        try:
            _, new_secret = services.webhook_create(
                acting_user=user,
                name=request.POST.get("name", ""),
                url=request.POST.get("url", ""),
                events=[e.strip() for e in request.POST.get("events", "").split(",") if e.strip()],
            )
        except ValidationFailed as failure:
            error = "; ".join(m for messages_ in failure.errors.values() for m in messages_)
    return render(
        request,
        "comms/webhooks.html",
        {
            "webhooks": selectors.webhooks_with_recent_deliveries(user),
            "new_secret": new_secret,
            "error": error,
            "can_manage": can_manage_webhooks(user),
            "event_catalogue": WEBHOOK_EVENTS,
        },
    )


@require_GET
@member_required
def webhook_deliveries(request: HttpRequest, webhook_id: int) -> HttpResponse:
    """Every delivery of one webhook, newest first, a page at a time."""
    webhook = access_webhook_by_id(steerco_user(request), webhook_id)
    page = Paginator(selectors.deliveries_of(webhook).defer("payload"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "comms/webhook_deliveries.html", {"webhook": webhook, "page": page})


@require_POST
@member_required
def webhook_delete(request: HttpRequest, webhook_id: int) -> HttpResponse:
    services.webhook_delete(acting_user=steerco_user(request), webhook_id=webhook_id)
    messages.success(request, "Webhook deleted.")
    return redirect("comms:webhooks")
