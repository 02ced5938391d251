"""Prioritisation: weighted scoring of projects, rank sensitivity to weights, strategic alignment.

Scores on each criterion are normalised to 0..1 (1 = best) before weighting:

* numeric scale ``[minimum, maximum]``: ``(value - minimum) / (maximum - minimum)``;
* ordinal scale with levels listed from lowest to highest: level ``k`` of ``L`` (1-based) gives
  ``(k - 1) / (L - 1)``; a fractional level number (a group's geometric mean) is allowed;
* a lower-is-better criterion uses ``1 - x``.

Weights are non-negative and normalised to sum to 1; the weighted score is in 0..1 (or 0..100 with
``out_of=100``). Ranks are 1 = best and always a permutation: equal scores (to 12 decimals) are
ordered by project id, so the order never depends on the input order.

Weights may come from :func:`steerco.engine.portfolio.ahp.ahp_weights` (``AhpResult.weight_of()``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from steerco.engine.errors import InputError
from steerco.engine.portfolio.ahp import AhpResult, aggregate_judgments, ahp_weights

FloatArray = npt.NDArray[np.float64]
RawScore = float | str

__all__ = [
    "AhpResult",
    "AlignmentResult",
    "Criterion",
    "CriterionSensitivity",
    "Direction",
    "NumericScale",
    "OrdinalScale",
    "ProjectScore",
    "RankRange",
    "RawScore",
    "ScoringResult",
    "WeightSensitivity",
    "WeightThreshold",
    "aggregate_judgments",
    "aggregate_scores",
    "ahp_weights",
    "alignment_scores",
    "normalise_weights",
    "score_projects",
    "weight_sensitivity",
]

# Scores equal to this many decimals count as a tie (then broken by project id), so that float
# noise in the last bits never decides a rank.
_TIE_DECIMALS = 12


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


@dataclass(frozen=True, slots=True)
class NumericScale:
    """A numeric criterion scored between ``minimum`` and ``maximum`` (inclusive)."""

    minimum: float
    maximum: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.minimum) and math.isfinite(self.maximum)):
            raise InputError("scale bounds must be finite numbers", field="scale")
        if self.minimum >= self.maximum:
            raise InputError(
                f"minimum ({self.minimum:g}) must be below maximum ({self.maximum:g})",
                field="scale",
            )


@dataclass(frozen=True, slots=True)
class OrdinalScale:
    """An ordinal criterion: named levels from lowest to highest ("low", "medium", "high")."""

    levels: tuple[str, ...]

    def __post_init__(self) -> None:
        levels = tuple(self.levels)
        if len(levels) < 2:
            raise InputError("an ordinal scale needs at least two levels", field="scale.levels")
        if len(set(levels)) != len(levels):
            raise InputError("levels must be unique", field="scale.levels")
        object.__setattr__(self, "levels", levels)


@dataclass(frozen=True, slots=True)
class Criterion:
    """A scoring criterion.

    Parameters
    ----------
    key:
        Identifier used in score and weight tables.
    scale:
        :class:`NumericScale` or :class:`OrdinalScale`.
    direction:
        Whether a higher raw value is better (value, alignment) or worse (risk, cost).
    name:
        Label for users (defaults to ``key``).
    """

    key: str
    scale: NumericScale | OrdinalScale
    direction: Direction = Direction.HIGHER_IS_BETTER
    name: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            raise InputError("a criterion needs a key", field="criteria")
        if not isinstance(self.scale, NumericScale | OrdinalScale):
            raise InputError("must be a NumericScale or an OrdinalScale", field=f"{self.key}.scale")
        object.__setattr__(self, "direction", Direction(self.direction))
        if not self.name:
            object.__setattr__(self, "name", self.key)

    def level_number(self, value: RawScore) -> float:
        """Position of an ordinal value: 1 for the lowest level (labels or numbers accepted)."""
        assert isinstance(self.scale, OrdinalScale)
        if isinstance(value, str):
            try:
                return float(self.scale.levels.index(value) + 1)
            except ValueError:
                raise InputError(
                    f"unknown level {value!r}; expected one of {', '.join(self.scale.levels)}",
                    field=self.key,
                ) from None
        return float(value)

    def normalise(self, value: RawScore) -> float:
        """Score in 0..1 (1 = best) of a raw value on this criterion."""
        if isinstance(self.scale, NumericScale):
            if isinstance(value, str | bool):
                raise InputError(f"needs a number, got {value!r}", field=self.key)
            number = float(value)
            low, high = self.scale.minimum, self.scale.maximum
            if not math.isfinite(number) or not low <= number <= high:
                raise InputError(
                    f"{number:g} is outside the scale {low:g} .. {high:g}", field=self.key
                )
            fraction = (number - low) / (high - low)
        else:
            position = self.level_number(value)
            top = len(self.scale.levels)
            if not math.isfinite(position) or not 1.0 <= position <= top:
                raise InputError(f"level number {position:g} is outside 1 .. {top}", field=self.key)
            fraction = (position - 1.0) / (top - 1.0)
        return fraction if self.direction is Direction.HIGHER_IS_BETTER else 1.0 - fraction


@dataclass(frozen=True, slots=True)
class ProjectScore:
    """One project's weighted score, rank and per-criterion detail."""

    project: str
    score: float
    rank: int
    normalised: Mapping[str, float]
    contributions: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class ScoringResult:
    """Outcome of :func:`score_projects`: projects best first."""

    weights: Mapping[str, float]
    projects: tuple[ProjectScore, ...]
    out_of: float

    def rank_of(self, project: str) -> int:
        return self._by_project()[project].rank

    def score_of(self, project: str) -> float:
        return self._by_project()[project].score

    def ranking(self) -> tuple[str, ...]:
        """Project ids, best first."""
        return tuple(entry.project for entry in self.projects)

    def _by_project(self) -> dict[str, ProjectScore]:
        return {entry.project: entry for entry in self.projects}


