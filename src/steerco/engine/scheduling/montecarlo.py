"""Monte Carlo schedule risk analysis.

Each task's duration is a probability distribution; tasks are joined by FS/SS/FF/SF links with
fixed lags; risk events, when they occur, lengthen one or more tasks; groups of tasks can have
correlated durations. :func:`simulate` samples every duration many times (10,000 iterations by
default), runs a forward and a backward critical-path pass per iteration in a compiled kernel
and reports:

* the P10/P50/P80/P95 (or any) finish of the project and of every milestone, with the sorted
  finishes for an S-curve or a histogram;
* each task's criticality index (share of iterations in which it had no total float);
* a tornado ranking: Spearman's rank correlation between each task's duration (and each risk
  event's occurrence) and the project finish, with Williams' cruciality index beside it.

Durations, lags and finishes are plain numbers in one unit (working days, say), counted from
the project start at 0. Turning offsets into dates belongs to the caller, who knows the
calendar: :meth:`FinishDistribution.percentile_dates` maps them through any callable.

Sampling is by inverse CDF from uniform draws of a seeded ``numpy.random.Generator``, so the same
seed gives the same result, draw for draw. Correlated groups use a Gaussian copula.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from statistics import NormalDist
from typing import Literal, TypeVar

import numpy as np
import numpy.typing as npt

from steerco.engine.errors import CycleError, InputError

__all__ = [
    "CorrelationGroup",
    "FinishDistribution",
    "Fixed",
    "Link",
    "LinkType",
    "Lognormal",
    "Pert",
    "RiskEvent",
    "RiskImpact",
    "ScheduleRiskModel",
    "SensitivityEntry",
    "SimulationResult",
    "SimulationSettings",
    "Task",
    "Triangular",
    "Uniform",
    "simulate",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DateLike = TypeVar("DateLike")

DEFAULT_PERCENTILES: tuple[float, ...] = (10.0, 50.0, 80.0, 95.0)

# Cells of the tabulated PERT-beta CDF. The quantile is interpolated linearly inside a cell,
# so the worst error is a fraction of 1/512 of the min-max range, in the extreme tails only.
_PERT_CELLS = 512

# A correlation matrix whose smallest eigenvalue is above this is accepted as positive
# semi-definite (the rounding of a user's two-decimal coefficients must not be rejected).
_EIGENVALUE_TOLERANCE = 1e-9


def _number(value: object, name: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"must be a number, got {value!r}", field=name) from None
    if not math.isfinite(number):
        raise InputError(f"must be a finite number, got {value!r}", field=name)
    return number


def _set(instance: object, name: str, value: object) -> None:
    # Frozen dataclasses normalise their own fields (list -> tuple, int -> float) in
    # __post_init__, which is the one place allowed to bypass the freeze.
    object.__setattr__(instance, name, value)


# --- distributions --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fixed:
    """A duration known exactly."""

    duration: float

    def __post_init__(self) -> None:
        _set(self, "duration", _number(self.duration, "duration"))
        if self.duration < 0:
            raise InputError("a duration cannot be negative", field="duration")

    @property
    def most_likely(self) -> float:
        return self.duration

    @property
    def mean(self) -> float:
        return self.duration


@dataclass(frozen=True, slots=True)
class Uniform:
    """Every duration between ``minimum`` and ``maximum`` equally likely."""

    minimum: float
    maximum: float

    def __post_init__(self) -> None:
        _set(self, "minimum", _number(self.minimum, "minimum"))
        _set(self, "maximum", _number(self.maximum, "maximum"))
        if self.minimum < 0:
            raise InputError("a duration cannot be negative", field="minimum")
        if self.minimum > self.maximum:
            raise InputError(
                f"minimum {self.minimum:g} is above maximum {self.maximum:g}", field="minimum"
            )

    @property
    def most_likely(self) -> float:
        """The middle of the range (a uniform distribution has no single most likely value)."""
        return (self.minimum + self.maximum) / 2

    @property
    def mean(self) -> float:
        return (self.minimum + self.maximum) / 2


def _check_three_point(minimum: float, most_likely: float, maximum: float) -> None:
    if minimum < 0:
        raise InputError("a duration cannot be negative", field="minimum")
    if not minimum <= most_likely <= maximum:
        raise InputError(
            f"need minimum <= most likely <= maximum, got {minimum:g}, {most_likely:g}, "
            f"{maximum:g}",
            field="most_likely",
        )


@dataclass(frozen=True, slots=True)
class Triangular:
    """Three-point estimate with a triangular density."""

    minimum: float
    most_likely: float
    maximum: float

    def __post_init__(self) -> None:
        for name in ("minimum", "most_likely", "maximum"):
            _set(self, name, _number(getattr(self, name), name))
        _check_three_point(self.minimum, self.most_likely, self.maximum)

    @property
    def mean(self) -> float:
        return (self.minimum + self.most_likely + self.maximum) / 3


@dataclass(frozen=True, slots=True)
class Pert:
    """Three-point estimate with a PERT-beta density.

    ``shape`` is the weight of the most likely value (lambda); 4 gives the classic PERT mean
    (minimum + 4 most likely + maximum) / 6.
    """

    minimum: float
    most_likely: float
    maximum: float
    shape: float = 4.0

    def __post_init__(self) -> None:
        for name in ("minimum", "most_likely", "maximum", "shape"):
            _set(self, name, _number(getattr(self, name), name))
        _check_three_point(self.minimum, self.most_likely, self.maximum)
        if self.shape <= 0:
            raise InputError(f"must be positive, got {self.shape:g}", field="shape")

    @property
    def mean(self) -> float:
        return (self.minimum + self.shape * self.most_likely + self.maximum) / (self.shape + 2)

    @property
    def beta_parameters(self) -> tuple[float, float]:
        """The (alpha, beta) of the standard beta distribution rescaled to [minimum, maximum]."""
        width = self.maximum - self.minimum
        if width == 0:
            return (1.0, 1.0)
        alpha = 1 + self.shape * (self.most_likely - self.minimum) / width
        beta = 1 + self.shape * (self.maximum - self.most_likely) / width
        return (alpha, beta)


@dataclass(frozen=True, slots=True)
class Lognormal:
    """Duration = ``shift`` + exp(N(``log_mean``, ``log_sd``)): a long right tail.

    Build it from the figures an estimator has with :meth:`from_mean_sd` or
    :meth:`from_most_likely`.
    """

    log_mean: float
    log_sd: float
    shift: float = 0.0

    def __post_init__(self) -> None:
        for name in ("log_mean", "log_sd", "shift"):
            _set(self, name, _number(getattr(self, name), name))
        if self.log_sd < 0:
            raise InputError(f"cannot be negative, got {self.log_sd:g}", field="log_sd")
        if self.shift < 0:
            raise InputError("a duration cannot be negative", field="shift")

    @classmethod
    def from_mean_sd(cls, mean: float, sd: float, shift: float = 0.0) -> Lognormal:
        """The lognormal with this mean and standard deviation (durations above ``shift``)."""
        mean = _number(mean, "mean")
        sd = _number(sd, "sd")
        shift = _number(shift, "shift")
        if mean <= shift:
            raise InputError(f"the mean must be above the shift {shift:g}", field="mean")
        if sd < 0:
            raise InputError("cannot be negative", field="sd")
        above = mean - shift
        log_variance = math.log1p((sd / above) ** 2)
        return cls(math.log(above) - log_variance / 2, math.sqrt(log_variance), shift)

    @classmethod
    def from_most_likely(
        cls,
        most_likely: float,
        *,
        log_sd: float | None = None,
        high: float | None = None,
        high_percentile: float = 90.0,
        shift: float = 0.0,
    ) -> Lognormal:
        """The lognormal whose mode is ``most_likely``, with a spread given one of two ways.

        Parameters
        ----------
        most_likely:
            The most likely duration (the mode).
        log_sd:
            The spread as the standard deviation of the log of the duration.
        high:
            The spread as a pessimistic estimate: the duration at ``high_percentile``
            (90 by default, so "9 times in 10 it takes no more than ``high``").
        high_percentile:
            Percentile of ``high``, above 50.
        shift:
            Duration below which the task cannot go.
        """
        shift = _number(shift, "shift")
        mode = _number(most_likely, "most_likely") - shift
        if mode <= 0:
            raise InputError(
                "the most likely duration must be above the shift", field="most_likely"
            )
        if (log_sd is None) == (high is None):
            raise InputError("give exactly one of log_sd and high", field="log_sd")
        if log_sd is not None:
            sigma = _number(log_sd, "log_sd")
            if sigma < 0:
                raise InputError("cannot be negative", field="log_sd")
        else:
            high_above = _number(high, "high") - shift
            percentile = _number(high_percentile, "high_percentile")
            if not 50 < percentile < 100:
                raise InputError("must be between 50 and 100", field="high_percentile")
            if high_above <= mode:
                raise InputError("must be above the most likely duration", field="high")
            # mode = exp(mu - sigma^2) and high = exp(mu + z sigma) give
            # sigma^2 + z sigma - ln(high / mode) = 0, whose positive root is taken.
            z = NormalDist().inv_cdf(percentile / 100)
            sigma = (-z + math.sqrt(z * z + 4 * math.log(high_above / mode))) / 2
        return cls(math.log(mode) + sigma * sigma, sigma, shift)

    @property
    def most_likely(self) -> float:
        return self.shift + math.exp(self.log_mean - self.log_sd**2)

    @property
    def mean(self) -> float:
        return self.shift + math.exp(self.log_mean + self.log_sd**2 / 2)


Distribution = Fixed | Uniform | Triangular | Pert | Lognormal
_DISTRIBUTIONS = (Fixed, Uniform, Triangular, Pert, Lognormal)


def _check_distribution(value: object, name: str) -> None:
    if not isinstance(value, _DISTRIBUTIONS):
        raise InputError(
            f"must be Fixed, Uniform, Triangular, Pert or Lognormal, got {value!r}", field=name
        )


# --- network --------------------------------------------------------------------------------


class LinkType(StrEnum):
    """Precedence link types (as in Microsoft Project)."""

    FS = "FS"
    SS = "SS"
    FF = "FF"
    SF = "SF"


LinkTypeName = Literal["FS", "SS", "FF", "SF"]
_LINK_CODES: dict[str, int] = {LinkType.FS: 0, LinkType.SS: 1, LinkType.FF: 2, LinkType.SF: 3}


@dataclass(frozen=True, slots=True)
class Task:
    """A task of the simulated network.

    Parameters
    ----------
    id:
        Unique id.
    duration:
        Its duration distribution.
    milestone:
        Report this task's finish percentiles as a milestone.
    earliest_start:
        Offset before which the task cannot start (a start-no-earlier-than constraint, or the
        status date for work not yet started).
    """

    id: str
    duration: Distribution
    milestone: bool = False
    earliest_start: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise InputError("a task needs a non-empty string id", field="id")
        _check_distribution(self.duration, f"task {self.id!r} duration")
        _set(self, "earliest_start", _number(self.earliest_start, f"task {self.id!r}"))


@dataclass(frozen=True, slots=True)
class Link:
    """``successor`` depends on ``predecessor``; ``lag`` (fixed) may be negative (a lead)."""

    predecessor: str
    successor: str
    type: LinkType | LinkTypeName = LinkType.FS
    lag: float = 0.0

    def __post_init__(self) -> None:
        try:
            _set(self, "type", LinkType(self.type))
        except ValueError:
            raise InputError(
                f"link type must be FS, SS, FF or SF, got {self.type!r}",
                field=f"link {self.predecessor} -> {self.successor}",
            ) from None
        _set(self, "lag", _number(self.lag, f"link {self.predecessor} -> {self.successor} lag"))


@dataclass(frozen=True, slots=True)
class RiskImpact:
    """What a risk event does to one task when it occurs.

    The task's duration becomes ``sampled * (1 + percent_increase / 100) + added``, where
    ``added`` is drawn from ``added_duration``. Percentages of several events on one task add up
    (they all apply to the sampled duration). A negative percentage models an opportunity.
    """

    task_id: str
    percent_increase: float = 0.0
    added_duration: Distribution | None = None

    def __post_init__(self) -> None:
        where = f"impact on {self.task_id!r}"
        _set(self, "percent_increase", _number(self.percent_increase, where))
        if self.percent_increase < -100:
            raise InputError("a duration cannot shrink by more than 100%", field=where)
        if self.added_duration is not None:
            _check_distribution(self.added_duration, where)


@dataclass(frozen=True, slots=True)
class RiskEvent:
    """A risk that occurs in a share ``probability`` of the iterations, with its impacts."""

    id: str
    probability: float
    impacts: tuple[RiskImpact, ...]

    def __post_init__(self) -> None:
        where = f"risk {self.id!r}"
        probability = _number(self.probability, where)
        if not 0 <= probability <= 1:
            raise InputError(f"probability must be in [0, 1], got {probability:g}", field=where)
        _set(self, "probability", probability)
        _set(self, "impacts", tuple(self.impacts))
        if not self.impacts:
            raise InputError("a risk event needs at least one impact", field=where)
        for impact in self.impacts:
            if not isinstance(impact, RiskImpact):
                raise InputError(f"impacts must be RiskImpact, got {impact!r}", field=where)


@dataclass(frozen=True, slots=True)
class CorrelationGroup:
    """Tasks whose durations move together (same team, same technology, same supplier).

    Give either one ``coefficient`` shared by every pair, or a full ``matrix`` in the order of
    ``task_ids``. The coefficients are those of the Gaussian copula (the correlation of the
    underlying normal scores); the rank correlation of the durations is close to it (for 0.5,
    6/pi asin(0.25) = 0.48).
    """

    id: str
    task_ids: tuple[str, ...]
    coefficient: float | None = None
    matrix: tuple[tuple[float, ...], ...] | None = None
    factor: FloatArray = field(init=False, repr=False, compare=False)
    """L with L @ L.T the correlation matrix: correlated normals are L @ independent normals."""

    def __post_init__(self) -> None:
        where = f"correlation group {self.id!r}"
        _set(self, "task_ids", tuple(self.task_ids))
        size = len(self.task_ids)
        if size < 2:
            raise InputError("a correlation group needs at least two tasks", field=where)
        if len(set(self.task_ids)) != size:
            raise InputError("a task is listed twice", field=where)
        if (self.coefficient is None) == (self.matrix is None):
            raise InputError("give exactly one of coefficient and matrix", field=where)
        if self.coefficient is not None:
            coefficient = _number(self.coefficient, where)
            if not -1 <= coefficient <= 1:
                raise InputError(
                    f"the correlation must be in [-1, 1], got {coefficient:g}", field=where
                )
            _set(self, "coefficient", coefficient)
            matrix = np.full((size, size), coefficient)
            np.fill_diagonal(matrix, 1.0)
        else:
            assert self.matrix is not None
            rows = tuple(tuple(_number(value, where) for value in row) for row in self.matrix)
            _set(self, "matrix", rows)
            if len(rows) != size or any(len(row) != size for row in rows):
                raise InputError(f"the matrix must be {size} x {size}", field=where)
            matrix = np.array(rows, dtype=np.float64)
            if np.any(np.abs(matrix) > 1):
                raise InputError("correlations must be in [-1, 1]", field=where)
            if not np.allclose(np.diag(matrix), 1.0):
                raise InputError("the matrix diagonal must be 1", field=where)
            if not np.allclose(matrix, matrix.T):
                raise InputError("the matrix must be symmetric", field=where)
        smallest = float(np.linalg.eigvalsh(matrix).min())
        if smallest < -_EIGENVALUE_TOLERANCE:
            raise InputError(
                "the correlations are inconsistent (the matrix is not positive semi-definite, "
                f"smallest eigenvalue {smallest:.3g})"
                + (
                    f"; with {size} tasks one coefficient must be at least {-1 / (size - 1):.3g}"
                    if self.coefficient is not None
                    else ""
                ),
                field=where,
            )
        if self.coefficient is not None and self.coefficient >= 0:
            # One common factor: z_i = sqrt(r) w + sqrt(1 - r) e_i has exactly this
            # correlation matrix, and at r = 1 gives every task the very same draw, where a
            # Cholesky factor does not exist and an eigen-decomposition is only close.
            common = np.full((size, 1), math.sqrt(self.coefficient))
            own = np.eye(size) * math.sqrt(1 - self.coefficient)
            _set(self, "factor", np.hstack((common, own)))
        else:
            _set(self, "factor", _correlation_factor(matrix))


def _correlation_factor(matrix: FloatArray) -> FloatArray:
    """A matrix L with L @ L.T == matrix, to turn independent normals into correlated ones."""
    try:
        return np.asarray(np.linalg.cholesky(matrix), dtype=np.float64)
    except np.linalg.LinAlgError:
        # Cholesky needs a positive definite matrix; a singular one (a correlation of exactly 1,
        # or -1/(n-1)) is valid and gets the symmetric square root instead.
        eigenvalues, vectors = np.linalg.eigh(matrix)
        return np.asarray(vectors * np.sqrt(np.clip(eigenvalues, 0.0, None)), dtype=np.float64)


@dataclass(frozen=True, slots=True)
class _Network:
    """The network compiled for the kernel.

    The kernel numbers tasks in a topological order ("sequence"), so that its passes walk
    arrays from start to end; ``order`` and ``sequence`` translate between that numbering and
    the position of each task in ``ScheduleRiskModel.tasks``.
    """

    index: Mapping[str, int]
    order: IntArray
    sequence: IntArray
    earliest_start: FloatArray
    predecessor_start: IntArray
    predecessor_task: IntArray
    predecessor_type: IntArray
    predecessor_lag: FloatArray
    milestones: IntArray
    """Positions (in ``tasks``) of the milestone tasks."""


@dataclass(frozen=True, slots=True)
class ScheduleRiskModel:
    """Everything :func:`simulate` needs: tasks, links, risk events and correlated groups."""

    tasks: tuple[Task, ...]
    links: tuple[Link, ...] = ()
    risks: tuple[RiskEvent, ...] = ()
    correlation_groups: tuple[CorrelationGroup, ...] = ()
    network: _Network = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, kind in (
            ("tasks", Task),
            ("links", Link),
            ("risks", RiskEvent),
            ("correlation_groups", CorrelationGroup),
        ):
            items = tuple(getattr(self, name))
            for item in items:
                if not isinstance(item, kind):
                    raise InputError(f"expected {kind.__name__}, got {item!r}", field=name)
            _set(self, name, items)
        if not self.tasks:
            raise InputError("the schedule has no task", field="tasks")
        index: dict[str, int] = {}
        for position, task in enumerate(self.tasks):
            if task.id in index:
                raise InputError("two tasks have this id", field=f"task {task.id!r}")
            index[task.id] = position
        for link in self.links:
            for end in (link.predecessor, link.successor):
                if end not in index:
                    raise InputError(
                        f"unknown task {end!r}",
                        field=f"link {link.predecessor} -> {link.successor}",
                    )
        risk_ids: set[str] = set()
        for risk in self.risks:
            if risk.id in risk_ids:
                raise InputError("two risk events have this id", field=f"risk {risk.id!r}")
            risk_ids.add(risk.id)
            for impact in risk.impacts:
                if impact.task_id not in index:
                    raise InputError(f"unknown task {impact.task_id!r}", field=f"risk {risk.id!r}")
        grouped: dict[str, str] = {}
        group_ids: set[str] = set()
        for group in self.correlation_groups:
            where = f"correlation group {group.id!r}"
            if group.id in group_ids:
                raise InputError("two correlation groups have this id", field=where)
            group_ids.add(group.id)
            for task_id in group.task_ids:
                if task_id not in index:
                    raise InputError(f"unknown task {task_id!r}", field=where)
                if task_id in grouped:
                    raise InputError(
                        f"task {task_id!r} is already in correlation group {grouped[task_id]!r}",
                        field=where,
                    )
                grouped[task_id] = group.id
        _set(self, "network", _compile_network(self.tasks, self.links, index))


def _compile_network(
    tasks: Sequence[Task], links: Sequence[Link], index: Mapping[str, int]
) -> _Network:
    count = len(tasks)
    predecessor = np.array([index[link.predecessor] for link in links], dtype=np.int64)
    successor = np.array([index[link.successor] for link in links], dtype=np.int64)
    types = np.array([_LINK_CODES[link.type] for link in links], dtype=np.int64)
    lags = np.array([link.lag for link in links], dtype=np.float64)
    order = _topological_order(count, predecessor, successor, [task.id for task in tasks])
    sequence = np.empty(count, dtype=np.int64)
    sequence[order] = np.arange(count)
    predecessor = sequence[predecessor]
    successor = sequence[successor]

    by_successor = np.argsort(successor, kind="stable")
    predecessor_start = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(successor, minlength=count), out=predecessor_start[1:])
    earliest_start = np.array([task.earliest_start for task in tasks], dtype=np.float64)
    return _Network(
        index=dict(index),
        order=order,
        sequence=sequence,
        earliest_start=earliest_start[order],
        predecessor_start=predecessor_start,
        predecessor_task=predecessor[by_successor],
        predecessor_type=types[by_successor],
        predecessor_lag=lags[by_successor],
        milestones=np.array(
            [position for position, task in enumerate(tasks) if task.milestone], dtype=np.int64
        ),
    )


def _topological_order(
    count: int, predecessor: IntArray, successor: IntArray, ids: Sequence[str]
) -> IntArray:
    """Kahn's algorithm; a leftover task means a cycle, which is found and named."""
    successors: list[list[int]] = [[] for _ in range(count)]
    indegree = [0] * count
    for p, s in zip(predecessor.tolist(), successor.tolist(), strict=True):
        successors[p].append(s)
        indegree[s] += 1
    # A heap keeps the input order wherever the links allow it: plans are usually listed
    # roughly in order, and tasks near each other in the plan then sit near each other in
    # the kernel's arrays.
    ready = [t for t in range(count) if indegree[t] == 0]
    order: list[int] = []
    while ready:
        task = heapq.heappop(ready)
        order.append(task)
        for s in successors[task]:
            indegree[s] -= 1
            if indegree[s] == 0:
                heapq.heappush(ready, s)
    if len(order) < count:
        raise CycleError([ids[t] for t in _find_cycle(count, predecessor, successor, indegree)])
    return np.array(order, dtype=np.int64)


