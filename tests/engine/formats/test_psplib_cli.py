"""``steerco bench psplib``: the per-instance lines and the summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steerco.cli import main
from steerco.engine.formats.psplib import read_sm
from tests.shared_data import SHARED_DATA

PSPLIB = SHARED_DATA / "psplib"


@pytest.fixture
def files() -> list[Path]:
    chosen = [PSPLIB / "j30" / "j3010_1.sm", PSPLIB / "j30" / "j301_2.sm"]
    if not all(path.exists() for path in chosen):
        pytest.skip(f"PSPLIB data not found in {PSPLIB}")
    return chosen


def test_json_lines_have_exactly_the_keys_and_a_valid_schedule(files, capsys):
    code = main(
        ["bench", "psplib", *map(str, files), "--json", "--time-limit", "2", "--workers", "2"]
    )
    captured = capsys.readouterr()
    assert code == 0
    lines = captured.out.strip().splitlines()
    assert len(lines) == 2
    for line, path in zip(lines, files, strict=True):
        record = json.loads(line)
        assert list(record) == [
            "instance",
            "makespan",
            "lower_bound",
            "optimal",
            "seconds",
            "starts",
        ]
        instance = read_sm(path)
        assert record["instance"] == path.stem
        starts = record["starts"]
        assert len(starts) == instance.job_count
        for job, successors in enumerate(instance.successors):
            for successor in successors:
                assert starts[successor] >= starts[job] + instance.durations[job]
        for resource, capacity in enumerate(instance.capacities):
            for period in range(record["makespan"]):
                load = sum(
                    instance.requests[job][resource]
                    for job in range(instance.job_count)
                    if starts[job] <= period < starts[job] + instance.durations[job]
                )
                assert load <= capacity
        assert record["makespan"] == max(
            s + d for s, d in zip(starts, instance.durations, strict=True)
        )
        assert record["lower_bound"] <= record["makespan"]
    # Both are easy J30 instances: proven optimal at their known optima.
    assert [json.loads(line)["makespan"] for line in lines] == [42, 47]
    assert all(json.loads(line)["optimal"] for line in lines)
    assert "proven optimal: 2/2" in captured.err


def test_text_report_with_reference(files, capsys):
    reference = PSPLIB / "ref" / "reference.csv"
    code = main(
        [
            "bench",
            "psplib",
            *map(str, files),
            "--method",
            "heuristic",
            "--time-limit",
            "0.1",
            "--reference",
            str(reference),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "j3010_1" in out and "j301_2" in out
    assert "mean gap to best known:" in out
    assert "mean deviation above the critical-path bound:" in out
    assert "proven optimal:" in out


def test_a_broken_file_is_reported_and_the_rest_runs(files, tmp_path, capsys):
    bad = tmp_path / "bad.sm"
    bad.write_text("not a psplib file\n")
    code = main(["bench", "psplib", str(bad), str(files[0]), "--method", "heuristic", "--json"])
    captured = capsys.readouterr()
    assert code == 1
    assert "bad.sm" in captured.err
    assert len(captured.out.strip().splitlines()) == 1
