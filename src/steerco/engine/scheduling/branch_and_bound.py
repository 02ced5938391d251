"""Exact branch and bound for small leveling problems, the proof beside CP-SAT.

The search is Demeulemeester & Herroelen's (1992; see
:mod:`steerco.engine.scheduling._branch_and_bound_kernels`): depth first over
partial schedules, branching on minimal delaying alternatives, with a critical-path
and resource-work bound and the cutset dominance rule. It applies to networks of at
most 62 tasks whose links are all finish-to-start without lag, with constant
capacities and no release dates: the classic RCPSP, the shape of PSPLIB and of many
small projects.

Why beside CP-SAT: on PSPLIB J30 the three instances CP-SAT took longest to prove
(j3013_2, j3029_3 and j3029_6: 9 to 19 s of single-thread search below the optimum,
whatever the parameters) are proven by this search in 0.1 to 1.5 s once it knows the
optimal makespan, because the cutset rule discards the many partial schedules that
only differ in the order of work already done. It fails where CP-SAT's learning wins
(j3013_1: not proven in 5 million nodes, which CP-SAT proves in 2 s), and on larger
networks the number of cutsets explodes, hence the 62-task limit (one 64-bit mask
per task set) and running both side by side.

Measured on PSPLIB J30 with the optimum as the bound to beat, every instance but
j3013_1 is proven, the slowest (j3013_5) in 537,000 nodes and 2.2 s; all 480 with a
search from a loose bound find the optimum.

The search runs in budgets of nodes so that a caller can stop it, lower its upper
bound when another search finds a shorter schedule, and read the proof when it ends.
"""

from __future__ import annotations

import numpy as np

from steerco.engine.scheduling import _branch_and_bound_kernels as kernels
from steerco.engine.scheduling.leveling import Network

MAX_TASKS = 62
# Stored cutsets: a full table only weakens the dominance rule. About 96 MiB bound
# one search's table whatever the network's size: an entry takes its time, chain
# link, running tasks and their finishes, and up to two hash slots (a slot per
# distinct cutset; there are far fewer cutsets than entries).
_TABLE_BYTES = 96 << 20
_ENTRY_BYTES = 8 + 8 + 8 + 4 * kernels.MAX_STORED_RUNNING + 1 + 2 * 16
_MAX_ENTRIES = _TABLE_BYTES // _ENTRY_BYTES
_FIRST_ENTRIES = 1 << 14
_STACK = 20_000


def applies(network: Network) -> bool:
    """Whether ``network`` is a classic RCPSP the branch and bound can solve.

    At most :data:`MAX_TASKS` tasks, every link finish-to-start without lag (a
    minimum start-to-start lag equal to the predecessor's duration), constant
    capacities, and no task released after the start.
    """
    n = network.size
    if n == 0 or n > MAX_TASKS or len(network.resource_ids) == 0:
        return False
    if network.varying_capacity or bool(np.any(network.release != 0)):
        return False
    predecessor_duration = network.duration[network.pred_task]
    if not np.array_equal(network.pred_delta, predecessor_duration):
        return False
    return bool(np.all(network.demand.max(axis=0) <= _capacities(network)))


def _capacities(network: Network) -> np.ndarray:
    return np.array([int(values[0]) for values in network.given_capacity], dtype=np.int64)