def _find_cycle(
    count: int, predecessor: IntArray, successor: IntArray, indegree: Sequence[int]
) -> list[int]:
    # Every task left by Kahn's algorithm has a predecessor also left, so walking back from
    # any of them must revisit a task: the tasks in between form a cycle.
    left = {t for t in range(count) if indegree[t] > 0}
    back: dict[int, int] = {}
    for p, s in zip(predecessor.tolist(), successor.tolist(), strict=True):
        if s in left and p in left and s not in back:
            back[s] = p
    task = min(left)
    seen: dict[int, int] = {}
    path: list[int] = []
    while task not in seen:
        seen[task] = len(path)
        path.append(task)
        task = back[task]
    cycle = path[seen[task] :]
    cycle.reverse()
    return cycle


# --- settings and results -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SimulationSettings:
    """How to run :func:`simulate`.

    Parameters
    ----------
    iterations:
        Number of sampled schedules.
    seed:
        Seed of the ``numpy.random.Generator``; the same seed gives the same result. ``None``
        draws a fresh one, which the result records so the run can be repeated.
    percentiles:
        Percentiles (0 < p <= 100) reported for the project and each milestone.
    keep_durations:
        Keep the realised durations (iterations x tasks) in the result, for audit or plotting.
    """

    iterations: int = 10_000
    seed: int | None = 0
    percentiles: tuple[float, ...] = DEFAULT_PERCENTILES
    keep_durations: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.iterations, bool) or not isinstance(self.iterations, int):
            raise InputError("must be an integer", field="iterations")
        if self.iterations < 1:
            raise InputError("need at least one iteration", field="iterations")
        if self.seed is not None and (
            isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0
        ):
            raise InputError("must be a non-negative integer or None", field="seed")
        percentiles = tuple(_number(p, "percentiles") for p in self.percentiles)
        if not percentiles or any(not 0 < p <= 100 for p in percentiles):
            raise InputError("percentiles must be in (0, 100]", field="percentiles")
        _set(self, "percentiles", percentiles)


