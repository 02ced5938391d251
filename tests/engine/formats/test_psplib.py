"""PSPLIB ``.sm`` files: reading, writing, errors that point at the line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steerco.engine.errors import InputError
from steerco.engine.formats.psplib import (
    PsplibInstance,
    format_sm,
    parse_sm,
    read_sm,
    to_leveling_problem,
    write_sm,
)
from tests.shared_data import SHARED_DATA

J30 = SHARED_DATA / "psplib" / "j30"


@pytest.fixture
def j3010_1() -> Path:
    path = J30 / "j3010_1.sm"
    if not path.exists():
        pytest.skip(f"PSPLIB data not found in {J30}")
    return path


def test_reads_a_j30_file(j3010_1):
    instance = read_sm(j3010_1)
    assert instance.name == "j3010_1"
    assert instance.job_count == 32
    assert instance.capacities == (24, 23, 25, 33)
    assert instance.horizon == 164
    assert instance.successors[0] == (1, 2, 3)
    assert instance.successors[31] == ()
    assert instance.durations[:4] == (0, 2, 5, 6)
    assert instance.requests[1] == (1, 2, 4, 0)
    assert instance.requests[31] == (0, 0, 0, 0)


def test_converts_to_a_leveling_problem_in_file_order(j3010_1):
    problem = to_leveling_problem(read_sm(j3010_1))
    assert [task.id for task in problem.tasks] == [str(job) for job in range(1, 33)]
    assert problem.tasks[2].demands == {"R2": 5, "R3": 9, "R4": 10}
    assert [resource.capacity for resource in problem.resources] == [24, 23, 25, 33]
    assert len(problem.links) == sum(len(s) for s in read_sm(j3010_1).successors)
    assert problem.mode == "delay_finish"


def test_write_then_read_gives_the_same_instance(j3010_1, tmp_path):
    instance = read_sm(j3010_1)
    copy = tmp_path / "j3010_1.sm"
    write_sm(instance, copy)
    assert read_sm(copy) == instance


def broken(text: str, tmp_path: Path) -> InputError:
    path = tmp_path / "broken.sm"
    path.write_text(text)
    with pytest.raises(InputError) as caught:
        read_sm(path)
    return caught.value


def test_error_names_the_file_and_line_of_a_bad_request_row(j3010_1, tmp_path):
    lines = j3010_1.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if line.split()[:3] == ["5", "1", "4"])
    lines[row] = "  5      1     4       8    3    0"  # one request missing
    error = broken("\n".join(lines), tmp_path)
    assert error.field == f"{tmp_path / 'broken.sm'}:{row + 1}"
    assert "expected 7 numbers" in str(error)


def test_error_on_a_multi_mode_job(j3010_1, tmp_path):
    lines = j3010_1.read_text().splitlines()
    row = next(i for i, line in enumerate(lines) if line.split()[:2] == ["2", "1"])
    lines[row] = lines[row].replace("   2        1", "   2        3", 1)
    error = broken("\n".join(lines), tmp_path)
    assert str(error.field).endswith(f":{row + 1}")
    assert "single-mode" in str(error)


def test_error_on_a_missing_section(tmp_path):
    error = broken("jobs (incl. supersource/sink ):  3\nhorizon : 5\n", tmp_path)
    assert "broken.sm:" in str(error)
    assert "renewable" in str(error)


def test_error_on_text_instead_of_numbers(j3010_1, tmp_path):
    text = j3010_1.read_text().replace("   24   23   25   33", "   24   x   25   33")
    error = broken(text, tmp_path)
    assert "whole numbers" in str(error)
    assert str(error.field).endswith(f":{text.splitlines().index('   24   x   25   33') + 1}")


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read_sm(tmp_path / "nowhere.sm")


def test_instance_checks_itself():
    with pytest.raises(InputError):
        PsplibInstance("x", (1, 2), ((1,), ()), ((1,), (1,)), (0, 0))  # 2 capacities, 1 request
    with pytest.raises(InputError):
        PsplibInstance("x", (1,), ((0,),), ((1,),), (2,))  # job is its own successor


@st.composite
def instances(draw):
    jobs = draw(st.integers(2, 12))
    resources = draw(st.integers(1, 4))
    durations = tuple(draw(st.integers(0, 10)) for _ in range(jobs))
    successors = tuple(
        tuple(sorted(draw(st.sets(st.integers(job + 1, jobs - 1), max_size=3))))
        if job < jobs - 1
        else ()
        for job in range(jobs)
    )
    requests = tuple(tuple(draw(st.integers(0, 9)) for _ in range(resources)) for _ in range(jobs))
    capacities = tuple(draw(st.integers(9, 30)) for _ in range(resources))
    return PsplibInstance("random", durations, successors, requests, capacities, sum(durations))


@settings(max_examples=60, deadline=None)
@given(instances())
def test_format_and_parse_round_trip(instance):
    assert parse_sm(format_sm(instance), name="random") == instance
