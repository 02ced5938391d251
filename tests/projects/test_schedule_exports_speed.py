"""The two exports of a whole schedule, the Gantt chart download and the earned value card:
what they show, and query counts that do not grow with the number of tasks."""

from __future__ import annotations

import datetime
import itertools
import math
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steerco.projects import schedule_charts as charts
from steerco.projects import schedule_selectors as selectors
from steerco.projects import schedule_services as services
from steerco.projects.models import Baseline, Project, Task, TaskLink
from tests.fixtures_people import PASSWORD
from tests.projects.schedule_fixtures import DAY, at, build_schedule, standard_calendar

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_kept_schedules")]

DATA_UID = re.compile(r'data-uid="(\d+)"')
WEEK = datetime.timedelta(days=7)


@pytest.fixture
def manager_user(org):
    return org.user("project_manager")


@pytest.fixture
def manager(manager_user) -> Client:
    client = Client()
    assert client.login(username=manager_user.username, password=PASSWORD)
    return client


def gantt_url(project) -> str:
    return reverse("schedule:gantt", args=[project.pk])


def earned_value_url(project) -> str:
    return reverse("schedule:earned_value", args=[project.pk])


def grow(project, count: int) -> None:
    """A summary task over a chain of ``count - 1`` tasks (every fifth a milestone) on a
    calendar with a holiday, costed, rescheduled and baselined, with progress on the first
    third."""
    project.calendar = standard_calendar(project.organisation, f"{project.code} standard")
    project.start_date = datetime.date(2026, 1, 5)
    project.save()
    Task.objects.create(project=project, uid=1, name="Delivery", sort_order=10)
    summary = Task.objects.get(project=project, uid=1)
    Task.objects.bulk_create(
        Task(
            project=project,
            uid=uid,
            name=f"Step {uid}",
            parent=summary,
            sort_order=uid * 10,
            duration_minutes=0 if uid % 5 == 0 else (1 + uid % 3) * DAY,
            is_milestone=uid % 5 == 0,
            cost=Decimal(100 * (uid % 7)),
        )
        for uid in range(2, count + 1)
    )
    steps = list(Task.objects.filter(project=project, uid__gt=1).order_by("uid"))
    TaskLink.objects.bulk_create(
        TaskLink(project=project, predecessor=before, successor=after)
        for before, after in itertools.pairwise(steps)
    )
    services.baseline_capture(acting_user=project.manager, project_id=project.pk)
    Task.objects.filter(pk__in=[step.pk for step in steps[: len(steps) // 3]]).update(
        percent_complete=Decimal(50), actual_cost=Decimal(70)
    )
    Project.objects.filter(pk=project.pk).update(schedule_status_date=at(20, 17, month=2))


def queries_of(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


# -- query counts --------------------------------------------------------------------------


def test_the_exports_cost_the_same_queries_at_any_size(
    make_project, manager, django_assert_num_queries
):
    small = make_project(code="SML-1")
    large = make_project(code="LRG-1")
    grow(small, 5)
    grow(large, 300)
    counts = {}
    for project in (small, large):
        selectors.forget_checks()
        cold = queries_of(manager, gantt_url(project))  # runs the engine check and keeps it
        kept = queries_of(manager, gantt_url(project))
        counts[project.code] = (cold, kept, queries_of(manager, earned_value_url(project)))
    assert counts["SML-1"] == counts["LRG-1"], counts
    # Session and user, the project, the fingerprint of the schedule (4 aggregates), every
    # task's chart fields (one query of plain values), the compared baseline and its rows'
    # dates, the project calendar and its exceptions.
    with django_assert_num_queries(12):
        manager.get(gantt_url(large))
    # Without a kept check: the engine's inputs (tasks, links, calendars and exceptions) and
    # the outline the page keeps with it (tasks' places, the critical ones, the totals).
    assert counts["LRG-1"][0] == 19
    # Session and user, the project, the compared baseline, every task's progress and actual
    # cost, the baseline's rows, the organisation (its currency, in the card).
    with django_assert_num_queries(7):
        manager.get(earned_value_url(large))


# -- the Gantt chart download --------------------------------------------------------------


def test_the_download_draws_one_bar_per_task_with_its_baseline(make_project, manager):
    project = make_project(code="GNT-1")
    grow(project, 300)

    text = manager.get(gantt_url(project)).content.decode()

    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    # Every task has one bar, diamond or summary bracket, named by its number.
    uids = [int(uid) for uid in DATA_UID.findall(text)]
    assert sorted(uids) == list(range(1, 301))
    assert text.count('data-role="summary"') == 1
    assert text.count('data-role="milestone"') == 300 // 5
    assert text.count('data-role="bar"') == 300 - 1 - 300 // 5
    assert text.count('data-role="baseline"') == 300
    # Progress on the first third of the steps (the milestones have no stripe).
    started = Task.objects.filter(project=project, percent_complete__gt=0, is_milestone=False)
    assert text.count('data-role="progress"') == started.count() > 0
    assert 'data-role="status-date"' in text


@pytest.fixture
def small_schedule(project, manager_user):
    """The six tasks of the shared fixture under a summary, costed, baselined, in progress,
    with a missed deadline."""
    tasks = build_schedule(project)
    summary = Task.objects.create(project=project, uid=7, name="Delivery & build", sort_order=5)
    Task.objects.filter(pk__in=[tasks["design"].pk, tasks["build"].pk]).update(parent=summary)
    Task.objects.filter(pk=tasks["design"].pk).update(cost=Decimal(1000))
    Task.objects.filter(pk=tasks["build"].pk).update(cost=Decimal(4000))
    test_task = Task.objects.get(pk=tasks["test"].pk)
    test_task.deadline = at(9, 17)
    test_task.save()
    services.baseline_capture(acting_user=manager_user, project_id=project.pk)
    Task.objects.filter(pk=tasks["design"].pk).update(
        percent_complete=Decimal(100), actual_cost=Decimal(1200)
    )
    Task.objects.filter(pk=tasks["build"].pk).update(
        percent_complete=Decimal(25), actual_cost=Decimal(900)
    )
    Project.objects.filter(pk=project.pk).update(schedule_status_date=at(9, 17))
    return {**tasks, "summary": summary}


def test_the_download_draws_each_task_where_its_dates_are(project, manager, small_schedule):
    text = manager.get(gantt_url(project)).content.decode()

    tasks = list(Task.objects.filter(project=project))
    baseline = {row.task_uid: row for row in Baseline.objects.get(project=project).tasks.all()}
    moments = [task.planned_start for task in tasks] + [task.planned_finish for task in tasks]
    moments += [row.start for row in baseline.values()] + [row.finish for row in baseline.values()]
    moments.append(at(9, 17))
    first = min(moments) - datetime.timedelta(days=1)
    last = max(moments) + datetime.timedelta(days=2)
    span = max((last - first).total_seconds(), 3600.0)

    def x(moment: datetime.datetime) -> float:
        # The chart's time scale runs from x=250 to x=1100.
        return 250 + (moment - first).total_seconds() / span * 850

    build = Task.objects.get(pk=small_schedule["build"].pk)
    assert build.is_critical
    left, right = x(build.planned_start), x(build.planned_finish)
    # Outline order: the summary, Design, Build: the third row.
    assert (
        f'<rect x="{left:.1f}" y="{34 + 2 * 22 + 4}" width="{right - left:.1f}" height="11" '
        'rx="2" fill="#c0392b" data-role="bar" data-uid="2" data-critical="1">'
        f"<title>2 Build: {build.planned_start:%Y-%m-%d} → {build.planned_finish:%Y-%m-%d}"
        " · critical · 25% complete</title></rect>"
    ) in text
    assert (
        f'<rect x="{left:.1f}" y="{34 + 2 * 22 + 8}" width="{(right - left) * 0.25:.1f}" '
        'height="3" fill="#7d2219" data-role="progress"/>'
    ) in text
    # The summary's name is escaped and drawn bold; the missed deadline marks its task.
    summary = Task.objects.get(pk=small_schedule["summary"].pk)
    colour = "#c0392b" if summary.is_critical else "#1d2733"
    assert (
        f'<text x="6" y="49" font-size="11" fill="{colour}" font-weight="bold">'
        "7 Delivery &amp; build</text>"
    ) in text
    assert text.count('font-weight="bold" fill="#d9931c"><title>') == 1
    assert "deadline" in text.split('fill="#d9931c"><title>')[1].split("</title>")[0].lower()
    live = Task.objects.get(pk=small_schedule["live"].pk)
    assert f'<path d="M{x(live.planned_finish):.1f},' in text


def test_the_download_is_the_chart_of_the_page_and_of_the_full_schedule_view(
    project, manager, manager_user, small_schedule
):
    """With every task on one page of the grid, the page's chart (read through the grid's own
    rows) and the chart of the full schedule view (which runs the engine itself) are the
    download, byte for byte."""
    download = manager.get(gantt_url(project)).content.decode()

    window = selectors.schedule_window(manager_user, project.pk)
    assert len(window.rows) == 7
    assert charts.gantt_svg(window) == download
    assert charts.gantt_svg(selectors.schedule_view(manager_user, project.pk)) == download


def test_a_schedule_without_dates_draws_the_empty_chart(project, manager):
    Task.objects.create(project=project, uid=1, name="Not scheduled", sort_order=10)

    text = manager.get(gantt_url(project)).content.decode()

    assert "No scheduled task yet." in text


# -- the earned value card -----------------------------------------------------------------


def expected_earned_value(project: Project, status: datetime.datetime) -> dict[str, float]:
    """Earned value worked out directly from the rows: each leaf task's baseline cost spread
    evenly over its baseline dates, the planned value taken at week ends and linear between
    them, EV = cost x % complete, AC = actual cost."""
    baseline = {row.task_uid: row for row in Baseline.objects.get(project=project).tasks.all()}
    tasks = list(Task.objects.filter(project=project))
    parents = {task.parent_id for task in tasks}
    measured = [
        (task, baseline[task.uid])
        for task in tasks
        if task.pk not in parents and task.uid in baseline and baseline[task.uid].start
    ]
    start = min(row.start for _, row in measured)
    finish = max(row.finish for _, row in measured)

    def planned_by(moment: datetime.datetime) -> float:
        total = 0.0
        for _, row in measured:
            if row.finish == row.start:
                share = 1.0 if moment >= row.finish else 0.0
            else:
                share = min(1.0, max(0.0, (moment - row.start) / (row.finish - row.start)))
            total += float(row.cost) * share
        return total

    budget = sum(float(row.cost) for _, row in measured)
    weeks = (status - start) / WEEK
    if weeks >= math.ceil((finish - start) / WEEK):
        planned = budget
    else:
        whole = math.floor(weeks)
        before = planned_by(start + whole * WEEK) if whole > 0 else 0.0
        after = planned_by(start + (whole + 1) * WEEK)
        planned = before + (after - before) * (weeks - whole)
    earned = sum(float(row.cost) * float(task.percent_complete) / 100 for task, row in measured)
    actual = sum(float(task.actual_cost) for task, _ in measured)
    return {
        "bac": budget,
        "pv": planned,
        "ev": earned,
        "ac": actual,
        "spi": earned / planned,
        "cpi": earned / actual,
        "eac": budget / (earned / actual),
    }


def test_the_card_shows_the_figures_worked_out_from_the_rows(
    project, manager, manager_user, small_schedule
):
    _, panel, note = selectors.earned_value_of(manager_user, project.pk)

    assert note == "" and panel is not None and panel.unit == "money"
    expected = expected_earned_value(project, at(9, 17))
    for name, value in expected.items():
        assert getattr(panel, name) == pytest.approx(value, rel=1e-12), name
    # The worked example of the schedule tests: Design fully planned by the end of week 1,
    # Build for 120 of its 297 hours, taken linearly to the status date 0.625 into the week.
    assert panel.bac == pytest.approx(5000)
    assert panel.ev == pytest.approx(2000)
    assert panel.ac == pytest.approx(2100)
    assert panel.pv == pytest.approx(0.625 * (1000 + 4000 * 120 / 297), rel=1e-9)
    # The card, and the panel of the full schedule view, show the same.
    assert selectors.schedule_view(manager_user, project.pk).earned_value == panel
    text = manager.get(earned_value_url(project)).content.decode()
    assert f'data-testid="spi">{expected["spi"]:.2f}<' in text
    assert f'data-testid="cpi">{expected["cpi"]:.2f}<' in text


def test_the_card_of_a_large_schedule_matches_the_rows(make_project, manager, manager_user):
    project = make_project(code="EVL-1")
    grow(project, 300)
    project.refresh_from_db()

    _, panel, _ = selectors.earned_value_of(manager_user, project.pk)

    assert panel is not None
    expected = expected_earned_value(project, project.schedule_status_date)
    for name, value in expected.items():
        assert getattr(panel, name) == pytest.approx(value, rel=1e-9), name


def test_the_card_explains_an_empty_panel(project, manager, manager_user):
    build_schedule(project)
    assert "Capture a baseline" in manager.get(earned_value_url(project)).content.decode()

    services.baseline_capture(acting_user=manager_user, project_id=project.pk)

    text = manager.get(earned_value_url(project)).content.decode()
    assert "no cost and no work" in text
