"""A network compiled for the CPM kernels: nodes in topological order, CSR edges, time tables.

:class:`CompiledNetwork` is built once (cycle check, topological order, CSR arrays, calendar
tables) and can then be rescheduled many times after edits (``set_duration``) by re-running the
compiled sweep, which costs microseconds per thousand tasks.

A reschedule after edits is incremental: the sweep starts from the previous result and recomputes
only the nodes whose inputs changed or whose neighbours moved (the whole backward pass when the
project finish moved). In calendar mode the result's offsets and per-task ``datetime`` objects are
made on first use; :meth:`ScheduleResult.date_array` gives the dates as one vectorised array.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, overload

import numpy as np

from steerco.engine.errors import CycleError, InputError
from steerco.engine.scheduling import _kernels as kernels
from steerco.engine.scheduling.calendars import Calendar, WorkingTimeAxis
from steerco.engine.scheduling.cpm import (
    ConstraintType,
    LinkType,
    Network,
    ScheduleConflict,
    ScheduleResult,
    Task,
    TimePoint,
)

if TYPE_CHECKING:
    from numpy.typing import ArrayLike, NDArray

__all__ = ["CompiledNetwork", "NumberedTaskIds"]

_LINK_CODES = {
    LinkType.FS: kernels.FS,
    LinkType.SS: kernels.SS,
    LinkType.FF: kernels.FF,
    LinkType.SF: kernels.SF,
}
_CONSTRAINT_CODES = {
    ConstraintType.ASAP: kernels.ASAP,
    ConstraintType.ALAP: kernels.ALAP,
    ConstraintType.SNET: kernels.SNET,
    ConstraintType.SNLT: kernels.SNLT,
    ConstraintType.FNET: kernels.FNET,
    ConstraintType.FNLT: kernels.FNLT,
    ConstraintType.MSO: kernels.MSO,
    ConstraintType.MFO: kernels.MFO,
}
_FINISH_CONSTRAINTS = frozenset({ConstraintType.FNET, ConstraintType.FNLT, ConstraintType.MFO})
_MAX_HORIZON_DAYS = 366 * 400


def _int_array(values: ArrayLike, name: str) -> NDArray[np.int64]:
    array = np.ascontiguousarray(values, dtype=np.int64)
    if array.ndim != 1:
        raise InputError("expected a one-dimensional array", field=name)
    return array


class CompiledNetwork:
    """A schedule network prepared for the compiled CPM sweep.

    Build it with :meth:`from_network` (any :class:`~steerco.engine.scheduling.cpm.Network`) or
    :meth:`from_arrays` (plain tasks and links on working-minute offsets, for large generated
    networks), then call :meth:`schedule` as often as needed.
    """

    # Built by the constructors below; documented here so the attribute set is explicit.
    task_ids: Sequence[str]
    network: Network | None

    def __init__(self) -> None:
        raise TypeError("use CompiledNetwork.from_network or CompiledNetwork.from_arrays")

    # ------------------------------------------------------------------ construction

    @classmethod
    def from_network(cls, network: Network) -> CompiledNetwork:
        """Compile ``network``: check it, order it, and build its arrays.

        Raises
        ------
        CycleError
            When the links and the summary structure form a cycle.
        """
        self = object.__new__(cls)
        self.network = network
        _NetworkBuilder(network).build_into(self)
        return self

    @classmethod
    def from_arrays(
        cls,
        durations: ArrayLike,
        predecessors: ArrayLike,
        successors: ArrayLike,
        link_types: ArrayLike | None = None,
        lags: ArrayLike | None = None,
        task_ids: Sequence[str] | None = None,
    ) -> CompiledNetwork:
        """Compile a plain network given as arrays (offset mode: no calendar, no constraints).

        Parameters
        ----------
        durations:
            Working minutes per task.
        predecessors, successors:
            Task positions of each link.
        link_types:
            Per link, 0 = FS, 1 = SS, 2 = FF, 3 = SF (default FS).
        lags:
            Per link, working minutes (default 0).
        task_ids:
            Ids for the result; default ``"0"``, ``"1"``, ...
        """
        duration_array = _int_array(durations, "durations")
        if (duration_array < 0).any():
            raise InputError("durations must not be negative", field="durations")
        count = duration_array.shape[0]
        source = _int_array(predecessors, "predecessors")
        target = _int_array(successors, "successors")
        if source.shape != target.shape:
            raise InputError("predecessors and successors differ in length", field="successors")
        if source.size and (
            min(source.min(), target.min()) < 0 or max(source.max(), target.max()) >= count
        ):
            raise InputError("a link refers to a task position out of range", field="links")
        if (source == target).any():
            raise InputError("a task cannot depend on itself", field="links")
        types = (
            np.zeros(source.shape[0], np.int64)
            if link_types is None
            else _int_array(link_types, "link_types")
        )
        if types.size and (types.min() < 0 or types.max() > 3):
            raise InputError("link types are 0 (FS), 1 (SS), 2 (FF) or 3 (SF)", field="link_types")
        lag_array = (
            np.zeros(source.shape[0], np.int64) if lags is None else _int_array(lags, "lags")
        )
        if types.shape != source.shape or lag_array.shape != source.shape:
            raise InputError("one link type and one lag per link", field="links")
        self = object.__new__(cls)
        self.network = None
        self.task_ids = tuple(task_ids) if task_ids is not None else NumberedTaskIds(count)
        if len(self.task_ids) != count:
            raise InputError("one id per task", field="task_ids")
        plain = _NodeArrays.plain(duration_array)
        self._install(
            plain,
            source,
            target,
            types,
            lag_array,
            np.full(source.shape[0], -1, np.int64),
            report_node=np.arange(count, dtype=np.int64),
            task_node_of=np.arange(count, dtype=np.int64),
            is_summary=np.zeros(count, bool),
            is_milestone=duration_array == 0,
            tables=None,
            project_start_time=0,
            status_time=int(kernels.NEGATIVE_INFINITY),
            multiple_critical_paths=False,
        )
        return self

    def _install(
        self,
        nodes: _NodeArrays,
        edge_source: NDArray[np.int64],
        edge_target: NDArray[np.int64],
        edge_type: NDArray[np.int64],
        edge_lag: NDArray[np.int64],
        edge_lag_calendar: NDArray[np.int64],
        *,
        report_node: NDArray[np.int64],
        task_node_of: NDArray[np.int64],
        is_summary: NDArray[np.bool_],
        is_milestone: NDArray[np.bool_],
        tables: _CalendarTables | None,
        project_start_time: int,
        status_time: int,
        multiple_critical_paths: bool,
    ) -> None:
        node_count = nodes.kind.shape[0]
        order, ordered = kernels.topological_order(node_count, edge_source, edge_target)
        if ordered < node_count:
            raise CycleError(self._find_cycle(nodes, order[:ordered], edge_source, edge_target))
        position = np.empty(node_count, np.int64)
        position[order] = np.arange(node_count, dtype=np.int64)
        self._nodes = nodes.permuted(order)
        self._nodes.partner = np.where(
            self._nodes.partner >= 0, position[np.maximum(self._nodes.partner, 0)], -1
        )
        source = position[edge_source]
        target = position[edge_target]
        in_pointer, in_permutation = kernels.build_csr(node_count, source, target, target)
        out_pointer, out_permutation = kernels.build_csr(node_count, source, target, source)
        self._in_pointer = in_pointer
        self._in_source = source[in_permutation]
        self._in_type = edge_type[in_permutation]
        self._in_lag = edge_lag[in_permutation]
        self._in_lag_calendar = edge_lag_calendar[in_permutation]
        self._out_pointer = out_pointer
        self._out_target = target[out_permutation]
        self._out_type = edge_type[out_permutation]
        self._out_lag = edge_lag[out_permutation]
        self._out_lag_calendar = edge_lag_calendar[out_permutation]
        # Where each original edge went, to update a percentage lag after a duration edit.
        self._in_slot = np.empty_like(in_permutation)
        self._in_slot[in_permutation] = np.arange(in_permutation.shape[0])
        self._out_slot = np.empty_like(out_permutation)
        self._out_slot[out_permutation] = np.arange(out_permutation.shape[0])
        self._report_position = position[report_node]
        self._task_position = position[task_node_of]
        self._is_summary = is_summary
        self._is_milestone = is_milestone
        self._tables = tables
        self._project_start_time = project_start_time
        self._status_time = status_time
        self._multiple_critical_paths = multiple_critical_paths
        self._has_late_scheduling = bool((self._nodes.constraint == kernels.ALAP).any() or False)
        self._percent_lags: dict[int, list[tuple[int, float]]] = {}
        # The two-sweep kernel covers networks of plain tasks on one axis with nothing else.
        self._plain = bool(
            tables is None
            and status_time == kernels.NEGATIVE_INFINITY
            and not multiple_critical_paths
            and (nodes.kind == kernels.TASK).all()
            and (nodes.progress == kernels.NOT_STARTED).all()
            and (nodes.constraint == kernels.ASAP).all()
            and (nodes.deadline == kernels.NO_TIME).all()
        )
        size = node_count
        self._early_start = np.zeros(size, np.int64)
        self._early_finish = np.zeros(size, np.int64)
        self._late_start = np.zeros(size, np.int64)
        self._late_finish = np.zeros(size, np.int64)
        self._summary_late_start = np.zeros(size, np.int64)
        self._summary_late_finish = np.zeros(size, np.int64)
        self._scheduled_start = np.zeros(size, np.int64)
        self._scheduled_finish = np.zeros(size, np.int64)
        self._total_float = np.zeros(size, np.int64)
        self._free_float = np.zeros(size, np.int64)
        self._link_free_float = np.zeros(size, np.int64)
        self._natural_time = np.zeros(size, np.int64)
        self._conflicts = np.zeros(size, np.int64)
        self._project_finish = 0
        self._task_index: dict[str, int] | None = None
        # Nodes whose inputs changed since the last run; until a first complete run the result
        # arrays hold nothing to start from.
        self._dirty = np.zeros(size, np.bool_)
        self._has_result = False

    @staticmethod
    def _find_cycle(
        nodes: _NodeArrays,
        ordered: NDArray[np.int64],
        edge_source: NDArray[np.int64],
        edge_target: NDArray[np.int64],
    ) -> list[str]:
        # Every node Kahn's algorithm could not order has an unordered predecessor, so walking
        # back along unordered predecessors must come round to a node already seen.
        done = np.zeros(nodes.kind.shape[0], bool)
        done[ordered] = True
        inside = ~done[edge_source] & ~done[edge_target]
        predecessor: dict[int, int] = {}
        for source, target in zip(
            edge_source[inside].tolist(), edge_target[inside].tolist(), strict=True
        ):
            predecessor.setdefault(target, source)
        current = int(np.flatnonzero(~done)[0])
        seen: dict[int, int] = {}
        walk: list[int] = []
        while current not in seen:
            seen[current] = len(walk)
            walk.append(current)
            current = predecessor[current]
        loop = walk[seen[current] :]
        loop.reverse()
        names: list[str] = []
        for node in loop:
            name = nodes.owner[node]
            if not names or names[-1] != name:
                names.append(name)
        if len(names) > 1 and names[0] == names[-1]:
            names.pop()
        # Start the cycle at its smallest id so the message is stable.
        first = names.index(min(names))
        return names[first:] + names[:first]

    # ------------------------------------------------------------------ edits

    def set_duration(self, task_id: str, minutes: int) -> None:
        """Change one task's duration (working minutes); the next :meth:`schedule` uses it.

        The next run recomputes only what the edit can move (see the module docstring).
        """
        if minutes < 0:
            raise InputError("duration must not be negative", field=f"task {task_id}")
        task_position = self.position_of(task_id)
        if self._is_summary[task_position]:
            raise InputError(
                "a summary task's duration comes from its children", field=f"task {task_id}"
            )
        node = int(self._task_position[task_position])
        old_duration = int(self._nodes.duration[node])
        # The node's successors read its (percentage) lags, so they are redone as well.
        self._dirty[node] = True
        self._dirty[self._out_target[self._out_pointer[node] : self._out_pointer[node + 1]]] = True
        self._nodes.duration[node] = minutes
        if self._nodes.progress[node] == kernels.NOT_STARTED:
            self._nodes.remaining[node] = minutes
        elif old_duration:
            share = self._nodes.remaining[node] / old_duration
            self._nodes.remaining[node] = round(minutes * share)
        self._is_milestone[task_position] = minutes == 0 or self._flagged_milestone(task_position)
        for edge, percent in self._percent_lags.get(task_position, ()):
            lag = round(percent * minutes / 100)
            self._in_lag[self._in_slot[edge]] = lag
            self._out_lag[self._out_slot[edge]] = lag

    def position_of(self, task_id: str) -> int:
        """Position of ``task_id`` in :attr:`task_ids` (and in the result arrays)."""
        if isinstance(self.task_ids, NumberedTaskIds):
            return self.task_ids.index(task_id)
        if self._task_index is None:
            self._task_index = {name: i for i, name in enumerate(self.task_ids)}
        try:
            return self._task_index[task_id]
        except KeyError:
            raise InputError(f"unknown task {task_id!r}", field="task_id") from None

    def set_durations(self, durations: ArrayLike) -> None:
        """Replace every task's duration at once (``durations`` in task order)."""
        values = _int_array(durations, "durations")
        if values.shape[0] != len(self.task_ids):
            raise InputError("one duration per task", field="durations")
        for position, task_id in enumerate(self.task_ids):
            if not self._is_summary[position]:
                self.set_duration(task_id, int(values[position]))

    def _flagged_milestone(self, task_position: int) -> bool:
        if self.network is None:
            return False
        return self.network.tasks[task_position].milestone

    # ------------------------------------------------------------------ scheduling

    def run_passes(self) -> int:
        """Run the compiled sweep (forward, backward, ALAP, roll-up, floats) in place.

        Returns the project finish in kernel time units. :meth:`schedule` calls it and packs
        the result; benchmarks call it alone.
        """
        nodes = self._nodes
        if self._plain:
            project_finish = kernels.plain_pass(
                nodes.duration,
                self._in_pointer,
                self._in_source,
                self._in_type,
                self._in_lag,
                self._out_pointer,
                self._out_target,
                self._out_type,
                self._out_lag,
                self._early_start,
                self._early_finish,
                self._late_start,
                self._late_finish,
                self._total_float,
                self._free_float,
            )
            self._project_finish = (
                int(project_finish) if len(self._early_finish) else self._project_start_time
            )
            return self._project_finish
        incremental = self._has_result
        while True:
            tables = self._tables
            project_finish, overflow = kernels.schedule_pass(
                nodes.kind,
                nodes.duration,
                nodes.remaining,
                nodes.progress,
                nodes.actual_start,
                nodes.actual_finish,
                nodes.calendar,
                nodes.constraint,
                nodes.constraint_time,
                nodes.deadline,
                nodes.partner,
                self._in_pointer,
                self._in_source,
                self._in_type,
                self._in_lag,
                self._in_lag_calendar,
                self._out_pointer,
                self._out_target,
                self._out_type,
                self._out_lag,
                self._out_lag_calendar,
                None if tables is None else tables.arrays(),
                self._project_start_time,
                self._status_time,
                -1 if tables is None else 0,
                self._multiple_critical_paths,
                self._has_late_scheduling,
                self._early_start,
                self._early_finish,
                self._late_start,
                self._late_finish,
                self._summary_late_start,
                self._summary_late_finish,
                self._scheduled_start,
                self._scheduled_finish,
                self._total_float,
                self._free_float,
                self._link_free_float,
                self._natural_time,
                self._conflicts,
                self._dirty,
                incremental,
                self._previous_finish_time(),
            )
            if not overflow:
                self._dirty[:] = False
                self._has_result = True
                # A network without tasks finishes where it starts (the kernel's "no finish
                # yet" sentinel would otherwise reach the calendar tables).
                self._project_finish = (
                    int(project_finish) if len(self._early_finish) else self._project_start_time
                )
                return self._project_finish
            if tables is None:
                raise InputError("times out of range", field="network")
            tables.widen(below=bool(overflow & 1), above=bool(overflow & 2))
            # The failed run left partial dates behind: the next one starts from nothing.
            incremental = False
            self._has_result = False

    def _previous_finish_time(self) -> int:
        return self._project_finish if self._has_result else int(kernels.NEGATIVE_INFINITY)

    def schedule(self) -> ScheduleResult:
        """Schedule the network and return the result in task order."""
        self.run_passes()
        report = self._report_position
        early_start = self._early_start[report]
        early_finish = self._early_finish[report]
        if self._plain:
            late_start = self._late_start[report]
            late_finish = self._late_finish[report]
            start, finish = early_start, early_finish
        else:
            late_start = self._summary_late_start[report]
            late_finish = self._summary_late_finish[report]
            start = self._scheduled_start[report]
            finish = self._scheduled_finish[report]
        total_float = self._total_float[report]
        free_float = self._free_float[report]
        finished = self._nodes.progress[report] == kernels.FINISHED
        critical = (total_float <= 0) & ~finished
        conflict_flags = (
            np.zeros(len(self.task_ids), np.int64)
            if self._plain
            else self._conflicts[self._task_position]
        )
        walls = {
            "early_start": early_start,
            "early_finish": early_finish,
            "late_start": late_start,
            "late_finish": late_finish,
            "start": start,
            "finish": finish,
        }
        tables = self._tables
        conflicts = self._conflict_records(conflict_flags, tables)
        if tables is None:
            return ScheduleResult(
                task_ids=self.task_ids,
                times=walls,
                total_float=total_float,
                free_float=free_float,
                critical=critical,
                is_summary=self._is_summary,
                is_milestone=self._is_milestone,
                conflicts=conflicts,
                project_finish=self._project_finish,
            )
        axis = tables.project_axis

        def offsets() -> dict[str, NDArray[np.int64]]:
            return {name: tables.project_offsets(values) for name, values in walls.items()}

        finish_wall = np.asarray([self._project_finish], np.int64)
        return ScheduleResult(
            task_ids=self.task_ids,
            times=offsets,
            total_float=total_float,
            free_float=free_float,
            critical=critical,
            is_summary=self._is_summary,
            is_milestone=self._is_milestone,
            conflicts=conflicts,
            project_finish=int(axis.to_offsets(finish_wall)[0]),
            reference=tables.reference,
            wall_minutes=walls,
            project_finish_date=tables.to_datetimes(finish_wall)[0],
        )

    def _conflict_records(
        self, flags: NDArray[np.int64], tables: _CalendarTables | None
    ) -> tuple[ScheduleConflict, ...]:
        if not flags.any():
            return ()

        positions = np.flatnonzero(flags)
        nodes = self._task_position[positions]
        # Every moment a message may name, formatted in one vectorised step per kind.
        moments = np.stack(
            (
                self._nodes.constraint_time[nodes],
                self._early_start[nodes],
                self._early_finish[nodes],
                self._natural_time[nodes],
                self._nodes.deadline[nodes],
            )
        )
        if tables is None:
            texts = [[f"minute {time}" for time in row] for row in moments.tolist()]
        else:
            # Deadlines are NO_TIME where unset: keep them inside datetime64's range.
            shown = np.where(moments == kernels.NO_TIME, 0, moments)
            values = np.datetime64(tables.reference, "m") + shown.astype("timedelta64[m]")
            texts = [
                [text.replace("T", " ") for text in row]
                for row in np.datetime_as_string(values, unit="m").tolist()
            ]
        records: list[ScheduleConflict] = []
        for column, task_position in enumerate(positions.tolist()):
            task_id = self.task_ids[task_position]
            flag = int(flags[task_position])
            constrained = texts[0][column]
            early_start = texts[1][column]
            early_finish = texts[2][column]
            natural = texts[3][column]
            if flag & kernels.CONFLICT_MSO:
                records.append(
                    ScheduleConflict(
                        task_id,
                        "MSO",
                        f"must start on {constrained}, but its predecessors (or the project start or "
                        f"status date) allow it to start no earlier than {natural}; the constraint "
                        "is kept and the links into it are not met",
                    )
                )
            if flag & kernels.CONFLICT_MFO:
                records.append(
                    ScheduleConflict(
                        task_id,
                        "MFO",
                        f"must finish on {constrained}, but its predecessors allow it to finish no "
                        f"earlier than {natural}; the constraint is kept and the links into it are "
                        "not met",
                    )
                )
            if flag & kernels.CONFLICT_SNLT:
                records.append(
                    ScheduleConflict(
                        task_id,
                        "SNLT",
                        f"should start no later than {constrained}, but cannot start before "
                        f"{early_start}",
                    )
                )
            if flag & kernels.CONFLICT_FNLT:
                records.append(
                    ScheduleConflict(
                        task_id,
                        "FNLT",
                        f"should finish no later than {constrained}, but cannot finish before "
                        f"{early_finish}",
                    )
                )
            if flag & kernels.CONFLICT_DEADLINE:
                records.append(
                    ScheduleConflict(
                        task_id,
                        "deadline",
                        f"misses its deadline {texts[4][column]}: it finishes "
                        f"{early_finish} at the earliest",
                    )
                )
        return tuple(records)


