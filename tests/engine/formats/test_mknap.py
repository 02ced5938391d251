"""OR-Library multidimensional knapsack files and their solution as portfolios."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from steerco.cli import main
from steerco.engine.errors import InputError
from steerco.engine.formats.mknap import knapsack_portfolio, parse_mknap, read_mknap
from steerco.engine.portfolio.optimiser import check_plan, optimise
from tests.shared_data import SHARED_DATA as SHARED

MKNAP1 = SHARED / "portfolio" / "orlib-mknap1" / "mknap1.txt"
MKNAPCB1 = SHARED / "portfolio" / "orlib-mknapcb" / "mknapcb1.txt"

SMALL = """2
 3 2 8
 4 5 3
 2 3 1
 1 1 1
 4 2
 2 1 0
 7 1
 1 2
 2
"""


def needs(path: Path) -> None:
    if not path.is_file():
        pytest.skip(f"shared data missing: {path}")


def test_parse_small_file():
    first, second = parse_mknap(SMALL)
    assert first.profits == (4, 5, 3)
    assert first.weights == ((2, 3, 1), (1, 1, 1))
    assert first.capacities == (4, 2)
    assert first.optimum == 8
    assert second.items == 2 and second.constraints == 1
    assert second.optimum is None


def test_small_problem_solved_as_a_portfolio():
    problem = parse_mknap(SMALL)[0]
    portfolio = knapsack_portfolio(problem)
    assert portfolio.months == 1
    assert [rule.spend for rule in portfolio.budgets] == ["constraint 1", "constraint 2"]
    result = optimise(portfolio, time_limit=5.0, threads=1, mip_rel_gap=0.0)
    # At most two items (constraint 2); 0 + 1 weigh 5 > 4; 1 + 2 (profit 8) beats 0 + 2 (7).
    assert result.value == pytest.approx(8)
    assert sorted(int(p.project_id) for p in result.plan) == [1, 2]
    assert result.optimal


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "file ends"),
        ("1\n 2 1 0\n 1 x\n", "expected a number"),
        ("1\n 2 1 0\n 1 1\n 1 1\n 1\n 5", "numbers left"),
        ("1.5\n", "whole number"),
    ],
)
def test_malformed_files_are_rejected(text: str, message: str):
    with pytest.raises(InputError, match=message):
        parse_mknap(text)


def test_petersen_problems_reach_their_stated_optima():
    needs(MKNAP1)
    problems = read_mknap(MKNAP1)
    assert len(problems) == 7
    for problem in problems:
        portfolio = knapsack_portfolio(problem)
        result = optimise(portfolio, time_limit=5.0, threads=2, mip_rel_gap=0.0)
        assert problem.optimum is not None
        assert result.value == pytest.approx(problem.optimum, abs=1e-6)
        assert result.optimal
        assert check_plan(portfolio, result.starts()) == []


def test_bench_command_json_lines(capsys: pytest.CaptureFixture[str]):
    needs(MKNAP1)
    code = main(
        [
            "bench",
            "mknap",
            str(MKNAP1),
            "--problems",
            "0,2",
            "--time-limit",
            "5",
            "--workers",
            "1",
            "--json",
        ]
    )
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["problem"] for line in lines] == [0, 2]
    for line in lines:
        assert set(line) == {"problem", "value", "bound", "optimal", "seconds", "items"}
        assert line["optimal"] is True
    assert lines[0]["value"] == pytest.approx(3800)
    assert lines[1]["value"] == pytest.approx(4015)
    problem = read_mknap(MKNAP1)[0]
    chosen = lines[0]["items"]
    assert sum(problem.profits[j] for j in chosen) == pytest.approx(3800)
    for row, capacity in zip(problem.weights, problem.capacities, strict=True):
        assert sum(row[j] for j in chosen) <= capacity


def test_bench_command_table_compares_with_best_known(capsys: pytest.CaptureFixture[str]):
    needs(MKNAPCB1)
    code = main(
        ["bench", "mknap", str(MKNAPCB1), "--problems", "20", "--time-limit", "5", "--workers", "1"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "reference" in out
    assert "59,822.0" in out  # best known of problem 20 (Chu & Beasley 1998)


def test_bench_command_rejects_unknown_problem(capsys: pytest.CaptureFixture[str]):
    needs(MKNAP1)
    assert main(["bench", "mknap", str(MKNAP1), "--problems", "9"]) == 2
    assert "no problem 9" in capsys.readouterr().err