def normalise_weights(
    weights: Mapping[str, float] | AhpResult, keys: Sequence[str], *, field_name: str = "weights"
) -> dict[str, float]:
    """Check that there is one non-negative weight per key and scale them to sum to 1."""
    table = weights.weight_of() if isinstance(weights, AhpResult) else dict(weights)
    missing = [key for key in keys if key not in table]
    extra = sorted(set(table) - set(keys))
    if missing:
        raise InputError(f"no weight for {', '.join(missing)}", field=field_name)
    if extra:
        raise InputError(f"weights for unknown items: {', '.join(extra)}", field=field_name)
    values = [float(table[key]) for key in keys]
    if any(not math.isfinite(v) or v < 0 for v in values):
        raise InputError("weights must be non-negative numbers", field=field_name)
    total = math.fsum(values)
    if total <= 0:
        raise InputError("at least one weight must be positive", field=field_name)
    return {key: value / total for key, value in zip(keys, values, strict=True)}


def _check_criteria(criteria: Sequence[Criterion]) -> list[Criterion]:
    listed = list(criteria)
    if not listed:
        raise InputError("needs at least one criterion", field="criteria")
    keys = [criterion.key for criterion in listed]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise InputError(
            f"criterion keys must be unique: {', '.join(duplicates)}", field="criteria"
        )
    return listed


def _normalised_matrix(
    criteria: list[Criterion], scores: Mapping[str, Mapping[str, RawScore]]
) -> tuple[list[str], FloatArray]:
    projects = list(scores)
    if not projects:
        raise InputError("needs at least one project", field="scores")
    known = {criterion.key for criterion in criteria}
    matrix = np.empty((len(projects), len(criteria)))
    for row, project in enumerate(projects):
        table = scores[project]
        unknown = sorted(set(table) - known)
        if unknown:
            raise InputError(
                f"scores unknown criteria {', '.join(unknown)}", field=f"scores[{project}]"
            )
        for column, criterion in enumerate(criteria):
            if criterion.key not in table:
                raise InputError(f"has no score for {criterion.key}", field=f"scores[{project}]")
            try:
                matrix[row, column] = criterion.normalise(table[criterion.key])
            except InputError as exc:
                raise InputError(exc.detail, field=f"scores[{project}][{criterion.key}]") from None
    return projects, matrix


