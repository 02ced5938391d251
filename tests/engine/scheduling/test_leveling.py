"""Worked examples of resource leveling: small schedules whose answer is known."""

from __future__ import annotations

from pathlib import Path

import pytest

from steerco.engine.errors import CycleError, InfeasibleError, InputError
from steerco.engine.scheduling.leveling import (
    Evolution,
    LevelingLink,
    LevelingProblem,
    LevelingResource,
    LevelingTask,
    build_network,
    level,
    run_heuristic,
    warm_up,
)
from tests.shared_data import SHARED_DATA


@pytest.fixture(autouse=True, scope="module")
def compiled_kernels():
    # Compile (or load) the kernels first, so that no solve with a time limit pays for it.
    warm_up()


def problem(tasks, links=(), resources=(), mode="delay_finish"):
    return LevelingProblem(
        tasks=tuple(tasks), links=tuple(links), resources=tuple(resources), mode=mode
    )


def test_two_tasks_on_one_person_run_one_after_the_other():
    # Given two 3- and 2-day tasks that both need the only analyst
    tasks = [LevelingTask("design", 3, {"analyst": 1}), LevelingTask("review", 2, {"analyst": 1})]
    # When leveled
    result = level(problem(tasks, resources=[LevelingResource("analyst", 1)]))
    # Then they run back to back and the one moved says why
    assert result.makespan == 5
    assert result.original_makespan == 3
    assert sorted(result.starts.values()) == [0, 3] or sorted(result.starts.values()) == [0, 2]
    assert len(result.moves) == 1
    move = result.moves[0]
    assert move.original_start == 0
    assert move.delay == move.new_start > 0
    assert move.resources == ("analyst",)
    other = "review" if move.task == "design" else "design"
    assert move.competing_tasks == (other,)
    assert "analyst" in move.explanation
    assert result.lower_bound == 5 and result.optimal


def test_priority_decides_who_waits():
    tasks = [
        LevelingTask("routine", 3, {"analyst": 1}, priority=0),
        LevelingTask("urgent", 2, {"analyst": 1}, priority=900),
    ]
    result = level(problem(tasks, resources=[LevelingResource("analyst", 1)]))
    assert result.starts == {"routine": 2, "urgent": 0}
    assert [move.task for move in result.moves] == ["routine"]


def test_known_optimum_is_proven_above_the_simple_bounds():
    # Capacity 2: A and D take the whole crew, B fits beside C only. Critical path 4,
    # work bound 9 (18 units / 2), optimum 10 (A, B with C beside it, D).
    tasks = [
        LevelingTask("A", 4, {"crew": 2}),
        LevelingTask("B", 3, {"crew": 1}),
        LevelingTask("C", 1, {"crew": 1}),
        LevelingTask("D", 3, {"crew": 2}),
    ]
    links = [LevelingLink("C", "D")]
    resources = [LevelingResource("crew", 2)]
    heuristic = level(problem(tasks, links, resources))
    solved = level(problem(tasks, links, resources), method="solver", time_limit=2)
    assert solved.makespan == 10
    assert solved.lower_bound == 10
    assert solved.optimal
    assert heuristic.makespan >= solved.makespan


def test_a_restarted_genetic_search_starts_again_and_finds_the_optimum():
    # The problem above: optimum 10. A restart drops the whole population, and the
    # new one, sampled on another priority rule, reaches the optimum on its own.
    tasks = [
        LevelingTask("A", 4, {"crew": 2}),
        LevelingTask("B", 3, {"crew": 1}),
        LevelingTask("C", 1, {"crew": 1}),
        LevelingTask("D", 3, {"crew": 2}),
    ]
    network = build_network(problem(tasks, [LevelingLink("C", "D")], [LevelingResource("crew", 2)]))
    first = run_heuristic(network, "delay_finish", time_limit=1.0, max_passes=4, seed=0, target=-1)
    evolution = Evolution(network, first.starts, first.makespan, seed=1, target=10)
    evolution.restart(seed=2, rule=1)
    assert evolution.makespan == -1
    evolution.run(200)
    starts, makespan = evolution.best()
    assert makespan == 10
    assert int((starts + network.duration).max()) == 10


def test_lags_and_link_kinds_are_respected():
    tasks = [
        LevelingTask("a", 4),
        LevelingTask("b", 2),
        LevelingTask("c", 3),
        LevelingTask("d", 1),
        LevelingTask("e", 2),
    ]
    links = [
        LevelingLink("a", "b", "FS", 2),  # b starts >= 4 + 2
        LevelingLink("a", "c", "SS", 1),  # c starts >= 1
        LevelingLink("b", "d", "FF", 1),  # d finishes >= 8 + 1
        LevelingLink("a", "e", "SF", 5),  # e finishes >= 0 + 5
    ]
    result = level(problem(tasks, links))
    assert result.starts == {"a": 0, "b": 6, "c": 1, "d": 8, "e": 3}
    assert result.makespan == 9
    assert result.moves == ()


