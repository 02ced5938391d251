"""Resource leveling: the resource-constrained project scheduling problem (RCPSP).

Tasks on integer periods use renewable resources (people, roles, machines) whose
capacity per period is a constant or an array (from calendars). Leveling moves
tasks later so that no resource is over-allocated in any period, respecting the
links between tasks (FS/SS/FF/SF with non-negative lags).

Two modes:

``"delay_finish"``
    Every over-allocation is removed; the project finish may move. This is the
    RCPSP: minimise the makespan.
``"within_slack"``
    No task moves past its late start, so the project finish never moves. Tasks
    that cannot be leveled within their slack are reported in
    :attr:`LevelingResult.unresolved` (they stay over-allocated).

Two methods:

``"heuristic"``
    Serial and parallel schedule generation schemes with priority rules (LFT, LST,
    MTS, GRPW), regret-based biased random sampling, then a genetic algorithm on
    activity lists; every schedule is double-justified. Within a time budget
    (0.1 s by default), for interactive use.
``"solver"``
    The heuristic's schedule, then OR-Tools CP-SAT started from it, returning a
    proven lower bound and the gap. Never worse than the heuristic.

Each task that moved is listed with its original and new start and the reason:
the resources whose over-allocation delayed it and the tasks it competed with,
or the delayed predecessors that pushed it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from steerco.engine.errors import CycleError, InfeasibleError, InputError

__all__ = [
    "LINK_KINDS",
    "MODES",
    "LevelingLink",
    "LevelingProblem",
    "LevelingResource",
    "LevelingResult",
    "LevelingTask",
    "TaskMove",
    "UnresolvedTask",
    "level",
    "warm_up",
]

LINK_KINDS = ("FS", "SS", "FF", "SF")
MODES = ("delay_finish", "within_slack")
METHODS = ("heuristic", "solver")

# Default budgets (seconds). The heuristic must feel instant in a page; the solver
# is for a background job or a benchmark.
HEURISTIC_TIME_LIMIT = 0.1
# Schedules the heuristic generates at most (Kolisch & Hartmann's usual budget), and
# before CP-SAT starts in the solver method.
MAX_PASSES = 5000
SOLVER_WARM_START_PASSES = 1000
# A move lists the tasks that got in its way first, not everyone it ever waited for.
MOST_COMPETITORS = 8
SOLVER_TIME_LIMIT = 10.0


@dataclass(frozen=True, slots=True)
class LevelingTask:
    """A task to level.

    Parameters
    ----------
    id:
        Unique task identifier.
    duration:
        Duration in periods (0 for a milestone).
    demands:
        Units of each resource used in every period the task runs, by resource id.
    priority:
        Higher priorities are placed first and so delayed last (as in Microsoft
        Project's leveling priority). Default 0.
    earliest_start:
        The task cannot start before this period (a "start no earlier than").
    """

    id: str
    duration: int
    demands: Mapping[str, int] = field(default_factory=dict)
    priority: int = 0
    earliest_start: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InputError("a task needs a non-empty text id", field="tasks")
        if not _is_int(self.duration) or self.duration < 0:
            raise InputError("duration must be a whole number of periods >= 0", field=self.id)
        if not _is_int(self.priority):
            raise InputError("priority must be a whole number", field=self.id)
        if not _is_int(self.earliest_start) or self.earliest_start < 0:
            raise InputError("earliest_start must be a period >= 0", field=self.id)
        for resource, amount in self.demands.items():
            if not _is_int(amount) or amount < 0:
                raise InputError(
                    f"demand for resource {resource!r} must be a whole number >= 0",
                    field=self.id,
                )


@dataclass(frozen=True, slots=True)
class LevelingLink:
    """A dependency between two tasks.

    Parameters
    ----------
    predecessor, successor:
        Task ids.
    kind:
        ``"FS"`` (finish-to-start), ``"SS"``, ``"FF"`` or ``"SF"``.
    lag:
        Periods between the two ends, >= 0.
    """

    predecessor: str
    successor: str
    kind: str = "FS"
    lag: int = 0

    def __post_init__(self) -> None:
        name = f"{self.predecessor}->{self.successor}"
        if self.kind not in LINK_KINDS:
            raise InputError(f"link kind must be one of {', '.join(LINK_KINDS)}", field=name)
        if not _is_int(self.lag) or self.lag < 0:
            raise InputError("lag must be a whole number of periods >= 0", field=name)
        if self.predecessor == self.successor:
            raise InputError("a task cannot depend on itself", field=name)


@dataclass(frozen=True, slots=True)
class LevelingResource:
    """A renewable resource.

    Parameters
    ----------
    id:
        Unique resource identifier.
    capacity:
        Units available per period: one number for every period, or one number per
        period from period 0 (for example from a calendar). After the last given
        period, the last value holds.
    """

    id: str
    capacity: int | Sequence[int]

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InputError("a resource needs a non-empty text id", field="resources")
        capacity: object = self.capacity
        values: Sequence[object] = (capacity,) if _is_int(capacity) else ()
        if not values:
            if isinstance(capacity, (str, bytes)) or not isinstance(capacity, Sequence):
                raise InputError(
                    "capacity must be a number or a sequence of numbers", field=self.id
                )
            values = capacity
        if len(values) == 0:
            raise InputError("capacity needs at least one period", field=self.id)
        for value in values:
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < 0:
                raise InputError("capacity must be whole numbers >= 0", field=self.id)

    def capacity_array(self) -> np.ndarray:
        """The capacity per period as given (one element for a constant)."""
        if _is_int(self.capacity):
            return np.array([self.capacity], dtype=np.int64)
        return np.asarray(self.capacity, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class LevelingProblem:
    """Tasks, links and resources to level.

    Parameters
    ----------
    tasks:
        The tasks; results list them in this order.
    links:
        Dependencies between tasks.
    resources:
        The resources the tasks' demands refer to.
    mode:
        ``"delay_finish"`` (default: level fully, the finish may move) or
        ``"within_slack"`` (no task moves past its late start).

    Raises
    ------
    InputError
        On duplicate ids, links or demands naming unknown tasks or resources.
    """

    tasks: tuple[LevelingTask, ...]
    links: tuple[LevelingLink, ...] = ()
    resources: tuple[LevelingResource, ...] = ()
    mode: str = "delay_finish"

    def __post_init__(self) -> None:
        object.__setattr__(self, "tasks", tuple(self.tasks))
        object.__setattr__(self, "links", tuple(self.links))
        object.__setattr__(self, "resources", tuple(self.resources))
        if self.mode not in MODES:
            raise InputError(f"mode must be one of {', '.join(MODES)}", field="mode")
        task_ids: set[str] = set()
        for task in self.tasks:
            if not isinstance(task, LevelingTask):
                raise InputError("tasks must be LevelingTask objects", field="tasks")
            if task.id in task_ids:
                raise InputError("duplicate task id", field=task.id)
            task_ids.add(task.id)
        resource_ids: set[str] = set()
        for resource in self.resources:
            if not isinstance(resource, LevelingResource):
                raise InputError("resources must be LevelingResource objects", field="resources")
            if resource.id in resource_ids:
                raise InputError("duplicate resource id", field=resource.id)
            resource_ids.add(resource.id)
        for task in self.tasks:
            for resource_id in task.demands:
                if resource_id not in resource_ids:
                    raise InputError(f"demand for unknown resource {resource_id!r}", field=task.id)
        for link in self.links:
            if not isinstance(link, LevelingLink):
                raise InputError("links must be LevelingLink objects", field="links")
            for end in (link.predecessor, link.successor):
                if end not in task_ids:
                    raise InputError(
                        f"link names unknown task {end!r}",
                        field=f"{link.predecessor}->{link.successor}",
                    )


@dataclass(frozen=True, slots=True)
class TaskMove:
    """A task that leveling started later than its unleveled (critical path) start.

    Attributes
    ----------
    task:
        Task id.
    original_start, new_start:
        Start before and after leveling; ``delay`` is their difference.
    resources:
        Resources over-allocated at every earlier start the task could have had.
    competing_tasks:
        Tasks using those resources in those periods, those in the way first first
        (at most eight).
    delayed_predecessors:
        Predecessors that were themselves delayed and hold this task back.
    """

    task: str
    original_start: int
    new_start: int
    delay: int
    resources: tuple[str, ...]
    competing_tasks: tuple[str, ...]
    delayed_predecessors: tuple[str, ...]

    @property
    def explanation(self) -> str:
        """The reason in one sentence."""
        reasons = []
        if self.resources:
            text = "not enough " + ", ".join(self.resources)
            if self.competing_tasks:
                shown = ", ".join(self.competing_tasks[:5])
                more = len(self.competing_tasks) - 5
                text += " (used by " + shown + (f" and {more} more" if more > 0 else "") + ")"
            reasons.append(text)
        if self.delayed_predecessors:
            reasons.append("waits for delayed " + ", ".join(self.delayed_predecessors))
        because = "; ".join(reasons) if reasons else "no earlier start fits"
        return (
            f"{self.task} starts at {self.new_start} instead of {self.original_start} "
            f"(+{self.delay}): {because}"
        )


@dataclass(frozen=True, slots=True)
class UnresolvedTask:
    """A task that could not be leveled within its slack (``within_slack`` mode).

    Attributes
    ----------
    task:
        Task id.
    resources:
        Resources over capacity during the task.
    periods:
        Periods of the task in which one of them is over capacity.
    """

    task: str
    resources: tuple[str, ...]
    periods: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class LevelingResult:
    """The leveled schedule.

    Attributes
    ----------
    starts, finishes:
        Period of each task's start and finish (exclusive), in the problem's task order.
    makespan:
        Project finish after leveling.
    original_makespan:
        Project finish of the unleveled (critical path) schedule.
    lower_bound:
        No schedule within capacity finishes earlier (critical path, resource
        energy, or the bound CP-SAT proved).
    optimal:
        ``makespan == lower_bound``: no shorter schedule exists.
    gap:
        ``(makespan - lower_bound) / makespan``.
    seconds:
        Wall-clock time of the call.
    method, mode:
        As asked.
    moves:
        Tasks that start later than unleveled, with the reasons.
    unresolved:
        ``within_slack`` only: tasks left over capacity because their slack is too short.
    passes:
        Schedules the heuristic generated.
    solver_status:
        CP-SAT's status name, or ``None`` when the solver did not run.
    """

    starts: dict[str, int]
    finishes: dict[str, int]
    makespan: int
    original_makespan: int
    lower_bound: int
    optimal: bool
    gap: float
    seconds: float
    method: str
    mode: str
    moves: tuple[TaskMove, ...]
    unresolved: tuple[UnresolvedTask, ...]
    passes: int
    solver_status: str | None = None

    @property
    def leveled(self) -> bool:
        """True when no resource is over capacity in any period."""
        return not self.unresolved


@dataclass(slots=True)
class Network:
    """The problem in arrays (an implementation detail shared with the solver)."""

    task_ids: tuple[str, ...]
    resource_ids: tuple[str, ...]
    duration: np.ndarray
    demand: np.ndarray  # [task, resource]
    release: np.ndarray
    priority: np.ndarray
    use_ptr: np.ndarray
    use_resource: np.ndarray
    use_amount: np.ndarray
    pred_ptr: np.ndarray
    pred_task: np.ndarray
    pred_delta: np.ndarray
    succ_ptr: np.ndarray
    succ_task: np.ndarray
    succ_delta: np.ndarray
    order: np.ndarray
    early: np.ndarray
    tail: np.ndarray
    critical_path: int
    given_capacity: list[np.ndarray]  # as the user gave it, last value holds after
    capacity: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))

    @property
    def size(self) -> int:
        return int(self.duration.shape[0])

    @property
    def varying_capacity(self) -> bool:
        return any(
            len(values) > 1 and np.any(values != values[0]) for values in self.given_capacity
        )

    def capacity_over(self, periods: int) -> np.ndarray:
        """Capacity of each resource over ``periods`` periods."""
        table = np.empty((len(self.resource_ids), periods), dtype=np.int64)
        for row, values in enumerate(self.given_capacity):
            given = min(len(values), periods)
            table[row, :given] = values[:given]
            table[row, given:] = values[-1]
        return table

    def link_delta(self, kind: str, lag: int, predecessor: int, successor: int) -> int:
        """``start[successor] >= start[predecessor] + delta`` for a link."""
        before = int(self.duration[predecessor])
        after = int(self.duration[successor])
        if kind == "FS":
            return before + lag
        if kind == "SS":
            return lag
        if kind == "FF":
            return before + lag - after
        return lag - after  # SF


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _compressed(
    n: int, owners: np.ndarray, others: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.argsort(owners, kind="stable")
    counts = np.bincount(owners, minlength=n)
    pointer = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=pointer[1:])
    return pointer, others[order].astype(np.int64), values[order].astype(np.int64)


def _find_cycle(
    n: int, succ_ptr: np.ndarray, succ_task: np.ndarray, acyclic: set[int]
) -> list[int]:
    """One cycle among the tasks not in ``acyclic`` (iterative depth-first search)."""
    state = dict.fromkeys(range(n), 0)  # 0 new, 1 on the path, 2 done
    for root in range(n):
        if root in acyclic or state[root]:
            continue
        path = [root]
        cursor = [int(succ_ptr[root])]
        state[root] = 1
        while path:
            node = path[-1]
            if cursor[-1] < succ_ptr[node + 1]:
                successor = int(succ_task[cursor[-1]])
                cursor[-1] += 1
                if successor in acyclic or state[successor] == 2:
                    continue
                if state[successor] == 1:
                    return path[path.index(successor) :]
                state[successor] = 1
                path.append(successor)
                cursor.append(int(succ_ptr[successor]))
            else:
                state[node] = 2
                path.pop()
                cursor.pop()
    return []


def build_network(problem: LevelingProblem) -> Network:
    """Turn ``problem`` into arrays, check for cycles, compute the critical path."""
    from steerco.engine.scheduling import _leveling_kernels as kernels

    tasks = problem.tasks
    n = len(tasks)
    task_ids = tuple(task.id for task in tasks)
    index = {task_id: position for position, task_id in enumerate(task_ids)}
    resource_ids = tuple(resource.id for resource in problem.resources)
    resource_index = {resource_id: row for row, resource_id in enumerate(resource_ids)}
    duration = np.fromiter((task.duration for task in tasks), dtype=np.int64, count=n)
    release = np.fromiter((task.earliest_start for task in tasks), dtype=np.int64, count=n)
    priority = np.fromiter((task.priority for task in tasks), dtype=np.int64, count=n)
    demand = np.zeros((n, len(resource_ids)), dtype=np.int64)
    for position, task in enumerate(tasks):
        if task.duration > 0:
            for resource_id, amount in task.demands.items():
                demand[position, resource_index[resource_id]] = amount
    used_task, used_resource = np.nonzero(demand)
    use_ptr, use_resource, use_amount = _compressed(
        n, used_task, used_resource, demand[used_task, used_resource]
    )

    links = problem.links
    predecessors = np.fromiter((index[link.predecessor] for link in links), np.int64, len(links))
    successors = np.fromiter((index[link.successor] for link in links), np.int64, len(links))
    lags = np.fromiter((link.lag for link in links), np.int64, len(links))
    kinds = [link.kind for link in links]
    delta = lags.copy()
    kind_array = np.array(kinds if kinds else ["FS"], dtype="<U2")[: len(links)]
    finish_from = np.isin(kind_array, ("FS", "FF"))
    finish_to = np.isin(kind_array, ("FF", "SF"))
    delta[finish_from] += duration[predecessors[finish_from]]
    delta[finish_to] -= duration[successors[finish_to]]
    # Several links between the same pair act as their strongest one.
    if len(links):
        pair = predecessors * n + successors
        order = np.lexsort((-delta, pair))
        keep = np.ones(len(links), dtype=bool)
        keep[1:] = pair[order][1:] != pair[order][:-1]
        chosen = order[keep]
        predecessors, successors, delta = (
            predecessors[chosen],
            successors[chosen],
            delta[chosen],
        )
    pred_ptr, pred_task, pred_delta = _compressed(n, successors, predecessors, delta)
    succ_ptr, succ_task, succ_delta = _compressed(n, predecessors, successors, delta)

    pred_count = np.diff(pred_ptr)
    order = kernels.topological_order(n, succ_ptr, succ_task, pred_count)
    if order.shape[0] < n:
        cycle = _find_cycle(n, succ_ptr, succ_task, {int(task) for task in order})
        raise CycleError([task_ids[task] for task in cycle])
    early, tail, critical_path = kernels.precedence_bounds(
        order, duration, release, pred_ptr, pred_task, pred_delta, succ_ptr, succ_task, succ_delta
    )
    given = [resource.capacity_array() for resource in problem.resources]
    for row, resource_id in enumerate(resource_ids):
        most = int(given[row].max())
        too_big = np.nonzero(demand[:, row] > most)[0]
        if too_big.size:
            culprit = int(too_big[0])
            raise InfeasibleError(
                f"task {task_ids[culprit]!r} needs {int(demand[culprit, row])} units of "
                f"{resource_id!r}, which never has more than {most}",
                constraints=[f"{task_ids[culprit]} demand", f"{resource_id} capacity"],
            )
    return Network(
        task_ids=task_ids,
        resource_ids=resource_ids,
        duration=duration,
        demand=demand,
        release=release,
        priority=priority,
        use_ptr=use_ptr,
        use_resource=use_resource,
        use_amount=use_amount,
        pred_ptr=pred_ptr,
        pred_task=pred_task,
        pred_delta=pred_delta,
        succ_ptr=succ_ptr,
        succ_task=succ_task,
        succ_delta=succ_delta,
        order=order,
        early=early,
        tail=tail,
        critical_path=int(critical_path),
        given_capacity=given,
    )


def _schedule_horizon(network: Network) -> int:
    """Periods enough for any schedule the heuristic builds.

    Past the given capacity arrays and every earliest start, a serial scheme places
    each task no later than the previous finishes plus its largest incoming lag, so
    the sum of durations and lags bounds the makespan.
    """
    n = network.size
    largest_lag = np.zeros(n, dtype=np.int64)
    if network.pred_task.size:
        counts = np.diff(network.pred_ptr)
        owners = np.repeat(np.arange(n), counts)
        # Whatever the link kind, start[i] + delta <= finish[i] + (delta - duration[i]).
        np.maximum.at(largest_lag, owners, network.pred_delta - network.duration[network.pred_task])
        largest_lag = np.maximum(largest_lag, 0)
    longest_given = max((len(values) for values in network.given_capacity), default=1)
    start = max(longest_given, int(network.release.max(initial=0)), network.critical_path)
    return int(start + network.duration.sum() + largest_lag.sum() + 2)


def _priority_keys(network: Network, horizon_finish: int) -> np.ndarray:
    """One key per rule and task; smaller keys are scheduled first."""
    from steerco.engine.scheduling import _leveling_kernels as kernels

    late_start = (horizon_finish - network.tail).astype(np.float64)
    late_finish = late_start + network.duration
    total_successors = kernels.count_all_successors(
        network.order, network.succ_ptr, network.succ_task
    ).astype(np.float64)
    successor_work = np.zeros(network.size, dtype=np.float64)
    if network.succ_task.size:
        owners = np.repeat(np.arange(network.size), np.diff(network.succ_ptr))
        np.add.at(successor_work, owners, network.duration[network.succ_task])
    positional_weight = network.duration + successor_work
    # Ties go to the task with the smaller late start, then the smaller index, so
    # that every rule is deterministic.
    tie = late_start / (4.0 * max(horizon_finish, 1) + 4.0)
    return np.stack(
        [
            late_finish + tie,
            late_start + tie,
            -total_successors + tie,
            -positional_weight + tie,
        ]
    )


def energy_bound(network: Network) -> int:
    """Earliest finish allowed by each resource's total work against its capacity."""
    work = (network.demand * network.duration[:, None]).sum(axis=0)
    bound = 0
    for row, values in enumerate(network.given_capacity):
        total = int(work[row])
        if total == 0:
            continue
        given = np.cumsum(values)
        if given[-1] >= total:
            bound = max(bound, int(np.searchsorted(given, total)) + 1)
        elif values[-1] > 0:
            rest = total - int(given[-1])
            bound = max(bound, len(values) + math.ceil(rest / int(values[-1])))
    return bound


@dataclass(slots=True)
class HeuristicOutcome:
    starts: np.ndarray
    makespan: int
    overloaded: np.ndarray
    passes: int


def run_heuristic(
    network: Network,
    mode: str,
    *,
    time_limit: float,
    max_passes: int,
    seed: int,
    target: int,
) -> HeuristicOutcome:
    """Multi-pass sampling within ``time_limit`` seconds or ``max_passes`` schedules."""
    from steerco.engine.scheduling import _leveling_kernels as kernels

    began = time.perf_counter()
    n = network.size
    arrays = (
        network.duration,
        network.release,
        network.use_ptr,
        network.use_resource,
        network.use_amount,
        network.pred_ptr,
        network.pred_task,
        network.pred_delta,
        network.succ_ptr,
        network.succ_task,
    )
    if mode == "within_slack":
        deadline = network.critical_path
        latest = np.maximum(deadline - network.tail, network.early)
        network.capacity = network.capacity_over(
            max(deadline, max(len(v) for v in network.given_capacity), 1) + 1
        )
        keys = _priority_keys(network, deadline)
        starts = network.early.copy()
        flags = np.zeros(n, dtype=np.bool_)
        score = np.array([-1, 0, 0], dtype=np.int64)
        passes = 0
        chunk = 4
        while passes < max_passes:
            starts, flags, score, done = kernels.sample_within_slack(
                passes,
                min(chunk, max_passes - passes),
                seed,
                keys,
                starts,
                flags,
                score,
                network.early,
                latest,
                network.priority,
                network.capacity,
                *arrays,
            )
            passes += done
            if done == 0 or time.perf_counter() - began > time_limit:
                break
            chunk = min(chunk * 2, 256)
        return HeuristicOutcome(starts, deadline, flags.astype(bool), passes)

    network.capacity = network.capacity_over(_schedule_horizon(network))
    keys = _priority_keys(network, network.critical_path)
    best = np.full(n, -1, dtype=np.int64)
    best_makespan = -1
    passes = 0
    chunk = 1
    # Half the budget samples with the priority rules, the rest evolves the best.
    sampling_passes = max(max_passes // 2, min(max_passes, 2 * keys.shape[0]))
    while passes < sampling_passes:
        best, best_makespan, done = kernels.sample_schedules(
            passes,
            min(chunk, sampling_passes - passes),
            seed,
            keys,
            best,
            best_makespan,
            target,
            network.priority,
            network.capacity,
            network.varying_capacity,
            *arrays,
            network.succ_delta,
        )
        passes += done
        if done == 0 or (0 <= best_makespan <= target):
            break
        elapsed = time.perf_counter() - began
        if elapsed > time_limit / 2:
            break
        per_pass = elapsed / max(passes, 1)
        chunk = int(min(max((time_limit / 2 - elapsed) / max(per_pass, 1e-7) / 4, 1), 4096))
    if best_makespan < 0:
        unplaced = [network.task_ids[task] for task in np.nonzero(best < 0)[0][:5]]
        raise InfeasibleError(
            "some tasks fit in no period where their resources have capacity",
            constraints=unplaced,
        )
    if best_makespan > target and passes < max_passes:
        evolution = Evolution(network, best, best_makespan, seed=seed, target=target)
        while passes < max_passes and time.perf_counter() - began < time_limit:
            done = evolution.run(min(chunk, max_passes - passes))
            passes += done
            if done == 0 or evolution.makespan <= target:
                break
        best, best_makespan = evolution.best()
    return HeuristicOutcome(best, best_makespan, np.zeros(n, dtype=bool), passes)


class Evolution:
    """A genetic algorithm's population, run a chunk of passes at a time."""

    SIZE = 30

    def __init__(
        self,
        network: Network,
        starts: np.ndarray,
        makespan: int,
        *,
        seed: int,
        target: int,
        size: int = SIZE,
    ) -> None:
        self.network = network
        self.population = np.zeros((size, network.size), dtype=np.int64)
        self.makespans = np.full(size, -1, dtype=np.int64)
        self.population[0] = starts
        self.makespans[0] = makespan
        self.init_key = _priority_keys(network, network.critical_path)[0]
        self.seed = seed
        self.target = target
        self.passes = 0

    @property
    def makespan(self) -> int:
        filled = self.makespans[self.makespans >= 0]
        return int(filled.min()) if filled.size else -1

    def best(self) -> tuple[np.ndarray, int]:
        filled = np.where(self.makespans >= 0, self.makespans, np.iinfo(np.int64).max)
        member = int(np.argmin(filled))
        return self.population[member].copy(), int(self.makespans[member])

    def adopt(self, starts: np.ndarray, makespan: int) -> None:
        """Put a schedule found elsewhere in place of the worst member."""
        worst = int(np.argmax(self.makespans))
        if self.makespans[worst] < 0 or makespan < self.makespans[worst]:
            self.population[worst] = starts
            self.makespans[worst] = makespan

    def restart(self, seed: int, rule: int = 0) -> None:
        """Start again from a new population, sampled on priority rule ``rule``.

        Measured on PSPLIB J90: a population of 30 stops improving after about
        2,000 schedules, and the best of several short runs beats one long run.
        """
        keys = _priority_keys(self.network, self.network.critical_path)
        self.init_key = keys[rule % keys.shape[0]]
        self.makespans[:] = -1
        self.seed = seed

    def run(self, passes: int) -> int:
        from steerco.engine.scheduling import _leveling_kernels as kernels

        network = self.network
        done = int(
            kernels.genetic_search(
                self.passes,
                passes,
                self.seed,
                self.population,
                self.makespans,
                self.init_key,
                self.target,
                network.priority,
                network.capacity,
                network.duration,
                network.release,
                network.use_ptr,
                network.use_resource,
                network.use_amount,
                network.pred_ptr,
                network.pred_task,
                network.pred_delta,
                network.succ_ptr,
                network.succ_task,
                network.succ_delta,
            )
        )
        self.passes += done
        return done


def _load_profile(network: Network, starts: np.ndarray, periods: int) -> np.ndarray:
    """Units of each resource in use in each period."""
    load = np.zeros((len(network.resource_ids), periods + 1), dtype=np.int64)
    active = network.duration > 0
    for row in range(len(network.resource_ids)):
        users = active & (network.demand[:, row] > 0)
        np.add.at(load[row], starts[users], network.demand[users, row])
        np.add.at(load[row], starts[users] + network.duration[users], -network.demand[users, row])
    return np.cumsum(load, axis=1)[:, :periods]


def _explain_moves(network: Network, starts: np.ndarray) -> tuple[TaskMove, ...]:
    """Why each task starts later than its critical-path start."""
    from steerco.engine.scheduling import _leveling_kernels as kernels

    finish = int((starts + network.duration).max(initial=0))
    periods = max(finish, 1)
    load = _load_profile(network, starts, periods)
    capacity = network.capacity_over(periods)
    moved = np.nonzero(starts > network.early)[0]
    if moved.size == 0:
        return ()
    bound = network.release.copy()
    for late_task in moved.tolist():
        for k in range(network.pred_ptr[late_task], network.pred_ptr[late_task + 1]):
            bound[late_task] = max(
                bound[late_task], starts[network.pred_task[k]] + network.pred_delta[k]
            )
    conflict, pair_task, pair_other = kernels.resource_conflicts(
        moved,
        starts,
        bound,
        load,
        capacity,
        network.duration,
        network.demand,
        network.use_ptr,
        network.use_resource,
        MOST_COMPETITORS,
    )
    competitors: dict[int, list[int]] = {}
    for task, other in zip(pair_task.tolist(), pair_other.tolist(), strict=True):
        competitors.setdefault(task, []).append(other)
    ids = network.task_ids
    moves = []
    for position, task in enumerate(moved.tolist()):
        pushed_by = []
        if bound[task] > network.early[task]:
            for k in range(network.pred_ptr[task], network.pred_ptr[task + 1]):
                predecessor = int(network.pred_task[k])
                if (
                    starts[predecessor] + network.pred_delta[k] == bound[task]
                    and starts[predecessor] > network.early[predecessor]
                ):
                    pushed_by.append(ids[predecessor])
        moves.append(
            TaskMove(
                task=ids[task],
                original_start=int(network.early[task]),
                new_start=int(starts[task]),
                delay=int(starts[task] - network.early[task]),
                resources=tuple(
                    network.resource_ids[row] for row in np.nonzero(conflict[position])[0]
                ),
                competing_tasks=tuple(ids[other] for other in competitors.get(task, [])),
                delayed_predecessors=tuple(pushed_by),
            )
        )
    return tuple(moves)


def _unresolved(
    network: Network, starts: np.ndarray, flagged: np.ndarray
) -> tuple[UnresolvedTask, ...]:
    if not flagged.any():
        return ()
    finish = int((starts + network.duration).max(initial=0))
    load = _load_profile(network, starts, max(finish, 1))
    over = load > network.capacity_over(max(finish, 1))
    result = []
    for task in np.nonzero(flagged)[0].tolist():
        window = slice(int(starts[task]), int(starts[task] + network.duration[task]))
        rows = [
            row
            for row in range(over.shape[0])
            if network.demand[task, row] > 0 and over[row, window].any()
        ]
        if not rows:
            continue
        periods = np.nonzero(over[rows, window].any(axis=0))[0] + int(starts[task])
        result.append(
            UnresolvedTask(
                task=network.task_ids[task],
                resources=tuple(network.resource_ids[row] for row in rows),
                periods=tuple(int(p) for p in periods),
            )
        )
    return tuple(result)


def level(
    problem: LevelingProblem,
    *,
    method: str = "heuristic",
    time_limit: float | None = None,
    workers: int = 2,
    seed: int = 0,
    max_passes: int | None = None,
) -> LevelingResult:
    """Level the resources of ``problem``.

    Parameters
    ----------
    problem:
        Tasks, links, resources and mode.
    method:
        ``"heuristic"`` (fast, for interactive use) or ``"solver"`` (the heuristic,
        then CP-SAT from its schedule; proves a lower bound).
    time_limit:
        Seconds for the whole call. Defaults: 0.1 for the heuristic, 10 for the solver.
    workers:
        Threads for the solver method. With 2 or more, CP-SAT runs ``workers - 1``
        search workers and one thread runs a genetic search on the best schedule
        found so far, each adopting the other's better schedules; with 1, CP-SAT
        runs alone. Task priorities steer the heuristic; CP-SAT minimises the
        makespan only.
    seed:
        Seed of the random sampling and of CP-SAT: the same seed and passes give
        the same schedule.
    max_passes:
        Most schedules the heuristic generates (default: as many as the time allows,
        up to 5,000).

    Returns
    -------
    LevelingResult

    Raises
    ------
    CycleError
        The links form a cycle.
    InfeasibleError
        A task needs more of a resource than it ever has.
    InputError
        An argument is out of range.
    """
    began = time.perf_counter()
    if method not in METHODS:
        raise InputError(f"method must be one of {', '.join(METHODS)}", field="method")
    if time_limit is not None and not time_limit > 0:
        raise InputError("time_limit must be > 0 seconds", field="time_limit")
    if not _is_int(workers) or workers < 1:
        raise InputError("workers must be a whole number >= 1", field="workers")
    if max_passes is not None and (not _is_int(max_passes) or max_passes < 1):
        raise InputError("max_passes must be a whole number >= 1", field="max_passes")
    budget = (
        time_limit
        if time_limit is not None
        else (HEURISTIC_TIME_LIMIT if method == "heuristic" else SOLVER_TIME_LIMIT)
    )
    network = build_network(problem)
    n = network.size
    if n == 0:
        return LevelingResult(
            starts={},
            finishes={},
            makespan=0,
            original_makespan=0,
            lower_bound=0,
            optimal=True,
            gap=0.0,
            seconds=time.perf_counter() - began,
            method=method,
            mode=problem.mode,
            moves=(),
            unresolved=(),
            passes=0,
        )
    lower_bound = max(network.critical_path, energy_bound(network))
    if problem.mode == "within_slack":
        lower_bound = network.critical_path
    heuristic_share = budget if method == "heuristic" else heuristic_budget(n, budget)
    passes_allowed = max_passes if max_passes is not None else MAX_PASSES
    if method == "solver":
        passes_allowed = min(passes_allowed, SOLVER_WARM_START_PASSES)
    outcome = run_heuristic(
        network,
        problem.mode,
        time_limit=heuristic_share,
        max_passes=passes_allowed,
        seed=seed,
        target=lower_bound,
    )
    starts, makespan, flagged = outcome.starts, outcome.makespan, outcome.overloaded
    status: str | None = None
    if method == "solver":
        from steerco.engine.scheduling import leveling_solver

        remaining = max(budget - (time.perf_counter() - began), 0.01)
        solved = leveling_solver.solve(
            network,
            problem.mode,
            hint=starts,
            hint_makespan=makespan,
            lower_bound=lower_bound,
            time_limit=remaining,
            workers=workers,
            seed=seed,
            hint_overloaded=bool(flagged.any()),
        )
        status = solved.status
        if problem.mode == "delay_finish":
            lower_bound = max(lower_bound, solved.lower_bound)
            if solved.starts is not None and solved.makespan < makespan:
                starts, makespan = solved.starts, solved.makespan
        elif solved.starts is not None:
            starts, flagged = solved.starts, np.zeros(n, dtype=bool)
    if problem.mode == "delay_finish":
        shifted, shifted_makespan = _left_shift(network, starts)
        if 0 <= shifted_makespan <= makespan:
            starts, makespan = shifted, shifted_makespan
    lower_bound = min(lower_bound, makespan)
    finishes = starts + network.duration
    ids = network.task_ids
    return LevelingResult(
        starts=dict(zip(ids, starts.tolist(), strict=True)),
        finishes=dict(zip(ids, finishes.tolist(), strict=True)),
        makespan=int(makespan),
        original_makespan=network.critical_path,
        lower_bound=int(lower_bound),
        optimal=makespan == lower_bound,
        gap=(makespan - lower_bound) / makespan if makespan > 0 else 0.0,
        seconds=time.perf_counter() - began,
        method=method,
        mode=problem.mode,
        moves=_explain_moves(network, starts),
        unresolved=_unresolved(network, starts, flagged),
        passes=outcome.passes,
        solver_status=status,
    )


def warm_up(method: str = "solver") -> None:
    """Load the compiled kernels (and CP-SAT for ``"solver"``) so later calls time fairly.

    The first call of a process otherwise pays for loading numba's cache, or for
    compiling when the cache is empty.
    """
    tasks = (
        LevelingTask("a", 2, {"r": 1}),
        LevelingTask("b", 1, {"r": 1}),
        LevelingTask("c", 1, {"r": 1}),
    )
    problem = LevelingProblem(
        tasks=tasks,
        links=(LevelingLink("a", "c"),),
        resources=(LevelingResource("r", 1),),
    )
    level(LevelingProblem(tasks, problem.links, problem.resources, "within_slack"), max_passes=4)
    # A target below any makespan and no time limit make every phase run (and
    # compile) whatever the time the compiling takes.
    network = build_network(problem)
    run_heuristic(network, "delay_finish", time_limit=math.inf, max_passes=40, seed=0, target=-1)
    level(problem, max_passes=50)
    if method == "solver":
        level(problem, method="solver", time_limit=1.0, workers=2)
        from steerco.engine.scheduling.branch_and_bound import prove

        # The solver's branch and bound only runs on hard problems: compile it here.
        prove(network, upper=network.critical_path + 10, node_limit=100)


def heuristic_budget(tasks: int, time_limit: float) -> float:
    """Seconds the heuristic gets before CP-SAT in the solver method.

    Short: CP-SAT often proves a small instance at once, and with two workers the
    genetic search goes on beside CP-SAT anyway.
    """
    return min(0.05 * time_limit, 0.05 + tasks / 5000)


def _left_shift(network: Network, starts: np.ndarray) -> tuple[np.ndarray, int]:
    from steerco.engine.scheduling import _leveling_kernels as kernels

    needed = int((starts + network.duration).max(initial=0)) + 1
    if network.capacity.shape[1] < needed:
        network.capacity = network.capacity_over(max(needed, _schedule_horizon(network)))
    shifted, makespan = kernels.left_shift(
        starts,
        network.capacity,
        network.duration,
        network.release,
        network.use_ptr,
        network.use_resource,
        network.use_amount,
        network.pred_ptr,
        network.pred_task,
        network.pred_delta,
        network.succ_ptr,
        network.succ_task,
    )
    return shifted, int(makespan)
