"""MSPDI import and export: every shared file, round trips, features and errors."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from steerco.engine.formats.mspdi import (
    ConstraintType,
    LinkType,
    MspdiError,
    read_mspdi,
    write_mspdi,
)
from steerco.engine.formats.mspdi_model import exception_days
from steerco.engine.formats.mspdi_read import parse_duration

from .mspdi_helpers import (
    link_xml,
    need_shared_data,
    project_xml,
    shared_files,
    standard_calendar,
    task_xml,
)

FILES = shared_files()


def test_shared_folder_has_the_57_files() -> None:
    need_shared_data()
    assert len(FILES) == 57


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_shared_file_imports_and_round_trips(path: Path) -> None:
    project = read_mspdi(path)
    assert project.calendars or not project.tasks
    again = read_mspdi(write_mspdi(project))
    assert again == project


def test_bytes_and_path_give_the_same_project() -> None:
    need_shared_data()
    path = next(p for p in FILES if p.name == "mspdirelations.xml")
    assert read_mspdi(path) == read_mspdi(path.read_bytes()) == read_mspdi(str(path))


def test_relations_file_links_types_and_lag() -> None:
    need_shared_data()
    project = read_mspdi(next(p for p in FILES if p.name == "mspdirelations.xml"))
    links = {task.uid: task.predecessors for task in project.tasks}
    assert links[2][0].link_type is LinkType.FINISH_START
    assert links[3][0].link_type is LinkType.START_START
    assert links[3][0].lag == 4800  # tenths of a minute: one 8-hour day
    assert links[4][0].link_type is LinkType.FINISH_FINISH
    assert links[5][0].link_type is LinkType.START_FINISH
    assert project.task(1).duration == 8 * 3600
    assert project.task(1).duration_format == 39  # estimated days


def test_recurring_exceptions_expand_like_ms_project_wrote_them() -> None:
    """MS Project writes each 2007+ exception expanded as DayType 0 week days too."""
    need_shared_data()
    from steerco.engine.formats.mspdi_read import (
        _old_style_exception,
        _parse_bytes,
        _week_days,
    )

    for path in FILES:
        if "recurring-exceptions" not in path.name:
            continue
        project = read_mspdi(path)
        root = _parse_bytes(path.read_bytes())
        calendars = root.child("Calendars")
        assert calendars is not None
        element = next(calendars.all("Calendar"))
        _, legacy = _week_days(element.child("WeekDays"), "test")
        written = set()
        for item in legacy:
            written |= set(exception_days(_old_style_exception(item, "test")))
        expanded = set()
        for exception in project.calendars[0].exceptions:
            expanded |= set(exception.days())
        assert len(written) == 140
        assert expanded == written


def test_features_of_a_hand_made_file() -> None:
    holiday = (
        "<Exceptions><Exception><TimePeriod><FromDate>2024-01-10T00:00:00</FromDate>"
        "<ToDate>2024-01-10T23:59:00</ToDate></TimePeriod><Name>Holiday</Name><Type>1</Type>"
        "<DayWorking>0</DayWorking></Exception></Exceptions>"
    )
    tasks = (
        task_xml(0, "PT16H0M0S", level=0)
        + task_xml(1, "PT8H0M0S", duration_format=39, extra="<Estimated>1</Estimated>")
        + task_xml(
            2,
            "PT24H0M0S",
            extra=link_xml(1, 3, 4800, 7)
            + "<ConstraintType>6</ConstraintType><ConstraintDate>2024-01-09T17:00:00"
            "</ConstraintDate><Deadline>2024-01-12T17:00:00</Deadline>"
            "<Manual>1</Manual><PercentComplete>50</PercentComplete>"
            "<ActualStart>2024-01-08T08:00:00</ActualStart>"
            "<RemainingDuration>PT12H0M0S</RemainingDuration>"
            "<Baseline><Number>0</Number><Start>2024-01-08T08:00:00</Start>"
            "<Finish>2024-01-10T17:00:00</Finish><Duration>PT24H0M0S</Duration>"
            "<Work>PT24H0M0S</Work><Cost>100.5</Cost></Baseline>",
        )
    )
    resources = (
        "<Resource><UID>1</UID><Name>Ann</Name><Type>1</Type><MaxUnits>1</MaxUnits>"
        "<CalendarUID>2</CalendarUID></Resource>"
    )
    derived = (
        "<Calendar><UID>2</UID><Name>Ann</Name><IsBaseCalendar>0</IsBaseCalendar>"
        "<BaseCalendarUID>1</BaseCalendarUID></Calendar>"
    )
    assignments = (
        "<Assignment><UID>5</UID><TaskUID>2</TaskUID><ResourceUID>1</ResourceUID>"
        "<Units>0.5</Units><Work>PT12H0M0S</Work></Assignment>"
    )
    data = project_xml(
        tasks,
        calendars=standard_calendar(extra=holiday) + derived,
        resources=resources,
        assignments=assignments,
        settings="<StatusDate>2024-01-09T17:00:00</StatusDate><NewTasksEffortDriven>1"
        "</NewTasksEffortDriven><DefaultStartTime>09:00:00</DefaultStartTime>",
    )
    project = read_mspdi(data)
    settings = project.settings
    assert settings.status_date == datetime(2024, 1, 9, 17)
    assert settings.new_tasks_effort_driven is True
    assert settings.default_start_time == 9 * 60
    standard, ann = project.calendars
    assert [day.day_type for day in standard.week_days] == [1, 2, 3, 4, 5, 6, 7]
    assert standard.exceptions[0].name == "Holiday"
    assert list(standard.exceptions[0].days()) == [date(2024, 1, 10)]
    assert ann.base_calendar_uid == 1 and not ann.is_base and ann.week_days == ()
    summary, first, second = project.tasks
    assert summary.outline_level == 0
    assert first.estimated and first.duration_format == 39
    assert second.predecessors[0].link_type is LinkType.START_START
    assert second.constraint_type is ConstraintType.FINISH_NO_EARLIER_THAN
    assert second.deadline == datetime(2024, 1, 12, 17)
    assert second.manual and second.percent_complete == 50
    assert second.remaining_duration == 12 * 3600
    assert second.baselines[0].cost == 100.5
    assert project.resources[0].calendar_uid == 2
    assert project.assignments[0].units == 0.5
    assert read_mspdi(write_mspdi(project)) == project


def test_written_file_is_valid_mspdi_in_schema_order() -> None:
    import xml.etree.ElementTree as ET

    project = read_mspdi(project_xml(task_xml(1) + task_xml(2, extra=link_xml(1))))
    root = ET.fromstring(write_mspdi(project))
    namespace = "{http://schemas.microsoft.com/project}"
    assert root.tag == namespace + "Project"
    names = [child.tag.removeprefix(namespace) for child in root]
    assert names.index("StartDate") < names.index("CalendarUID") < names.index("Calendars")
    assert names[-4:] == ["Calendars", "Tasks", "Resources", "Assignments"]
    task = root.find(f"{namespace}Tasks/{namespace}Task[{namespace}UID='2']")
    assert task is not None
    task_names = [child.tag.removeprefix(namespace) for child in task]
    assert task_names[0] == "UID"
    assert task_names.index("Duration") < task_names.index("ConstraintType")
    assert task_names.index("ConstraintType") < task_names.index("PredecessorLink")
    link = task.find(f"{namespace}PredecessorLink/{namespace}LinkLag")
    assert link is not None and link.text == "0"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT16H0M0S", 57600),
        ("PT0H1M0S", 60),
        ("PT138H53M18S", 138 * 3600 + 53 * 60 + 18),
        ("P1DT2H", 26 * 3600),
        ("-PT8H0M0S", -28800),
        ("PT0.5S", 0),
        ("PT1.5M", 90),
    ],
)
def test_parse_duration(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["PT1X", "P", "PT", "16H", "PT8H0M0SX", ""])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def _error(data: bytes) -> str:
    with pytest.raises(MspdiError) as caught:
        read_mspdi(data)
    return str(caught.value)


def test_bad_duration_names_line_task_and_value() -> None:
    data = project_xml(task_xml(1) + "\n\n" + task_xml(12, "PT1X"))
    message = _error(data)
    line = (
        data.decode()
        .splitlines()
        .index(next(line for line in data.decode().splitlines() if "PT1X" in line))
        + 1
    )
    assert message == f"line {line}: Task UID 12: Duration 'PT1X' is not an ISO 8601 duration"


def test_unknown_predecessor_uid() -> None:
    data = project_xml(task_xml(1) + "\n" + task_xml(2, extra="\n" + link_xml(99)))
    message = _error(data)
    assert "Task UID 2: PredecessorUID 99 is not a task of this file" in message
    assert message.startswith("line ")


def test_malformed_xml_gives_line_number() -> None:
    data = (
        b'<?xml version="1.0"?>\n<Project xmlns="http://schemas.microsoft.com/project">\n'
        b"<Tasks>\n<Task><UID>1</UID>\n</Tasks>\n</Project>\n"
    )
    message = _error(data)
    assert message.startswith("line 5: malformed XML: mismatched tag")


def test_doctype_is_rejected() -> None:
    data = (
        b'<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY a "aaaa">]>\n'
        b'<Project xmlns="http://schemas.microsoft.com/project"><Name>&a;</Name></Project>'
    )
    message = _error(data)
    assert message.startswith("line 2: DOCTYPE declarations are not allowed")


def test_billion_laughs_is_rejected_without_expanding() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    data = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY l0 "lol">{entities}]>'
        "<Project><Name>&l9;</Name></Project>"
    ).encode()
    assert "DOCTYPE" in _error(data)


def test_undeclared_entity_is_malformed() -> None:
    data = b'<Project xmlns="http://schemas.microsoft.com/project"><Name>&x;</Name></Project>'
    assert "undefined entity" in _error(data)


def test_wrong_root_element() -> None:
    assert "not an MSPDI <Project>" in _error(b"<Schedule/>")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("<Start>yesterday</Start>", "Task UID 1: Start 'yesterday' is not an ISO 8601 date"),
        ("<ConstraintType>9</ConstraintType>", "Task UID 1: ConstraintType 9 is not 0..7"),
        ("<ConstraintType>2</ConstraintType>", "constraint MUST_START_ON needs a ConstraintDate"),
        ("<PercentComplete>150</PercentComplete>", "PercentComplete must be within 0..100"),
        ("<LevelingDelayFormat>99</LevelingDelayFormat>", "LevelingDelayFormat 99 is not an"),
        ("<Manual>maybe</Manual>", "Manual 'maybe' is not a boolean"),
    ],
)
def test_bad_task_values(extra: str, expected: str) -> None:
    assert expected in _error(project_xml(task_xml(1, extra=extra)))


def test_duplicate_uid_and_missing_uid() -> None:
    assert "UID 1 is used twice" in _error(project_xml(task_xml(1) + task_xml(1)))
    assert "Task: UID is missing" in _error(project_xml("<Task><Name>x</Name></Task>"))


def test_assignment_to_unknown_task() -> None:
    data = project_xml(
        task_xml(1), assignments="<Assignment><UID>1</UID><TaskUID>7</TaskUID></Assignment>"
    )
    assert "TaskUID 7 is not a task of this file" in _error(data)


def test_signed_zero_minutes_written_by_ms_project_are_read() -> None:
    from steerco.engine.formats.mspdi_read import parse_datetime

    assert parse_datetime("2008-12-04T17:-0:00") == datetime(2008, 12, 4, 17)
    with pytest.raises(ValueError):
        parse_datetime("2008-12-04T17:-5:00")


def test_missing_file_is_an_mspdi_error(tmp_path: Path) -> None:
    with pytest.raises(MspdiError, match="cannot read"):
        read_mspdi(tmp_path / "nothing.xml")


def test_windows_1252_file_is_decoded() -> None:
    data = project_xml(task_xml(1)).replace(b'encoding="UTF-8"', b'encoding="windows-1252"')
    data = data.replace(b"<Name>test</Name>", "<Name>co\u00fbt \u20ac</Name>".encode("cp1252"))
    assert read_mspdi(data).settings.name == "co\u00fbt \u20ac"