def _ranking_order(totals: FloatArray, projects: Sequence[str]) -> list[int]:
    """Row indices best first: higher total first, ties (to 12 decimals) by project id."""
    rounded = np.round(totals, _TIE_DECIMALS)
    return sorted(range(len(projects)), key=lambda k: (-rounded[k], projects[k]))


def score_projects(
    criteria: Sequence[Criterion],
    scores: Mapping[str, Mapping[str, RawScore]],
    weights: Mapping[str, float] | AhpResult,
    *,
    out_of: float = 1.0,
) -> ScoringResult:
    """Weighted score and rank of every project.

    Parameters
    ----------
    criteria:
        The criteria, with their scales and directions.
    scores:
        ``{project: {criterion key: raw value}}``; every project scores every criterion
        (numbers for numeric scales; a level label or 1-based level number for ordinal ones).
    weights:
        ``{criterion key: weight}`` (normalised to sum to 1), or an :class:`AhpResult` whose
        labels are the criterion keys.
    out_of:
        Maximum score: 1 (default) or e.g. 100.

    Returns
    -------
    ScoringResult
        Projects best first, each with score, rank, normalised scores and weighted
        contributions (which add up to the score).
    """
    checked = _check_criteria(criteria)
    if not math.isfinite(out_of) or out_of <= 0:
        raise InputError("must be a positive number", field="out_of")
    keys = [criterion.key for criterion in checked]
    weight_of = normalise_weights(weights, keys)
    projects, matrix = _normalised_matrix(checked, scores)
    weight_vector = np.array([weight_of[key] for key in keys])
    totals = matrix @ weight_vector
    entries = []
    for rank, row in enumerate(_ranking_order(totals, projects), start=1):
        entries.append(
            ProjectScore(
                project=projects[row],
                score=float(totals[row]) * out_of,
                rank=rank,
                normalised={key: float(matrix[row, col]) for col, key in enumerate(keys)},
                contributions={
                    key: float(matrix[row, col] * weight_vector[col]) * out_of
                    for col, key in enumerate(keys)
                },
            )
        )
    return ScoringResult(weights=weight_of, projects=tuple(entries), out_of=out_of)


def aggregate_scores(
    criteria: Sequence[Criterion],
    rater_scores: Sequence[Mapping[str, Mapping[str, RawScore]]],
    *,
    rater_weights: Sequence[float] | None = None,
) -> dict[str, dict[str, float]]:
    """Combine several raters' raw scores by the (weighted) geometric mean, cell by cell.

    A rater may leave a cell blank; the mean is then over the raters who scored it. Ordinal
    labels become 1-based level numbers, so the result may sit between two levels. A numeric
    scale must not go below zero (the geometric mean of negative numbers is undefined); one rater
    scoring 0 makes the group score 0.

    Parameters
    ----------
    criteria:
        The criteria the scores refer to.
    rater_scores:
        One ``{project: {criterion key: raw value}}`` table per rater.
    rater_weights:
        Optional non-negative weight per rater; equal by default.

    Returns
    -------
    dict
        ``{project: {criterion key: group value}}``, ready for :func:`score_projects`.
    """
    checked = {criterion.key: criterion for criterion in _check_criteria(criteria)}
    if not rater_scores:
        raise InputError("needs at least one rater", field="rater_scores")
    shares = [1.0] * len(rater_scores) if rater_weights is None else list(rater_weights)
    if len(shares) != len(rater_scores) or any(not math.isfinite(s) or s < 0 for s in shares):
        raise InputError("needs one non-negative weight per rater", field="rater_weights")
    for criterion in checked.values():
        if isinstance(criterion.scale, NumericScale) and criterion.scale.minimum < 0:
            raise InputError(
                "the geometric mean needs a scale that starts at 0 or above", field=criterion.key
            )
    sums: dict[tuple[str, str], list[float]] = {}
    for rater, table in enumerate(rater_scores):
        for project, row in table.items():
            for key, value in row.items():
                if key not in checked:
                    raise InputError(
                        "unknown criterion", field=f"rater_scores[{rater}][{project}][{key}]"
                    )
                criterion = checked[key]
                where = f"rater_scores[{rater}][{project}][{key}]"
                try:
                    criterion.normalise(value)  # validates against the scale
                except InputError as exc:
                    raise InputError(exc.detail, field=where) from None
                number = (
                    criterion.level_number(value)
                    if isinstance(criterion.scale, OrdinalScale)
                    else float(value)
                )
                cell = sums.setdefault((project, key), [0.0, 0.0, 0.0])
                share = shares[rater]
                if share == 0:
                    continue
                if number == 0.0:
                    cell[2] = 1.0  # a zero anywhere makes the geometric mean zero
                else:
                    cell[0] += share * math.log(number)
                cell[1] += share
    result: dict[str, dict[str, float]] = {}
    for (project, key), (log_sum, share_sum, has_zero) in sums.items():
        if share_sum == 0:
            continue
        result.setdefault(project, {})[key] = 0.0 if has_zero else math.exp(log_sum / share_sum)
    return result