class NumberedTaskIds(Sequence[str]):
    """Task ids ``"0"``, ``"1"``, ... of a network built from arrays, without a million strings."""

    def __init__(self, count: int) -> None:
        self._count = count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        if isinstance(index, slice):
            return [str(i) for i in range(self._count)[index]]
        if not -self._count <= index < self._count:
            raise IndexError(index)
        return str(index % self._count)

    def index(self, value: object, start: int = 0, stop: int | None = None) -> int:
        if isinstance(value, str) and value.isdigit():
            position = int(value)
            if str(position) == value and start <= position < min(stop or self._count, self._count):
                return position
        raise InputError(f"unknown task {value!r}", field="task_id")


class _NodeArrays:
    """Per-node input arrays of the kernel (see :mod:`._kernels`)."""

    def __init__(self, count: int) -> None:
        self.kind = np.zeros(count, np.int8)
        self.duration = np.zeros(count, np.int64)
        self.remaining = np.zeros(count, np.int64)
        self.progress = np.zeros(count, np.int8)
        self.actual_start = np.zeros(count, np.int64)
        self.actual_finish = np.full(count, kernels.NO_TIME, np.int64)
        self.calendar = np.full(count, -1, np.int64)
        self.constraint = np.zeros(count, np.int8)
        self.constraint_time = np.zeros(count, np.int64)
        self.deadline = np.full(count, kernels.NO_TIME, np.int64)
        self.partner = np.full(count, -1, np.int64)
        self.owner: list[str] = []

    @classmethod
    def plain(cls, durations: NDArray[np.int64]) -> _NodeArrays:
        count = durations.shape[0]
        nodes = cls(count)
        nodes.duration = durations.copy()
        nodes.remaining = durations.copy()
        nodes.owner = _LazyOwners(count)
        return nodes

    def permuted(self, order: NDArray[np.int64]) -> _NodeArrays:
        result = _NodeArrays(0)
        for name in (
            "kind",
            "duration",
            "remaining",
            "progress",
            "actual_start",
            "actual_finish",
            "calendar",
            "constraint",
            "constraint_time",
            "deadline",
            "partner",
        ):
            setattr(result, name, np.ascontiguousarray(getattr(self, name)[order]))
        result.owner = self.owner
        return result


