"""A solver thread that does not stop when asked never holds the optimiser's answer."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from steerco.engine.portfolio import optimiser
from steerco.engine.portfolio.model import BudgetRule, Portfolio, Project
from steerco.engine.portfolio.optimiser import check_plan, optimise
from steerco.engine.portfolio.optimiser_lns import NeighbourhoodSearch


class _Deaf(threading.Thread):
    """A worker that ignores its stop request for a while, like a HiGHS run stuck in a
    sub-MIP's presolve."""

    def __init__(self, seconds: float) -> None:
        super().__init__(daemon=True)
        self.seconds = seconds
        self.stop_requested = threading.Event()
        self.bound = 123.0
        self.status = "Not run"
        self.error = None

    def run(self) -> None:
        time.sleep(self.seconds)


class _Prompt(_Deaf):
    def run(self) -> None:
        self.stop_requested.wait(5)
        self.status = "Interrupted by user"


def test_team_reports_without_a_worker_that_does_not_stop(monkeypatch):
    monkeypatch.setattr(optimiser, "STOP_GRACE_SECONDS", 0.2)
    deaf, prompt = _Deaf(3.0), _Prompt(0)
    team = optimiser._MilpTeam([deaf, prompt], [])
    team.start()
    began = time.perf_counter()
    team.stop()
    assert time.perf_counter() - began < 1.0
    assert deaf.is_alive() and not prompt.is_alive()
    assert deaf.status == "Time limit reached"
    assert prompt.status == "Interrupted by user"
    # The bound it proved before still counts.
    assert team.bound == 123.0


def test_join_within_waits_for_workers_that_stop():
    prompt = _Prompt(0)
    prompt.start()
    prompt.stop_requested.set()
    assert optimiser._join_within([prompt], 2.0) == []


def test_a_closed_incumbent_takes_no_more_plans():
    class _State:
        feasible = True
        value = 10.0
        chosen = np.zeros(3, dtype=bool)
        activity = np.zeros(2)

    incumbent = optimiser._Incumbent(kernels=None, origin=time.perf_counter())  # type: ignore[arg-type]
    assert incumbent.offer(_State(), "test")  # type: ignore[arg-type]
    incumbent.close()
    better = _State()
    better.value = 20.0
    assert not incumbent.offer(better, "late thread")  # type: ignore[arg-type]
    assert incumbent.value == 10.0


@pytest.mark.parametrize("threads", [1, 2])
def test_a_stuck_sub_solve_on_the_main_search_never_holds_the_answer(monkeypatch, threads):
    """RENS stuck past the deadline (as a HiGHS sub-MIP stuck in presolve would
    be): the optimiser still answers on time, with the plans found before."""
    monkeypatch.setattr(optimiser, "STOP_GRACE_SECONDS", 0.2)
    # The path of models too big for HiGHS on the whole model.
    monkeypatch.setattr(optimiser, "_MILP_LP_RATIO", 1e12)
    release = threading.Event()

    def stuck(self, time_limit):
        called.append(True)
        release.wait(10)
        return None

    monkeypatch.setattr(NeighbourhoodSearch, "relaxation_induced", stuck)
    # A knapsack whose LP relaxation takes a fraction of a project: the gap
    # cannot be proven closed before RENS runs.
    projects = [
        Project(id=f"P{i}", duration=2, costs={"opex": [c, c]}, npv=3.0 * c + i % 3)
        for i, c in enumerate([7.0, 9.0, 11.0, 13.0, 17.0, 19.0, 23.0, 29.0])
    ]
    portfolio = Portfolio(projects=projects, months=6, budgets=[BudgetRule(101.0)])
    called = []
    began = time.perf_counter()
    try:
        result = optimise(portfolio, time_limit=1.0, threads=threads, shadow_prices=False)
    finally:
        release.set()
    assert called
    assert time.perf_counter() - began < 3.0
    assert result.plan and check_plan(portfolio, result.starts()) == []
    assert result.gap > 0