@dataclass(frozen=True, slots=True, eq=False)
class FinishDistribution:
    """Simulated finishes of the project or of one milestone (offsets from the start)."""

    finishes: FloatArray
    """Every iteration's finish, sorted ascending (read-only): the S-curve's x values."""
    percentiles: Mapping[float, float]
    """The requested percentiles: {80.0: finish by which 80% of iterations are done, ...}."""
    mean: float
    standard_deviation: float

    @classmethod
    def from_samples(cls, samples: FloatArray, percentiles: Iterable[float]) -> FinishDistribution:
        finishes = np.sort(samples)
        finishes.flags.writeable = False
        table = {p: _percentile_of_sorted(finishes, p) for p in percentiles}
        return cls(finishes, table, float(finishes.mean()), float(finishes.std()))

    def percentile(self, percent: float) -> float:
        """The smallest simulated finish reached in at least ``percent`` % of iterations."""
        if not 0 <= percent <= 100:
            raise InputError("must be in [0, 100]", field="percent")
        return _percentile_of_sorted(self.finishes, percent)

    @property
    def p10(self) -> float:
        return self.percentile(10)

    @property
    def p50(self) -> float:
        return self.percentile(50)

    @property
    def p80(self) -> float:
        return self.percentile(80)

    @property
    def p95(self) -> float:
        return self.percentile(95)

    def probability_by(self, offset: float) -> float:
        """Share of iterations finishing at or before ``offset``."""
        return float(np.searchsorted(self.finishes, offset, side="right")) / self.finishes.size

    def percentile_table(self, step: float = 5.0) -> tuple[tuple[float, float], ...]:
        """(percent, finish) pairs every ``step`` percent from ``step`` to 100, for an S-curve."""
        if not 0 < step <= 100:
            raise InputError("must be in (0, 100]", field="step")
        count = math.floor(100 / step + 1e-9)
        return tuple(
            (step * k, _percentile_of_sorted(self.finishes, step * k)) for k in range(1, count + 1)
        )

    def s_curve(self) -> tuple[FloatArray, FloatArray]:
        """(finish, cumulative probability) of every iteration: the empirical CDF."""
        size = self.finishes.size
        return self.finishes, np.arange(1, size + 1, dtype=np.float64) / size

    def histogram(self, bins: int = 40) -> tuple[npt.NDArray[np.int64], FloatArray]:
        """(counts, bin edges) of the finishes."""
        counts, edges = np.histogram(self.finishes, bins=bins)
        return counts.astype(np.int64), edges

    def percentile_dates(
        self, offset_to_date: Callable[[float], DateLike]
    ) -> dict[float, DateLike]:
        """The requested percentiles as dates, through the caller's calendar function.

        ``offset_to_date`` maps a finish offset (e.g. working days from the project start) to a
        date, e.g. a working calendar's ``add_working_days``.
        """
        return {p: offset_to_date(value) for p, value in self.percentiles.items()}