class _LazyOwners(list[str]):
    """Node owners of a plain array network: node ``i`` is task ``str(i)``."""

    def __init__(self, count: int) -> None:
        super().__init__()
        self._count = count

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        return str(index)


class _CalendarTables:
    """Interval tables of every calendar used, on one wall-clock reference, widened on demand."""

    def __init__(
        self,
        calendars: list[Calendar],
        project_start: datetime,
        before_days: int,
        horizon_days: int,
    ) -> None:
        self.calendars = calendars
        self.project_start = project_start
        self.before_days = before_days
        self.horizon_days = horizon_days
        self._build()

    def _build(self) -> None:
        self.axes = [
            WorkingTimeAxis(
                calendar, self.project_start, self.horizon_days, before_days=self.before_days
            )
            for calendar in self.calendars
        ]
        self.project_axis = self.axes[0]
        self.reference = self.project_axis.reference
        # Every calendar is tabulated over the same days, so one day index serves them all.
        first_wall = self.project_axis.first_minute
        day_count = (self.project_axis.last_minute - first_wall) // kernels.WALL_BUCKET + 1
        day_starts = first_wall + kernels.WALL_BUCKET * np.arange(day_count, dtype=np.int64)
        pointer = [0]
        work_pointer = [0]
        day_index = []
        work_index = []
        for axis in self.axes:
            offset = pointer[-1]
            # Last interval starting at or before each midnight (offset - 1 when none).
            day_index.append(np.searchsorted(axis.starts, day_starts, side="right") - 1 + offset)
            # First interval whose cumulative end reaches each hour of work.
            buckets = int(axis.cumulative_end[-1]) // kernels.WORK_BUCKET + 1
            marks = kernels.WORK_BUCKET * np.arange(buckets, dtype=np.int64)
            work_index.append(np.searchsorted(axis.cumulative_end, marks, side="left") + offset)
            pointer.append(offset + axis.starts.shape[0])
            work_pointer.append(work_pointer[-1] + buckets)
        self._first_wall = first_wall
        # Calendar 0 (the project calendar) comes first: its day index needs no offset.
        self._project_day_index = day_index[0].astype(np.int64)
        self._indexed_starts = self.project_axis.starts
        self._arrays = (
            np.asarray(pointer, np.int64),
            np.concatenate([axis.starts for axis in self.axes]),
            np.concatenate([axis.ends for axis in self.axes]),
            np.concatenate([axis.cumulative for axis in self.axes]),
            np.int64(first_wall),
            np.int64(day_count),
            np.concatenate(day_index).astype(np.int64),
            np.asarray(work_pointer, np.int64),
            np.concatenate(work_index).astype(np.int64),
        )

    def project_offsets(self, walls: NDArray[np.int64]) -> NDArray[np.int64]:
        """Working-minute offsets on the project calendar of wall-clock minutes.

        The same values as ``project_axis.to_offsets``, through the day index instead of a binary
        search per value (several times faster on a whole schedule).
        """
        axis = self.project_axis
        starts = axis.starts
        day = (walls - self._first_wall) // kernels.WALL_BUCKET
        if (
            walls.size == 0
            or day.min() < 0
            or day.max() >= self._project_day_index.shape[0]
            # The axis grows by itself when asked about a moment beyond it: the day index
            # then no longer matches its intervals.
            or starts is not self._indexed_starts
        ):
            return axis.to_offsets(walls)
        # Last interval starting at or before each midnight, then step over the few intervals
        # that start later that day but still at or before the moment.
        index = self._project_day_index[day]
        last = starts.shape[0] - 1
        while True:
            following = np.minimum(index + 1, last)
            step = (index < last) & (starts[following] <= walls)
            if not step.any():
                break
            index = index + step
        index = np.maximum(index, 0)
        inside = np.clip(walls - starts[index], 0, axis.ends[index] - starts[index])
        result: NDArray[np.int64] = axis.cumulative[index] + inside - axis.origin_work
        return result

    def arrays(self) -> tuple[object, ...]:
        """The kernel's ``tables`` argument.

        ``(pointer, starts, ends, cumulative, first_wall, day_count, day_index, work_pointer,
        work_index)``: calendar ``c`` owns intervals ``pointer[c]:pointer[c + 1]`` (wall-clock
        minutes after ``reference``, cumulative working minutes before each); ``day_index`` has
        ``day_count`` entries per calendar (last interval starting at or before each midnight
        from ``first_wall`` on); ``work_index`` has, per calendar from ``work_pointer[c]``, the
        first interval whose cumulative end reaches each hour of work.
        """
        return self._arrays

    def widen(self, *, below: bool = True, above: bool = True) -> None:
        """Double the days tabulated before the project start and/or after it."""
        if max(self.horizon_days, self.before_days) >= _MAX_HORIZON_DAYS:
            raise InputError(
                "the schedule runs beyond 400 years from the project start, or a calendar has "
                "no working time",
                field="network",
            )
        if above:
            self.horizon_days *= 2
        if below:
            self.before_days *= 2
        self._build()

    def wall(self, moment: datetime) -> int:
        return self.project_axis.wall_minutes(moment)

    def to_datetimes(self, walls: NDArray[np.int64]) -> list[datetime]:
        values = np.datetime64(self.reference, "m") + walls.astype("timedelta64[m]")
        result: list[datetime] = values.astype("datetime64[us]").tolist()
        return result


