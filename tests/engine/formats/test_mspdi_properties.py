"""Hypothesis properties of MSPDI: write-then-read identity, and schedules that respect links."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steerco.engine.formats.mspdi import read_mspdi, reschedule, write_mspdi
from steerco.engine.formats.mspdi_model import (
    Assignment,
    Baseline,
    Calendar,
    CalendarException,
    ConstraintType,
    Link,
    LinkType,
    MspdiProject,
    ProjectSettings,
    Recurrence,
    Resource,
    Task,
    TimephasedWork,
    WeekDay,
    WorkingTime,
    WorkWeek,
)
from steerco.engine.formats.mspdi_schedule import WorkingClock, build_calendars

TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\t\n\r"),
    max_size=12,
)
DATETIMES = st.datetimes(min_value=datetime(1995, 1, 1), max_value=datetime(2060, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0)
)
OPTIONAL_DATETIMES = st.none() | DATETIMES
DURATIONS = st.integers(min_value=0, max_value=10_000 * 3600)
FLOATS = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
FORMATS = st.sampled_from([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 19, 20, 21, 35, 39, 40, 53])
LAG_FORMATS = st.sampled_from([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 19, 20, 39, 52])
UID_REFERENCES = st.none() | st.integers(min_value=0, max_value=50)


@st.composite
def working_times(draw: st.DrawFn) -> tuple[WorkingTime, ...]:
    cuts = sorted(draw(st.sets(st.integers(0, 1440), min_size=0, max_size=6)))
    pairs = [(cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2)]
    return tuple(WorkingTime(start, finish) for start, finish in pairs)


@st.composite
def week_days(draw: st.DrawFn) -> tuple[WeekDay, ...]:
    kinds = sorted(draw(st.sets(st.integers(1, 7), max_size=7)))
    days = []
    for kind in kinds:
        working = draw(st.booleans())
        days.append(WeekDay(kind, working, draw(working_times()) if working else ()))
    return tuple(days)


@st.composite
def exceptions(draw: st.DrawFn) -> CalendarException:
    start = draw(DATETIMES)
    finish = start + timedelta(days=draw(st.integers(0, 400)), hours=draw(st.integers(0, 23)))
    working = draw(st.booleans())
    recurrence = None
    if draw(st.booleans()):
        recurrence = Recurrence(
            recurrence_type=draw(st.integers(2, 7)),
            period=draw(st.integers(1, 4)),
            occurrences=draw(st.none() | st.integers(1, 20)),
            entered_by_occurrences=draw(st.booleans()),
            days_of_week=draw(st.none() | st.integers(1, 127)),
            month=draw(st.none() | st.integers(0, 11)),
            month_item=draw(st.none() | st.integers(0, 9)),
            month_position=draw(st.none() | st.integers(0, 4)),
            month_day=draw(st.none() | st.integers(1, 31)),
        )
    return CalendarException(
        start,
        finish,
        working,
        draw(working_times()) if working else (),
        draw(TEXT),
        recurrence,
    )


@st.composite
def calendars(draw: st.DrawFn) -> tuple[Calendar, ...]:
    uids = sorted(draw(st.sets(st.integers(0, 50), min_size=1, max_size=3)))
    result = []
    for uid in uids:
        base = draw(st.none() | st.sampled_from(uids).filter(lambda other, uid=uid: other != uid))
        weeks = []
        for _ in range(draw(st.integers(0, 1))):
            start = draw(DATETIMES)
            weeks.append(WorkWeek(start, start + timedelta(days=30), draw(TEXT), draw(week_days())))
        result.append(
            Calendar(
                uid=uid,
                name=draw(TEXT),
                is_base=base is None,
                base_calendar_uid=base,
                week_days=draw(week_days()),
                exceptions=tuple(draw(st.lists(exceptions(), max_size=2))),
                work_weeks=tuple(weeks),
            )
        )
    return tuple(result)


def baselines() -> st.SearchStrategy[tuple[Baseline, ...]]:
    one = st.builds(
        Baseline,
        number=st.integers(0, 10),
        start=OPTIONAL_DATETIMES,
        finish=OPTIONAL_DATETIMES,
        duration=st.none() | DURATIONS,
        duration_format=st.none() | FORMATS,
        work=st.none() | DURATIONS,
        cost=st.none() | FLOATS,
    )
    return st.lists(one, max_size=2).map(lambda items: tuple(sorted(items, key=lambda b: b.number)))


@st.composite
def tasks(draw: st.DrawFn) -> tuple[Task, ...]:
    uids = draw(st.lists(st.integers(0, 200), min_size=1, max_size=5, unique=True))
    result = []
    for position, uid in enumerate(uids):
        earlier = uids[:position]
        links = (
            tuple(
                Link(
                    predecessor_uid=predecessor,
                    link_type=draw(st.sampled_from(LinkType)),
                    lag=draw(st.integers(-100_000, 100_000)),
                    lag_format=draw(LAG_FORMATS),
                )
                for predecessor in draw(st.lists(st.sampled_from(earlier), unique=True, max_size=2))
            )
            if earlier
            else ()
        )
        constraint = draw(st.sampled_from(ConstraintType))
        needs_date = constraint not in (
            ConstraintType.AS_SOON_AS_POSSIBLE,
            ConstraintType.AS_LATE_AS_POSSIBLE,
        )
        result.append(
            Task(
                uid=uid,
                id=draw(st.none() | st.integers(0, 1000)),
                name=draw(TEXT),
                wbs=draw(TEXT),
                outline_number=draw(TEXT),
                outline_level=draw(st.integers(0, 5)),
                task_type=draw(st.integers(0, 2)),
                active=draw(st.booleans()),
                manual=draw(st.booleans()),
                is_null=draw(st.booleans()),
                summary=draw(st.booleans()),
                milestone=draw(st.booleans()),
                estimated=draw(st.booleans()),
                effort_driven=draw(st.booleans()),
                priority=draw(st.integers(0, 1000)),
                start=draw(OPTIONAL_DATETIMES),
                finish=draw(OPTIONAL_DATETIMES),
                duration=draw(st.none() | DURATIONS),
                duration_format=draw(FORMATS),
                manual_start=draw(OPTIONAL_DATETIMES),
                manual_duration=draw(st.none() | DURATIONS),
                work=draw(st.none() | DURATIONS),
                constraint_type=constraint,
                constraint_date=draw(DATETIMES if needs_date else OPTIONAL_DATETIMES),
                deadline=draw(OPTIONAL_DATETIMES),
                calendar_uid=draw(UID_REFERENCES),
                ignore_resource_calendar=draw(st.booleans()),
                leveling_delay=draw(st.integers(0, 100_000)),
                leveling_delay_format=draw(FORMATS),
                percent_complete=draw(st.integers(0, 100)),
                percent_work_complete=draw(st.integers(0, 100)),
                actual_start=draw(OPTIONAL_DATETIMES),
                actual_finish=draw(OPTIONAL_DATETIMES),
                actual_duration=draw(st.none() | DURATIONS),
                remaining_duration=draw(st.none() | DURATIONS),
                cost=draw(st.none() | FLOATS),
                fixed_cost=draw(FLOATS),
                notes=draw(TEXT),
                predecessors=links,
                baselines=draw(baselines()),
            )
        )
    return tuple(result)


@st.composite
def projects(draw: st.DrawFn) -> MspdiProject:
    task_list = draw(tasks())
    resource_uids = draw(st.lists(st.integers(0, 30), max_size=3, unique=True))
    resources = tuple(
        Resource(
            uid=uid,
            name=draw(TEXT),
            resource_type=draw(st.integers(0, 2)),
            max_units=draw(st.floats(0, 10)),
            standard_rate=draw(FLOATS),
            calendar_uid=draw(UID_REFERENCES),
            notes=draw(TEXT),
            baselines=draw(baselines()),
        )
        for uid in resource_uids
    )
    assignments = tuple(
        Assignment(
            uid=index,
            task_uid=draw(st.sampled_from([task.uid for task in task_list])),
            resource_uid=draw(st.none() | st.sampled_from(resource_uids))
            if resource_uids
            else None,
            units=draw(st.floats(0, 5)),
            work=draw(st.none() | DURATIONS),
            start=draw(OPTIONAL_DATETIMES),
            delay=draw(st.integers(0, 10_000)),
            work_contour=draw(st.integers(0, 8)),
            timephased=tuple(
                TimephasedWork(
                    kind=draw(st.integers(1, 3)),
                    start=moment,
                    finish=moment + timedelta(hours=draw(st.integers(0, 48))),
                    unit=draw(st.integers(1, 3)),
                    value=draw(st.none() | DURATIONS),
                )
                for moment in draw(st.lists(DATETIMES, max_size=3))
            ),
        )
        for index in range(draw(st.integers(0, 3)))
    )
    settings_value = ProjectSettings(
        name=draw(TEXT),
        author=draw(TEXT),
        save_version=draw(st.none() | st.integers(9, 14)),
        schedule_from_start=draw(st.booleans()),
        start_date=draw(OPTIONAL_DATETIMES),
        status_date=draw(OPTIONAL_DATETIMES),
        current_date=draw(OPTIONAL_DATETIMES),
        calendar_uid=draw(UID_REFERENCES),
        default_start_time=draw(st.integers(0, 1439)),
        default_finish_time=draw(st.integers(1, 1440)),
        minutes_per_day=draw(st.integers(1, 1440)),
        minutes_per_week=draw(st.integers(1, 10080)),
        days_per_month=draw(st.integers(1, 31)),
        duration_format=draw(FORMATS),
        currency_symbol=draw(TEXT),
        new_tasks_effort_driven=draw(st.booleans()),
        new_tasks_are_manual=draw(st.booleans()),
    )
    return MspdiProject(
        settings=settings_value,
        calendars=draw(calendars()),
        tasks=task_list,
        resources=resources,
        assignments=assignments,
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_write_then_read_gives_the_same_project(project: MspdiProject) -> None:
    assert read_mspdi(write_mspdi(project)) == project


@st.composite
def chains(draw: st.DrawFn) -> MspdiProject:
    """Auto-scheduled tasks on the default calendar linked to earlier tasks."""
    count = draw(st.integers(1, 8))
    task_list = []
    for uid in range(1, count + 1):
        links = (
            tuple(
                Link(
                    predecessor_uid=predecessor,
                    link_type=draw(st.sampled_from(LinkType)),
                    lag=draw(st.integers(-2, 4)) * 2400,
                )
                for predecessor in draw(st.lists(st.integers(1, uid - 1), unique=True, max_size=2))
            )
            if uid > 1
            else ()
        )
        task_list.append(
            Task(uid=uid, duration=draw(st.integers(0, 40)) * 1800, predecessors=links)
        )
    calendar = Calendar(
        uid=1,
        name="Standard",
        week_days=tuple(
            WeekDay(day, 2 <= day <= 6, (WorkingTime(480, 720), WorkingTime(780, 1020)))
            if 2 <= day <= 6
            else WeekDay(day, False)
            for day in range(1, 8)
        ),
    )
    start = datetime(2024, 1, 8, 8) + timedelta(days=draw(st.integers(0, 6)))
    return MspdiProject(
        settings=ProjectSettings(start_date=start, calendar_uid=1),
        calendars=(calendar,),
        tasks=tuple(task_list),
    )


@settings(max_examples=80, deadline=None)
@given(chains())
def test_rescheduled_dates_respect_links_durations_and_project_start(
    project: MspdiProject,
) -> None:
    result = reschedule(project)
    clock = WorkingClock(build_calendars(project)[1])
    project_start = project.settings.start_date
    assert project_start is not None
    for task in project.tasks:
        start, finish = result.dates[task.uid]
        assert start >= project_start
        assert clock.between(start, finish) == task.duration
        for link in task.predecessors:
            before_start, before_finish = result.dates[link.predecessor_uid]
            lag = link.lag * 6
            if link.link_type is LinkType.FINISH_START:
                assert clock.between(before_finish, start) >= lag
            elif link.link_type is LinkType.START_START:
                assert clock.between(before_start, start) >= lag
            elif link.link_type is LinkType.FINISH_FINISH:
                assert clock.between(before_finish, finish) >= lag
            else:
                assert clock.between(before_start, finish) >= lag