def test_capacity_from_a_calendar_holds_the_task_until_the_resource_is_there():
    # The welder is away in periods 0-2 and 5; the 2-period job fits at 3.
    tasks = [LevelingTask("weld", 2, {"welder": 1}), LevelingTask("paint", 3, {"welder": 1})]
    resources = [LevelingResource("welder", (0, 0, 0, 1, 1, 0, 1))]
    result = level(problem(tasks, resources=resources), method="solver", time_limit=2)
    # After the array, the last value (1) holds: painting fits from period 6.
    assert result.starts == {"weld": 3, "paint": 6}
    assert result.makespan == 9


def test_within_slack_uses_the_slack_and_keeps_the_finish():
    # "side" has 4 periods of slack: it can wait for the shared tester.
    tasks = [
        LevelingTask("build", 3, {"tester": 1}),
        LevelingTask("ship", 3),
        LevelingTask("side", 2, {"tester": 1}),
    ]
    links = [LevelingLink("build", "ship")]
    result = level(problem(tasks, links, [LevelingResource("tester", 1)], mode="within_slack"))
    assert result.makespan == result.original_makespan == 6
    assert result.starts == {"build": 0, "ship": 3, "side": 3}
    assert result.unresolved == ()
    assert result.leveled
    assert [move.task for move in result.moves] == ["side"]


def test_within_slack_reports_what_cannot_be_leveled():
    # Two critical tasks on one person: no slack to level them.
    tasks = [LevelingTask("x", 3, {"person": 1}), LevelingTask("y", 3, {"person": 1})]
    result = level(problem(tasks, resources=[LevelingResource("person", 1)], mode="within_slack"))
    assert result.makespan == 3
    assert result.starts == {"x": 0, "y": 0}
    assert not result.leveled
    assert len(result.unresolved) == 1
    unresolved = result.unresolved[0]
    assert unresolved.resources == ("person",)
    assert unresolved.periods == (0, 1, 2)


def test_within_slack_solver_levels_when_the_slack_allows():
    tasks = [
        LevelingTask("long", 4, {"r": 1}),
        LevelingTask("p", 1, {"r": 1}),
        LevelingTask("q", 1, {"r": 1}),
        LevelingTask("end", 0),
    ]
    links = [LevelingLink("long", "end")]
    result = level(
        problem(tasks, links, [LevelingResource("r", 2)], mode="within_slack"),
        method="solver",
        time_limit=2,
    )
    assert result.makespan == 4
    assert result.leveled


def test_delay_shows_the_predecessor_that_pushed_a_task():
    # "first" has the higher priority, so "second" waits for it and "after" waits
    # for "second".
    tasks = [
        LevelingTask("first", 2, {"r": 1}, priority=10),
        LevelingTask("second", 2, {"r": 1}),
        LevelingTask("after", 1),
    ]
    links = [LevelingLink("second", "after")]
    result = level(problem(tasks, links, [LevelingResource("r", 1)]))
    assert result.starts == {"first": 0, "second": 2, "after": 4}
    moves = {move.task: move for move in result.moves}
    assert moves["second"].resources == ("r",)
    assert moves["second"].competing_tasks == ("first",)
    assert moves["after"].delayed_predecessors == ("second",)
    assert moves["after"].resources == ()
    assert "waits for delayed second" in moves["after"].explanation


def test_milestones_and_tasks_without_resources():
    tasks = [LevelingTask("start", 0), LevelingTask("work", 5, {"r": 3}), LevelingTask("end", 0)]
    links = [LevelingLink("start", "work"), LevelingLink("work", "end")]
    result = level(problem(tasks, links, [LevelingResource("r", 3)]))
    assert result.starts == {"start": 0, "work": 0, "end": 5}
    assert result.finishes["work"] == 5


def test_earliest_start_is_kept():
    tasks = [LevelingTask("later", 2, {"r": 1}, earliest_start=4), LevelingTask("now", 5, {"r": 1})]
    result = level(problem(tasks, resources=[LevelingResource("r", 1)]))
    assert result.starts == {"later": 5, "now": 0}


def test_empty_problem():
    result = level(problem([]))
    assert result.makespan == 0 and result.optimal and result.moves == ()


def test_a_cycle_names_its_tasks():
    tasks = [LevelingTask("a", 1), LevelingTask("b", 1), LevelingTask("c", 1)]
    links = [LevelingLink("a", "b"), LevelingLink("b", "c"), LevelingLink("c", "a")]
    with pytest.raises(CycleError) as caught:
        level(problem(tasks, links))
    assert sorted(caught.value.tasks) == ["a", "b", "c"]