# --------------------------------------------------------------------------------------------
# Sensitivity of the ranking to each weight
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeightThreshold:
    """The weight of a criterion at which the ranking first changes, and who swaps."""

    weight: float
    change: float
    projects: tuple[str, str]


@dataclass(frozen=True, slots=True)
class RankRange:
    """Weights of one criterion (others rescaled) for which a project keeps its rank."""

    lower: float
    upper: float


@dataclass(frozen=True, slots=True)
class CriterionSensitivity:
    """How far one criterion's weight can move before the ranking changes.

    Moving the weight to ``t`` rescales the other weights proportionally so they sum to
    ``1 - t``. ``rank_swap_down`` / ``rank_swap_up`` are the nearest weights below / above the
    current one where two projects swap ranks; ``top_k_down`` / ``top_k_up`` where the set of
    the top ``k`` changes. ``None``: no change between 0 and 1 in that direction.
    ``project_ranges[p]`` is the interval of weights (open at its ends when they are not 0 or 1)
    over which project ``p`` keeps its current rank; a weight inside it where two rivals pass
    ``p`` at once, one from each side, ties all three at that single point and is not a bound.
    """

    criterion: str
    weight: float
    rank_swap_down: WeightThreshold | None
    rank_swap_up: WeightThreshold | None
    top_k_down: WeightThreshold | None
    top_k_up: WeightThreshold | None
    project_ranges: Mapping[str, RankRange]

    @property
    def smallest_change_for_rank_swap(self) -> float | None:
        return _smallest(self.rank_swap_down, self.rank_swap_up)

    @property
    def smallest_change_for_top_k(self) -> float | None:
        return _smallest(self.top_k_down, self.top_k_up)


def _smallest(*thresholds: WeightThreshold | None) -> float | None:
    changes = [t.change for t in thresholds if t is not None]
    return min(changes) if changes else None


@dataclass(frozen=True, slots=True)
class WeightSensitivity:
    """Outcome of :func:`weight_sensitivity`, one entry per criterion in input order."""

    top_k: int
    ranking: tuple[str, ...]
    criteria: tuple[CriterionSensitivity, ...]

    def most_sensitive(self) -> CriterionSensitivity | None:
        """The criterion whose smallest weight change swaps two ranks."""
        candidates = [c for c in self.criteria if c.smallest_change_for_rank_swap is not None]
        if not candidates:
            return None
        return min(candidates, key=lambda c: c.smallest_change_for_rank_swap or 0.0)