def _percentile_of_sorted(finishes: FloatArray, percent: float) -> float:
    # "Inverted CDF" percentile: an actual simulated finish, so P80 is a finish that at least
    # 80% of the iterations meet, with no interpolation between iterations.
    size = finishes.size
    rank = math.ceil(percent * size / 100 - 1e-9)
    return float(finishes[min(max(rank - 1, 0), size - 1)])


@dataclass(frozen=True, slots=True)
class SensitivityEntry:
    """One bar of the tornado chart.

    ``spearman`` is the rank correlation between the task's sampled duration (or the risk
    event's occurrence) and the project finish; ``cruciality`` is Williams' cruciality index,
    the (Pearson) correlation of the task's realised duration, risks included, with the project
    finish. Both are 0 when either side never varies.
    """

    kind: Literal["task", "risk"]
    id: str
    spearman: float
    cruciality: float
    criticality: float | None
    """The task's criticality index (None for a risk event)."""


@dataclass(frozen=True, slots=True, eq=False)
class SimulationResult:
    """What :func:`simulate` found.

    Attributes
    ----------
    iterations, seed:
        The run's size and the seed that reproduces it.
    deterministic_finish:
        Finish with every task at its most likely duration and no risk event (the plan).
    project:
        Distribution of the project finish.
    milestones:
        Distribution of each milestone's finish, by task id.
    criticality:
        Share of iterations in which each task was critical (zero total float), by task id.
    sensitivity:
        Tornado ranking: one entry per task and per risk event, by decreasing absolute
        Spearman correlation.
    risk_frequency:
        Share of iterations in which each risk event occurred.
    durations:
        Realised durations (iterations x tasks, in task order) if the settings asked for them.
    """

    iterations: int
    seed: int
    deterministic_finish: float
    project: FinishDistribution
    milestones: Mapping[str, FinishDistribution]
    criticality: Mapping[str, float]
    sensitivity: tuple[SensitivityEntry, ...]
    risk_frequency: Mapping[str, float]
    durations: FloatArray | None = None

    @property
    def probability_of_deterministic_finish(self) -> float:
        """Chance of finishing no later than the plan made of most likely durations."""
        return self.project.probability_by(self.deterministic_finish)


