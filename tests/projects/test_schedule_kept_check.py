"""The schedule page keeps the engine's check under the state its own reschedule left.

A page that follows an edit shows the check of the reschedule the edit made, and keeps it for
the next pages while the schedule does not change. It used to keep it under a fingerprint read
after the edit's commit: a write another process committed in between was then taken as
checked, and the "out of date" banner stayed hidden until the next change.
"""

from __future__ import annotations

import datetime

import pytest

from steerco.projects import schedule_cache
from steerco.projects import schedule_selectors as selectors
from steerco.projects import schedule_services as services
from steerco.projects.models import Project, Task
from tests.projects.schedule_fixtures import DAY, chain

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_kept_schedules")]


def _chain(project: Project) -> list[Task]:
    tasks = chain(project, 6)
    services.project_reschedule(acting_user=project.manager, project_id=project.pk)
    return tasks


def _fresh(project: Project) -> Project:
    """The project as a new request reads it (its ``scheduled_at`` is part of the state)."""
    return Project.objects.get(pk=project.pk)


def _edit(project: Project, task: Task, days: int) -> services.RescheduleOutcome:
    return services.schedule_edit(
        acting_user=project.manager,
        project_id=project.pk,
        task_edits=[{"task_id": task.pk, "duration_minutes": days * DAY}],
    )


@pytest.mark.parametrize("incremental", [True, False])
def test_a_write_committed_just_after_an_edit_still_shows_as_out_of_date(
    project: Project, incremental: bool
) -> None:
    tasks = _chain(project)
    if not incremental:
        schedule_cache.forget()
    # The page has been looked at: its check is kept from now on.
    assert selectors.schedule_window(project.manager, project.pk).check.stale is False
    outcome = _edit(project, tasks[0], 2)
    # Another process saves a task without rescheduling, between the edit's commit and the
    # page the edit redirects to.
    other = Task.objects.get(pk=tasks[2].pk)
    other.duration_minutes = 5 * DAY
    other.save()
    after_edit = selectors.schedule_window(project.manager, project.pk, outcome=outcome)
    assert after_edit.check.stale is False  # what the edit's own reschedule found
    # The next page sees that the stored dates no longer follow from the tasks.
    assert selectors.schedule_window(project.manager, project.pk).check.stale is True


@pytest.mark.parametrize("incremental", [True, False])
def test_without_other_writes_the_next_page_reuses_the_kept_check(
    project: Project, incremental: bool
) -> None:
    tasks = _chain(project)
    if not incremental:
        schedule_cache.forget()
    selectors.schedule_window(project.manager, project.pk)
    outcome = _edit(project, tasks[0], 3)
    # The state the reschedule's transaction left is what the database shows after it.
    assert outcome.fingerprint == schedule_cache.fingerprint_of(_fresh(project))
    selectors.schedule_window(project.manager, project.pk, outcome=outcome)
    kept = selectors.schedule_check_kept(_fresh(project))
    assert kept is not None and kept.stale is False


def test_the_settings_and_baseline_pages_keep_the_check_of_their_reschedule(
    project: Project,
) -> None:
    _chain(project)
    selectors.schedule_window(project.manager, project.pk)
    outcome = services.schedule_settings_update(
        acting_user=project.manager,
        project_id=project.pk,
        changes={"start_date": datetime.date(2026, 1, 12)},
    )
    selectors.schedule_check_keep(project, selectors.check_of_outcome(outcome), outcome)
    assert selectors.schedule_check_kept(_fresh(project)) is not None
    rescheduled: list[services.RescheduleOutcome] = []
    services.baseline_capture(
        acting_user=project.manager, project_id=project.pk, rescheduled=rescheduled
    )
    (capture,) = rescheduled
    assert capture.fingerprint == schedule_cache.fingerprint_of(_fresh(project))
    selectors.schedule_check_keep(project, selectors.check_of_outcome(capture), capture)
    assert selectors.schedule_check_kept(_fresh(project)) is not None
