"""A user's milestones as an iCalendar (RFC 5545) feed, read through a secret token URL."""

from __future__ import annotations

import datetime

import icalendar
from django.utils import timezone

from steerco.comms.models import CalendarFeedToken
from steerco.comms.services import calendar_token_hash
from steerco.core.errors import NotFound
from steerco.projects.access import projects_visible_to
from steerco.projects.models import Milestone

# Calendar apps poll often; a bounded window keeps the feed small.
PAST_DAYS = 90
MAX_EVENTS = 2000


def feed_token_by_raw(raw_token: str) -> CalendarFeedToken:
    token = (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=calendar_token_hash(raw_token), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        raise NotFound("No such calendar feed.")
    return token


def milestone_calendar(
    raw_token: str, *, base_url: str = "", today: datetime.date | None = None
) -> bytes:
    """The iCalendar text of the milestones of the projects the token's user may see.

    Each milestone is an all-day event on its forecast date (or due date), with a UID that
    stays the same across polls so that calendar apps update rather than duplicate.
    """
    token = feed_token_by_raw(raw_token)
    CalendarFeedToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=PAST_DAYS)
    milestones = (
        Milestone.objects.filter(project__in=projects_visible_to(token.user).values("pk"))
        .filter(due_date__gte=since)
        .select_related("project")
        .order_by("due_date", "project__code", "name")[:MAX_EVENTS]
    )
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Steerco//Milestones//EN")
    calendar.add("version", "2.0")
    calendar.add(
        "x-wr-calname", f"Steerco milestones of {token.user.get_full_name() or token.user}"
    )
    stamp = timezone.now()
    for milestone in milestones:
        day = milestone.forecast_date or milestone.due_date
        event = icalendar.Event()
        event.add("uid", f"milestone-{milestone.pk}@steerco")
        event.add("dtstamp", stamp)
        event.add("dtstart", day)
        event.add("dtend", day + datetime.timedelta(days=1))
        event.add("summary", f"{milestone.project.code}: {milestone.name}")
        description = [f"Project {milestone.project.code} {milestone.project.name}"]
        description.append(f"Due {milestone.due_date:%Y-%m-%d}")
        if milestone.forecast_date and milestone.forecast_date != milestone.due_date:
            description.append(f"Forecast {milestone.forecast_date:%Y-%m-%d}")
        if milestone.achieved_date:
            description.append(f"Achieved {milestone.achieved_date:%Y-%m-%d}")
        event.add("description", "\n".join(description))
        if base_url:
            event.add("url", f"{base_url}/projects/{milestone.project_id}/")
        event.add("categories", ["Key milestone" if milestone.is_key else "Milestone"])
        calendar.add_component(event)
    return calendar.to_ical()