# --- simulation -----------------------------------------------------------------------------


@dataclass(slots=True)
class _Slots:
    """Random quantities drawn per iteration: task durations, then risk impacts' additions."""

    kind: list[int] = field(default_factory=list)
    parameters: list[tuple[float, float, float]] = field(default_factory=list)
    column: list[int] = field(default_factory=list)
    table: list[int] = field(default_factory=list)
    pert_shapes: dict[tuple[float, float], int] = field(default_factory=dict)
    columns: int = 0

    def add(self, distribution: Distribution, *, most_likely_only: bool = False) -> int:
        from steerco.engine.scheduling import _montecarlo_kernels as kernels

        kind = kernels.KIND_FIXED
        parameters = (distribution.most_likely, 0.0, 0.0)
        table = -1
        if not most_likely_only:
            if isinstance(distribution, Uniform) and distribution.maximum > distribution.minimum:
                kind = kernels.KIND_UNIFORM
                parameters = (distribution.minimum, distribution.maximum, 0.0)
            elif (
                isinstance(distribution, Triangular) and distribution.maximum > distribution.minimum
            ):
                kind = kernels.KIND_TRIANGULAR
                parameters = (distribution.minimum, distribution.most_likely, distribution.maximum)
            elif isinstance(distribution, Pert) and distribution.maximum > distribution.minimum:
                kind = kernels.KIND_PERT
                width = distribution.maximum - distribution.minimum
                parameters = (distribution.minimum, width, 0.0)
                table = self.pert_shapes.setdefault(
                    distribution.beta_parameters, len(self.pert_shapes)
                )
            elif isinstance(distribution, Lognormal) and distribution.log_sd > 0:
                kind = kernels.KIND_LOGNORMAL
                parameters = (distribution.shift, distribution.log_mean, distribution.log_sd)
        self.kind.append(kind)
        self.parameters.append(parameters)
        self.table.append(table)
        if kind == kernels.KIND_FIXED:
            self.column.append(-1)
        else:
            self.column.append(self.columns)
            self.columns += 1
        return len(self.kind) - 1