def _tails(network: Network, capacity: np.ndarray) -> np.ndarray:
    """Each task's duration plus a bound on the time the work after it needs.

    That work is the task's successors, direct or not: at least the longest path
    after the task, and at least each resource's work among them over its capacity
    (all of it starts after the task finishes).
    """
    n = network.size
    after = np.zeros((n, n), dtype=bool)  # after[i, j]: j follows i
    for task in network.order[::-1]:
        for k in range(network.succ_ptr[task], network.succ_ptr[task + 1]):
            successor = int(network.succ_task[k])
            after[task, successor] = True
            after[task] |= after[successor]
    work = after.astype(np.int64) @ (network.demand * network.duration[:, None])
    spans = -(-work // np.maximum(capacity, 1)[None, :])
    return np.maximum(network.tail, network.duration + spans.max(axis=1, initial=0)).astype(
        np.int64
    )


class BranchAndBound:
    """One search for a schedule of ``network`` shorter than ``upper``.

    Call :meth:`run` until it returns ``False``; then :attr:`proven` says whether the
    whole tree was explored, in which case no schedule is shorter than :attr:`upper`.
    :meth:`best` gives the shortest schedule the search itself found, if any.
    """

    # The table of stored partial schedules (see :meth:`_allocate_table`).
    _heads: np.ndarray
    _keys: np.ndarray
    _on_path: np.ndarray
    _entry_time: np.ndarray
    _entry_next: np.ndarray
    _entry_running: np.ndarray
    _entry_finish: np.ndarray

    def __init__(self, network: Network, upper: int) -> None:
        if not applies(network):
            raise ValueError("the branch and bound needs a classic RCPSP network")
        n = network.size
        self._duration = network.duration.astype(np.int64)
        self._demand = np.ascontiguousarray(network.demand, dtype=np.int64)
        self._capacity = _capacities(network)
        self._before = kernels.predecessor_masks(
            n, network.pred_ptr.astype(np.int64), network.pred_task.astype(np.int64)
        )
        self._tail = _tails(network, self._capacity)
        self._stack_time = np.zeros(_STACK, dtype=np.int64)
        self._stack_done = np.zeros(_STACK, dtype=np.int64)
        self._stack_running = np.zeros(_STACK, dtype=np.int64)
        # Rows are written when a node is pushed; only the root's is read unwritten.
        self._stack_start = np.empty((_STACK, n), dtype=np.int64)
        self._stack_start[0] = -1
        self._stack_bound = np.zeros(_STACK, dtype=np.int64)
        self._stack_depth = np.zeros(_STACK, dtype=np.int64)
        self._stack_entry = np.full(_STACK, -1, dtype=np.int64)
        self._path = np.full(n + 2, -1, dtype=np.int64)
        # The table starts small (most searches end within a few thousand nodes) and
        # grows between budgets up to _TABLE_BYTES.
        self._progress = np.zeros(5, dtype=np.int64)
        self._allocate_table(_FIRST_ENTRIES)
        # The root: nothing started at time 0.
        self._progress[kernels.STACK_TOP] = 1
        self._progress[kernels.UPPER] = upper
        self._best = np.full(n, -1, dtype=np.int64)
        self._found_makespan = -1
        self._status = kernels.BUDGET_SPENT

    def _allocate_table(self, entries: int) -> None:
        """A table of ``entries`` entries holding the ones stored so far."""
        stored = int(self._progress[kernels.ENTRIES])
        slots = 1 << int(2 * entries - 1).bit_length()
        heads = np.full(slots, -1, dtype=np.int64)
        keys = np.full(slots, -1, dtype=np.int64)
        on_path = np.zeros(entries, dtype=np.bool_)
        entry_time = np.zeros(entries, dtype=np.int64)
        entry_next = np.full(entries, -1, dtype=np.int64)
        entry_running = np.zeros(entries, dtype=np.int64)
        entry_finish = np.zeros((entries, kernels.MAX_STORED_RUNNING), dtype=np.int32)
        if stored:
            on_path[:stored] = self._on_path[:stored]
            entry_time[:stored] = self._entry_time[:stored]
            entry_next[:stored] = self._entry_next[:stored]
            entry_running[:stored] = self._entry_running[:stored]
            entry_finish[:stored] = self._entry_finish[:stored]
            kernels.rehash(self._keys, self._heads, keys, heads)
        self._heads, self._keys, self._on_path = heads, keys, on_path
        self._entry_time, self._entry_next = entry_time, entry_next
        self._entry_running, self._entry_finish = entry_running, entry_finish

    @property
    def upper(self) -> int:
        """The best makespan known to the search: it looks for shorter ones only."""
        return int(self._progress[kernels.UPPER])

    def lower_upper(self, makespan: int) -> None:
        """Take in a shorter schedule found elsewhere: prune against it from now on."""
        if makespan < self.upper:
            self._progress[kernels.UPPER] = makespan

    @property
    def nodes(self) -> int:
        return int(self._progress[kernels.NODES])

    @property
    def proven(self) -> bool:
        """True once every node is explored: nothing is shorter than :attr:`upper`."""
        return self._status == kernels.EXHAUSTED

    def best(self) -> tuple[np.ndarray, int] | None:
        """The shortest schedule this search itself found, and its makespan."""
        if self._found_makespan < 0:
            return None
        return self._best.copy(), self._found_makespan

    def run(self, budget: int) -> bool:
        """Expand up to ``budget`` nodes; ``False`` once the search has ended."""
        if self._status != kernels.BUDGET_SPENT:
            return False
        before = self.upper
        target = self.nodes + budget
        while True:
            may_grow = self._entry_time.size < _MAX_ENTRIES
            self._status = kernels.expand(
                self._duration,
                self._demand,
                self._capacity,
                self._before,
                self._tail,
                self._stack_time,
                self._stack_done,
                self._stack_running,
                self._stack_start,
                self._stack_bound,
                self._stack_depth,
                self._stack_entry,
                self._path,
                self._on_path,
                self._heads,
                self._keys,
                self._entry_time,
                self._entry_next,
                self._entry_running,
                self._entry_finish,
                self._progress,
                self._best,
                max(0, target - self.nodes),
                may_grow,
            )
            if self._status != kernels.TABLE_FULL:
                break
            self._allocate_table(min(4 * self._entry_time.size, _MAX_ENTRIES))
            self._status = kernels.BUDGET_SPENT
        if self.upper < before:
            self._found_makespan = self.upper
        return self._status == kernels.BUDGET_SPENT


def prove(network: Network, upper: int, *, node_limit: int) -> BranchAndBound:
    """Run a whole search below ``upper`` (or until ``node_limit`` nodes)."""
    search = BranchAndBound(network, upper)
    while search.nodes < node_limit and search.run(min(100_000, node_limit - search.nodes)):
        pass
    return search
