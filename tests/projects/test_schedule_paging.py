"""The schedule page on large projects: one page of rows, filters, edits that keep the page,
and query counts that do not grow with the number of tasks."""

from __future__ import annotations

import datetime
import itertools
import random
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steerco.projects import schedule_selectors as selectors
from steerco.projects import schedule_services as services
from steerco.projects.models import Task, TaskLink
from tests.factories import ProjectMemberFactory
from tests.fixtures_people import PASSWORD
from tests.projects.schedule_fixtures import build_schedule

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_kept_schedules")]

HTMX = {"HTTP_HX_REQUEST": "true"}
DAY = 480
ROW_UID = re.compile(r'data-testid="task-row" data-uid="(\d+)"')


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def grow(project, count: int) -> None:
    """A chain of ``count`` one-day tasks (every third a two-day one), rescheduled."""
    project.start_date = datetime.date(2026, 1, 5)
    project.save()
    Task.objects.bulk_create(
        Task(
            project=project,
            uid=uid,
            name=f"Step {uid}",
            wbs=f"1.{uid}",
            sort_order=uid * 10,
            duration_minutes=(2 if uid % 3 == 0 else 1) * DAY,
        )
        for uid in range(1, count + 1)
    )
    tasks = list(Task.objects.filter(project=project).order_by("uid"))
    TaskLink.objects.bulk_create(
        TaskLink(project=project, predecessor=before, successor=after)
        for before, after in itertools.pairwise(tasks)
    )
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)


def uids_of(text: str) -> list[int]:
    return [int(uid) for uid in ROW_UID.findall(text)]