def _pert_tables(
    shapes: Mapping[tuple[float, float], int], cells: int = _PERT_CELLS
) -> tuple[FloatArray, npt.NDArray[np.int32]]:
    """Tabulated CDFs of the standard beta distributions of the PERT tasks, and guide tables.

    Inverting the regularised incomplete beta function per draw (a continued fraction inside a
    root finder) costs about a microsecond, ten seconds for ten million draws. Instead each
    distinct (alpha, beta) gets its CDF on ``cells`` equal cells, integrated numerically (see
    ``_montecarlo_kernels.pert_tables``; PERT's alpha and beta are at least 1, so the density
    is bounded). A draw is then inverted by linear interpolation inside its cell, which a
    guide table (Chen and Asau, 1974) finds in one or two steps. The worst error is about
    2e-4 of the min-max range, in the outermost 0.1% of the tails; elsewhere it is below 5e-5.
    Rank reordering (Iman-Conover) would avoid the inverse CDF but not the cost of drawing
    beta variates, and would make correlated and uncorrelated tasks sample differently.
    """
    from steerco.engine.scheduling import _montecarlo_kernels as kernels

    if not shapes:
        return np.zeros((0, 2)), np.zeros((0, 1), dtype=np.int32)
    alpha = np.empty(len(shapes))
    beta = np.empty(len(shapes))
    for (a, b), position in shapes.items():
        alpha[position] = a
        beta[position] = b
    tables: tuple[FloatArray, npt.NDArray[np.int32]] = kernels.pert_tables(alpha, beta, cells)
    return tables