@dataclass(frozen=True, slots=True)
class _PairNames:
    """Names of the pairs, built only for the few pairs reported (there are n(n-1)/2)."""

    projects: Sequence[str]
    upper: npt.NDArray[np.intp]
    lower: npt.NDArray[np.intp]

    def __getitem__(self, index: int) -> tuple[str, str]:
        return self.projects[int(self.upper[index])], self.projects[int(self.lower[index])]


def _first_flip(
    crossings: FloatArray,
    flips_up: npt.NDArray[np.bool_],
    flips_down: npt.NDArray[np.bool_],
    weight: float,
    pair_names: _PairNames,
) -> tuple[WeightThreshold | None, WeightThreshold | None]:
    """Nearest crossing below and above ``weight`` whose pair really swaps in that direction."""
    up = np.flatnonzero(flips_up)
    down = np.flatnonzero(flips_down)
    result: list[WeightThreshold | None] = []
    for indices, pick in ((down, np.argmax), (up, np.argmin)):
        if indices.size == 0:
            result.append(None)
            continue
        best = int(indices[int(pick(crossings[indices]))])
        at = float(min(1.0, max(0.0, crossings[best])))
        result.append(
            WeightThreshold(weight=at, change=abs(at - weight), projects=pair_names[best])
        )
    return result[0], result[1]


def weight_sensitivity(
    criteria: Sequence[Criterion],
    scores: Mapping[str, Mapping[str, RawScore]],
    weights: Mapping[str, float] | AhpResult,
    *,
    top_k: int = 3,
) -> WeightSensitivity:
    """How much each criterion's weight must change before the ranking changes.

    With the weight of criterion ``j`` set to ``t`` and the others rescaled proportionally,
    every project's score is linear in ``t``: ``S_p(t) = R_p + t * (s_pj - R_p)`` with ``R_p`` its
    score on the other criteria alone. Two projects swap exactly where their lines cross, so the
    thresholds are found exactly from the pairwise crossings, not by sampling.

    Parameters
    ----------
    criteria, scores, weights:
        As in :func:`score_projects`.
    top_k:
        Size of the shortlist whose membership is watched (clipped to the number of projects).

    Returns
    -------
    WeightSensitivity
        Per criterion: the nearest weights below and above the current one where any two ranks
        swap and where the top-k set changes (with the projects involved), and for each project
        the range of weights over which its rank stays the same.
    """
    checked = _check_criteria(criteria)
    keys = [criterion.key for criterion in checked]
    weight_of = normalise_weights(weights, keys)
    projects, matrix = _normalised_matrix(checked, scores)
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise InputError("must be a positive whole number", field="top_k")
    count = len(projects)
    k = min(top_k, count)
    weight_vector = np.array([weight_of[key] for key in keys])
    order = _ranking_order(matrix @ weight_vector, projects)
    position = np.empty(count, dtype=np.int64)
    position[order] = np.arange(count)  # 0 = best
    in_top = position < k

    first, second = np.triu_indices(count, 1)
    # ``upper`` is the project of each pair that is ranked better today.
    first_is_better = position[first] < position[second]
    upper = np.where(first_is_better, first, second)
    lower = np.where(first_is_better, second, first)
    ordered_names = _PairNames(projects, upper, lower)
    watched_for_top_k = in_top[upper] & ~in_top[lower]

    results = []
    for column, key in enumerate(keys):
        weight = weight_of[key]
        if len(keys) == 1:
            results.append(
                CriterionSensitivity(
                    criterion=key,
                    weight=1.0,
                    rank_swap_down=None,
                    rank_swap_up=None,
                    top_k_down=None,
                    top_k_up=None,
                    project_ranges={p: RankRange(0.0, 1.0) for p in projects},
                )
            )
            continue
        others = weight_vector.copy()
        others[column] = 0.0
        # With all the weight on this criterion the others have nothing to rescale: share evenly.
        others = (
            others / others.sum()
            if others.sum() > 0
            else np.where(np.arange(len(keys)) == column, 0.0, 1.0 / (len(keys) - 1))
        )
        intercept = matrix @ others
        slope = matrix[:, column] - intercept

        slope_gap = slope[upper] - slope[lower]  # > 0: the worse-ranked one gains as t falls
        with np.errstate(divide="ignore", invalid="ignore"):
            crossing = (intercept[lower] - intercept[upper]) / slope_gap
        parallel = slope_gap == 0.0
        tied_now = ~parallel & (np.abs(crossing - weight) <= 1e-12)
        inside = ~parallel & (crossing >= -1e-12) & (crossing <= 1 + 1e-12)
        # Above a crossing the steeper line is on top, so the worse-ranked project overtakes
        # when the weight rises only if its line is steeper (slope_gap < 0), and vice versa.
        flips_up = inside & (slope_gap < 0) & ((crossing > weight) | tied_now)
        flips_down = inside & (slope_gap > 0) & ((crossing < weight) | tied_now)
        swap_down, swap_up = _first_flip(crossing, flips_up, flips_down, weight, ordered_names)
        top_down, top_up = _first_flip(
            crossing,
            flips_up & watched_for_top_k,
            flips_down & watched_for_top_k,
            weight,
            ordered_names,
        )

        lowest = _rank_bounds(count, crossing, upper, lower, flips_down, descending=True)
        highest = _rank_bounds(count, crossing, upper, lower, flips_up, descending=False)
        ranges = {
            project: RankRange(float(lowest[row]), float(highest[row]))
            for row, project in enumerate(projects)
        }
        results.append(
            CriterionSensitivity(
                criterion=key,
                weight=weight,
                rank_swap_down=swap_down,
                rank_swap_up=swap_up,
                top_k_down=top_down,
                top_k_up=top_up,
                project_ranges=ranges,
            )
        )
    return WeightSensitivity(
        top_k=k, ranking=tuple(projects[row] for row in order), criteria=tuple(results)
    )