def page_url(project, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return reverse("schedule:page", args=[project.pk]) + (f"?{query}" if query else "")


def edit_url(project, task) -> str:
    return reverse("schedule:task_edit", args=[project.pk, task.pk])


@pytest.fixture
def manager(org):
    return logged_in(org.user("project_manager"))


@pytest.fixture
def large(project):
    grow(project, 450)
    return project


# -- paging --------------------------------------------------------------------------------


def test_the_page_shows_200_rows_in_order_with_links_to_the_others(manager, large):
    text = manager.get(page_url(large)).content.decode()

    assert uids_of(text) == list(range(1, 201))
    assert "Rows 1–200 of 450 tasks · page 1 of 3" in text
    assert 'data-testid="page-2"' in text and 'data-testid="page-3"' in text
    assert 'data-testid="critical-count">450 / 450' in text  # a chain: every task is critical
    # The Gantt chart draws the rows of the page only.
    gantt = text.split('class="gantt"')[1]
    assert gantt.count('data-role="bar"') == 200
    finish = Task.objects.filter(project=large).order_by("-planned_finish").first()
    assert f'data-testid="schedule-finish">{finish.planned_finish:%d %b %Y}' in text


def test_page_numbers_out_of_range_land_on_the_nearest_page(manager, large):
    assert uids_of(manager.get(page_url(large, page=3)).content.decode()) == list(range(401, 451))
    assert uids_of(manager.get(page_url(large, page=99)).content.decode())[0] == 401
    assert uids_of(manager.get(page_url(large, page="x")).content.decode())[0] == 1


def test_a_task_link_opens_the_page_that_holds_the_task_with_its_comments(manager, large):
    task = Task.objects.get(project=large, uid=420)

    text = manager.get(page_url(large, task=task.pk)).content.decode()

    assert uids_of(text)[0] == 401 and 420 in uids_of(text)
    comments = reverse("comms:comments", args=["projects.task", task.pk])
    assert f'hx-get="{comments}"' in text.split('<aside id="task-comments"')[1]


def test_an_htmx_page_link_answers_with_the_panel_only(manager, large):
    response = manager.get(page_url(large, page=2), **HTMX)

    text = response.content.decode()
    assert text.startswith('<div id="schedule-panel"')
    assert uids_of(text) == list(range(201, 401))


def test_rows_follow_the_outline_whatever_their_sort_order(org, project):
    """Sub-tasks show under their summary even when sorted after other tasks."""
    grow(project, 5)
    tasks = {task.uid: task for task in Task.objects.filter(project=project)}
    # Task 5 becomes a sub-task of task 1; task 4 of task 5.
    Task.objects.filter(pk=tasks[5].pk).update(parent=tasks[1])
    Task.objects.filter(pk=tasks[4].pk).update(parent=tasks[5])
    user = org.user("project_manager")

    first = selectors.schedule_window(user, project.pk, selectors.GridQuery(page_size=2))
    second = selectors.schedule_window(user, project.pk, selectors.GridQuery(page=2, page_size=2))

    assert [(row.uid, row.depth) for row in first.rows] == [(1, 0), (5, 1)]
    assert [(row.uid, row.depth) for row in second.rows] == [(4, 2), (2, 0)]
    assert first.rows[0].is_summary and first.rows[1].is_summary
    assert not second.rows[0].is_summary
    assert (first.pages, first.matching, first.task_count) == (3, 5, 5)


@pytest.mark.parametrize("seed", range(40))
def test_the_one_pass_outline_order_is_the_tree_walks(seed):
    """Random outlines, sorted in outline order or shuffled: both give the tree walk's rows."""
    rng = random.Random(seed)
    count = rng.randint(1, 60)
    parents: dict[int, int | None] = {}
    for pk in range(1, count + 1):
        parents[pk] = rng.choice([None, *range(1, pk)]) if pk > 1 else None
    if rng.random() < 0.1:
        parents[rng.randint(1, count)] = rng.randint(1, count)  # a loop written around services
    walked = selectors._outline_walk(list(parents.items()))
    orders = [[(pk, parents[pk]) for pk, _ in walked], list(parents.items())]
    rng.shuffle(orders[1])
    for pairs in orders:
        assert selectors._outline_order(pairs) == selectors._outline_walk(pairs)
    assert sorted(pk for pk, _ in walked) == list(range(1, count + 1))


# -- filters -------------------------------------------------------------------------------


def test_critical_only_shows_the_critical_path(manager, project):
    build_schedule(project)
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)

    text = manager.get(page_url(project, critical=1)).content.decode()

    assert uids_of(text) == [1, 2, 4, 6]
    assert "Rows 1–4 of 4 matching tasks (6 in all)" in text
    assert 'data-testid="critical-count">4 / 6' in text
    assert 'data-testid="grid-filter-clear"' in text


@pytest.mark.parametrize(
    ("search", "expected"),
    [("step 44", [44, *range(440, 450)]), ("1.12", [12, *range(120, 130)]), ("7", [7])],
)
def test_search_by_name_wbs_or_number(manager, large, search, expected):
    # "7" is a number: task 7, and the names and WBS codes that hold or start with it.
    text = manager.get(page_url(large, q=search)).content.decode()
    found = uids_of(text)
    assert set(expected) <= set(found)
    if search == "step 44":
        assert found == expected
    if search == "1.12":
        assert found == [12, *range(120, 130)]


def test_a_search_that_matches_nothing_says_so(manager, large):
    text = manager.get(page_url(large, q="nothing like this")).content.decode()
    assert uids_of(text) == [] and "No task matches." in text


# -- edits keep the page and the filter ----------------------------------------------------