def simulate(
    model: ScheduleRiskModel, settings: SimulationSettings | None = None
) -> SimulationResult:
    """Run a Monte Carlo schedule risk analysis.

    Parameters
    ----------
    model:
        Tasks with duration distributions, links, risk events and correlated groups.
    settings:
        Iterations, seed, percentiles; defaults to 10,000 iterations with seed 0.

    Returns
    -------
    SimulationResult
        Finish percentiles of the project and milestones, criticality and sensitivity.

    Notes
    -----
    Each iteration draws one uniform number per uncertain task and maps it through the
    task's inverse CDF (closed form for uniform and triangular, AS 241 for the lognormal's
    normal quantile, a tabulated CDF for PERT-beta). For a correlated group, the group's
    uniforms are replaced by Phi(L z) with z independent standard normals and L L' the
    group's correlation matrix (a Gaussian copula), so every task keeps its own distribution.
    A task's early start is the latest of its ``earliest_start`` and its links' bounds:
    FS: finish(p) + lag, SS: start(p) + lag, FF: finish(p) + lag - d, SF: start(p) + lag - d.
    A task is critical in an iteration when it has no total float, i.e. when it finishes with
    the project or has a tight link (one whose bound sets the successor's start) to a critical
    task; walking back along tight links gives the same tasks as a backward pass at a fraction
    of its cost.

    Spearman's coefficient uses each draw's exact rank within its distribution, which is its
    uniform number, instead of its rank among the task's samples: it estimates the same
    correlation (within sampling noise) and saves sorting every task's column of samples,
    about half a second for 1,000 tasks and 10,000 iterations.
    """
    from steerco.engine.scheduling import _montecarlo_kernels as kernels

    if settings is None:
        settings = SimulationSettings()
    seed = settings.seed
    if seed is None:
        seed = int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> 1)
    iterations = settings.iterations
    network = model.network
    sequence = network.sequence

    # Slots 0 .. n-1 are the task durations in the kernel's (topological) numbering.
    slots = _Slots()
    for position in network.order:
        slots.add(model.tasks[position].duration)
    impacts = _Impacts()
    for risk in model.risks:
        for impact in risk.impacts:
            added = -1 if impact.added_duration is None else slots.add(impact.added_duration)
            impacts.add(
                int(sequence[network.index[impact.task_id]]), impact.percent_increase, added
            )
        impacts.close_risk()
    slot_column = np.array(slots.column, dtype=np.int64)

    # The order of the draws below is part of the reproducibility contract: uniforms for every
    # uncertain quantity, then each correlated group's normals, then the risk occurrences.
    generator = np.random.default_rng(seed)
    uniforms = generator.random((slots.columns, iterations))
    for group in model.correlation_groups:
        normals = group.factor @ generator.standard_normal((group.factor.shape[1], iterations))
        rows = slot_column[sequence[[network.index[task_id] for task_id in group.task_ids]]]
        uncertain = rows >= 0
        if uncertain.any():
            kernels.normal_cdf_into(normals[uncertain], uniforms, rows[uncertain])
    probabilities = np.array([risk.probability for risk in model.risks], dtype=np.float64)
    risk_occurs = generator.random((iterations, len(model.risks))) < probabilities

    task_count = len(model.tasks)
    durations_out = np.empty((iterations if settings.keep_durations else 0, task_count))
    (
        finishes,
        milestone_finishes,
        critical_counts,
        column_sum,
        column_sum_squares,
        duration_moments,
        finish_moments,
    ) = _run_kernel(network, slots, impacts, uniforms, risk_occurs, durations_out)

    criticality = critical_counts[sequence] / iterations
    sensitivity = _task_sensitivity(
        model,
        finishes,
        uniforms,
        slot_column[sequence],
        column_sum,
        column_sum_squares,
        duration_moments[:, sequence],
        finish_moments,
        criticality,
    )
    frequency = risk_occurs.mean(axis=0) if model.risks else np.zeros(0)
    sensitivity += _risk_sensitivity(model, finishes, risk_occurs, frequency)
    sensitivity.sort(key=lambda entry: -abs(entry.spearman))

    milestones = {
        model.tasks[int(task)].id: FinishDistribution.from_samples(
            milestone_finishes[:, column], settings.percentiles
        )
        for column, task in enumerate(network.milestones)
    }
    durations: FloatArray | None = None
    if settings.keep_durations:
        durations = durations_out[:, sequence]
        durations.flags.writeable = False
    return SimulationResult(
        iterations=iterations,
        seed=seed,
        deterministic_finish=_deterministic_finish(model),
        project=FinishDistribution.from_samples(finishes, settings.percentiles),
        milestones=milestones,
        criticality={task.id: float(criticality[t]) for t, task in enumerate(model.tasks)},
        sensitivity=tuple(sensitivity),
        risk_frequency={risk.id: float(frequency[r]) for r, risk in enumerate(model.risks)},
        durations=durations,
    )


@dataclass(slots=True)
class _Impacts:
    """Risk impacts in the kernel's layout: impacts of risk r at start[r] .. start[r + 1]."""

    start: list[int] = field(default_factory=lambda: [0])
    task: list[int] = field(default_factory=list)
    fraction: list[float] = field(default_factory=list)
    slot: list[int] = field(default_factory=list)

    def add(self, task: int, percent_increase: float, added_slot: int) -> None:
        self.task.append(task)
        self.fraction.append(percent_increase / 100)
        self.slot.append(added_slot)

    def close_risk(self) -> None:
        self.start.append(len(self.task))


