"""``steerco optimise PORTFOLIO --scenario NAME`` on a small portfolio."""

from __future__ import annotations

import json

import pytest

from steerco.cli import main
from steerco.core.models import AuditEntry
from steerco.portfolios.models import OptimiserRun, Scenario
from tests.portfolios.decision_support import build_small_portfolio

pytestmark = pytest.mark.django_db


def test_creates_the_scenario_solves_it_and_prints_the_plan(org, capsys):
    small = build_small_portfolio(org)
    code = main(["optimise", "DIG", "--scenario", "CLI what-if", "--time-limit", "2"])
    out = capsys.readouterr().out
    assert code == 0, out
    scenario = Scenario.objects.get(portfolio=small.portfolio, name="CLI what-if")
    assert scenario.based_on == small.plan and scenario.status == Scenario.Status.SOLVED
    run = OptimiserRun.objects.get(scenario=scenario)
    assert run.status == "optimal" and run.job is None
    assert run.result["inputs"]["first_month"] == "2027-01"
    assert "created and optimised" in out and "status     optimal" in out
    assert "gap        0.0000%" in out
    lines = [line.split() for line in out.splitlines() if line.startswith("  20")]
    assert [(parts[0], parts[1]) for parts in lines] == [
        ("2027-01", "NEW-A"),
        ("2027-01", "RUN-1"),
        ("2027-04", "NEW-B"),
    ]
    # The audit log names who the command acted as.
    assert AuditEntry.objects.filter(
        entity_type="portfolios.scenario", actor=org.user("administrator")
    ).exists()


def test_json_output_and_a_second_run_reuses_the_scenario(org, capsys):
    build_small_portfolio(org)
    assert (
        main(
            [
                "optimise",
                "DIG",
                "--scenario",
                "Current plan",
                "--time-limit",
                "1",
                "--objective",
                "score",
                "--json",
            ]
        )
        == 0
    )
    outcome = json.loads(capsys.readouterr().out)
    assert outcome["scenario_created"] is False and outcome["objective"] == "score"
    assert outcome["status"] == "optimal" and outcome["gap"] <= 1e-4
    assert {item["project"] for item in outcome["selected"]} >= {"RUN-1", "NEW-A"}
    assert outcome["value"] <= outcome["bound"] + 1e-6


def test_infeasible_input_lists_the_conflicts_and_exits_2(org, capsys):
    # Given NEW-C forced in from January, when the running RUN-1 takes all the capacity left
    small = build_small_portfolio(org, with_plan=False)
    small.plan.capacity_overrides = {"DE": {"2027-01": 40}}
    small.plan.save()
    small.plan.projects.filter(project=small.projects["NEW-C"]).update(
        mode="forced_in", start_month_override=small.plan.horizon_start
    )
    code = main(["optimise", "DIG", "--scenario", "Current plan", "--time-limit", "1"])
    out = capsys.readouterr().out
    assert code == 2
    assert "these conflict" in out and "NEW-C" in out and "capacity DE 2027-01" in out


def test_unknown_portfolio_is_an_error(org, capsys):
    assert main(["optimise", "NOPE", "--scenario", "x"]) == 1
    assert "no portfolio NOPE" in capsys.readouterr().err