def _rank_bounds(
    count: int,
    crossing: FloatArray,
    upper: npt.NDArray[np.intp],
    lower: npt.NDArray[np.intp],
    flips: npt.NDArray[np.bool_],
    *,
    descending: bool,
) -> FloatArray:
    """Per project, the nearest weight (down or up) where its rank changes; 0 or 1 if none.

    Each crossing moves one rival across a project: a rival ahead falling behind improves its
    rank by one, a rival behind overtaking worsens it by one. Crossings at the same weight are
    netted, so two rivals swapping sides at once leave the rank unchanged. Walking each
    project's crossings outward from the current weight, the first point where the running net
    is not zero is the bound.
    """
    bounds = np.full(count, 0.0 if descending else 1.0)
    chosen = np.flatnonzero(flips)
    if chosen.size == 0:
        return bounds
    owner = np.concatenate([upper[chosen], lower[chosen]])
    point = np.round(np.concatenate([crossing[chosen], crossing[chosen]]), _TIE_DECIMALS)
    step = np.concatenate([np.ones(chosen.size, np.int64), -np.ones(chosen.size, np.int64)])
    # Distance outward from the current weight: a smaller key is met first.
    key = -point if descending else point

    # Usually the nearest crossing already changes the rank: settle those projects in linear
    # time, and walk the sorted crossings only for projects whose nearest ones cancel out.
    nearest = np.full(count, np.inf)
    np.minimum.at(nearest, owner, key)
    at_nearest = key == nearest[owner]
    net = np.zeros(count, np.int64)
    np.add.at(net, owner[at_nearest], step[at_nearest])
    settled = np.isfinite(nearest) & (net != 0)
    bounds[settled] = np.clip(-nearest[settled] if descending else nearest[settled], 0.0, 1.0)
    undecided = np.isfinite(nearest) & (net == 0)
    if not undecided.any():
        return bounds
    keep = undecided[owner]
    owner, point, step, key = owner[keep], point[keep], step[keep], key[keep]
    walk = np.lexsort((key, owner))
    owner, point, step = owner[walk], point[walk], step[walk]
    starts = np.flatnonzero(
        np.concatenate([[True], (owner[1:] != owner[:-1]) | (point[1:] != point[:-1])])
    )
    group_owner, group_point = owner[starts], point[starts]
    running = np.cumsum(np.add.reduceat(step, starts))
    owner_starts = np.flatnonzero(np.concatenate([[True], group_owner[1:] != group_owner[:-1]]))
    before_owner = np.concatenate([[0], running[owner_starts[1:] - 1]])
    running -= np.repeat(before_owner, np.diff(np.append(owner_starts, group_owner.size)))
    changed = np.flatnonzero(running != 0)
    first_owners, first_index = np.unique(group_owner[changed], return_index=True)
    bounds[first_owners] = np.clip(group_point[changed[first_index]], 0.0, 1.0)
    return bounds