KernelOutput = tuple[
    FloatArray, FloatArray, IntArray, FloatArray, FloatArray, FloatArray, FloatArray
]


def _run_kernel(
    network: _Network,
    slots: _Slots,
    impacts: _Impacts,
    uniforms: FloatArray,
    risk_occurs: npt.NDArray[np.bool_],
    durations_out: FloatArray,
) -> KernelOutput:
    from steerco.engine.scheduling import _montecarlo_kernels as kernels

    pert_cdf, pert_guide = _pert_tables(slots.pert_shapes)
    result: KernelOutput = kernels.run_simulation(
        uniforms.shape[1],
        uniforms,
        np.array(slots.kind, dtype=np.int64),
        np.array(slots.parameters, dtype=np.float64).reshape(-1, 3),
        np.array(slots.column, dtype=np.int64),
        np.array(slots.table, dtype=np.int64),
        pert_cdf,
        pert_guide,
        network.order.size,
        network.earliest_start,
        network.predecessor_start,
        network.predecessor_task,
        network.predecessor_type,
        network.predecessor_lag,
        risk_occurs,
        np.array(impacts.start, dtype=np.int64),
        np.array(impacts.task, dtype=np.int64),
        np.array(impacts.fraction, dtype=np.float64),
        np.array(impacts.slot, dtype=np.int64),
        network.sequence[network.milestones],
        durations_out,
    )
    return result


def _deterministic_finish(model: ScheduleRiskModel) -> float:
    network = model.network
    slots = _Slots()
    for position in network.order:
        slots.add(model.tasks[position].duration, most_likely_only=True)
    no_risk = np.zeros((1, 0), dtype=np.bool_)
    finishes = _run_kernel(
        network, slots, _Impacts(), np.zeros((0, 1)), no_risk, np.zeros((0, network.order.size))
    )[0]
    return float(finishes[0])


def _task_sensitivity(
    model: ScheduleRiskModel,
    finishes: FloatArray,
    uniforms: FloatArray,
    task_column: IntArray,
    column_sum: FloatArray,
    column_sum_squares: FloatArray,
    duration_moments: FloatArray,
    finish_moments: FloatArray,
    criticality: FloatArray,
) -> list[SensitivityEntry]:
    """Spearman (from the uniform draws) and cruciality of every task, in ``tasks`` order."""
    iterations = finishes.size
    finish_ranks = _average_ranks(finishes)
    uncertain = task_column >= 0
    columns = task_column[uncertain]
    spearman = np.zeros(task_column.size)
    mean = column_sum[columns] / iterations
    spearman[uncertain] = _correlations(
        (uniforms @ finish_ranks)[columns] / iterations - mean * finish_ranks.mean(),
        column_sum_squares[columns] / iterations - mean * mean,
        float(finish_ranks.var()),
    )
    shift = duration_moments[0] / iterations
    finish_shift = finish_moments[0] / iterations
    cruciality = _correlations(
        duration_moments[2] / iterations - shift * finish_shift,
        duration_moments[1] / iterations - shift * shift,
        finish_moments[1] / iterations - finish_shift**2,
    )
    return [
        SensitivityEntry("task", task.id, float(rho), float(crucial), float(critical))
        for task, rho, crucial, critical in zip(
            model.tasks, spearman, cruciality, criticality, strict=True
        )
    ]


def _risk_sensitivity(
    model: ScheduleRiskModel,
    finishes: FloatArray,
    risk_occurs: npt.NDArray[np.bool_],
    frequency: FloatArray,
) -> list[SensitivityEntry]:
    """Correlation of each risk event's occurrence with the finish (rank and linear)."""
    if not model.risks:
        return []
    iterations = finishes.size
    finish_ranks = _average_ranks(finishes)
    occurs = risk_occurs.astype(np.float64)
    occurrence_variance = frequency - frequency * frequency
    # An indicator's ranks are a linear function of it, so its Pearson correlation with the
    # finish ranks is exactly Spearman's.
    spearman = _correlations(
        occurs.T @ finish_ranks / iterations - frequency * finish_ranks.mean(),
        occurrence_variance,
        float(finish_ranks.var()),
    )
    cruciality = _correlations(
        occurs.T @ finishes / iterations - frequency * finishes.mean(),
        occurrence_variance,
        float(finishes.var()),
    )
    return [
        SensitivityEntry("risk", risk.id, float(rho), float(crucial), None)
        for risk, rho, crucial in zip(model.risks, spearman, cruciality, strict=True)
    ]


def _average_ranks(values: FloatArray) -> FloatArray:
    """Ranks 1..n, ties sharing their average rank (as Spearman's coefficient needs)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    size = values.size
    starts = np.concatenate(([0], np.flatnonzero(np.diff(ordered) != 0) + 1))
    ends = np.concatenate((starts[1:], [size]))
    ranks = np.empty(size)
    ranks[order] = np.repeat((starts + ends + 1) / 2, ends - starts)
    return ranks


def _correlations(
    covariance: FloatArray, variance: FloatArray, other_variance: float
) -> FloatArray:
    """Correlation coefficients, 0 where either side does not vary."""
    defined = (variance > 0) & (other_variance > 0)
    result = np.zeros(covariance.shape)
    result[defined] = covariance[defined] / np.sqrt(variance[defined] * other_variance)
    return np.clip(result, -1.0, 1.0)