def test_an_htmx_edit_answers_with_the_page_and_filter_it_was_made_on(manager, large):
    task = Task.objects.get(project=large, uid=250)
    finish_before = Task.objects.get(project=large, uid=450).planned_finish

    response = manager.post(
        edit_url(large, task),
        {"duration_days": "3", "changed": "duration_days", "page": "2", "critical": "1"},
        **HTMX,
    )

    text = response.content.decode()
    assert response.status_code == 200 and text.startswith('<div id="schedule-panel"')
    assert uids_of(text) == list(range(201, 401))
    finish = Task.objects.get(project=large, uid=450).planned_finish
    assert finish > finish_before
    assert re.search(r"Rescheduled: \d+ task\(s\) moved, finish", text)
    assert f"finish {finish:%d %b %Y}." in text
    # The totals are the whole project's, not the page's.
    assert f'data-testid="schedule-finish">{finish:%d %b %Y}' in text
    assert 'data-testid="critical-count">450 / 450' in text
    # The rows post the page and filter back with every edit.
    assert (
        'hx-vals="{&quot;page&quot;: &quot;2&quot;, &quot;critical&quot;: &quot;1&quot;}"' in text
    )


def test_an_added_task_shows_on_its_page(manager, large):
    response = manager.post(
        reverse("schedule:task_add", args=[large.pk]),
        {"name": "Handover", "duration_days": "1", "page": "1"},
        **HTMX,
    )
    text = response.content.decode()
    assert "Task added and rescheduled." in text
    assert uids_of(text)[-1] == 451 and "Handover" in text


def test_reschedule_and_delete_answer_with_the_same_page(manager, large):
    reschedule = reverse("schedule:reschedule", args=[large.pk])
    text = manager.post(reschedule, {"page": "3"}, **HTMX).content.decode()
    assert "Rescheduled: 0 task(s) moved." in text
    assert uids_of(text) == list(range(401, 451))

    task = Task.objects.get(project=large, uid=420)
    delete = reverse("schedule:task_delete", args=[large.pk, task.pk])
    text = manager.post(delete, {"page": "3"}, **HTMX).content.decode()
    assert "Task deleted and rescheduled." in text
    assert uids_of(text) == [*range(401, 420), *range(421, 451)]
    assert "Rows 401–449 of 449 tasks" in text


