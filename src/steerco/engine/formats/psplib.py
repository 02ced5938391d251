"""PSPLIB single-mode RCPSP files (``.sm``): reader, writer and conversion to leveling.

The format is the one of the PSPLIB library (Kolisch & Sprecher 1996, "PSPLIB - A
project scheduling problem library", EJOR 96:205-216): a header, the precedence
relations (finish-to-start, no lag), one duration and one request per resource
for each job, and the availability of each renewable resource. Jobs 1 and n are
the dummy project start and end.

Every parse error names the file and the line, so a user can open the file at
the line that is wrong.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from steerco.engine.errors import InputError
from steerco.engine.scheduling.leveling import (
    LevelingLink,
    LevelingProblem,
    LevelingResource,
    LevelingTask,
)

__all__ = ["PsplibInstance", "format_sm", "parse_sm", "read_sm", "to_leveling_problem", "write_sm"]


@dataclass(frozen=True, slots=True)
class PsplibInstance:
    """One single-mode RCPSP instance.

    Parameters
    ----------
    name:
        Instance name, the file stem (``j3010_1``).
    durations:
        Duration of each job in file order, including the dummy start and end jobs.
    successors:
        For each job, the 0-based indexes of its successors (finish-to-start, no lag).
    requests:
        For each job, its request of each renewable resource per period.
    capacities:
        Availability of each renewable resource per period.
    horizon:
        The file's horizon (sum of durations): an upper bound on any schedule's makespan.
    nonrenewable_requests, nonrenewable_capacities:
        Non-renewable resources, kept so a file can be written back unchanged. They do
        not constrain a single-mode schedule.
    """

    name: str
    durations: tuple[int, ...]
    successors: tuple[tuple[int, ...], ...]
    requests: tuple[tuple[int, ...], ...]
    capacities: tuple[int, ...]
    horizon: int = 0
    nonrenewable_requests: tuple[tuple[int, ...], ...] = ()
    nonrenewable_capacities: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        jobs = len(self.durations)
        if jobs == 0:
            raise InputError("an instance needs at least one job", field="durations")
        if len(self.successors) != jobs or len(self.requests) != jobs:
            raise InputError(
                f"durations, successors and requests must all have {jobs} entries",
                field="successors",
            )
        for job, duration in enumerate(self.durations):
            if duration < 0:
                raise InputError(f"job {job + 1} has a negative duration", field="durations")
            if len(self.requests[job]) != len(self.capacities):
                raise InputError(
                    f"job {job + 1} requests {len(self.requests[job])} resources, "
                    f"the instance has {len(self.capacities)}",
                    field="requests",
                )
            if any(amount < 0 for amount in self.requests[job]):
                raise InputError(f"job {job + 1} has a negative request", field="requests")
            for successor in self.successors[job]:
                if not 0 <= successor < jobs or successor == job:
                    raise InputError(
                        f"job {job + 1} names successor {successor + 1}, which is not "
                        f"another job of 1..{jobs}",
                        field="successors",
                    )
        if any(capacity < 0 for capacity in self.capacities):
            raise InputError("a capacity is negative", field="capacities")

    @property
    def job_count(self) -> int:
        """Number of jobs, including the dummy start and end jobs."""
        return len(self.durations)

    @property
    def resource_names(self) -> tuple[str, ...]:
        """Names of the renewable resources: ``R1``, ``R2``, ..."""
        return tuple(f"R{index + 1}" for index in range(len(self.capacities)))

    @property
    def job_names(self) -> tuple[str, ...]:
        """Job names as in the file: ``"1"`` to ``"n"``."""
        return tuple(str(job + 1) for job in range(self.job_count))


class _Lines:
    """The lines of a file with their 1-based numbers, for errors that point at them."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.position = 0

    def error(self, message: str, line_number: int | None = None) -> InputError:
        number = self.position if line_number is None else line_number
        return InputError(message, field=f"{self.path}:{number}")

    def find(self, pattern: str) -> tuple[int, str]:
        """Advance to the next line matching ``pattern``; return its number and text."""
        regex = re.compile(pattern, re.IGNORECASE)
        while self.position < len(self.lines):
            text = self.lines[self.position]
            self.position += 1
            if regex.search(text):
                return self.position, text
        raise self.error(f"missing section or field matching {pattern!r}", len(self.lines))

    def data_rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield numbered rows of whitespace-separated fields until a ``***`` rule."""
        while self.position < len(self.lines):
            text = self.lines[self.position]
            self.position += 1
            stripped = text.strip()
            if stripped.startswith("*"):
                return
            if not stripped or stripped.startswith("-"):
                continue
            yield self.position, stripped.split()


def _integers(lines: _Lines, fields: Sequence[str], number: int) -> list[int]:
    try:
        return [int(value) for value in fields]
    except ValueError:
        raise lines.error(f"expected whole numbers, got {' '.join(fields)!r}", number) from None


def _header_integer(lines: _Lines, pattern: str) -> int:
    number, text = lines.find(pattern)
    match = re.search(r":\s*(-?\d+)", text)
    if match is None:
        raise lines.error(f"expected a number after ':' in {text.strip()!r}", number)
    return int(match.group(1))


def parse_sm(text: str, *, name: str = "instance", path: str = "<text>") -> PsplibInstance:
    """Parse the text of a PSPLIB ``.sm`` file.

    Parameters
    ----------
    text:
        The file's content.
    name:
        Instance name to give the result.
    path:
        File name used in error messages.

    Returns
    -------
    PsplibInstance

    Raises
    ------
    InputError
        With ``field`` set to ``"path:line"`` of the first line that is wrong.
    """
    lines = _Lines(path, text)
    jobs = _header_integer(lines, r"^\s*jobs\b")
    horizon = _header_integer(lines, r"^\s*horizon\b")
    renewable = _header_integer(lines, r"^\s*-\s*renewable")
    nonrenewable = _header_integer(lines, r"^\s*-\s*nonrenewable")
    if jobs <= 0 or renewable < 0 or nonrenewable < 0:
        raise lines.error("job and resource counts must be positive")

    lines.find(r"^\s*PRECEDENCE RELATIONS")
    successors: list[tuple[int, ...] | None] = [None] * jobs
    for number, fields in lines.data_rows():
        if not fields[0].isdigit():
            continue  # the column-title row
        values = _integers(lines, fields, number)
        if len(values) < 3 or len(values) != 3 + values[2]:
            raise lines.error(
                "a precedence row is: job, number of modes, number of successors, successors",
                number,
            )
        job, modes = values[0], values[1]
        if not 1 <= job <= jobs:
            raise lines.error(f"job {job} is outside 1..{jobs}", number)
        if modes != 1:
            raise lines.error(
                f"job {job} has {modes} modes; only single-mode (.sm) files are supported",
                number,
            )
        for successor in values[3:]:
            if not 1 <= successor <= jobs or successor == job:
                raise lines.error(f"job {job} has an invalid successor {successor}", number)
        successors[job - 1] = tuple(successor - 1 for successor in values[3:])
    missing = [str(job + 1) for job, row in enumerate(successors) if row is None]
    if missing:
        raise lines.error(f"no precedence row for job(s) {', '.join(missing[:10])}")

    lines.find(r"^\s*REQUESTS/DURATIONS")
    durations: list[int | None] = [None] * jobs
    requests: list[tuple[int, ...]] = [()] * jobs
    nonrenewable_requests: list[tuple[int, ...]] = [()] * jobs
    width = 3 + renewable + nonrenewable
    for number, fields in lines.data_rows():
        if not fields[0].isdigit():
            continue
        values = _integers(lines, fields, number)
        if len(values) != width:
            raise lines.error(
                f"expected {width} numbers (job, mode, duration and {renewable + nonrenewable} "
                f"requests), got {len(values)}",
                number,
            )
        job = values[0]
        if not 1 <= job <= jobs:
            raise lines.error(f"job {job} is outside 1..{jobs}", number)
        if values[2] < 0 or any(value < 0 for value in values[3:]):
            raise lines.error(f"job {job} has a negative duration or request", number)
        durations[job - 1] = values[2]
        requests[job - 1] = tuple(values[3 : 3 + renewable])
        nonrenewable_requests[job - 1] = tuple(values[3 + renewable :])
    missing = [str(job + 1) for job, duration in enumerate(durations) if duration is None]
    if missing:
        raise lines.error(f"no duration row for job(s) {', '.join(missing[:10])}")

    lines.find(r"^\s*RESOURCEAVAILABILITIES")
    availability: list[int] | None = None
    for number, fields in lines.data_rows():
        if not fields[0].lstrip("-").isdigit():
            continue
        availability = _integers(lines, fields, number)
        if len(availability) != renewable + nonrenewable:
            raise lines.error(
                f"expected {renewable + nonrenewable} availabilities, got {len(availability)}",
                number,
            )
        if any(value < 0 for value in availability):
            raise lines.error("an availability is negative", number)
        break
    if availability is None:
        raise lines.error("no resource availabilities", len(lines.lines))

    return PsplibInstance(
        name=name,
        durations=tuple(d for d in durations if d is not None),
        successors=tuple(row for row in successors if row is not None),
        requests=tuple(requests),
        capacities=tuple(availability[:renewable]),
        horizon=horizon,
        nonrenewable_requests=tuple(nonrenewable_requests) if nonrenewable else (),
        nonrenewable_capacities=tuple(availability[renewable:]),
    )


def read_sm(path: str | os.PathLike[str]) -> PsplibInstance:
    """Read a PSPLIB single-mode ``.sm`` file.

    Parameters
    ----------
    path:
        The file. The instance is named after its stem (``j3010_1.sm`` -> ``j3010_1``).

    Returns
    -------
    PsplibInstance

    Raises
    ------
    InputError
        If the file is not a valid ``.sm`` file; ``field`` is ``"path:line"``.
    """
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", field=str(file)) from None
    return parse_sm(text, name=file.stem, path=str(file))


def format_sm(instance: PsplibInstance) -> str:
    """Write ``instance`` in the PSPLIB ``.sm`` layout (the inverse of :func:`parse_sm`)."""
    rule = "*" * 72
    renewable = len(instance.capacities)
    nonrenewable = len(instance.nonrenewable_capacities)
    horizon = instance.horizon or sum(instance.durations)
    out = [
        rule,
        f"file with basedata            : {instance.name}.bas",
        "initial value random generator: 0",
        rule,
        "projects                      :  1",
        f"jobs (incl. supersource/sink ):  {instance.job_count}",
        f"horizon                       :  {horizon}",
        "RESOURCES",
        f"  - renewable                 :  {renewable}   R",
        f"  - nonrenewable              :  {nonrenewable}   N",
        "  - doubly constrained        :  0   D",
        rule,
        "PRECEDENCE RELATIONS:",
        "jobnr.    #modes  #successors   successors",
    ]
    for job, successors in enumerate(instance.successors):
        listed = "".join(f"{successor + 1:4d}" for successor in successors)
        out.append(f"{job + 1:4d}        1{len(successors):11d}       {listed}")
    titles = [f"R{index + 1}" for index in range(renewable)]
    titles += [f"N{index + 1}" for index in range(nonrenewable)]
    out += [rule, "REQUESTS/DURATIONS:", "jobnr. mode duration  " + "  ".join(titles), "-" * 72]
    for job, duration in enumerate(instance.durations):
        nonrenewable_row = (
            instance.nonrenewable_requests[job] if instance.nonrenewable_requests else ()
        )
        amounts = "".join(f"{amount:5d}" for amount in (*instance.requests[job], *nonrenewable_row))
        out.append(f"{job + 1:4d}      1{duration:6d}{amounts}")
    out += [rule, "RESOURCEAVAILABILITIES:", "  " + "  ".join(titles)]
    capacities = (*instance.capacities, *instance.nonrenewable_capacities)
    out += ["".join(f"{capacity:5d}" for capacity in capacities), rule]
    return "\n".join(out) + "\n"


def write_sm(instance: PsplibInstance, path: str | os.PathLike[str]) -> None:
    """Write ``instance`` to ``path`` in the PSPLIB ``.sm`` layout."""
    Path(path).write_text(format_sm(instance), encoding="utf-8")


def to_leveling_problem(instance: PsplibInstance) -> LevelingProblem:
    """Turn an instance into a :class:`~steerco.engine.scheduling.leveling.LevelingProblem`.

    Tasks are named after the job numbers (``"1"`` to ``"n"``) and keep the file's
    order, so ``result.starts`` lists the starts in the file's job order. Resources are
    ``R1``, ``R2``, ... with constant capacity. The problem levels with the finish
    allowed to move, which is the RCPSP.
    """
    names = instance.job_names
    resources = instance.resource_names
    tasks = tuple(
        LevelingTask(
            id=names[job],
            duration=instance.durations[job],
            demands={
                resources[index]: amount
                for index, amount in enumerate(instance.requests[job])
                if amount > 0
            },
        )
        for job in range(instance.job_count)
    )
    links = tuple(
        LevelingLink(predecessor=names[job], successor=names[successor])
        for job in range(instance.job_count)
        for successor in instance.successors[job]
    )
    return LevelingProblem(
        tasks=tasks,
        links=links,
        resources=tuple(
            LevelingResource(id=resources[index], capacity=capacity)
            for index, capacity in enumerate(instance.capacities)
        ),
    )
