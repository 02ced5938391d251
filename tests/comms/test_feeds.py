"""Activity feeds per project and portfolio, and the iCalendar feed of milestones."""

from __future__ import annotations

import datetime

import icalendar
import pytest

from steerco.comms import ical, selectors, services
from steerco.comms.models import ActivityEvent
from steerco.core.errors import NotFound
from tests.comms.conftest import World
from tests.factories import MilestoneFactory, ProjectFactory

pytestmark = pytest.mark.django_db


def test_activity_feeds_show_what_each_reader_may_see(world: World) -> None:
    portfolio = world.project.portfolio
    hidden = ProjectFactory.create(
        organisation=world.org.organisation, portfolio=portfolio, code="PRJ-002", manager=world.pmo
    )
    services.activity_record(
        actor=world.manager, verb="requested gate", label="G1", project=world.project
    )
    services.activity_record(actor=world.pmo, verb="re-planned", label="PRJ-002", project=hidden)
    services.activity_record(
        actor=world.pmo, verb="approved the roadmap of", label="Core", portfolio=portfolio
    )
    project_feed = selectors.activity_of_project(world.member, world.project.pk)
    assert [event.verb for event in project_feed] == ["requested gate"]
    assert project_feed[0].portfolio_id == portfolio.pk
    whole = selectors.activity_of_portfolio(world.pmo, portfolio.pk)
    assert [event.verb for event in whole] == [
        "approved the roadmap of",
        "re-planned",
        "requested gate",
    ]
    with pytest.raises(NotFound):
        selectors.activity_of_project(world.bystander, world.project.pk)
    with pytest.raises(NotFound):
        selectors.activity_of_portfolio(world.stranger, portfolio.pk)


def test_a_comment_is_recorded_in_the_project_feed(world: World) -> None:
    services.comment_create(
        acting_user=world.member,
        content_type="projects.project",
        object_id=world.project.pk,
        body="Done.",
    )
    event = ActivityEvent.objects.get()
    assert (event.verb, event.project, event.actor) == ("commented on", world.project, world.member)
    assert event.target_label == "PRJ-001 Invoice automation"


def test_calendar_feed_lists_visible_milestones_until_revoked(world: World) -> None:
    MilestoneFactory.create(
        project=world.project,
        name="Go-live",
        due_date=datetime.date(2026, 6, 30),
        forecast_date=datetime.date(2026, 7, 14),
        is_key=True,
    )
    MilestoneFactory.create(
        project=world.project, name="Ancient", due_date=datetime.date(2020, 1, 1)
    )
    other = ProjectFactory.create(organisation=world.org.organisation, code="PRJ-009")
    MilestoneFactory.create(project=other, name="Secret")
    token, raw = services.calendar_feed_token_create(acting_user=world.member)
    assert token.token_hash != raw and len(token.token_hash) == 64

    text = ical.milestone_calendar(
        raw, base_url="https://steerco.test", today=datetime.date(2026, 6, 1)
    )
    calendar = icalendar.Calendar.from_ical(text)
    events = list(calendar.walk("VEVENT"))
    assert [str(event["summary"]) for event in events] == ["PRJ-001: Go-live"]
    (event,) = events
    assert event.decoded("dtstart") == datetime.date(2026, 7, 14)
    assert event.decoded("dtend") == datetime.date(2026, 7, 15)
    assert "Due 2026-06-30" in str(event["description"])
    assert str(event["url"]) == f"https://steerco.test/projects/{world.project.pk}/"
    token.refresh_from_db()
    assert token.last_used_at is not None

    with pytest.raises(NotFound):
        services.calendar_feed_token_revoke(acting_user=world.manager, token_id=token.pk)
    services.calendar_feed_token_revoke(acting_user=world.member, token_id=token.pk)
    with pytest.raises(NotFound):
        ical.milestone_calendar(raw)
    with pytest.raises(NotFound):
        ical.milestone_calendar("not-a-token")