# --------------------------------------------------------------------------------------------
# Strategic alignment
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlignmentResult:
    """Outcome of :func:`alignment_scores`.

    Attributes
    ----------
    weights:
        Objective weights, normalised to sum to 1.
    scores:
        Alignment score of each project in 0..1 (1 = contributes fully to every objective).
    breakdown:
        Per project, the weighted share each objective adds to its score.
    objective_coverage:
        Per objective, the mean contribution of the projects as a fraction of the maximum.
    unsupported_objectives:
        Objectives no project contributes to.
    """

    weights: Mapping[str, float]
    scores: Mapping[str, float]
    breakdown: Mapping[str, Mapping[str, float]]
    objective_coverage: Mapping[str, float]
    unsupported_objectives: tuple[str, ...]


def alignment_scores(
    objective_weights: Mapping[str, float] | AhpResult,
    contributions: Mapping[str, Mapping[str, float]],
    *,
    max_contribution: float = 3.0,
) -> AlignmentResult:
    """Strategic alignment of each project from a project x objective contribution matrix.

    ``score = sum_o weight_o * contribution_o / max_contribution``.

    Parameters
    ----------
    objective_weights:
        ``{objective: weight}`` (normalised to sum to 1) or an :class:`AhpResult`.
    contributions:
        ``{project: {objective: contribution}}`` on ``0 .. max_contribution`` (the usual 0-3
        "none, low, medium, high" matrix, or 0..1). A blank cell means no contribution.
    max_contribution:
        Top of the contribution scale (3 by default; 1 for a 0..1 matrix).

    Returns
    -------
    AlignmentResult
        Score per project, breakdown per objective, and coverage of each objective.
    """
    if not math.isfinite(max_contribution) or max_contribution <= 0:
        raise InputError("must be a positive number", field="max_contribution")
    objectives = (
        list(objective_weights.labels)
        if isinstance(objective_weights, AhpResult)
        else list(objective_weights)
    )
    if not objectives:
        raise InputError("needs at least one objective", field="objective_weights")
    weight_of = normalise_weights(objective_weights, objectives, field_name="objective_weights")
    scores: dict[str, float] = {}
    breakdown: dict[str, dict[str, float]] = {}
    totals = dict.fromkeys(objectives, 0.0)
    for project, row in contributions.items():
        unknown = sorted(set(row) - set(objectives))
        if unknown:
            raise InputError(
                f"unknown objectives: {', '.join(unknown)}", field=f"contributions[{project}]"
            )
        shares = {}
        for objective in objectives:
            value = float(row.get(objective, 0.0))
            if not math.isfinite(value) or not 0.0 <= value <= max_contribution:
                raise InputError(
                    f"must be between 0 and {max_contribution:g}",
                    field=f"contributions[{project}][{objective}]",
                )
            totals[objective] += value
            shares[objective] = weight_of[objective] * value / max_contribution
        breakdown[project] = shares
        scores[project] = math.fsum(shares.values())
    count = max(1, len(contributions))
    coverage = {o: totals[o] / (count * max_contribution) for o in objectives}
    return AlignmentResult(
        weights=weight_of,
        scores=scores,
        breakdown=breakdown,
        objective_coverage=coverage,
        unsupported_objectives=tuple(o for o in objectives if totals[o] == 0.0),
    )
