# Plain equality chains keep the compiled branches simple for numba (no tuple membership).
# ruff: noqa: SIM109
"""Compiled kernels of the critical-path method (numba, cached on disk).

The network arrives as *nodes* numbered in topological order: a plain task is one node, a summary
task is two (an *entry* node that receives the links into the summary and hands them to its
children, and a *rollup* node that takes the earliest child start and latest child finish and
sends the links out of the summary). Edges are stored twice in CSR form: grouped by successor for
the forward pass and by predecessor for the backward pass.

Times are integers. A task's calendar index ``-1`` means continuous time (offset mode, elapsed
tasks, elapsed lags): adding a duration is an integer addition. An index ``c >= 0`` refers to the
interval tables of calendar ``c`` (wall-clock minutes), through which a time is converted to the
calendar's working minutes, moved, and converted back. When a conversion falls outside the tables
the ``overflow`` flag is raised (bit 1 below the tables, bit 2 above); the caller then widens the
tables on that side and runs again.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Sentinels far from any real time but with room to add lags without wrapping around.
INFINITY = np.int64(1) << np.int64(60)
NEGATIVE_INFINITY = -INFINITY
NO_TIME = INFINITY

# Node kinds.
TASK = 0
ENTRY = 1
ROLLUP = 2

# Edge types: the four link types, then the summary structure.
FS = 0
SS = 1
FF = 2
SF = 3
CHILD = 4  # child (task node or rollup of a sub-summary) -> rollup of its summary
PARENT = 5  # entry of a summary -> child (task node or entry of a sub-summary)

# Constraint codes.
ASAP = 0
ALAP = 1
SNET = 2
SNLT = 3
FNET = 4
FNLT = 5
MSO = 6
MFO = 7

# Progress states.
NOT_STARTED = 0
IN_PROGRESS = 1
FINISHED = 2

# Conflict flags.
CONFLICT_MSO = 1
CONFLICT_MFO = 2
CONFLICT_SNLT = 4
CONFLICT_FNLT = 8
CONFLICT_DEADLINE = 16


# Bucket sizes of the calendar indexes: one bucket per day of wall clock, one per hour of work.
WALL_BUCKET = 1440
WORK_BUCKET = 60


@njit(cache=True)
def _to_work(calendar, wall, tables, overflow):  # type: ignore[no-untyped-def]
    # ``tables is None`` (offset mode) is resolved when numba compiles: the branch disappears.
    if tables is None:
        return wall
    if calendar < 0:
        return wall
    pointer, starts, ends, cumulative, first_wall, day_count, day_index, _, _ = tables
    low = pointer[calendar]
    high = pointer[calendar + 1]
    if wall < starts[low]:
        overflow[0] |= 1
        return cumulative[low]
    if wall > ends[high - 1]:
        overflow[0] |= 2
        return cumulative[high - 1] + ends[high - 1] - starts[high - 1]
    # Last interval starting at or before ``wall``: from the last one starting before the day
    # began, step over the few that start during the day.
    day = (wall - first_wall) // WALL_BUCKET
    k = low
    if 0 <= day < day_count:
        candidate = day_index[calendar * day_count + day]
        if candidate > k:
            k = candidate
    while k + 1 < high and starts[k + 1] <= wall:
        k += 1
    inside = wall - starts[k]
    length = ends[k] - starts[k]
    if inside > length:
        inside = length
    return cumulative[k] + inside


@njit(cache=True)
def _to_wall(calendar, work, finish, tables, overflow):  # type: ignore[no-untyped-def]
    if tables is None:
        return work
    if calendar < 0:
        return work
    pointer, starts, ends, cumulative, _, _, _, work_pointer, work_index = tables
    low = pointer[calendar]
    high = pointer[calendar + 1]
    last_end = cumulative[high - 1] + ends[high - 1] - starts[high - 1]
    if work < cumulative[low]:
        overflow[0] |= 1
        return starts[low]
    if work > last_end or (not finish and work == last_end):
        overflow[0] |= 2
        return ends[high - 1]
    # First interval whose cumulative end is >= work (finish) or > work (start): every interval
    # before the bucket's first one ends before the bucket, so only a few remain to step over.
    k = work_index[work_pointer[calendar] + (work - cumulative[low]) // WORK_BUCKET]
    while k < high - 1:
        interval_end = cumulative[k] + ends[k] - starts[k]
        if interval_end > work or (finish and interval_end == work):
            break
        k += 1
    return starts[k] + (work - cumulative[k])


@njit(cache=True)
def _shift(calendar, time, minutes, tables, overflow):  # type: ignore[no-untyped-def]
    if tables is None:
        return time + minutes
    if minutes == 0 or calendar < 0:
        return time + minutes
    work = _to_work(calendar, time, tables, overflow) + minutes
    return _to_wall(calendar, work, minutes > 0, tables, overflow)


@njit(cache=True)
def _neighbour_moved(  # type: ignore[no-untyped-def]
    i, pointer, neighbour, first, second, previous_first, previous_second
):
    """Whether a neighbour of node ``i`` (in CSR ``pointer``/``neighbour``) changed its times."""
    for k in range(pointer[i], pointer[i + 1]):
        node = neighbour[k]
        if first[node] != previous_first[node] or second[node] != previous_second[node]:
            return True
    return False


# What ``_successors_moved`` finds.
NO_SUCCESSOR = 0
KEPT = 1
MOVED = 2


@njit(cache=True)
def _successors_moved(  # type: ignore[no-untyped-def]
    i,
    kind,
    partner,
    out_pointer,
    out_target,
    out_type,
    early_start,
    early_finish,
    previous_start,
    previous_finish,
):
    """Whether an early date the free float of task node ``i`` reads has moved.

    The links into a summary are read at its rollup node (the summary's dates).
    """
    found = NO_SUCCESSOR
    for k in range(out_pointer[i], out_pointer[i + 1]):
        if out_type[k] == CHILD:
            continue
        found = KEPT
        target = out_target[k]
        if kind[target] == ENTRY:
            target = partner[target]
        if (
            early_start[target] != previous_start[target]
            or early_finish[target] != previous_finish[target]
        ):
            return MOVED
    return found


@njit(cache=True)
def topological_order(node_count, edge_source, edge_target):  # type: ignore[no-untyped-def]
    """Kahn's algorithm with a stack (keeps each project's tasks close together in memory).

    Returns the order and how many nodes it holds (fewer than ``node_count`` on a cycle).
    """
    edge_count = edge_source.shape[0]
    indegree = np.zeros(node_count, np.int64)
    out_pointer = np.zeros(node_count + 1, np.int64)
    for e in range(edge_count):
        indegree[edge_target[e]] += 1
        out_pointer[edge_source[e] + 1] += 1
    for v in range(node_count):
        out_pointer[v + 1] += out_pointer[v]
    fill = out_pointer[:-1].copy()
    out_target = np.empty(edge_count, np.int64)
    for e in range(edge_count):
        source = edge_source[e]
        out_target[fill[source]] = edge_target[e]
        fill[source] += 1
    stack = np.empty(node_count, np.int64)
    top = 0
    for v in range(node_count - 1, -1, -1):
        if indegree[v] == 0:
            stack[top] = v
            top += 1
    order = np.empty(node_count, np.int64)
    count = 0
    while top > 0:
        top -= 1
        v = stack[top]
        order[count] = v
        count += 1
        for k in range(out_pointer[v + 1] - 1, out_pointer[v] - 1, -1):
            w = out_target[k]
            indegree[w] -= 1
            if indegree[w] == 0:
                stack[top] = w
                top += 1
    return order, count


@njit(cache=True)
def build_csr(node_count, edge_source, edge_target, edge_key):  # type: ignore[no-untyped-def]
    """Counting sort of edges by ``edge_key`` (source or target): pointer array and edge order."""
    edge_count = edge_source.shape[0]
    pointer = np.zeros(node_count + 1, np.int64)
    for e in range(edge_count):
        pointer[edge_key[e] + 1] += 1
    for v in range(node_count):
        pointer[v + 1] += pointer[v]
    fill = pointer[:-1].copy()
    permutation = np.empty(edge_count, np.int64)
    for e in range(edge_count):
        key = edge_key[e]
        permutation[fill[key]] = e
        fill[key] += 1
    return pointer, permutation


@njit(cache=True)
def schedule_pass(  # type: ignore[no-untyped-def]
    kind,
    duration,
    remaining,
    progress,
    actual_start,
    actual_finish,
    calendar,
    constraint,
    constraint_time,
    deadline,
    partner,
    in_pointer,
    in_source,
    in_type,
    in_lag,
    in_lag_calendar,
    out_pointer,
    out_target,
    out_type,
    out_lag,
    out_lag_calendar,
    tables,
    project_start,
    status_time,
    project_calendar,
    multiple_critical_paths,
    has_late_scheduling,
    early_start,
    early_finish,
    late_start,
    late_finish,
    summary_late_start,
    summary_late_finish,
    scheduled_start,
    scheduled_finish,
    total_float,
    free_float,
    link_free_float,
    natural_time,
    conflicts,
    dirty,
    incremental,
    previous_project_finish,
):
    """Forward pass, backward pass, ALAP placement, summary roll-up and floats, in place.

    ``tables`` holds the calendars' interval tables (see ``_CalendarTables`` in
    :mod:`.network`), or is ``None`` in offset mode.

    With ``incremental``, the output arrays hold the result of the previous run and only the
    nodes flagged in ``dirty`` had their inputs changed since: a node is recomputed only when it
    is dirty or a neighbour it reads moved, which after a single edit is usually a small part of
    the network. ``previous_project_finish`` is the previous run's project finish: when it moves,
    every late date may move, so the backward pass and the floats are recomputed in full.
    ``late_start`` and ``late_finish`` keep the backward pass's bounds of rollup nodes (what the
    children read); their rolled-up dates go to ``summary_late_start`` and
    ``summary_late_finish``. ``link_free_float`` keeps each task's free float before it is
    capped by its total float, so that a task whose neighbours did not move can take a new total
    float without walking its links again.

    Returns the project finish (a time) and whether the calendar tables overflowed below the
    tables (bit 1) or above them (bit 2).
    """
    n = kind.shape[0]
    overflow = np.zeros(1, np.int64)
    previous_start = early_start.copy()
    previous_finish = early_finish.copy()
    visited = np.ones(n, np.bool_)
    if incremental:
        visited[:] = False

    # ---------------------------------------------------------------- forward pass
    project_finish = NEGATIVE_INFINITY
    for i in range(n):
        node_kind = kind[i]
        if (
            incremental
            and not dirty[i]
            and not _neighbour_moved(
                i, in_pointer, in_source, early_start, early_finish, previous_start, previous_finish
            )
        ):
            if node_kind == TASK and early_finish[i] > project_finish:
                project_finish = early_finish[i]
            continue
        visited[i] = True
        conflicts[i] = 0
        if node_kind == ROLLUP:
            start = INFINITY
            finish = NEGATIVE_INFINITY
            for k in range(in_pointer[i], in_pointer[i + 1]):
                source = in_source[k]
                if early_start[source] < start:
                    start = early_start[source]
                if early_finish[source] > finish:
                    finish = early_finish[source]
            early_start[i] = start
            early_finish[i] = finish
            continue
        start_bound = project_start if node_kind == TASK else NEGATIVE_INFINITY
        finish_bound = NEGATIVE_INFINITY
        for k in range(in_pointer[i], in_pointer[i + 1]):
            source = in_source[k]
            link_type = in_type[k]
            if link_type == PARENT:
                if early_start[source] > start_bound:
                    start_bound = early_start[source]
                if early_finish[source] > finish_bound:
                    finish_bound = early_finish[source]
                continue
            if link_type == SS or link_type == SF:
                source_time = early_start[source]
            else:
                source_time = early_finish[source]
            bound = _shift(
                in_lag_calendar[k],
                source_time,
                in_lag[k],
                tables,
                overflow,
            )
            if link_type == FS or link_type == SS:
                if bound > start_bound:
                    start_bound = bound
            elif bound > finish_bound:
                finish_bound = bound
        code = constraint[i]
        if node_kind == ENTRY:
            if code == SNET and constraint_time[i] > start_bound:
                start_bound = constraint_time[i]
            early_start[i] = start_bound
            early_finish[i] = finish_bound
            continue
        task_calendar = calendar[i]
        state = progress[i]
        length = duration[i]
        if state == FINISHED:
            early_start[i] = actual_start[i]
            if actual_finish[i] != NO_TIME:
                early_finish[i] = actual_finish[i]
            else:
                work = _to_work(task_calendar, actual_start[i], tables, overflow)
                early_finish[i] = _to_wall(task_calendar, work + length, True, tables, overflow)
            # An actual start in non-working time maps back to the end of the previous
            # working period; a task never finishes before it started.
            if early_finish[i] < early_start[i]:
                early_finish[i] = early_start[i]
        elif state == IN_PROGRESS:
            early_start[i] = actual_start[i]
            resume = (
                _to_work(task_calendar, actual_start[i], tables, overflow) + length - remaining[i]
            )
            bound_work = _to_work(task_calendar, start_bound, tables, overflow)
            if bound_work > resume:
                resume = bound_work
            if status_time != NEGATIVE_INFINITY:
                status_work = _to_work(task_calendar, status_time, tables, overflow)
                if status_work > resume:
                    resume = status_work
            finish_work = resume + remaining[i]
            if code == FNET and constraint_time[i] > finish_bound:
                finish_bound = constraint_time[i]
            if finish_bound != NEGATIVE_INFINITY:
                bound_work = _to_work(task_calendar, finish_bound, tables, overflow)
                if bound_work > finish_work:
                    finish_work = bound_work
            if code == MFO:
                fixed = _to_work(task_calendar, constraint_time[i], tables, overflow)
                if finish_work > fixed:
                    conflicts[i] |= CONFLICT_MFO
                    natural_time[i] = _to_wall(task_calendar, finish_work, True, tables, overflow)
                finish_work = fixed
            early_finish[i] = _to_wall(task_calendar, finish_work, True, tables, overflow)
            if early_finish[i] < early_start[i]:
                early_finish[i] = early_start[i]
        else:
            if status_time != NEGATIVE_INFINITY and status_time > start_bound:
                start_bound = status_time
            if code == SNET and constraint_time[i] > start_bound:
                start_bound = constraint_time[i]
            elif code == FNET and constraint_time[i] > finish_bound:
                finish_bound = constraint_time[i]
            if length == 0:
                moment = start_bound if start_bound > finish_bound else finish_bound
                if code == MSO or code == MFO:
                    if moment > constraint_time[i]:
                        conflicts[i] |= CONFLICT_MSO if code == MSO else CONFLICT_MFO
                        natural_time[i] = moment
                    moment = constraint_time[i]
                # A milestone stays at the end of a working interval; elsewhere in non-working
                # time it moves to the next working start.
                work = _to_work(task_calendar, moment, tables, overflow)
                snapped = _to_wall(task_calendar, work, True, tables, overflow)
                if snapped < moment:
                    snapped = _to_wall(task_calendar, work, False, tables, overflow)
                early_start[i] = snapped
                early_finish[i] = snapped
            else:
                start_work = _to_work(task_calendar, start_bound, tables, overflow)
                if finish_bound != NEGATIVE_INFINITY:
                    bound_work = _to_work(task_calendar, finish_bound, tables, overflow) - length
                    if bound_work > start_work:
                        start_work = bound_work
                if code == MSO or code == MFO:
                    fixed = _to_work(task_calendar, constraint_time[i], tables, overflow)
                    if code == MFO:
                        fixed -= length
                    if start_work > fixed:
                        conflicts[i] |= CONFLICT_MSO if code == MSO else CONFLICT_MFO
                        if code == MSO:
                            natural_time[i] = _to_wall(
                                task_calendar, start_work, False, tables, overflow
                            )
                        else:
                            natural_time[i] = _to_wall(
                                task_calendar, start_work + length, True, tables, overflow
                            )
                    start_work = fixed
                early_start[i] = _to_wall(task_calendar, start_work, False, tables, overflow)
                early_finish[i] = _to_wall(
                    task_calendar, start_work + length, True, tables, overflow
                )
        if early_finish[i] > project_finish:
            project_finish = early_finish[i]

    # ---------------------------------------------------------------- backward pass
    # Late dates read the project finish everywhere: when it moved, redo them all.
    backward_incremental = incremental and project_finish == previous_project_finish
    previous_late_start = late_start.copy()
    previous_late_finish = late_finish.copy()
    for i in range(n - 1, -1, -1):
        node_kind = kind[i]
        if (
            backward_incremental
            and not dirty[i]
            and early_start[i] == previous_start[i]
            and early_finish[i] == previous_finish[i]
            and not _neighbour_moved(
                i,
                out_pointer,
                out_target,
                late_start,
                late_finish,
                previous_late_start,
                previous_late_finish,
            )
        ):
            continue
        start_bound = INFINITY
        finish_bound = INFINITY
        has_successor = False
        for k in range(out_pointer[i], out_pointer[i + 1]):
            target = out_target[k]
            link_type = out_type[k]
            if link_type == PARENT or link_type == CHILD:
                if late_start[target] < start_bound:
                    start_bound = late_start[target]
                if late_finish[target] < finish_bound:
                    finish_bound = late_finish[target]
                continue
            has_successor = True
            if link_type == FS or link_type == SS:
                target_time = late_start[target]
            else:
                target_time = late_finish[target]
            if target_time >= INFINITY:
                continue
            bound = _shift(
                out_lag_calendar[k],
                target_time,
                -out_lag[k],
                tables,
                overflow,
            )
            if link_type == FS or link_type == FF:
                if bound < finish_bound:
                    finish_bound = bound
            elif bound < start_bound:
                start_bound = bound
        code = constraint[i]
        if node_kind != TASK:
            if node_kind == ROLLUP:
                if code == FNLT and constraint_time[i] < finish_bound:
                    finish_bound = constraint_time[i]
                if deadline[i] != NO_TIME and deadline[i] < finish_bound:
                    finish_bound = deadline[i]
            late_start[i] = start_bound
            late_finish[i] = finish_bound
            continue
        state = progress[i]
        if state == FINISHED:
            late_start[i] = early_start[i]
            late_finish[i] = early_finish[i]
            continue
        own_bound = project_finish
        if multiple_critical_paths and not has_successor:
            own_bound = early_finish[i]
        if own_bound < finish_bound:
            finish_bound = own_bound
        if (code == FNLT or code == MFO) and constraint_time[i] < finish_bound:
            finish_bound = constraint_time[i]
        if deadline[i] != NO_TIME and deadline[i] < finish_bound:
            finish_bound = deadline[i]
        task_calendar = calendar[i]
        if state == IN_PROGRESS:
            finish_work = _to_work(task_calendar, finish_bound, tables, overflow)
            late_finish[i] = _to_wall(task_calendar, finish_work, True, tables, overflow)
            late_start[i] = _to_wall(
                task_calendar, finish_work - remaining[i], False, tables, overflow
            )
            continue
        if (code == SNLT or code == MSO) and constraint_time[i] < start_bound:
            start_bound = constraint_time[i]
        length = duration[i]
        if length == 0:
            moment = start_bound if start_bound < finish_bound else finish_bound
            work = _to_work(task_calendar, moment, tables, overflow)
            snapped = _to_wall(task_calendar, work, False, tables, overflow)
            if snapped > moment:
                snapped = _to_wall(task_calendar, work, True, tables, overflow)
            late_start[i] = snapped
            late_finish[i] = snapped
        else:
            finish_work = _to_work(task_calendar, finish_bound, tables, overflow)
            if start_bound < INFINITY:
                bound_work = _to_work(task_calendar, start_bound, tables, overflow) + length
                if bound_work < finish_work:
                    finish_work = bound_work
            late_finish[i] = _to_wall(task_calendar, finish_work, True, tables, overflow)
            late_start[i] = _to_wall(task_calendar, finish_work - length, False, tables, overflow)

    # ---------------------------------------------------------------- scheduled dates (ALAP)
    for i in range(n):
        scheduled_start[i] = early_start[i]
        scheduled_finish[i] = early_finish[i]
    if has_late_scheduling:
        for i in range(n - 1, -1, -1):
            node_kind = kind[i]
            if node_kind == TASK and (constraint[i] != ALAP or progress[i] != NOT_STARTED):
                continue
            start_bound = INFINITY
            finish_bound = INFINITY
            for k in range(out_pointer[i], out_pointer[i + 1]):
                target = out_target[k]
                link_type = out_type[k]
                if link_type == PARENT or link_type == CHILD:
                    if scheduled_start[target] < start_bound:
                        start_bound = scheduled_start[target]
                    if scheduled_finish[target] < finish_bound:
                        finish_bound = scheduled_finish[target]
                    continue
                if link_type == FS or link_type == SS:
                    target_time = scheduled_start[target]
                else:
                    target_time = scheduled_finish[target]
                if target_time >= INFINITY:
                    continue
                bound = _shift(
                    out_lag_calendar[k],
                    target_time,
                    -out_lag[k],
                    tables,
                    overflow,
                )
                if link_type == FS or link_type == FF:
                    if bound < finish_bound:
                        finish_bound = bound
                elif bound < start_bound:
                    start_bound = bound
            if node_kind != TASK:
                # Entry and rollup nodes hold the bounds their neighbours impose, for the tasks
                # under them; the roll-up of real dates is done below.
                scheduled_start[i] = start_bound
                scheduled_finish[i] = finish_bound
                continue
            if late_finish[i] < finish_bound:
                finish_bound = late_finish[i]
            if late_start[i] < start_bound:
                start_bound = late_start[i]
            task_calendar = calendar[i]
            length = duration[i]
            finish_work = _to_work(task_calendar, finish_bound, tables, overflow)
            bound_work = _to_work(task_calendar, start_bound, tables, overflow) + length
            if bound_work < finish_work:
                finish_work = bound_work
            early_work = _to_work(task_calendar, early_finish[i], tables, overflow)
            if finish_work <= early_work:
                continue
            if length == 0:
                snapped = _to_wall(task_calendar, finish_work, True, tables, overflow)
                scheduled_start[i] = snapped
                scheduled_finish[i] = snapped
            else:
                scheduled_finish[i] = _to_wall(task_calendar, finish_work, True, tables, overflow)
                scheduled_start[i] = _to_wall(
                    task_calendar, finish_work - length, False, tables, overflow
                )

    # ---------------------------------------------------------------- summary roll-up
    # A rollup node reports the summary: late finish = latest child late finish, late start =
    # earliest child late start, scheduled dates = span of the children's scheduled dates.
    # Children come before their rollup, and a child that is itself a summary reports its
    # rolled-up dates.
    for i in range(n):
        if kind[i] != ROLLUP:
            summary_late_start[i] = late_start[i]
            summary_late_finish[i] = late_finish[i]
            continue
        late_low = INFINITY
        late_high = NEGATIVE_INFINITY
        scheduled_low = INFINITY
        scheduled_high = NEGATIVE_INFINITY
        for k in range(in_pointer[i], in_pointer[i + 1]):
            source = in_source[k]
            if summary_late_start[source] < late_low:
                late_low = summary_late_start[source]
            if summary_late_finish[source] > late_high:
                late_high = summary_late_finish[source]
            if scheduled_start[source] < scheduled_low:
                scheduled_low = scheduled_start[source]
            if scheduled_finish[source] > scheduled_high:
                scheduled_high = scheduled_finish[source]
        summary_late_start[i] = late_low
        summary_late_finish[i] = late_high
        scheduled_start[i] = scheduled_low
        scheduled_finish[i] = scheduled_high

    # ---------------------------------------------------------------- floats and conflicts
    for i in range(n):
        node_kind = kind[i]
        if node_kind == ENTRY:
            total_float[i] = 0
            free_float[i] = 0
            continue
        # A node keeps its free float and conflicts when no early date it reads moved (conflicts
        # were cleared by the forward pass for every node it visited, so those are redone too);
        # its total float moves only with its late finish.
        if (
            incremental
            and node_kind == TASK
            and not visited[i]
            and early_start[i] == previous_start[i]
            and early_finish[i] == previous_finish[i]
        ):
            successors = _successors_moved(
                i,
                kind,
                partner,
                out_pointer,
                out_target,
                out_type,
                early_start,
                early_finish,
                previous_start,
                previous_finish,
            )
            if successors != MOVED:
                if backward_incremental and late_finish[i] == previous_late_finish[i]:
                    continue
                # Without successors the free float runs to the project finish, which moved.
                if successors == KEPT and progress[i] != FINISHED:
                    task_calendar = calendar[i]
                    slack = _to_work(task_calendar, late_finish[i], tables, overflow) - _to_work(
                        task_calendar, early_finish[i], tables, overflow
                    )
                    total_float[i] = slack
                    free = link_free_float[i]
                    free_float[i] = free if free < slack else slack
                    continue
        task_calendar = project_calendar if node_kind == ROLLUP else calendar[i]
        if node_kind == TASK and progress[i] == FINISHED:
            total_float[i] = 0
            free_float[i] = 0
        else:
            finish_work = _to_work(task_calendar, early_finish[i], tables, overflow)
            start_work = _to_work(task_calendar, early_start[i], tables, overflow)
            slack = _to_work(task_calendar, summary_late_finish[i], tables, overflow) - finish_work
            total_float[i] = slack
            free = INFINITY
            has_successor = False
            for k in range(out_pointer[i], out_pointer[i + 1]):
                link_type = out_type[k]
                if link_type == CHILD or link_type == PARENT:
                    continue
                has_successor = True
                target = out_target[k]
                if kind[target] == ENTRY:
                    target = partner[target]
                if link_type == FS or link_type == SS:
                    target_time = early_start[target]
                else:
                    target_time = early_finish[target]
                bound = _shift(
                    out_lag_calendar[k],
                    target_time,
                    -out_lag[k],
                    tables,
                    overflow,
                )
                bound_work = _to_work(task_calendar, bound, tables, overflow)
                if link_type == FS or link_type == FF:
                    bound_work -= finish_work
                else:
                    bound_work -= start_work
                if bound_work < free:
                    free = bound_work
            if not has_successor:
                free = _to_work(task_calendar, project_finish, tables, overflow) - finish_work
            link_free_float[i] = free
            if free > slack:
                free = slack
            free_float[i] = free
        if node_kind != TASK:
            continue
        code = constraint[i]
        state = progress[i]
        if (
            state == NOT_STARTED
            and code == SNLT
            and _to_work(calendar[i], early_start[i], tables, overflow)
            > _to_work(calendar[i], constraint_time[i], tables, overflow)
        ):
            conflicts[i] |= CONFLICT_SNLT
        finish_work = _to_work(calendar[i], early_finish[i], tables, overflow)
        if code == FNLT and finish_work > _to_work(
            calendar[i], constraint_time[i], tables, overflow
        ):
            conflicts[i] |= CONFLICT_FNLT
        if deadline[i] != NO_TIME and finish_work > _to_work(
            calendar[i], deadline[i], tables, overflow
        ):
            conflicts[i] |= CONFLICT_DEADLINE
    return project_finish, overflow[0]


@njit(cache=True)
def plain_pass(  # type: ignore[no-untyped-def]
    duration,
    in_pointer,
    in_source,
    in_type,
    in_lag,
    out_pointer,
    out_target,
    out_type,
    out_lag,
    early_start,
    early_finish,
    late_start,
    late_finish,
    total_float,
    free_float,
):
    """The fast path: tasks only, one time axis, no constraints, no progress.

    Gives the same dates and floats as :func:`schedule_pass` on such a network, in two sweeps.
    """
    n = duration.shape[0]
    project_finish = NEGATIVE_INFINITY
    for i in range(n):
        length = duration[i]
        start = np.int64(0)
        for k in range(in_pointer[i], in_pointer[i + 1]):
            source = in_source[k]
            link_type = in_type[k]
            if link_type == FS:
                bound = early_finish[source] + in_lag[k]
            elif link_type == SS:
                bound = early_start[source] + in_lag[k]
            elif link_type == FF:
                bound = early_finish[source] + in_lag[k] - length
            else:
                bound = early_start[source] + in_lag[k] - length
            if bound > start:
                start = bound
        early_start[i] = start
        finish = start + length
        early_finish[i] = finish
        if finish > project_finish:
            project_finish = finish
    for i in range(n - 1, -1, -1):
        length = duration[i]
        finish = project_finish
        free = INFINITY
        own_start = early_start[i]
        own_finish = early_finish[i]
        for k in range(out_pointer[i], out_pointer[i + 1]):
            target = out_target[k]
            link_type = out_type[k]
            lag = out_lag[k]
            if link_type == FS:
                bound = late_start[target] - lag
                slack = early_start[target] - lag - own_finish
            elif link_type == SS:
                bound = late_start[target] - lag + length
                slack = early_start[target] - lag - own_start
            elif link_type == FF:
                bound = late_finish[target] - lag
                slack = early_finish[target] - lag - own_finish
            else:
                bound = late_finish[target] - lag + length
                slack = early_finish[target] - lag - own_start
            if bound < finish:
                finish = bound
            if slack < free:
                free = slack
        late_finish[i] = finish
        late_start[i] = finish - length
        slack = finish - own_finish
        total_float[i] = slack
        if out_pointer[i + 1] == out_pointer[i]:
            free = project_finish - own_finish
        free_float[i] = free if free < slack else slack
    return project_finish