def test_a_demand_above_every_capacity_is_infeasible():
    tasks = [LevelingTask("big", 1, {"r": 5})]
    with pytest.raises(InfeasibleError, match="big"):
        level(problem(tasks, resources=[LevelingResource("r", (2, 4))]))


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: LevelingTask("t", -1), "t"),
        (lambda: LevelingTask("t", 1, {"r": -2}), "t"),
        (lambda: LevelingLink("a", "b", "XX"), "a->b"),
        (lambda: LevelingLink("a", "b", "FS", -1), "a->b"),
        (lambda: LevelingLink("a", "a"), "a->a"),
        (lambda: LevelingResource("r", ()), "r"),
        (lambda: LevelingResource("r", -1), "r"),
        (lambda: problem([LevelingTask("t", 1, {"ghost": 1})]), "t"),
        (lambda: problem([LevelingTask("t", 1), LevelingTask("t", 2)]), "t"),
        (lambda: problem([LevelingTask("t", 1)], [LevelingLink("t", "u")]), "t->u"),
        (lambda: problem([LevelingTask("t", 1)], mode="sometimes"), "mode"),
    ],
)
def test_bad_input_names_the_field(build, field):
    with pytest.raises(InputError) as caught:
        build()
    assert caught.value.field == field


def test_bad_arguments():
    simple = problem([LevelingTask("t", 1)])
    with pytest.raises(InputError):
        level(simple, method="magic")
    with pytest.raises(InputError):
        level(simple, time_limit=0)
    with pytest.raises(InputError):
        level(simple, workers=0)


def test_psplib_j30_instance_reaches_its_proven_optimum():
    from steerco.engine.formats.psplib import read_sm, to_leveling_problem

    folder = SHARED_DATA / "psplib"
    if not (folder / "j30" / "j3010_1.sm").exists():
        pytest.skip(f"PSPLIB data not found in {folder}")
    optimum = _j30_optimum(folder / "ref" / "j30opt.sm", parameter=10, instance=1)
    instance = read_sm(folder / "j30" / "j3010_1.sm")
    result = level(to_leveling_problem(instance), method="solver", time_limit=2, workers=2)
    assert result.makespan == optimum == 42
    assert result.optimal and result.lower_bound == 42
    starts = list(result.starts.values())
    for job, successors in enumerate(instance.successors):
        for successor in successors:
            assert starts[successor] >= starts[job] + instance.durations[job]


def test_psplib_hard_instance_keeps_a_true_bound_past_the_proof_attempt():
    # j3013_2 takes CP-SAT about 9 s and the branch and bound about 2 s to prove: in
    # 3.5 s the second worker may stop its branch and bound and restart genetic
    # searches. Whether proven or not, the schedule stays valid and the bound stays
    # below the proven optimum.
    from steerco.engine.formats.psplib import read_sm, to_leveling_problem

    folder = SHARED_DATA / "psplib"
    if not (folder / "j30" / "j3013_2.sm").exists():
        pytest.skip(f"PSPLIB data not found in {folder}")
    optimum = _j30_optimum(folder / "ref" / "j30opt.sm", parameter=13, instance=2)
    instance = read_sm(folder / "j30" / "j3013_2.sm")
    result = level(to_leveling_problem(instance), method="solver", time_limit=3.5, workers=2)
    assert result.lower_bound <= optimum == 62 <= result.makespan
    assert result.makespan <= 66
    starts = list(result.starts.values())
    for job, successors in enumerate(instance.successors):
        for successor in successors:
            assert starts[successor] >= starts[job] + instance.durations[job]


def _j30_optimum(path: Path, *, parameter: int, instance: int) -> int:
    for line in path.read_text().splitlines():
        fields = line.split()
        numbered = len(fields) >= 3 and fields[0].isdigit() and fields[1].isdigit()
        if numbered and (int(fields[0]), int(fields[1])) == (parameter, instance):
            return int(fields[2])
    raise AssertionError(f"no optimum for {parameter}_{instance} in {path}")


def test_cp_sat_hands_its_thread_to_a_genetic_search_far_from_a_proof(monkeypatch):
    # j909_1: the best known makespan (104) is 16% above the first lower bound (90), which
    # CP-SAT does not raise in seconds: after its share of the time, its thread runs a
    # second genetic search. The schedule stays valid.
    import threading

    from steerco.engine.formats.psplib import read_sm, to_leveling_problem
    from steerco.engine.scheduling import leveling_solver

    path = SHARED_DATA / "psplib" / "j90" / "j909_1.sm"
    if not path.exists():
        pytest.skip(f"PSPLIB data not found in {path.parent}")
    searches: list[str] = []
    restarted = leveling_solver._restarted_evolution

    def recording(*args, **kwargs):
        searches.append(threading.current_thread().name)
        return restarted(*args, **kwargs)

    monkeypatch.setattr(leveling_solver, "_restarted_evolution", recording)
    instance = read_sm(path)
    result = level(to_leveling_problem(instance), method="solver", time_limit=2.5, workers=2)
    assert threading.main_thread().name in searches
    assert result.lower_bound <= 104 <= result.makespan
    starts = list(result.starts.values())
    for job, successors in enumerate(instance.successors):
        for successor in successors:
            assert starts[successor] >= starts[job] + instance.durations[job]
