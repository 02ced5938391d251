"""Compiled inner loop of the exact branch and bound (numba).

The search is the one of Demeulemeester & Herroelen (1992, "A branch-and-bound
procedure for the multiple resource-constrained project scheduling problem",
Management Science 38(12):1803-1818), as a depth-first search over an explicit
stack so that it can stop after a node budget and resume where it stopped:

* a node is a partial schedule at a decision time ``t``: tasks finished by ``t``
  (``done``) and tasks in progress at ``t`` (``running``, with their starts);
* at a node every eligible task (all predecessors finished) starts at ``t``; when
  the tasks then in progress overload a resource, the node branches on the
  *minimal delaying alternatives*: the smallest sets of tasks in progress whose
  removal resolves the overload (a task already in progress may be taken out again);
* a child's decision time is the earliest finish among the tasks left in progress;
* a child is dropped when its lower bound (critical path from each unfinished task,
  and each resource's remaining work against its capacity) reaches the best
  makespan, or when the *cutset dominance rule* applies: an earlier partial schedule
  with the same set of started tasks, at a time no later, whose tasks in progress
  all finished no later (the rule of the paper; an ancestor never dominates its own
  descendant, since the descendant is part of its subtree).

Task sets are bit masks of one ``int64``, so a network has at most 62 tasks. Every
precedence is finish-to-start without lag and every capacity is constant: the
caller checks both (see :mod:`steerco.engine.scheduling.branch_and_bound`).

Everything here is an implementation detail of that module.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# What :func:`expand` returns.
EXHAUSTED = 0  # every node explored: no schedule is shorter than the best makespan
BUDGET_SPENT = 1  # stopped after the node budget; call again to go on
TOO_WIDE = 2  # a node branches too widely for the fixed buffers: the search gives up
TABLE_FULL = 3  # the table may not hold the next node's children: grow it and go on

# Slots of the ``progress`` vector shared between calls.
STACK_TOP = 0
UPPER = 1  # best makespan so far: only shorter schedules are searched for
NODES = 2
ENTRIES = 3  # cutsets stored
DEPTH = 4  # depth of the last node expanded

# At most this many started tasks use an overloaded resource at one decision time;
# the delaying alternatives are found among all their subsets.
MAX_RUNNING = 16
MAX_CHILDREN = 4096
# A stored cutset keeps the finishes of at most this many running tasks (a partial
# schedule with more is not stored: the rule only loses a little pruning).
MAX_STORED_RUNNING = 12
# The most recent entries of a cutset compared with a new partial schedule.
MAX_SCANNED = 32
_FAR = np.int64(1) << np.int64(40)


@njit(cache=True, nogil=True)
def _bit(task: int) -> np.int64:
    return np.int64(1) << np.int64(task)


@njit(cache=True, nogil=True)
def predecessor_masks(n: int, pred_ptr: np.ndarray, pred_task: np.ndarray) -> np.ndarray:
    """For each task, the mask of its predecessors."""
    masks = np.zeros(n, dtype=np.int64)
    for task in range(n):
        for k in range(pred_ptr[task], pred_ptr[task + 1]):
            masks[task] |= _bit(pred_task[k])
    return masks


@njit(cache=True, nogil=True)
def _task_count(tasks: np.int64) -> int:
    count = 0
    while tasks:
        tasks &= tasks - np.int64(1)
        count += 1
    return count


@njit(cache=True, nogil=True)
def _slot(keys: np.ndarray, key: np.int64) -> int:
    """Slot of ``key`` in the open-addressing table ``keys`` (-1 marks a free slot)."""
    mask = keys.size - 1
    slot = int((key * np.int64(0x5851F42D4C957F2D)) >> np.int64(20)) & mask
    while keys[slot] != -1 and keys[slot] != key:
        slot = (slot + 1) & mask
    return slot


@njit(cache=True, nogil=True)
def rehash(
    keys: np.ndarray, heads: np.ndarray, new_keys: np.ndarray, new_heads: np.ndarray
) -> None:
    """Move every cutset of a table to a larger one (the chains stay as they are)."""
    for slot in range(keys.size):
        if keys[slot] != -1:
            moved = _slot(new_keys, keys[slot])
            new_keys[moved] = keys[slot]
            new_heads[moved] = heads[slot]


@njit(cache=True, nogil=True)
def _dominated(
    slot: int,
    heads: np.ndarray,
    at: np.int64,
    running: np.int64,
    start: np.ndarray,
    duration: np.ndarray,
    entry_time: np.ndarray,
    entry_next: np.ndarray,
    entry_running: np.ndarray,
    entry_finish: np.ndarray,
    on_path: np.ndarray,
) -> bool:
    """Whether a stored partial schedule with the same cutset dominates this one.

    An entry keeps the finishes of its running tasks in task order
    (``entry_finish[entry, k]`` for the k-th task of ``entry_running[entry]``).
    """
    n = duration.size
    entry = heads[slot]
    scanned = 0
    while entry >= 0 and scanned < MAX_SCANNED:
        scanned += 1
        if entry_time[entry] <= at and not on_path[entry]:
            dominates = True
            position = 0
            for task in range(n):
                if entry_running[entry] & _bit(task):
                    limit = at
                    if running & _bit(task):
                        limit = max(limit, start[task] + duration[task])
                    if entry_finish[entry, position] > limit:
                        dominates = False
                        break
                    position += 1
            if dominates:
                return True
        entry = entry_next[entry]
    return False


@njit(cache=True, nogil=True)
def _delaying_alternatives(
    members: np.ndarray,
    count: int,
    used: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    fits: np.ndarray,
    removed: np.ndarray,
    out: np.ndarray,
) -> int:
    """Minimal sets of ``members[:count]`` whose removal brings ``used`` within capacity.

    Writes each set as a task mask into ``out`` and returns how many there are (-1 when
    ``out`` is too small). A set is minimal when removing it fits and putting back any
    one of its tasks does not (fitting is monotone, so that is enough). Only the
    overloaded resources are checked, each subset's removed demand being the demand
    of the subset without its lowest task plus that task's.
    """
    total = 1 << count
    for subset in range(total):
        fits[subset] = True
    for r in range(capacity.size):
        excess = used[r] - capacity[r]
        if excess <= 0:
            continue
        removed[0] = 0
        fits[0] = False
        for subset in range(1, total):
            lowest = 0
            while not (subset >> lowest) & 1:
                lowest += 1
            removed[subset] = removed[subset & (subset - 1)] + demand[members[lowest], r]
            if removed[subset] < excess:
                fits[subset] = False
    found = 0
    for subset in range(1, total):
        if not fits[subset]:
            continue
        minimal = True
        for b in range(count):
            if (subset >> b) & 1 and fits[subset ^ (1 << b)]:
                minimal = False
                break
        if not minimal:
            continue
        if found >= out.size:
            return -1
        delayed = np.int64(0)
        for b in range(count):
            if (subset >> b) & 1:
                delayed |= _bit(members[b])
        out[found] = delayed
        found += 1
    return found


@njit(cache=True, nogil=True)
def expand(
    duration: np.ndarray,
    demand: np.ndarray,
    capacity: np.ndarray,
    before: np.ndarray,
    tail: np.ndarray,
    stack_time: np.ndarray,
    stack_done: np.ndarray,
    stack_running: np.ndarray,
    stack_start: np.ndarray,
    stack_bound: np.ndarray,
    stack_depth: np.ndarray,
    stack_entry: np.ndarray,
    path: np.ndarray,
    on_path: np.ndarray,
    heads: np.ndarray,
    keys: np.ndarray,
    entry_time: np.ndarray,
    entry_next: np.ndarray,
    entry_running: np.ndarray,
    entry_finish: np.ndarray,
    progress: np.ndarray,
    best_start: np.ndarray,
    budget: int,
    may_grow: bool,
) -> int:
    """Expand up to ``budget`` nodes of the search; returns one of the statuses above.

    ``before[task]`` is the mask of the task's predecessors (:func:`predecessor_masks`),
    ``tail[task]`` its duration plus a lower bound on the time the work after it needs. With ``may_grow``
    the search stops (``TABLE_FULL``) before the table may overflow. A schedule
    shorter than ``progress[UPPER]`` is written to ``best_start`` and lowers it.
    """
    n = duration.size
    resources = capacity.size
    everything = (np.int64(1) << np.int64(n)) - np.int64(1)
    members = np.empty(MAX_RUNNING, dtype=np.int64)
    started_tasks = np.empty(n, dtype=np.int64)
    used = np.zeros(resources, dtype=np.int64)
    rest = np.zeros(resources, dtype=np.int64)
    work = np.zeros(resources, dtype=np.int64)
    start = np.empty(n, dtype=np.int64)
    fits = np.zeros(1 << MAX_RUNNING, dtype=np.bool_)
    removed = np.zeros(1 << MAX_RUNNING, dtype=np.int64)
    alternatives = np.empty(MAX_CHILDREN, dtype=np.int64)
    child_start = np.empty((MAX_CHILDREN, n), dtype=np.int64)
    child_time = np.empty(MAX_CHILDREN, dtype=np.int64)
    child_done = np.empty(MAX_CHILDREN, dtype=np.int64)
    child_running = np.empty(MAX_CHILDREN, dtype=np.int64)
    child_bound = np.empty(MAX_CHILDREN, dtype=np.int64)
    child_entry = np.empty(MAX_CHILDREN, dtype=np.int64)
    top = progress[STACK_TOP]
    expanded = 0
    while top > 0:
        if expanded >= budget:
            progress[STACK_TOP] = top
            return BUDGET_SPENT
        if may_grow and progress[ENTRIES] + MAX_CHILDREN > entry_time.size:
            progress[STACK_TOP] = top
            return TABLE_FULL
        top -= 1
        upper = progress[UPPER]
        if stack_bound[top] >= upper:
            continue
        expanded += 1
        progress[NODES] += 1
        depth = stack_depth[top]
        # The ancestors of this node are path[:depth]: unmark the branch left behind.
        for level in range(depth, progress[DEPTH] + 1):
            if path[level] >= 0:
                on_path[path[level]] = False
            path[level] = -1
        path[depth] = stack_entry[top]
        if stack_entry[top] >= 0:
            on_path[stack_entry[top]] = True
        progress[DEPTH] = depth

        at = stack_time[top]
        done = stack_done[top]
        running = stack_running[top]
        for task in range(n):
            start[task] = stack_start[top, task]
        # Zero-duration tasks finish as soon as they are eligible.
        while True:
            eligible = np.int64(0)
            instant = np.int64(0)
            for task in range(n):
                if (done | running) & _bit(task):
                    continue
                if (done & before[task]) == before[task]:
                    eligible |= _bit(task)
                    if duration[task] == 0:
                        instant |= _bit(task)
                        start[task] = at
            if instant == 0:
                break
            done |= instant
        if done == everything:
            if at < upper:
                progress[UPPER] = at
                for task in range(n):
                    best_start[task] = start[task]
            continue

        started = running | eligible
        for r in range(resources):
            used[r] = 0
        for task in range(n):
            if not (started & _bit(task)):
                continue
            if eligible & _bit(task):
                start[task] = at
            for r in range(resources):
                used[r] += demand[task, r]
        overloaded = False
        for r in range(resources):
            overloaded = overloaded or used[r] > capacity[r]
        if overloaded:
            # Only tasks on an overloaded resource can be part of a minimal alternative.
            count = 0
            for task in range(n):
                if not (started & _bit(task)):
                    continue
                for r in range(resources):
                    if demand[task, r] > 0 and used[r] > capacity[r]:
                        if count >= MAX_RUNNING:
                            progress[STACK_TOP] = top + 1
                            return TOO_WIDE
                        members[count] = task
                        count += 1
                        break
            choices = _delaying_alternatives(
                members, count, used, demand, capacity, fits, removed, alternatives
            )
            if choices < 0:
                progress[STACK_TOP] = top + 1
                return TOO_WIDE
        else:
            choices = 1
            alternatives[0] = 0

        # What every child shares: the started tasks, and the work left at ``at`` if
        # they all go on (tasks not started count whole).
        started_count = 0
        for task in range(n):
            if started & _bit(task):
                started_tasks[started_count] = task
                started_count += 1
        for r in range(resources):
            work[r] = 0
        for task in range(n):
            if done & _bit(task):
                continue
            remaining = duration[task]
            if running & _bit(task):
                remaining = start[task] + duration[task] - at
            for r in range(resources):
                work[r] += remaining * demand[task, r]

        children = 0
        for choice in range(choices):
            kept = started & ~alternatives[choice]
            following = _FAR
            for index in range(started_count):
                task = started_tasks[index]
                if kept & _bit(task):
                    following = min(following, start[task] + duration[task])
            # Lower bound: the critical path from each started task (a task not
            # started has a started predecessor, or is one of the delayed), and each
            # resource's remaining work against its capacity.
            bound = following
            next_done = done
            next_running = np.int64(0)
            for r in range(resources):
                rest[r] = work[r]
            for index in range(started_count):
                task = started_tasks[index]
                if kept & _bit(task):
                    if start[task] + duration[task] == following:
                        next_done |= _bit(task)
                    else:
                        next_running |= _bit(task)
                    bound = max(bound, start[task] + tail[task])
                    for r in range(resources):
                        rest[r] -= (following - at) * demand[task, r]
                else:
                    bound = max(bound, following + tail[task])
                    if running & _bit(task):
                        # Delayed after it started: its work done so far is lost.
                        for r in range(resources):
                            rest[r] += (at - start[task]) * demand[task, r]
            for r in range(resources):
                if capacity[r] > 0:
                    bound = max(bound, following + (rest[r] + capacity[r] - 1) // capacity[r])
            if bound >= upper:
                continue
            cutset = next_done | next_running
            slot = _slot(keys, cutset)
            if keys[slot] == cutset and _dominated(
                slot,
                heads,
                following,
                next_running,
                start,
                duration,
                entry_time,
                entry_next,
                entry_running,
                entry_finish,
                on_path,
            ):
                continue
            child_entry[children] = -1
            entry = progress[ENTRIES]
            # A full table only weakens the dominance rule; the search stays exact.
            if entry < entry_time.size and _task_count(next_running) <= MAX_STORED_RUNNING:
                keys[slot] = cutset
                entry_time[entry] = following
                entry_running[entry] = next_running
                position = 0
                for task in range(n):
                    if next_running & _bit(task):
                        entry_finish[entry, position] = start[task] + duration[task]
                        position += 1
                entry_next[entry] = heads[slot]
                heads[slot] = entry
                progress[ENTRIES] = entry + 1
                child_entry[children] = entry
            child_time[children] = following
            child_done[children] = next_done
            child_running[children] = next_running
            child_bound[children] = bound
            for task in range(n):
                child_start[children, task] = start[task]
            children += 1

        if top + children > stack_time.size:
            progress[STACK_TOP] = top + 1
            return TOO_WIDE
        # Pushed largest bound first, so the most promising child is expanded next.
        for child in np.argsort(-child_bound[:children], kind="mergesort"):
            stack_time[top] = child_time[child]
            stack_done[top] = child_done[child]
            stack_running[top] = child_running[child]
            stack_bound[top] = child_bound[child]
            stack_entry[top] = child_entry[child]
            stack_depth[top] = depth + 1
            for task in range(n):
                stack_start[top, task] = child_start[child, task]
            top += 1
    progress[STACK_TOP] = 0
    return EXHAUSTED
