"""CP-SAT model of resource leveling, warm-started by the heuristic.

The model: one fixed-size interval per task; one cumulative constraint per
resource (capacity dips from calendars become fixed intervals that hold the
missing units); the links as minimum time lags between starts; the makespan as
objective. What makes CP-SAT fast on it:

* tight start windows: earliest start from the links, latest start from the
  horizon (below) minus the task's tail;
* a lower bound on the makespan from the critical path and from each resource's
  work against its capacity;
* ``start + tail <= makespan`` for every task, so a task pushed late raises the
  bound at once instead of through a chain of links;
* redundant no-overlap constraints on groups of tasks that pairwise cannot run
  together because their demands exceed a capacity;
* the best schedule so far as the solution hint;
* no linear relaxation (``linearization_level=0``): on PSPLIB J30 the hard
  instances are proven with two to three times fewer conflicts without it.

CP-SAT always searches below the best schedule so far: its horizon is the best
makespan minus one, so it either finds a shorter schedule or proves the best one
optimal (a destructive lower bound step), and it starts again below any shorter
schedule the other thread finds. With two workers, the other thread first runs,
on a classic RCPSP of at most 62 tasks, the exact branch and bound of
:mod:`steerco.engine.scheduling.branch_and_bound` for up to 80% of the time left (on
PSPLIB J30 it proves in 0.1 to 1.5 s the optima CP-SAT took 9 to 19 s over, while
CP-SAT proves the one it cannot, j3013_1, in about 2 s); then the genetic search on
the best schedule, then genetic searches restarted from new populations (measured
on PSPLIB J90, one population stops improving after about 2,000 schedules, and a
large neighbourhood search with CP-SAT did not improve on its schedules in the
time). Measured on PSPLIB: a CP-SAT search whose horizon stayed at the heuristic's
makespan never improved the best schedule of a hard J90 instance, and the hard J30
proofs need several seconds of search below the best schedule, which that design
gave them only a second of.

Where the branch and bound does not apply, CP-SAT gives its own thread to a second
genetic search once a fifth of the time has passed with its bound still far below
the best makespan (see ``CP_SAT_SHARE``).

Imported lazily: ``ortools`` loads only when the solver method runs.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from steerco.engine.scheduling import branch_and_bound
from steerco.engine.scheduling.leveling import Network

# Seconds without improvement after which the genetic search on the first
# population gives way to restarted populations.
STALL_SECONDS = 1.0
# Schedules without a shorter one after which a genetic search starts again from a
# new population (or half the population's age, when that is more).
RESTART_PASSES = 1000
# Members of each restarted population. Measured on the hardest of a PSPLIB J90
# sample, restarted runs of 30,000 schedules: with two-point crossover only, 30
# members left 30 and 32 periods above the best known in total (two seeds), 60 left
# 26 and 23, 100 left 22 and 24. With peak crossover (seven instances, six seeds):
# 50 members left 147, 100 left 128, 200 left 106 and 400 left 108; at 60,000
# schedules (three seeds) 100 left 55, 200 and 400 both 47.
RESTART_POPULATION = 200
# Nodes of the exact branch and bound between two looks at the other threads
# (about a tenth of a second).
BRANCH_AND_BOUND_NODES = 20_000
# Share of the time left that the branch and bound may take before the genetic
# search. Measured on the 19 PSPLIB J30 instances that take over half a second: the
# branch and bound first (up to 80%) proves them all in 13.2 s in total, the slowest
# in 3.0 s; after the first genetic population (up to half), 26.6 s and 4.4 s.
BRANCH_AND_BOUND_SHARE = 0.8
# Share of the time limit after which CP-SAT gives its thread to a second genetic
# search, on networks the branch and bound does not take, when its bound is still
# more than HANDOVER_GAP below the best makespan (closer, a proof may be near).
# Measured on the hardest instances of a PSPLIB J90 sample: every shorter schedule
# came from the genetic search, while CP-SAT never raised their bound; the proofs it
# does complete late (up to 9 s) start from bounds within a few percent.
CP_SAT_SHARE = 0.2
HANDOVER_GAP = 0.05


@dataclass(frozen=True, slots=True)
class SolverOutcome:
    """What CP-SAT found: ``starts`` is ``None`` when it found no schedule."""

    starts: np.ndarray | None
    makespan: int
    lower_bound: int
    status: str


def incompatible_groups(network: Network, *, max_groups: int = 2000) -> list[list[int]]:
    """Groups of tasks that pairwise cannot overlap in time.

    Two tasks conflict when, for some resource, their demands add up to more than
    its highest capacity: then one must finish before the other starts. Tasks
    already ordered by the links are left out of a pair. Groups are grown greedily
    around each task, largest demands first, and kept when they hold a pair not yet
    covered.
    """
    if len(network.resource_ids) == 0:
        return []
    highest = np.array([int(values.max()) for values in network.given_capacity], dtype=np.int64)
    runs = (network.duration > 0) & (network.demand.sum(axis=1) > 0)
    candidates = np.nonzero(runs)[0]
    if candidates.size < 2:
        return []
    demand = network.demand[candidates]
    # conflicts[a, b]: demands of a and b exceed some capacity together.
    conflicts = np.zeros((candidates.size, candidates.size), dtype=bool)
    for row in range(len(network.resource_ids)):
        column = demand[:, row]
        conflicts |= (column[:, None] + column[None, :]) > highest[row]
    np.fill_diagonal(conflicts, False)
    if not conflicts.any():
        return []
    weight = (demand / np.maximum(highest, 1)).max(axis=1)
    order = np.argsort(-weight, kind="stable")
    covered = np.zeros_like(conflicts)
    groups: list[list[int]] = []
    for seed in order:
        if len(groups) >= max_groups:
            break
        if not (conflicts[seed] & ~covered[seed]).any():
            continue
        group = [int(seed)]
        common = conflicts[seed].copy()
        for other in order:
            if common[other]:
                group.append(int(other))
                common &= conflicts[other]
        if len(group) < 2:
            continue
        members = np.array(group)
        if covered[np.ix_(members, members)].sum() == len(group) * (len(group) - 1):
            continue
        covered[np.ix_(members, members)] = True
        groups.append([int(candidates[member]) for member in group])
    return groups


class _Incumbent:
    """The best schedule so far and the best bound, shared by every thread of a solve.

    ``on_closed`` callbacks (stopping the CP-SAT searches) run once the bound meets
    the makespan: the schedule is then proven optimal.
    """

    def __init__(self, starts: np.ndarray, makespan: int, bound: int) -> None:
        self.lock = threading.Lock()
        self.starts = starts
        self.makespan = makespan
        self.bound = bound
        self.on_closed: list[Callable[[], None]] = []
        # Called with the new makespan and the source of each shorter schedule.
        self.on_better: list[Callable[[int, str], None]] = []

    def offer(self, starts: np.ndarray, makespan: int, source: str = "") -> bool:
        with self.lock:
            better = makespan < self.makespan
            if better:
                self.starts, self.makespan = starts, makespan
        if better:
            for callback in list(self.on_better):
                callback(makespan, source)
            if self.closed:
                self._notify()
        return better

    def raise_bound(self, bound: int) -> None:
        with self.lock:
            raised = bound > self.bound
            self.bound = max(self.bound, bound)
        if raised and self.closed:
            self._notify()

    def _notify(self) -> None:
        for callback in list(self.on_closed):
            callback()

    @property
    def closed(self) -> bool:
        return self.bound >= self.makespan


def _second_worker(
    network: Network,
    incumbent: _Incumbent,
    stop: threading.Event,
    seed: int,
    deadline: float,
    exact: bool,
) -> None:
    """The thread beside the CP-SAT searches.

    With ``exact`` (a classic RCPSP network), first the exact branch and bound (see
    :func:`_prove_by_branch_and_bound`). Then the genetic search: one population from
    the incumbent (the kernels run without the GIL), taking in the shorter schedules
    CP-SAT finds; once it stalls, populations restarted from new samples until the
    deadline (see :func:`_restarted_evolution`).
    """
    from steerco.engine.scheduling.leveling import Evolution

    if exact:
        now = time.perf_counter()
        until = now + BRANCH_AND_BOUND_SHARE * (deadline - now)
        _prove_by_branch_and_bound(network, incumbent, stop, until=until)
        if stop.is_set() or incumbent.closed:
            return
    evolution = Evolution(
        network, incumbent.starts, incumbent.makespan, seed=seed + 1, target=incumbent.bound
    )
    known = incumbent.makespan
    chunk = 1
    started = time.perf_counter()
    improved = started
    while not stop.is_set() and not incumbent.closed:
        now = time.perf_counter()
        if now - improved > max(STALL_SECONDS, 0.5 * (now - started)):
            break
        if incumbent.makespan < known:
            known = incumbent.makespan
            evolution.adopt(incumbent.starts, incumbent.makespan)
        evolution.target = incumbent.bound
        done = evolution.run(chunk)
        if done == 0:
            break
        # Chunks of about 20 ms keep the thread quick to stop when CP-SAT is done.
        per_pass = (time.perf_counter() - now) / done
        chunk = max(1, min(256, int(0.02 / max(per_pass, 1e-6))))
        if evolution.makespan < known:
            starts, makespan = evolution.best()
            incumbent.offer(starts, makespan, "genetic")
            known = makespan
            improved = time.perf_counter()
    if stop.is_set() or incumbent.closed:
        return
    _restarted_evolution(network, incumbent, stop, seed + 1, deadline)


def _prove_by_branch_and_bound(
    network: Network, incumbent: _Incumbent, stop: threading.Event, *, until: float
) -> None:
    """The exact branch and bound below the incumbent, until it ends or ``until``.

    It prunes against the best makespan of every thread (taken in between budgets of
    nodes, each about a tenth of a second) and offers the schedules it finds itself;
    once it has explored its whole tree, nothing is shorter than its best makespan.
    """
    search = branch_and_bound.BranchAndBound(network, incumbent.makespan)
    going = True
    while going and not stop.is_set() and not incumbent.closed:
        if time.perf_counter() >= until:
            return
        search.lower_upper(incumbent.makespan)
        going = search.run(BRANCH_AND_BOUND_NODES)
        found = search.best()
        if found is not None and found[1] < incumbent.makespan:
            incumbent.offer(found[0], found[1], "branch-and-bound")
    if search.proven:
        incumbent.raise_bound(search.upper)


def _restarted_evolution(
    network: Network,
    incumbent: _Incumbent,
    stop: threading.Event,
    seed: int,
    deadline: float,
) -> None:
    """Genetic searches from new populations, one after another, until ``deadline``.

    A population of ``RESTART_POPULATION`` is dropped once it has gone
    ``RESTART_PASSES`` schedules (or half its age) without a shorter one; each new
    population is sampled on the next priority rule. Shorter schedules go to the
    incumbent.
    """
    from steerco.engine.scheduling.leveling import Evolution

    evolution = Evolution(
        network,
        incumbent.starts,
        incumbent.makespan,
        seed=seed,
        target=incumbent.bound,
        size=RESTART_POPULATION,
    )
    restarts = 0
    while not stop.is_set() and not incumbent.closed and time.perf_counter() < deadline - 0.05:
        restarts += 1
        evolution.restart(seed + 7919 * restarts, rule=restarts)
        run_passes = 0
        run_best = -1
        best_pass = 0
        while not stop.is_set() and not incumbent.closed:
            if time.perf_counter() > deadline - 0.05:
                break
            if run_passes - best_pass > max(RESTART_PASSES, run_passes // 2):
                break
            evolution.target = incumbent.bound
            # Chunks of 64 schedules (10 to 30 ms) keep the thread quick to stop.
            done = evolution.run(64)
            if done == 0:
                break
            run_passes += done
            if run_best < 0 or 0 <= evolution.makespan < run_best:
                run_best = evolution.makespan
                best_pass = run_passes
            if 0 <= evolution.makespan < incumbent.makespan:
                starts, makespan = evolution.best()
                incumbent.offer(starts, makespan, "genetic")


def _search_below(
    network: Network,
    incumbent: _Incumbent,
    stop: threading.Event,
    *,
    workers: int,
    seed: int,
    deadline: float,
) -> str:
    """CP-SAT searches for a schedule shorter than the incumbent, until it is proven.

    Each search has the incumbent's makespan minus one as its horizon, so that every
    task's window is as tight as the best schedule allows, and minimises the makespan
    within it: it either finds shorter schedules (offered to the incumbent as it
    goes), proves the shortest it found optimal, or, finding none, proves the
    incumbent optimal (a destructive lower bound step). When the genetic search finds
    a schedule as short as the horizon, the search is stale: it stops and starts again
    below the new incumbent. Returns the status of the last search.
    """
    status_name = "UNKNOWN"
    attempts = 0
    while not stop.is_set() and not incumbent.closed:
        if deadline - time.perf_counter() < 0.01:
            break
        status_name, stale = _search_once(
            network, incumbent, stop, workers=workers, seed=seed + attempts, deadline=deadline
        )
        attempts += 1
        if not stale:
            break
    return status_name


def _search_once(
    network: Network,
    incumbent: _Incumbent,
    stop: threading.Event,
    *,
    workers: int,
    seed: int,
    deadline: float,
) -> tuple[str, bool]:
    """One search of :func:`_search_below`: its status, and whether it went stale."""
    from ortools.sat.python import cp_model

    target = incumbent.makespan - 1
    model, starts_vars = build_model(
        network, "delay_finish", incumbent.starts, target, min(incumbent.bound, target)
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.01)
    solver.parameters.random_seed = seed
    # Measured on PSPLIB J30: without the linear relaxation CP-SAT proves the hard
    # instances with two to three times fewer conflicts, each of them cheaper.
    solver.parameters.linearization_level = 0
    stale = threading.Event()

    def on_better(makespan: int, source: str) -> None:
        if source != "cp-sat" and makespan <= target:
            stale.set()
            solver.stop_search()

    def on_bound(bound: float) -> None:
        incumbent.raise_bound(int(np.ceil(bound - 1e-6)))

    class _Collect(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            values = np.array([self.value(start) for start in starts_vars], dtype=np.int64)
            incumbent.offer(values, int((values + network.duration).max(initial=0)), "cp-sat")

    solver.best_bound_callback = on_bound
    incumbent.on_better.append(on_better)
    incumbent.on_closed.append(solver.stop_search)
    stopper = stop_when_set(stop, solver)
    try:
        status = solver.solve(model, _Collect())
    finally:
        stopper.set()
        incumbent.on_better.remove(on_better)
        incumbent.on_closed.remove(solver.stop_search)
    if status == cp_model.OPTIMAL:
        incumbent.raise_bound(round(solver.objective_value))
    elif status == cp_model.INFEASIBLE:
        incumbent.raise_bound(target + 1)
    else:
        # Within the horizon nothing is shorter than the search's bound, and beyond it
        # nothing is shorter than the horizon: the bound holds for every schedule.
        incumbent.raise_bound(min(int(np.ceil(solver.best_objective_bound - 1e-6)), target + 1))
    return solver.status_name(status), stale.is_set()


def stop_when_set(stop: threading.Event, solver: Any) -> threading.Event:
    """Stop ``solver`` as soon as ``stop`` is set; set the returned event to let go."""
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            if stop.wait(0.02):
                solver.stop_search()
                return

    threading.Thread(target=watch, daemon=True).start()
    return done


def solve(
    network: Network,
    mode: str,
    *,
    hint: np.ndarray,
    hint_makespan: int,
    lower_bound: int,
    time_limit: float,
    workers: int,
    seed: int,
    hint_overloaded: bool = False,
) -> SolverOutcome:
    """Run CP-SAT from the heuristic's schedule ``hint``.

    In ``delay_finish`` mode, minimise the makespan below ``hint_makespan``; the
    outcome's ``lower_bound`` is the bound CP-SAT proved. CP-SAT runs on
    ``workers - 1`` threads (at least one), always below the best schedule so far
    (:func:`_search_below`); with two or more ``workers`` the last thread runs the
    genetic search (:func:`_second_worker`). They share schedules and bounds and all
    stop as soon as the bound meets the best makespan.

    In ``within_slack`` mode, find a schedule within capacity that keeps every task
    before its late start, with the least total delay; ``starts`` is ``None`` if
    there is none (or none was found in time).
    """
    from ortools.sat.python import cp_model

    began = time.perf_counter()
    deadline = began + time_limit
    if mode == "delay_finish":
        if lower_bound >= hint_makespan:
            return SolverOutcome(hint.copy(), hint_makespan, hint_makespan, "OPTIMAL")
        incumbent = _Incumbent(hint.copy(), hint_makespan, lower_bound)
        stop = threading.Event()
        helper: threading.Thread | None = None
        exact = branch_and_bound.applies(network)
        if workers >= 2:
            helper = threading.Thread(
                target=_second_worker,
                args=(network, incumbent, stop, seed, deadline, exact),
                daemon=True,
            )
            helper.start()
        # CP-SAT keeps its thread to the end where the branch and bound runs beside it
        # (it proves what the branch and bound cannot), or alone.
        handover = threading.Event()
        timer: threading.Timer | None = None
        if workers >= 2 and not exact:

            def hand_over_if_far() -> None:
                if incumbent.makespan - incumbent.bound > HANDOVER_GAP * incumbent.makespan:
                    handover.set()

            timer = threading.Timer(CP_SAT_SHARE * time_limit, hand_over_if_far)
            timer.daemon = True
            timer.start()
        try:
            name = _search_below(
                network,
                incumbent,
                handover,
                workers=max(1, workers - 1),
                seed=seed,
                deadline=deadline,
            )
            if handover.is_set() and not incumbent.closed:
                _restarted_evolution(network, incumbent, stop, seed + 104_729, deadline)
        finally:
            if timer is not None:
                timer.cancel()
            stop.set()
            if helper is not None:
                helper.join()
        if incumbent.closed:
            name = "OPTIMAL"
        bound = min(incumbent.bound, incumbent.makespan)
        if incumbent.makespan < hint_makespan:
            return SolverOutcome(incumbent.starts, incumbent.makespan, bound, name)
        return SolverOutcome(None, hint_makespan, bound, name)

    model, starts = build_model(network, mode, hint, hint_makespan, lower_bound)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    solver.parameters.linearization_level = 0
    if hint_overloaded:
        solver.parameters.repair_hint = True
    solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.01)
    status = solver.solve(model)
    name = solver.status_name(status)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        values = np.array([solver.value(start) for start in starts], dtype=np.int64)
        return SolverOutcome(values, network.critical_path, network.critical_path, name)
    return SolverOutcome(None, network.critical_path, network.critical_path, name)


def build_model(
    network: Network,
    mode: str,
    hint: np.ndarray,
    hint_makespan: int,
    lower_bound: int,
) -> tuple[Any, list[Any]]:
    """The CP-SAT model and its start variables."""
    from ortools.sat.python import cp_model

    n = network.size
    upper = hint_makespan if mode == "delay_finish" else network.critical_path
    model = cp_model.CpModel()
    early = network.early
    late = upper - network.tail
    starts = [
        model.new_int_var(int(early[task]), int(max(late[task], early[task])), f"s{task}")
        for task in range(n)
    ]
    intervals: dict[int, Any] = {}
    for task in range(n):
        if network.duration[task] > 0 and network.use_ptr[task + 1] > network.use_ptr[task]:
            intervals[task] = model.new_fixed_size_interval_var(
                starts[task], int(network.duration[task]), f"i{task}"
            )
    for task in range(n):
        for k in range(network.pred_ptr[task], network.pred_ptr[task + 1]):
            model.add(
                starts[task] >= starts[int(network.pred_task[k])] + int(network.pred_delta[k])
            )
    makespan = model.new_int_var(int(min(lower_bound, upper)), int(upper), "makespan")
    # An interval from the makespan to past the horizon that takes a whole resource
    # lets each cumulative constraint reason about the finish directly.
    after_finish = model.new_interval_var(
        makespan, model.new_int_var(1, upper + 1, "after_size"), upper + 1, "after_finish"
    )
    capacity = network.capacity_over(max(upper, 1))
    for row in range(len(network.resource_ids)):
        users = [task for task in intervals if network.demand[task, row] > 0]
        if not users:
            continue
        values = capacity[row]
        peak = int(values.max())
        if sum(int(network.demand[task, row]) for task in users) <= int(values.min()):
            continue  # never binding
        resource_intervals = [intervals[task] for task in users]
        resource_demands = [int(network.demand[task, row]) for task in users]
        # Periods with less capacity hold a fixed interval of the missing units.
        period = 0
        while period < len(values):
            end = period + 1
            while end < len(values) and int(values[end]) == int(values[period]):
                end += 1
            missing = peak - int(values[period])
            if missing > 0:
                resource_intervals.append(
                    model.new_fixed_size_interval_var(period, end - period, f"dip{row}_{period}")
                )
                resource_demands.append(missing)
            period = end
        if mode == "delay_finish":
            resource_intervals.append(after_finish)
            resource_demands.append(peak)
        model.add_cumulative(resource_intervals, resource_demands, peak)

    if mode == "delay_finish":
        for group in incompatible_groups(network):
            model.add_no_overlap([intervals[task] for task in group])
        for task in range(n):
            model.add(starts[task] + int(network.tail[task]) <= makespan)
        model.minimize(makespan)
        model.add_hint(makespan, int(hint_makespan))
    else:
        model.minimize(sum(starts[task] - int(early[task]) for task in range(n)))
    for task in range(n):
        model.add_hint(starts[task], int(hint[task]))
    return model, starts