class _NetworkBuilder:
    """Turns a :class:`Network` into node and edge arrays."""

    def __init__(self, network: Network) -> None:
        self.network = network

    def build_into(self, compiled: CompiledNetwork) -> None:
        network = self.network
        tasks = network.tasks
        count = len(tasks)
        children: dict[str, list[str]] = {}
        for task in tasks:
            if task.parent is not None:
                children.setdefault(task.parent, []).append(task.id)
        is_summary = np.asarray([task.id in children for task in tasks], bool)
        node_in = np.empty(count, np.int64)
        node_out = np.empty(count, np.int64)
        next_node = 0
        owner: list[str] = []
        for position, task in enumerate(tasks):
            node_in[position] = next_node
            owner.append(task.id)
            next_node += 1
            if is_summary[position]:
                owner.append(task.id)
                next_node += 1
            node_out[position] = next_node - 1
        nodes = _NodeArrays(next_node)
        nodes.owner = owner
        index = {task.id: position for position, task in enumerate(tasks)}

        tables = self._tables()
        calendar_index: dict[int, int] = {}
        if tables is not None:
            calendar_index = {id(calendar): i for i, calendar in enumerate(tables.calendars)}

        def task_calendar(task: Task) -> int:
            if tables is None or task.elapsed:
                return -1
            calendar = task.calendar if task.calendar is not None else tables.calendars[0]
            return calendar_index[id(calendar)]

        def time_of(value: TimePoint, *, finish: bool) -> int:
            if tables is None:
                return int(value)  # type: ignore[arg-type]
            if isinstance(value, datetime):
                return tables.wall(value)
            return int(
                tables.project_axis.to_wall_minutes(
                    np.asarray([int(value)], np.int64), finish=finish
                )[0]
            )

        for position, task in enumerate(tasks):
            where = f"task {task.id}"
            if is_summary[position]:
                entry = int(node_in[position])
                rollup = int(node_out[position])
                nodes.kind[entry] = kernels.ENTRY
                nodes.kind[rollup] = kernels.ROLLUP
                nodes.partner[entry] = rollup
                nodes.partner[rollup] = entry
                for node in (entry, rollup):
                    nodes.calendar[node] = 0 if tables is not None else -1
                if task.constraint not in (
                    ConstraintType.ASAP,
                    ConstraintType.SNET,
                    ConstraintType.FNLT,
                ):
                    raise InputError(
                        f"a summary task accepts only ASAP, SNET or FNLT, not {task.constraint}",
                        field=where,
                    )
                if task.constraint == ConstraintType.SNET:
                    assert task.constraint_date is not None
                    nodes.constraint[entry] = kernels.SNET
                    nodes.constraint_time[entry] = time_of(task.constraint_date, finish=False)
                elif task.constraint == ConstraintType.FNLT:
                    assert task.constraint_date is not None
                    nodes.constraint[rollup] = kernels.FNLT
                    nodes.constraint_time[rollup] = time_of(task.constraint_date, finish=True)
                if task.deadline is not None:
                    nodes.deadline[rollup] = time_of(task.deadline, finish=True)
                continue
            node = int(node_in[position])
            nodes.kind[node] = kernels.TASK
            nodes.duration[node] = task.duration
            nodes.calendar[node] = task_calendar(task)
            nodes.constraint[node] = _CONSTRAINT_CODES[task.constraint]
            if task.constraint_date is not None:
                nodes.constraint_time[node] = time_of(
                    task.constraint_date, finish=task.constraint in _FINISH_CONSTRAINTS
                )
            if task.deadline is not None:
                nodes.deadline[node] = time_of(task.deadline, finish=True)
            remaining = task.remaining_duration
            if remaining is None:
                remaining = round(task.duration * (100.0 - float(task.percent_complete)) / 100.0)
            if task.actual_start is None:
                nodes.progress[node] = kernels.NOT_STARTED
                nodes.remaining[node] = task.duration
                continue
            nodes.actual_start[node] = time_of(task.actual_start, finish=False)
            if task.actual_finish is not None:
                nodes.progress[node] = kernels.FINISHED
                nodes.actual_finish[node] = time_of(task.actual_finish, finish=True)
                if nodes.actual_finish[node] < nodes.actual_start[node]:
                    raise InputError("actual finish is before actual start", field=where)
            elif (
                task.percent_complete >= 100
                or (task.remaining_duration == 0 and task.duration > 0)
                # A milestone that has started has happened (as Microsoft Project marks it).
                or (task.duration == 0 and not task.remaining_duration)
            ):
                nodes.progress[node] = kernels.FINISHED
            else:
                nodes.progress[node] = kernels.IN_PROGRESS
                nodes.remaining[node] = remaining
                if remaining > task.duration:
                    # More work left than planned: the duration grows with it.
                    nodes.duration[node] = remaining

        link_count = len(network.links)
        structure_count = sum(len(kids) for kids in children.values())
        total = link_count + 2 * structure_count
        source = np.empty(total, np.int64)
        target = np.empty(total, np.int64)
        types = np.empty(total, np.int64)
        lags = np.zeros(total, np.int64)
        lag_calendar = np.full(total, -1, np.int64)
        percent_lags: dict[int, list[tuple[int, float]]] = {}
        for e, link in enumerate(network.links):
            predecessor = index[link.predecessor]
            source[e] = node_out[predecessor]
            target[e] = node_in[index[link.successor]]
            types[e] = _LINK_CODES[link.type]
            if link.lag_is_percent:
                percent = float(link.lag)
                lags[e] = round(percent * tasks[predecessor].duration / 100)
                percent_lags.setdefault(predecessor, []).append((e, percent))
            else:
                lags[e] = int(link.lag)
            if tables is None or link.lag_elapsed:
                lag_calendar[e] = -1
            elif network.lags_on_successor_calendar:
                successor = tasks[index[link.successor]]
                lag_calendar[e] = (
                    0 if is_summary[index[link.successor]] else max(task_calendar(successor), 0)
                )
            else:
                lag_calendar[e] = 0
        e = link_count
        for parent, kids in children.items():
            parent_position = index[parent]
            for kid in kids:
                kid_position = index[kid]
                source[e] = node_in[parent_position]
                target[e] = node_in[kid_position]
                types[e] = kernels.PARENT
                source[e + 1] = node_out[kid_position]
                target[e + 1] = node_out[parent_position]
                types[e + 1] = kernels.CHILD
                e += 2

        status_time = int(kernels.NEGATIVE_INFINITY)
        if network.status_date is not None:
            status_time = time_of(network.status_date, finish=True)
        project_start_time = 0 if tables is None else tables.wall(tables.project_start)
        compiled.task_ids = tuple(task.id for task in tasks)
        compiled._install(
            nodes,
            source,
            target,
            types,
            lags,
            lag_calendar,
            report_node=node_out,
            task_node_of=node_out,
            is_summary=is_summary,
            is_milestone=np.asarray(
                [task.is_milestone and not is_summary[i] for i, task in enumerate(tasks)], bool
            ),
            tables=tables,
            project_start_time=project_start_time,
            status_time=status_time,
            multiple_critical_paths=network.multiple_critical_paths,
        )
        compiled._percent_lags = percent_lags

    def _tables(self) -> _CalendarTables | None:
        network = self.network
        if network.calendar is None or network.project_start is None:
            return None
        calendars: list[Calendar] = [network.calendar]
        seen = {id(network.calendar)}
        for task in network.tasks:
            if task.calendar is not None and id(task.calendar) not in seen:
                seen.add(id(task.calendar))
                calendars.append(task.calendar)
        moments = [network.project_start]
        for task in network.tasks:
            for value in (
                task.constraint_date,
                task.deadline,
                task.actual_start,
                task.actual_finish,
            ):
                if isinstance(value, datetime):
                    moments.append(value)
        if isinstance(network.status_date, datetime):
            moments.append(network.status_date)
        start = network.project_start
        before = max(60, (start - min(moments)) // timedelta(days=1) + 30)
        # The tables grow when the schedule runs past them, so a modest first guess is enough.
        after = max(730, (max(moments) - start) // timedelta(days=1) + 365)
        return _CalendarTables(calendars, start, before, after)