def test_a_plain_settings_post_redirects_to_the_same_page(manager, large):
    response = manager.post(
        reverse("schedule:settings", args=[large.pk]),
        {"start_date": "2026-02-02", "status_date": "", "page": "3", "q": "Step"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith("?page=3&q=Step")


def test_a_task_changed_elsewhere_shows_the_schedule_is_out_of_date(manager, project):
    tasks = build_schedule(project)
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)
    assert "out of date" not in manager.get(page_url(project)).content.decode()

    build = Task.objects.get(pk=tasks["build"].pk)
    build.duration_minutes = 12 * DAY
    build.save()  # the projects API: saved without a reschedule

    assert "out of date" in manager.get(page_url(project)).content.decode()


def test_conflicts_show_on_their_rows_and_in_the_count(manager, project):
    tasks = build_schedule(project)
    services.schedule_edit(
        acting_user=project.manager,
        project_id=project.pk,
        task_edits=[
            {
                "task_id": tasks["test"].pk,
                "constraint_type": "FNLT",
                "constraint_date": datetime.date(2026, 1, 8),
            }
        ],
    )
    text = manager.get(page_url(project)).content.decode()
    assert 'data-testid="conflict-4"' in text
    # And the same after an htmx edit, from the edit's own reschedule.
    response = manager.post(
        edit_url(project, tasks["docs"]), {"name": "Docs", "changed": "name"}, **HTMX
    )
    assert 'data-testid="conflict-4"' in response.content.decode()


# -- permissions ---------------------------------------------------------------------------


def test_outsiders_get_404_and_readers_cannot_edit(org, other_org, large):
    member = org.user("team_member")
    ProjectMemberFactory(project=large, user=member)
    reader = logged_in(member)
    text = reader.get(page_url(large, page=2)).content.decode()
    assert uids_of(text)[0] == 201 and 'name="duration_days"' not in text
    task = Task.objects.get(project=large, uid=250)
    edit = {"duration_days": "5", "changed": "duration_days", "page": "2"}
    assert reader.post(edit_url(large, task), edit, **HTMX).status_code == 403
    outsider = logged_in(other_org.user("administrator"))
    for url in (
        page_url(large, page=2),
        page_url(large, q="Step"),
        reverse("schedule:earned_value", args=[large.pk]),
    ):
        assert outsider.get(url).status_code == 404, url
        assert outsider.get(url, **HTMX).status_code == 404, url
    assert outsider.post(edit_url(large, task), edit, **HTMX).status_code == 404
    assert Task.objects.get(pk=task.pk).duration_minutes == DAY


# -- earned value, loaded after the panel --------------------------------------------------


def test_earned_value_loads_after_the_panel(manager, project):
    tasks = build_schedule(project)
    for key, cost in (("design", 2000), ("build", 8000)):
        Task.objects.filter(pk=tasks[key].pk).update(cost=Decimal(cost))
    project.schedule_status_date = datetime.datetime(2026, 1, 9, 17, tzinfo=datetime.UTC)
    project.save()
    url = reverse("schedule:earned_value", args=[project.pk])

    text = manager.get(page_url(project)).content.decode()
    assert f'hx-get="{url}" hx-trigger="load"' in text
    assert "Capture a baseline" in manager.get(url).content.decode()

    services.baseline_capture(acting_user=project.manager, project_id=project.pk)
    Task.objects.filter(pk=tasks["design"].pk).update(percent_complete=Decimal(100))

    text = manager.get(url).content.decode()
    assert 'data-testid="spi"' in text and 'data-testid="cpi"' in text


# -- query counts --------------------------------------------------------------------------


def _queries(client, method, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, data, **HTMX) if data else client.get(url)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def test_the_page_and_an_edit_cost_the_same_queries_at_any_size(
    org, make_project, manager, django_assert_num_queries
):
    small = make_project(code="SML-1")
    large = make_project(code="LRG-1")
    grow(small, 5)
    grow(large, 300)
    counts = {}
    for project in (small, large):
        manager.get(page_url(project))  # the engine's check, kept for the following pages
        page = _queries(manager, "get", page_url(project, page=2))
        task = Task.objects.get(project=project, uid=3)
        edit = {"duration_days": "4", "changed": "duration_days", "page": "2"}
        _queries(manager, "post", edit_url(project, task), edit)  # warms the kept network
        edit["duration_days"] = "5"
        counts[project.code] = (page, _queries(manager, "post", edit_url(project, task), edit))
    assert counts["SML-1"] == counts["LRG-1"], counts
    with django_assert_num_queries(counts["LRG-1"][0]):
        manager.get(page_url(large, page=2))
    # Session and user, the project, the fingerprint of the schedule (4 aggregates: the engine's
    # check and the outline are kept while it does not change), the page's tasks, calendars,
    # baselines, predecessors and assignments, the organisation.
    assert counts["LRG-1"][0] == 13
    # The edit: session and user, the service (a duration edit on the kept network: 17), then
    # the panel as above with the check of the edit's own reschedule kept under the state that
    # reschedule left (no fingerprint read), the outline read again (two integers per task,
    # the critical tasks' ids, the totals) and without the page's organisation.
    assert counts["LRG-1"][1] == 30


def test_after_settings_or_a_baseline_the_page_does_not_run_the_engine_again(manager, large):
    manager.get(page_url(large))
    normal = _queries(manager, "get", page_url(large))

    response = manager.post(
        reverse("schedule:settings", args=[large.pk]), {"start_date": "2026-02-02"}
    )
    assert response.status_code == 302
    assert _queries(manager, "get", page_url(large)) == normal

    response = manager.post(reverse("schedule:baseline", args=[large.pk]), {"number": "0"})
    assert response.status_code == 302
    # One more query: the compared baseline's rows of the page.
    assert _queries(manager, "get", page_url(large)) == normal + 1
    text = manager.get(page_url(large, tab="baselines")).content.decode()
    assert "out of date" not in text and "Tasks 1–200 of 450" in text
    assert text.count('<td class="num">0</td></tr>') == 200  # no variance yet, 200 rows
